//! The keys of the log's sled tree (the table at the top of `store`): one place that
//! spells them, for the store that writes and reads them and the journal that applies its
//! records again at open.

use crate::envelope::StreamId;
use crate::log::{AppendBatch, IdempotencyEntry};

/// One key and value of a group commit's sled batch (and of its journal record).
pub(crate) type KeyValue = (Vec<u8>, Vec<u8>);

/// Segments: `e` + the first seq of a group commit.
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
    let mut writes = Vec::with_capacity(1 + batch.stream_runs.len() + batch.idempotency.len());
    let segment = crate::codec::encode_segment(batch.events.iter().map(|s| s.record.as_slice()));
    writes.push((segment_key(first_seq).to_vec(), segment));
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
