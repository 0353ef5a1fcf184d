//! The HTTP routes. Each handler is thin: extract, call one engine or projection function,
//! map the result. Business rules live in `yinling_projections::decide`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use yinling_ledger::Envelope;

pub mod activities;
pub mod audit;
pub mod evaluation;
pub mod organisation;
pub mod rankings;
pub mod redemptions;
pub mod rewards;
pub mod system;
pub mod teams;
pub mod tokens;
pub mod volunteers;

/// Most items one list page returns.
pub const MAX_PAGE_ITEMS: usize = 1_000;

/// Items per page when the caller names no limit.
pub const DEFAULT_PAGE_ITEMS: usize = 100;

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

/// The receipt of a write: where its last event sits in the chain. A retry with the same
/// Idempotency-Key gets the same receipt.
pub fn receipt(envelopes: &[Envelope]) -> [(&'static str, String); 2] {
    let (seq, hash) = envelopes
        .last()
        .map_or((String::new(), String::new()), |e| {
            (e.seq.to_string(), e.hash.to_hex())
        });
    [(LEDGER_SEQ_HEADER, seq), (LEDGER_HASH_HEADER, hash)]
}

/// A 201 with a Location header, the receipt and a JSON body.
pub fn created<T: Serialize>(location: String, envelopes: &[Envelope], body: T) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        receipt(envelopes),
        Json(body),
    )
        .into_response()
}

/// A 200 with the receipt and a JSON body.
pub fn written<T: Serialize>(envelopes: &[Envelope], body: T) -> Response {
    (receipt(envelopes), Json(body)).into_response()
}

/// Clamps a requested page size.
pub fn page_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_ITEMS).clamp(1, MAX_PAGE_ITEMS)
}
