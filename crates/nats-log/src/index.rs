//! What a node knows of the log: its head, and the stream and idempotency indexes rebuilt
//! from the messages' index headers as they are read.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use yinling_ledger::chain::ChainCheck;
use yinling_ledger::codec::SegmentReader;
use yinling_ledger::log::{IdempotencyEntry, Segment, SegmentBytes};
use yinling_ledger::{Hash, Head, LedgerError, StreamId};

use crate::message::decode_message;

/// What this node knows of the log.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) head: Head,
    /// The stream sequence of the last message applied.
    pub(crate) last_msg: u64,
    /// First event seq of each message -> its stream sequence.
    pub(crate) messages: BTreeMap<u64, u64>,
    /// Stream -> runs (first version, first seq, count), in version order.
    pub(crate) streams: HashMap<StreamId, Vec<(u64, u64, u32)>>,
    pub(crate) idempotency: HashMap<String, IdempotencyEntry>,
}

impl Index {
    /// Takes in one message after checking that its records continue the chain; returns the
    /// segment it carried.
    pub(crate) fn apply(&mut self, msg_seq: u64, payload: Bytes) -> Result<Segment, LedgerError> {
        let decoded = decode_message(payload, msg_seq).map_err(|detail| LedgerError::Corrupt {
            seq: self.head.seq + 1,
            detail,
        })?;
        let first_seq = self.head.seq + 1;
        let mut check = ChainCheck::after(self.head);
        let mut reader =
            SegmentReader::new(&decoded.segment).map_err(|e| LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq}: {e}"),
            })?;
        while let Some(record) = reader.next_record().map_err(|e| LedgerError::Corrupt {
            seq: check.head().seq + 1,
            detail: format!("message {msg_seq}: {e}"),
        })? {
            check.check_hash(record).map_err(|b| LedgerError::Corrupt {
                seq: b.seq,
                detail: b.detail,
            })?;
        }
        let head = check.head();
        if head.seq < first_seq {
            return Err(LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq} holds no event"),
            });
        }
        // Every run checked before any is kept: a malformed one leaves none of the message's
        // in the index. A run of no events, from version 0, or past the largest number is
        // damage: the reads that count along a run must not wrap.
        let malformed = decoded
            .index
            .runs
            .iter()
            .find(|(_, first_version, seq, count)| {
                let n = u64::from(*count);
                *count == 0
                    || *first_version == 0
                    || first_version.checked_add(n).is_none()
                    || seq.checked_add(n).is_none()
            });
        if let Some((stream, ..)) = malformed {
            return Err(LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq} holds a malformed index run of {stream}"),
            });
        }
        for (stream, first_version, seq, count) in decoded.index.runs {
            self.streams
                .entry(stream)
                .or_default()
                .push((first_version, seq, count));
        }
        for (key, seq, count, digest) in decoded.index.idempotency {
            self.idempotency.insert(
                key,
                IdempotencyEntry {
                    first_seq: seq,
                    count,
                    request_digest: Hash(digest),
                },
            );
        }
        self.messages.insert(first_seq, msg_seq);
        self.head = head;
        self.last_msg = msg_seq;
        Ok(Segment {
            first_seq,
            bytes: SegmentBytes::new(decoded.segment),
        })
    }
}
