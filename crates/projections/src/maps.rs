//! The hash maps of the folded state.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use triomphe::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::shards::Shards;

/// FxHash maps: fast on the UUIDv7 keys the service itself generates (no key is chosen by a
/// client, so there is no hash-flooding input).
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// FxHash sets, for the same keys.
pub type FastSet<K> = HashSet<K, rustc_hash::FxBuildHasher>;

/// A map whose values two copies of the state can hold at once.
///
/// The writer decides on its own copy of the state and readers see another, published once a
/// batch is durable (see the application's state machine). Volunteers, activities and
/// redemptions are most of a state's memory, so their values sit behind [`Arc`] (`triomphe`'s:
/// one count, eight bytes, where the standard library's keeps a strong and a weak count; no
/// value is ever held weakly, and the eight bytes keep an activity and a volunteer in the
/// allocator's smaller blocks, see `limits::ALIGNED_REQUEST_SLACK`): cloning the map clones pointers,
/// a change copies only the value it changes (copy on write), and [`SharedMap::adopt`] lets
/// the readers' copy take the writer's values for everything the batch touched. Both copies
/// then hold one value each, not two.
///
/// The entries are kept in [`Shards`], tables each behind a standard `Arc` too: the writer's pause
/// to clone the readers' copy for a snapshot copies 4,096 pointers a map, not a million, and
/// while the snapshot is written a change copies the one table it falls in.
#[derive(Debug)]
pub struct SharedMap<K, V> {
    entries: Shards<K, Arc<V>>,
    /// Keys changed (through `get_mut`, `insert`, `remove`, `values_mut`) since the last
    /// [`SharedMap::adopt`] or [`SharedMap::forget_changes`].
    changed: Changes<K>,
}

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        SharedMap {
            entries: Shards::default(),
            changed: Changes::default(),
        }
    }
}

impl<K: Clone, V> Clone for SharedMap<K, V> {
    /// Clones pointers to the tables: they, and the values in them, stay shared until one
    /// side changes them.
    fn clone(&self) -> Self {
        SharedMap {
            entries: self.entries.clone(),
            changed: self.changed.clone(),
        }
    }
}

impl<K: Eq + Hash, V: PartialEq> PartialEq for SharedMap<K, V> {
    /// Equal when they hold equal values under the same keys (what changed since an adoption
    /// is bookkeeping, not content).
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<K: Eq + Hash, V: Eq> Eq for SharedMap<K, V> {}

impl<K: Eq + Hash + Clone, V: Clone> SharedMap<K, V> {
    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|v| &**v)
    }

    /// The value under `key`, to change: copied first if another copy of the state holds it.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let value = self.entries.get_mut(key)?;
        self.changed.note(key);
        Some(Arc::make_mut(value))
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Puts `value` under `key`.
    pub fn insert(&mut self, key: K, value: V) {
        self.changed.note(&key);
        self.entries.insert(key, Arc::new(value));
    }

    /// Takes `key` out.
    pub fn remove(&mut self, key: &K) {
        if self.entries.remove(key).is_some() {
            self.changed.note(key);
        }
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every value, in the map's order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values().map(|v| &**v)
    }

    /// Every key and value, in the map's order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, &**v))
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.keys()
    }

    /// Every value, to change (each is copied if another copy of the state holds it).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        let changed = &mut self.changed;
        self.entries.iter_mut().map(move |(k, v)| {
            changed.note(k);
            Arc::make_mut(v)
        })
    }

    /// Takes the writer's value for every key the writer changed since the last adoption,
    /// once this copy has folded the same events: afterwards the two copies share those
    /// values again. Both sides' records of changes are cleared.
    ///
    /// The fold is deterministic, so the value this copy computed and the writer's are equal;
    /// debug builds check it.
    pub fn adopt(&mut self, writer: &mut Self, mut since: Option<&mut FastSet<K>>)
    where
        V: PartialEq + std::fmt::Debug,
    {
        // `since`: the keys changed since the last whole snapshot, when someone gathers them
        // (the snapshot that holds only what changed, see `MapDelta`).
        for key in writer.changed.drain() {
            if let Some(since) = since.as_deref_mut() {
                since.insert(key.clone());
            }
            match writer.entries.get(&key) {
                Some(value) => {
                    debug_assert_eq!(
                        self.get(&key),
                        Some(&**value),
                        "the two copies folded apart"
                    );
                    self.entries.insert(key, value.clone());
                }
                None => {
                    debug_assert!(!self.contains_key(&key), "the two copies folded apart");
                    self.entries.remove(&key);
                }
            }
        }
        self.changed.clear();
    }

    /// Clears the record of changes (a state that nobody adopts from, or one just loaded),
    /// and records changes from now on.
    pub fn forget_changes(&mut self) {
        self.changed = Changes::default();
    }

    /// What this map holds under `keys` (the keys changed since a snapshot): the values now
    /// under those still present, shared with this map, and the ones taken out.
    pub fn delta(&self, keys: &FastSet<K>) -> MapDelta<K, V> {
        let mut delta = MapDelta {
            changed: SharedMap::default(),
            removed: Vec::new(),
        };
        for key in keys {
            match self.entries.get(key) {
                Some(value) => {
                    delta.changed.entries.insert(key.clone(), value.clone());
                }
                None => delta.removed.push(key.clone()),
            }
        }
        delta
    }

    /// This map as it stands after `delta` (taken from a later copy of the map whose earlier
    /// copy this is): the keys taken out go, the changed values replace or join the rest.
    pub fn apply_delta(&mut self, delta: MapDelta<K, V>) {
        for key in &delta.removed {
            self.entries.remove(key);
        }
        for (key, value) in delta.changed.entries.iter() {
            self.entries.insert(key.clone(), value.clone());
        }
    }

    /// The keys noted as changed since [`SharedMap::forget_changes`], taken (none are left
    /// noted; recording goes on as it was).
    pub fn take_changed(&mut self) -> FastSet<K> {
        self.changed.drain().collect()
    }

    /// Records no changes until [`SharedMap::forget_changes`]: a state being loaded is
    /// adopted from by nobody, and recording every key it folds (a province's millions of
    /// activities) was a tenth of a rebuild's time.
    pub fn stop_recording_changes(&mut self) {
        self.changed = Changes::off();
    }
}

