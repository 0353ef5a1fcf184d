//! A column of the state held in chunks, each behind an [`Arc`].
//!
//! The writer stores a snapshot of the readers' copy of the state on a thread of its own, and
//! clones that copy first: it cannot go on folding batches into a state the snapshot is still
//! encoding. A column of a million volunteers' rows (the ranking index's ids, totals, series
//! and month bounds) cloned whole is tens of megabytes of fresh pages, and the writer waited
//! for them (most of the writer's pause for a snapshot after the shared maps were split into
//! tables, `BENCHMARKS.md`). Held in chunks of [`CHUNK_ROWS`], a clone copies one pointer a
//! chunk, and a change while a snapshot holds the chunks copies the one chunk it falls in.
//!
//! A column encodes as the plain sequence it replaces (its length, then its rows), so
//! snapshots read both ways.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::limits::CHUNK_ROWS;

// A row's chunk is its index shifted, its place in the chunk the index masked.
const _: () = assert!(CHUNK_ROWS.is_power_of_two());
const SHIFT: u32 = CHUNK_ROWS.trailing_zeros();
const MASK: usize = CHUNK_ROWS - 1;

/// A column of rows in chunks of [`CHUNK_ROWS`], each behind an [`Arc`]: every chunk but the
/// last is full, so row `i` is in chunk `i / CHUNK_ROWS`.
#[derive(Clone, Debug)]
pub struct Chunks<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunks<T> {
    /// The row at `row`.
    pub fn get(&self, row: usize) -> Option<&T> {
        self.chunks.get(row >> SHIFT)?.get(row & MASK)
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

impl<T: Clone> Chunks<T> {
    /// The row at `row`, to change: its chunk is copied first if another copy of the state
    /// holds it.
    pub fn get_mut(&mut self, row: usize) -> Option<&mut T> {
        let chunk = self.chunks.get_mut(row >> SHIFT)?;
        Arc::make_mut(chunk).get_mut(row & MASK)
    }

    /// Adds a row at the end.
    pub fn push(&mut self, value: T) {
        if self.len & MASK == 0 {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK_ROWS)));
        }
        if let Some(last) = self.chunks.last_mut() {
            let last = Arc::make_mut(last);
            // A copy (the snapshot held the last chunk) has room only for what it holds.
            last.reserve_exact(CHUNK_ROWS - last.len());
            last.push(value);
            self.len += 1;
        }
        debug_assert_eq!(self.chunks.len(), self.len.div_ceil(CHUNK_ROWS));
    }

    /// Grows to `len` rows, each new one `value`; never shrinks.
    pub fn resize(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push(value.clone());
        }
    }
}

impl<T: PartialEq> PartialEq for Chunks<T> {
    /// Equal when they hold equal rows in the same order, however the chunks are shared.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }
}

impl<T: Eq> Eq for Chunks<T> {}

impl<T: Clone> FromIterator<T> for Chunks<T> {
    fn from_iter<I: IntoIterator<Item = T>>(rows: I) -> Self {
        let mut column = Chunks::default();
        for row in rows {
            column.push(row);
        }
        column
    }
}

impl<T: Serialize> Serialize for Chunks<T> {
    /// The plain sequence of rows: the form a `Vec` of them had.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for row in self.iter() {
            seq.serialize_element(row)?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for Chunks<T> {
    /// Row by row into chunks (no whole column in one allocation, then copied).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ChunksVisitor(PhantomData))
    }
}

/// Reads a [`Chunks`] row by row.
struct ChunksVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Clone> Visitor<'de> for ChunksVisitor<T> {
    type Value = Chunks<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut column = Chunks::default();
        // The length is the encoder's word: it reserves only the table of chunks, capped.
        let hint = seq
            .size_hint()
            .unwrap_or(0)
            .min(crate::limits::MAX_PRESIZED_MAP_ENTRIES);
        column.chunks.reserve(hint.div_ceil(CHUNK_ROWS));
        while let Some(row) = seq.next_element()? {
            column.push(row);
        }
        Ok(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(n: usize) -> Chunks<u32> {
        (0..n as u32).collect()
    }

    #[test]
    fn rows_are_found_where_they_were_pushed_across_chunks() {
        let n = 3 * CHUNK_ROWS + 5;
        let mut c = column(n);
        assert_eq!(c.len(), n);
        assert_eq!(c.chunks.len(), 4);
        assert_eq!(c.get(CHUNK_ROWS), Some(&(CHUNK_ROWS as u32)));
        assert_eq!(c.get(n), None);
        assert!(c.iter().copied().eq(0..n as u32));
        if let Some(r) = c.get_mut(CHUNK_ROWS + 1) {
            *r = 7;
        }
        assert_eq!(c.get(CHUNK_ROWS + 1), Some(&7));
        assert_eq!(c.get_mut(n), None);
    }

    /// A snapshot's clone copies the chunks' pointers; a change afterwards copies the one
    /// chunk it falls in, and the clone keeps what it saw.
    #[test]
    fn a_clone_shares_the_chunks_until_a_change_copies_the_one_it_touches() {
        let mut c = column(2 * CHUNK_ROWS + 1);
        let snapshot = c.clone();
        if let Some(r) = c.get_mut(1) {
            *r = 99;
        }
        c.push(5);
        let shared: Vec<bool> = c
            .chunks
            .iter()
            .zip(&snapshot.chunks)
            .map(|(a, b)| Arc::ptr_eq(a, b))
            .collect();
        // The first chunk was changed, the last grew; the middle one is still shared.
        assert_eq!(shared, vec![false, true, false]);
        assert_eq!(snapshot.get(1), Some(&1));
        assert_eq!(snapshot.len(), 2 * CHUNK_ROWS + 1);
        assert_eq!(c.get(1), Some(&99));
        assert_eq!(c.len(), 2 * CHUNK_ROWS + 2);
        assert!(c.chunks.iter().all(|k| k.capacity() == CHUNK_ROWS));
        assert_ne!(c, snapshot);
    }

    #[test]
    fn a_column_encodes_as_the_vec_it_replaced_and_reads_back() {
        let rows: Vec<u32> = (0..(CHUNK_ROWS as u32 + 3)).collect();
        let c: Chunks<u32> = rows.iter().copied().collect();
        let as_vec = bincode::serialize(&rows).unwrap_or_default();
        assert_eq!(bincode::serialize(&c).unwrap_or_default(), as_vec);
        let back: Result<Chunks<u32>, _> = bincode::deserialize(&as_vec);
        assert!(back.is_ok_and(|b| b == c));
        let json = serde_json::to_string(&column(3)).unwrap_or_default();
        assert_eq!(json, "[0,1,2]");
        let mut grown = column(1);
        grown.resize(CHUNK_ROWS + 2, 0);
        assert_eq!(grown.len(), CHUNK_ROWS + 2);
        grown.resize(1, 0);
        assert_eq!(grown.len(), CHUNK_ROWS + 2, "resize never shrinks");
    }
}
