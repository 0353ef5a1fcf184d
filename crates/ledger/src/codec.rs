//! The byte format of everything the ledger stores. This module is the only place that
//! knows it.
//!
//! A **record** is one sealed event:
//!
//! ```text
//! [format: u8 = 1][bincode(header, payload, prev_hash)][hash: 32 bytes]
//! \______________ canonical bytes _______________/
//! ```
//!
//! `hash = SHA-256(prev_hash || canonical bytes)`. The leading format byte lets a later codec
//! follow without rewriting old records: a reader dispatches on it, and the canonical bytes
//! of an old record stay exactly as they were hashed.
//!
//! Within format 1, the header carries a `schema_version`. A payload written under an older
//! schema is decoded with the frozen type of that version and upcast to today's [`Event`];
//! today there is only version 1. Golden fixtures under `tests/fixtures/` pin the bytes of
//! every event type at every version, and must decode forever.
//!
//! A **segment** is the value stored under one group commit: the records of all events that
//! were made durable by one flush, keyed in the store by the first one's sequence number.
//!
//! bincode comes from the 1.3 line (3.0.0 is a compile-error tombstone and the crate is
//! unmaintained, RUSTSEC-2025-0141; 1.3.3 is the release its authors still patch). Options
//! are fixed here: varint integers, little endian, a size limit, no trailing bytes.

use std::cell::Cell;

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::digest::Hash;
use crate::envelope::{Actor, Envelope, StreamId, CURRENT_SCHEMA_VERSION};
use crate::event::Event;
use crate::ids::EventId;
pub use crate::limits::MAX_RECORD_BYTES;
use crate::time::Timestamp;

/// Format byte of records written by this codec: bincode 1.3, varint, little endian.
pub const FORMAT_BINCODE_V1: u8 = 1;

/// Format byte of segments (a length-prefixed list of records).
pub const SEGMENT_FORMAT_V1: u8 = 1;

/// Format byte of snapshots.
pub const SNAPSHOT_FORMAT_V1: u8 = 1;

/// Format byte of a snapshot that holds what changed since an earlier snapshot of the same
/// log (its base), whose seq follows the header: a start reads the base, then this. The
/// pruning of old snapshots reads the base from here without decoding the state.
pub const SNAPSHOT_FORMAT_DELTA: u8 = 2;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// Empty input.
    #[error("empty record")]
    Empty,
    /// A format byte this build does not know.
    #[error("unknown format byte {0}")]
    UnknownFormat(u8),
    /// A schema version this build does not know.
    #[error("unknown schema version {0}")]
    UnknownSchema(u16),
    /// The bytes end before the structure does, or a length is out of range.
    #[error("truncated or oversized: {0}")]
    Truncated(String),
    /// bincode could not decode the bytes.
    #[error("malformed: {0}")]
    Malformed(String),
    /// A value could not be encoded (only for values over the size limit).
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The bytes could not be read at all (the disk, not the format): an answer about them
    /// would be a guess.
    #[error("cannot read: {0}")]
    Read(String),
}

/// The encoding of every record, part and snapshot: varints, little-endian.
fn encoding() -> impl Options + Copy {
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .with_little_endian()
}

fn options(limit: usize) -> impl Options + Copy {
    encoding().with_limit(limit as u64)
}

#[derive(Serialize)]
struct HeaderRef<'a> {
    seq: u64,
    id: &'a EventId,
    stream: &'a StreamId,
    stream_version: u64,
    recorded_at: Timestamp,
    actor: &'a Actor,
    idempotency_key: &'a Option<String>,
    schema_version: u16,
}

#[derive(Deserialize)]
struct Header {
    seq: u64,
    id: EventId,
    stream: StreamId,
    stream_version: u64,
    recorded_at: Timestamp,
    actor: Actor,
    idempotency_key: Option<String>,
    schema_version: u16,
}

/// The canonical bytes of an envelope: everything but its own hash, format byte first.
/// This is what the chain hashes, so it must never change for a given format byte.
pub fn canonical_bytes(envelope: &Envelope) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(256);
    out.push(FORMAT_BINCODE_V1);
    let header = HeaderRef {
        seq: envelope.seq,
        id: &envelope.id,
        stream: &envelope.stream,
        stream_version: envelope.stream_version,
        recorded_at: envelope.recorded_at,
        actor: &envelope.actor,
        idempotency_key: &envelope.idempotency_key,
        schema_version: envelope.schema_version,
    };
    let opts = options(MAX_RECORD_BYTES);
    let encode = |out: &mut Vec<u8>| -> bincode::Result<()> {
        opts.serialize_into(&mut *out, &header)?;
        opts.serialize_into(&mut *out, &envelope.payload)?;
        opts.serialize_into(&mut *out, &envelope.prev_hash)
    };
    encode(&mut out).map_err(|e| CodecError::Encode(e.to_string()))?;
    if out.len() > MAX_RECORD_BYTES {
        return Err(CodecError::Encode(format!(
            "record of {} bytes exceeds {MAX_RECORD_BYTES}",
            out.len()
        )));
    }
    Ok(out)
}

