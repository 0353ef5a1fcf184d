//! The log's segments read in rounds, the log closed and opened again between them.
//!
//! sled 0.34 keeps in memory what a read touched for as long as its database is open,
//! whatever its cache's capacity (SCALE.md, "What would have to change", item 0). A walk of
//! every event through one handle therefore holds what it read until it ends: on a city of
//! 100,000 volunteers at a province's density (5.7 M events) a start that walked beside its
//! load peaked at 1.37 million KiB beside 0.6 at rest. A start now walks first and loads
//! after, and reads in rounds of [`WALK_ROUND_BYTES`] of segments, each through a handle of
//! its own, so the walk holds at most one round's. On a province's log (57 M events) what one
//! handle held was no longer the bytes read but sled's page table, 1.1 GB with or without
//! rounds, while each round's open cost 0.3 s (BENCHMARKS.md, "A province at its density,
//! measured"): a large log is walked in [`WALK_ROUNDS_AT_MOST`] rounds ([`round_bytes_for`]).
//!
//! Between two rounds nothing holds the log's lock. The handle opened for the next round must
//! find the head the walk began with, or the walk fails ([`LedgerError::HeadMoved`]): another
//! process that wrote in between is never walked past unseen. [`SledLog::open_again`] is that
//! check, for every handle opened after one was closed (the start's, too).

use std::path::{Path, PathBuf};

use crate::codec::SegmentReader;
use crate::envelope::Head;
use crate::error::LedgerError;
pub use crate::limits::{WALK_ROUNDS_AT_MOST, WALK_ROUND_BYTES};
use crate::log::{verify_segments, EventLog, Segment, VerifyDepth, VerifyReport};
use crate::store::{OpenMode, SledLog};
use crate::walk::{walk_segments, WalkOptions};

impl SledLog {
    /// Opens the log in `dir` again after a handle of it was closed, requiring the `head`
    /// that handle had: the directory's lock was released between the two, and a log another
    /// process appended to meanwhile is refused ([`LedgerError::HeadMoved`]).
    pub fn open_again(dir: &Path, head: Head) -> Result<SledLog, LedgerError> {
        let log = SledLog::open(dir, OpenMode::MustExist)?;
        let now = log.head();
        if now != head {
            return Err(LedgerError::HeadMoved {
                expected: head.seq,
                actual: now.seq,
            });
        }
        Ok(log)
    }
}

/// The bytes of a round for a walk of `log`: [`WALK_ROUND_BYTES`], or the log's size on disk
/// over [`WALK_ROUNDS_AT_MOST`] when that is more (a province's log in eight rounds, not fifty).
pub fn round_bytes_for(log: &SledLog) -> usize {
    let on_disk = log
        .size_on_disk()
        .map_or(0, |b| usize::try_from(b).unwrap_or(usize::MAX));
    WALK_ROUND_BYTES.max(on_disk / WALK_ROUNDS_AT_MOST)
}

/// Verifies the chain of `log`, opened on `dir`, at `depth` (the links on every core, or every
/// record decoded on one), reading it in rounds of `round_bytes` of segments; `log` is closed
/// after its round, and every handle is closed when this returns. The report is against the
/// head `log` had (`claimed`): a caller that reads on opens the log again at it
/// ([`SledLog::open_again`]). A start and `yinling verify` walk the embedded log so.
pub fn verify_in_rounds(
    log: SledLog,
    dir: &Path,
    depth: VerifyDepth,
    round_bytes: usize,
) -> Result<VerifyReport, LedgerError> {
    let started = std::time::Instant::now();
    let mut rounds = SegmentsInRounds::new(log, dir, round_bytes);
    let claimed = rounds.claimed();
    let report = verify_at(claimed, Box::new(&mut rounds), depth)?;
    tracing::debug!(
        rounds = rounds.rounds(),
        ms = started.elapsed().as_millis() as u64,
        "the chain walked in rounds"
    );
    Ok(report)
}

