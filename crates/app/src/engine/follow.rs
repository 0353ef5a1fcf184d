//! A read replica's fold of what another node appended: segments that continue the state,
//! or, when they do not, the log's own events past the state's head.

use std::time::{Duration, Instant};

use yinling_ledger::{Envelope, LedgerError};

use super::Engine;
use crate::limits::FOLLOW_CHUNK_EVENTS;

impl Engine {
    /// Folds segments another node appended (a read replica following the log). Returns the
    /// new head seq. Segments must continue the state's head; when they do not, or when none
    /// came while the log's index is ahead of the state (a catch-up that applied messages
    /// to the index and then failed, its segments lost), the events after the state's head
    /// are read back out of the log instead, so a replica never stays behind its own index.
    pub fn follow(&self, segments: &[yinling_ledger::log::Segment]) -> Result<u64, LedgerError> {
        let folded = self.read().head.seq;
        let continues = segments
            .first()
            .map_or(self.log.head().seq == folded, |s| s.first_seq == folded + 1);
        if !continues {
            return self.fold_from_log();
        }
        let mut envelopes = Vec::new();
        for segment in segments {
            let mut reader =
                yinling_ledger::codec::SegmentReader::new(&segment.bytes).map_err(|e| {
                    LedgerError::Corrupt {
                        seq: segment.first_seq,
                        detail: e.to_string(),
                    }
                })?;
            while let Some(record) = reader.next_record().map_err(|e| LedgerError::Corrupt {
                seq: segment.first_seq,
                detail: e.to_string(),
            })? {
                let envelope = yinling_ledger::codec::decode_record(record).map_err(|e| {
                    LedgerError::Corrupt {
                        seq: segment.first_seq,
                        detail: e.to_string(),
                    }
                })?;
                envelopes.push(envelope);
            }
        }
        self.fold_followed(&envelopes)
    }

    /// Reads every event after the state's head out of the log and folds it, in chunks.
    fn fold_from_log(&self) -> Result<u64, LedgerError> {
        let head = self.read().head;
        let mut chunk = Vec::with_capacity(FOLLOW_CHUNK_EVENTS);
        let mut folded = head.seq;
        for envelope in yinling_ledger::log::EnvelopeIter::checked(&*self.log, head) {
            chunk.push(envelope?);
            if chunk.len() == FOLLOW_CHUNK_EVENTS {
                folded = self.fold_followed(&chunk)?;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            folded = self.fold_followed(&chunk)?;
        }
        if folded > head.seq {
            tracing::info!(
                from = head.seq,
                to = folded,
                "folded the log's events past the state's head"
            );
        } else {
            tracing::debug!(
                at = head.seq,
                "segments that did not continue the state held nothing new"
            );
        }
        Ok(folded)
    }

    /// Folds events that continue the state's head.
    fn fold_followed(&self, envelopes: &[Envelope]) -> Result<u64, LedgerError> {
        let mut state = self.shared.write().unwrap_or_else(|p| p.into_inner());
        if let Some(first) = envelopes.first() {
            if first.seq != state.head.seq + 1 || first.prev_hash != state.head.hash {
                return Err(LedgerError::Corrupt {
                    seq: first.seq,
                    detail: format!(
                        "does not continue the folded state (head {})",
                        state.head.seq
                    ),
                });
            }
        }
        state.apply_all(envelopes);
        self.tree.extend(envelopes);
        if let Err(e) = crate::privacy::destroy_erased(state.keys.0.as_ref(), envelopes) {
            tracing::error!(error = %e, "an erased volunteer's key could not be destroyed yet");
        }
        if crate::privacy::any_erased(envelopes) {
            self.erasures
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.metrics.head_seq.set(state.head.seq as i64);
        Ok(state.head.seq)
    }

    /// Waits until the state has folded `seq` (read-your-writes on a replica); false if
    /// `timeout` passed first.
    pub async fn wait_for(&self, seq: u64, timeout: Duration) -> bool {
        let started = Instant::now();
        loop {
            if self.read().head.seq >= seq {
                return true;
            }
            if started.elapsed() >= timeout {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}
