//! Test hooks that make the log's storage fail as a failing disk would, so that tests can
//! show what a failure leaves (nothing partial, a clear error, a log that goes on or stops).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::error::LedgerError;

/// Test hook: makes the next N flushes fail as if the disk returned an I/O error.
///
/// The store undoes the batch it could not flush, so the failure is all-or-nothing, and
/// reports [`LedgerError::Storage`]; later appends succeed once the count reaches zero.
#[derive(Clone, Debug, Default)]
pub struct FaultInjector {
    flushes: Arc<AtomicU32>,
    undos: Arc<AtomicU32>,
    removals: Arc<AtomicU32>,
    flush_first: Arc<AtomicU32>,
}

impl FaultInjector {
    /// Fails the next `count` flushes.
    pub fn fail_next_flushes(&self, count: u32) {
        self.flushes.store(count, Ordering::SeqCst);
    }

    /// Fails the undo of the next failed flush too, as a disk failing twice in a row would.
    pub fn fail_next_undo(&self) {
        self.undos.store(1, Ordering::SeqCst);
    }

    /// Makes sled's files durable just before the next injected flush failure, after sled
    /// took the failing commit's writes: what the checkpoint thread's flush does when it
    /// lands between a commit's insert and its undo.
    pub fn flush_sled_before_next_failure(&self) {
        self.flush_first.store(1, Ordering::SeqCst);
    }

    /// Whether sled is to be flushed before this failure (counting it off).
    pub(crate) fn take_flush_first(&self) -> bool {
        take_one(&self.flush_first)
    }

    /// Fails the next `count` removals of an old snapshot, as a file the system will not let
    /// go of would.
    pub fn fail_next_snapshot_removals(&self, count: u32) {
        self.removals.store(count, Ordering::SeqCst);
    }

    /// Whether this removal of an old snapshot is to fail (counting it off).
    pub(crate) fn take_removal(&self) -> bool {
        take_one(&self.removals)
    }

    /// Whether this flush is to fail (counting it off).
    pub(crate) fn take(&self) -> bool {
        take_one(&self.flushes)
    }

    /// Whether this undo is to fail (counting it off).
    pub(crate) fn take_undo(&self) -> bool {
        take_one(&self.undos)
    }
}

fn take_one(count: &AtomicU32) -> bool {
    count
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// The error a test asked `faults` for, once per count.
pub(crate) fn injected_fault(faults: &FaultInjector) -> Result<(), LedgerError> {
    if faults.take() {
        return Err(LedgerError::Storage(
            "injected I/O error: no space left on device".into(),
        ));
    }
    Ok(())
}
