//! The back-fill approval queue: activities logged later than the policy allows wait here,
//! credited only when an administrator approves them.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::answers::ApprovedBackfill;
use yinling_app::reports::backfills::{queue, BackfillOut};
use yinling_app::App;
use yinling_ledger::{BackfillDeclined, TeamId};
use yinling_projections::access::{self, Read};
use yinling_projections::Command;

use super::activities::ActivityOut;
use super::written;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// Which queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// One team (coordinators: their own, which is also the default).
    pub team_id: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// The queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackfillList {
    /// Oldest request first.
    pub items: Vec<BackfillOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Back-filled activities waiting for approval (administrators and auditors: all;
/// coordinators: their team's).
#[utoipa::path(get, path = "/v1/backfills", tag = "activities", params(QueueParams),
    responses((status = 200, body = BackfillList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<QueueParams>,
) -> Result<Json<BackfillList>, ApiError> {
    let team: Option<TeamId> = match q.team_id.as_deref() {
        Some(t) => Some(path_id(t, "team")?),
        None => access::own_team(&who),
    };
    let out = app
        .read(&who, q.as_of, Read::TeamActivities(team), |state| {
            Ok(BackfillList {
                items: queue(state, &who, team),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Body of an approval.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveIn {
    /// What was checked, e.g. the sign-in sheet.
    #[serde(default)]
    pub note: String,
}

/// Approve a back-filled activity: it is credited now, under the rules of its date (admin).
#[utoipa::path(post, path = "/v1/backfills/{id}/approve", tag = "activities", request_body = ApproveIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ActivityOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn approve(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ApproveIn>,
) -> Result<Response, ApiError> {
    let command = Command::ApproveBackfill {
        activity_id: path_id(&id, "activity")?,
        note: body.value.note,
    };
    let w = app
        .submit::<ApprovedBackfill>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let a = &w.answer.activity;
    let out = ActivityOut::logged(a, app.category_code(&a.activity.category));
    Ok(written(&w.receipt, out))
}

/// Body of a refusal.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineIn {
    /// Why, in words the coordinator will read.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// A back-fill declined.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclinedOut {
    /// The activity that will not be credited.
    pub activity_id: String,
    /// Why.
    pub reason: String,
}

/// Decline a back-filled activity: nothing is credited (admin).
#[utoipa::path(post, path = "/v1/backfills/{id}/decline", tag = "activities", request_body = DeclineIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = DeclinedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn decline(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<DeclineIn>,
) -> Result<Response, ApiError> {
    let command = Command::DeclineBackfill {
        activity_id: path_id(&id, "activity")?,
        reason: body.value.reason,
    };
    let w = app
        .submit::<BackfillDeclined>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        DeclinedOut {
            activity_id: w.answer.activity_id.to_string(),
            reason: w.answer.reason,
        },
    ))
}
