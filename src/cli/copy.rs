//! Appending an already-sealed history to another log (import, backup), checking every link.
//!
//! Nothing is decided here: the events were decided when they were first written. Each one
//! is re-encoded and its hash recomputed against the chain before it is appended, so a copy
//! either reproduces the original chain byte for byte or stops at the first difference.

pub use super::limits::COPY_BATCH_EVENTS;
use yinling_ledger::chain::Sealed;
use yinling_ledger::codec;
use yinling_ledger::log::{AppendBatch, IdempotencyEntry, StreamRun};
use yinling_ledger::{Envelope, EventLog, Hash, Head, StreamId};

/// Appends envelopes in order, in batches, re-verifying the chain.
pub struct Copier<'a> {
    log: &'a dyn EventLog,
    head: Head,
    batch: Vec<Sealed>,
    /// The command whose events are being collected: its key, first seq and count.
    open_key: Option<(String, u64, u32)>,
    keys: Vec<(String, IdempotencyEntry)>,
    /// Each stream's last version so far: an event must be its stream's next, or the
    /// stream's index (what decides a command's expected version) would be wrong.
    versions: std::collections::HashMap<StreamId, u64>,
}

impl<'a> Copier<'a> {
    /// Continues after the log's current head.
    pub fn new(log: &'a dyn EventLog) -> Self {
        Copier {
            head: log.head(),
            log,
            batch: Vec::new(),
            open_key: None,
            keys: Vec::new(),
            versions: std::collections::HashMap::new(),
        }
    }

