//! Access tokens: issue (the secret is shown in the answer, only its hash is recorded) and
//! revoke.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;
use yinling_app::answers::{IssuedToken, ReplacedToken};
use yinling_app::mint::secret_hash;
use yinling_app::reports::tokens::{tokens_out, TokenOut};
use yinling_app::wire::Day;
use yinling_app::App;
use yinling_ledger::{
    GroupId, Role, StationId, TeamId, TokenId, TokenLastDaySet, TokenRevoked as Revoked,
    TokenScope, VolunteerId,
};
use yinling_projections::access::{self, Read};
use yinling_projections::Command;

use super::{created, written};
use crate::error::{ApiError, Problem};
use crate::extract::{optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey, NoBody};

/// Body of `POST /v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// admin, coordinator (needs team_id), volunteer (needs volunteer_id), auditor,
    /// group_coordinator (needs group_id), station_clerk (station_id; none: the first
    /// station), district_coordinator (needs district) or bank_officer (needs bank).
    #[schema(value_type = yinling_app::wire::RoleName)]
    pub role: Role,
    /// The team of a coordinator.
    #[schema(format = Uuid)]
    pub team_id: Option<String>,
    /// The volunteer of a volunteer token.
    #[schema(format = Uuid)]
    pub volunteer_id: Option<String>,
    /// The group of a group coordinator.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub group_id: Option<String>,
    /// The e-station of a station clerk.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub station_id: Option<String>,
    /// The district or county of a district coordinator, e.g. 南浔区.
    #[serde(default)]
    pub district: Option<String>,
    /// The bank of a bank officer, as its rate vouchers name it.
    #[serde(default)]
    pub bank: Option<String>,
    /// A note for people, e.g. "counter at 南浔 e站".
    #[serde(default)]
    pub label: String,
    /// Its last day, included (`YYYY-MM-DD`, today or later): refused from the day after.
    /// Not for a volunteer's points card. Absent: it works until stopped.
    #[serde(default)]
    pub last_day: Option<Day>,
}

/// An issued token. `token` is the secret: store it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// Token id (not secret; used to revoke it).
    pub id: String,
    /// The secret to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Role.
    #[schema(value_type = yinling_app::wire::RoleName)]
    pub role: Role,
    /// Team scope.
    pub team_id: Option<String>,
    /// Volunteer scope.
    pub volunteer_id: Option<String>,
    /// Group scope.
    pub group_id: Option<String>,
    /// Station scope.
    pub station_id: Option<String>,
    /// District scope.
    pub district: Option<String>,
    /// Bank scope.
    pub bank: Option<String>,
    /// Label.
    pub label: String,
    /// The token this one replaced (a lost card), if any.
    pub replaces: Option<String>,
    /// Its last day, included, if it has one.
    pub last_day: Option<String>,
}

impl TokenCreated {
    /// The answer for a token just issued, with its secret.
    fn of(app: &App, issued: IssuedToken, replaces: Option<String>) -> Self {
        let scope = issued.scope;
        let last_day = issued.last_day;
        let t = issued.issued;
        TokenCreated {
            id: t.token_id.to_string(),
            // A retry returns the original token, whose secret derives from its id.
            token: app.mint.secret(&t.token_id),
            role: t.role,
            team_id: t.team_id.map(|t| t.to_string()),
            volunteer_id: t.volunteer_id.map(|v| v.to_string()),
            group_id: match &scope {
                Some(TokenScope::Group(g)) => Some(g.to_string()),
                _ => None,
            },
            station_id: match &scope {
                Some(TokenScope::Station(s)) => Some(s.to_string()),
                _ => None,
            },
            district: match &scope {
                Some(TokenScope::District(d)) => Some(d.clone()),
                _ => None,
            },
            bank: match &scope {
                Some(TokenScope::Bank(b)) => Some(b.clone()),
                _ => None,
            },
            label: t.label,
            replaces,
            last_day: last_day.map(|d| d.to_string()),
        }
    }
}

/// The one scope a token body names, if any (more than one is refused).
fn scope_of(body: &NewToken) -> Result<Option<TokenScope>, ApiError> {
    let mut scopes = Vec::new();
    if let Some(g) = optional_body_id::<GroupId>(body.group_id.as_deref(), "group_id")? {
        scopes.push(TokenScope::Group(g));
    }
    if let Some(s) = optional_body_id::<StationId>(body.station_id.as_deref(), "station_id")? {
        scopes.push(TokenScope::Station(s));
    }
    if let Some(d) = &body.district {
        scopes.push(TokenScope::District(d.trim().to_owned()));
    }
    if let Some(b) = &body.bank {
        scopes.push(TokenScope::Bank(b.trim().to_owned()));
    }
    if scopes.len() > 1 {
        return Err(ApiError::unprocessable(
            "bad_scope",
            "a token is bound to one thing: give at most one of group_id, station_id, district, bank",
        ));
    }
    Ok(scopes.pop())
}

