//! The state machine the group-commit writer drives: decisions against a working copy of the
//! state, publication to readers only once a batch is durable.
//!
//! Two copies of the folded state exist. The writer's `working` copy already contains the
//! events staged in the current batch, so the second of two racing redemptions for the last
//! item sees the first and is refused. Readers see `shared`, which receives a batch only
//! after the flush: nobody can read a balance that a power cut could take back. If a batch
//! fails, `working` is rebuilt from `shared`.
//!
//! The two copies share the volunteers and activities, most of a state's memory: `shared`
//! folds each durable batch and then adopts the writer's values for what the batch changed
//! (`State::adopt`), so after every batch each volunteer is held once. The ranking index is
//! held once too, by `shared` alone: decisions never read a ranking, so `working` keeps none
//! (`State::keep_no_rankings`), and snapshots are taken from `shared`, right after it has
//! folded the batch that called for one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use yinling_ledger::writer::{Context, StateMachine};
use yinling_ledger::{Commit, Envelope, EventLog, Head};
use yinling_projections::replay::ChangedSince;
use yinling_projections::{decide, replay, Command, Policy, Rejection, State};

use crate::metrics::Metrics;

/// The writer's side of the projections.
pub struct LedgerMachine {
    working: State,
    shared: Arc<RwLock<State>>,
    tree: crate::tree::LogTree,
    policy: Policy,
    log: Arc<dyn EventLog>,
    snapshot_every_events: u64,
    /// Every snapshot whole (see `EngineConfig::whole_snapshots`).
    whole_snapshots: bool,
    /// The thread storing the last snapshot started, until a stop waits for it.
    snapshot_thread: Option<JoinHandle<()>>,
    /// What changed since the last whole snapshot this machine started, up to the last
    /// snapshot, and where that whole one stands; `None` until one is started (the first
    /// snapshot of a run is whole). Shared with the thread writing a snapshot of changes, and
    /// changed in place again once that thread is done (no copy of the keys on the writer).
    since_whole: Option<(Head, Arc<ChangedSince>)>,
    /// What changed since the last snapshot, taken into `since_whole` at the next one.
    since_last: ChangedSince,
    /// What the snapshot threads report back to the next snapshot.
    stored: Arc<Stored>,
    metrics: Arc<Metrics>,
    /// Erasures committed: the engine's `as_of` states revealed before one are let go.
    erasures: Arc<AtomicU64>,
}

/// What the snapshot threads report: the last whole snapshot stored and its size, and whether
/// the changes since it have grown to half its size (the next snapshot is whole again then).
#[derive(Default)]
struct Stored {
    whole: Mutex<Option<(Head, u64)>>,
    whole_next: AtomicBool,
}

impl LedgerMachine {
    /// Starts from a state both copies agree on, beside the Merkle tree of the same log.
    pub fn new(
        state: State,
        (shared, tree, erasures): (Arc<RwLock<State>>, crate::tree::LogTree, Arc<AtomicU64>),
        policy: Policy,
        log: Arc<dyn EventLog>,
        (snapshot_every_events, whole_snapshots): (u64, bool),
        metrics: Arc<Metrics>,
    ) -> Self {
        let mut working = state;
        working.keep_no_rankings();
        LedgerMachine {
            working,
            shared,
            tree,
            policy,
            log,
            snapshot_every_events: snapshot_every_events.max(1),
            whole_snapshots,
            snapshot_thread: None,
            since_whole: None,
            since_last: ChangedSince::default(),
            stored: Arc::default(),
            metrics,
            erasures,
        }
    }

    /// Counts on from the snapshot the start loaded: the whole one it was (or was written
    /// against) is taken as stored, with what changed since it, so that this run's first
    /// snapshot holds only the changes since it (unless they passed half its size, or every
    /// snapshot is to be whole). The readers' copy's ranking index tracks its rows from it
    /// already (`load`).
    pub fn carry_on(&mut self, carried: crate::load::Carried) {
        if self.whole_snapshots {
            return;
        }
        let (head, bytes) = carried.whole;
        tracing::info!(
            whole = head.seq,
            bytes,
            changed = carried.changed.len(),
            whole_next = carried.whole_next,
            "snapshots carry on from the whole one the start loaded"
        );
        *self.stored.whole.lock().unwrap_or_else(|p| p.into_inner()) = Some((head, bytes));
        self.stored
            .whole_next
            .store(carried.whole_next, Ordering::Relaxed);
        self.since_whole = Some((head, Arc::new(carried.changed)));
    }

