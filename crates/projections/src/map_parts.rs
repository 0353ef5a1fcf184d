//! A shared map (or column of rows) of the state in a snapshot, as parts decoded on every core.
//!
//! A million volunteers and their activities are most of a province's snapshot, and one thread
//! decoding them was most of a start (`BENCHMARKS.md`, "A start that checks only the tail").
//! In the snapshot's binary form such a map is its length and then parts of at most
//! [`MAP_PART_ENTRIES`] entries, each encoded on its own: the start reads the parts in order
//! and hands them to a thread per core (at most [`MAX_MAP_PART_DECODERS`]), then puts the decoded entries into the
//! table in the order they were written, so the table is the one a single thread would build.
//! The ranking index's series (`shared_rows`) are written the same way, as rows.

use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use triomphe::Arc;

use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeSeq, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yinling_ledger::codec;

use crate::limits::{MAP_PART_ENTRIES, MAX_MAP_PART_DECODERS, MAX_PRESIZED_MAP_ENTRIES};

/// The table a shared map keeps (`maps::FastMap` of `Arc`s, named here so that this module
/// does not import the one that imports it).
pub(crate) type Table<K, V> = std::collections::HashMap<K, Arc<V>, rustc_hash::FxBuildHasher>;

/// What the decoded entries go into, in the order they were written: a shared map's table,
/// or the rows of a column (`shared_rows`).
pub(crate) trait Collect<E>: Sized {
    /// An empty collection with room for `room` entries.
    fn with_room(room: usize) -> Self;
    /// Takes the next entry, or says why it cannot.
    fn take(&mut self, entry: E) -> Result<(), String>;
    /// How many entries it holds.
    fn count(&self) -> usize;
}

impl<K: Eq + Hash, V> Collect<(K, V)> for Table<K, V> {
    fn with_room(room: usize) -> Self {
        Table::with_capacity_and_hasher(room, Default::default())
    }

    fn take(&mut self, (k, v): (K, V)) -> Result<(), String> {
        match self.insert(k, Arc::new(v)) {
            None => Ok(()),
            Some(_) => Err("a map holds one key twice".into()),
        }
    }

    fn count(&self) -> usize {
        self.len()
    }
}

impl<T> Collect<T> for crate::chunks::Chunks<Arc<T>> {
    fn with_room(_room: usize) -> Self {
        crate::chunks::Chunks::default()
    }

    fn take(&mut self, row: T) -> Result<(), String> {
        self.push(Arc::new(row));
        Ok(())
    }

    fn count(&self) -> usize {
        self.len()
    }
}

/// The encoded bytes of one part, written as one byte string.
struct PartBytes<'a>(&'a [u8]);

impl Serialize for PartBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// Writes `entries` as their count and then their parts, each encoded just before it is
/// written (a snapshot never holds a second copy of a million volunteers' bytes). A map's
/// entries are (key, value) pairs; a column's are its rows.
pub(crate) fn serialize<E, S>(
    len: usize,
    entries: impl Iterator<Item = E>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    E: Serialize,
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

impl<E, I> Serialize for PartList<I>
where
    E: Serialize,
    I: Iterator<Item = E>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries = self
            .entries
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("a map's parts written twice"))?;
        let mut seq = serializer.serialize_seq(Some(self.parts))?;
        let mut part: Vec<E> = Vec::with_capacity(MAP_PART_ENTRIES);
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

/// Reads entries written by [`serialize`] into `C` (a table of shared values, or rows).
pub(crate) fn deserialize<'de, E, C, D>(deserializer: D) -> Result<C, D::Error>
where
    E: DeserializeOwned + Send,
    C: Collect<E>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_tuple(2, Whole(PhantomData))
}

struct Whole<E, C>(PhantomData<(E, C)>);

impl<'de, E, C> Visitor<'de> for Whole<E, C>
where
    E: DeserializeOwned + Send,
    C: Collect<E>,
{
    type Value = C;

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
        let mut collected = C::with_room(room);
        seq.next_element_seed(Parts {
            collected: &mut collected,
            kind: PhantomData,
        })?
        .ok_or_else(|| A::Error::invalid_length(1, &self))?;
        if collected.count() as u64 != len {
            return Err(A::Error::custom(format!(
                "a map said to hold {len} entries holds {}",
                collected.count()
            )));
        }
        Ok(collected)
    }
}

/// The parts, decoded on a thread per core into `collected`.
struct Parts<'t, E, C> {
    collected: &'t mut C,
    kind: PhantomData<E>,
}

impl<'de, E, C> DeserializeSeed<'de> for Parts<'_, E, C>
where
    E: DeserializeOwned + Send,
    C: Collect<E>,
{
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

type Decoded<E> = Result<Vec<E>, String>;

/// A decoder thread's way in (parts) and way out (their entries).
type Decoder<E> = (SyncSender<Vec<u8>>, Receiver<Decoded<E>>);

impl<'de, E, C> Visitor<'de> for Parts<'_, E, C>
where
    E: DeserializeOwned + Send,
    C: Collect<E>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the parts of a map")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let collected = self.collected;
        let count = part_threads();
        std::thread::scope(|scope| {
            // Part n goes to decoder n % count and comes back on that decoder's own channel,
            // so the parts are put into the collection in the order they were written.
            let mut decoders: Vec<Decoder<E>> = Vec::new();
            for _ in 0..count {
                let (to_decoder, parts) = sync_channel::<Vec<u8>>(1);
                let (to_reader, decoded) = sync_channel::<Decoded<E>>(1);
                scope.spawn(move || {
                    for part in parts {
                        let entries = codec::decode_part::<Vec<E>>(&part);
                        drop(part);
                        if to_reader.send(entries.map_err(|e| e.to_string())).is_err() {
                            return;
                        }
                    }
                });
                decoders.push((to_decoder, decoded));
            }
            let mut insert = |decoded: Result<Decoded<E>, _>| -> Result<(), A::Error> {
                let entries = decoded
                    .map_err(|_| A::Error::custom("a decoder of a map's parts stopped"))?
                    .map_err(A::Error::custom)?;
                for entry in entries {
                    collected.take(entry).map_err(A::Error::custom)?;
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

/// Threads for work split in parts (a map's parts decoded, every volunteer revealed or
/// checked): one a core, at most [`MAX_MAP_PART_DECODERS`].
pub(crate) fn part_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_MAP_PART_DECODERS)
}
