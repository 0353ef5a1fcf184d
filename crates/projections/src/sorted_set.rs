//! A set of a few values held for each of a million volunteers: their activities still on
//! public notice, say, usually none and rarely more than a handful.
//!
//! A `BTreeSet` takes 24 bytes in its owner and a node of eleven slots (about 200 bytes for
//! 16-byte ids) from its first value; a [`SortedSet`] is one pointer, no block while empty,
//! and its values in order in one small block. It serialises as the `BTreeSet` it replaced
//! (its values in order, each once), so a snapshot holds the same bytes either way.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thin_vec::ThinVec;

/// Values in order, each once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedSet<T>(ThinVec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(ThinVec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    /// Adds `value`; false when it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, value);
                true
            }
        }
    }

    /// Takes `value` out; false when it was not there.
    pub fn remove(&mut self, value: &T) -> bool {
        match self.0.binary_search(value) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `value` is there.
    pub fn contains(&self, value: &T) -> bool {
        self.0.binary_search(value).is_ok()
    }

    /// The values, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut values: ThinVec<T> = values.into_iter().collect();
        values.sort();
        values.dedup();
        SortedSet(values)
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    /// Reads what a `BTreeSet` would: values in any order, a repeated one kept once.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values: Vec<T> = Vec::deserialize(deserializer)?;
        Ok(values.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Inserts and removes in any order leave what a `BTreeSet` given the same would
        /// hold, report what it reports, and encode to its bytes.
        #[test]
        fn it_behaves_and_encodes_as_a_btree_set(ops in prop::collection::vec((any::<bool>(), 0u16..40), 0..200)) {
            let mut model = BTreeSet::new();
            let mut set = SortedSet::default();
            for (insert, value) in ops {
                if insert {
                    prop_assert_eq!(set.insert(value), model.insert(value));
                } else {
                    prop_assert_eq!(set.remove(&value), model.remove(&value));
                }
                prop_assert_eq!(set.len(), model.len());
                prop_assert_eq!(set.contains(&value), model.contains(&value));
            }
            prop_assert!(set.iter().eq(model.iter()));
            let bytes = bincode::serialize(&model).expect("encode");
            prop_assert_eq!(&bincode::serialize(&set).expect("encode"), &bytes);
            let back: SortedSet<u16> = bincode::deserialize(&bytes).expect("decode");
            prop_assert_eq!(back, set);
        }
    }

    #[test]
    fn a_set_read_with_values_out_of_order_or_repeated_holds_each_once_in_order() {
        let bytes = bincode::serialize(&vec![5u16, 1, 5, 3]).expect("encode");
        let set: SortedSet<u16> = bincode::deserialize(&bytes).expect("decode");
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), vec![1, 3, 5]);
    }

    #[test]
    fn an_empty_set_takes_one_pointer() {
        assert_eq!(
            std::mem::size_of::<SortedSet<[u8; 16]>>(),
            std::mem::size_of::<usize>()
        );
    }
}
