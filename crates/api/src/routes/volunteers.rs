//! Volunteers: register, move, search, account and statement.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::accounts::{
    entry_out, volunteer_out, EntryOut, StatementOut, VolunteerOut,
};
use yinling_app::wire::Amount;
use yinling_app::App;
use yinling_ledger::{GroupId, TeamId, VolunteerId, VolunteerMovedTeam, VolunteerRegistered};
use yinling_projections::access::{self, Read};
use yinling_projections::checks;
use yinling_projections::volunteers::Volunteer;
use yinling_projections::{Command, Principal};

use super::{created, page_limit, written};
use crate::error::{ApiError, Problem};
use crate::extract::{body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

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
    /// The consent collected at registration, if it was.
    pub consent: Option<ConsentIn>,
}

/// A consent as collected: what for, the version of the privacy notice shown, by whom.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    /// What for, e.g. 志愿服务积分记录.
    pub purpose: String,
    /// The version of the privacy notice shown (see `GET /v1/privacy-notice`).
    pub notice_version: u32,
    /// Who collected it, as a role or desk.
    pub collected_by: String,
}

impl From<ConsentIn> for yinling_projections::GivenConsent {
    fn from(c: ConsentIn) -> Self {
        yinling_projections::GivenConsent {
            purpose: c.purpose,
            notice_version: c.notice_version,
            collected_by: c.collected_by,
        }
    }
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
    /// Only the teams that are members of this group today (its coordinator, administrators
    /// and auditors); a group coordinator's search defaults to their group.
    pub group_id: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    /// Most items.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
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

/// A volunteer moved to another team (their earlier service stays with the old one).
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerMoved {
    /// Id.
    pub id: String,
    /// The team they left.
    pub from_team_id: String,
    /// The team they joined.
    pub team_id: String,
    /// The district of the new team.
    pub district: String,
}

/// Register a volunteer in a team (admin, or the team's coordinator).
#[utoipa::path(post, path = "/v1/volunteers", tag = "volunteers", request_body = NewVolunteer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = VolunteerCreated), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewVolunteer>,
) -> Result<Response, ApiError> {
    let body_name = body.value.name.clone();
    let command = Command::RegisterVolunteer {
        volunteer_id: VolunteerId::generate(),
        name: body.value.name,
        team_id: body_id(&body.value.team_id, "team_id")?,
        birth_year: body.value.birth_year,
        consent: body.value.consent.map(Into::into),
    };
    let w = app
        .submit::<VolunteerRegistered>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let v = w.answer;
    // The event carries no name (it is sealed beside it): the answer repeats the name sent,
    // trimmed as it was recorded (a retry sends the same body and gets the same answer).
    let name = body_name.trim().to_owned();
    let out = VolunteerCreated {
        id: v.volunteer_id.to_string(),
        name,
        team_id: v.team_id.to_string(),
        district: v.district,
    };
    Ok(created(
        format!("/v1/volunteers/{}", out.id),
        &w.receipt,
        out,
    ))
}

/// Move a volunteer to another team (admin). Earlier service stays with the old team.
#[utoipa::path(post, path = "/v1/volunteers/{id}/move", tag = "volunteers", request_body = MoveVolunteer,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = VolunteerMoved), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn move_team(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<MoveVolunteer>,
) -> Result<Response, ApiError> {
    let volunteer_id: VolunteerId = path_id(&id, "volunteer")?;
    let command = Command::MoveVolunteer {
        volunteer_id,
        to_team_id: body_id::<TeamId>(&body.value.team_id, "team_id")?,
    };
    let w = app
        .submit::<VolunteerMovedTeam>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let m = w.answer;
    Ok(written(
        &w.receipt,
        VolunteerMoved {
            id: m.volunteer_id.to_string(),
            from_team_id: m.from_team_id.to_string(),
            team_id: m.to_team_id.to_string(),
            district: m.district,
        },
    ))
}

fn summary(who: &Principal, v: &Volunteer) -> VolunteerSummary {
    VolunteerSummary {
        id: v.id.to_string(),
        name: access::name_for(who, v),
        team_id: v.team_id.to_string(),
        hours: v.hours_net().into(),
        available: v.balance.available().into(),
        stars: v.stars().0,
    }
}

