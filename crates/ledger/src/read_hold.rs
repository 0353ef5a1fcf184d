//! What sled keeps of a long read through a serving handle, let go of.
//!
//! sled 0.34 counts a page against its cache's capacity only when it handles the accesses
//! queued in the page's shard: 256 shards, each handling its queue when 64 accesses have
//! filled it (`lru.rs`). After a long read (the walk of the whole chain after a tail start,
//! the auditors' feed paged from the first event), up to 63 pages a shard, about 16,000, are
//! held uncounted, whatever the capacity: about half a gigabyte of pulled leaves on the
//! city of 100,000 volunteers (BENCHMARKS.md, "An auditor reading the whole history"). They
//! are paged out only when their shard's queue fills again. Reading a few thousand leaves
//! already read, many times over, fills every shard's queue: the pages the long read left
//! are counted, and all but the cache's capacity are paged out.

use crate::error::LedgerError;
use crate::keys::{segment_key, SEGMENT_PREFIX};
use crate::limits::{LET_GO_PASSES, LET_GO_SEGMENTS, LET_GO_SEGMENT_STRIDE};
use crate::store::SledLog;

impl SledLog {
    /// Fills every shard's queue of sled's cache with reads of the newest segments' leaves
    /// ([`LET_GO_SEGMENTS`] of them, one in [`LET_GO_SEGMENT_STRIDE`], read
    /// [`LET_GO_PASSES`] times), so that what a long read left uncounted is counted and paged
    /// out. Returns the reads made. Changes nothing stored.
    pub fn let_go_of_reads(&self) -> Result<u64, LedgerError> {
        let keys: Vec<sled::IVec> = self
            .db()
            .range(segment_key(0)..=segment_key(u64::MAX))
            .keys()
            .rev()
            .take(LET_GO_SEGMENTS)
            .step_by(LET_GO_SEGMENT_STRIDE)
            .collect::<Result<_, _>>()?;
        debug_assert!(keys.iter().all(|k| k.first() == Some(&SEGMENT_PREFIX)));
        let mut reads = 0;
        for _ in 0..LET_GO_PASSES {
            for key in &keys {
                self.db().get(key)?;
                reads += 1;
            }
        }
        Ok(reads)
    }
}
