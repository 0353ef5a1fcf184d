//! Activities: log one with its participants atomically, reverse it, read it back.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::answers::{Logged, LoggedActivity, ReversedActivity};
use yinling_app::reports::backfills::{backfill_out, BackfillOut};
use yinling_app::wire::{Amount, Day};
use yinling_app::App;
use yinling_ledger::{ActivityId, Outcomes, ServiceCorrected, TeamId, VolunteerId};
use yinling_projections::access::{self, Read};
use yinling_projections::activities::Activity;
use yinling_projections::{checks, Command, ParticipantHours};

use super::{accepted, created, page_limit, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{body_id, optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

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
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
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
    /// A joint activity (联合活动): the other teams that organised it, all members of one
    /// group with `team_id` on its date. Participants may come from any of them; each
    /// one's hours go to their own team.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub co_organisers: Vec<String>,
    /// The group a joint activity is organised in (default: the first group all its teams
    /// belong to; a group's coordinator: their own).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub group_id: Option<String>,
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
    /// The team the entry credited: the volunteer's own.
    pub team_id: String,
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
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
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
    /// For a joint activity, the other organising teams (empty for an activity of one team).
    pub co_organisers: Vec<String>,
    /// For a joint activity, the group its organisers share.
    pub group_id: Option<String>,
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

/// An activity as the API shows it.
pub fn activity_out(state: &yinling_projections::State, a: &Activity) -> ActivityOut {
    let categories = &state.categories;
    ActivityOut {
        id: a.id.to_string(),
        team_id: a.team_id.to_string(),
        district: a.district.to_string(),
        category: categories.code(&a.category),
        date: Day(a.date),
        title: a.title.to_string(),
        participants: a
            .participants
            .iter()
            .filter_map(|p| {
                let volunteer_id = state.volunteer_id_of(p.number)?;
                Some(ParticipantOut::of(
                    &volunteer_id,
                    p.hours,
                    p.points,
                    &a.team_of(&p),
                ))
            })
            .collect(),
        hours_total: a.hours_total().into(),
        points_total: a.points_total().into(),
        outcomes: (&a.outcomes).into(),
        reversed: a.reversal().is_some(),
        reversal_reason: a.reversal().map(|r| r.reason.clone()),
        seq: a.seq,
        project_id: a.project_id.map(|p| p.to_string()),
        co_organisers: a
            .joint()
            .iter()
            .flat_map(|j| j.teams.iter().map(|t| t.team_id.to_string()))
            .collect(),
        group_id: a.joint().map(|j| j.group_id.to_string()),
    }
}

impl ParticipantOut {
    fn of(volunteer_id: &VolunteerId, hours: Decimal, points: Decimal, team: &TeamId) -> Self {
        ParticipantOut {
            volunteer_id: volunteer_id.to_string(),
            hours: hours.into(),
            points: points.into(),
            team_id: team.to_string(),
        }
    }
}

impl ActivityOut {
    /// The answer to logging, read off the command's own events (`category`: its code).
    pub(crate) fn logged(l: &LoggedActivity, category: String) -> Self {
        let a = &l.activity;
        ActivityOut {
            id: a.activity_id.to_string(),
            team_id: a.team_id.to_string(),
            district: a.district.clone(),
            category,
            date: Day(a.date),
            title: a.title.clone(),
            participants: l
                .services
                .iter()
                .map(|s| ParticipantOut::of(&s.volunteer_id, s.hours, s.points, &s.team_id))
                .collect(),
            hours_total: a.hours_total.into(),
            points_total: a.points_total.into(),
            outcomes: (&a.outcomes).into(),
            reversed: false,
            reversal_reason: None,
            seq: l.seq,
            project_id: l.project_id.map(|p| p.to_string()),
            co_organisers: l
                .joint
                .iter()
                .flat_map(|j| j.teams.iter().map(|t| t.team_id.to_string()))
                .collect(),
            group_id: l.joint.as_ref().map(|j| j.group_id.to_string()),
        }
    }
}

/// A reversal as recorded: what each participant gave back.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReversalOut {
    /// The activity reversed.
    pub activity_id: String,
    /// The team that logged it.
    pub team_id: String,
    /// Its district.
    pub district: String,
    /// Its category.
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
    /// Its service date.
    pub date: Day,
    /// Why it was reversed.
    pub reason: String,
    /// Each participant's hours and points taken back.
    pub participants: Vec<ParticipantOut>,
    /// Hours taken back in all.
    pub hours_total: Amount,
    /// Points taken back in all.
    pub points_total: Amount,
    /// Always true.
    pub reversed: bool,
}

impl ReversalOut {
    /// The answer to a reversal, read off its events (`category`: its code).
    fn of(r: &ReversedActivity, category: String) -> Self {
        let c = r.common();
        ReversalOut {
            activity_id: c.activity_id.to_string(),
            team_id: c.team_id.to_string(),
            district: c.district.clone(),
            category,
            date: Day(c.date),
            reason: c.reason.clone(),
            participants: r
                .reversals
                .iter()
                .map(|p| ParticipantOut::of(&p.volunteer_id, p.hours, p.points, &p.team_id))
                .collect(),
            hours_total: r.reversals.iter().map(|p| p.hours).sum::<Decimal>().into(),
            points_total: r.reversals.iter().map(|p| p.points).sum::<Decimal>().into(),
            reversed: true,
        }
    }
}

/// Body of `POST /v1/activities/{id}/participants/{volunteer_id}/correction`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIn {
    /// The right hours for this participant: more than 0 and at most 24 with at most two
    /// decimals, or 0 to remove them from the activity.
    pub hours: Amount,
    /// Why, in words.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// One participant's hours as corrected.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionOut {
    /// The activity.
    pub activity_id: String,
    /// The participant.
    pub volunteer_id: String,
    /// Hours before.
    pub hours_before: Amount,
    /// Hours after (0: removed).
    pub hours_after: Amount,
    /// Points before.
    pub points_before: Amount,
    /// Points after, at the rate the entry earned.
    pub points_after: Amount,
    /// Why.
    pub reason: String,
    /// Whether the participant was removed from the activity.
    pub removed: bool,
}

