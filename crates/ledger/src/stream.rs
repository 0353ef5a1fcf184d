//! Stream names: one stream per entity (`volunteer-<uuid>`) or a singleton (`rules`); the
//! unit of optimistic concurrency and of an entity's history.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::limits::MAX_STREAM_BYTES;

/// The name of an event stream: one per entity (`volunteer-<uuid>`) or a singleton (`rules`).
///
/// Stream names never contain a NUL byte, which the store uses as the name terminator in its
/// index keys: one read from a record is checked as one from outside is ([`StreamId::parse`]),
/// so a forged event cannot name a stream whose index keys fall inside another's.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StreamId(String);

impl<'de> Deserialize<'de> for StreamId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if !StreamId::valid(&text) {
            return Err(serde::de::Error::custom(format!(
                "{:?} is not a stream name (letters, digits, - _ . and at most {MAX_STREAM_BYTES} bytes)",
                text.chars().take(MAX_STREAM_BYTES).collect::<String>()
            )));
        }
        Ok(StreamId(text))
    }
}

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
        Self::valid(text).then(|| StreamId(text.to_owned()))
    }

    /// Whether `text` is a stream name: not empty, at most [`MAX_STREAM_BYTES`], of ASCII
    /// letters, digits, `-`, `_` and `.` (no NUL, the index keys' terminator).
    fn valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= MAX_STREAM_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
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

#[cfg(test)]
mod tests {
    use super::StreamId;

    #[test]
    fn a_stream_name_read_from_a_record_is_checked_as_one_from_outside() {
        for bad in ["", "volunteer-1\u{0}\u{1}abc", "活动-1", &"s".repeat(129)] {
            let encoded = bincode::serialize(&bad.to_owned()).expect("encode");
            assert!(
                bincode::deserialize::<StreamId>(&encoded).is_err(),
                "{bad:?}"
            );
        }
        let good = StreamId::for_entity("volunteer", uuid::Uuid::from_u128(7));
        let encoded = bincode::serialize(&good).expect("encode");
        assert_eq!(
            bincode::deserialize::<StreamId>(&encoded).expect("decode"),
            good
        );
    }
}
