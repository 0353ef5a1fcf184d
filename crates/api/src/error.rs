//! Every error the HTTP layer answers with, rendered once as `application/problem+json`
//! (RFC 9457) with a `detail` a person can act on. No `Debug` text ever reaches a client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use yinling_app::AppError;
use yinling_projections::{Rejection, RejectionKind};

use crate::limits::{MAX_DETAIL_CHARS, PAUSED_RETRY_AFTER_SECONDS, RETRY_AFTER_SECONDS};

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/insufficient_points`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request and what to do about it.
    pub detail: String,
    /// A stable machine-readable code (also the last segment of `type`).
    pub code: String,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    /// The status to answer with.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// The explanation.
    pub detail: String,
    /// Seconds after which a retry makes sense (503).
    pub retry_after_seconds: Option<u32>,
}

impl ApiError {
    /// Any status, code and detail. A detail names the value it refuses, and that value is
    /// the caller's: one past [`MAX_DETAIL_CHARS`] characters (a megabyte sent as hours) is
    /// cut short with "…" rather than sent back whole.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        let mut detail = detail.into();
        if let Some((cut, _)) = detail.char_indices().nth(MAX_DETAIL_CHARS) {
            detail.truncate(cut);
            detail.push('…');
        }
        ApiError {
            status,
            code,
            detail,
            retry_after_seconds: None,
        }
    }

    /// 400: the request itself is malformed (bad JSON syntax, bad header, bad query).
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 422: well-formed, but the values break a rule.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 401: no or unknown credentials.
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403: known caller, not allowed.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 404.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 409.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 503: the ledger cannot take writes right now; retrying later is safe.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError {
            retry_after_seconds: Some(RETRY_AFTER_SECONDS),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
        }
    }

    /// 500 with a generic detail; the cause goes to the server log only.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle this request; the failure was logged",
        )
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let status = match r.kind {
            RejectionKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            RejectionKind::NotFound => StatusCode::NOT_FOUND,
            RejectionKind::Conflict => StatusCode::CONFLICT,
            RejectionKind::Forbidden => StatusCode::FORBIDDEN,
            RejectionKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            RejectionKind::TooMany => {
                return ApiError {
                    retry_after_seconds: Some(
                        r.retry_after_seconds.unwrap_or(PAUSED_RETRY_AFTER_SECONDS),
                    ),
                    ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, r.code, r.detail)
                }
            }
        };
        ApiError::new(status, r.code, r.detail)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Rejected(r) => r.into(),
            AppError::KeyReused => ApiError::unprocessable("idempotency_key_reused", e.detail()),
            AppError::VersionConflict { .. } => ApiError::conflict("version_conflict", e.detail()),
            AppError::Unavailable(detail) => ApiError::unavailable(detail),
            // No Retry-After: waiting does not mend a damaged log.
            AppError::LogDamaged(detail) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "log_damaged", detail)
            }
            AppError::Internal => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the server failed to handle this request; the failure was logged",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"yinling\""),
            );
        }
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Gives every bare error response made outside our handlers (405 from routing, 408 from the
/// timeout layer, 413 from the body limit, ...) a problem body.
pub async fn problem_for_bare_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // Problems pass as they are, and so do the web app's error pages (a person reads
    // those) and a document a handler chose to answer with (the health check's 503).
    let already_explained = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(PROBLEM_JSON.as_bytes())
                || v.as_bytes().starts_with(b"text/html")
                || v.as_bytes().starts_with(b"application/json")
        });
    if already_explained {
        return response;
    }
    let (code, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this path does not accept this method; see /openapi.json for what it accepts",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is larger than the 1 MiB limit",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "the answer took too long and this request stopped waiting; a write it asked for may have been made or may still be going on (a roster's import goes on to its end): look before sending it again, with the same Idempotency-Key where the route takes one",
        ),
        StatusCode::NOT_FOUND => ("not_found", "nothing is served at this path"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        _ if status.is_server_error() => (
            "internal",
            "the server failed to handle this request; the failure was logged",
        ),
        _ => ("bad_request", "the request could not be handled"),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut problem = ApiError::new(status, code, detail).into_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}
