//! The running ledger: the log on disk, the writer thread, the state readers see, and the
//! replays "as of" a past seq.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use yinling_ledger::writer::{
    self, Idempotency, Outcome, Submission, WriterClosed, WriterConfig, WriterHandle, WriterThread,
};
use yinling_ledger::{Envelope, EventLog, Head, LedgerError, OpenMode, SledLog};
use yinling_projections::limits::DEFAULT_SNAPSHOT_EVERY_EVENTS;
use yinling_projections::personal::KeyringHandle;
use yinling_projections::{Command, Policy, Principal, Rejection, State};

use crate::error::AppError;
use crate::limits::{AS_OF_CACHE_STATES, MAX_AS_OF_REPLAYS};
use crate::load::load_state;
use crate::machine::{read_state, LedgerMachine};
use crate::metrics::Metrics;

mod audit;
mod chain_walk;
mod damage;
mod follow;
mod read_hold;
mod start;

pub use chain_walk::ChainWalk;
use chain_walk::ChainWalkStatus;
pub use damage::{FoundBy, FoundDamage};
use start::Started;

/// What a caller is told when the writer has stopped.
const SHUTTING_DOWN: &str = "the ledger is shutting down; nothing was saved, retry shortly";
/// The writer took the change and stopped before it answered.
const ANSWER_LOST: &str = "the ledger stopped while saving this change, so it may or may not \
     have been saved; send it again with the same Idempotency-Key header once the service is \
     back, which keeps it once";

/// How the ledger is opened.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Decision settings (hold time to live).
    pub policy: Policy,
    /// Events between snapshots.
    pub snapshot_every_events: u64,
    /// Every snapshot whole (`serve --whole-snapshots`): a start reads one snapshot instead
    /// of a whole one and the changes since it, for the cost of writing the whole state at
    /// every snapshot.
    pub whole_snapshots: bool,
    /// How much of the hash chain is checked before the node serves.
    pub start_check: StartCheck,
    /// Start from the newest good snapshot (otherwise fold the whole log from scratch).
    pub use_snapshots: bool,
    /// After a start of [`StartCheck::Tail`], walk the events before the snapshot once the
    /// node serves (`engine::chain_walk`; the default). Off (`serve --no-chain-walk`), they
    /// are left to `yinling verify`, and the node keeps nothing of a walk.
    pub chain_walk_after_start: bool,
}

impl EngineConfig {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            policy: Policy::default(),
            snapshot_every_events: DEFAULT_SNAPSHOT_EVERY_EVENTS,
            whole_snapshots: false,
            start_check: StartCheck::WholeChain,
            use_snapshots: true,
            chain_walk_after_start: true,
        }
    }
}

/// How much of the hash chain a start checks before the node serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StartCheck {
    /// Every event's hash link from the first (the default: a log damaged anywhere is never
    /// served; about a second per million events on 2 cores). The embedded log is walked
    /// before the state's load, in rounds each through a handle of its own, so that the start
    /// never holds what sled kept of the whole walk; a cluster's log beside the load.
    #[default]
    WholeChain,
    /// From a snapshot that stored the Merkle tree: that the snapshot's last event is in the
    /// log with the hash the snapshot recorded, and every event after it; the events before
    /// it were checked when the snapshot's state was folded, and are walked again once the
    /// node serves (`engine::chain_walk`: damage found then refuses every change) and by
    /// `yinling verify`. Balances come from the snapshot and the checked tail, never from
    /// the older events, and a proof that reads older events back checks them against the
    /// tree. A start of a province-sized log in seconds instead of the walk of every event.
    /// Without such a snapshot the whole chain is checked, as it is folded.
    Tail,
    /// Nothing beyond what the fold of the tail checks (`--skip-verify`).
    Off,
}

/// Why the ledger could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The log could not be opened or read.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The chain does not verify.
    #[error("the event log is damaged at seq {seq}: {detail}. Refusing to serve; run `yinling verify --data {dir}` to inspect it and restore from a backup")]
    Damaged {
        /// First bad seq.
        seq: u64,
        /// What is wrong.
        detail: String,
        /// The data directory.
        dir: String,
    },
    /// The folded state breaks an invariant.
    #[error("the folded state breaks an invariant ({0}); refusing to serve wrong balances")]
    Invariant(String),
    /// The state has not folded the whole log it would append to.
    #[error("this node's state stands at event {state}, the log at {log}: it does not decide until it has folded every event (see the warnings on following the log)")]
    Behind {
        /// The state's head seq.
        state: u64,
        /// The log's head seq.
        log: u64,
    },
}

