//! The auditor's view: the raw event feed, the chain head and full verification.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::events::{event_out, EventOut};
use yinling_app::{App, AppError};
use yinling_ledger::log::{self, VerifyDepth};
use yinling_ledger::{Role, StreamId, Timestamp, VolunteerId};
use yinling_projections::access::{self, Read};

use super::page_limit;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiQuery, Auth};

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
    let limit = page_limit(q.limit)?;
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
        None => log::read(engine.log(), after, limit).inspect(|read| {
            engine.note_log_read(read.len() as u64);
        }),
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
            engine.note_log_read(out.len() as u64);
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
        .map_err(ApiError::from)?;
    Ok(Json(VerifyOut {
        ok: report.is_ok(),
        seq: report.verified.seq,
        hash: report.verified.hash.to_hex(),
        first_bad_seq: report.first_bad.as_ref().map(|b| b.seq),
        detail: report.first_bad.map(|b| b.detail),
    }))
}

/// Which part of the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessParams {
    /// One person's record.
    pub volunteer_id: Option<String>,
    /// From this day (YYYY-MM-DD, the ledger's calendar; default: a week ago).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Up to and including this day (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Most items.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// One look at one person's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessOut {
    /// When (RFC 3339).
    pub at: String,
    /// The token that looked.
    pub token_id: Option<String>,
    /// Its label, e.g. 南浔 e站 柜台.
    pub token_label: String,
    /// Its role.
    #[schema(value_type = yinling_app::wire::RoleName)]
    pub role: Role,
    /// Whose record.
    pub volunteer_id: String,
    /// Their name.
    pub volunteer_name: String,
    /// From which route or page.
    pub from: String,
}

/// The access log page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessList {
    /// Oldest first.
    pub items: Vec<AccessOut>,
}

/// Who looked at whose account or statement, when, from where (auditors only). Kept outside
/// the points chain for the period the operator set (`serve --access-log-days`).
#[utoipa::path(get, path = "/v1/access-log", tag = "audit", params(AccessParams),
    responses((status = 200, body = AccessList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn access_log(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AccessParams>,
) -> Result<Json<AccessList>, ApiError> {
    let volunteer: Option<VolunteerId> = q
        .volunteer_id
        .as_deref()
        .map(|v| path_id(v, "volunteer"))
        .transpose()?;
    let today = Timestamp::now().local_date();
    let day = |field: &str, text: Option<&str>, default: NaiveDate| {
        text.map_or(Ok(default), |t| {
            yinling_app::input::date(field, t).map_err(ApiError::from)
        })
    };
    let from = day("from", q.from.as_deref(), today - chrono::Days::new(7))?;
    let to = day("to", q.to.as_deref(), today)?;
    if from > to {
        return Err(ApiError::bad_request(
            "bad_window",
            format!("from ({from}) is after to ({to}); the first day comes first"),
        ));
    }
    // The log's keys are signed instants in big-endian bytes, so one before 1970 would sort
    // after every entry and make the range empty: the earliest instant asked is 1970's.
    let instant = |d: NaiveDate| {
        let offset = i64::from(yinling_ledger::time::local_offset());
        Timestamp(
            d.and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp_micros())
                - offset * 1_000_000,
        )
        .max(Timestamp(0))
    };
    let span = (instant(from), instant(to + chrono::Days::new(1)));
    let entries = app.access_entries(&who, span, volunteer, page_limit(q.limit)?)?;
    let state = app.engine.read();
    let items = entries
        .into_iter()
        .map(|e| AccessOut {
            at: e.at.to_rfc3339(),
            token_id: e.token_id.map(|t| t.to_string()),
            token_label: e
                .token_id
                .and_then(|t| state.tokens.get(&t))
                .map(|t| t.label.clone())
                .unwrap_or_default(),
            role: e.role,
            volunteer_id: e.volunteer_id.to_string(),
            // As the reader may see it: masked for an auditor, as every route shows them.
            volunteer_name: state
                .volunteers
                .get(&e.volunteer_id)
                .map(|v| access::name_for(&who, v))
                .unwrap_or_default(),
            from: e.from,
        })
        .collect();
    Ok(Json(AccessList { items }))
}
