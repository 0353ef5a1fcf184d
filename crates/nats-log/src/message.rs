//! One group commit as one JetStream message: a marker, the commit's index (stream runs and
//! idempotency keys) and the segment exactly as the ledger's codec writes it for sled.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use yinling_ledger::codec;
use yinling_ledger::log::{AppendBatch, Segment, SegmentBytes};
use yinling_ledger::{LedgerError, StreamId};

/// Marks a message written by this engine (and the version of its layout).
pub(crate) const MAGIC: &[u8; 4] = b"YLN1";

/// The index part of a message: what sled keeps in its index trees.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct IndexHeader {
    pub(crate) runs: Vec<(StreamId, u64, u64, u32)>,
    pub(crate) idempotency: Vec<(String, u64, u32, [u8; 32])>,
}

/// One message taken apart.
pub(crate) struct Decoded {
    pub(crate) index: IndexHeader,
    pub(crate) segment: Bytes,
}

pub(crate) fn encode_message(batch: &AppendBatch) -> Result<Vec<u8>, LedgerError> {
    let index = IndexHeader {
        runs: batch
            .stream_runs
            .iter()
            .map(|r| (r.stream.clone(), r.first_version, r.first_seq, r.count))
            .collect(),
        idempotency: batch
            .idempotency
            .iter()
            .map(|(k, e)| (k.clone(), e.first_seq, e.count, e.request_digest.0))
            .collect(),
    };
    let index = bincode::serialize(&index)
        .map_err(|e| LedgerError::Storage(format!("cannot encode a commit's index: {e}")))?;
    let index_len = u32::try_from(index.len())
        .map_err(|_| LedgerError::Storage("a commit's index is larger than 4 GiB".into()))?;
    let segment = codec::encode_segment(batch.events.iter().map(|s| s.record.as_slice()));
    let mut out = Vec::with_capacity(8 + index.len() + segment.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&index_len.to_le_bytes());
    out.extend_from_slice(&index);
    out.extend_from_slice(&segment);
    Ok(out)
}

pub(crate) fn decode_message(payload: Bytes, msg_seq: u64) -> Result<Decoded, String> {
    if payload.get(..4) != Some(&MAGIC[..]) || payload.get(4..8).is_none() {
        return Err(format!(
            "message {msg_seq} of the stream was not written by Yinling (no {} marker)",
            String::from_utf8_lossy(MAGIC)
        ));
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&payload[4..8]);
    let index_len = u32::from_le_bytes(len) as usize;
    let end = 8usize
        .checked_add(index_len)
        .filter(|e| *e <= payload.len())
        .ok_or_else(|| format!("message {msg_seq}: index runs past the end"))?;
    let index: IndexHeader = bincode::deserialize(&payload[8..end])
        .map_err(|e| format!("message {msg_seq}: index does not decode: {e}"))?;
    Ok(Decoded {
        index,
        segment: payload.slice(end..),
    })
}

/// The segment a message carries.
pub(crate) fn segment_of(
    first_seq: u64,
    msg_seq: u64,
    payload: Bytes,
) -> Result<Segment, LedgerError> {
    let decoded = decode_message(payload, msg_seq).map_err(|detail| LedgerError::Corrupt {
        seq: first_seq,
        detail,
    })?;
    Ok(Segment {
        first_seq,
        bytes: SegmentBytes::new(decoded.segment),
    })
}
