//! Disputes: a volunteer contests an entry or reports one missing (from their own token, or
//! through their coordinator or a clerk); the team's coordinator, or the district coordinator
//! above them, resolves it with a reason.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::disputes::{dispute_out, may_see, DisputeOut};
use yinling_app::App;
use yinling_ledger::{
    ActivityId, DisputeId, DisputeKind, DisputeOpened, DisputeOutcome, DisputeResolved, VolunteerId,
};
use yinling_projections::access::Read;
use yinling_projections::{Command, Principal};

use super::{created, written};
use crate::error::{ApiError, Problem};
use crate::extract::{body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// Body of `POST /v1/disputes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDispute {
    /// Whose entry.
    #[schema(format = Uuid)]
    pub volunteer_id: String,
    /// The entry's activity (required to contest one).
    #[schema(format = Uuid)]
    pub activity_id: Option<String>,
    /// `contested` (an entry is wrong) or `missing` (service never logged).
    pub kind: String,
    /// In the volunteer's words.
    pub reason: String,
}

/// A dispute as opened or resolved.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeStep {
    /// The dispute.
    pub id: String,
    /// `open`, `upheld`, `corrected` or `rejected`.
    pub status: String,
    /// The reason given.
    pub reason: String,
}

fn kind_of(text: &str) -> Result<DisputeKind, ApiError> {
    match text {
        "contested" => Ok(DisputeKind::Contested),
        "missing" => Ok(DisputeKind::Missing),
        other => Err(ApiError::unprocessable(
            "bad_kind",
            format!("kind is contested or missing, not {other:?}"),
        )),
    }
}

fn outcome_of(text: &str) -> Result<DisputeOutcome, ApiError> {
    match text {
        "upheld" => Ok(DisputeOutcome::Upheld),
        "corrected" => Ok(DisputeOutcome::Corrected),
        "rejected" => Ok(DisputeOutcome::Rejected),
        other => Err(ApiError::unprocessable(
            "bad_outcome",
            format!("outcome is upheld, corrected or rejected, not {other:?}"),
        )),
    }
}

/// Dispute an entry or report one missing (the volunteer; their coordinator or district
/// coordinator, or a station clerk, on their behalf; an administrator). A contested entry on
/// public notice keeps its points pending until the dispute is resolved.
#[utoipa::path(post, path = "/v1/disputes", tag = "activities", request_body = NewDispute,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = DisputeStep), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn open(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewDispute>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let activity_id = match &b.activity_id {
        Some(a) => Some(body_id::<ActivityId>(a, "activity_id")?),
        None => None,
    };
    let command = Command::OpenDispute {
        dispute_id: DisputeId::generate(),
        volunteer_id: body_id::<VolunteerId>(&b.volunteer_id, "volunteer_id")?,
        activity_id,
        kind: kind_of(&b.kind)?,
        reason: b.reason.clone(),
    };
    let w = app
        .submit::<DisputeOpened>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let d = w.answer;
    Ok(created(
        format!("/v1/disputes/{}", d.dispute_id),
        &w.receipt,
        DisputeStep {
            id: d.dispute_id.to_string(),
            status: "open".into(),
            reason: d.reason,
        },
    ))
}

/// Body of `POST /v1/disputes/{id}/resolve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveIn {
    /// `upheld`, `corrected` or `rejected`.
    pub outcome: String,
    /// Why, in plain words.
    pub reason: String,
}

/// Resolve a dispute (the team's coordinator until it is escalated, the district
/// coordinator above them, an administrator).
#[utoipa::path(post, path = "/v1/disputes/{id}/resolve", tag = "activities", request_body = ResolveIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = DisputeStep), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn resolve(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ResolveIn>,
) -> Result<Response, ApiError> {
    let command = Command::ResolveDispute {
        dispute_id: path_id(&id, "dispute")?,
        outcome: outcome_of(&body.value.outcome)?,
        reason: body.value.reason.clone(),
    };
    let w = app
        .submit::<DisputeResolved>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let d = w.answer;
    Ok(written(
        &w.receipt,
        DisputeStep {
            id: d.dispute_id.to_string(),
            status: yinling_app::reports::disputes::outcome_word(d.outcome).into(),
            reason: d.reason,
        },
    ))
}

/// `?open=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisputeParams {
    /// Only those still waiting for an answer.
    pub open: Option<bool>,
}

/// Disputes the caller may see, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeList {
    /// The disputes.
    pub items: Vec<DisputeOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// The disputes the caller may see: a volunteer their own, a coordinator their team's, a
/// district coordinator their district's, administrators and auditors all.
#[utoipa::path(get, path = "/v1/disputes", tag = "activities", params(DisputeParams),
    responses((status = 200, body = DisputeList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<DisputeParams>,
) -> Result<Json<DisputeList>, ApiError> {
    if matches!(
        who,
        Principal::StationClerk(..) | Principal::BankOfficer(..) | Principal::GroupCoordinator(..)
    ) {
        return Err(ApiError::forbidden(
            "not_allowed",
            "disputes are read by the volunteer, their coordinators, administrators and auditors",
        ));
    }
    let only_open = q.open.unwrap_or(false);
    let out = app
        .read(&who, None, Read::Published, |state| {
            let mut found: Vec<_> = state
                .disputes
                .values()
                .filter(|d| may_see(&who, d) && (!only_open || d.open()))
                .collect();
            found.sort_by_key(|d| (d.opened_on, d.id));
            Ok(DisputeList {
                items: found
                    .into_iter()
                    .map(|d| dispute_out(state, &who, d))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}
