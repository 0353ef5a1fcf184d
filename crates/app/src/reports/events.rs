//! Events as the feed, the export and the import read and write them: every envelope field,
//! the payload as JSON, the hashes in hex.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_ledger::{Envelope, StreamId};

use super::Table;

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
    // Every role by its wire name, as the feed writes it (a role added later reads too).
    let role: Role = actor
        .get("role")
        .cloned()
        .and_then(|r| serde_json::from_value(r).ok())
        .ok_or_else(|| format!("unknown actor role {:?}", actor.get("role")))?;
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

impl Table for EventOut {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("seq", "序号"),
        ("type", "类型"),
        ("stream", "流"),
        ("stream_version", "流版本"),
        ("recorded_at", "记录时间"),
        ("actor_role", "操作角色"),
        ("actor_token", "操作令牌"),
        ("hash", "哈希"),
        ("prev_hash", "前一哈希"),
        ("data", "数据"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.kind.clone(),
            self.stream.clone(),
            self.stream_version.to_string(),
            self.recorded_at.clone(),
            self.actor.role.clone(),
            self.actor.token_id.clone().unwrap_or_default(),
            self.hash.clone(),
            self.prev_hash.clone(),
            self.data.to_string(),
        ]
    }
}
