//! Teams: register, list, look up.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::reports::teams::{team_out, TeamOut};
use yinling_app::App;
use yinling_ledger::{TeamId, TeamRegistered};
use yinling_projections::access::Read;
use yinling_projections::teams::Team;
use yinling_projections::Command;

use super::{created, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

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
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
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
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
}

/// A list of teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// Teams, by district then name.
    pub items: Vec<TeamOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Register a team (admin).
#[utoipa::path(post, path = "/v1/teams", tag = "teams", request_body = NewTeam,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = TeamCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewTeam>,
) -> Result<Response, ApiError> {
    let command = Command::RegisterTeam {
        team_id: TeamId::generate(),
        name: body.value.name,
        district: body.value.district,
        category: app.category("category", &body.value.category)?,
    };
    let w = app
        .submit::<TeamRegistered>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let t = w.answer;
    let team = TeamCreated {
        id: t.team_id.to_string(),
        name: t.name,
        district: t.district,
        category: app.category_code(&t.category),
    };
    Ok(created(format!("/v1/teams/{}", team.id), &w.receipt, team))
}

/// List every team (any authenticated caller).
#[utoipa::path(get, path = "/v1/teams", tag = "teams", params(AsOfParam),
    responses((status = 200, body = TeamList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<TeamList>, ApiError> {
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            let mut teams: Vec<&Team> = state.teams.values().collect();
            teams.sort_by(|a, b| (&a.district, &a.name, a.id).cmp(&(&b.district, &b.name, b.id)));
            Ok(TeamList {
                items: teams
                    .into_iter()
                    .map(|t| team_out(&state.categories, t))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// One team with its totals (any authenticated caller).
#[utoipa::path(get, path = "/v1/teams/{id}", tag = "teams",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = TeamOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<TeamOut>, ApiError> {
    let id: TeamId = path_id(&id, "team")?;
    let team = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(yinling_projections::checks::team(state, &id)
                .map(|t| team_out(&state.categories, t))?)
        })
        .await?;
    Ok(Json(team))
}