/// What a [`SharedMap`] holds that an earlier copy of it did not: the values under every key
/// changed since, and the keys taken out since. A snapshot of the changes since a whole one
/// holds one for each of the large maps; the values are written in parts, like a whole map's.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(
    serialize = "K: Serialize, V: Serialize",
    deserialize = "K: serde::de::DeserializeOwned + Eq + Hash + Clone + Send + 'static, V: serde::de::DeserializeOwned + Clone + Send + 'static"
))]
pub struct MapDelta<K, V> {
    changed: SharedMap<K, V>,
    removed: Vec<K>,
}

impl<K: Eq + Hash + Clone + 'static, V: 'static> MapDelta<K, V> {
    /// The keys it changes or takes out: the values of them a whole snapshot holds are
    /// dropped as that snapshot is read for these changes (`passed_over`).
    pub fn passed_over(&self) -> crate::passed_over::PassOver {
        crate::passed_over::PassOver::keys::<K, V>(self.keys())
    }
}

impl<K: Eq + Hash + Clone, V> MapDelta<K, V> {
    /// The keys it changes or takes out: what changed since the whole snapshot it was
    /// written against, which a start carries on counting from (`ChangedSince`).
    pub fn keys(&self) -> FastSet<K> {
        self.changed
            .entries
            .keys()
            .chain(&self.removed)
            .cloned()
            .collect()
    }
}

impl<K, V> MapDelta<K, V> {
    /// How many keys it changes or takes out.
    pub fn len(&self) -> usize {
        self.changed.entries.len() + self.removed.len()
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The keys a copy of the state changed since the last adoption, for [`SharedMap::adopt`];
/// or nothing, while changes are not recorded.
#[derive(Debug, Clone)]
pub(crate) struct Changes<K> {
    keys: FastSet<K>,
    recording: bool,
}

impl<K> Default for Changes<K> {
    /// Empty, recording.
    fn default() -> Self {
        Changes {
            keys: FastSet::default(),
            recording: true,
        }
    }
}

impl<K: Eq + Hash + Clone> Changes<K> {
    /// Empty, and recording nothing.
    pub(crate) fn off() -> Self {
        Changes {
            keys: FastSet::default(),
            recording: false,
        }
    }

    /// Notes that `key` changed, when changes are recorded.
    pub(crate) fn note(&mut self, key: &K) {
        if self.recording {
            self.keys.insert(key.clone());
        }
    }

    /// Takes every key noted, leaving none.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = K> + '_ {
        self.keys.drain()
    }

    /// Forgets every key noted.
    pub(crate) fn clear(&mut self) {
        self.keys.clear();
    }

    /// Whether no key is noted.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl<K: Eq + Hash, V> std::ops::Index<&K> for SharedMap<K, V> {
    type Output = V;

    /// The value under `key`, as a `HashMap` indexes: for keys known to be present.
    fn index(&self, key: &K) -> &V {
        &self.entries[key]
    }
}

impl<K: Serialize, V: Serialize> Serialize for SharedMap<K, V> {
    /// Encoded as the plain map it holds for people; in a snapshot as its length and then
    /// parts a start decodes on every core (see [`crate::map_parts`]). Neither depends on the
    /// sharing, nor on the tables it is kept in.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.entries.serialize(serializer)
        } else {
            let entries = self.entries.iter().map(|(k, v)| (k, &**v));
            crate::map_parts::serialize(self.entries.len(), entries, serializer)
        }
    }
}