/// Verifies the chain of `segments`, from the first, against the head the log `claimed` when
/// the walk began, at `depth`: the links on every core ([`walk_segments`]), or every record
/// decoded on one ([`verify_segments`]). One function for every walk `yinling verify` makes,
/// in rounds or through one handle (a NATS stream), so that a depth means the same in both.
pub fn verify_at<'a>(
    claimed: Head,
    segments: Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + 'a>,
    depth: VerifyDepth,
) -> Result<VerifyReport, LedgerError> {
    match depth {
        VerifyDepth::Hashes => walk_segments(
            claimed,
            segments,
            WalkOptions::on_every_core(false),
            &mut |_| {},
            &mut |_| {},
        ),
        VerifyDepth::Full => verify_segments(claimed, segments, depth, &mut |_| {}, &mut |_| {}),
    }
}

/// A source of segments, from the first, that closes the log and opens it again every
/// `round_bytes` of segments handed on (for [`crate::walk::walk_segments`]).
pub struct SegmentsInRounds {
    dir: PathBuf,
    claimed: Head,
    round_bytes: usize,
    // Dropped before `log`: the iterator reads through the handle's trees.
    inner: Option<Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send>>,
    log: Option<SledLog>,
    /// The first seq of the last segment handed on: a round starts after it.
    last_first_seq: Option<u64>,
    bytes_this_round: usize,
    /// Whether the last segment handed on holds the claimed head: no round follows.
    at_head: bool,
    rounds: usize,
}

impl SegmentsInRounds {
    /// Segments of the log `log` opened on `dir`, from the first; `log` is closed once its
    /// round is read.
    pub fn new(log: SledLog, dir: &Path, round_bytes: usize) -> Self {
        SegmentsInRounds {
            dir: dir.to_path_buf(),
            claimed: log.head(),
            round_bytes: round_bytes.max(1),
            inner: Some(log.segments_owned(0)),
            log: Some(log),
            last_first_seq: None,
            bytes_this_round: 0,
            at_head: false,
            rounds: 1,
        }
    }

    /// The head the log had when the walk began (what it is checked against).
    pub fn claimed(&self) -> Head {
        self.claimed
    }

    /// Rounds begun so far (one handle each).
    pub fn rounds(&self) -> usize {
        self.rounds
    }

    /// Closes the log (what the round read is given back) and opens it again, at the
    /// segment after the last one handed on.
    fn open_again(&mut self) -> Result<(), LedgerError> {
        self.inner = None;
        self.log = None;
        let log = SledLog::open_again(&self.dir, self.claimed)?;
        // The segment holding the seq after the last one handed on's first: that segment
        // itself when it holds more than one event, passed over in `next`.
        self.inner = Some(log.segments_owned(self.last_first_seq.unwrap_or(0)));
        self.log = Some(log);
        self.bytes_this_round = 0;
        self.rounds += 1;
        Ok(())
    }
}

impl Iterator for SegmentsInRounds {
    type Item = Result<Segment, LedgerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at_head {
            return None;
        }
        if self.bytes_this_round >= self.round_bytes && self.inner.is_some() {
            if let Err(e) = self.open_again() {
                self.inner = None;
                self.log = None;
                return Some(Err(e));
            }
        }
        let inner = self.inner.as_mut()?;
        loop {
            let item = inner.next()?;
            if let Ok(segment) = &item {
                if self
                    .last_first_seq
                    .is_some_and(|last| segment.first_seq <= last)
                {
                    continue;
                }
                self.last_first_seq = Some(segment.first_seq);
                self.bytes_this_round += segment.bytes.len();
                // Its header counts its records; one that does not read is the walk's to
                // name, and the rounds go on.
                let records = SegmentReader::new(&segment.bytes).map_or(0, |r| r.remaining());
                self.at_head =
                    records > 0 && segment.first_seq + u64::from(records) > self.claimed.seq;
            }
            return Some(item);
        }
    }
}
