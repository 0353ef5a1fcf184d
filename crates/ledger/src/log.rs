//! The narrow interface every log engine implements, and what is built on it once for all
//! engines: envelope iteration and chain verification.
//!
//! Nothing outside this crate sees a storage engine's types: the sled store today, a
//! replicated engine tomorrow, both behind [`EventLog`].

use std::ops::Deref;
use std::sync::Arc;

use crate::chain::{Broken, ChainCheck, Sealed};
use crate::codec::{self, SegmentReader};
use crate::digest::Hash;
use crate::envelope::{Envelope, Head, StreamId};
use crate::error::LedgerError;

/// The bytes of one stored segment (the records made durable by one group commit).
#[derive(Clone)]
pub struct SegmentBytes(Arc<dyn AsRef<[u8]> + Send + Sync>);

impl SegmentBytes {
    /// Wraps bytes owned by any engine.
    pub fn new(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Self {
        SegmentBytes(Arc::new(bytes))
    }
}

impl Deref for SegmentBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

/// A stored segment and the seq of its first record.
#[derive(Clone)]
pub struct Segment {
    /// Seq of the first record.
    pub first_seq: u64,
    /// The encoded segment.
    pub bytes: SegmentBytes,
}

/// Events of one stream appended by one command: contiguous seqs and versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRun {
    /// The stream.
    pub stream: StreamId,
    /// Version of the first event of the run.
    pub first_version: u64,
    /// Seq of the first event of the run.
    pub first_seq: u64,
    /// Number of events.
    pub count: u32,
}

/// What an idempotency key points at: the events its command appended, and a digest of the
/// request so a reuse of the key for a different request can be told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyEntry {
    /// Seq of the command's first event.
    pub first_seq: u64,
    /// Number of events it appended (0 for a command that changed nothing).
    pub count: u32,
    /// Digest of the request as the caller defines it (e.g. method, path and body).
    pub request_digest: Hash,
}

/// One atomic append: the sealed records of a group commit and their index entries.
#[derive(Clone, Debug, Default)]
pub struct AppendBatch {
    /// The head this batch was sealed after; the append fails if the log moved.
    pub expected_head: Head,
    /// Sealed events in seq order, continuing `expected_head`.
    pub events: Vec<Sealed>,
    /// Stream index entries.
    pub stream_runs: Vec<StreamRun>,
    /// Idempotency index entries.
    pub idempotency: Vec<(String, IdempotencyEntry)>,
}

