//! The hash maps of the folded state.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher as _, Hash};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::map_parts::Table;

/// FxHash maps: fast on the UUIDv7 keys the service itself generates (no key is chosen by a
/// client, so there is no hash-flooding input).
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// FxHash sets, for the same keys.
pub type FastSet<K> = HashSet<K, rustc_hash::FxBuildHasher>;

/// How many tables a [`SharedMap`] keeps its entries in. A snapshot's clone of the state
/// copies one pointer a table instead of one a volunteer, and a write while a snapshot holds
/// the tables copies the one it touches: about 4,000 entries at a million volunteers.
const SHARDS: usize = 256;

/// The table `key` belongs in: its FxHash (the one the tables themselves use) mixed again
/// (SplitMix64's finaliser), so that the keys of one table do not share the bits the table
/// places them by.
fn shard_of<K: Hash>(key: &K) -> usize {
    let mut z = rustc_hash::FxBuildHasher.hash_one(key);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % SHARDS as u64) as usize
}

/// A map whose values two copies of the state can hold at once.
///
/// The writer decides on its own copy of the state and readers see another, published once a
/// batch is durable (see the application's state machine). Volunteers, activities and
/// redemptions are most of a state's memory, so their values sit behind [`Arc`]: cloning the map clones pointers,
/// a change copies only the value it changes (copy on write), and [`SharedMap::adopt`] lets
/// the readers' copy take the writer's values for everything the batch touched. Both copies
/// then hold one value each, not two.
///
/// The entries are kept in [`SHARDS`] tables, each behind an [`Arc`] too: the writer's pause
/// to clone its state for a snapshot copies 256 pointers a map, not a million, and while the
/// snapshot is written a change copies the one table it falls in.
#[derive(Debug)]
pub struct SharedMap<K, V> {
    /// Always [`SHARDS`] tables; a key is in the one [`shard_of`] names.
    shards: Vec<Arc<Table<K, V>>>,
    /// Entries in all the tables.
    len: usize,
    /// Keys changed (through `get_mut`, `insert`, `remove`, `values_mut`) since the last
    /// [`SharedMap::adopt`] or [`SharedMap::forget_changes`].
    changed: FastSet<K>,
}

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        SharedMap {
            shards: (0..SHARDS).map(|_| Arc::new(Table::default())).collect(),
            len: 0,
            changed: FastSet::default(),
        }
    }
}

impl<K: Clone, V> Clone for SharedMap<K, V> {
    /// Clones pointers to the tables: they, and the values in them, stay shared until one
    /// side changes them.
    fn clone(&self) -> Self {
        SharedMap {
            shards: self.shards.clone(),
            len: self.len,
            changed: self.changed.clone(),
        }
    }
}

impl<K: Eq + Hash, V: PartialEq> PartialEq for SharedMap<K, V> {
    /// Equal when they hold equal values under the same keys (what changed since an adoption
    /// is bookkeeping, not content).
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self.shards.iter().zip(&other.shards).all(|(mine, theirs)| {
                Arc::ptr_eq(mine, theirs)
                    || mine.len() == theirs.len()
                        && mine.iter().all(|(k, v)| {
                            theirs
                                .get(k)
                                .is_some_and(|w| Arc::ptr_eq(v, w) || **v == **w)
                        })
            })
    }
}

impl<K: Eq + Hash, V: Eq> Eq for SharedMap<K, V> {}

impl<K: Eq + Hash + Clone, V: Clone> SharedMap<K, V> {
    /// The table `key` belongs in, to change: copied first if another copy of the state
    /// holds it.
    fn shard_mut(&mut self, key: &K) -> &mut Table<K, V> {
        Arc::make_mut(&mut self.shards[shard_of(key)])
    }

    /// Puts `value` under `key` without recording a change; whether the key is new.
    fn put(&mut self, key: K, value: Arc<V>) -> bool {
        let new = self.shard_mut(&key).insert(key, value).is_none();
        self.len += usize::from(new);
        new
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.shards[shard_of(key)].get(key).map(|v| &**v)
    }