/// A full record: canonical bytes followed by the hash.
pub fn encode_record(envelope: &Envelope) -> Result<Vec<u8>, CodecError> {
    let mut out = canonical_bytes(envelope)?;
    out.extend_from_slice(&envelope.hash.0);
    Ok(out)
}

/// Splits a record into its canonical bytes and its stored hash, without decoding.
pub fn split_record(record: &[u8]) -> Result<(&[u8], Hash), CodecError> {
    if record.is_empty() {
        return Err(CodecError::Empty);
    }
    if record.len() < 1 + 32 {
        return Err(CodecError::Truncated(format!(
            "record of {} bytes is shorter than its hash",
            record.len()
        )));
    }
    let (canonical, hash) = record.split_at(record.len() - 32);
    let mut stored = [0u8; 32];
    stored.copy_from_slice(hash);
    Ok((canonical, Hash(stored)))
}

/// Reads a record's body (header, payload, previous hash) in one pass, stopping after the
/// header when its schema is not one this build reads (named through `unknown`).
struct RecordSeed<'a> {
    unknown: &'a Cell<Option<u16>>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = (Header, Event, Hash);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_tuple(3, self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = (Header, Event, Hash);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record body: header, payload, previous hash")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let missing = |what: &str| serde::de::Error::custom(format!("the record has no {what}"));
        let header: Header = seq.next_element()?.ok_or_else(|| missing("header"))?;
        if header.schema_version != 1 {
            self.unknown.set(Some(header.schema_version));
            return Err(serde::de::Error::custom("unknown schema"));
        }
        let payload: Event = seq.next_element()?.ok_or_else(|| missing("payload"))?;
        let prev_hash: Hash = seq
            .next_element()?
            .ok_or_else(|| missing("previous hash"))?;
        Ok((header, payload, prev_hash))
    }
}

/// Decodes one record into an envelope, upcasting old schema versions.
///
/// The hash is returned as stored; checking it against the chain is the caller's job
/// (see `chain`), because only the caller knows the previous hash.
pub fn decode_record(record: &[u8]) -> Result<Envelope, CodecError> {
    let (canonical, hash) = split_record(record)?;
    let format = canonical[0];
    if format != FORMAT_BINCODE_V1 {
        return Err(CodecError::UnknownFormat(format));
    }
    let body = &canonical[1..];
    let malformed = |e: bincode::Error| CodecError::Malformed(e.to_string());
    // One pass over the slice: bincode's slice reader borrows strings and bytes where its
    // stream reader copies them byte by byte (decoding is most of a replay's reading). The
    // three parts are written one after another, so they read as one tuple, the header's
    // schema checked before the payload is read; the options reject trailing bytes.
    let unknown = Cell::new(None);
    let (header, payload, prev_hash) = options(body.len())
        .deserialize_seed(RecordSeed { unknown: &unknown }, body)
        .map_err(|e| match unknown.get() {
            Some(schema) => CodecError::UnknownSchema(schema),
            None => malformed(e),
        })?;
    debug_assert!(header.schema_version <= CURRENT_SCHEMA_VERSION);
    Ok(Envelope {
        seq: header.seq,
        id: header.id,
        stream: header.stream,
        stream_version: header.stream_version,
        recorded_at: header.recorded_at,
        actor: header.actor,
        idempotency_key: header.idempotency_key,
        schema_version: header.schema_version,
        payload,
        prev_hash,
        hash,
    })
}

/// Builds a segment from records (in sequence order).
pub fn encode_segment<'a>(records: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let count = records.len();
    let mut out = Vec::with_capacity(5 + count * 260);
    out.push(SEGMENT_FORMAT_V1);
    out.extend_from_slice(&(count as u32).to_le_bytes());
    for record in records {
        out.extend_from_slice(&(record.len() as u32).to_le_bytes());
        out.extend_from_slice(record);
    }
    out
}

