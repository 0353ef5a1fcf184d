//! The group-commit writer: the single owner of the log's write side.
//!
//! Callers send commands through a bounded queue and wait. One thread takes everything
//! queued (up to [`MAX_BATCH_EVENTS`]), decides each command in order against the state
//! machine (which already includes the commands decided before it in the same batch),
//! seals the resulting events into the hash chain, appends them all in **one** atomic
//! batch with **one** flush, and only then answers every caller.
//!
//! Why every caller waits for the flush: an answer is a promise. A coordinator told "logged"
//! or a volunteer told "held" must find it there after a power cut, so no answer, not even a
//! rejection decided against not-yet-durable state, leaves before the batch is on disk. The
//! flush is the expensive part (a few hundred microseconds on these disks); sharing it among
//! everything that queued during the previous flush is what makes durable appends cheap.
//!
//! If the append fails (I/O error, full disk) nothing of the batch stays in the log: the
//! state machine is told to forget what it staged, the chain returns to the durable head, and
//! every caller of the batch gets [`Outcome::Unavailable`]. The next batch tries again. The
//! journal's record of the failed batch may already be on disk: the log takes it back before
//! answering, and where that fails too (the disk refusing every write), a restart before the
//! next append brings the batch back. So callers are told to retry with their idempotency
//! key, not that nothing was saved.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::chain::{Chain, Draft, Sealed};
use crate::digest::Hash;
use crate::envelope::{Actor, Commit, Envelope, ExpectedVersion, Head, StreamId};
use crate::error::LedgerError;
pub use crate::limits::MAX_BATCH_EVENTS;
pub use crate::limits::QUEUE_DEPTH;
use crate::log::{self, AppendBatch, EventLog, IdempotencyEntry, StreamRun};
use crate::stream_versions::StreamVersions;
use crate::time::Timestamp;

/// What a command is decided in: the batch's instant and who asked.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The instant recorded on the events (non-decreasing along the log).
    pub now: Timestamp,
    /// Who sent the command.
    pub actor: Actor,
}

/// The deciding side of the writer: pure decisions over state it folds itself.
pub trait StateMachine: Send + 'static {
    /// A request to change something.
    type Command: Send + 'static;
    /// Why a command was refused.
    type Rejection: Send + 'static;

    /// Decides a command against the current state, which includes everything applied so
    /// far in this batch. Must not have side effects.
    fn decide(
        &self,
        command: &Self::Command,
        context: &Context,
    ) -> Result<Vec<Commit>, Self::Rejection>;

    /// Folds a sealed (not yet durable) event into the deciding state.
    fn apply(&mut self, envelope: &Envelope);

    /// The batch holding these events is durable: publish them to readers.
    fn committed(&mut self, envelopes: &[Envelope], head: Head);

    /// The batch could not be made durable: forget everything applied since the last
    /// `committed`.
    fn aborted(&mut self);
}

/// An idempotency key with the digest of the request it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    /// The key, already scoped by the caller (e.g. prefixed with the token id).
    pub key: String,
    /// Digest of the request, to tell a retry from a different request reusing the key.
    pub request_digest: Hash,
}

/// A command with who sent it and its idempotency key.
#[derive(Debug)]
pub struct Submission<C> {
    /// The command.
    pub command: C,
    /// Who sent it.
    pub actor: Actor,
    /// Present when the caller may retry.
    pub idempotency: Option<Idempotency>,
}

/// The answer to a submission.
#[derive(Debug)]
pub enum Outcome<R> {
    /// The command's events are durable (empty if it changed nothing).
    Committed {
        /// The events appended.
        envelopes: Vec<Envelope>,
        /// The head after the batch.
        head: Head,
    },
    /// The idempotency key was already used for the same request: its original events.
    Replayed {
        /// The events the first submission appended.
        envelopes: Vec<Envelope>,
    },
    /// The idempotency key was already used for a different request; nothing was done.
    KeyReused,
    /// The state machine refused the command; nothing was appended.
    Rejected(R),
    /// A stream was not at the version the command expected; nothing was appended.
    Conflict {
        /// The stream.
        stream: StreamId,
        /// Expected version.
        expected: u64,
        /// Actual version.
        actual: u64,
    },
    /// The log could not take the batch (disk trouble): it is not in the log now, and comes
    /// back when the log is opened again only if the disk refused to take back the journal's
    /// record of it too. Retry later with the same idempotency key, which keeps it once.
    Unavailable(String),
    /// An event of the command cannot be encoded (an amount out of bounds, a record over the
    /// largest size): nothing was appended, and the same command would be refused again.
    Unencodable(String),
}