/// Correct one participant's hours down, or remove them (hours 0), or up while the entry is
/// still held (on notice or awaiting confirmation) or, never held, within the back-fill
/// limit; otherwise the extra hours are a new activity (`rise_after_release`,
/// `rise_too_late`). The other participants stay as they were (its coordinator, or an admin).
#[utoipa::path(post, path = "/v1/activities/{id}/participants/{volunteer_id}/correction", tag = "activities", request_body = CorrectionIn,
    params(("id" = String, Path, format = Uuid), ("volunteer_id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = CorrectionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn correct(
    State(app): State<App>,
    Auth(who): Auth,
    Path((id, volunteer)): Path<(String, String)>,
    key: IdempotencyKey,
    body: ApiJson<CorrectionIn>,
) -> Result<Response, ApiError> {
    let command = Command::CorrectParticipation {
        activity_id: path_id(&id, "activity")?,
        volunteer_id: path_id(&volunteer, "volunteer")?,
        hours: body.value.hours.0,
        reason: body.value.reason,
    };
    let w = app
        .submit::<ServiceCorrected>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let c = w.answer;
    Ok(written(
        &w.receipt,
        CorrectionOut {
            activity_id: c.activity_id.to_string(),
            volunteer_id: c.volunteer_id.to_string(),
            hours_before: c.hours_before.into(),
            hours_after: c.hours_after.into(),
            points_before: c.points_before.into(),
            points_after: c.points_after.into(),
            reason: c.reason,
            removed: c.hours_after.is_zero(),
        },
    ))
}

/// Log an activity with all its participants, atomically (the team's coordinator). Logged
/// more days after the service than the back-fill limit allows, it waits for an
/// administrator (202) and credits nothing until approved.
#[utoipa::path(post, path = "/v1/activities", tag = "activities", request_body = NewActivity,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ActivityOut, description = "Credited"),
        (status = 202, body = BackfillOut, description = "Logged later than the back-fill limit allows: waits for an administrator's approval, nothing credited yet"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewActivity>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let team_id: TeamId = body_id(&b.team_id, "team_id")?;
    let mut participants = Vec::with_capacity(b.participants.len());
    for (i, p) in b.participants.iter().enumerate() {
        participants.push(ParticipantHours {
            volunteer_id: body_id(&p.volunteer_id, &format!("participants[{i}].volunteer_id"))?,
            hours: p.hours.0,
        });
    }
    let command = Command::LogActivity(yinling_projections::NewActivity {
        activity_id: ActivityId::generate(),
        team_id,
        category: app.category("category", &b.category)?,
        date: b.date.0,
        title: b.title,
        participants,
        outcomes: b.outcomes.as_ref().map(Outcomes::from).unwrap_or_default(),
        project_id: optional_body_id(b.project_id.as_deref(), "project_id")?,
        co_organisers: b
            .co_organisers
            .iter()
            .enumerate()
            .map(|(i, t)| body_id(t, &format!("co_organisers[{i}]")))
            .collect::<Result<_, _>>()?,
        group_id: optional_body_id(b.group_id.as_deref(), "group_id")?,
    });
    let w = app
        .submit::<Logged>(&who, command, key.scoped(&who, body.digest))
        .await?;
    match w.answer {
        Logged::Credited(l) => {
            let activity = ActivityOut::logged(&l, app.category_code(&l.activity.category));
            Ok(created(
                format!("/v1/activities/{}", activity.id),
                &w.receipt,
                activity,
            ))
        }
        Logged::AwaitingApproval(r) => {
            let day = Day(w.receipt.recorded_at.unwrap_or_default().local_date());
            let out = backfill_out(&app.engine.read(), &who, &r, day);
            Ok(accepted(
                format!("/v1/backfills/{}", out.activity_id),
                &w.receipt,
                out,
            ))
        }
    }
}

/// Reverse a whole activity by compensating entries (its coordinator, or an admin).
#[utoipa::path(post, path = "/v1/activities/{id}/reversal", tag = "activities", request_body = ReversalIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ReversalOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn reverse(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ReversalIn>,
) -> Result<Response, ApiError> {
    let activity_id: ActivityId = path_id(&id, "activity")?;
    let command = Command::ReverseActivity {
        activity_id,
        reason: body.value.reason,
    };
    let w = app
        .submit::<ReversedActivity>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let code = app.category_code(&w.answer.common().category);
    // The team that logged it never changes, so a retry reads the same.
    let lead = app
        .engine
        .read()
        .activities
        .get(&activity_id)
        .map(|a| a.team_id);
    let mut out = ReversalOut::of(&w.answer, code);
    if let Some(team) = lead {
        out.team_id = team.to_string();
    }
    Ok(written(&w.receipt, out))
}

