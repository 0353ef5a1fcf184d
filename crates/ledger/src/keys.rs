//! The keys of the log's sled tree (the table at the top of `store`): one place that
//! spells them, for the store that writes and reads them and the journal that applies its
//! records again at open.

use crate::envelope::StreamId;
use crate::log::{AppendBatch, IdempotencyEntry};

/// One key and value of a group commit's sled batch (and of its journal record).
pub(crate) type KeyValue = (Vec<u8>, Vec<u8>);

/// Segments: `e` + the first seq of a group commit, or of a piece of one
/// ([`segment_pieces`]).
pub(crate) const SEGMENT_PREFIX: u8 = b'e';
/// The stream index: `s` + stream + 0 + first version.
pub(crate) const STREAM_PREFIX: u8 = b's';
/// Idempotency keys: `i` + the client's key.
pub(crate) const IDEMPOTENCY_PREFIX: u8 = b'i';
/// In a journal record only: a personal-data key made for the commit, `K` + the volunteer's
/// id; an open puts it into the key store's tree, not the log's.
pub(crate) const KEY_STORE_PREFIX: u8 = b'K';
/// Snapshots an earlier build kept in the tree: `n` + seq.
pub(crate) const SNAPSHOT_PREFIX: u8 = b'n';

/// A commit's records cut into the segments they are stored as, in order: one segment, unless
/// the records pass [`SEGMENT_PIECE_BYTES`], then pieces of at most that many bytes each.
///
/// Why: sled writes a page over a quarter of its log segment (about 128 KiB) to a blob file
/// and counts it in its cache at the size of the pointer to it, so it never pages one out; a
/// leaf of its tree holds up to seventeen values. A log of large commits (an import, the demo,
/// a burst of writers) kept every segment the start's chain walk read in memory: 1.3 GB at
/// 5.7 M events (BENCHMARKS.md, "Segments cut into pieces"). Pieces keep a leaf under the
/// threshold; a record longer than a piece is a piece alone. A commit with a record over
/// [`SEGMENT_PIECE_RECORD_MAX`] stays one segment, as before: a piece must stay below
/// `SLED_BLOB_SAFE_BYTES`, from which a segment goes into sled alone with its blob file synced
/// before its index keys (`sled_writes`).
///
/// [`SEGMENT_PIECE_BYTES`]: crate::limits::SEGMENT_PIECE_BYTES
/// [`SEGMENT_PIECE_RECORD_MAX`]: crate::limits::SEGMENT_PIECE_RECORD_MAX
pub(crate) fn segment_pieces<'a, 'b>(records: &'b [&'a [u8]]) -> Vec<&'b [&'a [u8]]> {
    use crate::limits::{
        SEGMENT_PIECE_BYTES, SEGMENT_PIECE_RECORD_MAX, SEGMENT_RECORD_FRAME_BYTES,
    };
    let framed = |r: &[u8]| r.len() + SEGMENT_RECORD_FRAME_BYTES;
    if records.iter().any(|r| framed(r) > SEGMENT_PIECE_RECORD_MAX)
        || records.iter().map(|r| framed(r)).sum::<usize>() <= SEGMENT_PIECE_BYTES
    {
        return vec![records];
    }
    let mut pieces = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, r) in records.iter().enumerate() {
        if bytes > 0 && bytes + framed(r) > SEGMENT_PIECE_BYTES {
            pieces.push(&records[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += framed(r);
    }
    pieces.push(&records[start..]);
    pieces
}

/// Whether `key` is a segment's (a commit's, or a piece of one).
pub(crate) fn is_segment_key(key: &[u8]) -> bool {
    key.len() == 9 && key.first() == Some(&SEGMENT_PREFIX)
}

/// The key of the segment whose first event is `seq`.
pub(crate) fn segment_key(seq: u64) -> [u8; 9] {
    let mut key = [SEGMENT_PREFIX; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// The prefix every index entry of `stream` starts with.
pub(crate) fn stream_prefix(stream: &StreamId) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.as_str().len() + 10);
    key.push(STREAM_PREFIX);
    key.extend_from_slice(stream.as_str().as_bytes());
    key.push(0);
    key
}

/// The journal's name for the key-store entry of `id` (see [`KEY_STORE_PREFIX`]).
pub(crate) fn key_store_key(id: &crate::ids::VolunteerId) -> Vec<u8> {
    let mut key = Vec::with_capacity(17);
    key.push(KEY_STORE_PREFIX);
    key.extend_from_slice(id.0.as_bytes());
    key
}

/// The index entry of the run of `stream` starting at `first_version`.
pub(crate) fn stream_key(stream: &StreamId, first_version: u64) -> Vec<u8> {
    let mut key = stream_prefix(stream);
    key.extend_from_slice(&first_version.to_be_bytes());
    key
}

/// The value of a stream index entry: the run's first seq and its number of events.
pub(crate) fn stream_run_value(first_seq: u64, count: u32) -> Vec<u8> {
    let mut value = Vec::with_capacity(12);
    value.extend_from_slice(&first_seq.to_be_bytes());
    value.extend_from_slice(&count.to_be_bytes());
    value
}

/// The value of an idempotency key's entry: the command's first seq, its number of events
/// and the digest of the request.
pub(crate) fn idempotency_value(entry: &IdempotencyEntry) -> Vec<u8> {
    let mut value = Vec::with_capacity(44);
    value.extend_from_slice(&entry.first_seq.to_be_bytes());
    value.extend_from_slice(&entry.count.to_be_bytes());
    value.extend_from_slice(&entry.request_digest.0);
    value
}

/// The entry of a client's idempotency key.
pub(crate) fn idempotency_key(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 1);
    out.push(IDEMPOTENCY_PREFIX);
    out.extend_from_slice(key.as_bytes());
    out
}

/// A snapshot an earlier build kept in the tree.
pub(crate) fn snapshot_key(seq: u64) -> [u8; 9] {
    let mut key = [SNAPSHOT_PREFIX; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// The big-endian u64 at the start of `bytes`, if there are eight.
pub(crate) fn be_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// The big-endian u32 at the start of `bytes`, if there are four.
pub(crate) fn be_u32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?))
}

