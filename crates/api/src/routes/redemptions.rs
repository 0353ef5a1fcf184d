//! Redemptions at the e-station: hold points and stock, fulfil at the counter, cancel.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::answers::RedemptionStep;
use yinling_app::wire::Amount;
use yinling_app::{App, Written};
use yinling_ledger::{RedemptionId, StationId, VolunteerId};
use yinling_projections::access::{self, Read};
use yinling_projections::redemptions::{Redemption, RedemptionStatus};
use yinling_projections::vouchers::VoucherStatus;
use yinling_projections::{checks, Command, CounterProof, Principal};

use super::{created, page_limit, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{
    body_id, optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey, OptionalJson,
};

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
    /// Handed over, then its points returned (its rate voucher cancelled unused).
    Refunded,
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
    /// The pickup station (default: a clerk's own station, else the first with the units).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub station_id: Option<String>,
    /// At the counter: what the scanner read off the volunteer's points card (the card's
    /// link, or the token on it), which confirms the redemption.
    #[serde(default)]
    pub card: Option<String>,
    /// At the counter: the PIN the volunteer typed, which confirms the redemption.
    #[serde(default)]
    pub pin: Option<String>,
}

/// Body of `POST /v1/redemptions/{id}/fulfil` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilIn {
    /// The six-digit pickup code the volunteer shows (a clerk types it).
    #[serde(default)]
    pub pickup_code: Option<String>,
    /// Instead of the code (a slip lost): what the scanner read off the volunteer's own
    /// points card, its link or its token.
    #[serde(default)]
    pub card: Option<String>,
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
    /// held, fulfilled, cancelled, expired or refunded.
    #[schema(value_type = StatusName)]
    pub status: String,
    /// When the hold lapses (RFC 3339).
    pub expires_at: Option<String>,
    /// When it left `held` (RFC 3339).
    pub settled_at: Option<String>,
    /// The pickup station.
    pub station_id: String,
    /// The code the volunteer shows at pickup: in the answer to the hold, and to the
    /// volunteer when they read it (a hold from before codes has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
    /// A rate voucher's code, in groups of four: in the answer to its hand-over, and to the
    /// volunteer when they read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_code: Option<String>,
    /// The voucher's last day at the bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_expires_on: Option<String>,
    /// Where the voucher stands today: valid, used, cancelled or expired (only a valid one is
    /// taken at the bank).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_status: Option<String>,
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

/// A redemption as `who` reads it: the pickup code only to its volunteer, who shows it at
/// the counter (the clerk types it; the staff never need to read it), derived again under the
/// mint key where the log keeps only its digest.
fn out(app: &App, r: &Redemption, who: &Principal) -> RedemptionOut {
    let own = matches!(who, Principal::Volunteer(_, me) if *me == r.volunteer_id);
    RedemptionOut {
        id: r.id.to_string(),
        volunteer_id: r.volunteer_id.to_string(),
        reward_id: r.reward_id.to_string(),
        quantity: r.quantity,
        points: r.points.into(),
        status: r.status.as_str().to_owned(),
        expires_at: Some(r.expires_at.to_rfc3339()),
        settled_at: r.settled_at.map(|t| t.to_rfc3339()),
        station_id: r.station_id.to_string(),
        pickup_code: app
            .mint
            .shown_pickup_code(&r.id, r.pickup_code.as_ref())
            .filter(|_| own),
        voucher_code: None,
        voucher_expires_on: None,
        voucher_status: None,
    }
}

/// A volunteer reading their own redemption sees its voucher's code (derived again from the
/// mint key; the ledger keeps only its hash).
fn with_voucher(
    app: &App,
    state: &yinling_projections::State,
    as_of: Option<u64>,
    who: &Principal,
    r: &Redemption,
    mut o: RedemptionOut,
) -> RedemptionOut {
    let own = matches!(who, Principal::Volunteer(_, me) if *me == r.volunteer_id);
    if let Some(v) = state.vouchers.by_redemption.get(&r.id).filter(|_| own) {
        o.voucher_code = Some(yinling_app::vouchers::grouped(
            &app.mint.voucher_code(&r.id),
        ));
        o.voucher_expires_on = Some(v.expires_on.to_string());
        let today = yinling_app::reports::day_of(state, as_of);
        o.voucher_status = Some(v.status(today).as_str().to_owned());
    }
    o
}

