//! The HTTP routes. Each handler is thin: extract, call one engine or projection function,
//! map the result. Business rules live in `yinling_projections::decide`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

pub mod activities;
pub mod audit;
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

/// A 201 with a Location header and a JSON body.
pub fn created<T: Serialize>(location: String, body: T) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

/// Clamps a requested page size.
pub fn page_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_ITEMS).clamp(1, MAX_PAGE_ITEMS)
}