/// Statistics of one group commit, for metrics.
#[derive(Clone, Copy, Debug)]
pub struct BatchReport {
    /// Commands in the batch.
    pub commands: usize,
    /// Events appended.
    pub events: usize,
    /// Time spent in the append (write + flush).
    pub append: Duration,
    /// Whether it became durable.
    pub ok: bool,
}

/// A callback told about every group commit.
pub type BatchHook = Arc<dyn Fn(&BatchReport) + Send + Sync>;

/// The handle for a state machine's commands.
pub type HandleFor<M> = WriterHandle<<M as StateMachine>::Command, <M as StateMachine>::Rejection>;

/// Tuning and observation hooks of the writer.
#[derive(Clone, Default)]
pub struct WriterConfig {
    /// Called after every group commit.
    pub on_batch: Option<BatchHook>,
    /// Streams whose last version the writer remembers, a generation (`None`:
    /// [`crate::limits::STREAM_VERSIONS_REMEMBERED`]); tests set it small to see a stream
    /// forgotten and asked of the log again.
    pub streams_remembered: Option<usize>,
}

enum Message<C, R> {
    Job(Job<C, R>),
    Shutdown,
}

struct Job<C, R> {
    submission: Submission<C>,
    reply: oneshot::Sender<Outcome<R>>,
}

/// Why a submission got no answer from the writer.
///
/// The two cases promise different things to the person waiting: a command the writer never
/// took is certainly not in the log, but one it took and then died on (its thread panicked
/// between the append and the answer) may be durable. Only the first may be reported as
/// "nothing was saved"; the second must be retried with its idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriterClosed {
    /// The writer had stopped before it took the command: nothing of it was saved.
    #[error("the ledger writer is not running; the command was not taken")]
    NotTaken,
    /// The writer took the command and stopped before answering: it may be in the log.
    #[error("the ledger writer stopped before answering; the command may have been saved")]
    AnswerLost,
}

/// A cloneable handle for submitting commands to the writer.
pub struct WriterHandle<C, R> {
    tx: mpsc::Sender<Message<C, R>>,
}

impl<C, R> Clone for WriterHandle<C, R> {
    fn clone(&self) -> Self {
        WriterHandle {
            tx: self.tx.clone(),
        }
    }
}

impl<C: Send + 'static, R: Send + 'static> WriterHandle<C, R> {
    /// Whether the writer's thread still takes commands: false once it has ended (a panic
    /// in a decision or in sled), so a health check can say so instead of "ok" while every
    /// write is refused.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Submits a command and waits until it is durable (or refused).
    pub async fn submit(&self, submission: Submission<C>) -> Result<Outcome<R>, WriterClosed> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Message::Job(Job { submission, reply }))
            .await
            .map_err(|_| WriterClosed::NotTaken)?;
        answer.await.map_err(|_| WriterClosed::AnswerLost)
    }

    /// Blocking variant of [`submit`](Self::submit) for threads outside the async runtime.
    pub fn submit_blocking(&self, submission: Submission<C>) -> Result<Outcome<R>, WriterClosed> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .blocking_send(Message::Job(Job { submission, reply }))
            .map_err(|_| WriterClosed::NotTaken)?;
        answer.blocking_recv().map_err(|_| WriterClosed::AnswerLost)
    }

    /// Asks the writer to finish what is queued and stop. Later submissions fail.
    pub async fn shutdown(&self) {
        let _ = self.tx.send(Message::Shutdown).await;
    }

    /// Blocking variant of [`shutdown`](Self::shutdown).
    pub fn shutdown_blocking(&self) {
        let _ = self.tx.blocking_send(Message::Shutdown);
    }
}

/// The writer's thread; join it after shutdown to get the state machine back.
pub struct WriterThread<M> {
    thread: JoinHandle<M>,
}

impl<M> WriterThread<M> {
    /// Waits for the writer to finish (after [`WriterHandle::shutdown`] or when every handle
    /// is dropped).
    pub fn join(self) -> std::thread::Result<M> {
        self.thread.join()
    }
}

