//! A digest of a value's contents that does not depend on the order its hash maps were
//! filled in: two equal states give one digest, whichever way each was reached (folded from
//! the first event, or decoded from a snapshot). `yinling verify` compares every stored
//! snapshot with the log folded again by this digest, so that it holds one state at a time
//! instead of two (`snapshot_check::check_snapshots`): at a province's size, 6.2 million KiB
//! at its peak instead of 10.8 (BENCHMARKS.md, "`yinling verify` with one state").
//!
//! What is hashed is the value's serde form for people (`is_human_readable`), in which a
//! shared map is a plain map (in a snapshot it is parts encoded in table order); every form
//! of that kind in the state says all its binary form says (amounts as exact decimal text,
//! packed columns as their bytes or their entries). Each value goes in after a byte naming
//! its kind, and strings, byte strings, sequences, tuples, structs and maps with their
//! lengths (LEB128 varints), enum variants with their index and a struct's fields with their
//! names: the bytes describe themselves, so two different forms never put the same bytes
//! into the hash. Integers go in big-endian, a signed one with its sign bit flipped, so that
//! their bytes sort as the numbers do. A map's entries go in sorted by their keys' bytes
//! (checked first, and not sorted when already in order: a `BTreeMap`, a volunteer's hours
//! by day), each as its key's bytes and then its value's, as they are when they are at most
//! `INLINE_VALUE_BYTES` (64) or as their SHA-256 when longer, a byte saying which: a map
//! holds its keys and at most that much a value until it ends, and a short value is not
//! hashed alone (a volunteer's fifty hours by day each cost a whole block of the hash, and
//! were half of a digest's time; BENCHMARKS.md, "A state's digest in fewer bytes").

use std::fmt::Display;

use serde::ser::{self, Serialize};
use sha2::{Digest as _, Sha256};

use crate::limits::{HASH_BUFFER_BYTES, INLINE_VALUE_BYTES};

/// A value whose form cannot be hashed the same way every time (a sequence that does not
/// say its length, or a serializer's own error).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DigestError(String);

impl DigestError {
    /// A thread that took a digest panicked.
    pub fn panicked() -> Self {
        DigestError("a thread taking a digest panicked".into())
    }
}

impl ser::Error for DigestError {
    fn custom<T: Display>(msg: T) -> Self {
        DigestError(msg.to_string())
    }
}

/// The SHA-256 of `value`'s contents, as described at the top of this module.
pub fn digest_of<T: Serialize + ?Sized>(value: &T) -> Result<[u8; 32], DigestError> {
    digest_with(value, &[])
}

