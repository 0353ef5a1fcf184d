//! Activities: log one with its participants atomically, reverse it, read it back.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::{ActivityId, Category, Envelope, Event, Outcomes, TeamId};
use yinling_projections::activities::Activity;
use yinling_projections::{Command, ParticipantHours, Principal};

use super::{created, page_limit, AsOfParam};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};
use crate::wire::{Amount, Day};

/// One participant in `POST /v1/activities`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantIn {
    /// Who.
    #[schema(format = Uuid)]
    pub volunteer_id: String,
    /// Hours served: more than 0, at most 24, at most 2 decimals.
    pub hours: Amount,
}

/// Results of an activity beyond hours (all optional, default 0).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomesIo {
    /// People who received the service.
    pub people_served: u32,
    /// Problems resolved.
    pub problems_resolved: u32,
    /// Disputes taken up (mediation).
    pub disputes_handled: u32,
    /// Disputes settled (never more than handled).
    pub disputes_settled: u32,
}

impl From<&OutcomesIo> for Outcomes {
    fn from(o: &OutcomesIo) -> Self {
        Outcomes {
            people_served: o.people_served,
            problems_resolved: o.problems_resolved,
            disputes_handled: o.disputes_handled,
            disputes_settled: o.disputes_settled,
        }
    }
}

impl From<&Outcomes> for OutcomesIo {
    fn from(o: &Outcomes) -> Self {
        OutcomesIo {
            people_served: o.people_served,
            problems_resolved: o.problems_resolved,
            disputes_handled: o.disputes_handled,
            disputes_settled: o.disputes_settled,
        }
    }
}

/// Body of `POST /v1/activities`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    /// The team that ran it (the coordinator's own).
    #[schema(format = Uuid)]
    pub team_id: String,
    /// Kind of service.
    #[schema(value_type = crate::wire::CategoryName)]
    pub category: Category,
    /// Service date, at most tomorrow.
    pub date: Day,
    /// What was done.
    #[schema(min_length = 1)]
    pub title: String,
    /// One to 500 participants, each once.
    pub participants: Vec<ParticipantIn>,
    /// Results beyond hours.
    #[serde(default)]
    pub outcomes: Option<OutcomesIo>,
    /// The project it belongs to, if any.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub project_id: Option<String>,
}

/// Body of `POST /v1/activities/{id}/reversal`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalIn {
    /// Why the activity is reversed.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// One participant as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantOut {
    /// Who.
    pub volunteer_id: String,
    /// Hours.
    pub hours: Amount,
    /// Points earned (or taken back, in a reversal).
    pub points: Amount,
}

/// An activity as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    /// Id.
    pub id: String,
    /// Team.
    pub team_id: String,
    /// District.
    pub district: String,
    /// Category.
    #[schema(value_type = crate::wire::CategoryName)]
    pub category: Category,
    /// Service date.
    pub date: Day,
    /// Title.
    #[schema(min_length = 1)]
    pub title: String,
    /// Participants.
    pub participants: Vec<ParticipantOut>,
    /// Sum of hours.
    pub hours_total: Amount,
    /// Sum of points.
    pub points_total: Amount,
    /// Results.
    pub outcomes: OutcomesIo,
    /// Whether it has been reversed.
    pub reversed: bool,
    /// Why, if reversed.
    pub reversal_reason: Option<String>,
    /// Seq of its first event.
    pub seq: u64,
    /// The project it belongs to, if any.
    pub project_id: Option<String>,
}

/// Activities of a team.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityList {
    /// Newest service date first.
    pub items: Vec<ActivityOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Listing parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// The team (coordinators: their own, which is also the default).
    pub team_id: Option<String>,
    /// Most items.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// The response to logging or reversing, built from the events alone so that a retry with
/// the same Idempotency-Key gets exactly the first answer.
fn activity_from_events(envelopes: &[Envelope]) -> Result<ActivityOut, ApiError> {
    let mut out: Option<ActivityOut> = None;
    for e in envelopes {
        match &e.payload {
            Event::ActivityLogged(a) => {
                out = Some(ActivityOut {
                    id: a.activity_id.to_string(),
                    team_id: a.team_id.to_string(),
                    district: a.district.clone(),
                    category: a.category,
                    date: Day(a.date),
                    title: a.title.clone(),
                    participants: Vec::new(),
                    hours_total: a.hours_total.into(),
                    points_total: a.points_total.into(),
                    outcomes: (&a.outcomes).into(),
                    reversed: false,
                    reversal_reason: None,
                    seq: e.seq,
                    project_id: None,
                });
            }
            Event::ActivityInProject(p) => {
                if let Some(o) = out.as_mut() {
                    o.project_id = Some(p.project_id.to_string());
                }
            }
            Event::ServiceLogged(s) => {
                if let Some(o) = out.as_mut() {
                    o.participants.push(ParticipantOut {
                        volunteer_id: s.volunteer_id.to_string(),
                        hours: s.hours.into(),
                        points: s.points.into(),
                    });
                }
            }
            _ => {}
        }
    }
    out.ok_or_else(|| ApiError::internal(&"logging produced no ActivityLogged event"))
}

/// An activity as the API shows it.
pub fn activity_out(a: &Activity) -> ActivityOut {
    ActivityOut {
        id: a.id.to_string(),
        team_id: a.team_id.to_string(),
        district: a.district.clone(),
        category: a.category,
        date: Day(a.date),
        title: a.title.clone(),
        participants: a
            .participants
            .iter()
            .map(|p| ParticipantOut {
                volunteer_id: p.volunteer_id.to_string(),
                hours: p.hours.into(),
                points: p.points.into(),
            })
            .collect(),
        hours_total: a.hours_total().into(),
        points_total: a.points_total().into(),
        outcomes: (&a.outcomes).into(),
        reversed: a.reversal.is_some(),
        reversal_reason: a.reversal.as_ref().map(|r| r.reason.clone()),
        seq: a.seq,
        project_id: a.project_id.map(|p| p.to_string()),
    }
}