    /// Encodes and stores a snapshot of the readers' copy off the writer thread.
    fn snapshot(&mut self) {
        if self
            .snapshot_thread
            .as_ref()
            .is_some_and(|t| !t.is_finished())
        {
            return; // the previous one is still being written
        }
        let cloning = std::time::Instant::now();
        // Only what changed since the last whole snapshot, once that one is stored and the
        // changes are still under half its size; a whole one otherwise.
        let stored_whole = *self.stored.whole.lock().unwrap_or_else(|p| p.into_inner());
        let whole_next = self.stored.whole_next.load(Ordering::Relaxed);
        let started = self.since_whole.as_ref().map(|(head, _)| *head);
        let since_last = &mut self.since_last;
        let whole_next = whole_next || self.whole_snapshots;
        let changes = changes_base(started, stored_whole, whole_next).and_then(|(whole, bytes)| {
            let (_, changed) = self.since_whole.as_mut()?;
            // The last snapshot's thread is done with its pointer: no copy here.
            Arc::make_mut(changed).absorb(since_last);
            Some((whole, bytes, changed.clone()))
        });
        // The readers' copy: it holds the ranking index, and right after `committed` adopted
        // the batch it stands at the working copy's head. Readers go on reading meanwhile.
        let state = read_state(&self.shared).clone();
        if changes.is_none() {
            self.since_last = ChangedSince::default();
            self.stored.whole_next.store(false, Ordering::Relaxed);
            // With every snapshot whole nothing is gathered.
            if !self.whole_snapshots {
                // The index marks the rows changed from here on. Only this thread changes
                // the readers' copy, so it still stands where the clone was taken; the lock
                // is held for the reset alone.
                write_lock(&self.shared).rankings.track_rows();
                self.since_whole = Some((state.head, Arc::default()));
            }
        }
        // The writer's pause for this snapshot: nothing is decided while the state is cloned.
        let clone_ms = cloning.elapsed().as_millis() as u64;
        // The tree was extended by the batch that triggered the snapshot, so it ends where
        // the state does (a few megabytes at a province: the levels above the floor).
        let tree = self.tree.copy_at(state.head.seq);
        let log = self.log.clone();
        let stored = self.stored.clone();
        let spawned = std::thread::Builder::new()
            .name("yinling-snapshot".into())
            .spawn(move || {
                let seq = state.head.seq;
                let head = state.head;
                let started = std::time::Instant::now();
                let mut bytes = 0;
                // Encoded straight into its file: a province's snapshot is over a gigabyte.
                let mut state = Some(state);
                let stored_now = log.put_snapshot_with(seq, &mut |sink| {
                    let Some(state) = state.take() else {
                        return Err(yinling_ledger::LedgerError::Storage(
                            "a snapshot is written once".into(),
                        ));
                    };
                    bytes = match &changes {
                        Some((base, _, changed)) => {
                            replay::encode_changes_into(sink, state, tree.as_ref(), base, changed)?
                        }
                        None => replay::encode_snapshot_into(sink, &state, tree.as_ref())?,
                    };
                    Ok(())
                });
                let kind = if changes.is_some() { "changes" } else { "whole" };
                match (stored_now, &changes) {
                    (Ok(()), Some((base, whole_bytes, _))) => {
                        if bytes > whole_bytes / 2 {
                            stored.whole_next.store(true, Ordering::Relaxed);
                        }
                        tracing::info!(seq, bytes, kind, since = base.seq, clone_ms, elapsed_ms = started.elapsed().as_millis() as u64, "snapshot stored")
                    }
                    (Ok(()), None) => {
                        *stored.whole.lock().unwrap_or_else(|p| p.into_inner()) = Some((head, bytes));
                        tracing::info!(seq, bytes, kind, clone_ms, elapsed_ms = started.elapsed().as_millis() as u64, "snapshot stored")
                    }
                    (Err(e), _) => tracing::warn!(seq, kind, error = %e, "snapshot failed; the next one will be tried later"),
                }
            });
        match spawned {
            Ok(thread) => self.snapshot_thread = Some(thread),
            Err(e) => {
                tracing::warn!(error = %e, "the snapshot's thread could not start; the next one will be tried later")
            }
        }
    }

