//! The auditor's view: the raw event feed, the chain head and full verification.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::log::{self, VerifyDepth};
use yinling_ledger::{Envelope, StreamId};
use yinling_projections::Principal;

use super::page_limit;
use crate::app::AppState;
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

/// Who caused an event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActorOut {
    /// The token used (absent for the service itself).
    pub token_id: Option<String>,
    /// Its role.
    pub role: String,
}

/// One event as stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    /// Global sequence number.
    pub seq: u64,
    /// Event id.
    pub id: String,
    /// Stream.
    pub stream: String,
    /// Version within the stream.
    pub stream_version: u64,
    /// Type name, e.g. ServiceLogged.
    #[serde(rename = "type")]
    pub kind: String,
    /// When recorded (RFC 3339).
    pub recorded_at: String,
    /// Who.
    pub actor: ActorOut,
    /// The idempotency key of the command (scoped by token).
    pub idempotency_key: Option<String>,
    /// Schema version of the payload.
    pub schema_version: u16,
    /// The payload.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Hash of the previous event (hex).
    pub prev_hash: String,
    /// SHA-256(prev_hash || canonical bytes) (hex).
    pub hash: String,
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

fn require_auditor(who: &Principal) -> Result<(), ApiError> {
    if matches!(
        who,
        Principal::Admin(_) | Principal::Auditor(_) | Principal::System
    ) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "auditors_only",
            "only auditors and administrators can read the event log",
        ))
    }
}

/// An event as the feed shows it.
pub fn event_out(e: &Envelope) -> EventOut {
    let data = match serde_json::to_value(&e.payload) {
        Ok(serde_json::Value::Object(mut map)) if map.len() == 1 => map
            .remove(e.payload.type_name())
            .unwrap_or(serde_json::Value::Null),
        Ok(other) => other,
        Err(_) => serde_json::Value::Null,
    };
    EventOut {
        seq: e.seq,
        id: e.id.to_string(),
        stream: e.stream.to_string(),
        stream_version: e.stream_version,
        kind: e.payload.type_name().to_owned(),
        recorded_at: e.recorded_at.to_rfc3339(),
        actor: ActorOut {
            token_id: e.actor.token_id.map(|t| t.to_string()),
            role: e.actor.role.as_str().to_owned(),
        },
        idempotency_key: e.idempotency_key.clone(),
        schema_version: e.schema_version,
        data,
        prev_hash: e.prev_hash.to_hex(),
        hash: e.hash.to_hex(),
    }
}

/// The raw event feed, paged by seq (auditor, admin).
#[utoipa::path(get, path = "/v1/events", tag = "audit", params(FeedParams),
    responses((status = 200, body = FeedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn feed(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<FeedParams>,
) -> Result<Json<FeedOut>, ApiError> {
    require_auditor(&who)?;
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
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))?;
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
pub async fn head(State(app): State<AppState>, Auth(who): Auth) -> Result<Json<HeadOut>, ApiError> {
    require_auditor(&who)?;
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
pub async fn verify(
    State(app): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<VerifyOut>, ApiError> {
    require_auditor(&who)?;
    let engine = app.engine.clone();
    let report = tokio::task::spawn_blocking(move || engine.verify(VerifyDepth::Full))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(VerifyOut {
        ok: report.is_ok(),
        seq: report.verified.seq,
        hash: report.verified.hash.to_hex(),
        first_bad_seq: report.first_bad.as_ref().map(|b| b.seq),
        detail: report.first_bad.map(|b| b.detail),
    }))
}

/// Rebuilds an envelope from its feed JSON (as `event_out` writes it), exactly: re-encoding it
/// gives the canonical bytes that were hashed, so an import can re-verify the chain.
pub fn envelope_from_json(value: &serde_json::Value) -> Result<Envelope, String> {
    use yinling_ledger::{Actor, EventId, Hash, Role, Timestamp, TokenId};
    let field = |name: &str| {
        value
            .get(name)
            .ok_or_else(|| format!("missing field {name:?}"))
    };
    let text = |name: &str| -> Result<String, String> {
        field(name)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("field {name:?} is not text"))
    };
    let number = |name: &str| -> Result<u64, String> {
        field(name)?
            .as_u64()
            .ok_or_else(|| format!("field {name:?} is not a whole number"))
    };
    let hash = |name: &str| -> Result<Hash, String> {
        Hash::from_hex(&text(name)?).ok_or_else(|| format!("field {name:?} is not 64 hex digits"))
    };
    let kind = text("type")?;
    let mut tagged = serde_json::Map::new();
    tagged.insert(kind.clone(), field("data")?.clone());
    let payload: yinling_ledger::Event = serde_json::from_value(serde_json::Value::Object(tagged))
        .map_err(|e| format!("the {kind} data does not fit: {e}"))?;
    let recorded_at = chrono::DateTime::parse_from_rfc3339(&text("recorded_at")?)
        .map_err(|e| format!("recorded_at: {e}"))?;
    let actor = field("actor")?;
    let role = match actor.get("role").and_then(|r| r.as_str()) {
        Some("admin") => Role::Admin,
        Some("coordinator") => Role::Coordinator,
        Some("volunteer") => Role::Volunteer,
        Some("auditor") => Role::Auditor,
        Some("system") => Role::System,
        other => return Err(format!("unknown actor role {other:?}")),
    };
    let token_id = match actor.get("token_id") {
        None | Some(serde_json::Value::Null) => None,
        Some(t) => Some(
            t.as_str()
                .and_then(|t| t.parse::<TokenId>().ok())
                .ok_or("actor.token_id is not an id")?,
        ),
    };
    let idempotency_key = match value.get("idempotency_key") {
        None | Some(serde_json::Value::Null) => None,
        Some(k) => Some(k.as_str().ok_or("idempotency_key is not text")?.to_owned()),
    };
    Ok(Envelope {
        seq: number("seq")?,
        id: text("id")?
            .parse::<EventId>()
            .map_err(|_| "id is not an id".to_owned())?,
        stream: StreamId::parse(&text("stream")?).ok_or("stream is not a stream name")?,
        stream_version: number("stream_version")?,
        recorded_at: Timestamp::from_datetime(&recorded_at),
        actor: Actor { token_id, role },
        idempotency_key,
        schema_version: u16::try_from(number("schema_version")?)
            .map_err(|_| "schema_version is too large")?,
        payload,
        prev_hash: hash("prev_hash")?,
        hash: hash("hash")?,
    })
}
