//! The chain walk spread over threads: what a start and `yinling verify --hashes-only` pay
//! for every event of the log, and what an auditor's check of the whole chain on a running
//! node pays (`GET /v1/audit/verify`, every record also decoded).
//!
//! Checking a link needs only the record and the stored hash of the record before it, so the
//! hashing does not have to wait for the check of the link before. Chunks of consecutive
//! segments are hashed on worker threads; the calling thread reads the segments, checks the
//! one link between a chunk and the chunk before (its first record against the last hash
//! the walk accepted), and hands the events on in order. The report is the same as the walk
//! of one thread ([`crate::log::verify_each`] at the same [`crate::log::VerifyDepth`]): the
//! same first damaged event, named with the same words.
//!
//! SHA-256 is half of a walk's time even with the processor's SHA instructions (a profile of
//! `yinling verify --hashes-only` over 5.7 million events, BENCHMARKS.md), so a second core
//! is the one lever left on its time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use crate::chain::{Broken, ChainCheck};
use crate::codec::{self, SegmentReader};
use crate::digest::Hash;
use crate::envelope::Head;
use crate::error::LedgerError;
use crate::limits::{WALK_CHUNKS_IN_FLIGHT_PER_THREAD, WALK_CHUNK_BYTES};
use crate::log::{EventLog, Segment, VerifyDepth, VerifyReport};
use crate::merkle::leaf_hash;

/// One event as the walk hands it on: its place and hash, and (when asked for) its leaf in
/// the Merkle tree over the log, hashed on a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walked {
    /// Seq and chain hash.
    pub head: Head,
    /// `leaf_hash(hash)`, or [`Hash::GENESIS`] when leaves were not asked for.
    pub leaf: Hash,
}

/// What a worker found in a chunk: every record but the first checked against the one before.
struct ChunkCheck {
    /// The first record: its link to the chunk before is checked in order, by the calling
    /// thread.
    first: Option<Vec<u8>>,
    /// The records that read and linked, in order (the first included).
    walked: Vec<Walked>,
    /// The first record that did not read or link, after the ones in `walked`.
    bad: Option<Broken>,
}

/// What a worker sends back: a chunk hashed, or why the worker stopped.
type Checked = Result<(usize, ChunkCheck), String>;

/// A worker's end of the results: if the worker panics, the walk is told so as the worker
/// unwinds, instead of waiting for the chunk it held.
struct Worker(mpsc::Sender<Checked>);

impl Drop for Worker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self
                .0
                .send(Err("a worker of the chain walk panicked".into()));
        }
    }
}

/// One place in the order the walk hands events on.
enum Slot {
    /// A chunk sent to the workers (its first segment's seq).
    Sent(u64),
    /// A chunk hashed.
    Checked(u64, ChunkCheck),
    /// The log could not give the next segment: damaged there.
    Damaged(Broken),
    /// The log could not be read.
    Failed(LedgerError),
}

/// How a walk is spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkOptions {
    /// Hashing workers (at least one is started).
    pub threads: usize,
    /// Bytes of segments a worker takes at once (a chunk holds at least one segment).
    pub chunk_bytes: usize,
    /// Whether each event's Merkle leaf is hashed too (the start's tree is built from them).
    pub leaves: bool,
    /// How thoroughly each event is checked: its link alone, or also decoded and its seq and
    /// previous hash compared with its place (an auditor's check; the decoding is most of
    /// its cost, and it is spread over the workers with the hashing).
    pub depth: VerifyDepth,
}

impl WalkOptions {
    /// A worker a core, in chunks of [`WALK_CHUNK_BYTES`]. A start's load runs beside its
    /// walk, and the walk takes the cores the load leaves.
    pub fn on_every_core(leaves: bool) -> Self {
        WalkOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_bytes: WALK_CHUNK_BYTES,
            leaves,
            depth: VerifyDepth::Hashes,
        }
    }
}

/// Walks the whole chain of `log` as `options` say, calling `progress` with the last
/// verified seq after every chunk and `each` with every verified event in order (with its
/// Merkle leaf when asked for). Stops at the first damaged event and names it, as the walk of
/// one thread does.
pub fn walk_hashes(
    log: &dyn EventLog,
    options: WalkOptions,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(&Walked),
) -> Result<VerifyReport, LedgerError> {
    walk_segments(log.head(), log.segments(0), options, progress, each)
}