    /// Waits for the snapshot being stored, if one is: a stopped writer (the service shutting
    /// down, `demo` finishing) leaves the snapshot it started whole in place, not a partial
    /// file, and the next start folds from it instead of from the one before.
    pub fn finish_snapshot(mut self) {
        if let Some(thread) = self.snapshot_thread.take() {
            if !thread.is_finished() {
                tracing::info!("waiting for the snapshot being stored");
            }
            if thread.join().is_err() {
                tracing::warn!(
                    "the snapshot's thread panicked; the next start folds from an earlier one"
                );
            }
        }
    }
}

/// The whole snapshot the next one may be written against, and its size: the last whole one
/// this machine started (`started`), once it is stored (`stored`: one that failed is not), and
/// while the changes since it have not passed half its size (`whole_next`). `None`: the next
/// snapshot is whole.
fn changes_base(
    started: Option<Head>,
    stored: Option<(Head, u64)>,
    whole_next: bool,
) -> Option<(Head, u64)> {
    match (started, stored) {
        (Some(started), Some((whole, bytes))) if started == whole && !whole_next => {
            Some((whole, bytes))
        }
        _ => None,
    }
}

/// Reads the shared state; `apply` never panics on a valid log, so a poisoned lock still
/// holds a whole state.
pub(crate) fn read_state(shared: &RwLock<State>) -> std::sync::RwLockReadGuard<'_, State> {
    shared.read().unwrap_or_else(|p| p.into_inner())
}

fn write_lock(shared: &RwLock<State>) -> std::sync::RwLockWriteGuard<'_, State> {
    shared.write().unwrap_or_else(|p| p.into_inner())
}

impl StateMachine for LedgerMachine {
    type Command = Command;
    type Rejection = Rejection;

    fn decide(&self, command: &Command, context: &Context) -> Result<Vec<Commit>, Rejection> {
        decide(&self.working, &self.policy, command, context)
    }

    fn apply(&mut self, envelope: &Envelope) {
        self.working.apply(envelope);
    }

    fn committed(&mut self, envelopes: &[Envelope], head: Head) {
        {
            let mut shared = write_lock(&self.shared);
            shared.apply_all(envelopes);
            let since = self.since_whole.is_some().then_some(&mut self.since_last);
            shared.adopt(&mut self.working, since);
        }
        self.tree.extend(envelopes);
        // An erasure is durable now: its key goes. A failure here is logged and the key is
        // destroyed on the next start (every erasure in the log is enforced on load).
        if let Err(e) = crate::privacy::destroy_erased(self.working.keys.0.as_ref(), envelopes) {
            tracing::error!(error = %e, "an erased volunteer's key could not be destroyed yet");
        }
        if crate::privacy::any_erased(envelopes) {
            self.erasures.fetch_add(1, Ordering::SeqCst);
        }
        debug_assert_eq!(self.working.head, head);
        self.metrics.head_seq.set(head.seq as i64);
        let every = self.snapshot_every_events;
        let first = envelopes.first().map_or(head.seq, |e| e.seq);
        // A snapshot each time the log crosses a multiple of `every`.
        if head.seq / every > (first - 1) / every {
            self.snapshot();
        }
    }