/// What startup did, for the log line and the benchmarks.
#[derive(Clone, Debug, Default)]
pub struct StartupReport {
    /// Events in the log.
    pub head: Head,
    /// The snapshot used, if any.
    pub snapshot_seq: Option<u64>,
    /// Events folded after it.
    pub replayed_events: u64,
    /// Time spent verifying the chain.
    pub verify: Duration,
    /// The first event whose hash link the start checked (1: the whole chain; the event
    /// after the snapshot with [`StartCheck::Tail`]); `None` when nothing was checked.
    pub checked_from: Option<u64>,
    /// Time spent loading the snapshot and folding the tail.
    pub load: Duration,
}

/// Closes the handle a start read through and opens the log again (see [`Engine::open`]).
/// The reopened log must end where the start's did: the directory's lock is released for the
/// moment between the two, and a start must not serve a log another process appended to.
/// A handle still shared elsewhere cannot be closed; it is kept, as it was before.
fn reopen(first: Arc<SledLog>, dir: &Path) -> Result<Arc<SledLog>, EngineError> {
    let first = match Arc::try_unwrap(first) {
        Ok(first) => first,
        Err(shared) => return Ok(shared),
    };
    let head = EventLog::head(&first);
    drop(first);
    Ok(Arc::new(SledLog::open_again(dir, head)?))
}

/// The running ledger.
///
/// On the embedded sled log the engine is always the writer. On a replicated log several
/// engines share one log: the one holding the writer lease decides and appends, the others are
/// read replicas that fold what the writer appended ([`Engine::follow`]) until they win the
/// lease ([`Engine::become_writer`]); a writer that loses its lease stops deciding at once
/// ([`Engine::step_down`]).
pub struct Engine {
    log: Arc<dyn EventLog>,
    sled: Option<Arc<SledLog>>,
    data_dir: PathBuf,
    writer: RwLock<Option<WriterHandle<Command, Rejection>>>,
    thread: Mutex<Option<WriterThread<LedgerMachine>>>,
    shared: Arc<RwLock<State>>,
    /// Recent states of the past, each with the count of erasures it was revealed under.
    as_of_cache: Mutex<VecDeque<(u64, Arc<State>)>>,
    /// Permits for replaying a past state not in the cache ([`MAX_AS_OF_REPLAYS`]).
    as_of_replays: Arc<tokio::sync::Semaphore>,
    /// Erasures committed or followed (a past state revealed before one shows the name).
    erasures: Arc<AtomicU64>,
    /// Held while an audit walks the whole chain (`Engine::verify`): one at a time.
    audit_walk: Mutex<()>,
    startup: StartupReport,
    policy: Policy,
    snapshot_every_events: u64,
    whole_snapshots: bool,
    metrics: Arc<Metrics>,
    closing: std::sync::atomic::AtomicBool,
    /// The walk of the whole chain after a start that checked only its tail, if one runs.
    chain: Arc<ChainWalkStatus>,
    /// Its thread, joined at shutdown (it reads through the log's handle).
    chain_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Damage found in the log while serving (by that walk or an audit): changes refused.
    damage: Arc<damage::Damage>,
    /// Old events readers read through the log's handle, counted to let go of them.
    read_hold: read_hold::ReadHold,
    /// The Merkle tree over the log, extended with every durable batch.
    pub tree: crate::tree::LogTree,
}

/// The state a read is answered from: the live one, or a replay of the past.
pub enum View {
    /// The live state (read under a short lock).
    Current(Arc<RwLock<State>>),
    /// A state as of a past seq.
    Past(Arc<State>),
}

impl View {
    /// Runs `f` on the state. Never hold the result across an await point.
    pub fn with<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        match self {
            View::Current(shared) => f(&read_state(shared)),
            View::Past(state) => f(state),
        }
    }
}