/// The event log. Appends are atomic and durable when they return; reads never block them
/// for long. Implementations must never hand out a record they did not check to be whole.
pub trait EventLog: Send + Sync + 'static {
    /// The last durable event.
    fn head(&self) -> Head;

    /// Appends a batch atomically (all or nothing) and durably (flushed) before returning.
    fn append(&self, batch: &AppendBatch) -> Result<Head, LedgerError>;

    /// Segments in order, starting with the one that holds `after + 1`.
    fn segments(
        &self,
        after: u64,
    ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_>;

    /// The current version of a stream (0 when it has no events).
    fn stream_version(&self, stream: &StreamId) -> Result<u64, LedgerError>;

    /// The seqs of a stream's events with version > `after_version`, at most `limit`.
    fn stream_seqs(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, LedgerError>;

    /// Looks up an idempotency key.
    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyEntry>, LedgerError>;

    /// Stores a snapshot taken after `seq` (durably), written by `write` into the sink it is
    /// given, and removes those [`snapshots_to_prune`] names. A snapshot is only listed once
    /// `write` returned and what it wrote is synced; when `write` fails, nothing is stored.
    /// The snapshot is encoded straight into its file: a province's is over a gigabyte.
    fn put_snapshot_with(&self, seq: u64, write: SnapshotWrite<'_>) -> Result<(), LedgerError>;

    /// [`EventLog::put_snapshot_with`] for a snapshot already in memory (a backup's copy).
    fn put_snapshot(&self, seq: u64, bytes: &[u8]) -> Result<(), LedgerError> {
        self.put_snapshot_with(seq, &mut |sink| {
            std::io::Write::write_all(sink, bytes)
                .map_err(|e| LedgerError::Storage(format!("cannot write a snapshot: {e}")))
        })
    }

    /// Seqs of stored snapshots, newest first.
    fn snapshot_seqs(&self) -> Result<Vec<u64>, LedgerError>;

    /// A stored snapshot's bytes.
    fn snapshot(&self, seq: u64) -> Result<Option<Vec<u8>>, LedgerError>;

    /// A stored snapshot as a reader, with its length in bytes: a province's snapshot is over
    /// a gigabyte, and a start decodes it as it reads it. By default, [`EventLog::snapshot`]'s
    /// bytes.
    fn snapshot_reader(&self, seq: u64) -> Result<Option<SnapshotReader>, LedgerError> {
        Ok(self.snapshot(seq)?.map(in_memory))
    }

    /// The snapshot the one at `seq` was written against, read from its header alone: `None`
    /// for a whole one, one not stored, or one whose header is not a snapshot's; an error
    /// when it cannot be opened or read (see [`snapshots_to_remove`]: a snapshot of changes
    /// taken for a whole one would let its base be pruned).
    fn snapshot_base(&self, seq: u64) -> Result<Option<u64>, LedgerError> {
        let Some((reader, _)) = self.snapshot_reader(seq)? else {
            return Ok(None);
        };
        match crate::codec::snapshot_base(reader) {
            Ok(base) => Ok(base),
            Err(crate::codec::CodecError::Read(e)) => Err(LedgerError::Storage(format!(
                "cannot read the snapshot at {seq}: {e}"
            ))),
            Err(_) => Ok(None),
        }
    }

    /// The key store beside the log: the volunteers' data keys (see [`crate::personal`]).
    fn keyring(&self) -> Result<crate::personal::SharedKeyring, LedgerError>;
}

/// Where a snapshot is written as it is encoded: a file being written, which can seek back
/// to put the payload's digest into the header once the payload is through.
pub trait SnapshotSink: std::io::Write + std::io::Seek {}

impl<T: std::io::Write + std::io::Seek> SnapshotSink for T {}

/// What writes a snapshot into its sink, given to [`EventLog::put_snapshot_with`].
pub type SnapshotWrite<'a> = &'a mut dyn FnMut(&mut dyn SnapshotSink) -> Result<(), LedgerError>;

/// A stored snapshot being read, and its length in bytes.
pub type SnapshotReader = (Box<dyn std::io::Read + Send>, u64);

/// A snapshot already in memory, read as a [`SnapshotReader`].
pub fn in_memory(bytes: Vec<u8>) -> SnapshotReader {
    let len = bytes.len() as u64;
    (Box::new(std::io::Cursor::new(bytes)), len)
}

/// Iterates envelopes after a seq, decoding lazily; never holds more than one segment.
///
/// With [`EnvelopeIter::checked`] every record is also checked against the hash chain, so a
/// replay that starts from a trusted point cannot fold a damaged event.
pub struct EnvelopeIter<'a> {
    segments: Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + 'a>,
    current: Option<OpenSegment>,
    after: u64,
    check: Option<ChainCheck>,
    done: bool,
}

/// A segment being read: its bytes, the bounds of its records, and the next one to yield.
struct OpenSegment {
    segment: Segment,
    bounds: Vec<(usize, usize)>,
    next: usize,
}

impl OpenSegment {
    fn open(segment: Segment) -> Result<Self, LedgerError> {
        let corrupt = |e: codec::CodecError| LedgerError::Corrupt {
            seq: segment.first_seq,
            detail: format!("segment unreadable: {e}"),
        };
        let base = segment.bytes.as_ptr() as usize;
        let mut reader = SegmentReader::new(&segment.bytes[..]).map_err(corrupt)?;
        // The count is read from disk: a damaged one must not ask for gigabytes (every record
        // takes at least its four-byte length).
        let mut bounds =
            Vec::with_capacity((reader.remaining() as usize).min(segment.bytes.len() / 4));
        while let Some(record) = reader.next_record().map_err(corrupt)? {
            let start = record.as_ptr() as usize - base;
            bounds.push((start, start + record.len()));
        }
        Ok(OpenSegment {
            segment,
            bounds,
            next: 0,
        })
    }
}

impl<'a> EnvelopeIter<'a> {
    /// Envelopes with seq > `after`, unchecked against the chain (each still decodes).
    pub fn new(log: &'a dyn EventLog, after: u64) -> Self {
        EnvelopeIter {
            segments: log.segments(after),
            current: None,
            after,
            check: None,
            done: false,
        }
    }

    /// Envelopes after `trusted`, each checked to link to the one before.
    pub fn checked(log: &'a dyn EventLog, trusted: Head) -> Self {
        let mut iter = Self::new(log, trusted.seq);
        iter.check = Some(ChainCheck::after(trusted));
        iter
    }

    fn next_inner(&mut self) -> Result<Option<Envelope>, LedgerError> {
        loop {
            let open = match self.current.as_mut() {
                Some(open) if open.next < open.bounds.len() => open,
                _ => match self.segments.next() {
                    None => return Ok(None),
                    Some(segment) => {
                        self.current = Some(OpenSegment::open(segment?)?);
                        continue;
                    }
                },
            };
            let seq = open.segment.first_seq + open.next as u64;
            let (start, end) = open.bounds[open.next];
            open.next += 1;
            if seq <= self.after {
                continue;
            }
            let record = &open.segment.bytes[start..end];
            let envelope = match self.check.as_mut() {
                Some(check) => check.check_full(record).map_err(broken)?,
                None => {
                    let envelope =
                        codec::decode_record(record).map_err(|e| LedgerError::Corrupt {
                            seq,
                            detail: format!("does not decode: {e}"),
                        })?;
                    if envelope.seq != seq {
                        return Err(LedgerError::Corrupt {
                            seq,
                            detail: format!("record says seq {}", envelope.seq),
                        });
                    }
                    envelope
                }
            };
            return Ok(Some(envelope));
        }
    }
}

fn broken(b: Broken) -> LedgerError {
    LedgerError::Corrupt {
        seq: b.seq,
        detail: b.detail,
    }
}

impl Iterator for EnvelopeIter<'_> {
    type Item = Result<Envelope, LedgerError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_inner() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Reads up to `limit` envelopes with seq > `after`.
pub fn read(log: &dyn EventLog, after: u64, limit: usize) -> Result<Vec<Envelope>, LedgerError> {
    let mut out = Vec::new();
    read_into(log, after, limit, &mut out)?;
    Ok(out)
}

/// [`read`] into a vector the caller sized: one that knows how many events to expect (the
/// notices, a thousand at a time) asks for its memory once, instead of the vector doubling
/// through five ever larger blocks a read, each fresh memory the kernel zeroes.
pub fn read_into(
    log: &dyn EventLog,
    after: u64,
    limit: usize,
    out: &mut Vec<Envelope>,
) -> Result<(), LedgerError> {
    for envelope in EnvelopeIter::new(log, after).take(limit) {
        out.push(envelope?);
    }
    Ok(())
}

/// Reads the envelopes with seqs `first..first + count`.
pub fn read_range(
    log: &dyn EventLog,
    first: u64,
    count: u32,
) -> Result<Vec<Envelope>, LedgerError> {
    if count == 0 || first == 0 {
        return Ok(Vec::new());
    }
    let out = read(log, first - 1, count as usize)?;
    if out.len() != count as usize {
        return Err(LedgerError::Corrupt {
            seq: first + out.len() as u64,
            detail: "an event the index points to is missing".into(),
        });
    }
    Ok(out)
}

/// Reads one event by seq.
pub fn get(log: &dyn EventLog, seq: u64) -> Result<Option<Envelope>, LedgerError> {
    if seq == 0 {
        return Ok(None);
    }
    Ok(read(log, seq - 1, 1)?.into_iter().next())
}

/// Reads up to `limit` events of a stream with version > `after_version`.
pub fn read_stream(
    log: &dyn EventLog,
    stream: &StreamId,
    after_version: u64,
    limit: usize,
) -> Result<Vec<Envelope>, LedgerError> {
    let seqs = log.stream_seqs(stream, after_version, limit)?;
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        match get(log, seq)? {
            Some(e) => out.push(e),
            None => {
                return Err(LedgerError::Corrupt {
                    seq,
                    detail: format!("stream {stream} points to a missing event"),
                })
            }
        }
    }
    Ok(out)
}