/// Starts the writer on its own thread.
pub fn spawn<M: StateMachine>(
    log: Arc<dyn EventLog>,
    machine: M,
    config: WriterConfig,
) -> Result<(HandleFor<M>, WriterThread<M>), LedgerError> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let remembered = config
        .streams_remembered
        .unwrap_or(crate::limits::STREAM_VERSIONS_REMEMBERED);
    // Times never go back past the head's, also across a restart on a clock set back (an
    // NTP step, a dead clock battery): the log's times stay in order.
    let head = log.head();
    let last_now = match head.seq.checked_sub(1) {
        Some(before) => crate::log::EnvelopeIter::new(&*log, before)
            .next()
            .transpose()?
            .map_or(Timestamp(0), |last| last.recorded_at),
        None => Timestamp(0),
    };
    let state = WriterState {
        chain: Chain::after(head),
        log,
        machine,
        config,
        stream_versions: StreamVersions::new(remembered),
        last_now,
    };
    let thread = std::thread::Builder::new()
        .name("yinling-writer".into())
        .spawn(move || state.run(rx))
        .map_err(|e| LedgerError::Storage(format!("cannot start the writer thread: {e}")))?;
    Ok((WriterHandle { tx }, WriterThread { thread }))
}

/// A reply waiting for the batch's fate.
enum Pending<R> {
    /// The command's events are at these indexes of the batch.
    Staged {
        range: std::ops::Range<usize>,
    },
    /// A retry of a command staged earlier in this batch.
    ReplayOfStaged {
        range: std::ops::Range<usize>,
    },
    Rejected(R),
    Conflict {
        stream: StreamId,
        expected: u64,
        actual: u64,
    },
    /// The key of a command staged earlier in this batch, with another request: refused once
    /// that command is durable (if it fails, this one is answered as the batch's failure, not
    /// refused on account of a command that never was).
    KeyReused,
}

struct WriterState<M: StateMachine> {
    log: Arc<dyn EventLog>,
    machine: M,
    config: WriterConfig,
    chain: Chain,
    /// Durable stream versions known to the writer (a cache of the log's index).
    stream_versions: StreamVersions,
    last_now: Timestamp,
}

struct Batch<R> {
    started_at: Head,
    sealed: Vec<Sealed>,
    runs: Vec<StreamRun>,
    idempotency: Vec<(String, IdempotencyEntry)>,
    /// Keys staged in this batch -> (digest, event range).
    staged_keys: HashMap<String, (Hash, std::ops::Range<usize>)>,
    /// Stream versions as staged in this batch.
    staged_versions: HashMap<StreamId, u64>,
    pending: Vec<(oneshot::Sender<Outcome<R>>, Pending<R>)>,
}

impl<M: StateMachine> WriterState<M> {
    fn run(mut self, mut rx: mpsc::Receiver<Message<M::Command, M::Rejection>>) -> M {
        loop {
            let first = match rx.blocking_recv() {
                Some(Message::Job(job)) => job,
                Some(Message::Shutdown) | None => break,
            };
            let mut shutting_down = false;
            let mut batch = self.begin_batch();
            self.handle(&mut batch, first);
            while batch.sealed.len() < MAX_BATCH_EVENTS {
                match rx.try_recv() {
                    Ok(Message::Job(job)) => self.handle(&mut batch, job),
                    Ok(Message::Shutdown) => shutting_down = true,
                    Err(_) => break,
                }
            }
            self.finish(batch);
            if shutting_down {
                break;
            }
        }
        // Finish everything queued, and what a sender that had its place in the queue before
        // the close is still putting there, then stop taking more. After `close`,
        // `blocking_recv` says the queue is done only once it is empty and no sender holds a
        // place in it: no command the queue took is dropped unanswered (its caller would be
        // told the answer was lost, though it never reached the writer).
        rx.close();
        while let Some(message) = rx.blocking_recv() {
            if let Message::Job(job) = message {
                let mut batch = self.begin_batch();
                self.handle(&mut batch, job);
                self.finish(batch);
            }
        }
        self.machine
    }

    fn begin_batch(&mut self) -> Batch<M::Rejection> {
        // Recorded instants never go backwards, even if the wall clock does.
        let now = Timestamp::now().max(self.last_now);
        self.last_now = now;
        Batch {
            started_at: self.chain.head(),
            sealed: Vec::new(),
            runs: Vec::new(),
            idempotency: Vec::new(),
            staged_keys: HashMap::new(),
            staged_versions: HashMap::new(),
            pending: Vec::new(),
        }
    }