/// [`walk_hashes`] over segments from any source, from the first, against the head the log
/// `claimed` when the walk began (a source that opens the log again as it goes,
/// a start's `SegmentsInRounds`, is walked so).
pub fn walk_segments(
    claimed: Head,
    segments: Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_>,
    options: WalkOptions,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(&Walked),
) -> Result<VerifyReport, LedgerError> {
    let threads = options.threads.max(1);
    let (leaves, depth) = (options.leaves, options.depth);
    let stop = AtomicBool::new(false);
    // Room for every chunk the walk keeps in flight: the reading thread never waits on a
    // full queue, where a worker that stopped would leave it waiting for good.
    let (jobs, job_queue) =
        mpsc::sync_channel::<(usize, Vec<Segment>)>(threads * WALK_CHUNKS_IN_FLIGHT_PER_THREAD);
    let job_queue = Mutex::new(job_queue);
    let (results, checked) = mpsc::channel::<Checked>();
    let (verified, first_bad) = std::thread::scope(|scope| {
        let mut refused = None;
        let mut workers = Vec::new();
        for _ in 0..threads {
            let guard = Worker(results.clone());
            let (job_queue, stop) = (&job_queue, &stop);
            let worker = std::thread::Builder::new()
                .name("yinling-walk".into())
                .spawn_scoped(scope, move || loop {
                    let job = match job_queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, chunk)) = job else { return };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    if guard
                        .0
                        .send(Ok((index, check_chunk(&chunk, leaves, depth))))
                        .is_err()
                    {
                        return;
                    }
                });
            match worker {
                Ok(worker) => workers.push(worker),
                Err(e) => refused = Some(e),
            }
        }
        drop(results);
        // A thread the system refuses leaves the walk to the workers it has; with none, the
        // walk fails with a message instead of waiting for results that never come.
        if workers.is_empty() {
            let why = refused.map_or_else(String::new, |e| e.to_string());
            return Err(LedgerError::Storage(format!(
                "the chain walk's threads could not start: {why}"
            )));
        }
        let merged = merge(
            segments,
            (workers.len(), depth),
            options.chunk_bytes,
            jobs,
            &checked,
            progress,
            each,
        );
        stop.store(true, Ordering::Relaxed);
        // Joined here, not by the scope, so that a worker that panicked fails the walk with
        // a message instead of panicking the caller.
        let mut panicked = false;
        for worker in workers {
            panicked |= worker.join().is_err();
        }
        match merged {
            Ok(_) if panicked => Err(LedgerError::Storage(
                "a worker of the chain walk panicked".into(),
            )),
            merged => merged,
        }
    })?;
    Ok(VerifyReport {
        verified,
        claimed,
        first_bad: first_bad.or_else(|| Broken::short_of(claimed, verified)),
    })
}

/// The calling thread's part: reads segments into chunks and sends them, and takes the
/// workers' results back in order. Returns the last event accepted and the first damage.
fn merge(
    mut segments: Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_>,
    (threads, depth): (usize, VerifyDepth),
    chunk_bytes: usize,
    jobs: mpsc::SyncSender<(usize, Vec<Segment>)>,
    checked: &mpsc::Receiver<Checked>,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(&Walked),
) -> Result<(Head, Option<Broken>), LedgerError> {
    let in_flight = threads * WALK_CHUNKS_IN_FLIGHT_PER_THREAD;
    let mut slots: BTreeMap<usize, Slot> = BTreeMap::new();
    let (mut sent, mut next) = (0usize, 0usize);
    let mut exhausted = false;
    let mut head = Head::default();
    loop {
        while !exhausted && sent - next < in_flight {
            let mut chunk = Vec::new();
            let mut bytes = 0;
            let mut end = None;
            while bytes < chunk_bytes {
                match segments.next() {
                    None => {
                        exhausted = true;
                        break;
                    }
                    Some(Ok(segment)) => {
                        bytes += segment.bytes.len().max(1);
                        chunk.push(segment);
                    }
                    Some(Err(LedgerError::Corrupt { seq, detail })) => {
                        end = Some(Slot::Damaged(Broken { seq, detail }));
                        break;
                    }
                    Some(Err(e)) => {
                        end = Some(Slot::Failed(e));
                        break;
                    }
                }
            }
            if let Some(first) = chunk.first() {
                slots.insert(sent, Slot::Sent(first.first_seq));
                jobs.send((sent, chunk))
                    .map_err(|_| LedgerError::Storage("the chain walk's workers stopped".into()))?;
                sent += 1;
            }
            if let Some(end) = end {
                slots.insert(sent, end);
                sent += 1;
                exhausted = true;
            }
        }
        let Some(slot) = slots.remove(&next) else {
            return Ok((head, None));
        };
        let (first_seq, result) = match slot {
            Slot::Sent(first_seq) => (first_seq, wait_for(next, checked, &mut slots)?),
            Slot::Checked(first_seq, result) => (first_seq, result),
            Slot::Damaged(broken) => return Ok((head, Some(broken))),
            Slot::Failed(e) => return Err(e),
        };
        next += 1;
        if let Some(bad) = accept(&mut head, (first_seq, depth), result, each) {
            return Ok((head, Some(bad)));
        }
        progress(head.seq);
    }
}

