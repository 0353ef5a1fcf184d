//! Following the stream as a read replica: an ordered consumer delivers messages as they
//! are stored, without a round trip each.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use yinling_ledger::log::Segment;
use yinling_ledger::LedgerError;

use crate::limits::{FOLLOW_BATCH, FOLLOW_BATCH_BYTES};
use crate::{lock, NatsLog};

/// A live feed of the stream for a read replica.
pub struct Follower {
    /// `Some` until dropped.
    pub(crate) messages:
        Option<Arc<tokio::sync::Mutex<async_nats::jetstream::consumer::pull::Ordered>>>,
    pub(crate) handle: tokio::runtime::Handle,
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _inside = self.handle.enter();
        self.messages.take();
    }
}

impl Follower {
    /// Waits up to `wait` for a first message, then takes what else is already here (up to
    /// [`FOLLOW_BATCH`] messages or [`FOLLOW_BATCH_BYTES`]): (stream sequence, payload) in
    /// order.
    pub(crate) fn take(
        &self,
        log: &NatsLog,
        wait: Duration,
    ) -> Result<Vec<(u64, Bytes)>, LedgerError> {
        let Some(messages) = self.messages.clone() else {
            return Ok(Vec::new());
        };
        log.run(async move {
            use futures_util::StreamExt;
            let mut feed = messages.lock().await;
            let mut out = Vec::new();
            let mut first = true;
            let mut bytes = 0;
            while out.len() < FOLLOW_BATCH && bytes < FOLLOW_BATCH_BYTES {
                // After the first message, take only what is already here: a replica should
                // fold what arrived now rather than wait to fill a batch.
                let limit = if first { wait } else { Duration::ZERO };
                first = false;
                match tokio::time::timeout(limit, feed.next()).await {
                    Ok(Some(Ok(m))) => {
                        let Ok(info) = m.info() else { continue };
                        let seq = info.stream_sequence;
                        bytes += m.message.payload.len();
                        out.push((seq, m.message.payload.clone()));
                    }
                    Ok(Some(Err(_))) | Ok(None) | Err(_) => break,
                }
            }
            out
        })
    }

    /// Waits up to `wait` for new messages, applies them in order (checking the chain), and
    /// returns their segments. A gap in what the consumer delivered is filled by reading the
    /// stream directly.
    pub fn next_batch(&self, log: &NatsLog, wait: Duration) -> Result<Vec<Segment>, LedgerError> {
        let received = self.take(log, wait)?;
        let mut segments = Vec::new();
        for (seq, payload) in received {
            let last = lock(&log.index).last_msg;
            if seq <= last {
                continue;
            }
            if seq > last + 1 {
                segments.extend(log.catch_up()?);
                if seq <= lock(&log.index).last_msg {
                    continue;
                }
            }
            segments.push(lock(&log.index).apply(seq, payload)?);
        }
        Ok(segments)
    }
}
