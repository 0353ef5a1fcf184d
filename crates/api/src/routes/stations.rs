//! The e-stations: opening one, where rewards are in stock, moving stock between stations,
//! a station's queue, the assisted counter (finding a volunteer, their phone digits and
//! PIN), and a partner bank's rate vouchers.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::counter::Lookup;
use yinling_app::reports::stations::{
    bank_vouchers, queue, station_out, stations_out, CounterMatch, StationOut, VoucherOut,
};
use yinling_app::App;
use yinling_ledger::{
    PersonalDataSealed, StationId, StationOpened, StockTransferred, VolunteerPinSet,
};
use yinling_projections::access::Read;
use yinling_projections::{checks, Command};

use super::{created, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// Body of `POST /v1/stations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    /// Name, e.g. 南浔 e站.
    pub name: String,
    /// A registered district or county.
    pub district: String,
    /// Where it is.
    pub address: String,
    /// When it is open, in words.
    #[serde(default)]
    pub opening_hours: String,
}

/// Every e-station with its shelf.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationList {
    /// The first station first, then by name.
    pub items: Vec<StationOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Open an e-station (admin).
#[utoipa::path(post, path = "/v1/stations", tag = "stations", request_body = NewStation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = StationOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn open(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewStation>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let command = Command::OpenStation {
        station_id: StationId::generate(),
        name: b.name.clone(),
        district: b.district.clone(),
        address: b.address.clone(),
        opening_hours: b.opening_hours.clone(),
    };
    let w = app
        .submit::<StationOpened>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let s = w.answer;
    let out = StationOut {
        id: s.station_id.to_string(),
        name: s.name,
        district: s.district,
        address: s.address,
        opening_hours: s.opening_hours,
        shelf: Vec::new(),
    };
    Ok(created(format!("/v1/stations/{}", out.id), &w.receipt, out))
}

