//! A hash map of the state kept in [`SHARDS`] tables, each behind an [`Arc`].
//!
//! The writer stores a snapshot of the readers' copy of the state on a thread of its own, and
//! clones that copy first: nothing is decided while it does. A map of a million volunteers
//! cloned whole is a table of a million entries in fresh pages (and, for the shared maps, a
//! million reference counts touched one cache line each): 180 ms of the writer's pause for a
//! snapshot on the million-volunteer city (`BENCHMARKS.md`). Kept in tables, a clone copies
//! 4,096 pointers, and a change while a snapshot holds the tables copies the one it touches
//! (about 250 entries at a million keys).

use std::fmt;
use std::hash::{BuildHasher as _, Hash};
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::limits::SHARDS;

/// One table: `maps::FastMap`, named here so that this module does not import the one that
/// imports it.
type FastMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

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

/// A map in [`SHARDS`] tables, each behind an [`Arc`]: a clone shares the tables until one
/// side changes one. An empty map holds no table yet (a state is made empty often).
#[derive(Debug)]
pub struct Shards<K, V> {
    /// None, or exactly [`SHARDS`] tables; a key is in the one [`shard_of`] names.
    tables: Vec<Arc<FastMap<K, V>>>,
    /// Entries in all the tables.
    len: usize,
}

impl<K, V> Default for Shards<K, V> {
    fn default() -> Self {
        Shards {
            tables: Vec::new(),
            len: 0,
        }
    }
}

impl<K, V> Clone for Shards<K, V> {
    /// Clones a pointer a table.
    fn clone(&self) -> Self {
        Shards {
            tables: self.tables.clone(),
            len: self.len,
        }
    }
}

impl<K: Eq + Hash, V: PartialEq> PartialEq for Shards<K, V> {
    /// Equal when they hold equal values under the same keys; tables still shared are not
    /// compared entry by entry.
    fn eq(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        if self.tables.len() == other.tables.len() {
            return self.tables.iter().zip(&other.tables).all(|(a, b)| {
                Arc::ptr_eq(a, b)
                    || a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v))
            });
        }
        self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq + Hash, V: Eq> Eq for Shards<K, V> {}

impl<K, V> Shards<K, V> {
    /// How many entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every key and value, table by table.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.tables.iter().flat_map(|t| t.iter())
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.tables.iter().flat_map(|t| t.keys())
    }

    /// Every value.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.tables.iter().flat_map(|t| t.values())
    }
}

impl<K: Eq + Hash, V> Shards<K, V> {
    /// Empty, each table with room for its share of `room` entries (a start does not rehash
    /// a million entries).
    pub fn with_room(room: usize) -> Self {
        if room < SHARDS {
            return Shards::default();
        }
        let each = room / SHARDS + room / SHARDS / 8 + 1;
        Shards {
            tables: (0..SHARDS)
                .map(|_| Arc::new(FastMap::with_capacity_and_hasher(each, Default::default())))
                .collect(),
            len: 0,
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.tables.get(shard_of(key))?.get(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Shards<K, V> {
    /// The table `key` belongs in, to change: copied first if another copy of the state holds
    /// it; the tables are made on the first change.
    fn table_mut(&mut self, key: &K) -> &mut FastMap<K, V> {
        if self.tables.is_empty() {
            // One empty table shared by every place: each gets its own on its first change (a
            // small map, a city's 47 teams, makes 47 tables, not 4,096).
            self.tables = vec![Arc::default(); SHARDS];
        }
        Arc::make_mut(&mut self.tables[shard_of(key)])
    }

    /// The table `key` belongs in, to change `key`'s entry: `None` when the table is shared
    /// and does not hold `key` (a miss copies no table). A table held by this copy alone is
    /// looked in once (the fold changes a volunteer or two for every event).
    fn holding_mut(&mut self, key: &K) -> Option<&mut FastMap<K, V>> {
        let table = self.tables.get_mut(shard_of(key))?;
        if Arc::get_mut(table).is_none() && !table.contains_key(key) {
            return None;
        }
        Some(Arc::make_mut(table))
    }

    /// The value under `key`, to change (a missing key copies no table).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.holding_mut(key)?.get_mut(key)
    }

    /// Puts `value` under `key`; the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.table_mut(&key).insert(key, value);
        self.len += usize::from(old.is_none());
        old
    }

    /// Takes `key` out; its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let old = self.holding_mut(key)?.remove(key);
        self.len -= usize::from(old.is_some());
        old
    }

    /// Every key and value, to change (each table copied if another copy holds it).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.tables
            .iter_mut()
            .flat_map(|t| Arc::make_mut(t).iter_mut())
    }
}

