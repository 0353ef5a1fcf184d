//! The whole chain walked after a start that checked only its tail (`serve --verify-tail`).
//!
//! A start from a snapshot that checks only the events after it is a start in seconds on a
//! province's log (the walk of every event's hash is most of the whole-chain start's 43 s,
//! BENCHMARKS.md). Without this walk the events the snapshot holds went unchecked until
//! `yinling verify`, which needs the service stopped. So the node walks them once it serves,
//! on one hashing worker (the other core answers requests), through the handle it serves
//! with, and says how far it has come on `/healthz`. Damage found stops every change: the
//! node refuses writes, as a start that walked the chain first would have refused to start,
//! while reads go on. What it costs: sled would keep up to about half a gigabyte of the pages
//! a walk through a serving handle read (BENCHMARKS.md, "An auditor reading the whole
//! history"), so they are let go of after it (`engine::read_hold::let_go`), leaving about a
//! tenth of a gigabyte (BENCHMARKS.md, "The whole chain walked after a tail start, and what
//! sled kept of old reads let go of").

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yinling_ledger::log::Segment;
use yinling_ledger::walk::{walk_segments, WalkOptions};
use yinling_ledger::{EventLog, LedgerError, SledLog};

use super::damage::{Damage, FoundBy};
use crate::limits::WALK_WORKERS_WHILE_SERVING;

/// Where the walk after the start stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainWalk {
    /// Walking: every event up to `checked_through` is checked so far, of `head`.
    Walking {
        /// The last event checked so far (0 before the first chunk).
        checked_through: u64,
        /// The head the walk goes to: the log's when it began.
        head: u64,
    },
    /// Every event up to `head` checked, in `elapsed`.
    Done {
        /// The head the walk went to.
        head: u64,
        /// How long it took.
        elapsed: Duration,
    },
    /// An event that does not read or link: the node refuses every change from then on.
    Damaged {
        /// The first damaged event.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// The log could not be read (a storage error, not a damaged event): nothing refused,
    /// the walk not finished.
    Failed(String),
    /// The engine shut down before the walk ended.
    Stopped,
}

/// The walk's standing, shared by the walking thread and everyone who asks.
#[derive(Debug, Default)]
pub(super) struct ChainWalkStatus {
    /// `None` when no walk runs (the start checked the whole chain, or nothing).
    walk: Mutex<Option<ChainWalk>>,
    /// Set when the engine shuts down: the walk stops at its next segment.
    stop: AtomicBool,
}

impl ChainWalkStatus {
    /// Where the walk stands; `None` when this start needed none.
    pub(super) fn get(&self) -> Option<ChainWalk> {
        self.walk.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, walk: ChainWalk) {
        *self.walk.lock().unwrap_or_else(|p| p.into_inner()) = Some(walk);
    }

    /// Asks the walk to stop (the engine is shutting down).
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts the walk of every event of `log` on a thread of its own, reporting to `status`.
/// Returns the thread, which ends when the walk does or soon after [`ChainWalkStatus::stop`].
/// Damage found is recorded in `damage`, which refuses every change from then on.
/// On the embedded log (`sled`), what sled kept of the walk's reads is let go of after it.
pub(super) fn spawn(
    log: Arc<dyn EventLog>,
    sled: Option<Arc<SledLog>>,
    status: Arc<ChainWalkStatus>,
    damage: Arc<Damage>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let claimed = log.head();
    status.set(ChainWalk::Walking {
        checked_through: 0,
        head: claimed.seq,
    });
    std::thread::Builder::new()
        .name("yinling-chain".into())
        .spawn(move || {
            let started = Instant::now();
            let options = WalkOptions {
                threads: WALK_WORKERS_WHILE_SERVING,
                ..WalkOptions::on_every_core(false)
            };
            // A walk cut short by the shutdown would look like a log shorter than its head:
            // the segments stop, and the outcome is not looked at.
            let stop = Arc::clone(&status);
            let segments: Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_> =
                Box::new(
                    log.segments(0)
                        .take_while(move |_| !stop.stop.load(Ordering::SeqCst)),
                );
            let walked = walk_segments(
                claimed,
                segments,
                options,
                &mut |checked_through| {
                    status.set(ChainWalk::Walking {
                        checked_through,
                        head: claimed.seq,
                    })
                },
                &mut |_| {},
            );
            let outcome = match walked {
                _ if status.stop.load(Ordering::SeqCst) => ChainWalk::Stopped,
                Ok(report) => match report.first_bad {
                    Some(bad) => ChainWalk::Damaged {
                        seq: bad.seq,
                        detail: bad.detail,
                    },
                    None => ChainWalk::Done {
                        head: claimed.seq,
                        elapsed: started.elapsed(),
                    },
                },
                Err(e) => ChainWalk::Failed(e.to_string()),
            };
            match &outcome {
                ChainWalk::Done { head, elapsed } => tracing::info!(
                    head,
                    ms = elapsed.as_millis() as u64,
                    "the whole chain checked after the start"
                ),
                ChainWalk::Damaged { seq, detail } => {
                    damage.found(*seq, detail, FoundBy::ChainWalk)
                }
                ChainWalk::Failed(why) => tracing::error!(
                    %why,
                    "the check of the whole chain after the start could not read the log; the chain before the snapshot is unchecked"
                ),
                _ => {}
            }
            if let (ChainWalk::Done { .. }, Some(sled)) = (&outcome, &sled) {
                super::read_hold::let_go(sled, "the walk after the start");
            }
            status.set(outcome);
        })
}
