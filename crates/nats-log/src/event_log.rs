//! The ledger's [`EventLog`] trait on JetStream: appends fenced by the expected last
//! sequence, reads through the in-memory index, snapshots in a local directory.

use std::time::Duration;

use async_nats::jetstream::{self, context::Publish};
use bytes::Bytes;
use yinling_ledger::log::{AppendBatch, IdempotencyEntry, Segment};
use yinling_ledger::{EventLog, Head, LedgerError, StreamId};

use crate::limits::{BULK_READ_FROM, READ_RETRY_FOR};
use crate::message::{encode_message, segment_of};
use crate::{lock, storage, NatsLog};

impl EventLog for NatsLog {
    fn keyring(&self) -> Result<yinling_ledger::personal::SharedKeyring, LedgerError> {
        let keys = crate::lease::LeaseBucket::open(self)?.keyring()?;
        Ok(std::sync::Arc::new(keys))
    }

    fn head(&self) -> Head {
        lock(&self.index).head
    }

    fn append(&self, batch: &AppendBatch) -> Result<Head, LedgerError> {
        let _one_at_a_time = lock(&self.appending);
        let (head, last_msg) = {
            let index = lock(&self.index);
            (index.head, index.last_msg)
        };
        if head != batch.expected_head {
            return Err(LedgerError::HeadMoved {
                expected: batch.expected_head.seq,
                actual: head.seq,
            });
        }
        let Some(first) = batch.events.first() else {
            return Ok(head);
        };
        let payload = Bytes::from(encode_message(batch)?);
        let msg_id = format!("{}-{}", first.envelope.seq, first.envelope.hash);
        let js = self.js.clone();
        let stream = self.stream.clone();
        let subject = self.config.subject();
        let body = payload.clone();
        let outcome = self.run(async move {
            let started = tokio::time::Instant::now();
            loop {
                let publish = Publish::build()
                    .payload(body.clone())
                    .message_id(&msg_id)
                    .expected_last_sequence(last_msg);
                let attempt = async {
                    js.send_publish(subject.clone(), publish)
                        .await
                        .map_err(|e| (e.kind(), e.to_string()))?
                        .await
                        .map_err(|e| (e.kind(), e.to_string()))
                };
                match attempt.await {
                    Ok(ack) => return Ok(ack.sequence),
                    Err((jetstream::context::PublishErrorKind::WrongLastSequence, text)) => {
                        // Our own earlier attempt may be what moved the stream (its ack was
                        // lost): then the message after ours carries our id.
                        if let Ok(m) = stream.get_raw_message(last_msg + 1).await {
                            let id = m
                                .headers
                                .get(async_nats::header::NATS_MESSAGE_ID)
                                .map(|v| v.as_str().to_owned());
                            if id.as_deref() == Some(msg_id.as_str()) {
                                return Ok(last_msg + 1);
                            }
                        }
                        return Err(Err(text));
                    }
                    Err((_, text)) => {
                        // The ack may have been lost: the same Nats-Msg-Id makes the retry
                        // harmless, and a new leader needs a moment to be elected.
                        if started.elapsed() > READ_RETRY_FOR {
                            return Err(Ok(text));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })?;
        let sequence = match outcome {
            Ok(sequence) => sequence,
            Err(Err(_wrong_last)) => {
                self.fenced.store(true, std::sync::atomic::Ordering::SeqCst);
                let actual = self.last_sequence().unwrap_or(last_msg);
                return Err(LedgerError::HeadMoved {
                    expected: batch.expected_head.seq,
                    actual: actual.max(head.seq),
                });
            }
            Err(Ok(text)) => {
                return Err(LedgerError::Storage(format!(
                    "the NATS cluster did not confirm the commit: {text}"
                )))
            }
        };
        if sequence != last_msg + 1 {
            self.fenced.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(LedgerError::Storage(format!(
                "the commit landed at stream sequence {sequence} instead of {}; another writer is active",
                last_msg + 1
            )));
        }
        let mut index = lock(&self.index);
        index.apply(sequence, payload)?;
        Ok(index.head)
    }

    fn segments(
        &self,
        after: u64,
    ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_> {
        let messages: Vec<(u64, u64)> = {
            let index = lock(&self.index);
            let start = index
                .messages
                .range(..=after.saturating_add(1))
                .next_back()
                .map(|(first, _)| *first)
                .unwrap_or(0);
            index
                .messages
                .range(start..)
                .map(|(first, msg)| (*first, *msg))
                .collect()
        };
        // Long reads (startup, as-of replays, verify) stream through an ordered consumer;
        // anything it does not deliver in order is read directly.
        let feed = match messages.first() {
            Some((_, first_msg)) if messages.len() as u64 >= BULK_READ_FROM => {
                self.follower_from(*first_msg).ok()
            }
            _ => None,
        };
        let mut pending: std::collections::VecDeque<(u64, Bytes)> = Default::default();
        Box::new(messages.into_iter().map(move |(first_seq, msg_seq)| {
            if let Some(feed) = &feed {
                loop {
                    while pending.front().is_some_and(|(seq, _)| *seq < msg_seq) {
                        pending.pop_front();
                    }
                    if pending.front().is_some_and(|(seq, _)| *seq == msg_seq) {
                        if let Some((_, payload)) = pending.pop_front() {
                            return segment_of(first_seq, msg_seq, payload);
                        }
                    }
                    if !pending.is_empty() {
                        break;
                    }
                    let batch = feed.take(self, Duration::from_secs(5))?;
                    if batch.is_empty() {
                        break;
                    }
                    pending.extend(batch);
                }
            }
            let payload = self.message(msg_seq)?.ok_or_else(|| LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq} of the stream is missing"),
            })?;
            segment_of(first_seq, msg_seq, payload)
        }))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, LedgerError> {
        Ok(lock(&self.index)
            .streams
            .get(stream)
            .and_then(|runs| runs.last())
            .map(|(first_version, _, count)| first_version + u64::from(*count) - 1)
            .unwrap_or(0))
    }

    fn stream_seqs(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, LedgerError> {
        let index = lock(&self.index);
        let mut out = Vec::new();
        for (first_version, first_seq, count) in index.streams.get(stream).into_iter().flatten() {
            for i in 0..u64::from(*count) {
                if out.len() >= limit {
                    return Ok(out);
                }
                if first_version + i > after_version {
                    out.push(first_seq + i);
                }
            }
        }
        Ok(out)
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyEntry>, LedgerError> {
        Ok(lock(&self.index).idempotency.get(key).copied())
    }

    fn put_snapshot_with(
        &self,
        seq: u64,
        write: yinling_ledger::log::SnapshotWrite<'_>,
    ) -> Result<(), LedgerError> {
        let path = self.snapshot_path(seq);
        let tmp = path.with_extension("tmp");
        let failed = |e| storage(&format!("cannot write {}", path.display()), e);
        let mut file = std::fs::File::create(&tmp).map_err(failed)?;
        if let Err(e) = write(&mut file) {
            drop(file);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        file.sync_all()
            .and_then(|()| std::fs::rename(&tmp, &path))
            .and_then(|()| std::fs::File::open(&self.config.snapshot_dir)?.sync_all())
            .map_err(failed)?;
        for old in yinling_ledger::log::snapshots_to_remove(self)? {
            if let Err(e) = std::fs::remove_file(self.snapshot_path(old)) {
                tracing::warn!(seq = old, "an old snapshot could not be removed: {e}");
            }
        }
        Ok(())
    }

    fn snapshot_seqs(&self) -> Result<Vec<u64>, LedgerError> {
        let head = self.head().seq;
        let mut seqs: Vec<u64> = std::fs::read_dir(&self.config.snapshot_dir)
            .map_err(|e| storage("cannot list snapshots", e))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_prefix("snapshot-")?
                    .strip_suffix(".bin")?
                    .parse()
                    .ok()
            })
            // A snapshot of another log, or of events this stream does not hold, is not ours.
            .filter(|seq| *seq <= head)
            .collect();
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        Ok(seqs)
    }

    fn snapshot(&self, seq: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        match std::fs::read(self.snapshot_path(seq)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage("cannot read a snapshot", e)),
        }
    }

    fn snapshot_reader(
        &self,
        seq: u64,
    ) -> Result<Option<yinling_ledger::log::SnapshotReader>, LedgerError> {
        let opened = std::fs::File::open(self.snapshot_path(seq))
            .and_then(|file| file.metadata().map(|m| (file, m.len())));
        match opened {
            Ok((file, len)) => Ok(Some((Box::new(file), len))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage("cannot read a snapshot", e)),
        }
    }
}