impl<K: Eq + Hash, V> std::ops::Index<&K> for Shards<K, V> {
    type Output = V;

    /// The value under `key`, as a `HashMap` indexes: for keys known to be present.
    fn index(&self, key: &K) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("a key the map does not hold"),
        }
    }
}

impl<K: Serialize, V: Serialize> Serialize for Shards<K, V> {
    /// The plain map: the form a `HashMap` of the same entries had.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len))?;
        for (k, v) in self.tables.iter().flat_map(|t| t.iter()) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, K, V> Deserialize<'de> for Shards<K, V>
where
    K: Deserialize<'de> + Eq + Hash + Clone,
    V: Deserialize<'de> + Clone,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ShardsVisitor(PhantomData))
    }
}

/// Reads a [`Shards`] entry by entry.
struct ShardsVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for ShardsVisitor<K, V>
where
    K: Deserialize<'de> + Eq + Hash + Clone,
    V: Deserialize<'de> + Clone,
{
    type Value = Shards<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // The length is the encoder's word; a damaged one must not reserve the machine.
        let hint = map
            .size_hint()
            .unwrap_or(0)
            .min(crate::limits::MAX_PRESIZED_MAP_ENTRIES);
        let mut shards = Shards::with_room(hint);
        while let Some((k, v)) = map.next_entry()? {
            shards.insert(k, v);
        }
        Ok(shards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot's clone copies the tables' pointers; a change afterwards copies the one
    /// table it falls in, and the clone keeps what it saw.
    #[test]
    fn a_clone_shares_the_tables_until_a_change_copies_the_one_it_touches() {
        let n = 40 * SHARDS as u32;
        let mut map: Shards<u32, String> = Shards::default();
        for i in 0..n {
            map.insert(i, format!("志愿者{i}"));
        }
        let snapshot = map.clone();
        let shared = |a: &Shards<u32, String>, b: &Shards<u32, String>| {
            a.tables
                .iter()
                .zip(&b.tables)
                .filter(|(x, y)| Arc::ptr_eq(x, y))
                .count()
        };
        assert_eq!(shared(&map, &snapshot), SHARDS);
        if let Some(v) = map.get_mut(&7) {
            v.push('!');
        }
        map.remove(&8);
        map.insert(n + 1, "新".into());
        assert_eq!(map.get_mut(&(n + 2)), None);
        assert_eq!(map.remove(&(n + 2)), None);
        let touched: std::collections::BTreeSet<usize> =
            [7u32, 8, n + 1].iter().map(shard_of).collect();
        assert_eq!(shared(&map, &snapshot), SHARDS - touched.len());
        assert_eq!(snapshot.get(&7).map(String::as_str), Some("志愿者7"));
        assert_eq!(snapshot.get(&8).map(String::as_str), Some("志愿者8"));
        assert!(!snapshot.contains_key(&(n + 1)));
        assert_eq!((map.len() as u32, snapshot.len() as u32), (n, n));
        assert_eq!(map.get(&7).map(String::as_str), Some("志愿者7!"));
        assert_ne!(map, snapshot);
        // Every table holds a share: no table is left with most of the keys.
        let largest = snapshot.tables.iter().map(|t| t.len()).max().unwrap_or(0);
        assert!(largest < 3 * 40, "{largest}");
    }

    #[test]
    fn a_map_encodes_as_the_hash_map_it_replaced_and_reads_back() {
        let mut map: Shards<u32, u64> = Shards::default();
        let mut plain: FastMap<u32, u64> = FastMap::default();
        assert!(map.is_empty() && map.get(&1).is_none());
        for i in 0..1000 {
            map.insert(i, u64::from(i) * 3);
            plain.insert(i, u64::from(i) * 3);
        }
        let bytes = bincode::serialize(&map).unwrap_or_default();
        let from_plain: Result<Shards<u32, u64>, _> =
            bincode::deserialize(&bincode::serialize(&plain).unwrap_or_default());
        assert!(from_plain.is_ok_and(|m| m == map));
        let back: Result<FastMap<u32, u64>, _> = bincode::deserialize(&bytes);
        assert!(back.is_ok_and(|m| m == plain));
        let json = serde_json::to_string(&map).unwrap_or_default();
        let from_json: Result<Shards<u32, u64>, _> = serde_json::from_str(&json);
        assert!(from_json.is_ok_and(|m| m == map));
        assert_eq!(
            map.iter_mut().map(|(_, v)| *v).sum::<u64>(),
            3 * 999 * 1000 / 2
        );
        assert_eq!(map.keys().count() + map.values().count(), 2000);
    }
}