/// Every e-station, where it is, when it is open, and what it has (any signed-in caller).
#[utoipa::path(get, path = "/v1/stations", tag = "stations", params(AsOfParam),
    responses((status = 200, body = StationList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<StationList>, ApiError> {
    let out = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(StationList {
                items: stations_out(state),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// One station's holds waiting for pickup.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOut {
    /// The station and its shelf.
    pub station: StationOut,
    /// Oldest first.
    pub waiting: Vec<WaitingOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// A hold waiting at the counter. The pickup code is not shown: the volunteer shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingOut {
    /// The redemption.
    pub redemption_id: String,
    /// Whose.
    pub volunteer_name: String,
    /// What.
    pub reward_name: String,
    /// Units.
    pub quantity: u32,
    /// Points reserved.
    pub points: yinling_app::wire::Amount,
    /// When the hold lapses (RFC 3339).
    pub expires_at: String,
}

/// A station's queue and shelf (its clerks, administrators, auditors).
#[utoipa::path(get, path = "/v1/stations/{id}/queue", tag = "stations",
    params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = QueueOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn station_queue(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<QueueOut>, ApiError> {
    let id: StationId = path_id(&id, "station")?;
    let out = app
        .read(&who, q.as_of, Read::StationQueue(id), |state| {
            let station = checks::station(state, &id)?;
            Ok(QueueOut {
                station: station_out(state, station),
                waiting: queue(state, &id)
                    .into_iter()
                    .map(|r| WaitingOut {
                        redemption_id: r.id.to_string(),
                        // The station's clerk sees whom they hand over to; anyone else
                        // reading the queue (an auditor) as every route shows them.
                        volunteer_name: state
                            .volunteers
                            .get(&r.volunteer_id)
                            .map(|v| match who {
                                yinling_projections::Principal::StationClerk(..) => v.name.clone(),
                                _ => yinling_projections::access::name_for(&who, v),
                            })
                            .unwrap_or_default(),
                        reward_name: state
                            .rewards
                            .get(&r.reward_id)
                            .map(|w| w.name.clone())
                            .unwrap_or_default(),
                        quantity: r.quantity,
                        points: r.points.into(),
                        expires_at: r.expires_at.to_rfc3339(),
                    })
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Body of `POST /v1/stock-transfers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferIn {
    /// The reward.
    #[schema(format = Uuid)]
    pub reward_id: String,
    /// From this station.
    #[schema(format = Uuid)]
    pub from_station: String,
    /// To this one.
    #[schema(format = Uuid)]
    pub to_station: String,
    /// Units, 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Stock moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferOut {
    /// The reward.
    pub reward_id: String,
    /// From.
    pub from_station: String,
    /// To.
    pub to_station: String,
    /// Units moved.
    pub quantity: u32,
}

/// Move free units of a reward from one station to another (admin).
#[utoipa::path(post, path = "/v1/stock-transfers", tag = "stations", request_body = TransferIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = TransferOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn transfer(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<TransferIn>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let command = Command::TransferStock {
        reward_id: body_id(&b.reward_id, "reward_id")?,
        from_station: body_id(&b.from_station, "from_station")?,
        to_station: body_id(&b.to_station, "to_station")?,
        quantity: b.quantity,
        note: b.note.clone(),
    };
    let w = app
        .submit::<StockTransferred>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let t = w.answer;
    Ok(written(
        &w.receipt,
        TransferOut {
            reward_id: t.reward_id.to_string(),
            from_station: t.from_station.to_string(),
            to_station: t.to_station.to_string(),
            quantity: t.quantity,
        },
    ))
}

/// Body of `POST /v1/counter/lookup`: exactly one way of finding the volunteer.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupIn {
    /// What the scanner read off the points card (its link, or the token on it).
    #[serde(default)]
    pub card: Option<String>,
    /// Their name, with `birth_year` (or with `phone_last_four`).
    #[serde(default)]
    pub name: Option<String>,
    /// Their year of birth.
    #[serde(default)]
    pub birth_year: Option<u16>,
    /// The last four digits of their phone.
    #[serde(default)]
    pub phone_last_four: Option<String>,
}

/// Who the counter found.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupOut {
    /// By name; empty when nobody matches.
    pub items: Vec<CounterMatch>,
}

/// Find the volunteer standing at the counter (station clerks, administrators; every look
/// is in the access log). POST, so a card's token never sits in a URL.
#[utoipa::path(post, path = "/v1/counter/lookup", tag = "stations", request_body = LookupIn,
    responses((status = 200, body = LookupOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn lookup(
    State(app): State<App>,
    Auth(who): Auth,
    body: ApiJson<LookupIn>,
) -> Result<Json<LookupOut>, ApiError> {
    let b = body.value;
    let how = match (b.card, b.name, b.birth_year, b.phone_last_four) {
        (Some(card), None, None, None) => Lookup::Card(card),
        (None, Some(name), Some(year), None) => Lookup::NameAndBirthYear(name, year),
        (None, name, None, Some(digits)) => Lookup::Phone(digits, name),
        _ => {
            return Err(ApiError::unprocessable(
                "bad_lookup",
                "find a volunteer by card, or by name and birth_year, or by phone_last_four (with name if you like)",
            ))
        }
    };
    let found = app.counter_lookup(&who, &how, "POST /v1/counter/lookup")?;
    Ok(Json(LookupOut { items: found }))
}

/// Body of `PUT /v1/volunteers/{id}/phone`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneIn {
    /// The last four digits of their phone; empty to forget them.
    pub last_four: String,
}

/// Body of `PUT /v1/volunteers/{id}/pin`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinIn {
    /// Four to six digits; `null` clears the PIN.
    pub pin: Option<String>,
}

/// A volunteer's counter details after a change (never the PIN itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct CounterDetailsOut {
    /// Whose.
    pub volunteer_id: String,
    /// The phone digits kept, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_last_four: Option<String>,
    /// Whether a PIN is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_pin: Option<bool>,
}

/// Record the last four digits of a volunteer's phone, so the counter can find them (the
/// volunteer, their coordinator, an administrator).
#[utoipa::path(put, path = "/v1/volunteers/{id}/phone", tag = "volunteers", request_body = PhoneIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = CounterDetailsOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn phone(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<PhoneIn>,
) -> Result<Response, ApiError> {
    let volunteer_id = path_id(&id, "volunteer")?;
    let command = Command::RecordPhone {
        volunteer_id,
        last_four: body.value.last_four.clone(),
    };
    let w = app
        .submit::<PersonalDataSealed>(&who, command, key.scoped(&who, body.digest))
        .await?;
    // The event holds the digits sealed: the answer repeats what was sent (a retry sends
    // the same body, so it gets the same answer).
    let p = w.answer;
    let digits = body.value.last_four.trim().to_owned();
    Ok(written(
        &w.receipt,
        CounterDetailsOut {
            volunteer_id: p.volunteer_id.to_string(),
            phone_last_four: Some(digits).filter(|d| !d.is_empty()),
            has_pin: None,
        },
    ))
}

/// Set or clear the PIN a volunteer confirms counter redemptions with (the volunteer,
/// their coordinator with them, an administrator).
#[utoipa::path(put, path = "/v1/volunteers/{id}/pin", tag = "volunteers", request_body = PinIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = CounterDetailsOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn pin(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<PinIn>,
) -> Result<Response, ApiError> {
    let volunteer_id = path_id(&id, "volunteer")?;
    let command = Command::SetPin {
        volunteer_id,
        pin: body
            .value
            .pin
            .as_deref()
            .map(|digits| app.mint.typed_pin(&volunteer_id, digits)),
    };
    let w = app
        .submit::<VolunteerPinSet>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let p = w.answer;
    Ok(written(
        &w.receipt,
        CounterDetailsOut {
            volunteer_id: p.volunteer_id.to_string(),
            phone_last_four: None,
            has_pin: Some(p.pin_sha256.is_some()),
        },
    ))
}

/// A bank's rate vouchers.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherList {
    /// The bank.
    pub bank: String,
    /// Newest first.
    pub items: Vec<VoucherOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// A partner bank's rate vouchers, read-only (that bank's officers, administrators,
/// auditors).
#[utoipa::path(get, path = "/v1/banks/{bank}/vouchers", tag = "stations",
    params(("bank" = String, Path, description = "The bank's name as its vouchers carry it"), AsOfParam),
    responses((status = 200, body = VoucherList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn vouchers(
    State(app): State<App>,
    Auth(who): Auth,
    Path(bank): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<VoucherList>, ApiError> {
    let out = app
        .read(&who, q.as_of, Read::BankVouchers(&bank), |state| {
            Ok(VoucherList {
                items: bank_vouchers(
                    state,
                    &who,
                    &bank,
                    yinling_app::reports::day_of(state, q.as_of),
                ),
                bank: bank.clone(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}
