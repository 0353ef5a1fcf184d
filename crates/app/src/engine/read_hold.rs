//! What sled keeps of the old events readers read through the serving handle, let go of as
//! they read.
//!
//! The auditors' feed paged from the first event, the whole-chain check an auditor asks for
//! (`GET /v1/audit/verify`) and an as-of view replayed from a snapshot read old segments
//! through the handle the node serves with, and sled 0.34 keeps up to about 16,000 of the
//! pages they pulled uncounted by its cache: about half a gigabyte at a city of 100,000
//! volunteers, until a restart (BENCHMARKS.md, "An auditor reading the whole history").
//! Counted here, every [`LET_GO_AFTER_EVENTS_READ`] events read are followed by
//! `SledLog::let_go_of_reads`, which has sled count and page out what they left.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use yinling_ledger::SledLog;

use crate::limits::LET_GO_AFTER_EVENTS_READ;

/// Events read since sled was last made to let go of them.
#[derive(Debug, Default)]
pub(super) struct ReadHold {
    /// Events read through the serving handle since the last let-go.
    since: AtomicU64,
    /// Set while one caller lets go: the others read on.
    letting_go: AtomicBool,
}

impl ReadHold {
    /// Counts `events` read from `sled`; when the count passes [`LET_GO_AFTER_EVENTS_READ`],
    /// lets go of what sled kept of them, on the caller's thread (a blocking one: the read
    /// that crosses the mark takes about half a second more at a city of 100,000). Returns
    /// whether it let go.
    pub(super) fn note(&self, sled: &SledLog, events: u64) -> bool {
        let read = self.since.fetch_add(events, Ordering::Relaxed) + events;
        if read < LET_GO_AFTER_EVENTS_READ || self.letting_go.swap(true, Ordering::SeqCst) {
            return false;
        }
        self.since.store(0, Ordering::Relaxed);
        let_go(sled, "old events read");
        self.letting_go.store(false, Ordering::SeqCst);
        true
    }
}

/// Has sled let go of what a long read left (`SledLog::let_go_of_reads`), on the caller's
/// thread, and says so in the log with what read (`after`), the reads it took and how long:
/// after the walk of a tail start (`engine::chain_walk`) and after old events read.
pub(super) fn let_go(sled: &SledLog, after: &'static str) {
    let started = Instant::now();
    match sled.let_go_of_reads() {
        Ok(reads) => tracing::info!(
            after,
            reads,
            ms = started.elapsed().as_millis() as u64,
            "what sled kept of a long read let go of"
        ),
        Err(e) => {
            tracing::warn!(after, error = %e, "cannot let go of what sled kept of a long read")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_ledger::OpenMode;

    /// Reads are counted across callers; the one that passes the mark lets go and the count
    /// starts again from nothing.
    #[test]
    fn every_half_million_events_read_are_let_go_of_once() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let sled = SledLog::open(tmp.path(), OpenMode::CreateIfMissing).expect("log");
        let hold = ReadHold::default();
        let page = LET_GO_AFTER_EVENTS_READ / 4;
        let let_go: Vec<bool> = (0..9).map(|_| hold.note(&sled, page)).collect();
        assert_eq!(
            let_go,
            [false, false, false, true, false, false, false, true, false]
        );
        assert!(hold.note(&sled, LET_GO_AFTER_EVENTS_READ));
        assert!(!hold.note(&sled, 0));
    }
}