impl<K: Eq + Hash + Clone + 'static, V: Clone + 'static> crate::map_parts::Collect<(K, V)>
    for SharedMap<K, V>
{
    fn with_room(room: usize) -> Self {
        crate::passed_over::begin::<K, V>();
        SharedMap {
            entries: Shards::with_room(room),
            changed: Changes::default(),
        }
    }

    fn take(&mut self, (k, v): (K, V)) -> Result<(), String> {
        // A value the snapshot of changes being read replaces is dropped here, its memory
        // taken again by the next one decoded (`passed_over`).
        if crate::passed_over::drops::<K, V>(&k)? {
            return Ok(());
        }
        match self.entries.insert(k, Arc::new(v)) {
            None => Ok(()),
            Some(_) => Err("a map holds one key twice".into()),
        }
    }

    fn count(&self) -> usize {
        self.entries.len() + crate::passed_over::dropped::<K, V>()
    }
}

impl<'de, K, V> Deserialize<'de> for SharedMap<K, V>
where
    K: serde::de::DeserializeOwned + Eq + Hash + Clone + Send + 'static,
    V: serde::de::DeserializeOwned + Clone + Send + 'static,
{
    /// Each value goes behind its `Arc` as it is read, into tables sized from the encoded
    /// length: a plain map of the values first (what serde's own `HashMap` reading does) grows
    /// by rehashing whole values and is then copied again, which was most of a
    /// million-volunteer start (perf, BENCHMARKS.md "A million volunteers on one node").
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            plain::deserialize(deserializer)
        } else {
            crate::map_parts::deserialize(deserializer)
        }
    }
}

/// A [`SharedMap`] encoded as the plain map it holds in every form (`#[serde(with)]`): for a
/// map that was a `FastMap` in snapshots already written (the teams), so that they still
/// read, and small enough not to need parts decoded on every core.
pub mod plain {
    use std::hash::Hash;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Changes, Shards, SharedMap};

    /// Writes the entries as a map (the tables' own form: an `Arc` encodes as its value).
    pub fn serialize<K, V, S>(map: &SharedMap<K, V>, serializer: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        map.entries.serialize(serializer)
    }

    /// Reads a map, each value behind its `Arc` as it is read.
    pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<SharedMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash + Clone,
        V: Deserialize<'de> + Clone,
        D: Deserializer<'de>,
    {
        Ok(SharedMap {
            entries: Shards::deserialize(deserializer)?,
            changed: Changes::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<K: Eq + Hash, V> SharedMap<K, V> {
        /// The pointer a value is held by.
        fn arc(&self, key: &K) -> &Arc<V> {
            self.entries.get(key).expect("present")
        }
    }

    /// A state being loaded records nothing (nobody adopts from it); once its changes are
    /// forgotten it records again, and an adoption shares what changed.
    #[test]
    fn a_map_being_loaded_records_no_changes_until_they_are_forgotten() {
        let mut writer: SharedMap<u32, String> = SharedMap::default();
        writer.stop_recording_changes();
        writer.insert(1, "one".into());
        writer.insert(2, "two".into());
        writer.get_mut(&1).expect("present").push('!');
        writer.remove(&2);
        writer.values_mut().for_each(|v| v.push('?'));
        assert!(
            writer.changed.is_empty(),
            "a map being loaded noted changes"
        );

        writer.forget_changes();
        let mut reader = writer.clone();
        writer.get_mut(&1).expect("present").push('#');
        reader.get_mut(&1).expect("present").push('#');
        assert!(!writer.changed.is_empty(), "changes are recorded again");
        reader.adopt(&mut writer, None);
        assert!(Arc::ptr_eq(writer.arc(&1), reader.arc(&1)));
        assert_eq!(reader.get(&1).map(String::as_str), Some("one!?#"));
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
        reader.adopt(&mut writer, None);
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
