//! Rankings of teams, volunteers, districts and groups, and the statistics page.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::rankings::{
    district_ranking, group_ranking, stats_out, team_ranking, volunteer_ranking, RankingOut,
    StatsOut,
};
use yinling_app::wire::Day;
use yinling_app::App;
use yinling_ledger::TeamId;
use yinling_projections::access::Read;
use yinling_projections::rankings::{
    RankBy, RankingQuery, DEFAULT_RANKING_LIMIT, MAX_RANKING_LIMIT,
};
use yinling_projections::State as LedgerState;

use super::AsOfParam;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiQuery, Auth};

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

/// Answers a ranking read (any signed-in caller: rankings are published).
async fn ranking(
    app: &App,
    who: &yinling_projections::Principal,
    p: &RankingParams,
    rank: fn(&LedgerState, &RankingQuery) -> RankingOut,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(p)?;
    let out = app
        .read(who, p.as_of, Read::Published, |state| Ok(rank(state, &q)))
        .await?;
    Ok(Json(out))
}

/// Teams by points or hours over a window of service dates (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/teams", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn teams(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    ranking(&app, &who, &p, team_ranking).await
}

/// Volunteers by points or hours, within a team, a district or the city (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/volunteers", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn volunteers(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let q = query(&p)?;
    let out = app
        .read(&who, p.as_of, Read::Published, |state| {
            let mut out = volunteer_ranking(state, &q);
            // Names outside the caller's scope are masked.
            for item in &mut out.items {
                if let Some(v) = item
                    .id
                    .parse()
                    .ok()
                    .and_then(|id: yinling_ledger::VolunteerId| state.volunteers.get(&id))
                {
                    item.name = yinling_projections::access::name_for(&who, v);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(out))
}

/// Districts by points or hours (the sum of their teams; any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/districts", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn districts(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    ranking(&app, &who, &p, district_ranking).await
}

/// Groups and sub-groups by points or hours over a window: the service of member teams on
/// the days they were members (any authenticated caller).
#[utoipa::path(get, path = "/v1/rankings/groups", tag = "rankings", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn groups(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    ranking(&app, &who, &p, group_ranking).await
}

/// Statistics per district and in total (any authenticated caller).
#[utoipa::path(get, path = "/v1/stats", tag = "rankings", params(AsOfParam),
    responses((status = 200, body = StatsOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn stats(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<StatsOut>, ApiError> {
    let stats = app
        .read(&who, q.as_of, Read::Published, |state| Ok(stats_out(state)))
        .await?;
    Ok(Json(stats))
}