/// One activity (its team's coordinator, its participants, admin, auditor).
#[utoipa::path(get, path = "/v1/activities/{id}", tag = "activities",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = ActivityOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<ActivityOut>, ApiError> {
    let id: ActivityId = path_id(&id, "activity")?;
    let view = app.view(q.as_of).await?;
    let out = view.with(|state| {
        let a = checks::activity(state, &id)?;
        access::may_read(&who, &Read::Activity(a, &state.volunteer_numbers))?;
        Ok::<_, ApiError>(activity_out(state, a))
    })?;
    Ok(Json(out))
}

/// A team's activities, newest first (its coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/activities", tag = "activities", params(ListParams),
    responses((status = 200, body = ActivityList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<ActivityList>, ApiError> {
    let requested: Option<TeamId> = match &q.team_id {
        Some(t) => Some(path_id(t, "team")?),
        None => None,
    };
    let Some(team) = requested.or(access::own_team(&who)) else {
        // Someone who may not list any team's activities is told so, not which parameter
        // is missing.
        access::may_read(&who, &Read::TeamActivities(None))?;
        return Err(ApiError::bad_request(
            "missing_team_id",
            "name the team with ?team_id=...",
        ));
    };
    let limit = page_limit(q.limit)?;
    let list = app
        .read(&who, q.as_of, Read::TeamActivities(Some(team)), |state| {
            let mut items: Vec<&Activity> = state
                .activities
                .values()
                .filter(|a| a.organised_by(&team))
                .collect();
            items.sort_by_key(|a| std::cmp::Reverse((a.date, a.seq)));
            items.truncate(limit);
            Ok(ActivityList {
                items: items.into_iter().map(|a| activity_out(state, a)).collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}