/// Reads the records of a segment without copying them.
#[derive(Debug, Clone)]
pub struct SegmentReader<'a> {
    rest: &'a [u8],
    remaining: u32,
}

impl<'a> SegmentReader<'a> {
    /// Checks the segment header; records are checked as they are read.
    pub fn new(segment: &'a [u8]) -> Result<Self, CodecError> {
        let (&format, rest) = segment.split_first().ok_or(CodecError::Empty)?;
        if format != SEGMENT_FORMAT_V1 {
            return Err(CodecError::UnknownFormat(format));
        }
        let (count, rest) = take_u32(rest)?;
        if count == 0 {
            return Err(CodecError::Truncated("segment holds no records".into()));
        }
        Ok(SegmentReader {
            rest,
            remaining: count,
        })
    }

    /// Number of records the segment declares.
    pub fn remaining(&self) -> u32 {
        self.remaining
    }

    /// The next record's bytes; `None` at the end. Errors if the segment is cut short or has
    /// bytes after its last record.
    pub fn next_record(&mut self) -> Result<Option<&'a [u8]>, CodecError> {
        if self.remaining == 0 {
            if !self.rest.is_empty() {
                return Err(CodecError::Malformed(format!(
                    "{} bytes after the last record of the segment",
                    self.rest.len()
                )));
            }
            return Ok(None);
        }
        let (len, rest) = take_u32(self.rest)?;
        let len = len as usize;
        if len > rest.len() || len > MAX_RECORD_BYTES {
            return Err(CodecError::Truncated(format!(
                "record claims {len} bytes, {} remain",
                rest.len()
            )));
        }
        let (record, rest) = rest.split_at(len);
        self.rest = rest;
        self.remaining -= 1;
        Ok(Some(record))
    }
}

fn take_u32(bytes: &[u8]) -> Result<(u32, &[u8]), CodecError> {
    let (head, rest) = bytes
        .split_at_checked(4)
        .ok_or_else(|| CodecError::Truncated("length field cut short".into()))?;
    let mut le = [0u8; 4];
    le.copy_from_slice(head);
    Ok((u32::from_le_bytes(le), rest))
}

/// Encodes a snapshot of any serializable state taken after event `seq` whose hash is
/// `hash`. The bytes carry their own SHA-256 so a damaged snapshot is detected, not loaded.
pub fn encode_snapshot<T: Serialize>(
    seq: u64,
    hash: &Hash,
    state: &T,
) -> Result<Vec<u8>, CodecError> {
    let mut out = std::io::Cursor::new(Vec::new());
    encode_snapshot_into(&mut out, seq, hash, state)?;
    Ok(out.into_inner())
}

/// [`encode_snapshot`] written into `out` as it is encoded, a buffer at a time, with the
/// payload's digest written into the header once the payload is through (hence the seek).
/// Returns the bytes written. A snapshot of a million volunteers is over a gigabyte: written
/// into its file this way it is never held in memory, and it is encoded once, not sized
/// first and then encoded again.
pub fn encode_snapshot_into<T: Serialize, W: std::io::Write + std::io::Seek + ?Sized>(
    out: &mut W,
    seq: u64,
    hash: &Hash,
    state: &T,
) -> Result<u64, CodecError> {
    encode_snapshot_on(out, seq, hash, None, state)
}

/// [`encode_snapshot_into`] for a snapshot that holds only what changed since the snapshot
/// at `base` ([`SNAPSHOT_FORMAT_DELTA`]), or a whole one when `base` is `None`.
pub fn encode_snapshot_on<T: Serialize, W: std::io::Write + std::io::Seek + ?Sized>(
    out: &mut W,
    seq: u64,
    hash: &Hash,
    base: Option<u64>,
    state: &T,
) -> Result<u64, CodecError> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| CodecError::Encode(format!("cannot write the snapshot: {e}"));
    let start = out.stream_position().map_err(io)?;
    let mut header = [0u8; SNAPSHOT_HEADER_LEN + 8];
    header[0] = SNAPSHOT_FORMAT_V1;
    header[1..9].copy_from_slice(&seq.to_be_bytes());
    header[9..SNAPSHOT_DIGEST_AT].copy_from_slice(&hash.0);
    let header_len = match base {
        None => SNAPSHOT_HEADER_LEN,
        Some(base) => {
            header[0] = SNAPSHOT_FORMAT_DELTA;
            header[SNAPSHOT_HEADER_LEN..].copy_from_slice(&base.to_be_bytes());
            SNAPSHOT_HEADER_LEN + 8
        }
    };
    // The digest's place stays zero until the payload is through.
    out.write_all(&header[..header_len]).map_err(io)?;
    let mut hashing = HashingWriter::new(&mut *out);
    encoding()
        .serialize_into(&mut hashing, state)
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    let (digest, payload) = hashing.finish().map_err(io)?;
    out.seek(SeekFrom::Start(start + SNAPSHOT_DIGEST_AT as u64))
        .map_err(io)?;
    out.write_all(&digest.0).map_err(io)?;
    let end = start + header_len as u64 + payload;
    out.seek(SeekFrom::Start(end)).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(end - start)
}

