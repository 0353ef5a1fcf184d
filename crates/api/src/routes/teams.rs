//! Teams: register, list, look up.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_ledger::{Category, Envelope, Event, TeamId};
use yinling_projections::teams::{Tally, Team};
use yinling_projections::Command;

use super::{created, AsOfParam};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};
use crate::wire::Amount;

/// Body of `POST /v1/teams`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// Team name, e.g. 荻溪六老调解队.
    #[schema(min_length = 1)]
    pub name: String,
    /// District or county, e.g. 南浔区.
    #[schema(min_length = 1)]
    pub district: String,
    /// Main kind of service.
    #[schema(value_type = crate::wire::CategoryName)]
    pub category: Category,
}

/// Activity and redemption totals (net of reversals).
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyOut {
    /// Activities.
    pub activities: u64,
    /// Participations.
    pub participant_times: u64,
    /// Net hours.
    pub hours: Amount,
    /// Net points.
    pub points: Amount,
    /// Redemptions fulfilled.
    pub redemptions: u64,
    /// Points spent.
    pub redemption_points: Amount,
    /// People served.
    pub people_served: u64,
    /// Problems resolved.
    pub problems_resolved: u64,
    /// Disputes handled.
    pub disputes_handled: u64,
    /// Disputes settled.
    pub disputes_settled: u64,
}

impl From<&Tally> for TallyOut {
    fn from(t: &Tally) -> Self {
        TallyOut {
            activities: t.activities,
            participant_times: t.participant_times,
            hours: t.hours.into(),
            points: t.points.into(),
            redemptions: t.redemptions,
            redemption_points: t.redemption_points.into(),
            people_served: t.people_served,
            problems_resolved: t.problems_resolved,
            disputes_handled: t.disputes_handled,
            disputes_settled: t.disputes_settled,
        }
    }
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// District.
    #[schema(min_length = 1)]
    pub district: String,
    /// Category.
    #[schema(value_type = crate::wire::CategoryName)]
    pub category: Category,
    /// Current members.
    pub members: usize,
    /// Totals.
    pub tally: TallyOut,
}

/// A newly registered team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCreated {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// District.
    #[schema(min_length = 1)]
    pub district: String,
    /// Category.
    #[schema(value_type = crate::wire::CategoryName)]
    pub category: Category,
}

/// A list of teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// Teams, by district then name.
    pub items: Vec<TeamOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// A team as returned by reads.
pub fn team_out(team: &Team) -> TeamOut {
    TeamOut {
        id: team.id.to_string(),
        name: team.name.clone(),
        district: team.district.clone(),
        category: team.category,
        members: team.members.len(),
        tally: (&team.tally).into(),
    }
}

fn team_created(envelopes: &[Envelope]) -> Result<TeamCreated, ApiError> {
    match envelopes.first().map(|e| &e.payload) {
        Some(Event::TeamRegistered(t)) => Ok(TeamCreated {
            id: t.team_id.to_string(),
            name: t.name.clone(),
            district: t.district.clone(),
            category: t.category,
        }),
        _ => Err(ApiError::internal(
            &"team registration produced no TeamRegistered event",
        )),
    }
}

/// Register a team (admin).
#[utoipa::path(post, path = "/v1/teams", tag = "teams", request_body = NewTeam,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = TeamCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<AppState>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewTeam>,
) -> Result<Response, ApiError> {
    let command = Command::RegisterTeam {
        team_id: TeamId::generate(),
        name: body.value.name,
        district: body.value.district,
        category: body.value.category,
    };
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    let team = team_created(&envelopes)?;
    Ok(created(format!("/v1/teams/{}", team.id), &envelopes, team))
}

/// List every team (any authenticated caller).
#[utoipa::path(get, path = "/v1/teams", tag = "teams", params(AsOfParam),
    responses((status = 200, body = TeamList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<TeamList>, ApiError> {
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(|state| {
        let mut teams: Vec<&Team> = state.teams.values().collect();
        teams.sort_by(|a, b| (&a.district, &a.name, a.id).cmp(&(&b.district, &b.name, b.id)));
        TeamList {
            items: teams.into_iter().map(team_out).collect(),
            as_of: state.head.seq,
        }
    })))
}

/// One team with its totals (any authenticated caller).
#[utoipa::path(get, path = "/v1/teams/{id}", tag = "teams",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = TeamOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<AppState>,
    Auth(_who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<TeamOut>, ApiError> {
    let id: TeamId = path_id(&id, "team")?;
    let view = app.engine.view(q.as_of).await?;
    view.with(|state| {
        state
            .teams
            .get(&id)
            .map(|t| Json(team_out(t)))
            .ok_or_else(|| ApiError::not_found("team_not_found", format!("no team has id {id}")))
    })
}
