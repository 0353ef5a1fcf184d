//! Rows of a column that two copies of the state can hold at once.
//!
//! The ranking index keeps each volunteer's service by team and date as a row of a column
//! (about 400 bytes a volunteer at eleven lines). The writer's copy of the state and the
//! readers' copy each held all of them: 400 MB twice at a million volunteers. As with
//! [`crate::maps::SharedMap`], each row sits behind an [`Arc`]: cloning the column clones
//! pointers, a change copies only the row it changes, and [`SharedRows::adopt`] lets the
//! readers' copy take the writer's rows for everything a batch touched. Since the writer's
//! copy keeps no ranking index (`State::keep_no_rankings`), the node's one copy of the rows is
//! the readers', and what the `Arc`s still save is a snapshot's clone of it.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::maps::Changes;

/// A column of rows, shared between copies of the state until one side changes a row.
#[derive(Debug)]
pub struct SharedRows<T> {
    rows: Vec<Arc<T>>,
    /// Rows changed (through `get_mut` or `push`) since the last [`SharedRows::adopt`] or
    /// [`SharedRows::forget_changes`].
    changed: Changes<usize>,
}

impl<T> Default for SharedRows<T> {
    fn default() -> Self {
        SharedRows {
            rows: Vec::new(),
            changed: Changes::default(),
        }
    }
}

impl<T> Clone for SharedRows<T> {
    /// Clones pointers: the rows stay shared until one side changes them.
    fn clone(&self) -> Self {
        SharedRows {
            rows: self.rows.clone(),
            changed: self.changed.clone(),
        }
    }
}

impl<T: PartialEq> PartialEq for SharedRows<T> {
    /// Equal when they hold equal rows in the same order (what changed since an adoption is
    /// bookkeeping, not content).
    fn eq(&self, other: &Self) -> bool {
        self.rows.len() == other.rows.len()
            && self
                .rows
                .iter()
                .zip(&other.rows)
                .all(|(a, b)| Arc::ptr_eq(a, b) || **a == **b)
    }
}

impl<T: Eq> Eq for SharedRows<T> {}

impl<T: Clone> SharedRows<T> {
    /// The row at `row`.
    pub fn get(&self, row: usize) -> Option<&T> {
        self.rows.get(row).map(|r| &**r)
    }

    /// The row at `row`, to change: copied first if another copy of the state holds it.
    pub fn get_mut(&mut self, row: usize) -> Option<&mut T> {
        let value = self.rows.get_mut(row)?;
        self.changed.note(&row);
        Some(Arc::make_mut(value))
    }

    /// Adds a row at the end.
    pub fn push(&mut self, value: T) {
        self.changed.note(&self.rows.len());
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

    /// Takes the writer's row for every row the writer changed since the last adoption, once
    /// this copy has folded the same events: afterwards the two copies share those rows
    /// again. Both sides' records of changes are cleared.
    ///
    /// The fold is deterministic, so the row this copy computed and the writer's are equal;
    /// debug builds check it.
    pub fn adopt(&mut self, writer: &mut Self)
    where
        T: PartialEq + std::fmt::Debug,
    {
        debug_assert_eq!(
            self.rows.len(),
            writer.rows.len(),
            "the two copies folded apart"
        );
        for row in writer.changed.drain() {
            if let (Some(mine), Some(theirs)) = (self.rows.get_mut(row), writer.rows.get(row)) {
                debug_assert_eq!(**mine, **theirs, "the two copies folded apart");
                *mine = theirs.clone();
            }
        }
        self.changed.clear();
    }

    /// Clears the record of changes (a state that nobody adopts from, or one just loaded),
    /// and records changes from now on.
    pub fn forget_changes(&mut self) {
        self.changed = Changes::default();
    }

    /// Records no changes until [`SharedRows::forget_changes`] (a state being loaded).
    pub fn stop_recording_changes(&mut self) {
        self.changed = Changes::off();
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
        Ok(SharedRows {
            rows,
            changed: Changes::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_shares_rows_until_one_side_changes_them_and_adopting_shares_them_again() {
        let mut writer: SharedRows<Vec<u32>> = SharedRows::default();
        writer.push(vec![1]);
        writer.push(vec![2]);
        let mut reader = writer.clone();
        reader.forget_changes();
        writer.forget_changes();
        assert!(Arc::ptr_eq(&writer.rows[0], &reader.rows[0]));

        // Both sides fold the same batch: the changed row is a copy on each side, until the
        // readers adopt the writer's.
        for side in [&mut writer, &mut reader] {
            if let Some(row) = side.get_mut(1) {
                row.push(3);
            }
            side.push(vec![4]);
        }
        assert!(!Arc::ptr_eq(&writer.rows[1], &reader.rows[1]));
        reader.adopt(&mut writer);
        assert!(Arc::ptr_eq(&writer.rows[1], &reader.rows[1]));
        assert!(Arc::ptr_eq(&writer.rows[2], &reader.rows[2]));
        assert!(Arc::ptr_eq(&writer.rows[0], &reader.rows[0]));
        assert_eq!(reader.get(1), Some(&vec![2, 3]));
        assert!(writer.changed.is_empty() && reader.changed.is_empty());
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
