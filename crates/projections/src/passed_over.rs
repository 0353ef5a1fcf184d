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
    /// A `FastSet<K>`.
    keys: Box<dyn Any>,
    /// Values dropped since the map's collection began.
    dropped: usize,
}

impl PassOver {
    /// The values under `keys` of every map from `K` to `V`.
    pub fn keys<K: Eq + Hash + 'static, V: 'static>(keys: FastSet<K>) -> PassOver {
        PassOver {
            map: TypeId::of::<(K, V)>(),
            keys: Box::new(keys),
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

/// Whether the value under `key` of a map from `K` to `V` is dropped; counted if so.
pub(crate) fn drops<K: Eq + Hash + 'static, V: 'static>(key: &K) -> bool {
    PASSED_OVER.with(|p| {
        let mut sets = p.borrow_mut();
        let Some(set) = sets.iter_mut().find(|s| s.map == TypeId::of::<(K, V)>()) else {
            return false;
        };
        let dropped = set
            .keys
            .downcast_ref::<FastSet<K>>()
            .is_some_and(|keys| keys.contains(key));
        set.dropped += usize::from(dropped);
        dropped
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