impl Engine {
    /// The hold time a new hold gets while the log records none (the start-up setting).
    pub fn hold_ttl_seconds(&self) -> i64 {
        self.policy.hold_ttl_seconds
    }

    /// Opens the data directory, verifies the chain, loads the state and starts the writer.
    /// Blocking: call it before the runtime serves requests or inside `spawn_blocking`.
    ///
    /// The start reads every event (the chain walk) and every sealed name's key, and sled 0.34
    /// keeps what a read touched in memory for as long as the database stays open, whatever
    /// its cache capacity: about 230 bytes per event read, 2.6 GB for a log of eleven million
    /// (measured, BENCHMARKS.md "A million volunteers on one node"). So the start runs on a
    /// handle of its own, which is closed before the handle the node serves with is opened;
    /// and its walk of the whole chain, on handles of its own, one a round
    /// (`yinling_ledger::rounds::round_bytes_for`), before the load (`start::walk_in_rounds`).
    pub fn open(config: &EngineConfig, metrics: Arc<Metrics>) -> Result<Engine, EngineError> {
        let first = SledLog::open(&config.data_dir, OpenMode::CreateIfMissing)?;
        let (first, walked) = Self::walk_in_rounds(config, first)?;
        let first = Arc::new(first);
        let mut started = match walked {
            // The whole chain is walked: what is left is a start from the snapshot's tail.
            Some(verify) => {
                let tail = EngineConfig {
                    start_check: StartCheck::Tail,
                    ..config.clone()
                };
                let mut started = Self::start(&tail, first.clone())?;
                started.report.verify = verify;
                started.report.checked_from = Some(1);
                started
            }
            None => Self::start(config, first.clone())?,
        };
        // The states' keyring reads through the start's handle and would keep it open.
        started.state.keys = KeyringHandle::default();
        started.copy.keys = KeyringHandle::default();
        let sled = reopen(first, &config.data_dir)?;
        let keys = EventLog::keyring(&*sled)?;
        started.state.keys = KeyringHandle(keys.clone());
        started.copy.keys = KeyringHandle(keys);
        let log: Arc<dyn EventLog> = sled.clone();
        Self::assemble(config, started, log, Some(sled), metrics, true)
    }

    /// Opens the engine on any log: verifies the chain (if configured), loads the state, and
    /// starts the writer when `writer` is true (otherwise the engine starts as a read replica).
    pub fn open_on(
        config: &EngineConfig,
        log: Arc<dyn EventLog>,
        sled: Option<Arc<SledLog>>,
        metrics: Arc<Metrics>,
        writer: bool,
    ) -> Result<Engine, EngineError> {
        let started = Self::start(config, log.clone())?;
        Self::assemble(config, started, log, sled, metrics, writer)
    }

    /// The engine over `log` from what its start read.
    fn assemble(
        config: &EngineConfig,
        started: Started,
        log: Arc<dyn EventLog>,
        sled: Option<Arc<SledLog>>,
        metrics: Arc<Metrics>,
        writer: bool,
    ) -> Result<Engine, EngineError> {
        let Started {
            report,
            tree,
            state,
            copy,
            carried,
        } = started;
        metrics.head_seq.set(state.head.seq as i64);
        // The readers' copy adopts from the writer's and is never adopted from, so it records
        // no changes (a replica, which folds without adopting, noted every key it touched).
        let mut copy = copy;
        copy.stop_recording_changes();
        let shared = Arc::new(RwLock::new(copy));
        let engine = Engine {
            tree: crate::tree::LogTree::from_tree(tree, Some(log.clone())),
            log,
            sled,
            data_dir: config.data_dir.clone(),
            writer: RwLock::new(None),
            thread: Mutex::new(None),
            shared,
            as_of_cache: Mutex::new(VecDeque::new()),
            as_of_replays: Arc::new(tokio::sync::Semaphore::new(MAX_AS_OF_REPLAYS)),
            audit_walk: Mutex::new(()),
            erasures: Arc::default(),
            startup: report,
            policy: config.policy,
            snapshot_every_events: config.snapshot_every_events,
            whole_snapshots: config.whole_snapshots,
            metrics,
            closing: std::sync::atomic::AtomicBool::new(false),
            chain: Arc::default(),
            chain_thread: Mutex::new(None),
            damage: Arc::default(),
            read_hold: read_hold::ReadHold::default(),
        };
        // A replica that later takes the writer role has folded past what was carried: its
        // first snapshot is whole.
        if writer {
            engine.start_writer(state, carried)?;
        }
        // The events before the snapshot a tail start loaded are walked now, as the node
        // serves.
        let checked_from = engine.startup.checked_from;
        if config.start_check == StartCheck::Tail
            && config.chain_walk_after_start
            && checked_from.is_some_and(|from| from > 1)
        {
            let thread = chain_walk::spawn(
                engine.log.clone(),
                engine.sled.clone(),
                engine.chain.clone(),
                engine.damage.clone(),
            )
            .map_err(|e| {
                EngineError::Ledger(LedgerError::Storage(format!(
                    "the thread that checks the whole chain after the start could not start: {e}"
                )))
            })?;
            *engine
                .chain_thread
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(thread);
        }
        Ok(engine)
    }

