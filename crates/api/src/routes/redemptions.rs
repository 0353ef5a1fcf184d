//! Redemptions at the e-station: hold points and stock, fulfil at the counter, cancel.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::{Envelope, Event, RedemptionId, RewardId, VolunteerId};
use yinling_projections::redemptions::{Redemption, RedemptionStatus};
use yinling_projections::{Command, Principal, State as LedgerState};

use super::{created, page_limit, AsOfParam};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey, NoBody, OptionalJson};
use crate::wire::Amount;

/// Where a redemption stands (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StatusName {
    /// Points and stock reserved.
    Held,
    /// Handed over.
    Fulfilled,
    /// Cancelled.
    Cancelled,
    /// Lapsed.
    Expired,
}

/// Body of `POST /v1/redemptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRedemption {
    /// Whose points (a volunteer: their own).
    #[schema(format = Uuid)]
    pub volunteer_id: String,
    /// What.
    #[schema(format = Uuid)]
    pub reward_id: String,
    /// Units, 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: u32,
}

/// Body of `POST /v1/redemptions/{id}/cancel` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    /// Why (optional).
    #[serde(default)]
    pub reason: String,
}

/// A redemption.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionOut {
    /// Id.
    pub id: String,
    /// Whose points.
    pub volunteer_id: String,
    /// What.
    pub reward_id: String,
    /// Units.
    pub quantity: u32,
    /// Points reserved or spent.
    pub points: Amount,
    /// held, fulfilled, cancelled or expired.
    #[schema(value_type = StatusName)]
    pub status: String,
    /// When the hold lapses (RFC 3339).
    pub expires_at: Option<String>,
    /// When it left `held` (RFC 3339).
    pub settled_at: Option<String>,
}

/// A list of redemptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionList {
    /// Newest first.
    pub items: Vec<RedemptionOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Listing filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this status (e.g. `held` for the counter's queue).
    #[param(value_type = Option<StatusName>)]
    pub status: Option<String>,
    /// Only this volunteer's (volunteers: always their own).
    pub volunteer_id: Option<String>,
    /// Most items.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

fn out(r: &Redemption) -> RedemptionOut {
    RedemptionOut {
        id: r.id.to_string(),
        volunteer_id: r.volunteer_id.to_string(),
        reward_id: r.reward_id.to_string(),
        quantity: r.quantity,
        points: r.points.into(),
        status: r.status.as_str().to_owned(),
        expires_at: Some(r.expires_at.to_rfc3339()),
        settled_at: r.settled_at.map(|t| t.to_rfc3339()),
    }
}

/// The answer to a redemption command, from its events alone (stable under retries).
fn from_events(envelopes: &[Envelope]) -> Result<RedemptionOut, ApiError> {
    let e = envelopes
        .first()
        .ok_or_else(|| ApiError::internal(&"redemption command produced no event"))?;
    let settled = |status: RedemptionStatus,
                   id: &RedemptionId,
                   v: &VolunteerId,
                   w: &RewardId,
                   quantity: u32,
                   points| RedemptionOut {
        id: id.to_string(),
        volunteer_id: v.to_string(),
        reward_id: w.to_string(),
        quantity,
        points: Amount(points),
        status: status.as_str().to_owned(),
        expires_at: None,
        settled_at: Some(e.recorded_at.to_rfc3339()),
    };
    Ok(match &e.payload {
        Event::RedemptionHeld(h) => RedemptionOut {
            id: h.redemption_id.to_string(),
            volunteer_id: h.volunteer_id.to_string(),
            reward_id: h.reward_id.to_string(),
            quantity: h.quantity,
            points: h.points.into(),
            status: RedemptionStatus::Held.as_str().to_owned(),
            expires_at: Some(h.expires_at.to_rfc3339()),
            settled_at: None,
        },
        Event::RedemptionFulfilled(f) => settled(
            RedemptionStatus::Fulfilled,
            &f.redemption_id,
            &f.volunteer_id,
            &f.reward_id,
            f.quantity,
            f.points,
        ),
        Event::RedemptionCancelled(c) => settled(
            RedemptionStatus::Cancelled,
            &c.redemption_id,
            &c.volunteer_id,
            &c.reward_id,
            c.quantity,
            c.points,
        ),
        _ => {
            return Err(ApiError::internal(
                &"unexpected event for a redemption command",
            ))
        }
    })
}

fn body_id<T: std::str::FromStr>(text: &str, field: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::unprocessable(
            "malformed_id",
            format!("{field} {text:?} is not a valid id (a UUID)"),
        )
    })
}

