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
//! (`State::adopt`), so after every batch each volunteer is held once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use yinling_ledger::writer::{Context, StateMachine};
use yinling_ledger::{Commit, Envelope, EventLog, Head};
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
    snapshot_running: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl LedgerMachine {
    /// Starts from a state both copies agree on, beside the Merkle tree of the same log.
    pub fn new(
        state: State,
        (shared, tree): (Arc<RwLock<State>>, crate::tree::LogTree),
        policy: Policy,
        log: Arc<dyn EventLog>,
        snapshot_every_events: u64,
        metrics: Arc<Metrics>,
    ) -> Self {
        LedgerMachine {
            working: state,
            shared,
            tree,
            policy,
            log,
            snapshot_every_events: snapshot_every_events.max(1),
            snapshot_running: Arc::new(AtomicBool::new(false)),
            metrics,
        }
    }

    /// Encodes and stores a snapshot of the working state off the writer thread.
    fn snapshot(&self) {
        if self.snapshot_running.swap(true, Ordering::SeqCst) {
            return; // the previous one is still being written
        }
        let cloning = std::time::Instant::now();
        let state = self.working.clone();
        // The writer's pause for this snapshot: nothing is decided while the state is cloned.
        let clone_ms = cloning.elapsed().as_millis() as u64;
        // The tree was extended by the batch that triggered the snapshot, so it ends where
        // the state does (a few megabytes at a province: the levels above the floor).
        let tree = self.tree.copy_at(state.head.seq);
        let log = self.log.clone();
        let running = self.snapshot_running.clone();
        let spawned = std::thread::Builder::new()
            .name("yinling-snapshot".into())
            .spawn(move || {
                let seq = state.head.seq;
                let started = std::time::Instant::now();
                let mut bytes = 0;
                // Encoded straight into its file: a province's snapshot is over a gigabyte.
                let stored = log.put_snapshot_with(seq, &mut |sink| {
                    bytes = replay::encode_snapshot_into(sink, &state, tree.as_ref())?;
                    Ok(())
                });
                match stored.map(|()| bytes) {
                    Ok(bytes) => tracing::info!(seq, bytes, clone_ms, elapsed_ms = started.elapsed().as_millis() as u64, "snapshot stored"),
                    Err(e) => tracing::warn!(seq, error = %e, "snapshot failed; the next one will be tried later"),
                }
                running.store(false, Ordering::SeqCst);
            });
        if spawned.is_err() {
            self.snapshot_running.store(false, Ordering::SeqCst);
        }
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
            shared.adopt(&mut self.working);
        }
        self.tree.extend(envelopes);
        // An erasure is durable now: its key goes. A failure here is logged and the key is
        // destroyed on the next start (every erasure in the log is enforced on load).
        if let Err(e) = crate::privacy::destroy_erased(self.working.keys.0.as_ref(), envelopes) {
            tracing::error!(error = %e, "an erased volunteer's key could not be destroyed yet");
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
    }
}