    /// The value under `key`, to change: copied first if another copy of the state holds it.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if !self.contains_key(key) {
            return None;
        }
        self.changed.insert(key.clone());
        self.shard_mut(key).get_mut(key).map(Arc::make_mut)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.shards[shard_of(key)].contains_key(key)
    }

    /// Puts `value` under `key`.
    pub fn insert(&mut self, key: K, value: V) {
        self.changed.insert(key.clone());
        self.put(key, Arc::new(value));
    }

    /// Takes `key` out.
    pub fn remove(&mut self, key: &K) {
        if self.contains_key(key) && self.shard_mut(key).remove(key).is_some() {
            self.len -= 1;
            self.changed.insert(key.clone());
        }
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every value, in the map's order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.shards.iter().flat_map(|s| s.values()).map(|v| &**v)
    }

    /// Every key and value, in the map's order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards
            .iter()
            .flat_map(|s| s.iter())
            .map(|(k, v)| (k, &**v))
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.shards.iter().flat_map(|s| s.keys())
    }

    /// Every value, to change (each is copied if another copy of the state holds it).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        let changed = &mut self.changed;
        self.shards
            .iter_mut()
            .flat_map(|s| Arc::make_mut(s).iter_mut())
            .map(move |(k, v)| {
                changed.insert(k.clone());
                Arc::make_mut(v)
            })
    }

    /// Takes the writer's value for every key the writer changed since the last adoption,
    /// once this copy has folded the same events: afterwards the two copies share those
    /// values again. Both sides' records of changes are cleared.
    ///
    /// The fold is deterministic, so the value this copy computed and the writer's are equal;
    /// debug builds check it.
    pub fn adopt(&mut self, writer: &mut Self)
    where
        V: PartialEq + std::fmt::Debug,
    {
        for key in writer.changed.drain() {
            match writer.shards[shard_of(&key)].get(&key) {
                Some(value) => {
                    debug_assert_eq!(
                        self.get(&key),
                        Some(&**value),
                        "the two copies folded apart"
                    );
                    let value = value.clone();
                    self.put(key, value);
                }
                None => {
                    debug_assert!(!self.contains_key(&key), "the two copies folded apart");
                    if self.contains_key(&key) && self.shard_mut(&key).remove(&key).is_some() {
                        self.len -= 1;
                    }
                }
            }
        }
        self.changed.clear();
    }

    /// Clears the record of changes (a state that nobody adopts from, or one just loaded).
    pub fn forget_changes(&mut self) {
        self.changed = FastSet::default();
    }
}

impl<K: Eq + Hash, V> std::ops::Index<&K> for SharedMap<K, V> {
    type Output = V;

    /// The value under `key`, as a `HashMap` indexes: for keys known to be present.
    fn index(&self, key: &K) -> &V {
        &self.shards[shard_of(key)][key]
    }
}

impl<K: Serialize, V: Serialize> Serialize for SharedMap<K, V> {
    /// Encoded as the plain map it holds for people; in a snapshot as its length and then
    /// parts a start decodes on every core (see [`crate::map_parts`]). Neither depends on the
    /// sharing, nor on the tables it is kept in.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self
            .shards
            .iter()
            .flat_map(|s| s.iter())
            .map(|(k, v)| (k, &**v));
        if serializer.is_human_readable() {
            serializer.collect_map(entries)
        } else {
            crate::map_parts::serialize(self.len, entries, serializer)
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> crate::map_parts::Collect<(K, V)> for SharedMap<K, V> {
    /// Each table sized for its share of `room` (a start does not rehash a million entries).
    fn with_room(room: usize) -> Self {
        let each = room / SHARDS + room / SHARDS / 8 + 1;
        SharedMap {
            shards: (0..SHARDS)
                .map(|_| Arc::new(Table::with_capacity_and_hasher(each, Default::default())))
                .collect(),
            len: 0,
            changed: FastSet::default(),
        }
    }

    fn take(&mut self, (k, v): (K, V)) -> Result<(), String> {
        if self.put(k, Arc::new(v)) {
            Ok(())
        } else {
            Err("a map holds one key twice".into())
        }
    }

    fn count(&self) -> usize {
        self.len
    }
}

impl<'de, K, V> Deserialize<'de> for SharedMap<K, V>
where
    K: serde::de::DeserializeOwned + Eq + Hash + Clone + Send,
    V: serde::de::DeserializeOwned + Clone + Send,
{
    /// Each value goes behind its `Arc` as it is read, into tables sized from the encoded
    /// length: a plain map of the values first (what serde's own `HashMap` reading does) grows
    /// by rehashing whole values and is then copied again, which was most of a
    /// million-volunteer start (perf, BENCHMARKS.md "A million volunteers on one node").
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_map(SharedMapVisitor(std::marker::PhantomData))
        } else {
            crate::map_parts::deserialize(deserializer)
        }
    }
}

/// Reads a [`SharedMap`] entry by entry.
struct SharedMapVisitor<K, V>(std::marker::PhantomData<(K, V)>);

