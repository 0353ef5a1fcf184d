//! When the state last moved: the instant and seq of the last event folded.
//!
//! The state once kept every (instant, seq) of the log here, one pair per group commit, for
//! "as of an instant" queries that came to be answered from the log itself (`yinling
//! replay --at`), while the service only ever read the last pair. At one commit per request
//! that was 16 bytes an event in each copy of the state: 1.6 GB for a province's fifty million
//! events a year. A snapshot still holds the field as a sequence of pairs (now of at most one),
//! so snapshots written before read as before, keeping their last pair.

use std::fmt;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yinling_ledger::Timestamp;

/// The instant and seq of the last event folded, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeline(Option<(Timestamp, u64)>);

impl Timeline {
    /// Notes an event folded.
    pub fn record(&mut self, at: Timestamp, seq: u64) {
        self.0 = Some((at, seq));
    }

    /// The last event folded: when it was recorded and its seq.
    pub fn last(&self) -> Option<&(Timestamp, u64)> {
        self.0.as_ref()
    }
}

impl Serialize for Timeline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for Timeline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads a sequence of pairs and keeps the last (an old snapshot holds one a commit).
        struct LastPair;
        impl<'de> Visitor<'de> for LastPair {
            type Value = Timeline;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of (instant, seq) pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Timeline, A::Error> {
                let mut last = None;
                while let Some(pair) = seq.next_element::<(Timestamp, u64)>()? {
                    last = Some(pair);
                }
                Ok(Timeline(last))
            }
        }
        deserializer.deserialize_seq(LastPair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot written when the state kept every pair reads as its last pair, and a
    /// timeline writes what such a snapshot would hold had it kept only that pair.
    #[test]
    fn an_old_snapshots_timeline_reads_as_its_last_pair() {
        let at = |micros: i64| Timestamp(micros);
        let old: Vec<(Timestamp, u64)> = vec![(at(1), 3), (at(5), 9), (at(7), 12)];
        let bytes = bincode::serialize(&old).expect("encode");
        let read: Timeline = bincode::deserialize(&bytes).expect("decode");
        assert_eq!(read.last(), Some(&(at(7), 12)));
        let again = bincode::serialize(&read).expect("encode");
        assert_eq!(
            again,
            bincode::serialize(&vec![(at(7), 12u64)]).expect("encode")
        );
        let empty: Timeline = bincode::deserialize(
            &bincode::serialize(&Vec::<(Timestamp, u64)>::new()).expect("encode"),
        )
        .expect("decode");
        assert_eq!(empty, Timeline::default());
    }

    #[test]
    fn the_timeline_holds_the_last_event_folded() {
        let mut t = Timeline::default();
        assert_eq!(t.last(), None);
        t.record(Timestamp(10), 1);
        t.record(Timestamp(10), 2);
        t.record(Timestamp(20), 3);
        assert_eq!(t.last(), Some(&(Timestamp(20), 3)));
    }
}