/// Hold points and stock for a redemption (the volunteer themself, or the station keeper).
#[utoipa::path(post, path = "/v1/redemptions", tag = "redemptions", request_body = NewRedemption,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<AppState>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewRedemption>,
) -> Result<Response, ApiError> {
    let command = Command::HoldRedemption {
        redemption_id: RedemptionId::generate(),
        volunteer_id: body_id(&body.value.volunteer_id, "volunteer_id")?,
        reward_id: body_id(&body.value.reward_id, "reward_id")?,
        quantity: body.value.quantity,
    };
    let envelopes = app
        .engine
        .submit(&who, command, key.scoped(&who, body.digest))
        .await?;
    let r = from_events(&envelopes)?;
    Ok(created(format!("/v1/redemptions/{}", r.id), &envelopes, r))
}

/// Hand a held redemption over at the counter (station keeper / admin).
#[utoipa::path(post, path = "/v1/redemptions/{id}/fulfil", tag = "redemptions",
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn fulfil(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: NoBody,
) -> Result<axum::response::Response, ApiError> {
    let redemption_id: RedemptionId = path_id(&id, "redemption")?;
    let envelopes = app
        .engine
        .submit(
            &who,
            Command::FulfilRedemption { redemption_id },
            key.scoped(&who, body.digest),
        )
        .await?;
    from_events(&envelopes).map(|r| super::written(&envelopes, r))
}

/// Cancel a held redemption: points and stock return (the volunteer, or admin).
#[utoipa::path(post, path = "/v1/redemptions/{id}/cancel", tag = "redemptions", request_body(content = Option<CancelIn>),
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: OptionalJson<CancelIn>,
) -> Result<axum::response::Response, ApiError> {
    let redemption_id: RedemptionId = path_id(&id, "redemption")?;
    let reason = body.value.map(|b| b.reason).unwrap_or_default();
    let digest = body.digest;
    let envelopes = app
        .engine
        .submit(
            &who,
            Command::CancelRedemption {
                redemption_id,
                reason,
            },
            key.scoped(&who, digest),
        )
        .await?;
    from_events(&envelopes).map(|r| super::written(&envelopes, r))
}

fn may_read(who: &Principal, r: &Redemption) -> bool {
    match who {
        Principal::Volunteer(_, me) => *me == r.volunteer_id,
        Principal::Coordinator(_, team) => *team == r.team_id,
        _ => who.reads_everything(),
    }
}

/// One redemption (its volunteer, their coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/redemptions/{id}", tag = "redemptions",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<RedemptionOut>, ApiError> {
    let id: RedemptionId = path_id(&id, "redemption")?;
    let view = app.engine.view(q.as_of).await?;
    view.with(|state| {
        let r = state.redemptions.get(&id).ok_or_else(|| {
            ApiError::not_found("redemption_not_found", format!("no redemption has id {id}"))
        })?;
        if !may_read(&who, r) {
            return Err(ApiError::forbidden(
                "other_volunteer",
                "this redemption belongs to someone else",
            ));
        }
        Ok(Json(out(r)))
    })
}

/// Redemptions, newest first: the counter's queue with `status=held` (volunteers see their own).
#[utoipa::path(get, path = "/v1/redemptions", tag = "redemptions", params(ListParams),
    responses((status = 200, body = RedemptionList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<RedemptionList>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some("held") => Some(RedemptionStatus::Held),
        Some("fulfilled") => Some(RedemptionStatus::Fulfilled),
        Some("cancelled") => Some(RedemptionStatus::Cancelled),
        Some("expired") => Some(RedemptionStatus::Expired),
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_status",
                format!("status {other:?} is unknown; use held, fulfilled, cancelled or expired"),
            ))
        }
    };
    let mut volunteer: Option<VolunteerId> = match &q.volunteer_id {
        Some(v) => Some(path_id(v, "volunteer")?),
        None => None,
    };
    if let Principal::Volunteer(_, me) = who {
        if volunteer.is_some_and(|v| v != me) {
            return Err(ApiError::forbidden(
                "other_volunteer",
                "volunteers can list only their own redemptions",
            ));
        }
        volunteer = Some(me);
    }
    let limit = page_limit(q.limit);
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(|state: &LedgerState| {
        let mut items: Vec<&Redemption> = state
            .redemptions
            .values()
            .filter(|r| may_read(&who, r))
            .filter(|r| status.is_none_or(|s| s == r.status))
            .filter(|r| volunteer.is_none_or(|v| v == r.volunteer_id))
            .collect();
        items.sort_by_key(|r| std::cmp::Reverse((r.held_at, r.id)));
        items.truncate(limit);
        RedemptionList {
            items: items.into_iter().map(out).collect(),
            as_of: state.head.seq,
        }
    })))
}
