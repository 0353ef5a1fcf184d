//! The envelope around every stored event, and the drafts a command produces before the
//! writer seals them into envelopes.

use serde::{Deserialize, Serialize};

use crate::digest::Hash;
use crate::event::{Event, Role};
use crate::ids::{EventId, TokenId};
pub use crate::stream::StreamId;
use crate::time::Timestamp;

/// The schema version written with every new event. Older versions are upcast on read.
pub const CURRENT_SCHEMA_VERSION: u16 = 1;

/// Who caused an event: the token used (absent for the service itself) and its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The token presented, if any.
    pub token_id: Option<TokenId>,
    /// The role it carried.
    pub role: Role,
}

impl Actor {
    /// The service acting on its own (bootstrap, hold expiry, demo generation).
    pub const SYSTEM: Actor = Actor {
        token_id: None,
        role: Role::System,
    };
}

/// The position of the log: the last sequence number and its hash. An auditor writes this
/// down; any later change to history makes it unreproducible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Head {
    /// The last sequence number (0 for an empty log).
    pub seq: u64,
    /// The hash of that event ([`Hash::GENESIS`] for an empty log).
    pub hash: Hash,
}

/// One stored event with everything needed to verify it and to fold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Global sequence number: gap-free, from 1.
    pub seq: u64,
    /// Unique id of this event.
    pub id: EventId,
    /// The stream it belongs to.
    pub stream: StreamId,
    /// Its version within the stream: gap-free, from 1.
    pub stream_version: u64,
    /// When the writer sealed it (non-decreasing along the log).
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The idempotency key of the command that produced it, if any.
    pub idempotency_key: Option<String>,
    /// The schema version the payload was written with.
    pub schema_version: u16,
    /// The fact itself.
    pub payload: Event,
    /// The hash of the previous event.
    pub prev_hash: Hash,
    /// SHA-256(prev_hash || canonical bytes of everything above).
    pub hash: Hash,
}

/// What a command wants to append to one stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    /// The target stream.
    pub stream: StreamId,
    /// Optimistic concurrency: the version the stream must be at.
    pub expected_version: ExpectedVersion,
    /// The events, in order.
    pub events: Vec<Event>,
}

impl Commit {
    /// A commit that does not care about the stream's current version.
    pub fn any(stream: StreamId, events: Vec<Event>) -> Self {
        Commit {
            stream,
            expected_version: ExpectedVersion::Any,
            events,
        }
    }

    /// A commit that creates a new stream (fails if it already has events).
    pub fn new_stream(stream: StreamId, events: Vec<Event>) -> Self {
        Commit {
            stream,
            expected_version: ExpectedVersion::Exact(0),
            events,
        }
    }
}

/// The stream version a commit expects to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the version.
    Any,
    /// Append only if the stream is at exactly this version (0 = no events yet).
    Exact(u64),
}