/// A revoked token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenRevoked {
    /// Token id.
    pub id: String,
    /// Always true.
    pub revoked: bool,
}

/// Issue a token (admin; a coordinator may issue sign-in tokens for their own volunteers).
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = NewToken,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe (the same secret is returned)")),
    responses((status = 201, body = TokenCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    if body.value.role == Role::System {
        return Err(ApiError::unprocessable(
            "bad_role",
            "the system role cannot be given to a token",
        ));
    }
    let token_id = TokenId::generate();
    let secret = app.mint.secret(&token_id);
    let command = Command::IssueToken(yinling_projections::NewToken {
        token_id,
        role: body.value.role,
        team_id: optional_body_id::<TeamId>(body.value.team_id.as_deref(), "team_id")?,
        volunteer_id: optional_body_id::<VolunteerId>(
            body.value.volunteer_id.as_deref(),
            "volunteer_id",
        )?,
        scope: scope_of(&body.value)?,
        secret_sha256: secret_hash(&secret),
        label: body.value.label,
        last_day: body.value.last_day.map(|d| d.0),
    });
    let w = app
        .submit::<IssuedToken>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let out = TokenCreated::of(&app, w.answer, None);
    Ok(created(format!("/v1/tokens/{}", out.id), &w.receipt, out))
}

/// Which tokens.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// One team's volunteers' cards (coordinators: their own, which is also the default).
    pub team_id: Option<String>,
    /// Also the stopped ones.
    pub include_revoked: Option<bool>,
}

/// Tokens and cards.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub items: Vec<TokenOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Tokens and points cards: whose, issued when, last used, stopped (administrators and
/// auditors: every token; coordinators: their volunteers' cards). Never a secret.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(TokenParams),
    responses((status = 200, body = TokenList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<TokenParams>,
) -> Result<Json<TokenList>, ApiError> {
    let team: Option<TeamId> = match q.team_id.as_deref() {
        Some(t) => Some(path_id(t, "team")?),
        None => access::own_team(&who),
    };
    let include_revoked = q.include_revoked.unwrap_or(false);
    let app2 = app.clone();
    let out = app
        .read(&who, None, Read::Tokens(team), |state| {
            Ok(TokenList {
                items: tokens_out(state, &who, team, include_revoked, |id| app2.last_used(id)),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Body of `POST /v1/tokens/{id}/replace`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceIn {
    /// A note for the new token (default: the old one's).
    #[serde(default)]
    pub label: String,
}

/// A lost card (or any token): the old one stops and a new one of the same role and scope
/// starts, in one step; the answer carries the new secret (administrators; coordinators for
/// their volunteers' cards).
#[utoipa::path(post, path = "/v1/tokens/{id}/replace", tag = "tokens", request_body = ReplaceIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe (the same new secret is returned)")),
    responses((status = 201, body = TokenCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn replace(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ReplaceIn>,
) -> Result<Response, ApiError> {
    let token_id: TokenId = path_id(&id, "token")?;
    let command = app.replace_token(token_id, body.value.label);
    let w = app
        .submit::<ReplacedToken>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let revoked = w.answer.revoked.to_string();
    let out = TokenCreated::of(&app, w.answer.issued, Some(revoked));
    Ok(created(format!("/v1/tokens/{}", out.id), &w.receipt, out))
}

/// Revoke a token; every later request with it is refused (administrators; coordinators
/// for their volunteers' cards).
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = TokenRevoked), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn revoke(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: NoBody,
) -> Result<Response, ApiError> {
    let token_id: TokenId = path_id(&id, "token")?;
    let w = app
        .submit::<Revoked>(
            &who,
            Command::RevokeToken { token_id },
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(written(
        &w.receipt,
        TokenRevoked {
            id: w.answer.token_id.to_string(),
            revoked: true,
        },
    ))
}

/// Body of `PUT /v1/tokens/{id}/last-day`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LastDayIn {
    /// The token's last day, included (`YYYY-MM-DD`, today or later); `null`: none.
    pub last_day: Option<Day>,
}

/// A token's last day, as set.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastDayOut {
    /// Token id.
    pub id: String,
    /// Its last day, included; `null`: none.
    pub last_day: Option<String>,
}

/// Move a staff token's last day, or take it away (administrators). A token past its last
/// day works again once the day is moved on; the last administrator token without a last
/// day cannot be given one.
#[utoipa::path(put, path = "/v1/tokens/{id}/last-day", tag = "tokens", request_body = LastDayIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = LastDayOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn set_last_day(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<LastDayIn>,
) -> Result<Response, ApiError> {
    let token_id: TokenId = path_id(&id, "token")?;
    let command = Command::SetTokenLastDay {
        token_id,
        last_day: body.value.last_day.map(|d| d.0),
    };
    let w = app
        .submit::<TokenLastDaySet>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        LastDayOut {
            id: w.answer.token_id.to_string(),
            last_day: w.answer.last_day.map(|d| d.to_string()),
        },
    ))
}
