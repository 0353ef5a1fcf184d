//! The star scale as policy: its versions, adopting one, and the stars waiting for an
//! administrator's confirmation (the public notice, 公示), confirmed one by one.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::answers::ScaleAdopted;
use yinling_app::reports::stars::{pending_out, scale_out, PendingStars, StarScaleOut};
use yinling_app::wire::Amount;
use yinling_app::App;
use yinling_ledger::StarConfirmed;
use yinling_projections::access::Read;
use yinling_projections::Command;

use super::{created, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// The star scale in force and every version (any signed-in caller).
#[utoipa::path(get, path = "/v1/stars/scale", tag = "stars", params(AsOfParam),
    responses((status = 200, body = StarScaleOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn scale(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<StarScaleOut>, ApiError> {
    let out = app
        .read(&who, q.as_of, Read::Published, |state| Ok(scale_out(state)))
        .await?;
    Ok(Json(out))
}

/// Body of `POST /v1/stars/scale`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScaleIn {
    /// Net hours for one star, two stars, ...: 1 to 10 levels, each more than the one before,
    /// e.g. `["100", "300", "600", "1000", "1500"]`.
    pub thresholds_hours: Vec<Amount>,
    /// Whether a star reached waits for an administrator's confirmation (星级认定 with 公示).
    #[serde(default)]
    pub review: bool,
    /// What changed and why, published with the scale.
    #[serde(default)]
    pub note: String,
}

/// A scale adopted, with the stars it awarded at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScaleAdoptedOut {
    /// The version.
    pub version: u32,
    /// Net hours per level.
    pub thresholds_hours: Vec<Amount>,
    /// Whether stars wait for confirmation.
    pub review: bool,
    /// Why.
    pub note: String,
    /// Stars it recorded or awarded at once (counting those now waiting for review).
    pub stars_awarded: usize,
    /// Of those, how many wait for confirmation.
    pub awaiting_review: usize,
}

/// Adopt a version of the star scale (admin). Volunteers it puts past a threshold get the
/// star at once; no star already held is taken away.
#[utoipa::path(post, path = "/v1/stars/scale", tag = "stars", request_body = NewScaleIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ScaleAdoptedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn adopt(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewScaleIn>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let command = Command::AdoptStarScale {
        thresholds_hours: b.thresholds_hours.iter().map(|a| a.0).collect(),
        review: b.review,
        note: b.note,
    };
    let w = app
        .submit::<ScaleAdopted>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let a = w.answer;
    let out = ScaleAdoptedOut {
        version: a.scale.version,
        thresholds_hours: a
            .scale
            .thresholds_hours
            .iter()
            .map(|t| Amount(*t))
            .collect(),
        review: a.scale.review,
        note: a.scale.note,
        stars_awarded: a.awarded.len(),
        awaiting_review: a.awarded.iter().filter(|s| s.awaiting_review).count(),
    };
    Ok(created("/v1/stars/scale".into(), &w.receipt, out))
}

/// The public notice: every star waiting for confirmation (any signed-in caller).
#[utoipa::path(get, path = "/v1/stars/pending", tag = "stars", params(AsOfParam),
    responses((status = 200, body = PendingStars), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn pending(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<PendingStars>, ApiError> {
    let out = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(pending_out(state, &who))
        })
        .await?;
    Ok(Json(out))
}

/// Body of `POST /v1/stars/pending/{volunteer_id}/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIn {
    /// The level being confirmed, as the notice showed it (refused if it has changed since).
    #[schema(minimum = 1, maximum = 10)]
    pub level: u8,
    /// When and where it was publicly shown, any objection.
    #[serde(default)]
    pub note: String,
}

/// A star confirmed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedOut {
    /// Who.
    pub volunteer_id: String,
    /// The level that now counts.
    pub level: u8,
    /// The note.
    pub note: String,
}

/// Confirm the star a volunteer is waiting for, after its public notice (admin).
#[utoipa::path(post, path = "/v1/stars/pending/{volunteer_id}/confirm", tag = "stars", request_body = ConfirmIn,
    params(("volunteer_id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ConfirmedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn confirm(
    State(app): State<App>,
    Auth(who): Auth,
    Path(volunteer): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ConfirmIn>,
) -> Result<Response, ApiError> {
    let command = Command::ConfirmStar {
        volunteer_id: path_id(&volunteer, "volunteer")?,
        level: body.value.level,
        note: body.value.note,
    };
    let w = app
        .submit::<StarConfirmed>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let c = w.answer;
    Ok(written(
        &w.receipt,
        ConfirmedOut {
            volunteer_id: c.volunteer_id.to_string(),
            level: c.level,
            note: c.note,
        },
    ))
}
