//! Volunteers: register, move, search, account and statement.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::{Envelope, Event, TeamId, VolunteerId};
use yinling_projections::stars::StarLevel;
use yinling_projections::volunteers::{EntryKind, EntryRef, Volunteer};
use yinling_projections::{Command, Principal, State as LedgerState};

use super::{created, page_limit, AsOfParam};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};
use crate::wire::{Amount, Day};

/// Body of `POST /v1/volunteers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVolunteer {
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// The team they join.
    #[schema(format = Uuid)]
    pub team_id: String,
    /// Year of birth (optional; for age statistics).
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<u16>,
}

/// A newly registered volunteer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerCreated {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Team.
    pub team_id: String,
    /// District.
    pub district: String,
}

/// Body of `POST /v1/volunteers/{id}/move`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveVolunteer {
    /// The team to move to.
    #[schema(format = Uuid)]
    pub team_id: String,
}

/// A volunteer's points.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceOut {
    /// Points ever earned by service.
    pub earned: Amount,
    /// Points taken back by reversals.
    pub reversed: Amount,
    /// Points reserved by held redemptions.
    pub held: Amount,
    /// Points spent.
    pub redeemed: Amount,
    /// Points that can be spent now: earned - reversed - redeemed - held.
    pub available: Amount,
}

/// A volunteer's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerOut {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Current team.
    pub team_id: String,
    /// Its name.
    pub team_name: String,
    /// District.
    pub district: String,
    /// Year of birth, if known.
    pub birth_year: Option<u16>,
    /// Points.
    pub balance: BalanceOut,
    /// Net hours of service.
    pub hours: Amount,
    /// Star level, 0 to 5.
    pub stars: u8,
    /// Hours still needed for the next star (absent at five stars).
    pub hours_to_next_star: Option<Amount>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// One line of a search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerSummary {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Team.
    pub team_id: String,
    /// Net hours.
    pub hours: Amount,
    /// Available points.
    pub available: Amount,
    /// Stars.
    pub stars: u8,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerList {
    /// Volunteers by name.
    pub items: Vec<VolunteerSummary>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Only this team (coordinators always see only their own).
    pub team_id: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    /// Most items.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// One statement line.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    /// The event's seq.
    pub seq: u64,
    /// When recorded (RFC 3339).
    pub at: String,
    /// service, reversal, hold, fulfilment, cancellation or expiry.
    pub kind: String,
    /// Service date, for service and reversal lines.
    pub date: Option<Day>,
    /// Change to available points.
    pub points: Amount,
    /// Change to hours.
    pub hours: Amount,
    /// Available points after this line.
    pub balance: Amount,
    /// The activity concerned.
    pub activity_id: Option<String>,
    /// The redemption concerned.
    pub redemption_id: Option<String>,
    /// What it was, in words.
    pub description: String,
}

/// A statement page.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementOut {
    /// Whose.
    pub volunteer_id: String,
    /// Their name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Lines, oldest first.
    pub entries: Vec<EntryOut>,
    /// Pass as `after` to get the next page (absent on the last page).
    pub next_after: Option<u64>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Statement paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementParams {
    /// Lines after this seq.
    #[param(minimum = 0)]
    pub after: Option<u64>,
    /// Most lines.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// Whether `who` may read this volunteer's account.
pub fn may_read(who: &Principal, v: &Volunteer) -> bool {
    match who {
        Principal::Volunteer(_, me) => *me == v.id,
        Principal::Coordinator(_, team) => *team == v.team_id,
        _ => who.reads_everything(),
    }
}

fn volunteer_created(envelopes: &[Envelope]) -> Result<VolunteerCreated, ApiError> {
    match envelopes.first().map(|e| &e.payload) {
        Some(Event::VolunteerRegistered(v)) => Ok(VolunteerCreated {
            id: v.volunteer_id.to_string(),
            name: v.name.clone(),
            team_id: v.team_id.to_string(),
            district: v.district.clone(),
        }),
        _ => Err(ApiError::internal(
            &"registration produced no VolunteerRegistered event",
        )),
    }
}

fn body_id<T: std::str::FromStr>(text: &str, field: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::unprocessable(
            "malformed_id",
            format!("{field} {text:?} is not a valid id (a UUID)"),
        )
    })
}