/// How thoroughly to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyDepth {
    /// Check every hash link and segment placement (fast: no decoding).
    Hashes,
    /// Also decode every record and check its seq and prev_hash fields.
    Full,
}

impl VerifyDepth {
    /// The next record checked after the one `check` accepted, as deep as this says: the
    /// walk of one thread and each worker of the spread walk (`walk`) check so, and name
    /// damage in the same words.
    pub(crate) fn check(self, check: &mut ChainCheck, record: &[u8]) -> Result<Head, Broken> {
        match self {
            VerifyDepth::Hashes => check.check_hash(record),
            VerifyDepth::Full => check.check_full(record).map(|e| Head {
                seq: e.seq,
                hash: e.hash,
            }),
        }
    }
}

/// The result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The last event that verified.
    pub verified: Head,
    /// The head the log claims.
    pub claimed: Head,
    /// The first damaged event, if any.
    pub first_bad: Option<Broken>,
}

impl VerifyReport {
    /// True when every event verified up to the claimed head.
    pub fn is_ok(&self) -> bool {
        self.first_bad.is_none() && self.verified == self.claimed
    }
}

/// Walks the whole chain from seq 1, calling `progress` with the last verified seq after
/// every segment. Stops at the first damaged event and names it.
pub fn verify(
    log: &dyn EventLog,
    depth: VerifyDepth,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, LedgerError> {
    verify_each(log, depth, progress, &mut |_| {})
}

/// [`verify`], also calling `each` with every verified event's seq and hash, in order (what
/// the Merkle tree over the log is built from at start).
pub fn verify_each(
    log: &dyn EventLog,
    depth: VerifyDepth,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(&Head),
) -> Result<VerifyReport, LedgerError> {
    verify_segments(log.head(), log.segments(0), depth, progress, each)
}

/// [`verify_each`] over segments from any source, from the first, against the head the log
/// `claimed` when the walk began: the embedded log read in rounds, each through a handle of
/// its own (`SegmentsInRounds`, so that a province's walk does not hold every segment it read
/// in sled's memory), is verified so.
pub fn verify_segments<'a>(
    claimed: Head,
    segments: impl Iterator<Item = Result<Segment, LedgerError>> + 'a,
    depth: VerifyDepth,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(&Head),
) -> Result<VerifyReport, LedgerError> {
    let mut check = ChainCheck::after(Head::default());
    let mut first_bad = None;
    'segments: for segment in segments {
        let segment = match segment {
            Ok(s) => s,
            Err(LedgerError::Corrupt { seq, detail }) => {
                first_bad = Some(Broken { seq, detail });
                break;
            }
            Err(e) => return Err(e),
        };
        let expected_first = check.head().seq + 1;
        if segment.first_seq != expected_first {
            first_bad = Some(Broken::missing(expected_first, segment.first_seq));
            break;
        }
        let mut reader = match SegmentReader::new(&segment.bytes[..]) {
            Ok(r) => r,
            Err(e) => {
                first_bad = Some(Broken::unreadable(expected_first, &e));
                break;
            }
        };
        loop {
            let record = match reader.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    first_bad = Some(Broken::unreadable(check.head().seq + 1, &e));
                    break 'segments;
                }
            };
            match depth.check(&mut check, record) {
                Ok(head) => each(&head),
                Err(b) => {
                    first_bad = Some(b);
                    break 'segments;
                }
            }
        }
        progress(check.head().seq);
    }
    let verified = check.head();
    Ok(VerifyReport {
        verified,
        claimed,
        first_bad: first_bad.or_else(|| Broken::short_of(claimed, verified)),
    })
}