/// Waits for the chunk at `index`, keeping the results of later ones that come first.
fn wait_for(
    index: usize,
    checked: &mpsc::Receiver<Checked>,
    slots: &mut BTreeMap<usize, Slot>,
) -> Result<ChunkCheck, LedgerError> {
    loop {
        let (came, result) = checked
            .recv()
            .map_err(|_| LedgerError::Storage("the chain walk's workers stopped".into()))?
            .map_err(LedgerError::Storage)?;
        if came == index {
            return Ok(result);
        }
        if let Some(place) = slots.get_mut(&came) {
            if let Slot::Sent(seq) = *place {
                *place = Slot::Checked(seq, result);
            }
        }
    }
}

/// Accepts a hashed chunk after the events before it: its place, its first link (and at
/// [`VerifyDepth::Full`] its first record decoded against its place), then its events. The
/// first damage found, in the order of the log.
fn accept(
    head: &mut Head,
    (first_seq, depth): (u64, VerifyDepth),
    result: ChunkCheck,
    each: &mut dyn FnMut(&Walked),
) -> Option<Broken> {
    let expected_first = head.seq + 1;
    if first_seq != expected_first {
        return Some(Broken::missing(expected_first, first_seq));
    }
    if let Some(record) = &result.first {
        if let Err(bad) = depth.check(&mut ChainCheck::after(*head), record) {
            return Some(bad);
        }
    }
    for walked in &result.walked {
        *head = walked.head;
        each(walked);
    }
    result.bad
}

/// A worker's part: every record of consecutive segments read and, but the first, linked to
/// the record before (and decoded, at [`VerifyDepth::Full`]); each one's leaf when asked for.
fn check_chunk(chunk: &[Segment], leaves: bool, depth: VerifyDepth) -> ChunkCheck {
    let mut out = ChunkCheck {
        first: None,
        walked: Vec::new(),
        bad: None,
    };
    let Some(start) = chunk.first() else {
        return out;
    };
    let mut next_seq = start.first_seq;
    // From the chunk's second record on, each is checked against the one before it.
    let mut check: Option<ChainCheck> = None;
    for segment in chunk {
        if segment.first_seq != next_seq {
            out.bad = Some(Broken::missing(next_seq, segment.first_seq));
            return out;
        }
        let mut reader = match SegmentReader::new(&segment.bytes[..]) {
            Ok(r) => r,
            Err(e) => {
                out.bad = Some(Broken::unreadable(next_seq, &e));
                return out;
            }
        };
        loop {
            let record = match reader.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    out.bad = Some(Broken::unreadable(next_seq, &e));
                    return out;
                }
            };
            let checked = match check.as_mut() {
                Some(check) => depth.check(check, record),
                // The first record's link (and what it decodes to) is the calling thread's
                // to check; here it is only read, as `check_hash` reads it.
                None => codec::split_record(record)
                    .map(|(_, hash)| Head {
                        seq: next_seq,
                        hash,
                    })
                    .map_err(|e| Broken {
                        seq: next_seq,
                        detail: e.to_string(),
                    }),
            };
            let head = match checked {
                Ok(head) => head,
                Err(bad) => {
                    out.bad = Some(bad);
                    return out;
                }
            };
            // `check_hash` moved the check on past this record; the chunk's first starts it.
            if check.is_none() {
                out.first = Some(record.to_vec());
                check = Some(ChainCheck::after(head));
            }
            out.walked.push(Walked {
                head,
                leaf: if leaves {
                    leaf_hash(&head.hash.0)
                } else {
                    Hash::GENESIS
                },
            });
            next_seq += 1;
        }
    }
    out
}