/// Register a volunteer in a team (admin, or the team's coordinator).
#[utoipa::path(post, path = "/v1/volunteers", tag = "volunteers", request_body = NewVolunteer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = VolunteerCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<AppState>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewVolunteer>,
) -> Result<Response, ApiError> {
    let command = Command::RegisterVolunteer {
        volunteer_id: VolunteerId::generate(),
        name: body.value.name,
        team_id: body_id(&body.value.team_id, "team_id")?,
        birth_year: body.value.birth_year,
    };
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    let v = volunteer_created(&envelopes)?;
    Ok(created(format!("/v1/volunteers/{}", v.id), &envelopes, v))
}

/// Move a volunteer to another team (admin). Earlier service stays with the old team.
#[utoipa::path(post, path = "/v1/volunteers/{id}/move", tag = "volunteers", request_body = MoveVolunteer,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = VolunteerCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn move_team(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<MoveVolunteer>,
) -> Result<axum::response::Response, ApiError> {
    let volunteer_id: VolunteerId = path_id(&id, "volunteer")?;
    let command = Command::MoveVolunteer {
        volunteer_id,
        to_team_id: body_id::<TeamId>(&body.value.team_id, "team_id")?,
    };
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    let state = app.engine.read();
    match envelopes.first().map(|e| &e.payload) {
        Some(Event::VolunteerMovedTeam(m)) => Ok(super::written(
            &envelopes,
            VolunteerCreated {
                id: m.volunteer_id.to_string(),
                name: state
                    .volunteers
                    .get(&m.volunteer_id)
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                team_id: m.to_team_id.to_string(),
                district: m.district.clone(),
            },
        )),
        _ => Err(ApiError::internal(
            &"move produced no VolunteerMovedTeam event",
        )),
    }
}

/// Search volunteers by team and name (admin, auditor, coordinator for their own team).
#[utoipa::path(get, path = "/v1/volunteers", tag = "volunteers", params(SearchParams),
    responses((status = 200, body = VolunteerList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn search(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Json<VolunteerList>, ApiError> {
    let mut team: Option<TeamId> = match &q.team_id {
        Some(t) => Some(t.parse().map_err(|_| {
            ApiError::bad_request("malformed_id", format!("team_id {t:?} is not a valid id"))
        })?),
        None => None,
    };
    match who {
        Principal::Coordinator(_, mine) => {
            if team.is_some_and(|t| t != mine) {
                return Err(ApiError::forbidden(
                    "other_team",
                    "coordinators can only list their own team's volunteers",
                ));
            }
            team = Some(mine);
        }
        Principal::Volunteer(..) => {
            return Err(ApiError::forbidden(
                "not_allowed",
                "volunteers cannot list other volunteers",
            ));
        }
        _ => {}
    }
    let limit = page_limit(q.limit);
    let needle = q.q.unwrap_or_default().trim().to_lowercase();
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(|state| {
        let mut found: Vec<&Volunteer> = match team {
            Some(t) => state
                .teams
                .get(&t)
                .map(|t| {
                    t.members
                        .iter()
                        .filter_map(|id| state.volunteers.get(id))
                        .collect()
                })
                .unwrap_or_default(),
            None => state.volunteers.values().collect(),
        };
        found.retain(|v| needle.is_empty() || v.name.to_lowercase().contains(&needle));
        found.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        found.truncate(limit);
        VolunteerList {
            items: found
                .into_iter()
                .map(|v| VolunteerSummary {
                    id: v.id.to_string(),
                    name: v.name.clone(),
                    team_id: v.team_id.to_string(),
                    hours: v.hours_net().into(),
                    available: v.balance.available().into(),
                    stars: v.stars().0,
                })
                .collect(),
            as_of: state.head.seq,
        }
    })))
}

/// A volunteer's balance, hours and stars (self, their coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/volunteers/{id}", tag = "volunteers",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = VolunteerOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<VolunteerOut>, ApiError> {
    let id: VolunteerId = path_id(&id, "volunteer")?;
    let view = app.engine.view(q.as_of).await?;
    view.with(|state| {
        let v = find(state, &id)?;
        if !may_read(&who, v) {
            return Err(forbidden_other());
        }
        Ok(Json(volunteer_out(state, v)))
    })
}