    /// Where the walk of the whole chain after a tail start stands; `None` when the start
    /// needed none (it checked the whole chain, or was told to check nothing).
    pub fn chain_walk(&self) -> Option<ChainWalk> {
        self.chain.get()
    }

    /// Counts `events` a reader read from the log (a page of the auditors' feed, an audit's
    /// walk, an as-of replay's tail), and every half million lets go of what sled kept of
    /// them (`engine::read_hold`). Blocking: call it on the thread that read. Returns whether
    /// it let go. Nothing on a cluster's log, which keeps nothing of a read.
    pub fn note_log_read(&self, events: u64) -> bool {
        self.sled
            .as_ref()
            .is_some_and(|sled| self.read_hold.note(sled, events))
    }

    /// The first damaged event found while serving (by the walk after a tail start or an
    /// audit's walk), if any: from then on every change is refused.
    pub fn damage(&self) -> Option<FoundDamage> {
        self.damage.get()
    }

    /// Why every change is refused, once the walk after a tail start or an audit's walk
    /// found the log damaged.
    pub fn damage_refusal(&self) -> Option<String> {
        self.damage.refusal()
    }

    /// Starts the writer thread deciding on `working` (a copy of the shared state), its
    /// snapshots counting on from `carried` when the start loaded one.
    fn start_writer(
        &self,
        working: State,
        carried: Option<crate::load::Carried>,
    ) -> Result<(), EngineError> {
        let mut machine = LedgerMachine::new(
            working,
            (
                self.shared.clone(),
                self.tree.clone(),
                self.erasures.clone(),
            ),
            self.policy,
            self.log.clone(),
            (self.snapshot_every_events, self.whole_snapshots),
            self.metrics.clone(),
        );
        if let Some(carried) = carried {
            machine.carry_on(carried);
        }
        let hook_metrics = self.metrics.clone();
        let writer_config = WriterConfig {
            on_batch: Some(Arc::new(move |r| hook_metrics.record_batch(r))),
            ..WriterConfig::default()
        };
        let (writer, thread) = writer::spawn(self.log.clone(), machine, writer_config)?;
        *self.writer.write().unwrap_or_else(|p| p.into_inner()) = Some(writer);
        *self.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(thread);
        Ok(())
    }