impl<'de, K, V> serde::de::Visitor<'de> for SharedMapVisitor<K, V>
where
    K: Deserialize<'de> + Eq + Hash + Clone,
    V: Deserialize<'de> + Clone,
{
    type Value = SharedMap<K, V>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // The length is the encoder's word; a damaged one must not reserve the machine.
        let hint = map
            .size_hint()
            .unwrap_or(0)
            .min(crate::limits::MAX_PRESIZED_MAP_ENTRIES);
        let mut entries: SharedMap<K, V> = crate::map_parts::Collect::with_room(hint);
        while let Some((k, v)) = map.next_entry::<K, V>()? {
            entries.put(k, Arc::new(v));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<K: Eq + Hash, V> SharedMap<K, V> {
        /// The pointer a value is held by.
        fn arc(&self, key: &K) -> &Arc<V> {
            &self.shards[shard_of(key)][key]
        }
    }

    /// A snapshot's clone copies the tables' pointers; a change afterwards copies the one
    /// table it falls in, and the clone keeps what it saw.
    #[test]
    fn a_clone_shares_the_tables_until_a_change_copies_the_one_it_touches() {
        let mut writer: SharedMap<u32, String> = SharedMap::default();
        for i in 0..10_000 {
            writer.insert(i, format!("志愿者{i}"));
        }
        let snapshot = writer.clone();
        assert!(writer
            .shards
            .iter()
            .zip(&snapshot.shards)
            .all(|(a, b)| Arc::ptr_eq(a, b)));
        writer.get_mut(&7).expect("present").push('!');
        writer.remove(&8);
        writer.insert(20_000, "新".into());
        let copied = writer
            .shards
            .iter()
            .zip(&snapshot.shards)
            .filter(|(a, b)| !Arc::ptr_eq(a, b))
            .count();
        let touched: std::collections::BTreeSet<usize> =
            [7u32, 8, 20_000].iter().map(shard_of).collect();
        assert_eq!(copied, touched.len());
        assert_eq!(snapshot.get(&7).map(String::as_str), Some("志愿者7"));
        assert_eq!(snapshot.get(&8).map(String::as_str), Some("志愿者8"));
        assert!(!snapshot.contains_key(&20_000));
        assert_eq!((writer.len(), snapshot.len()), (10_000, 10_000));
        assert_eq!(writer.get(&7).map(String::as_str), Some("志愿者7!"));
        // Every table holds a share: no table is left with most of the keys.
        let largest = snapshot.shards.iter().map(|s| s.len()).max().unwrap_or(0);
        assert!(largest < 3 * 10_000 / SHARDS, "{largest}");
    }

    #[test]
    fn a_clone_shares_values_until_one_side_changes_them() {
        let mut writer: SharedMap<u32, String> = SharedMap::default();
        writer.insert(1, "one".into());
        writer.insert(2, "two".into());
        let mut reader = writer.clone();
        reader.forget_changes();
        writer.forget_changes();
        assert!(Arc::ptr_eq(writer.arc(&1), reader.arc(&1)));

        // The writer changes one value; the reader still sees the old one.
        writer.get_mut(&1).expect("present").push('!');
        writer.remove(&2);
        assert_eq!(reader.get(&1).map(String::as_str), Some("one"));
        assert!(!Arc::ptr_eq(writer.arc(&1), reader.arc(&1)));

        // The reader folds the same change, then adopts the writer's values.
        reader.get_mut(&1).expect("present").push('!');
        reader.remove(&2);
        reader.adopt(&mut writer);
        assert!(Arc::ptr_eq(writer.arc(&1), reader.arc(&1)));
        assert_eq!(reader, writer);
        assert!(reader.changed.is_empty() && writer.changed.is_empty());
        assert!(!reader.contains_key(&2));
    }

    #[test]
    fn people_read_the_plain_map_it_holds() {
        let plain: FastMap<u32, String> = (0..1000).map(|i| (i, format!("v{i}"))).collect();
        let json = serde_json::to_string(&plain).expect("encode");
        let shared: SharedMap<u32, String> = serde_json::from_str(&json).expect("decode");
        assert_eq!(shared.len(), plain.len());
        assert!(plain.iter().all(|(k, v)| shared.get(k) == Some(v)));
        let again: FastMap<u32, String> =
            serde_json::from_str(&serde_json::to_string(&shared).expect("encode")).expect("decode");
        assert_eq!(again, plain);
    }

    /// A snapshot's map is decoded in parts on several threads: every entry comes back, in a
    /// map of many parts, of one, and of none.
    #[test]
    fn a_map_of_many_parts_reads_back_whole() {
        for n in [
            0,
            1,
            5,
            crate::limits::MAP_PART_ENTRIES,
            5 * crate::limits::MAP_PART_ENTRIES + 7,
        ] {
            let mut map: SharedMap<u32, String> = SharedMap::default();
            for i in 0..n as u32 {
                map.insert(i, format!("志愿者{i}"));
            }
            let bytes = yinling_ledger::codec::encode_part(&map).expect("encode");
            let read: SharedMap<u32, String> =
                yinling_ledger::codec::decode_part(&bytes).expect("decode");
            assert_eq!(read, map, "{n} entries");
        }
    }

    #[test]
    fn a_map_whose_parts_disagree_with_its_length_is_refused() {
        let mut map: SharedMap<u32, String> = SharedMap::default();
        for i in 0..10 {
            map.insert(i, format!("v{i}"));
        }
        let mut bytes = yinling_ledger::codec::encode_part(&map).expect("encode");
        // The length comes first, as one varint byte: say eleven.
        bytes[0] = 11;
        let e = yinling_ledger::codec::decode_part::<SharedMap<u32, String>>(&bytes)
            .expect_err("ten entries are not eleven")
            .to_string();
        assert!(e.contains("said to hold 11 entries holds 10"), "{e}");
    }

    #[test]
    fn a_damaged_length_is_an_error_not_a_reservation() {
        // A map claiming u64::MAX entries, then nothing.
        let bytes = u64::MAX.to_le_bytes();
        let read: Result<SharedMap<u32, String>, _> = bincode::deserialize(&bytes);
        assert!(read.is_err());
    }
}
