//! Stream names: one stream per entity (`volunteer-<uuid>`) or a singleton (`rules`); the
//! unit of optimistic concurrency and of an entity's history.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::limits::MAX_STREAM_BYTES;

/// The name of an event stream: one per entity (`volunteer-<uuid>`) or a singleton (`rules`).
///
/// Stream names never contain a NUL byte, which the store uses as the name terminator in its
/// index keys.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamId(String);

impl StreamId {
    /// The stream of the point rules.
    pub fn rules() -> Self {
        StreamId("rules".to_owned())
    }

    /// The stream of the district register.
    pub fn districts() -> Self {
        StreamId("districts".to_owned())
    }

    /// The stream of the register of service categories.
    pub fn categories() -> Self {
        StreamId("categories".to_owned())
    }

    /// The stream of the star scale's versions.
    pub fn stars() -> Self {
        StreamId("stars".to_owned())
    }

    /// The stream of the policies (hold time, back-fill limit, time zone).
    pub fn policies() -> Self {
        StreamId("policies".to_owned())
    }

    /// The stream of the evaluation's scoring weights.
    pub fn scoring() -> Self {
        StreamId("scoring".to_owned())
    }

    /// The stream of one entity, e.g. `team-0190…`.
    pub fn for_entity(prefix: &str, id: Uuid) -> Self {
        StreamId(format!("{prefix}-{id}"))
    }

    /// Validates a stream name from outside (a query parameter, an import file).
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= MAX_STREAM_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        ok.then(|| StreamId(text.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}
