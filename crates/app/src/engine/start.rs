//! How an engine starts: the chain checked (on the embedded log walked first, in rounds;
//! on a cluster's log walked beside the load; or by the fold alone), the state loaded, and
//! the Merkle tree over the log taken from a snapshot or built.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yinling_ledger::log::VerifyDepth;
use yinling_ledger::rounds::{round_bytes_for, verify_in_rounds};
use yinling_ledger::{EventLog, LedgerError, SledLog};
use yinling_projections::State;

use super::{Engine, EngineConfig, EngineError, StartCheck, StartupReport};
use crate::load::{load, Loaded};

/// What a start read from the log, before the engine is assembled over it.
pub(super) struct Started {
    pub(super) report: StartupReport,
    pub(super) tree: yinling_ledger::merkle::MerkleTree,
    /// The writer's working copy.
    pub(super) state: State,
    /// The readers' copy.
    pub(super) copy: State,
    /// What the writer's first snapshot counts on from (see [`crate::load::Carried`]).
    pub(super) carried: Option<crate::load::Carried>,
}

impl Engine {
    /// A whole-chain start of the embedded log from a snapshot: the chain walked first, on
    /// every core, in rounds ([`round_bytes_for`]), each through a handle of its own (sled
    /// keeps what a handle read until it is closed: beside the load, the walk of 5.7 M events
    /// held 0.78 million KiB at the start's peak, BENCHMARKS.md "A start's walk in
    /// rounds"); the load follows, from the snapshot's tail. Returns the log opened again
    /// after the walk, and the walk's time; or `first` as it is, and no time, when the start
    /// checks less than the whole chain or has no snapshot to load (the fold then checks every
    /// link as it reads, with no walk beside it).
    pub(super) fn walk_in_rounds(
        config: &EngineConfig,
        first: SledLog,
    ) -> Result<(SledLog, Option<Duration>), EngineError> {
        let whole_from_snapshot = config.start_check == StartCheck::WholeChain
            && config.use_snapshots
            && !first.snapshot_seqs()?.is_empty();
        if !whole_from_snapshot {
            return Ok((first, None));
        }
        let started = Instant::now();
        let round_bytes = round_bytes_for(&first);
        let verified = verify_in_rounds(first, &config.data_dir, VerifyDepth::Hashes, round_bytes)?;
        if let Some(bad) = verified.first_bad {
            return Err(Self::damaged(config, bad.seq, bad.detail));
        }
        let again = SledLog::open_again(&config.data_dir, verified.claimed)?;
        Ok((again, Some(started.elapsed())))
    }

    /// What a start reads from the log: the chain walked (and checked, if configured) into the
    /// Merkle tree, and the state loaded, with the readers' copy.
    pub(super) fn start(
        config: &EngineConfig,
        log: Arc<dyn EventLog>,
    ) -> Result<Started, EngineError> {
        if config.start_check != StartCheck::WholeChain {
            return Self::start_from_tail(config, log);
        }
        let mut report = StartupReport {
            head: log.head(),
            checked_from: Some(1),
            ..StartupReport::default()
        };
        // A snapshot stores the Merkle tree over the events it covers, trusted as the state
        // beside it is (one checksum covers both, and the hash of its last event is compared
        // with the log's). Starting from one, the walk checks the links alone and the tree is
        // the snapshot's, grown by the tail the load folds: three of the eight SHA-256 blocks
        // an event costs the walk. Without one, the fold alone checks every link and builds the
        // tree.
        let from_snapshot = config.use_snapshots && !log.snapshot_seqs()?.is_empty();
        if !from_snapshot {
            return Self::start_by_fold(config, log, report);
        }
        // The chain walk and the state load read the log independently: run them side by side
        // (the embedded log's walk ran before, in rounds, `walk_in_rounds`).
        let (verified, loaded) = std::thread::scope(|scope| {
            let walker = scope.spawn(|| {
                let started = Instant::now();
                yinling_ledger::walk::walk_hashes(
                    &*log,
                    yinling_ledger::walk::WalkOptions::on_every_core(false),
                    &mut |_| {},
                    &mut |_| {},
                )
                .map(|r| (r, started.elapsed()))
            });
            let started = Instant::now();
            // The writer decides on its own copy (a clone without the ranking index, made
            // here beside the walk); readers keep the state as loaded.
            let loaded = load(&*log, None, config.use_snapshots, true).map(|mut loaded| {
                let writers = loaded.state.clone_for_writer();
                let readers = std::mem::replace(&mut loaded.state, writers);
                (loaded, readers, started.elapsed())
            });
            let verified = walker
                .join()
                .unwrap_or_else(|_| Err(LedgerError::Storage("the chain walk panicked".into())));
            (verified, loaded)
        });
        let (verified, elapsed) = verified?;
        report.verify = elapsed;
        if let Some(bad) = verified.first_bad {
            return Err(Self::damaged(config, bad.seq, bad.detail));
        }
        let (mut loaded, copy, load) = loaded?;
        report.load = load;
        let tree = Self::tree_of(config, &*log, &mut loaded, &mut report)?;
        Self::started(report, loaded, tree, Some(copy))
    }