/// The stored snapshots of `log` to remove now: [`snapshots_to_prune`], each one's base read
/// from its header. None when some header cannot be read: a snapshot of changes must not lose
/// its base to a passing error (the next snapshot prunes again).
pub fn snapshots_to_remove<L: EventLog + ?Sized>(log: &L) -> Result<Vec<u64>, LedgerError> {
    let stored = log.snapshot_seqs()?;
    let mut bases = std::collections::HashMap::new();
    for &seq in &stored {
        match log.snapshot_base(seq) {
            Ok(base) => {
                bases.insert(seq, base);
            }
            Err(e) => {
                tracing::warn!(seq, error = %e, "a snapshot's header cannot be read; no snapshot is pruned this time");
                return Ok(Vec::new());
            }
        }
    }
    Ok(snapshots_to_prune(&stored, &|seq| {
        bases.get(&seq).copied().flatten()
    }))
}

/// The snapshots to remove, given the stored seqs newest first: the newest
/// [`crate::limits::SNAPSHOTS_KEPT`] stay, and of the older ones the oldest at each
/// power-of-two distance from the newest snapshot (a ladder: a question about the past still
/// starts from a snapshot near its point, and a log keeps about log2 of its length of them,
/// not one per interval). The oldest of a rung is the one kept, so the ladder's far end stays
/// where it is as the log grows and newer snapshots climb into its rungs. A snapshot that a
/// kept one was written against (`base_of`, see [`crate::codec::SNAPSHOT_FORMAT_DELTA`]) is
/// kept with it.
pub fn snapshots_to_prune(newest_first: &[u64], base_of: &dyn Fn(u64) -> Option<u64>) -> Vec<u64> {
    let Some(&newest) = newest_first.first() else {
        return Vec::new();
    };
    let mut rungs = std::collections::HashSet::new();
    let mut pruned: Vec<u64> = newest_first
        .iter()
        .skip(crate::limits::SNAPSHOTS_KEPT)
        .rev()
        .filter(|seq| !rungs.insert(u64::BITS - newest.saturating_sub(**seq).leading_zeros()))
        .copied()
        .collect();
    let needed: std::collections::HashSet<u64> = newest_first
        .iter()
        .filter(|seq| !pruned.contains(seq))
        .filter_map(|seq| base_of(*seq))
        .collect();
    pruned.retain(|seq| !needed.contains(seq));
    pruned.reverse();
    pruned
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment's record count is read from disk: a damaged one is a `Corrupt` error naming
    /// the seq, not a request for gigabytes that aborts the process.
    #[test]
    fn a_segment_whose_count_is_damaged_is_refused_without_asking_for_its_memory() {
        let mut bytes = codec::encode_segment([b"one record".as_slice()].into_iter());
        bytes[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        let opened = OpenSegment::open(Segment {
            first_seq: 7,
            bytes: SegmentBytes::new(bytes),
        });
        assert!(
            matches!(opened, Err(LedgerError::Corrupt { seq: 7, .. })),
            "{:?}",
            opened.err()
        );
    }
}
