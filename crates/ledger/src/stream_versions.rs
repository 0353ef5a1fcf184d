//! The last version of the streams the writer used recently, in bounded memory.
//!
//! The writer needs a stream's last version for every commit (the next event's version and
//! the `expected_version` check); the log's stream index answers it, at the cost of a tree
//! descent or two. Kept for every stream ever written, the answers grew without bound: a new
//! activity is a new stream, so a year of a province's activities is millions of entries
//! that are never asked for again. Two generations bound it: answers go into the young one;
//! when it is full it becomes the old one (the previous old one is dropped), and an answer
//! found in the old one moves back to the young. A stream in use stays; one not asked for
//! during two generations is forgotten and asked of the log again, which is the truth.

use std::collections::HashMap;

use crate::stream::StreamId;

/// Recently used streams and their last versions, at most twice `per_generation` of them.
#[derive(Debug)]
pub(crate) struct StreamVersions {
    young: HashMap<StreamId, u64>,
    old: HashMap<StreamId, u64>,
    per_generation: usize,
}

impl StreamVersions {
    /// An empty memory holding up to `per_generation` streams a generation (at least one).
    pub(crate) fn new(per_generation: usize) -> Self {
        StreamVersions {
            young: HashMap::new(),
            old: HashMap::new(),
            per_generation: per_generation.max(1),
        }
    }

    /// The remembered last version of `stream`, if it was used recently.
    pub(crate) fn get(&mut self, stream: &StreamId) -> Option<u64> {
        if let Some(v) = self.young.get(stream) {
            return Some(*v);
        }
        let (stream, v) = self.old.remove_entry(stream)?;
        self.insert(stream, v);
        Some(v)
    }

    /// Remembers that `stream`'s last version is `version` (replacing what was known).
    pub(crate) fn insert(&mut self, stream: StreamId, version: u64) {
        if self.young.len() >= self.per_generation && !self.young.contains_key(&stream) {
            self.old = std::mem::take(&mut self.young);
        }
        // A stale answer in the old generation is never read: the young one is asked first,
        // and the old one is dropped whole before the young one could lose this entry.
        self.young.insert(stream, version);
        debug_assert!(
            self.young.len() <= self.per_generation && self.old.len() <= self.per_generation,
            "each generation stays within its bound"
        );
    }

    /// Streams remembered now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(i: u64) -> StreamId {
        StreamId::parse(&format!("activity-{i}")).expect("a valid stream name")
    }

    #[test]
    fn what_it_answers_is_always_the_last_version_remembered() {
        // Model: the last version inserted for each stream. Whatever is answered must be
        // it; what is forgotten may be forgotten; the memory stays bounded.
        let mut memory = StreamVersions::new(8);
        let mut model: HashMap<u64, u64> = HashMap::new();
        let mut x: u64 = 7;
        for step in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (x >> 33) % 40;
            if x & 1 == 0 {
                memory.insert(stream(i), step);
                model.insert(i, step);
            } else if let Some(v) = memory.get(&stream(i)) {
                assert_eq!(Some(&v), model.get(&i), "stream {i} at step {step}");
            }
            assert!(memory.len() <= 16, "{} remembered", memory.len());
        }
    }

    #[test]
    fn a_stream_in_use_is_kept_while_others_pass_through() {
        let mut memory = StreamVersions::new(4);
        memory.insert(stream(0), 3);
        for i in 1..1_000 {
            memory.insert(stream(i), i);
            assert_eq!(memory.get(&stream(0)), Some(3), "after {i} others");
        }
        assert!(
            memory.get(&stream(1)).is_none(),
            "an unused one is forgotten"
        );
    }
}