/// Search volunteers by team or group and name (admin, auditor, coordinator for their own team).
#[utoipa::path(get, path = "/v1/volunteers", tag = "volunteers", params(SearchParams),
    responses((status = 200, body = VolunteerList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn search(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Json<VolunteerList>, ApiError> {
    let asked: Option<TeamId> = match &q.team_id {
        Some(t) => Some(t.parse().map_err(|_| {
            ApiError::bad_request("malformed_id", format!("team_id {t:?} is not a valid id"))
        })?),
        None => None,
    };
    // A coordinator's search is of their own team, named or not.
    let team = asked.or(access::own_team(&who));
    let limit = page_limit(q.limit)?;
    let needle = q.q.unwrap_or_default().trim().to_lowercase();
    let group: Option<GroupId> = match (&q.group_id, &who) {
        (Some(g), _) => Some(g.parse().map_err(|_| {
            ApiError::bad_request("malformed_id", format!("group_id {g:?} is not a valid id"))
        })?),
        (None, Principal::GroupCoordinator(_, g)) if team.is_none() => Some(*g),
        (None, _) => None,
    };
    if let Some(g) = group {
        let list = app
            .read(&who, q.as_of, Read::GroupRoster(g), |state| {
                let today = yinling_app::reports::day_of(state, q.as_of);
                let mut found: Vec<&Volunteer> = state
                    .volunteers
                    .values()
                    .filter(|v| team.is_none_or(|t| t == v.team_id))
                    .filter(|v| state.in_group(&v.team_id, &g, today))
                    .filter(|v| {
                        needle.is_empty()
                            || access::name_for(&who, v).to_lowercase().contains(&needle)
                    })
                    .collect();
                found.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
                found.truncate(limit);
                Ok(VolunteerList {
                    items: found.into_iter().map(|v| summary(&who, v)).collect(),
                    as_of: state.head.seq,
                })
            })
            .await?;
        return Ok(Json(list));
    }
    let list = app
        .read(&who, q.as_of, Read::Roster(team), |state| {
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
            // A masked name is searched as it is shown, so a search cannot unmask it.
            found.retain(|v| {
                needle.is_empty() || access::name_for(&who, v).to_lowercase().contains(&needle)
            });
            found.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
            found.truncate(limit);
            Ok(VolunteerList {
                items: found.into_iter().map(|v| summary(&who, v)).collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// A volunteer's balance, hours and stars (self, their coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/volunteers/{id}", tag = "volunteers",
    params(("id" = String, Path, format = Uuid), super::AsOfParam),
    responses((status = 200, body = VolunteerOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<super::AsOfParam>,
) -> Result<Json<VolunteerOut>, ApiError> {
    let id: VolunteerId = path_id(&id, "volunteer")?;
    let view = app.view(q.as_of).await?;
    let account = view.with(|state| {
        let v = checks::volunteer(state, &id)?;
        access::may_read(&who, &Read::Account(v))?;
        let mut out = volunteer_out(state, v);
        if !access::sees_personal(&who, v) {
            out.name = access::name_for(&who, v);
            out.birth_year = None;
        }
        Ok::<_, ApiError>(out)
    })?;
    app.note_access(&who, id, "GET /v1/volunteers/{id}");
    Ok(Json(account))
}

/// A volunteer's statement with running balance, oldest first (same readers as the account).
#[utoipa::path(get, path = "/v1/volunteers/{id}/statement", tag = "volunteers",
    params(("id" = String, Path, format = Uuid), StatementParams),
    responses((status = 200, body = StatementOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn statement(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StatementParams>,
) -> Result<Json<StatementOut>, ApiError> {
    let id: VolunteerId = path_id(&id, "volunteer")?;
    let limit = page_limit(q.limit)?;
    let after = q.after.unwrap_or(0);
    let view = app.view(q.as_of).await?;
    let mut page = view.with(|state| {
        let v = checks::volunteer(state, &id)?;
        access::may_read(&who, &Read::Account(v))?;
        let mut page = v.statement.iter(state.stamps()).filter(|e| e.seq > after);
        let entries: Vec<EntryOut> = page
            .by_ref()
            .take(limit)
            .map(|e| entry_out(state, v, &e))
            .collect();
        let next_after = page
            .next()
            .is_some()
            .then(|| entries.last().map(|e| e.seq))
            .flatten();
        Ok::<_, ApiError>(StatementOut {
            volunteer_id: v.id.to_string(),
            // As the account shows it: in full to who may see personal fields, masked to
            // others who may read the account (an auditor, a clerk).
            name: access::name_for(&who, v),
            entries,
            disputes: yinling_app::reports::disputes::of_volunteer(state, &who, &v.id),
            next_after,
            as_of: state.head.seq,
            checkpoint: String::new(),
        })
    })?;
    let (entries, published) = app.prove_entries(std::mem::take(&mut page.entries)).await?;
    page.entries = entries;
    page.checkpoint = published.text;
    app.note_access(&who, id, "GET /v1/volunteers/{id}/statement");
    Ok(Json(page))
}