    /// Continues after the log's head, where a copy that stopped left it (the caller has
    /// checked that what the log holds is the source's first events). A command's
    /// idempotency entry travels with the batch after its last event, so the entry of the
    /// command the copy stopped in, or right after, was never written, or written for the
    /// events held only: its first events are read back from the log and its entry is
    /// written whole with the events that follow.
    pub fn resuming(log: &'a dyn EventLog) -> Result<Self, String> {
        let mut copier = Copier::new(log);
        let at = copier.head.seq;
        if at == 0 {
            return Ok(copier);
        }
        let read = |first: u64, count: u32| {
            yinling_ledger::log::read_range(log, first, count).map_err(|e| e.to_string())
        };
        let Some(key) = read(at, 1)?.pop().and_then(|e| e.idempotency_key) else {
            return Ok(copier);
        };
        // Back from the last event held, a chunk at a time, to the command's first.
        let mut first = at;
        'back: while first > 1 {
            let from = first.saturating_sub(COPY_BATCH_EVENTS as u64).max(1);
            let chunk = read(from, u32::try_from(first - from).unwrap_or(u32::MAX))?;
            for envelope in chunk.iter().rev() {
                if envelope.idempotency_key.as_ref() != Some(&key) {
                    break 'back;
                }
                first = envelope.seq;
            }
            if chunk.is_empty() {
                break;
            }
        }
        let count = u32::try_from(at - first + 1).map_err(|_| {
            format!("the command ending at seq {at} has more events than a copy can index")
        })?;
        copier.open_key = Some((key, first, count));
        Ok(copier)
    }

    /// Checks that `envelope` is the next event of the chain (without appending it).
    pub fn check(head: &Head, envelope: &Envelope) -> Result<Vec<u8>, String> {
        if envelope.seq != head.seq + 1 {
            return Err(format!(
                "expected seq {}, found seq {}",
                head.seq + 1,
                envelope.seq
            ));
        }
        if envelope.prev_hash != head.hash {
            return Err(format!(
                "seq {}: prev_hash does not match the hash of seq {}",
                envelope.seq, head.seq
            ));
        }
        let canonical =
            codec::canonical_bytes(envelope).map_err(|e| format!("seq {}: {e}", envelope.seq))?;
        let computed = Hash::link(&head.hash, &canonical);
        if computed != envelope.hash {
            return Err(format!(
                "seq {}: the hash {} does not match the event's content (computed {computed}); the file was altered",
                envelope.seq, envelope.hash
            ));
        }
        let mut record = canonical;
        record.extend_from_slice(&envelope.hash.0);
        Ok(record)
    }

    /// Verifies and queues one envelope; appends a batch when full.
    pub fn push(&mut self, envelope: Envelope) -> Result<(), String> {
        // Flush before adding (never after), so the last command's idempotency entry always
        // has a batch to travel with.
        if self.batch.len() >= COPY_BATCH_EVENTS {
            self.flush()?;
        }
        let record = Self::check(&self.head, &envelope)?;
        let last = match self.versions.get(&envelope.stream) {
            Some(v) => *v,
            None => self
                .log
                .stream_version(&envelope.stream)
                .map_err(|e| e.to_string())?,
        };
        if last.checked_add(1) != Some(envelope.stream_version) {
            return Err(format!(
                "seq {}: stream {} is at version {last}, the event says {}; the file was altered",
                envelope.seq, envelope.stream, envelope.stream_version
            ));
        }
        self.versions
            .insert(envelope.stream.clone(), envelope.stream_version);
        self.head = Head {
            seq: envelope.seq,
            hash: envelope.hash,
        };
        match (&mut self.open_key, &envelope.idempotency_key) {
            (Some((key, _, count)), Some(k)) if key == k => *count += 1,
            (open, next) => {
                if let Some((key, first_seq, count)) = open.take() {
                    self.keys.push((
                        key,
                        IdempotencyEntry {
                            first_seq,
                            count,
                            request_digest: Hash::GENESIS,
                        },
                    ));
                }
                *open = next.as_ref().map(|k| (k.clone(), envelope.seq, 1));
            }
        }
        self.batch.push(Sealed { envelope, record });
        Ok(())
    }

    /// Appends what is queued.
    pub fn flush(&mut self) -> Result<(), String> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.batch);
        let mut runs: Vec<StreamRun> = Vec::new();
        for s in &events {
            let e = &s.envelope;
            match runs.last_mut() {
                Some(run)
                    if run.stream == e.stream
                        && run.first_seq + u64::from(run.count) == e.seq
                        && run.first_version + u64::from(run.count) == e.stream_version =>
                {
                    run.count += 1
                }
                _ => runs.push(StreamRun {
                    stream: e.stream.clone(),
                    first_version: e.stream_version,
                    first_seq: e.seq,
                    count: 1,
                }),
            }
        }
        let expected_head = Head {
            seq: events[0].envelope.seq - 1,
            hash: events[0].envelope.prev_hash,
        };
        let batch = AppendBatch {
            expected_head,
            events,
            stream_runs: runs,
            idempotency: std::mem::take(&mut self.keys),
        };
        self.log.append(&batch).map_err(|e| e.to_string())?;
        // The log's own index holds these streams' versions now: a province's copy would
        // otherwise keep every stream's name in memory.
        self.versions.clear();
        Ok(())
    }

    /// Appends everything left, including the last command's idempotency entry.
    pub fn finish(mut self) -> Result<Head, String> {
        if let Some((key, first_seq, count)) = self.open_key.take() {
            self.keys.push((
                key,
                IdempotencyEntry {
                    first_seq,
                    count,
                    request_digest: Hash::GENESIS,
                },
            ));
        }
        self.flush()?;
        Ok(self.head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_ledger::chain::{Chain, Draft};
    use yinling_ledger::{
        Actor, Category, Event, OpenMode, SledLog, TeamId, TeamRegistered, Timestamp,
    };

    /// A file whose chain holds but whose events skip a stream's versions (re-hashed by hand)
    /// is refused at the event, before anything is appended: the stream's index would be wrong.
    #[test]
    fn an_event_out_of_its_streams_order_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let log = SledLog::open(tmp.path(), OpenMode::CreateIfMissing).expect("log");
        let team = TeamId(uuid::Uuid::from_u128(1));
        let mut chain = Chain::after(Head::default());
        let mut seal = |stream_version: u64| {
            chain
                .seal(Draft {
                    stream: team.stream(),
                    stream_version,
                    recorded_at: Timestamp(1_796_000_000_000_000),
                    actor: Actor::SYSTEM,
                    idempotency_key: None,
                    payload: Event::TeamRegistered(TeamRegistered {
                        team_id: team,
                        name: "荻溪六老调解队".into(),
                        district: "南浔区".into(),
                        category: Category::Mediation,
                    }),
                })
                .expect("seal")
                .envelope
        };
        let (first, skipped) = (seal(1), seal(u64::MAX));
        let mut copier = Copier::new(&log);
        copier.push(first).expect("the stream's first");
        let refused = copier.push(skipped).expect_err("out of order");
        assert!(refused.contains("at version 1"), "{refused}");
        assert_eq!(log.head().seq, 0, "nothing appended");
    }
}
