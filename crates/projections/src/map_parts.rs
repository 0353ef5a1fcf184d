//! A shared map of the state in a snapshot, as parts decoded on every core.
//!
//! A million volunteers and their activities are most of a province's snapshot, and one thread
//! decoding them was most of a start (`BENCHMARKS.md`, "A start that checks only the tail").
//! In the snapshot's binary form such a map is its length and then parts of at most
//! [`MAP_PART_ENTRIES`] entries, each encoded on its own: the start reads the parts in order
//! and hands them to a thread per core (at most [`MAX_MAP_PART_DECODERS`]), then puts the decoded entries into the
//! table in the order they were written, so the table is the one a single thread would build.

use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeSeq, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yinling_ledger::codec;

use crate::limits::{MAP_PART_ENTRIES, MAX_MAP_PART_DECODERS, MAX_PRESIZED_MAP_ENTRIES};

/// The table a shared map keeps (`maps::FastMap` of `Arc`s, named here so that this module
/// does not import the one that imports it).
type Table<K, V> = std::collections::HashMap<K, Arc<V>, rustc_hash::FxBuildHasher>;

/// The encoded bytes of one part, written as one byte string.
struct PartBytes<'a>(&'a [u8]);

impl Serialize for PartBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// Writes `entries` as their count and then their parts, each encoded just before it is
/// written (a snapshot never holds a second copy of a million volunteers' bytes).
pub(crate) fn serialize<'a, K, V, S>(
    len: usize,
    entries: impl Iterator<Item = (&'a K, &'a V)>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    K: Serialize + 'a,
    V: Serialize + 'a,
    S: Serializer,
{
    let mut tuple = serializer.serialize_tuple(2)?;
    tuple.serialize_element(&(len as u64))?;
    tuple.serialize_element(&PartList {
        parts: len.div_ceil(MAP_PART_ENTRIES),
        entries: std::cell::RefCell::new(Some(entries)),
    })?;
    tuple.end()
}

/// The parts, as a sequence of byte strings, encoded from the entries as they are written.
struct PartList<I> {
    parts: usize,
    entries: std::cell::RefCell<Option<I>>,
}

impl<'a, K, V, I> Serialize for PartList<I>
where
    K: Serialize + 'a,
    V: Serialize + 'a,
    I: Iterator<Item = (&'a K, &'a V)>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries = self
            .entries
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("a map's parts written twice"))?;
        let mut seq = serializer.serialize_seq(Some(self.parts))?;
        let mut part: Vec<(&K, &V)> = Vec::with_capacity(MAP_PART_ENTRIES);
        for _ in 0..self.parts {
            part.clear();
            part.extend(entries.by_ref().take(MAP_PART_ENTRIES));
            let bytes = codec::encode_part(&part).map_err(S::Error::custom)?;
            seq.serialize_element(&PartBytes(&bytes))?;
        }
        if entries.next().is_some() {
            return Err(S::Error::custom("a map changed while it was written"));
        }
        seq.end()
    }
}

/// One part's bytes as read.
struct OwnedPart(Vec<u8>);

impl<'de> Deserialize<'de> for OwnedPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = OwnedPart;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the bytes of a part of a map")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<OwnedPart, E> {
                Ok(OwnedPart(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<OwnedPart, E> {
                Ok(OwnedPart(v))
            }
        }
        deserializer.deserialize_byte_buf(Bytes)
    }
}

/// Reads a map written by [`serialize`] into a table of shared values.
pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<Table<K, V>, D::Error>
where
    K: DeserializeOwned + Eq + Hash + Send,
    V: DeserializeOwned + Send,
    D: Deserializer<'de>,
{
    deserializer.deserialize_tuple(2, Whole(PhantomData))
}

struct Whole<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for Whole<K, V>
where
    K: DeserializeOwned + Eq + Hash + Send,
    V: DeserializeOwned + Send,
{
    type Value = Table<K, V>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map's length and its parts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let len: u64 = seq
            .next_element()?
            .ok_or_else(|| A::Error::invalid_length(0, &self))?;
        // The length is the encoder's word; a damaged one must not reserve the machine.
        let room = usize::try_from(len).map_or(MAX_PRESIZED_MAP_ENTRIES, |n| {
            n.min(MAX_PRESIZED_MAP_ENTRIES)
        });
        let mut table = Table::with_capacity_and_hasher(room, Default::default());
        seq.next_element_seed(Parts {
            table: &mut table,
            kind: PhantomData,
        })?
        .ok_or_else(|| A::Error::invalid_length(1, &self))?;
        if table.len() as u64 != len {
            return Err(A::Error::custom(format!(
                "a map said to hold {len} entries holds {}",
                table.len()
            )));
        }
        Ok(table)
    }
}

/// The parts, decoded on a thread per core into `table`.
struct Parts<'t, K, V> {
    table: &'t mut Table<K, V>,
    kind: PhantomData<V>,
}

impl<'de, K, V> DeserializeSeed<'de> for Parts<'_, K, V>
where
    K: DeserializeOwned + Eq + Hash + Send,
    V: DeserializeOwned + Send,
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

type Decoded<K, V> = Result<Vec<(K, V)>, String>;

/// A decoder thread's way in (parts) and way out (their entries).
type Decoder<K, V> = (SyncSender<Vec<u8>>, Receiver<Decoded<K, V>>);

impl<'de, K, V> Visitor<'de> for Parts<'_, K, V>
where
    K: DeserializeOwned + Eq + Hash + Send,
    V: DeserializeOwned + Send,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the parts of a map")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let table = self.table;
        let count = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_MAP_PART_DECODERS);
        std::thread::scope(|scope| {
            // Part n goes to decoder n % count and comes back on that decoder's own channel,
            // so the parts are put into the table in the order they were written.
            let mut decoders: Vec<Decoder<K, V>> = Vec::new();
            for _ in 0..count {
                let (to_decoder, parts) = sync_channel::<Vec<u8>>(1);
                let (to_reader, decoded) = sync_channel::<Decoded<K, V>>(1);
                scope.spawn(move || {
                    for part in parts {
                        let entries = codec::decode_part::<Vec<(K, V)>>(&part);
                        drop(part);
                        if to_reader.send(entries.map_err(|e| e.to_string())).is_err() {
                            return;
                        }
                    }
                });
                decoders.push((to_decoder, decoded));
            }
            let mut insert = |decoded: Result<Decoded<K, V>, _>| -> Result<(), A::Error> {
                let entries = decoded
                    .map_err(|_| A::Error::custom("a decoder of a map's parts stopped"))?
                    .map_err(A::Error::custom)?;
                for (k, v) in entries {
                    if table.insert(k, Arc::new(v)).is_some() {
                        return Err(A::Error::custom("a map holds one key twice"));
                    }
                }
                Ok(())
            };
            let mut sent = 0usize;
            while let Some(OwnedPart(part)) = seq.next_element()? {
                let (to_decoder, decoded) = &decoders[sent % count];
                if sent >= count {
                    // This decoder's previous part comes back before it is given the next.
                    insert(decoded.recv())?;
                }
                to_decoder
                    .send(part)
                    .map_err(|_| A::Error::custom("a decoder of a map's parts stopped"))?;
                sent += 1;
            }
            for n in sent.saturating_sub(count)..sent {
                insert(decoders[n % count].1.recv())?;
            }
            Ok(())
        })
    }
}