    /// The tree the load carried to the state's head (the snapshot's, grown by the tail, or
    /// built by the fold from the first event); when the snapshot it used stored none, the
    /// chain walked again to build it.
    fn tree_of(
        config: &EngineConfig,
        log: &dyn EventLog,
        loaded: &mut Loaded,
        report: &mut StartupReport,
    ) -> Result<yinling_ledger::merkle::MerkleTree, EngineError> {
        let head = loaded.state.head.seq;
        if let Some(tree) = loaded.tree.take().filter(|t| t.len() == head) {
            return Ok(tree);
        }
        let started = Instant::now();
        let (tree, walked) = crate::tree::LogTree::walk(log)?;
        report.verify += started.elapsed();
        match walked.first_bad {
            Some(bad) => Err(Self::damaged(config, bad.seq, bad.detail)),
            None => Ok(tree),
        }
    }

    /// A start of [`StartCheck::WholeChain`] with no snapshot to load (a rebuild): the fold
    /// reads every event from the first, checking each link as it decodes the event, and
    /// builds the tree. A walk beside it would hash every event a second time.
    fn start_by_fold(
        config: &EngineConfig,
        log: Arc<dyn EventLog>,
        mut report: StartupReport,
    ) -> Result<Started, EngineError> {
        let started = Instant::now();
        let mut loaded = match load(&*log, None, config.use_snapshots, true) {
            Err(LedgerError::Corrupt { seq, detail }) => {
                return Err(Self::damaged(config, seq, detail))
            }
            loaded => loaded?,
        };
        report.load = started.elapsed();
        let head = loaded.state.head;
        if let Some(short) = yinling_ledger::chain::Broken::short_of(report.head, head) {
            return Err(Self::damaged(config, short.seq, short.detail));
        }
        let tree = Self::tree_of(config, &*log, &mut loaded, &mut report)?;
        Self::started(report, loaded, tree, None)
    }

    /// The start of [`StartCheck::Tail`] and [`StartCheck::Off`]: the state and the tree
    /// from the newest snapshot, the tail folded, checked and added to the tree; the whole
    /// chain walked only when the snapshot stored no tree.
    fn start_from_tail(
        config: &EngineConfig,
        log: Arc<dyn EventLog>,
    ) -> Result<Started, EngineError> {
        let mut report = StartupReport {
            head: log.head(),
            ..StartupReport::default()
        };
        let started = Instant::now();
        let mut loaded = load(&*log, None, config.use_snapshots, true)?;
        report.load = started.elapsed();
        // The fold checks the tail's links from the snapshot's event (whose hash the load
        // compared with the log's), or the whole chain when it started from the first event.
        report.checked_from = Some(loaded.snapshot_seq.unwrap_or(0) + 1);
        let tree = match loaded.tree.take() {
            Some(tree) => tree,
            None => {
                let started = Instant::now();
                let (tree, verified) = crate::tree::LogTree::walk(&*log)?;
                report.verify = started.elapsed();
                match verified.first_bad {
                    Some(bad) if config.start_check == StartCheck::Tail => {
                        return Err(Self::damaged(config, bad.seq, bad.detail));
                    }
                    _ if config.start_check == StartCheck::Tail => report.checked_from = Some(1),
                    _ => {}
                }
                tree
            }
        };
        if config.start_check == StartCheck::Off {
            report.checked_from = None;
        }
        Self::started(report, loaded, tree, None)
    }

    /// Why a start refuses a damaged log.
    fn damaged(config: &EngineConfig, seq: u64, detail: String) -> EngineError {
        EngineError::Damaged {
            seq,
            detail,
            dir: config.data_dir.display().to_string(),
        }
    }

    /// The start's outcome from the state it loaded, checked against its invariants, with
    /// the readers' copy (unless given, the state as loaded, and the writer's a clone of it
    /// without the ranking index; the clone shares the volunteers and activities).
    fn started(
        mut report: StartupReport,
        loaded: Loaded,
        tree: yinling_ledger::merkle::MerkleTree,
        copy: Option<State>,
    ) -> Result<Started, EngineError> {
        report.snapshot_seq = loaded.snapshot_seq;
        report.replayed_events = loaded.replayed;
        let carried = loaded.carried;
        let mut state = loaded.state;
        let copy = match copy {
            Some(copy) => {
                state.check_invariants().map_err(EngineError::Invariant)?;
                copy
            }
            None => {
                let started = Instant::now();
                let (writers, checked) = state.clone_for_writer_checked();
                checked.map_err(EngineError::Invariant)?;
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "the writer's copy made and the invariants checked"
                );
                std::mem::replace(&mut state, writers)
            }
        };
        Ok(Started {
            report,
            tree,
            state,
            copy,
            carried,
        })
    }
}
