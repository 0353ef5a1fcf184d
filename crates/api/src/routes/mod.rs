//! The HTTP routes. Each handler is thin: extract, call the application, map the result.
//! Business rules live in `yinling_projections::decide`, who may see what in
//! `yinling_projections::access`, report rows in `yinling_app::reports`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use yinling_app::Receipt;

pub mod activities;
pub mod audit;
pub mod backfills;
pub mod categories;
pub mod disputes;
pub mod evaluation;
pub mod money;
pub mod onboard;
pub mod organisation;
pub mod policies;
pub mod privacy;
pub mod rankings;
pub mod redemptions;
pub mod rewards;
pub mod rules;
pub mod stars;
pub mod stations;
pub mod system;
pub mod teams;
pub mod tokens;
pub mod transparency;
pub mod trust;
pub mod volunteers;

/// Items a page holds: `limit` as asked (1 to 1,000, as the API's description says), or
/// the default when left out. Out of range is refused, not quietly changed to something else.
pub fn page_limit(limit: Option<usize>) -> Result<usize, crate::error::ApiError> {
    use yinling_app::limits::{DEFAULT_PAGE_ITEMS, MAX_PAGE_ITEMS};
    match limit {
        None => Ok(DEFAULT_PAGE_ITEMS),
        Some(n) if (1..=MAX_PAGE_ITEMS).contains(&n) => Ok(n),
        Some(n) => Err(crate::error::ApiError::bad_request(
            "bad_limit",
            format!("limit is 1 to {MAX_PAGE_ITEMS} items a page, not {n}"),
        )),
    }
}

/// The `as_of` query parameter of every read of state.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParam {
    /// Answer as things stood right after this event seq (default: now).
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// Header naming the seq of the last event a write appended (its receipt).
pub const LEDGER_SEQ_HEADER: &str = "ledger-seq";

/// Header naming that event's hash: with the seq, what a client can later check in the feed.
pub const LEDGER_HASH_HEADER: &str = "ledger-hash";

/// The receipt headers of a write: where its last event sits in the chain. A retry with the
/// same Idempotency-Key gets the same receipt.
pub fn receipt(r: &Receipt) -> [(&'static str, String); 2] {
    if r.seq == 0 {
        return [
            (LEDGER_SEQ_HEADER, String::new()),
            (LEDGER_HASH_HEADER, String::new()),
        ];
    }
    [
        (LEDGER_SEQ_HEADER, r.seq.to_string()),
        (LEDGER_HASH_HEADER, r.hash.to_hex()),
    ]
}

/// A 201 with a Location header, the receipt and a JSON body.
pub fn created<T: Serialize>(location: String, r: &Receipt, body: T) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        receipt(r),
        Json(body),
    )
        .into_response()
}

/// A 202 for a write held for approval: where it waits, the receipt, and a JSON body.
pub fn accepted<T: Serialize>(location: String, r: &Receipt, body: T) -> Response {
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        receipt(r),
        Json(body),
    )
        .into_response()
}

/// A 200 with the receipt and a JSON body.
pub fn written<T: Serialize>(r: &Receipt, body: T) -> Response {
    (receipt(r), Json(body)).into_response()
}