/// [`digest_of`] a struct, with the digests of some of its fields already taken (each by
/// [`digest_of`], on other threads, say): the same digest, since every field of the outer
/// struct goes in as its name and its own digest.
pub fn digest_with<T: Serialize + ?Sized>(
    value: &T,
    given: &[(&'static str, [u8; 32])],
) -> Result<[u8; 32], DigestError> {
    let mut sink = Hashing {
        hasher: Sha256::new(),
        buffer: Vec::with_capacity(HASH_BUFFER_BYTES),
    };
    let mut canon = Canon {
        sink: &mut sink,
        given: Some(given),
        depth: 0,
        used: 0,
    };
    value.serialize(&mut canon)?;
    if canon.used != given.len() {
        return Err(DigestError(format!(
            "digests given for fields it does not have: {:?}",
            given.iter().map(|(name, _)| name).collect::<Vec<_>>()
        )));
    }
    sink.flush();
    Ok(sink.hasher.finalize().into())
}

/// Where the canonical bytes go.
trait Sink {
    /// Takes `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

/// The hasher of the whole value, fed in blocks.
struct Hashing {
    /// The digest so far.
    hasher: Sha256,
    /// Bytes not yet hashed.
    buffer: Vec<u8>,
}

impl Hashing {
    /// Hashes what is buffered.
    fn flush(&mut self) {
        self.hasher.update(&self.buffer);
        self.buffer.clear();
    }
}

impl Sink for Hashing {
    fn put(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > HASH_BUFFER_BYTES {
            self.flush();
        }
        if bytes.len() > HASH_BUFFER_BYTES {
            self.hasher.update(bytes);
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The canonical form's writer.
struct Canon<'a, S: Sink> {
    /// Where it writes.
    sink: &'a mut S,
    /// For the value whose digest is taken (not for a map's keys and values inside it): the
    /// digests of its fields already taken, by name.
    given: Option<&'a [(&'static str, [u8; 32])]>,
    /// How many structs the value being written is in.
    depth: u32,
    /// How many of `given` were used.
    used: usize,
}

impl<'a, S: Sink> Canon<'a, S> {
    /// A writer of a value inside the one whose digest is taken (a map's key or value).
    fn nested(sink: &'a mut S) -> Self {
        Canon {
            sink,
            given: None,
            depth: 0,
            used: 0,
        }
    }
}

/// The byte that names each kind of value.
mod kind {
    pub const BOOL: u8 = 1;
    pub const CHAR: u8 = 2;
    pub const STR: u8 = 3;
    pub const BYTES: u8 = 4;
    pub const NONE: u8 = 5;
    pub const SOME: u8 = 6;
    pub const UNIT: u8 = 7;
    pub const UNIT_STRUCT: u8 = 8;
    pub const UNIT_VARIANT: u8 = 9;
    pub const NEWTYPE_STRUCT: u8 = 10;
    pub const NEWTYPE_VARIANT: u8 = 11;
    pub const SEQ: u8 = 12;
    pub const TUPLE: u8 = 13;
    pub const TUPLE_STRUCT: u8 = 14;
    pub const TUPLE_VARIANT: u8 = 15;
    pub const MAP: u8 = 16;
    pub const STRUCT: u8 = 17;
    pub const STRUCT_VARIANT: u8 = 18;
    pub const SEQ_UNCOUNTED: u8 = 19;
    pub const FIELD_DIGEST: u8 = 32;
    pub const VALUE_INLINE: u8 = 33;
    pub const VALUE_DIGEST: u8 = 34;
    pub const I8: u8 = 20;
    pub const I16: u8 = 21;
    pub const I32: u8 = 22;
    pub const I64: u8 = 23;
    pub const I128: u8 = 24;
    pub const U8: u8 = 25;
    pub const U16: u8 = 26;
    pub const U32: u8 = 27;
    pub const U64: u8 = 28;
    pub const U128: u8 = 29;
    pub const F32: u8 = 30;
    pub const F64: u8 = 31;
}

impl<S: Sink> Canon<'_, S> {
    /// The byte naming a value's kind.
    fn kind(&mut self, kind: u8) {
        self.sink.put(&[kind]);
    }

    /// A length, as its LEB128 varint (one byte below 128: most of a state's lengths).
    fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    /// A tag, or an enum variant's index, as its varint.
    fn tag(&mut self, index: u32) {
        self.varint(u64::from(index));
    }

    /// `n` in LEB128: seven bits a byte, low first, the high bit on all but the last (the
    /// loop of `yinling_projections`' packed columns, into a buffer on the stack: the sink
    /// here is the hasher's, not a vector).
    fn varint(&mut self, mut n: u64) {
        let mut bytes = [0u8; 10];
        let mut last = 0;
        while n >= 0x80 {
            bytes[last] = (n as u8) | 0x80;
            n >>= 7;
            last += 1;
        }
        bytes[last] = n as u8;
        self.sink.put(&bytes[..=last]);
    }

    /// The start of a tuple or struct (of an enum's variant `index`, if one) of `len` values.
    fn open(&mut self, kind: u8, index: Option<u32>, len: usize) {
        self.kind(kind);
        if let Some(index) = index {
            self.tag(index);
        }
        self.len(len);
    }
}

/// Writes the integer methods, each as its kind and its big-endian bytes, a signed one with
/// its sign bit flipped: so that a map keyed by numbers in their order (a volunteer's hours
/// by day) is already in the order of its keys' bytes, and its entries need no sort.
macro_rules! integers {
    ($($method:ident: $ty:ty = $kind:ident $(^ $flip:expr)?),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), DigestError> {
            self.kind(kind::$kind);
            self.sink.put(&(v $(^ $flip)?).to_be_bytes());
            Ok(())
        })*
    };
}

/// Writes the float methods, each as its kind and its little-endian bytes.
macro_rules! floats {
    ($($method:ident: $ty:ty = $kind:ident),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), DigestError> {
            self.kind(kind::$kind);
            self.sink.put(&v.to_le_bytes());
            Ok(())
        })*
    };
}