/// Log an activity with all its participants, atomically (the team's coordinator).
#[utoipa::path(post, path = "/v1/activities", tag = "activities", request_body = NewActivity,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ActivityOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<AppState>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewActivity>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let team_id: TeamId = b.team_id.parse().map_err(|_| {
        ApiError::unprocessable(
            "malformed_id",
            format!("team_id {:?} is not a valid id (a UUID)", b.team_id),
        )
    })?;
    let mut participants = Vec::with_capacity(b.participants.len());
    for (i, p) in b.participants.iter().enumerate() {
        participants.push(ParticipantHours {
            volunteer_id: p.volunteer_id.parse().map_err(|_| {
                ApiError::unprocessable(
                    "malformed_id",
                    format!(
                        "participants[{i}].volunteer_id {:?} is not a valid id (a UUID)",
                        p.volunteer_id
                    ),
                )
            })?,
            hours: p.hours.0,
        });
    }
    let command = Command::LogActivity(yinling_projections::NewActivity {
        activity_id: ActivityId::generate(),
        team_id,
        category: b.category,
        date: b.date.0,
        title: b.title,
        participants,
        outcomes: b.outcomes.as_ref().map(Outcomes::from).unwrap_or_default(),
        project_id: b
            .project_id
            .as_deref()
            .map(|p| p.parse())
            .transpose()
            .map_err(|_| {
                ApiError::unprocessable("malformed_id", "project_id is not a valid id (a UUID)")
            })?,
    });
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    let activity = activity_from_events(&envelopes)?;
    Ok(created(
        format!("/v1/activities/{}", activity.id),
        &envelopes,
        activity,
    ))
}

/// Reverse a whole activity by compensating entries (its coordinator, or an admin).
#[utoipa::path(post, path = "/v1/activities/{id}/reversal", tag = "activities", request_body = ReversalIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ActivityOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn reverse(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ReversalIn>,
) -> Result<axum::response::Response, ApiError> {
    let activity_id: ActivityId = path_id(&id, "activity")?;
    let command = Command::ReverseActivity {
        activity_id,
        reason: body.value.reason,
    };
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    // The reversal's own events carry everything: build the answer from them.
    let mut reason = None;
    let participants = envelopes
        .iter()
        .filter_map(|e| match &e.payload {
            Event::ServiceReversed(r) => {
                reason.get_or_insert_with(|| r.reason.clone());
                Some(ParticipantOut {
                    volunteer_id: r.volunteer_id.to_string(),
                    hours: r.hours.into(),
                    points: r.points.into(),
                })
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    let state = app.engine.read();
    let a = state
        .activities
        .get(&activity_id)
        .ok_or_else(|| ApiError::internal(&"reversed activity vanished"))?;
    let mut out = activity_out(a);
    out.participants = participants;
    out.reversed = true;
    out.reversal_reason = reason;
    Ok(super::written(&envelopes, out))
}

fn may_read(who: &Principal, a: &Activity) -> bool {
    match who {
        Principal::Coordinator(_, team) => *team == a.team_id,
        Principal::Volunteer(_, me) => a.participants.iter().any(|p| p.volunteer_id == *me),
        _ => who.reads_everything(),
    }
}

/// One activity (its team's coordinator, its participants, admin, auditor).
#[utoipa::path(get, path = "/v1/activities/{id}", tag = "activities",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = ActivityOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<ActivityOut>, ApiError> {
    let id: ActivityId = path_id(&id, "activity")?;
    let view = app.engine.view(q.as_of).await?;
    view.with(|state| {
        let a = state.activities.get(&id).ok_or_else(|| {
            ApiError::not_found("activity_not_found", format!("no activity has id {id}"))
        })?;
        if !may_read(&who, a) {
            return Err(ApiError::forbidden(
                "other_team",
                "this activity belongs to another team",
            ));
        }
        Ok(Json(activity_out(a)))
    })
}

/// A team's activities, newest first (its coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/activities", tag = "activities", params(ListParams),
    responses((status = 200, body = ActivityList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<ActivityList>, ApiError> {
    let requested: Option<TeamId> = match &q.team_id {
        Some(t) => Some(path_id(t, "team")?),
        None => None,
    };
    let team = match (who, requested) {
        (Principal::Coordinator(_, mine), Some(t)) if t != mine => {
            return Err(ApiError::forbidden(
                "other_team",
                "coordinators can only list their own team's activities",
            ))
        }
        (Principal::Coordinator(_, mine), _) => mine,
        (Principal::Volunteer(..), _) => {
            return Err(ApiError::forbidden(
                "not_allowed",
                "volunteers see their activities in their statement",
            ))
        }
        (_, Some(t)) => t,
        (_, None) => {
            return Err(ApiError::bad_request(
                "missing_team_id",
                "name the team with ?team_id=...",
            ))
        }
    };
    let limit = page_limit(q.limit);
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(|state| {
        let mut items: Vec<&Activity> = state
            .activities
            .values()
            .filter(|a| a.team_id == team)
            .collect();
        items.sort_by_key(|a| std::cmp::Reverse((a.date, a.seq)));
        items.truncate(limit);
        ActivityList {
            items: items.into_iter().map(activity_out).collect(),
            as_of: state.head.seq,
        }
    })))
}