    fn stream_version(
        &mut self,
        batch: &Batch<M::Rejection>,
        stream: &StreamId,
    ) -> Result<u64, LedgerError> {
        if let Some(v) = batch.staged_versions.get(stream) {
            return Ok(*v);
        }
        if let Some(v) = self.stream_versions.get(stream) {
            return Ok(v);
        }
        let v = self.log.stream_version(stream)?;
        self.stream_versions.insert(stream.clone(), v);
        Ok(v)
    }

    fn handle(&mut self, batch: &mut Batch<M::Rejection>, job: Job<M::Command, M::Rejection>) {
        let Job { submission, reply } = job;
        if let Some(idem) = &submission.idempotency {
            if let Some((digest, range)) = batch.staged_keys.get(&idem.key) {
                if *digest == idem.request_digest {
                    let range = range.clone();
                    batch
                        .pending
                        .push((reply, Pending::ReplayOfStaged { range }));
                } else {
                    batch.pending.push((reply, Pending::KeyReused));
                }
                return;
            }
            match self.log.idempotency(&idem.key) {
                // A copied history (import, backup) does not know request digests: it records
                // `Hash::GENESIS`, and then the key alone identifies the command.
                Ok(Some(entry))
                    if entry.request_digest != Hash::GENESIS
                        && entry.request_digest != idem.request_digest =>
                {
                    let _ = reply.send(Outcome::KeyReused);
                    return;
                }
                Ok(Some(entry)) => {
                    let outcome = match log::read_range(&*self.log, entry.first_seq, entry.count) {
                        Ok(envelopes) => Outcome::Replayed { envelopes },
                        Err(e) => Outcome::Unavailable(e.to_string()),
                    };
                    let _ = reply.send(outcome);
                    return;
                }
                Ok(None) => {}
                Err(e) => {
                    let _ = reply.send(Outcome::Unavailable(e.to_string()));
                    return;
                }
            }
        }
        let context = Context {
            now: self.last_now,
            actor: submission.actor,
        };
        let commits = match self.machine.decide(&submission.command, &context) {
            Ok(commits) => commits,
            Err(rejection) => {
                batch.pending.push((reply, Pending::Rejected(rejection)));
                return;
            }
        };
        // Check every expected version before sealing anything, so a conflict appends nothing.
        let mut versions: Vec<u64> = Vec::with_capacity(commits.len());
        for commit in &commits {
            let current = match versions
                .iter()
                .zip(&commits)
                .rev()
                .find(|(_, c)| c.stream == commit.stream)
            {
                Some((v, c)) => v + c.events.len() as u64,
                None => match self.stream_version(batch, &commit.stream) {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = reply.send(Outcome::Unavailable(e.to_string()));
                        return;
                    }
                },
            };
            if let ExpectedVersion::Exact(expected) = commit.expected_version {
                if expected != current {
                    batch.pending.push((
                        reply,
                        Pending::Conflict {
                            stream: commit.stream.clone(),
                            expected,
                            actual: current,
                        },
                    ));
                    return;
                }
            }
            // A version read from a damaged index can sit near the largest number: the
            // versions this commit would take must not wrap.
            if current
                .checked_add(commit.events.len() as u64 + 1)
                .is_none()
            {
                let _ = reply.send(Outcome::Unencodable(format!(
                    "stream {} is at version {current}, past what its next events can count",
                    commit.stream
                )));
                return;
            }
            versions.push(current);
        }
        let chain_before = self.chain;
        let start = batch.sealed.len();
        let key = submission.idempotency.as_ref().map(|i| i.key.clone());
        let mut sealed = Vec::new();
        let mut runs = Vec::new();
        for (commit, version) in commits.into_iter().zip(versions) {
            if commit.events.is_empty() {
                continue;
            }
            runs.push(StreamRun {
                stream: commit.stream.clone(),
                first_version: version + 1,
                first_seq: self.chain.head().seq + 1,
                count: commit.events.len() as u32,
            });
            for (i, payload) in commit.events.into_iter().enumerate() {
                let draft = Draft {
                    stream: commit.stream.clone(),
                    stream_version: version + 1 + i as u64,
                    recorded_at: context.now,
                    actor: context.actor,
                    idempotency_key: key.clone(),
                    payload,
                };
                match self.chain.seal(draft) {
                    Ok(s) => sealed.push(s),
                    Err(e) => {
                        self.chain = chain_before;
                        let _ = reply.send(Outcome::Unencodable(format!(
                            "an event could not be encoded: {e}"
                        )));
                        return;
                    }
                }
            }
        }
        for s in &sealed {
            self.machine.apply(&s.envelope);
        }
        for run in &runs {
            batch.staged_versions.insert(
                run.stream.clone(),
                run.first_version + u64::from(run.count) - 1,
            );
        }
        let range = start..start + sealed.len();
        if let Some(idem) = submission.idempotency.filter(|_| !sealed.is_empty()) {
            batch.idempotency.push((
                idem.key.clone(),
                IdempotencyEntry {
                    first_seq: chain_before.head().seq + 1,
                    count: sealed.len() as u32,
                    request_digest: idem.request_digest,
                },
            ));
            batch
                .staged_keys
                .insert(idem.key, (idem.request_digest, range.clone()));
        }
        batch.sealed.extend(sealed);
        batch.runs.extend(runs);
        batch.pending.push((reply, Pending::Staged { range }));
    }

    fn finish(&mut self, batch: Batch<M::Rejection>) {
        let Batch {
            started_at,
            sealed,
            runs,
            idempotency,
            staged_versions,
            pending,
            ..
        } = batch;
        let commands = pending.len();
        let events = sealed.len();
        let has_writes = !sealed.is_empty();
        let append = AppendBatch {
            expected_head: started_at,
            events: sealed,
            stream_runs: runs,
            idempotency,
        };
        let began = Instant::now();
        let result = if has_writes {
            self.log.append(&append)
        } else {
            Ok(started_at)
        };
        let elapsed = began.elapsed();
        if let Some(hook) = &self.config.on_batch {
            if has_writes {
                hook(&BatchReport {
                    commands,
                    events,
                    append: elapsed,
                    ok: result.is_ok(),
                });
            }
        }
        let envelopes: Vec<Envelope> = append.events.into_iter().map(|s| s.envelope).collect();
        match result {
            Ok(head) => {
                debug_assert_eq!(
                    head,
                    self.chain.head(),
                    "the log took exactly what was sealed"
                );
                if !envelopes.is_empty() {
                    self.machine.committed(&envelopes, head);
                }
                for (stream, version) in staged_versions {
                    self.stream_versions.insert(stream, version);
                }
                for (reply, pending) in pending {
                    let outcome = match pending {
                        Pending::Staged { range } => Outcome::Committed {
                            envelopes: envelopes[range].to_vec(),
                            head,
                        },
                        Pending::ReplayOfStaged { range } => Outcome::Replayed {
                            envelopes: envelopes[range].to_vec(),
                        },
                        Pending::Rejected(r) => Outcome::Rejected(r),
                        Pending::KeyReused => Outcome::KeyReused,
                        Pending::Conflict {
                            stream,
                            expected,
                            actual,
                        } => Outcome::Conflict {
                            stream,
                            expected,
                            actual,
                        },
                    };
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events, "group commit failed; nothing of it was kept");
                self.machine.aborted();
                self.chain = Chain::after(self.log.head());
                let detail = e.to_string();
                for (reply, _) in pending {
                    let _ = reply.send(Outcome::Unavailable(detail.clone()));
                }
            }
        }
    }
}

/// A state machine that decides nothing: each command is the list of commits to append.
///
/// Used where the log itself is under test or measurement (benchmarks, durability tests),
/// without any domain rules in the way.
#[derive(Debug, Default)]
pub struct PassThrough {
    /// Events folded (staged and durable) since start.
    pub applied: u64,
    /// Events made durable since start.
    pub committed: u64,
}

impl StateMachine for PassThrough {
    type Command = Vec<Commit>;
    type Rejection = std::convert::Infallible;

    fn decide(&self, command: &Vec<Commit>, _: &Context) -> Result<Vec<Commit>, Self::Rejection> {
        Ok(command.clone())
    }

    fn apply(&mut self, _: &Envelope) {
        self.applied += 1;
    }

    fn committed(&mut self, envelopes: &[Envelope], _: Head) {
        self.committed += envelopes.len() as u64;
    }

    fn aborted(&mut self) {
        self.applied = self.committed;
    }
}