fn find<'a>(state: &'a LedgerState, id: &VolunteerId) -> Result<&'a Volunteer, ApiError> {
    state.volunteers.get(id).ok_or_else(|| {
        ApiError::not_found("volunteer_not_found", format!("no volunteer has id {id}"))
    })
}

fn forbidden_other() -> ApiError {
    ApiError::forbidden(
        "other_volunteer",
        "you can see only your own account (coordinators: only their own team's volunteers)",
    )
}

/// A volunteer's account as the API shows it.
pub fn volunteer_out(state: &LedgerState, v: &Volunteer) -> VolunteerOut {
    let hours = v.hours_net();
    VolunteerOut {
        id: v.id.to_string(),
        name: v.name.clone(),
        team_id: v.team_id.to_string(),
        team_name: state
            .teams
            .get(&v.team_id)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        district: v.district.clone(),
        birth_year: v.birth_year,
        balance: BalanceOut {
            earned: v.balance.earned.into(),
            reversed: v.balance.reversed.into(),
            held: v.balance.held.into(),
            redeemed: v.balance.redeemed.into(),
            available: v.balance.available().into(),
        },
        hours: hours.into(),
        stars: v.stars().0,
        hours_to_next_star: StarLevel::hours_to_next(hours).map(Amount),
        as_of: state.head.seq,
    }
}

/// A volunteer's statement with running balance, oldest first (same readers as the account).
#[utoipa::path(get, path = "/v1/volunteers/{id}/statement", tag = "volunteers",
    params(("id" = String, Path, format = Uuid), StatementParams),
    responses((status = 200, body = StatementOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn statement(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StatementParams>,
) -> Result<Json<StatementOut>, ApiError> {
    let id: VolunteerId = path_id(&id, "volunteer")?;
    let limit = page_limit(q.limit);
    let after = q.after.unwrap_or(0);
    let view = app.engine.view(q.as_of).await?;
    view.with(|state| {
        let v = find(state, &id)?;
        if !may_read(&who, v) {
            return Err(forbidden_other());
        }
        let start = v.statement.partition_point(|e| e.seq <= after);
        let page = &v.statement[start..];
        let entries: Vec<EntryOut> = page
            .iter()
            .take(limit)
            .map(|e| entry_out(state, e))
            .collect();
        let next_after = (page.len() > limit)
            .then(|| entries.last().map(|e| e.seq))
            .flatten();
        Ok(Json(StatementOut {
            volunteer_id: v.id.to_string(),
            name: v.name.clone(),
            entries,
            next_after,
            as_of: state.head.seq,
        }))
    })
}

/// A statement line as the API shows it.
pub fn entry_out(
    state: &LedgerState,
    e: &yinling_projections::volunteers::StatementEntry,
) -> EntryOut {
    let kind = match e.kind {
        EntryKind::Service => "service",
        EntryKind::Reversal => "reversal",
        EntryKind::Hold => "hold",
        EntryKind::Fulfilment => "fulfilment",
        EntryKind::Cancellation => "cancellation",
        EntryKind::Expiry => "expiry",
    };
    let (activity_id, redemption_id, description) = match e.reference {
        EntryRef::Activity(a) => (
            Some(a.to_string()),
            None,
            state
                .activities
                .get(&a)
                .map(|a| a.title.clone())
                .unwrap_or_default(),
        ),
        EntryRef::Redemption(r) => {
            let description = state
                .redemptions
                .get(&r)
                .and_then(|r| {
                    state
                        .rewards
                        .get(&r.reward_id)
                        .map(|w| format!("{} × {}", w.name, r.quantity))
                })
                .unwrap_or_default();
            (None, Some(r.to_string()), description)
        }
    };
    EntryOut {
        seq: e.seq,
        at: e.at.to_rfc3339(),
        kind: kind.to_owned(),
        date: e.date.map(Day),
        points: e.points.into(),
        hours: e.hours.into(),
        balance: e.available_after.into(),
        activity_id,
        redemption_id,
        description,
    }
}