impl<'b, 'a: 'b, S: Sink> ser::Serializer for &'b mut Canon<'a, S> {
    type Ok = ();
    type Error = DigestError;
    type SerializeSeq = Elements<'b, 'a, S>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Entries<'b, 'a, S>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn is_human_readable(&self) -> bool {
        true
    }

    integers!(
        serialize_i8: i8 = I8 ^ i8::MIN, serialize_i16: i16 = I16 ^ i16::MIN,
        serialize_i32: i32 = I32 ^ i32::MIN, serialize_i64: i64 = I64 ^ i64::MIN,
        serialize_i128: i128 = I128 ^ i128::MIN, serialize_u8: u8 = U8, serialize_u16: u16 = U16,
        serialize_u32: u32 = U32, serialize_u64: u64 = U64, serialize_u128: u128 = U128,
    );
    floats!(serialize_f32: f32 = F32, serialize_f64: f64 = F64);

    fn serialize_bool(self, v: bool) -> Result<(), DigestError> {
        self.kind(kind::BOOL);
        self.sink.put(&[u8::from(v)]);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), DigestError> {
        self.kind(kind::CHAR);
        self.tag(u32::from(v));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), DigestError> {
        self.kind(kind::STR);
        self.len(v.len());
        self.sink.put(v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), DigestError> {
        self.kind(kind::BYTES);
        self.len(v.len());
        self.sink.put(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), DigestError> {
        self.kind(kind::NONE);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), DigestError> {
        self.kind(kind::SOME);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), DigestError> {
        self.kind(kind::UNIT);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), DigestError> {
        self.kind(kind::UNIT_STRUCT);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result<(), DigestError> {
        self.kind(kind::UNIT_VARIANT);
        self.tag(index);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), DigestError> {
        self.kind(kind::NEWTYPE_STRUCT);
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), DigestError> {
        self.kind(kind::NEWTYPE_VARIANT);
        self.tag(index);
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Elements<'b, 'a, S>, DigestError> {
        match len {
            Some(len) => {
                self.kind(kind::SEQ);
                self.len(len);
            }
            None => self.kind(kind::SEQ_UNCOUNTED),
        }
        Ok(Elements {
            canon: self,
            uncounted: len.is_none(),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self, DigestError> {
        self.open(kind::TUPLE, None, len);
        Ok(self)
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self, DigestError> {
        self.open(kind::TUPLE_STRUCT, None, len);
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self, DigestError> {
        self.open(kind::TUPLE_VARIANT, Some(index), len);
        Ok(self)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Entries<'b, 'a, S>, DigestError> {
        self.kind(kind::MAP);
        Ok(Entries {
            canon: self,
            bytes: Vec::new(),
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self, DigestError> {
        self.open(kind::STRUCT, None, len);
        self.depth += 1;
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<Self, DigestError> {
        self.open(kind::STRUCT_VARIANT, Some(index), len);
        self.depth += 1;
        Ok(self)
    }
}

/// Writes the elements of sequences and tuples, and the fields of structs, in their order.
macro_rules! in_order {
    ($($trait:ident: $method:ident),* $(,)?) => {
        $(impl<S: Sink> ser::$trait for &mut Canon<'_, S> {
            type Ok = ();
            type Error = DigestError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DigestError> {
                value.serialize(&mut **self)
            }

            fn end(self) -> Result<(), DigestError> {
                Ok(())
            }
        })*
    };
}

in_order!(
    SerializeTuple: serialize_element,
    SerializeTupleStruct: serialize_field,
    SerializeTupleVariant: serialize_field,
);

/// A sequence's elements, in their order: after its length, or, when it did not say it,
/// each after a byte 1 and the last followed by a byte 0.
struct Elements<'b, 'a, S: Sink> {
    /// Where they are written.
    canon: &'b mut Canon<'a, S>,
    /// Whether the sequence did not say its length.
    uncounted: bool,
}

impl<S: Sink> ser::SerializeSeq for Elements<'_, '_, S> {
    type Ok = ();
    type Error = DigestError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DigestError> {
        if self.uncounted {
            self.canon.sink.put(&[1]);
        }
        value.serialize(&mut *self.canon)
    }

    fn end(self) -> Result<(), DigestError> {
        if self.uncounted {
            self.canon.sink.put(&[0]);
        }
        Ok(())
    }
}

/// Writes a struct's fields in their order, each after its name (a field left out then
/// shows).
macro_rules! named {
    ($($trait:ident),* $(,)?) => {
        $(impl<S: Sink> ser::$trait for &mut Canon<'_, S> {
            type Ok = ();
            type Error = DigestError;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), DigestError> {
                self.len(key.len());
                self.sink.put(key.as_bytes());
                match self.given {
                    // A field of the outermost struct: its own digest.
                    Some(given) if self.depth == 1 => {
                        let digest = match given.iter().find(|(name, _)| *name == key) {
                            Some((_, digest)) => {
                                self.used += 1;
                                *digest
                            }
                            None => digest_of(value)?,
                        };
                        self.kind(kind::FIELD_DIGEST);
                        self.sink.put(&digest);
                        Ok(())
                    }
                    _ => value.serialize(&mut **self),
                }
            }

            fn end(self) -> Result<(), DigestError> {
                self.depth = self.depth.saturating_sub(1);
                Ok(())
            }
        })*
    };
}

named!(SerializeStruct, SerializeStructVariant);

/// A map's entries, gathered to be written in the order of their keys' bytes.
struct Entries<'b, 'a, S: Sink> {
    /// Where the map is written when it ends.
    canon: &'b mut Canon<'a, S>,
    /// Every key's bytes, each followed by its value's: the value's canonical bytes when they
    /// are at most [`INLINE_VALUE_BYTES`], their SHA-256 otherwise.
    bytes: Vec<u8>,
    /// Each entry: where its key starts, where its key ends (and its value starts), where its
    /// value ends in `bytes`, and whether the value is its digest.
    entries: Vec<Entry>,
    /// The bytes of the key whose value comes next: where they start in `bytes`.
    key: Option<usize>,
}

/// One entry of a map in [`Entries::bytes`].
struct Entry {
    /// Where its key's bytes start.
    key: usize,
    /// Where its key's bytes end and its value's start.
    value: usize,
    /// Where its value's bytes end.
    end: usize,
    /// Whether the value's bytes are its digest (a value longer than [`INLINE_VALUE_BYTES`]).
    hashed: bool,
}

impl<S: Sink> ser::SerializeMap for Entries<'_, '_, S> {
    type Ok = ();
    type Error = DigestError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), DigestError> {
        let start = self.bytes.len();
        key.serialize(&mut Canon::nested(&mut self.bytes))?;
        self.key = Some(start);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DigestError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| DigestError("a map's value without its key".into()))?;
        let start = self.bytes.len();
        value.serialize(&mut Canon::nested(&mut self.bytes))?;
        // A short value goes in as it is (hashing it alone would cost a whole block of the
        // hash and 32 bytes to sort, more than the value); a long one as its digest, so that
        // the map's bytes held until it ends are its keys and at most this much a value.
        let hashed = self.bytes.len() - start > INLINE_VALUE_BYTES;
        if hashed {
            let digest: [u8; 32] = Sha256::digest(&self.bytes[start..]).into();
            self.bytes.truncate(start);
            self.bytes.extend_from_slice(&digest);
        }
        self.entries.push(Entry {
            key,
            value: start,
            end: self.bytes.len(),
            hashed,
        });
        Ok(())
    }

    fn end(mut self) -> Result<(), DigestError> {
        let bytes = &self.bytes;
        let order = |a: &Entry, b: &Entry| {
            bytes[a.key..a.value]
                .cmp(&bytes[b.key..b.value])
                .then_with(|| {
                    (a.hashed, &bytes[a.value..a.end]).cmp(&(b.hashed, &bytes[b.value..b.end]))
                })
        };
        // A map kept in its keys' order (a `BTreeMap`, a volunteer's hours by day) is checked,
        // not sorted.
        if !self.entries.is_sorted_by(|a, b| order(a, b).is_le()) {
            self.entries.sort_unstable_by(order);
        }
        self.canon.len(self.entries.len());
        for entry in &self.entries {
            self.canon.len(entry.value - entry.key);
            self.canon.sink.put(&bytes[entry.key..entry.value]);
            if entry.hashed {
                self.canon.kind(kind::VALUE_DIGEST);
            } else {
                self.canon.kind(kind::VALUE_INLINE);
                self.canon.len(entry.end - entry.value);
            }
            self.canon.sink.put(&bytes[entry.value..entry.end]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    /// A map's digest is its entries', in whatever order they were put in.
    #[test]
    fn the_order_a_map_was_filled_in_does_not_count() {
        let forward: HashMap<u32, String> = (0..1000).map(|i| (i, i.to_string())).collect();
        let mut backward: HashMap<u32, String> = HashMap::with_capacity(4096);
        for i in (0..1000).rev() {
            backward.insert(i, i.to_string());
        }
        let sorted: BTreeMap<u32, String> = forward.clone().into_iter().collect();
        let digest = digest_of(&forward).expect("digest");
        assert_eq!(digest, digest_of(&backward).expect("digest"));
        assert_eq!(digest, digest_of(&sorted).expect("digest"));
    }

    /// Long values go in by their digests and short ones as they are, and either way the
    /// order a map was filled in does not count; a map keyed by signed numbers in their order
    /// (checked, not sorted) gives the digest of the same map in a hash map's order (sorted).
    #[test]
    fn long_and_short_values_and_signed_keys_give_one_digest_whatever_the_order() {
        let long = |i: i32| "长".repeat(usize::try_from(i.rem_euclid(40)).unwrap_or(0));
        let forward: HashMap<i32, String> = (-500..500).map(|i| (i, long(i))).collect();
        let mut backward: HashMap<i32, String> = HashMap::with_capacity(4096);
        for i in (-500..500).rev() {
            backward.insert(i, long(i));
        }
        let sorted: BTreeMap<i32, String> = forward.clone().into_iter().collect();
        let digest = digest_of(&forward).expect("digest");
        assert_eq!(digest, digest_of(&backward).expect("digest"));
        assert_eq!(digest, digest_of(&sorted).expect("digest"));
        // A long value changed in its last byte, and a value at the length where values start
        // to be hashed against one a byte longer.
        let mut changed = sorted.clone();
        changed.insert(39, format!("{}!", "长".repeat(38)));
        assert_ne!(digest, digest_of(&changed).expect("digest"));
        // A text of n letters is a kind byte, a length byte and the letters.
        let edge = |n: usize| digest_of(&BTreeMap::from([(1u8, "x".repeat(n))])).expect("digest");
        let inline = INLINE_VALUE_BYTES - 2;
        assert_ne!(edge(inline), edge(inline + 1));
        assert_ne!(edge(inline - 1), edge(inline));
        // Lengths on both sides of a varint's first byte.
        assert_ne!(edge(127), edge(128));
        assert_ne!(
            digest_of(&(-1i64, 0i64)).expect("digest"),
            digest_of(&(0i64, -1i64)).expect("digest")
        );
    }

    /// Values that differ anywhere, or differ only in where one ends and the next begins,
    /// give different digests.
    #[test]
    fn different_values_give_different_digests() {
        let mut map: HashMap<u32, String> = (0..100).map(|i| (i, i.to_string())).collect();
        let before = digest_of(&map).expect("digest");
        map.insert(7, "7 ".into());
        assert_ne!(before, digest_of(&map).expect("digest"));
        let split = |a: &str, b: &str| digest_of(&(a.to_owned(), b.to_owned())).expect("digest");
        assert_ne!(split("ab", "c"), split("a", "bc"));
        assert_ne!(
            digest_of(&vec![Some(1u8), None]).expect("digest"),
            digest_of(&vec![None, Some(1u8)]).expect("digest")
        );
    }

    /// A struct's digest is the same with some of its fields' digests taken first; one given
    /// for a field it does not have is refused.
    #[test]
    fn digests_given_for_fields_give_the_same_digest() {
        #[derive(serde::Serialize)]
        struct Outer {
            people: HashMap<u32, String>,
            names: Vec<String>,
            title: String,
        }
        let outer = Outer {
            people: (0..100).map(|i| (i, i.to_string())).collect(),
            names: vec!["王".into(), "李".into()],
            title: "银领".into(),
        };
        let people = digest_of(&outer.people).expect("digest");
        let names = digest_of(&outer.names).expect("digest");
        let whole = digest_of(&outer).expect("digest");
        let given = [("people", people), ("names", names)];
        assert_eq!(whole, digest_with(&outer, &given).expect("digest"));
        assert_ne!(
            whole,
            digest_with(&outer, &[("people", names)]).expect("digest")
        );
        assert!(digest_with(&outer, &[("persons", people)]).is_err());
    }

    /// A sequence that does not say its length (one collected from a filter) is hashed by
    /// its elements all the same, and not as the one that does.
    #[test]
    fn a_sequence_of_unknown_length_is_hashed_by_its_elements() {
        struct Filtered(Vec<u32>, u32);
        impl Serialize for Filtered {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().filter(|n| **n != self.1))
            }
        }
        let whole = digest_of(&Filtered(vec![1, 2, 3], 0)).expect("digest");
        assert_ne!(
            whole,
            digest_of(&Filtered(vec![1, 2, 3], 2)).expect("digest")
        );
        assert_eq!(
            whole,
            digest_of(&Filtered(vec![1, 2, 3, 4], 4)).expect("digest")
        );
        assert_ne!(whole, digest_of(&vec![1u32, 2, 3]).expect("digest"));
    }
}