    /// Whether this engine holds the writer role but its thread has ended (a panic in a
    /// decision or in sled): every write is refused until a restart.
    pub fn writer_stopped(&self) -> bool {
        self.writer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|w| !w.is_running())
    }

    /// Whether this engine decides and appends (holds the writer role).
    pub fn is_writer(&self) -> bool {
        self.writer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Takes the writer role: the state folded so far becomes the writer's working copy. The
    /// caller has caught up with the log first (a stale copy could not append anyway: the log
    /// refuses a batch sealed after an old head).
    pub fn become_writer(&self) -> Result<(), EngineError> {
        if self.is_writer() {
            return Ok(());
        }
        let mut working = self.read().clone();
        // Deciding on a state behind the log would decide on stale balances: a message the
        // log's index took but this node could not fold (one from a newer version, say).
        let log = self.log.head();
        if working.head != log {
            return Err(EngineError::Behind {
                state: working.head.seq,
                log: log.seq,
            });
        }
        working.forget_changes();
        working.check_invariants().map_err(EngineError::Invariant)?;
        self.start_writer(working, None)
    }

    /// Gives up the writer role: what is queued finishes (or fails), later submissions are
    /// refused with 503 until the role is won again.
    pub async fn step_down(&self) {
        let writer = self
            .writer
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(writer) = writer {
            writer.shutdown().await;
        }
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            // The machine comes back from its thread and waits for a snapshot it started, off
            // the runtime's threads.
            let _ = tokio::task::spawn_blocking(move || {
                if let Ok(machine) = thread.join() {
                    machine.finish_snapshot();
                }
            })
            .await;
        }
    }

    /// What startup did.
    pub fn startup(&self) -> &StartupReport {
        &self.startup
    }

    /// The event log.
    pub fn log(&self) -> &dyn EventLog {
        &*self.log
    }

    /// The sled store (for its fault injector and size), when the log is on sled.
    pub fn store(&self) -> Option<&SledLog> {
        self.sled.as_deref()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The live state; hold the guard briefly.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        read_state(&self.shared)
    }

    /// The state to answer from: live, or as it stood after `as_of`.
    pub async fn view(self: &Arc<Self>, as_of: Option<u64>) -> Result<View, AppError> {
        let Some(seq) = as_of else {
            return Ok(View::Current(self.shared.clone()));
        };
        let head = self.read().head.seq;
        if seq > head {
            return Err(AppError::invalid(
                "as_of_beyond_head",
                format!("as_of={seq} is beyond the last event (seq {head})"),
            ));
        }
        if seq == head {
            return Ok(View::Current(self.shared.clone()));
        }
        if let Some(state) = self.cached_as_of(seq) {
            return Ok(View::Past(state));
        }
        // A replay holds its permit until it ends, also when its caller has given up.
        let permit = self.as_of_replays.clone().try_acquire_owned().map_err(|_| {
            AppError::Unavailable(format!(
                "{MAX_AS_OF_REPLAYS} past states are being replayed for other as_of requests; try again in a few seconds"
            ))
        })?;
        let engine = self.clone();
        let state = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            engine.state_as_of(seq)
        })
        .await
        .map_err(|e| AppError::internal(&e))??;
        Ok(View::Past(state))
    }

    /// The state after `seq` if a recent `as_of` query replayed it (under the erasures
    /// committed since, none).
    fn cached_as_of(&self, seq: u64) -> Option<Arc<State>> {
        let erasures = self.erasures.load(std::sync::atomic::Ordering::SeqCst);
        let mut cache = self.as_of_cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(under, _)| *under == erasures);
        cache
            .iter()
            .find(|(_, s)| s.head.seq == seq)
            .map(|(_, s)| s.clone())
    }

    /// Replays the state as it stood after `seq` from the nearest snapshot at or below it.
    pub fn state_as_of(&self, seq: u64) -> Result<Arc<State>, AppError> {
        // Read before the load: an erasure committed meanwhile makes this one stale too.
        let erasures = self.erasures.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(state) = self.cached_as_of(seq) {
            return Ok(state);
        }
        let (state, _, replayed) =
            load_state(&*self.log, Some(seq)).map_err(|e| AppError::internal(&e))?;
        self.note_log_read(replayed);
        let state = Arc::new(state);
        let mut cache = self.as_of_cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= AS_OF_CACHE_STATES {
            cache.pop_front();
        }
        cache.push_back((erasures, state.clone()));
        Ok(state)
    }

    /// Submits a command through the group-commit writer and waits until it is durable.
    /// Returns the events it appended (or, for a retried idempotency key, the original ones).
    pub async fn submit(
        &self,
        principal: &Principal,
        command: Command,
        idempotency: Option<Idempotency>,
    ) -> Result<Vec<Envelope>, AppError> {
        if let Some(why) = self.damage_refusal() {
            return Err(AppError::LogDamaged(why));
        }
        let submission = Submission {
            command,
            actor: principal.actor(),
            idempotency,
        };
        let writer = self
            .writer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::Unavailable(if self.closing.load(std::sync::atomic::Ordering::SeqCst) {
                    SHUTTING_DOWN.into()
                } else {
                    "this node is a read replica and no writer is reachable right now; nothing was saved, retry shortly".into()
                })
            })?;
        let outcome = writer.submit(submission).await.map_err(|e| match e {
            WriterClosed::NotTaken => AppError::Unavailable(
                if self.closing.load(std::sync::atomic::Ordering::SeqCst) {
                    SHUTTING_DOWN
                } else {
                    "this node stopped being the ledger's writer before it took this change, \
                     so nothing was saved; send it again in a moment (the node that writes now \
                     takes it)"
                }
                .into(),
            ),
            // Taken and then lost: the writer may have made it durable before it stopped.
            WriterClosed::AnswerLost => AppError::Unavailable(ANSWER_LOST.into()),
        })?;
        match outcome {
            Outcome::Committed { envelopes, .. } | Outcome::Replayed { envelopes } => Ok(envelopes),
            Outcome::KeyReused => Err(AppError::KeyReused),
            Outcome::Rejected(r) => Err(AppError::Rejected(r)),
            Outcome::Conflict {
                stream,
                expected,
                actual,
            } => Err(AppError::VersionConflict {
                stream: stream.to_string(),
                expected,
                actual,
            }),
            // The batch is not in the log now, but where the disk refused to take back its
            // journal record too, it comes back when the log is opened again: the answer does
            // not say "nothing was saved".
            // The cause (a disk's error text, a path) is for the operator's log; the caller
            // is told what happened to their change and what to do.
            Outcome::Unencodable(cause) => Err(AppError::Rejected(Rejection::invalid(
                "too_large",
                format!("this change cannot be recorded as it stands ({cause}); nothing was saved"),
            ))),
            Outcome::Unavailable(cause) => {
                tracing::error!(%cause, "a change could not be saved; the caller was told to retry");
                Err(AppError::Unavailable(
                    "the ledger could not confirm that this change was saved: it may or may \
                     not be in the ledger (it can appear within seconds, or when the service \
                     restarts); send it again later with the same Idempotency-Key header, \
                     which keeps it once"
                        .into(),
                ))
            }
        }
    }

    /// Stops the writer after what is queued is durable. Later submissions get 503.
    pub async fn shutdown(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(walk) = self.stop_chain_walk() {
            let _ = tokio::task::spawn_blocking(move || walk.join()).await;
        }
        self.step_down().await;
    }

    /// Tells the walk after the start to stop, if it runs, and hands over its thread to wait
    /// for: it stops at its next segment and holds the log's handle until then.
    fn stop_chain_walk(&self) -> Option<std::thread::JoinHandle<()>> {
        self.chain.stop();
        self.chain_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

impl Drop for Engine {
    /// Stops the walk after the start, if it still runs, and waits for it (it ends at its
    /// next segment): the log's handle it reads through is closed with the engine, and the
    /// directory can be opened again at once.
    fn drop(&mut self) {
        if let Some(walk) = self.stop_chain_walk() {
            let _ = walk.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_ledger::PolicyChange;

    /// While every replay permit is taken, an `as_of` not in the cache is refused as
    /// unavailable (503 and Retry-After over HTTP); one in the cache is answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_states_are_replayed_a_few_at_a_time() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let engine = Arc::new(Engine::open(&EngineConfig::new(tmp.path()), metrics).expect("open"));
        for days in 1..=3 {
            let command = Command::SetPolicy {
                change: PolicyChange::HoldTtl {
                    seconds: days * 86_400,
                },
                note: format!("{days} 天"),
            };
            engine
                .submit(&Principal::System, command, None)
                .await
                .expect("appended");
        }
        let head = engine.read().head.seq;
        engine
            .view(Some(head - 1))
            .await
            .expect("replayed and cached");
        let taken = engine
            .as_of_replays
            .clone()
            .try_acquire_many_owned(u32::try_from(MAX_AS_OF_REPLAYS).expect("small"))
            .expect("every permit");
        let refused = engine.view(Some(head - 2)).await.err();
        assert!(
            matches!(&refused, Some(AppError::Unavailable(why)) if why.contains("try again")),
            "{refused:?}"
        );
        engine.view(Some(head - 1)).await.expect("from the cache");
        drop(taken);
        engine
            .view(Some(head - 2))
            .await
            .expect("a permit is free again");
        engine.shutdown().await;
    }
}
