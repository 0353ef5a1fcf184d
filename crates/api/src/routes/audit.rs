//! The auditor's view: the raw event feed, the chain head and full verification.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::events::{event_out, EventOut};
use yinling_app::{App, AppError};
use yinling_ledger::log::{self, VerifyDepth};
use yinling_ledger::StreamId;
use yinling_projections::access::{self, Read};

use super::page_limit;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Auth};

/// Feed parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Events after this seq (default 0: from the start).
    #[param(minimum = 0)]
    pub after: Option<u64>,
    /// Most events (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// Only this stream, e.g. `volunteer-0193…`.
    pub stream: Option<String>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedOut {
    /// Events in seq order.
    pub events: Vec<EventOut>,
    /// Pass as `after` for the next page (equal to the last seq returned, or `after` when empty).
    pub next_after: u64,
}

/// The chain head.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadOut {
    /// Last seq.
    pub seq: u64,
    /// Its hash (lowercase hex).
    pub hash: String,
}

/// The result of verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOut {
    /// True when every event verified.
    pub ok: bool,
    /// Last seq verified.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// First damaged seq, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<u64>,
    /// What is wrong, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The raw event feed, paged by seq (auditor, admin).
#[utoipa::path(get, path = "/v1/events", tag = "audit", params(FeedParams),
    responses((status = 200, body = FeedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn feed(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<FeedParams>,
) -> Result<Json<FeedOut>, ApiError> {
    access::may_read(&who, &Read::Audit)?;
    let after = q.after.unwrap_or(0);
    let limit = page_limit(q.limit);
    let stream = match &q.stream {
        Some(s) => Some(StreamId::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "bad_stream",
                format!("{s:?} is not a stream name (letters, digits, '-', '_', '.')"),
            )
        })?),
        None => None,
    };
    let engine = app.engine.clone();
    let envelopes = tokio::task::spawn_blocking(move || match stream {
        None => log::read(engine.log(), after, limit),
        Some(stream) => {
            let seqs = engine.log().stream_seqs(&stream, 0, usize::MAX)?;
            let wanted: Vec<u64> = seqs
                .into_iter()
                .filter(|s| *s > after)
                .take(limit)
                .collect();
            let mut out = Vec::with_capacity(wanted.len());
            for seq in wanted {
                if let Some(e) = log::get(engine.log(), seq)? {
                    out.push(e);
                }
            }
            Ok(out)
        }
    })
    .await
    .map_err(|e| ApiError::from(AppError::internal(&e)))?
    .map_err(|e| ApiError::from(AppError::internal(&e)))?;
    let next_after = envelopes.last().map_or(after, |e| e.seq);
    Ok(Json(FeedOut {
        events: envelopes.iter().map(event_out).collect(),
        next_after,
    }))
}

/// The chain head an auditor writes down (auditor, admin).
#[utoipa::path(get, path = "/v1/audit/head", tag = "audit",
    responses((status = 200, body = HeadOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn head(State(app): State<App>, Auth(who): Auth) -> Result<Json<HeadOut>, ApiError> {
    access::may_read(&who, &Read::Audit)?;
    let head = app.engine.log().head();
    Ok(Json(HeadOut {
        seq: head.seq,
        hash: head.hash.to_hex(),
    }))
}

/// Re-walks and re-hashes the whole chain, decoding every event (auditor, admin).
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn verify(State(app): State<App>, Auth(who): Auth) -> Result<Json<VerifyOut>, ApiError> {
    access::may_read(&who, &Read::Audit)?;
    let engine = app.engine.clone();
    let report = tokio::task::spawn_blocking(move || engine.verify(VerifyDepth::Full))
        .await
        .map_err(|e| ApiError::from(AppError::internal(&e)))?
        .map_err(|e| ApiError::from(AppError::internal(&e)))?;
    Ok(Json(VerifyOut {
        ok: report.is_ok(),
        seq: report.verified.seq,
        hash: report.verified.hash.to_hex(),
        first_bad_seq: report.first_bad.as_ref().map(|b| b.seq),
        detail: report.first_bad.map(|b| b.detail),
    }))
}