/// The answer to a redemption command, read off its own event.
impl From<&RedemptionStep> for RedemptionOut {
    fn from(step: &RedemptionStep) -> Self {
        let settled = |status: RedemptionStatus,
                       id: &RedemptionId,
                       v: &VolunteerId,
                       w: &yinling_ledger::RewardId,
                       quantity: u32,
                       points,
                       at: &yinling_ledger::Timestamp| RedemptionOut {
            id: id.to_string(),
            volunteer_id: v.to_string(),
            reward_id: w.to_string(),
            quantity,
            points: Amount(points),
            status: status.as_str().to_owned(),
            expires_at: None,
            settled_at: Some(at.to_rfc3339()),
            station_id: String::new(),
            pickup_code: None,
            voucher_code: None,
            voucher_expires_on: None,
            voucher_status: None,
        };
        match step {
            RedemptionStep::Held(h, station, _) => RedemptionOut {
                id: h.redemption_id.to_string(),
                volunteer_id: h.volunteer_id.to_string(),
                reward_id: h.reward_id.to_string(),
                quantity: h.quantity,
                points: h.points.into(),
                status: RedemptionStatus::Held.as_str().to_owned(),
                expires_at: Some(h.expires_at.to_rfc3339()),
                settled_at: None,
                station_id: station.to_string(),
                // The digits are derived under the mint key by whoever answers (`with_code`):
                // the log may keep only their digest.
                pickup_code: None,
                voucher_code: None,
                voucher_expires_on: None,
                voucher_status: None,
            },
            RedemptionStep::Fulfilled(f, at, _) => settled(
                RedemptionStatus::Fulfilled,
                &f.redemption_id,
                &f.volunteer_id,
                &f.reward_id,
                f.quantity,
                f.points,
                at,
            ),
            RedemptionStep::Cancelled(c, at) => settled(
                RedemptionStatus::Cancelled,
                &c.redemption_id,
                &c.volunteer_id,
                &c.reward_id,
                c.quantity,
                c.points,
                at,
            ),
        }
    }
}

/// The answer to a redemption step, a hold's with its pickup code for the one who made it
/// (the volunteer, or the clerk who prints the slip).
fn with_code(app: &App, step: &RedemptionStep) -> RedemptionOut {
    let mut out = RedemptionOut::from(step);
    if let RedemptionStep::Held(h, _, code) = step {
        out.pickup_code = app.mint.shown_pickup_code(&h.redemption_id, code.as_ref());
    }
    out
}

/// The answer to a redemption step; a voucher's hand-over carries its code.
fn answered(app: &App, w: Written<RedemptionStep>) -> Response {
    let mut out = with_code(app, &w.answer);
    if let RedemptionStep::Fulfilled(f, _, Some(expires_on)) = &w.answer {
        out.voucher_code = Some(yinling_app::vouchers::grouped(
            &app.mint.voucher_code(&f.redemption_id),
        ));
        out.voucher_expires_on = Some(expires_on.to_string());
        out.voucher_status = Some(VoucherStatus::Valid.as_str().to_owned());
    }
    written(&w.receipt, out)
}

/// Hold points and stock for a volunteer (the volunteer, or the station keeper at the counter).
#[utoipa::path(post, path = "/v1/redemptions", tag = "redemptions", request_body = NewRedemption,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewRedemption>,
) -> Result<Response, ApiError> {
    let volunteer_id = body_id(&body.value.volunteer_id, "volunteer_id")?;
    let proof = match (&body.value.card, &body.value.pin) {
        (Some(_), Some(_)) => {
            return Err(ApiError::unprocessable(
                "one_confirmation",
                "give the card scan or the PIN, not both",
            ))
        }
        (Some(card), None) => Some(CounterProof::Card(yinling_app::counter::card_hash(card))),
        (None, Some(pin)) => Some(CounterProof::Pin(
            app.mint.typed_pin(&volunteer_id, pin.trim()),
        )),
        (None, None) => None,
    };
    let command = Command::HoldRedemption {
        redemption_id: RedemptionId::generate(),
        volunteer_id,
        reward_id: body_id(&body.value.reward_id, "reward_id")?,
        quantity: body.value.quantity,
        station_id: optional_body_id::<StationId>(body.value.station_id.as_deref(), "station_id")?,
        proof,
        pickup_code_digest: None,
    };
    let w = app
        .submit::<RedemptionStep>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let r = with_code(&app, &w.answer);
    Ok(created(format!("/v1/redemptions/{}", r.id), &w.receipt, r))
}

