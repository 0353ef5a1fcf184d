//! Rows of a column that two copies of the state can hold at once.
//!
//! The ranking index keeps each volunteer's service by team and date as a row of a column
//! (about 400 bytes a volunteer at eleven lines). Only the readers' copy of the state keeps
//! the index (`State::keep_no_rankings`); what sharing still saves is the snapshot's clone of
//! that copy. The rows are held in [`Chunks`], each row behind its own [`Arc`]: the clone
//! copies a pointer a chunk, a change while the snapshot holds a chunk copies that chunk's
//! pointers (not its rows), and then only the row it changes.

use triomphe::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::chunks::Chunks;

/// A column of rows, shared between copies of the state until one side changes a row.
#[derive(Debug)]
pub struct SharedRows<T> {
    rows: Chunks<Arc<T>>,
}

impl<T> Default for SharedRows<T> {
    fn default() -> Self {
        SharedRows {
            rows: Chunks::default(),
        }
    }
}

impl<T> Clone for SharedRows<T> {
    /// Clones a pointer a chunk: the chunks, and the rows in them, stay shared until one side
    /// changes them.
    fn clone(&self) -> Self {
        SharedRows {
            rows: self.rows.clone(),
        }
    }
}

impl<T: PartialEq> PartialEq for SharedRows<T> {
    /// Equal when they hold equal rows in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl<T: Eq> Eq for SharedRows<T> {}

impl<T: Clone> SharedRows<T> {
    /// The row at `row`.
    pub fn get(&self, row: usize) -> Option<&T> {
        self.rows.get(row).map(|r| &**r)
    }

    /// The row at `row`, to change: its chunk, and then the row, copied first if another copy
    /// of the state holds them.
    pub fn get_mut(&mut self, row: usize) -> Option<&mut T> {
        self.rows.get_mut(row).map(Arc::make_mut)
    }

    /// Adds a row at the end.
    pub fn push(&mut self, value: T) {
        self.rows.push(Arc::new(value));
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl<T: Serialize> Serialize for SharedRows<T> {
    /// Encoded as the plain sequence of rows for people; in a snapshot as its length and then
    /// parts a start decodes on every core (see [`crate::map_parts`]). Neither depends on the
    /// sharing.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rows = self.rows.iter().map(|r| &**r);
        if serializer.is_human_readable() {
            serializer.collect_seq(rows)
        } else {
            crate::map_parts::serialize(self.rows.len(), rows, serializer)
        }
    }
}

impl<'de, T: DeserializeOwned + Send> Deserialize<'de> for SharedRows<T> {
    /// Each row goes behind its `Arc` as it is read (from JSON, through serde's own sequence
    /// reading, which caps what a claimed length reserves).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rows = if deserializer.is_human_readable() {
            Vec::<T>::deserialize(deserializer)?
                .into_iter()
                .map(Arc::new)
                .collect()
        } else {
            crate::map_parts::deserialize(deserializer)?
        };
        Ok(SharedRows { rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot's clone shares every row; a change afterwards copies the chunk's pointers
    /// and the one row it changes, and the clone keeps what it saw.
    #[test]
    fn a_clone_shares_rows_until_one_side_changes_them() {
        let mut readers: SharedRows<Vec<u32>> = SharedRows::default();
        for i in 0..3 {
            readers.push(vec![i]);
        }
        let snapshot = readers.clone();
        if let Some(row) = readers.get_mut(1) {
            row.push(3);
        }
        readers.push(vec![4]);
        let same = |i: usize| match (readers.rows.get(i), snapshot.rows.get(i)) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(same(0) && same(2) && !same(1));
        assert_eq!(snapshot.get(1), Some(&vec![1]));
        assert_eq!(readers.get(1), Some(&vec![1, 3]));
        assert_eq!((readers.len(), snapshot.len()), (4, 3));
    }

    #[test]
    fn rows_read_back_from_json_and_from_parts() {
        let mut rows: SharedRows<String> = SharedRows::default();
        rows.push("a".into());
        rows.push("b".into());
        let json = serde_json::to_string(&rows).unwrap_or_default();
        assert_eq!(json, r#"["a","b"]"#);
        let from_json: Result<SharedRows<String>, _> = serde_json::from_str(&json);
        assert!(from_json.is_ok_and(|b| b == rows));
        let bytes = bincode::serialize(&rows).unwrap_or_default();
        let back: Result<SharedRows<String>, _> = bincode::deserialize(&bytes);
        assert!(back.is_ok_and(|b| b == rows));
    }
}
