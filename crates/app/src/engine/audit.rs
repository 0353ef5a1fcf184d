//! An auditor's check of the whole chain on a running node (`GET /v1/audit/verify`, the web
//! app's audit page): every event's link checked and its record decoded against its place.
//!
//! It reads through the handle the node serves with, beside requests, so it is spread as
//! the walk after a tail start is (`engine::chain_walk`): one worker hashes and decodes
//! beside the thread that reads, and a core is left for requests. What sled keeps of its
//! reads is let go of as it goes (`engine::read_hold`). Damage it finds refuses every change
//! from then on (`engine::damage`).

use yinling_ledger::log::{VerifyDepth, VerifyReport};
use yinling_ledger::walk::{walk_segments, WalkOptions};

use super::damage::FoundBy;
use super::Engine;
use crate::error::AppError;
use crate::limits::WALK_WORKERS_WHILE_SERVING;

impl Engine {
    /// Walks the whole chain (in the caller's blocking context). Damage found refuses every
    /// change from then on, as the walk after a tail start does (`engine::damage`): an
    /// auditor who finds the log damaged need not also reach the operator to stop writes.
    ///
    /// One at a time: a walk of a province's chain takes minutes, so a second audit
    /// while one runs (an auditor's double click, two auditors at once) is refused as
    /// unavailable (503 and Retry-After over HTTP) rather than run beside it.
    ///
    /// The records are hashed and decoded on [`WALK_WORKERS_WHILE_SERVING`] workers beside the
    /// thread that reads them (a core is left for requests), and what sled keeps of the
    /// reads is let go of every half million events as the walk goes, as for every other
    /// long read through the serving handle: at a city of 100,000 volunteers the walk's
    /// peak over the node at rest is 0.27–0.28 GB instead of 0.90–0.91, for about 1.5 times
    /// the time (BENCHMARKS.md, "An auditor's walk on a worker, let go of as it reads").
    pub fn verify(&self, depth: VerifyDepth) -> Result<VerifyReport, AppError> {
        let _walking = match self.audit_walk.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(AppError::Unavailable(
                    "another check of the whole chain is running on this node; try again \
                     when it has ended (at a province it takes a few minutes)"
                        .into(),
                ))
            }
        };
        let options = WalkOptions {
            threads: WALK_WORKERS_WHILE_SERVING,
            depth,
            ..WalkOptions::on_every_core(false)
        };
        // What sled keeps of the walk's reads is let go of as it goes, not once at its end.
        let mut counted = 0;
        let report = walk_segments(
            self.log.head(),
            self.log.segments(0),
            options,
            &mut |checked_through| {
                self.note_log_read(checked_through.saturating_sub(counted));
                counted = checked_through;
            },
            &mut |_| {},
        )
        .map_err(|e| AppError::internal(&e))?;
        if let Some(bad) = &report.first_bad {
            self.damage.found(bad.seq, &bad.detail, FoundBy::Audit);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use yinling_ledger::PolicyChange;
    use yinling_projections::{Command, Principal};

    use super::*;
    use crate::engine::EngineConfig;

    /// One audit's walk of the whole chain at a time: while one runs, another is refused as
    /// unavailable (503 and Retry-After over HTTP) and walks nothing; once it has ended, the
    /// next one runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn audits_walk_the_chain_one_at_a_time() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let engine = Engine::open(&EngineConfig::new(tmp.path()), metrics).expect("open");
        let command = Command::SetPolicy {
            change: PolicyChange::HoldTtl { seconds: 86_400 },
            note: "1 天".into(),
        };
        engine
            .submit(&Principal::System, command, None)
            .await
            .expect("appended");
        let walking = engine.audit_walk.lock().expect("free");
        let refused = engine.verify(VerifyDepth::Full).err();
        assert!(
            matches!(&refused, Some(AppError::Unavailable(why)) if why.contains("another check")),
            "{refused:?}"
        );
        drop(walking);
        let report = engine
            .verify(VerifyDepth::Full)
            .expect("the walk is free again");
        assert!(report.is_ok() && report.verified.seq == 1, "{report:?}");
        engine.shutdown().await;
    }
}
