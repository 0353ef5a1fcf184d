//! Rankings of teams, volunteers and districts, and the statistics page.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::TeamId;
use yinling_projections::rankings::{
    RankBy, RankingQuery, DEFAULT_RANKING_LIMIT, MAX_RANKING_LIMIT,
};
use yinling_projections::State as LedgerState;

use super::teams::TallyOut;
use super::AsOfParam;
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiQuery, Auth};
use crate::wire::{Amount, Day};

/// What a ranking orders by (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RankByName {
    /// Points, then hours, then id.
    Points,
    /// Hours, then points, then id.
    Hours,
}

/// Ranking parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// First service date counted, YYYY-MM-DD (inclusive).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last service date counted, YYYY-MM-DD (inclusive).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Only this district.
    pub district: Option<String>,
    /// Only service for this team (volunteer rankings).
    pub team_id: Option<String>,
    /// `points` (default) or `hours`.
    #[param(value_type = Option<RankByName>)]
    pub by: Option<String>,
    /// Most entries (default 20, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// One ranked entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedOut {
    /// 1 for the best.
    pub rank: usize,
    /// Team or volunteer id (district name for districts).
    pub id: String,
    /// Name.
    pub name: String,
    /// Points earned in the window (net of reversals).
    pub points: Amount,
    /// Hours served in the window (net of reversals).
    pub hours: Amount,
    /// District (teams and volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Current team (volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Star level (volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stars: Option<u8>,
}

/// A ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    /// Best first.
    pub items: Vec<RankedOut>,
    /// The order used.
    pub by: String,
    /// Window start.
    pub from: Option<Day>,
    /// Window end.
    pub to: Option<Day>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

fn query(p: &RankingParams) -> Result<RankingQuery, ApiError> {
    let day = |field: &str, v: &Option<String>| -> Result<Option<Day>, ApiError> {
        v.as_deref()
            .map(|t| {
                Day::parse(t)
                    .map_err(|e| ApiError::bad_request("bad_date", format!("{field}: {e}")))
            })
            .transpose()
    };
    let from = day("from", &p.from)?;
    let to = day("to", &p.to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::bad_request(
                "bad_window",
                format!("from ({}) is after to ({})", f.0, t.0),
            ));
        }
    }
    let by = match p.by.as_deref() {
        None | Some("points") => RankBy::Points,
        Some("hours") => RankBy::Hours,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_order",
                format!("by={other:?} is unknown; use points or hours"),
            ))
        }
    };
    let team_id: Option<TeamId> = p
        .team_id
        .as_deref()
        .map(|t| path_id(t, "team"))
        .transpose()?;
    let limit = p.limit.unwrap_or(DEFAULT_RANKING_LIMIT);
    if limit == 0 || limit > MAX_RANKING_LIMIT {
        return Err(ApiError::bad_request(
            "bad_limit",
            format!("limit must be between 1 and {MAX_RANKING_LIMIT}"),
        ));
    }
    Ok(RankingQuery {
        from: from.map(|d| d.0),
        to: to.map(|d| d.0),
        district: p.district.clone(),
        team_id,
        by,
        limit,
    })
}

fn by_name(by: RankBy) -> String {
    match by {
        RankBy::Points => "points".into(),
        RankBy::Hours => "hours".into(),
    }
}

/// Teams by points or hours over a window of service dates (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/teams", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn teams(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(&p)?;
    let view = app.engine.view(p.as_of).await?;
    Ok(Json(view.with(|state| team_ranking(state, &q))))
}

/// Teams ranked, as the API answers.
pub fn team_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    RankingOut {
        items: state
            .rank_teams(q)
            .into_iter()
            .map(|r| {
                let team = state.teams.get(&r.id);
                RankedOut {
                    rank: r.rank,
                    id: r.id.to_string(),
                    name: team.map(|t| t.name.clone()).unwrap_or_default(),
                    points: r.amounts.points.into(),
                    hours: r.amounts.hours.into(),
                    district: team.map(|t| t.district.clone()),
                    team_id: None,
                    stars: None,
                }
            })
            .collect(),
        by: by_name(q.by),
        from: q.from.map(Day),
        to: q.to.map(Day),
        as_of: state.head.seq,
    }
}

/// Volunteers by points or hours, within a team, a district or the city (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/volunteers", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn volunteers(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(&p)?;
    let view = app.engine.view(p.as_of).await?;
    Ok(Json(view.with(|state| volunteer_ranking(state, &q))))
}