/// Hand a held reward over at the counter (a clerk of its pickup station, with the pickup
/// code the volunteer shows, or their own points card scanned when the slip is lost; an
/// administrator).
#[utoipa::path(post, path = "/v1/redemptions/{id}/fulfil", tag = "redemptions", request_body(content = Option<FulfilIn>),
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn fulfil(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: OptionalJson<FulfilIn>,
) -> Result<Response, ApiError> {
    let redemption_id: RedemptionId = path_id(&id, "redemption")?;
    let (pickup_code, card) = body
        .value
        .map(|b| (b.pickup_code, b.card))
        .unwrap_or_default();
    let card = card
        .filter(|c| !c.trim().is_empty())
        .map(|c| yinling_app::counter::card_hash(&c));
    let w = app
        .submit(
            &who,
            app.fulfil_command(redemption_id, pickup_code, card),
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(answered(&app, w))
}

/// Cancel a held redemption: points and stock come back (the volunteer, or the station keeper).
#[utoipa::path(post, path = "/v1/redemptions/{id}/cancel", tag = "redemptions", request_body(content = Option<CancelIn>),
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: OptionalJson<CancelIn>,
) -> Result<Response, ApiError> {
    let redemption_id: RedemptionId = path_id(&id, "redemption")?;
    let reason = body.value.map(|b| b.reason).unwrap_or_default();
    let w = app
        .submit(
            &who,
            Command::CancelRedemption {
                redemption_id,
                reason,
            },
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(answered(&app, w))
}

/// One redemption (the volunteer, their coordinator, admin, auditor).
#[utoipa::path(get, path = "/v1/redemptions/{id}", tag = "redemptions",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = RedemptionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<RedemptionOut>, ApiError> {
    let id: RedemptionId = path_id(&id, "redemption")?;
    let view = app.view(q.as_of).await?;
    let r = view.with(|state| {
        let r = checks::redemption(state, &id)?;
        access::may_read(&who, &Read::Redemption(r))?;
        Ok::<_, ApiError>(with_voucher(
            &app,
            state,
            q.as_of,
            &who,
            r,
            out(&app, r, &who),
        ))
    })?;
    Ok(Json(r))
}

/// Redemptions, newest first: each caller sees those the access policy lets them see (a
/// volunteer their own).
#[utoipa::path(get, path = "/v1/redemptions", tag = "redemptions", params(ListParams),
    responses((status = 200, body = RedemptionList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<RedemptionList>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some("held") => Some(RedemptionStatus::Held),
        Some("fulfilled") => Some(RedemptionStatus::Fulfilled),
        Some("cancelled") => Some(RedemptionStatus::Cancelled),
        Some("expired") => Some(RedemptionStatus::Expired),
        Some("refunded") => Some(RedemptionStatus::Refunded),
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_status",
                format!(
                "status {other:?} is unknown; use held, fulfilled, cancelled, expired or refunded"
            ),
            ))
        }
    };
    let volunteer: Option<VolunteerId> = match &q.volunteer_id {
        Some(v) => Some(path_id(v, "volunteer")?),
        None => None,
    };
    let limit = page_limit(q.limit)?;
    let list = app
        .read(&who, q.as_of, Read::Redemptions(volunteer), |state| {
            let mut items: Vec<&Redemption> = state
                .redemptions
                .values()
                .filter(|r| access::can_read(&who, &Read::Redemption(r)))
                .filter(|r| status.is_none_or(|s| s == r.status))
                .filter(|r| volunteer.is_none_or(|v| v == r.volunteer_id))
                .collect();
            items.sort_by_key(|r| std::cmp::Reverse((r.held_at, r.id)));
            items.truncate(limit);
            Ok(RedemptionList {
                items: items
                    .into_iter()
                    .map(|r| with_voucher(&app, state, q.as_of, &who, r, out(&app, r, &who)))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}