/// The seq of the snapshot a stored snapshot was written against, read from its first bytes
/// (`None` for a whole snapshot): what the pruning of old snapshots keeps, and what a start
/// reads first.
pub fn snapshot_base(mut reader: impl std::io::Read) -> Result<Option<u64>, CodecError> {
    let mut header = [0u8; SNAPSHOT_HEADER_LEN + 8];
    let cut = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            CodecError::Truncated(format!("snapshot header cut short: {e}"))
        }
        _ => CodecError::Read(format!("the snapshot's header: {e}")),
    };
    reader.read_exact(&mut header[..1]).map_err(cut)?;
    match header[0] {
        SNAPSHOT_FORMAT_V1 => Ok(None),
        SNAPSHOT_FORMAT_DELTA => {
            reader.read_exact(&mut header[1..]).map_err(cut)?;
            let mut base = [0u8; 8];
            base.copy_from_slice(&header[SNAPSHOT_HEADER_LEN..]);
            Ok(Some(u64::from_be_bytes(base)))
        }
        other => Err(CodecError::UnknownFormat(other)),
    }
}

/// A snapshot's header: the format byte, the seq, the hash of its event and the digest of
/// the payload that follows.
const SNAPSHOT_HEADER_LEN: usize = 1 + 8 + 32 + 32;

/// Where the payload's digest sits in a snapshot's header (after the format byte, the seq and
/// the event's hash).
const SNAPSHOT_DIGEST_AT: usize = 1 + 8 + 32;

/// A snapshot's payload written through a buffer of its own and hashed a buffer at a time
/// (the encoder writes a few bytes per field, hundreds of millions of fields at a province).
struct HashingWriter<W> {
    inner: W,
    buf: Vec<u8>,
    hasher: sha2::Sha256,
    written: u64,
}