/// The sled writes of one group commit starting at `first_seq`: its segment, its stream
/// runs, its idempotency keys.
pub(crate) fn batch_writes(first_seq: u64, batch: &AppendBatch) -> Vec<KeyValue> {
    let records: Vec<&[u8]> = batch.events.iter().map(|s| s.record.as_slice()).collect();
    let pieces = segment_pieces(&records);
    let mut writes =
        Vec::with_capacity(pieces.len() + batch.stream_runs.len() + batch.idempotency.len());
    let mut seq = first_seq;
    for piece in pieces {
        let segment = crate::codec::encode_segment(piece.iter().copied());
        writes.push((segment_key(seq).to_vec(), segment));
        seq += piece.len() as u64;
    }
    for run in &batch.stream_runs {
        writes.push((
            stream_key(&run.stream, run.first_version),
            stream_run_value(run.first_seq, run.count),
        ));
    }
    for (key, entry) in &batch.idempotency {
        writes.push((idempotency_key(key), idempotency_value(entry)));
    }
    writes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{
        SEGMENT_PIECE_BYTES, SEGMENT_PIECE_RECORD_MAX, SEGMENT_RECORD_FRAME_BYTES,
    };

    fn framed(piece: &[&[u8]]) -> usize {
        piece
            .iter()
            .map(|r| r.len() + SEGMENT_RECORD_FRAME_BYTES)
            .sum()
    }

    #[test]
    fn a_commit_longer_than_a_piece_is_cut_in_order_and_a_short_one_is_not() {
        let record = vec![7u8; 300];
        let records: Vec<&[u8]> = (0..100).map(|_| record.as_slice()).collect();
        let pieces = segment_pieces(&records);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat(), records, "every record once, in order");
        assert!(pieces
            .iter()
            .all(|p| !p.is_empty() && framed(p) <= SEGMENT_PIECE_BYTES));
        // Each piece but the last is full: the next record would not have fitted.
        assert!(pieces[..pieces.len() - 1]
            .iter()
            .all(|p| framed(p) + 300 + SEGMENT_RECORD_FRAME_BYTES > SEGMENT_PIECE_BYTES));
        assert_eq!(segment_pieces(&records[..10]).len(), 1);
    }

    #[test]
    fn a_record_longer_than_a_piece_is_a_piece_alone_and_a_longer_one_keeps_the_commit_whole() {
        let short = vec![1u8; 100];
        let long = vec![2u8; SEGMENT_PIECE_BYTES];
        let records: Vec<&[u8]> = vec![&short, &long, &short];
        let pieces = segment_pieces(&records);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[1], [long.as_slice()]);
        let longest = vec![3u8; SEGMENT_PIECE_RECORD_MAX];
        let mut records: Vec<&[u8]> = vec![short.as_slice(); 200];
        records.push(&longest);
        assert_eq!(segment_pieces(&records), vec![records.as_slice()]);
    }
}
