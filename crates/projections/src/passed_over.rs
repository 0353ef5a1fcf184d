//! Values a whole snapshot's decode drops as it reads them, because the snapshot of changes
//! it is read for replaces them or takes them out.
//!
//! A start from a snapshot of changes decodes the changes first, then the whole snapshot they
//! were written against, then puts the changed values onto it (`replay::Decoded::on`). Read
//! in full, the whole snapshot's copy of every changed volunteer, activity and redemption is
//! made only to be freed at once: at a province with half its volunteers changed, hundreds of
//! thousands of values freed all over the heap after it was filled, which the allocator keeps
//! (4.4 GB resident at `listening on` against 3.6 GB, BENCHMARKS.md "The rankings the board
//! does not hold"). Dropped as they are read, their memory is taken again by the next values
//! decoded. The set is kept per thread, for the one decode that reads the whole snapshot for
//! its changes, and each map's values are told apart by their key and value types: a
//! volunteer's own maps are never of the volunteers' map's types.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::hash::Hash;

/// The keys of a map (`maps::FastSet`, named here so that this module does not import the
/// one that imports it).
pub type FastSet<K> = std::collections::HashSet<K, rustc_hash::FxBuildHasher>;

/// The keys of one map whose values a decode drops (see [`passing_over`]).
pub struct PassOver {
    /// The map's key and value types, `(K, V)`.
    map: TypeId,
    /// A `FastSet<K>`: the keys still to be met.
    keys: Box<dyn Any>,
    /// A `FastSet<K>`: the keys met and dropped, so that a second copy of one is refused as
    /// a full read refuses a key held twice.
    met: Box<dyn Any>,
    /// Values dropped since the map's collection began.
    dropped: usize,
}

impl PassOver {
    /// The values under `keys` of every map from `K` to `V`.
    pub fn keys<K: Eq + Hash + 'static, V: 'static>(keys: FastSet<K>) -> PassOver {
        PassOver {
            map: TypeId::of::<(K, V)>(),
            keys: Box::new(keys),
            met: Box::new(FastSet::<K>::default()),
            dropped: 0,
        }
    }
}

thread_local! {
    /// The sets of the decode running on this thread, if it passes over any.
    static PASSED_OVER: RefCell<Vec<PassOver>> = const { RefCell::new(Vec::new()) };
}

/// Clears this thread's sets when the decode ends, by return or by unwinding: a later decode
/// on the thread reads everything.
struct Clear;

impl Drop for Clear {
    fn drop(&mut self) {
        PASSED_OVER.with(|p| p.borrow_mut().clear());
    }
}

/// Runs `decode` on this thread with the values under each set's keys dropped as they are
/// read. What it returns lacks those values: it is only for putting the changes on.
pub fn passing_over<R>(maps: Vec<PassOver>, decode: impl FnOnce() -> R) -> R {
    PASSED_OVER.with(|p| *p.borrow_mut() = maps);
    let _clear = Clear;
    decode()
}

/// Whether a decode that passes over values runs on this thread: what it returns is not a
/// whole state, so what is derived from the whole (the volunteers' numbers) waits for the
/// changes to be put on it.
pub(crate) fn active() -> bool {
    PASSED_OVER.with(|p| !p.borrow().is_empty())
}

/// Whether the value under `key` of a map from `K` to `V` is dropped (counted if so); an
/// error for a key met twice, which a full read refuses too.
pub(crate) fn drops<K: Eq + Hash + Clone + 'static, V: 'static>(key: &K) -> Result<bool, String> {
    PASSED_OVER.with(|p| {
        let mut sets = p.borrow_mut();
        let Some(set) = sets.iter_mut().find(|s| s.map == TypeId::of::<(K, V)>()) else {
            return Ok(false);
        };
        let dropped = set
            .keys
            .downcast_mut::<FastSet<K>>()
            .is_some_and(|keys| keys.remove(key));
        let met = set.met.downcast_mut::<FastSet<K>>();
        match met {
            Some(met) if dropped => {
                met.insert(key.clone());
                set.dropped += 1;
                Ok(true)
            }
            Some(met) if met.contains(key) => Err("a map holds one key twice".into()),
            _ => Ok(false),
        }
    })
}

/// Starts the count of a map from `K` to `V` being collected.
pub(crate) fn begin<K: 'static, V: 'static>() {
    PASSED_OVER.with(|p| {
        if let Some(set) = p
            .borrow_mut()
            .iter_mut()
            .find(|s| s.map == TypeId::of::<(K, V)>())
        {
            set.dropped = 0;
        }
    });
}

/// Values of a map from `K` to `V` dropped since [`begin`]: the map counts them among the
/// entries its encoding said it holds.
pub(crate) fn dropped<K: 'static, V: 'static>() -> usize {
    PASSED_OVER.with(|p| {
        p.borrow()
            .iter()
            .find(|s| s.map == TypeId::of::<(K, V)>())
            .map_or(0, |s| s.dropped)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::SharedMap;
    use serde::{Serialize, Serializer};
    use yinling_ledger::VolunteerId;

    /// A map's encoding with the entries given, duplicates and all.
    struct Encoded(Vec<(VolunteerId, u32)>);

    impl Serialize for Encoded {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            crate::map_parts::serialize(
                self.0.len(),
                self.0.iter().map(|(k, v)| (k, v)),
                serializer,
            )
        }
    }

    fn read(
        entries: Vec<(VolunteerId, u32)>,
        dropping: &[VolunteerId],
    ) -> Result<SharedMap<VolunteerId, u32>, bincode::Error> {
        let bytes = bincode::serialize(&Encoded(entries)).expect("encodes");
        let keys: FastSet<VolunteerId> = dropping.iter().copied().collect();
        passing_over(vec![PassOver::keys::<VolunteerId, u32>(keys)], || {
            bincode::deserialize(&bytes)
        })
    }

    /// The values under the keys given are dropped and the rest read; a map of other types
    /// is read whole; a key held twice is refused whether or not it is dropped; and a read
    /// afterwards on the same thread drops nothing.
    #[test]
    fn the_values_under_the_keys_given_are_dropped_and_nothing_else() {
        let (a, b, c) = (
            VolunteerId::generate(),
            VolunteerId::generate(),
            VolunteerId::generate(),
        );
        let map = read(vec![(a, 1), (b, 2), (c, 3)], &[b]).expect("reads");
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&a), Some(&1));
        assert_eq!(map.get(&b), None);

        let other: SharedMap<VolunteerId, u64> = {
            let bytes = bincode::serialize(&Encoded(vec![(a, 1), (b, 2)])).expect("encodes");
            let keys: FastSet<VolunteerId> = [b].into_iter().collect();
            passing_over(vec![PassOver::keys::<VolunteerId, u32>(keys)], || {
                bincode::deserialize(&bytes).expect("reads")
            })
        };
        assert_eq!(other.len(), 2, "a map of other value types is read whole");

        assert!(read(vec![(a, 1), (b, 2), (b, 3)], &[b]).is_err());
        assert!(read(vec![(a, 1), (a, 2), (b, 3)], &[b]).is_err());
        assert!(read(vec![(b, 1), (a, 2), (b, 3)], &[]).is_err());

        let bytes = bincode::serialize(&Encoded(vec![(a, 1), (b, 2)])).expect("encodes");
        let after: SharedMap<VolunteerId, u32> = bincode::deserialize(&bytes).expect("reads");
        assert_eq!(after.len(), 2, "nothing dropped once the decode is over");
    }
}