    fn aborted(&mut self) {
        self.working = read_state(&self.shared).clone();
        self.working.forget_changes();
        self.working.keep_no_rankings();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_ledger::log::{AppendBatch, IdempotencyEntry, Segment, SnapshotWrite};
    use yinling_ledger::merkle::MerkleTree;
    use yinling_ledger::store::{OpenMode, SledLog};
    use yinling_ledger::{LedgerError, StreamId};

    /// A sled log whose snapshots take a while to store, as a province's do.
    struct SlowSnapshots(SledLog);

    impl EventLog for SlowSnapshots {
        fn head(&self) -> Head {
            self.0.head()
        }
        fn append(&self, batch: &AppendBatch) -> Result<Head, LedgerError> {
            self.0.append(batch)
        }
        fn segments(
            &self,
            after: u64,
        ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_> {
            self.0.segments(after)
        }
        fn stream_version(&self, stream: &StreamId) -> Result<u64, LedgerError> {
            self.0.stream_version(stream)
        }
        fn stream_seqs(
            &self,
            stream: &StreamId,
            after_version: u64,
            limit: usize,
        ) -> Result<Vec<u64>, LedgerError> {
            self.0.stream_seqs(stream, after_version, limit)
        }
        fn idempotency(&self, key: &str) -> Result<Option<IdempotencyEntry>, LedgerError> {
            self.0.idempotency(key)
        }
        fn put_snapshot_with(&self, seq: u64, write: SnapshotWrite<'_>) -> Result<(), LedgerError> {
            std::thread::sleep(std::time::Duration::from_millis(300));
            self.0.put_snapshot_with(seq, write)
        }
        fn snapshot_seqs(&self) -> Result<Vec<u64>, LedgerError> {
            self.0.snapshot_seqs()
        }
        fn snapshot(&self, seq: u64) -> Result<Option<Vec<u8>>, LedgerError> {
            self.0.snapshot(seq)
        }
        fn keyring(&self) -> Result<yinling_ledger::personal::SharedKeyring, LedgerError> {
            self.0.keyring()
        }
    }

    /// A snapshot holds only the changes since the last whole one when that one was stored,
    /// is the one this run started last, and the changes have not grown past half its size.
    #[test]
    fn the_next_snapshot_is_whole_unless_its_base_is_stored_and_the_changes_are_small() {
        let head = |seq: u64| Head {
            seq,
            hash: yinling_ledger::Hash([seq as u8; 32]),
        };
        // The first of a run, and one after a whole snapshot that is still not stored (or
        // failed): whole.
        assert_eq!(changes_base(None, None, false), None);
        assert_eq!(changes_base(None, Some((head(10), 500)), false), None);
        assert_eq!(changes_base(Some(head(20)), None, false), None);
        assert_eq!(
            changes_base(Some(head(20)), Some((head(10), 500)), false),
            None
        );
        // Its base stored: changes, until they pass half its size.
        assert_eq!(
            changes_base(Some(head(20)), Some((head(20), 500)), false),
            Some((head(20), 500))
        );
        assert_eq!(
            changes_base(Some(head(20)), Some((head(20), 500)), true),
            None
        );
    }

    /// `demo` finishing or the service stopping right after a snapshot began: the stop waits
    /// for it, and the snapshot is listed whole (before, the process left a partial file and
    /// the next start folded from the snapshot before).
    #[test]
    fn a_stopped_writer_leaves_the_snapshot_it_started_stored_whole() -> Result<(), LedgerError> {
        let dir = tempfile::tempdir().map_err(|e| LedgerError::Storage(e.to_string()))?;
        let sled = SledLog::open(dir.path(), OpenMode::CreateIfMissing)?;
        let log: Arc<dyn EventLog> = Arc::new(SlowSnapshots(sled));
        let tree = crate::tree::LogTree::from_tree(MerkleTree::with_floor(8), None);
        let mut machine = LedgerMachine::new(
            State::new(),
            (Arc::new(RwLock::new(State::new())), tree, Arc::default()),
            Policy::default(),
            log.clone(),
            (1, false),
            Arc::new(Metrics::new()),
        );
        machine.snapshot();
        assert_eq!(
            log.snapshot_seqs()?,
            Vec::<u64>::new(),
            "still being stored"
        );
        machine.finish_snapshot();
        assert_eq!(log.snapshot_seqs()?, vec![0]);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("snapshots"))
            .map_err(|e| LedgerError::Storage(e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "partial files left: {left:?}");
        Ok(())
    }
}