/// Volunteers ranked, as the API answers.
pub fn volunteer_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    RankingOut {
        items: state
            .rank_volunteers(q)
            .into_iter()
            .map(|r| {
                let v = state.volunteers.get(&r.id);
                RankedOut {
                    rank: r.rank,
                    id: r.id.to_string(),
                    name: v.map(|v| v.name.clone()).unwrap_or_default(),
                    points: r.amounts.points.into(),
                    hours: r.amounts.hours.into(),
                    district: v.map(|v| v.district.clone()),
                    team_id: v.map(|v| v.team_id.to_string()),
                    stars: v.map(|v| v.stars().0),
                }
            })
            .collect(),
        by: by_name(q.by),
        from: q.from.map(Day),
        to: q.to.map(Day),
        as_of: state.head.seq,
    }
}

/// Districts by points or hours (the sum of their teams; any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/districts", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn districts(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(&p)?;
    let view = app.engine.view(p.as_of).await?;
    Ok(Json(view.with(|state| district_ranking(state, &q))))
}

/// Districts ranked, as the API answers.
pub fn district_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    RankingOut {
        items: state
            .rank_districts(q)
            .into_iter()
            .map(|r| RankedOut {
                rank: r.rank,
                id: r.id.to_owned(),
                name: r.id.to_owned(),
                points: r.amounts.points.into(),
                hours: r.amounts.hours.into(),
                district: None,
                team_id: None,
                stars: None,
            })
            .collect(),
        by: by_name(q.by),
        from: q.from.map(Day),
        to: q.to.map(Day),
        as_of: state.head.seq,
    }
}

/// Groups and sub-groups by points or hours over a window: the service of member teams on
/// the days they were members (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/groups", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn groups(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(&p)?;
    let view = app.engine.view(p.as_of).await?;
    Ok(Json(view.with(|state| {
        RankingOut {
            items: state
                .rank_groups(&q)
                .into_iter()
                .map(|r| RankedOut {
                    rank: r.rank,
                    id: r.id.to_string(),
                    name: state
                        .groups
                        .get(&r.id)
                        .map(|g| g.name.clone())
                        .unwrap_or_default(),
                    points: r.amounts.points.into(),
                    hours: r.amounts.hours.into(),
                    district: None,
                    team_id: None,
                    stars: None,
                })
                .collect(),
            by: by_name(q.by),
            from: q.from.map(Day),
            to: q.to.map(Day),
            as_of: state.head.seq,
        }
    })))
}

/// A district's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictOut {
    /// Name.
    pub name: String,
    /// Teams registered.
    pub teams: usize,
    /// Volunteers currently in its teams.
    pub volunteers: u64,
    /// Totals.
    pub tally: TallyOut,
}

/// Ledger-wide point totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsOut {
    /// Points ever earned.
    pub points_earned: Amount,
    /// Points taken back.
    pub points_reversed: Amount,
    /// Points held.
    pub points_held: Amount,
    /// Points spent.
    pub points_redeemed: Amount,
    /// Volunteers.
    pub volunteers: usize,
    /// Teams.
    pub teams: usize,
    /// Events.
    pub events: u64,
}

/// City statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsOut {
    /// Districts by name.
    pub districts: Vec<DistrictOut>,
    /// Totals.
    pub totals: TotalsOut,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Statistics per district and in total (any authenticated caller).
#[utoipa::path(get, path = "/v1/stats", tag = "rankings", params(AsOfParam),
    responses((status = 200, body = StatsOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn stats(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<StatsOut>, ApiError> {
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(stats_out)))
}

/// The statistics, as the API answers.
pub fn stats_out(state: &LedgerState) -> StatsOut {
    StatsOut {
        districts: state
            .districts
            .values()
            .map(|d| DistrictOut {
                name: d.name.clone(),
                teams: d.teams.len(),
                volunteers: d.volunteers,
                tally: (&d.tally).into(),
            })
            .collect(),
        totals: TotalsOut {
            points_earned: state.totals.points_earned.into(),
            points_reversed: state.totals.points_reversed.into(),
            points_held: state.totals.points_held.into(),
            points_redeemed: state.totals.points_redeemed.into(),
            volunteers: state.volunteers.len(),
            teams: state.teams.len(),
            events: state.totals.events,
        },
        as_of: state.head.seq,
    }
}