impl<W: std::io::Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        use sha2::Digest as _;
        HashingWriter {
            inner,
            buf: Vec::with_capacity(crate::limits::SNAPSHOT_WRITE_BUFFER_BYTES),
            hasher: sha2::Sha256::new(),
            written: 0,
        }
    }

    /// Hashes and writes out what the buffer holds.
    fn drain(&mut self) -> std::io::Result<()> {
        use sha2::Digest as _;
        self.hasher.update(&self.buf);
        self.inner.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes out the rest, and gives the payload's digest and length.
    fn finish(mut self) -> std::io::Result<(Hash, u64)> {
        use sha2::Digest as _;
        self.drain()?;
        Ok((Hash(self.hasher.finalize().into()), self.written))
    }
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.buf.capacity() {
            self.drain()?;
        }
        if data.len() > self.buf.capacity() {
            // Larger than the buffer (a part of a map): hashed and written as it is.
            use sha2::Digest as _;
            self.hasher.update(data);
            self.inner.write_all(data)?;
            self.written += data.len() as u64;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.write(data).map(|_| ())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

/// Encodes one part of a snapshot's state on its own, with the snapshot's options: a map of
/// a million volunteers is stored as parts that a start decodes on several cores at once.
pub fn encode_part<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    encoding()
        .serialize(value)
        .map_err(|e| CodecError::Encode(e.to_string()))
}

/// Decodes a part written by [`encode_part`]; every byte must belong to it.
pub fn decode_part<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    options(bytes.len())
        .reject_trailing_bytes()
        .deserialize(bytes)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

/// A decoded snapshot.
#[derive(Debug)]
pub struct Snapshot<T> {
    /// The last event folded into the state.
    pub seq: u64,
    /// The snapshot this one was written against ([`SNAPSHOT_FORMAT_DELTA`]), if any.
    pub base: Option<u64>,
    /// That event's hash.
    pub hash: Hash,
    /// The state.
    pub state: T,
}

/// Decodes a snapshot written by [`encode_snapshot`], checking its checksum first.
pub fn decode_snapshot<T: DeserializeOwned>(bytes: &[u8]) -> Result<Snapshot<T>, CodecError> {
    let (&format, rest) = bytes.split_first().ok_or(CodecError::Empty)?;
    if format != SNAPSHOT_FORMAT_V1 && format != SNAPSHOT_FORMAT_DELTA {
        return Err(CodecError::UnknownFormat(format));
    }
    let cut = || CodecError::Truncated("snapshot header cut short".into());
    let (seq_bytes, rest) = rest.split_at_checked(8).ok_or_else(cut)?;
    let (hash_bytes, rest) = rest.split_at_checked(32).ok_or_else(cut)?;
    let (sum_bytes, mut payload) = rest.split_at_checked(32).ok_or_else(cut)?;
    let mut base = None;
    if format == SNAPSHOT_FORMAT_DELTA {
        let (base_bytes, rest) = payload.split_at_checked(8).ok_or_else(cut)?;
        let mut be = [0u8; 8];
        be.copy_from_slice(base_bytes);
        base = Some(u64::from_be_bytes(be));
        payload = rest;
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(seq_bytes);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(hash_bytes);
    if Hash::of(payload).0[..] != sum_bytes[..] {
        return Err(CodecError::Malformed(
            "snapshot checksum does not match".into(),
        ));
    }
    let state = options(payload.len())
        .reject_trailing_bytes()
        .deserialize(payload)
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    Ok(Snapshot {
        seq: u64::from_be_bytes(seq),
        base,
        hash: Hash(hash),
        state,
    })
}

/// A snapshot's payload read through a buffer of its own, hashed a buffer at a time as it
/// is read (not per field: a province's snapshot is hundreds of millions of fields).
struct HashingReader<R> {
    inner: R,
    buf: Vec<u8>,
    at: usize,
    filled: usize,
    hasher: sha2::Sha256,
    read: u64,
}

impl<R: std::io::Read> HashingReader<R> {
    /// Refills the buffer from the file once it is used up, hashing what was read.
    fn refill(&mut self) -> std::io::Result<()> {
        use sha2::Digest as _;
        if self.at == self.filled {
            self.filled = self.inner.read(&mut self.buf)?;
            self.at = 0;
            self.hasher.update(&self.buf[..self.filled]);
            self.read += self.filled as u64;
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.refill()?;
        let n = out.len().min(self.filled - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }

    /// The decoder reads most fields a few bytes at a time: served from the buffer at once.
    #[inline]
    fn read_exact(&mut self, out: &mut [u8]) -> std::io::Result<()> {
        if let Some(held) = self.buf.get(self.at..self.at + out.len()) {
            if self.at + out.len() <= self.filled {
                out.copy_from_slice(held);
                self.at += out.len();
                return Ok(());
            }
        }
        let mut out = out;
        while !out.is_empty() {
            match self.read(out)? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => out = &mut out[n..],
            }
        }
        Ok(())
    }
}

/// [`decode_snapshot`] from a reader of `len` bytes, decoded as it is read: a start never
/// holds a province's gigabyte of snapshot bytes beside the state they become. The checksum
/// is compared once the state is read; a state whose bytes do not match it is dropped, never
/// returned.
pub fn decode_snapshot_from<T: DeserializeOwned>(
    mut reader: impl std::io::Read,
    len: u64,
) -> Result<Snapshot<T>, CodecError> {
    use sha2::Digest as _;
    let cut = |e: std::io::Error| CodecError::Truncated(format!("snapshot header cut short: {e}"));
    let mut header = [0u8; SNAPSHOT_HEADER_LEN];
    if len == 0 {
        return Err(CodecError::Empty);
    }
    if len < header.len() as u64 {
        return Err(CodecError::Truncated(format!(
            "a snapshot of {len} bytes is shorter than its header"
        )));
    }
    reader.read_exact(&mut header).map_err(cut)?;
    let base = match header[0] {
        SNAPSHOT_FORMAT_V1 => None,
        SNAPSHOT_FORMAT_DELTA => {
            let mut be = [0u8; 8];
            reader.read_exact(&mut be).map_err(cut)?;
            Some(u64::from_be_bytes(be))
        }
        other => return Err(CodecError::UnknownFormat(other)),
    };
    let header_len = header.len() as u64 + if base.is_some() { 8 } else { 0 };
    let payload = len.checked_sub(header_len).ok_or_else(|| {
        CodecError::Truncated(format!(
            "a snapshot of {len} bytes is shorter than its header"
        ))
    })?;
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&header[1..9]);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&header[9..SNAPSHOT_DIGEST_AT]);
    let mut hashing = HashingReader {
        inner: reader,
        buf: vec![0; crate::limits::SNAPSHOT_READ_BUFFER_BYTES],
        at: 0,
        filled: 0,
        hasher: sha2::Sha256::new(),
        read: 0,
    };
    let state = options(usize::try_from(payload).unwrap_or(usize::MAX))
        .deserialize_from(&mut hashing)
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    // What the decoder left in the buffer, and anything after it, must be nothing.
    let trailing = if hashing.at < hashing.filled {
        hashing.filled - hashing.at
    } else {
        std::io::Read::read(&mut hashing, &mut [0u8; 1])
            .map_err(|e| CodecError::Truncated(format!("snapshot cut short: {e}")))?
    };
    if trailing != 0 {
        return Err(CodecError::Malformed(format!(
            "a snapshot of {len} bytes has bytes after its state"
        )));
    }
    if hashing.read != payload {
        return Err(CodecError::Malformed(format!(
            "a snapshot said to be {len} bytes long holds {} bytes",
            hashing.read + header_len
        )));
    }
    if hashing.hasher.finalize()[..] != header[SNAPSHOT_DIGEST_AT..] {
        return Err(CodecError::Malformed(
            "snapshot checksum does not match".into(),
        ));
    }
    Ok(Snapshot {
        seq: u64::from_be_bytes(seq),
        base,
        hash: Hash(hash),
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout a snapshot has always had, built the plain way: the header, the digest of
    /// the payload, the payload. Encoding in place must give the same bytes.
    #[test]
    fn a_snapshot_is_its_header_the_digest_of_its_payload_and_the_payload() {
        let state = (7u32, "银领共富".to_owned(), vec![1u64, 2, 300_000]);
        let hash = Hash([9; 32]);
        let payload = encoding().serialize(&state).unwrap_or_default();
        let mut expected = vec![SNAPSHOT_FORMAT_V1];
        expected.extend_from_slice(&42u64.to_be_bytes());
        expected.extend_from_slice(&hash.0);
        expected.extend_from_slice(&Hash::of(&payload).0);
        expected.extend_from_slice(&payload);
        assert!(!payload.is_empty());
        assert_eq!(encode_snapshot(42, &hash, &state).ok(), Some(expected));
    }

    /// Written into a file that already holds something, the snapshot starts where the file
    /// was, its digest lands in its own header, and the file is left at its end.
    #[test]
    fn a_snapshot_written_into_a_sink_is_the_same_bytes_wherever_it_starts() {
        use std::io::Seek as _;
        let state: Vec<String> = (0..200_000).map(|i| format!("志愿者{i}")).collect();
        let hash = Hash([5; 32]);
        let whole = encode_snapshot(8, &hash, &state).unwrap_or_default();
        assert!(whole.len() > 2 * crate::limits::SNAPSHOT_WRITE_BUFFER_BYTES);
        let mut sink = std::io::Cursor::new(b"before".to_vec());
        sink.seek(std::io::SeekFrom::End(0)).unwrap_or_default();
        let written = encode_snapshot_into(&mut sink, 8, &hash, &state).ok();
        assert_eq!(written, Some(whole.len() as u64));
        assert_eq!(sink.position(), 6 + whole.len() as u64);
        let bytes = sink.into_inner();
        assert_eq!(&bytes[..6], b"before");
        assert!(
            bytes[6..] == whole[..],
            "the same bytes after what was there"
        );
    }

    /// Writes of any size, around and above the buffer, hash and land as one stream would.
    #[test]
    fn the_hashing_writer_hashes_and_writes_every_byte_once_in_order() {
        use std::io::Write as _;
        let cap = crate::limits::SNAPSHOT_WRITE_BUFFER_BYTES;
        let sizes = [0, 1, 7, cap - 8, 3, cap, 2 * cap + 1, 5, cap - 5, 1];
        let mut expected = Vec::new();
        let mut out = Vec::new();
        let mut writer = HashingWriter::new(&mut out);
        for (i, size) in sizes.into_iter().enumerate() {
            let chunk: Vec<u8> = (0..size).map(|b| (b * 31 + i) as u8).collect();
            writer.write_all(&chunk).unwrap_or_default();
            expected.extend_from_slice(&chunk);
        }
        let (digest, len) = writer.finish().unwrap_or((Hash([0; 32]), 0));
        assert_eq!(len, expected.len() as u64);
        assert_eq!(digest, Hash::of(&expected));
        assert!(out == expected, "every byte, once, in order");
    }
}
