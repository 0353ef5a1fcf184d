//! The embedded event log on sled 0.34: the only code that touches disk.
//!
//! Everything lives in one sled tree so that one `apply_batch` is atomic across the events
//! and their indexes; the same writes, appended to the journal and synced, make a whole group
//! commit durable (see [`crate::journal`]; sled's own files follow at each checkpoint):
//!
//! | key | value |
//! |---|---|
//! | `e` + first seq (u64 BE) | a segment: the records of one group commit |
//! | `s` + stream + `0x00` + first version (u64 BE) | first seq (u64 BE) + count (u32 BE) |
//! | `i` + idempotency key | first seq + count + request digest |
//! | `n` + seq (u64 BE) | a snapshot of the projections after that seq |
//! | `m/layout` | the layout name, so an incompatible directory is refused |
//!
//! One value per group commit (rather than one key per event) is what lets appends reach
//! hundreds of thousands of events per second on sled; a lookup by seq is still one range
//! query (`..= seq`, last entry) plus a walk inside one segment.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::checkpoints::{lock, make_durable, Checkpoints, Job};
use crate::digest::Hash;
use crate::disk_sync::DiskSync;
use crate::envelope::{Head, StreamId};
use crate::error::LedgerError;
use crate::faults::injected_fault;
pub use crate::faults::FaultInjector;
use crate::journal::{self, Journal, JOURNAL_DIR};
use crate::keys::{
    batch_writes, be_u32, be_u64, idempotency_key, is_segment_key, key_store_key, segment_key,
    snapshot_key, stream_prefix, SNAPSHOT_PREFIX,
};
pub use crate::limits::CACHE_CAPACITY_BYTES;
use crate::limits::{LOCK_RETRY_MILLIS, LOCK_WAIT_MILLIS, SLED_BATCH_FROM_KEYS};
use crate::log::{AppendBatch, EventLog, IdempotencyEntry, Segment, SegmentBytes};
use crate::sled_writes::put_writes;
use crate::snapshots::SnapshotFiles;
use crate::witness::{self, Witness, WITNESS_FILE};

const LAYOUT_KEY: &[u8] = b"m/layout";
const LAYOUT: &[u8] = b"yinling-sled-1";

pub use crate::data_dir::OpenMode;

/// A file in a copy being written (`yinling backup` into an existing directory, `yinling
/// migrate --to-data`): while it is there, the directory holds part of a log, and every tool
/// that reads a ledger refuses it.
pub const INCOMPLETE_BACKUP_MARK: &str = "BACKUP-INCOMPLETE";

/// The sled-backed [`EventLog`].
pub struct SledLog {
    path: PathBuf,
    db: sled::Db,
    head: Mutex<Head>,
    /// Set after a failed flush whose undo is not yet durable.
    needs_flush: AtomicBool,
    /// Why a failed commit's keys could not be taken out of sled: the log takes no more
    /// commits until it is opened again (see [`SledLog::undo`]).
    undo_failed: Mutex<Option<String>>,
    faults: FaultInjector,
    witness: Mutex<Witness>,
    /// What sled's flush leaves unsynced: see [`crate::disk_sync`].
    disk: Arc<Mutex<DiskSync>>,
    /// Where each commit is made durable before sled's files hold it: see [`crate::journal`].
    journal: Mutex<Journal>,
    /// The thread that makes sled's files durable when a journal file fills.
    checkpoints: Checkpoints,
    /// Journal records the open applied again (commits sled's files did not hold).
    journal_applied: u64,
    /// Keys the key store made since the last commit, for its journal record.
    keys_made: crate::personal::MadeKeys,
    /// Snapshots, as files beside the log (older builds kept them in the tree).
    snapshots: SnapshotFiles,
}

/// Opens a sled database, retrying a lock error for a short while: a handle closed a moment
/// ago in this process may still hold the lock while sled's background flusher winds down.
/// Every sled store of the ledger opens through here (the log, the outbox, the access log,
/// the published checkpoints), so a quick reopen is never mistaken for another process.
pub(crate) fn open_sled(config: &sled::Config) -> sled::Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        let opened = config.open();
        let locked = matches!(&opened, Err(e) if is_lock_error(e));
        if !locked || started.elapsed().as_millis() >= LOCK_WAIT_MILLIS {
            return opened;
        }
        std::thread::sleep(std::time::Duration::from_millis(LOCK_RETRY_MILLIS));
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

impl SledLog {
    /// [`EventLog::segments`], holding nothing of the log's handle: a reader that opens the
    /// log again as it goes (a start's walk in rounds, `rounds.rs`) keeps the iterator beside
    /// the handle.
    pub(crate) fn segments_owned(
        &self,
        after: u64,
    ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + 'static> {
        let start = self
            .db
            .range(segment_key(0)..=segment_key(after.saturating_add(1)))
            .next_back()
            .and_then(|r| r.ok())
            .and_then(|(k, _)| be_u64(&k[1..]))
            .unwrap_or(0);
        let head_seq = self.head().seq;
        let iter = self
            .db
            .range(segment_key(start)..=segment_key(u64::MAX))
            .map(move |item| {
                let (key, value) = item?;
                let first_seq = be_u64(&key[1..]).ok_or_else(|| LedgerError::Corrupt {
                    seq: 0,
                    detail: "a segment key is malformed".into(),
                })?;
                Ok(Segment {
                    first_seq,
                    bytes: SegmentBytes::new(value),
                })
            })
            // Never show a segment past the durable head (an undone batch in flight).
            .take_while(move |s| s.as_ref().map_or(true, |s| s.first_seq <= head_seq));
        Box::new(iter)
    }

    /// Opens (or creates) the log in `dir` and recovers its head from disk.
    ///
    /// The last group commit is decoded and its chain checked; a damaged tail refuses to
    /// open with [`LedgerError::Corrupt`] naming the seq. Nothing is ever truncated silently.
    pub fn open(dir: &Path, mode: OpenMode) -> Result<Self, LedgerError> {
        let path = dir.to_path_buf();
        crate::data_dir::check_before_open(dir, mode)?;
        let config = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            .cache_capacity(CACHE_CAPACITY_BYTES)
            .flush_every_ms(None);
        // sled panics on some kinds of damaged files instead of returning an error; a damaged
        // directory must be refused with a message, not crash the process. A lock still held
        // after `open_sled`'s wait is reported as another process's.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| open_sled(&config)));
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e)) if is_lock_error(&e) => return Err(LedgerError::Locked { path }),
            Ok(Err(e)) => {
                return Err(LedgerError::Open {
                    path,
                    detail: format!("the storage engine reports: {e}"),
                })
            }
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "unknown failure".into());
                return Err(LedgerError::Open {
                    path,
                    detail: format!("the storage files are damaged ({detail})"),
                });
            }
        };
        match db.get(LAYOUT_KEY)? {
            Some(layout) if &layout[..] == LAYOUT => {}
            Some(other) => {
                return Err(LedgerError::Open {
                    path,
                    detail: format!("unknown layout {:?}", String::from_utf8_lossy(&other[..])),
                })
            }
            None => {
                if db.first()?.is_some() {
                    return Err(LedgerError::Open {
                        path,
                        detail: "the directory holds data that is not a Yinling log".into(),
                    });
                }
                if mode == OpenMode::MustExist {
                    return Err(LedgerError::Open {
                        path,
                        detail: "it holds no Yinling log".into(),
                    });
                }
                db.insert(LAYOUT_KEY, LAYOUT)?;
                db.flush()?;
            }
        }
        // Commits acknowledged from the journal but not yet in sled's files, applied again
        // before the head is read; made durable in sled's own files below.
        let journal_dir = dir.join(JOURNAL_DIR);
        let replayed = journal::replay(&journal_dir, &db)?;
        if replayed.applied > 0 {
            tracing::info!(
                records = replayed.applied,
                "applied the journal's commits that the storage files did not hold yet"
            );
        }
        let head = crate::last_segment::head(&db)?;
        // After the last segment's chain is checked: entries are made from checked events.
        let completed = crate::last_segment::complete(&db)?;
        if completed > 0 {
            tracing::warn!(
                entries = completed,
                "completed the index of the last commit, which a crash left without its journal record"
            );
        }
        db.flush()?;
        if let Some(recorded) = witness::read(dir) {
            if recorded.seq > head.seq {
                return Err(LedgerError::Truncated {
                    path,
                    recorded: recorded.seq,
                    found: head.seq,
                });
            }
            if recorded.seq > 0 && recorded.seq < head.seq {
                if crate::last_segment::stored_hash_at(&db, recorded.seq)? != Some(recorded.hash) {
                    return Err(LedgerError::Corrupt {
                        seq: recorded.seq,
                        detail: format!("it differs from the event recorded in {WITNESS_FILE}: the log was replaced"),
                    });
                }
            } else if recorded.seq == head.seq && recorded.hash != head.hash {
                return Err(LedgerError::Corrupt {
                    seq: head.seq,
                    detail: format!("it differs from the event recorded in {WITNESS_FILE}: the log was replaced"),
                });
            }
        } else if head.seq > 0 {
            tracing::warn!(
                seq = head.seq,
                "no readable {WITNESS_FILE}; recording the current head"
            );
        }
        let witness = Witness::open(dir, head).map_err(|e| LedgerError::Open {
            path: path.clone(),
            detail: format!("cannot write {WITNESS_FILE}: {e}"),
        })?;
        let disk = DiskSync::open(dir).map_err(|e| LedgerError::Open {
            path: path.clone(),
            detail: format!(
                "cannot open sled's files to sync them (the `db` file, the `blobs` directory): {e}"
            ),
        })?;
        // The open's flush and `DiskSync::open`'s syncfs made the journal's commits durable in
        // sled's files: its files can go, and appends start a new one.
        let journal_error = |e: io::Error| LedgerError::Open {
            path: path.clone(),
            detail: format!("cannot start the log's journal in {JOURNAL_DIR}/: {e}"),
        };
        journal::remove_through(&journal_dir, replayed.last_number)
            .or_else(|e| match e.kind() {
                io::ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            })
            .map_err(journal_error)?;
        let journal =
            Journal::create(&journal_dir, replayed.last_number + 1).map_err(journal_error)?;
        let disk = Arc::new(Mutex::new(disk));
        let checkpoints = Checkpoints::start(db.clone(), Arc::clone(&disk), journal_dir)
            .map_err(journal_error)?;
        Ok(SledLog {
            path,
            db,
            head: Mutex::new(head),
            needs_flush: AtomicBool::new(false),
            undo_failed: Mutex::new(None),
            faults: FaultInjector::default(),
            witness: Mutex::new(witness),
            disk,
            journal: Mutex::new(journal),
            checkpoints,
            journal_applied: replayed.applied,
            keys_made: Arc::default(),
            snapshots: SnapshotFiles::new(dir),
        })
    }

    /// The directory this log lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Blob files sled wrote into this log's directory that no flush has synced (ids,
    /// ascending): empty after every acknowledged append, which tests check.
    #[doc(hidden)]
    pub fn unsynced_blobs(&self) -> Result<Vec<u64>, LedgerError> {
        lock(&self.disk)
            .unsynced()
            .map_err(|e| LedgerError::Storage(format!("cannot list sled's blob files: {e}")))
    }

    /// Blob files the log's flushes have synced since open.
    #[doc(hidden)]
    pub fn blobs_synced(&self) -> u64 {
        lock(&self.disk).synced_count()
    }

    /// Group commits the open found only in the journal and applied to sled again: more
    /// than zero after a crash (or a power cut) with commits sled had not yet written.
    pub fn journal_records_applied_at_open(&self) -> u64 {
        self.journal_applied
    }

    /// The fault injector for tests of disk trouble.
    pub fn faults(&self) -> FaultInjector {
        self.faults.clone()
    }

    /// Bytes the log occupies on disk (as sled reports).
    pub fn size_on_disk(&self) -> Result<u64, LedgerError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Direct access to the raw tree, for tests that damage stored bytes on purpose.
    #[doc(hidden)]
    pub fn raw_segment(&self, first_seq: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        Ok(self.db.get(segment_key(first_seq))?.map(|v| v.to_vec()))
    }

    /// Overwrites a stored segment, for tests that damage stored bytes on purpose.
    #[doc(hidden)]
    pub fn raw_overwrite_segment(&self, first_seq: u64, bytes: &[u8]) -> Result<(), LedgerError> {
        self.db.insert(segment_key(first_seq), bytes)?;
        self.db.flush()?;
        Ok(())
    }

    /// The sled database, for the modules beside this one that read it.
    pub(crate) fn db(&self) -> &sled::Db {
        &self.db
    }

    /// Seq of the first event of the segment holding `seq`, for damage tests.
    #[doc(hidden)]
    pub fn raw_segment_start(&self, seq: u64) -> Result<Option<u64>, LedgerError> {
        Ok(self
            .db
            .range(segment_key(0)..=segment_key(seq))
            .next_back()
            .transpose()?
            .and_then(|(k, _)| be_u64(&k[1..])))
    }

    /// Why the log takes no more writes until the service is restarted, if it does not: a
    /// failed commit it could not take back, or storage files it could not make durable.
    /// For the health check, which should not say "ok" while every write is refused.
    pub fn writes_refused(&self) -> Option<String> {
        if let Some(failure) = lock(&self.undo_failed).clone() {
            return Some(format!(
                "the log could not take back a commit that failed ({failure}) and takes no more until the service is restarted once the disk is fixed; the restart finds that commit whole or not at all"
            ));
        }
        if let Some(failure) = lock(&self.disk).failure() {
            return Some(format!(
                "a sync of the log to disk failed ({failure}); nothing more is acknowledged until the service is restarted once the disk is fixed"
            ));
        }
        self.checkpoints.failure().map(|failure| format!(
            "the log could not make its storage files durable ({failure}); restart the service once the disk is fixed"
        ))
    }

    fn flush(&self) -> Result<(), LedgerError> {
        self.injected_fault()?;
        make_durable(&self.db, &self.disk)
    }

    fn injected_fault(&self) -> Result<(), LedgerError> {
        injected_fault(&self.faults)
    }

    /// Makes everything appended durable in sled's own files and removes the journal files
    /// (a clean close does this; so may a backup or a test that looks at sled's files).
    pub fn checkpoint(&self) -> Result<(), LedgerError> {
        let head = lock(&self.head);
        make_durable(&self.db, &self.disk)?;
        lock(&self.journal)
            .renew()
            .map_err(|e| LedgerError::Storage(format!("cannot renew the journal: {e}")))?;
        drop(head);
        Ok(())
    }

    /// Takes a failed commit's keys out of sled. If that fails too, its keys stay in sled
    /// past the head: the next commit would take the same seqs and overwrite its segment, and
    /// its stream index and idempotency entries would then name another commit's events. So
    /// the log stops taking commits instead; the next open finds the failed commit whole (its
    /// segment, chained, and its entries: it becomes part of the log, an outcome the caller was
    /// told is unknown, and a retry with its idempotency key gets its events) or not at all.
    fn undo(&self, batch: &AppendBatch) {
        let mut undo = sled::Batch::default();
        // Every key the commit wrote: its segment or pieces, its stream index entries and
        // idempotency keys.
        if let Some(first) = batch.events.first() {
            for (key, _) in batch_writes(first.envelope.seq, batch) {
                undo.remove(key);
            }
        }
        let undone = if self.faults.take_undo() {
            Err(LedgerError::Storage(
                "injected I/O error: the undo could not be written".into(),
            ))
        } else {
            self.db.apply_batch(undo).map_err(LedgerError::from)
        };
        if let Err(e) = undone {
            tracing::error!(error = %e, "could not undo a batch that failed to flush; the log takes no more commits until it is opened again");
            *lock(&self.undo_failed) = Some(e.to_string());
        } else if let Err(e) = make_durable(&self.db, &self.disk) {
            // A checkpoint's flush may have put the failed commit in sled's files: until the
            // undo is there too, a crash brings it back (the callers' answer says it may).
            tracing::warn!(error = %e, "could not make the undo of a failed commit durable; a restart before the next commit may bring that commit back");
        }
        self.needs_flush.store(true, Ordering::SeqCst);
    }
}

impl EventLog for SledLog {
    fn keyring(&self) -> Result<crate::personal::SharedKeyring, LedgerError> {
        let keys = crate::personal::SledKeys::open_noting(&self.db, Arc::clone(&self.keys_made))
            .map_err(|e| LedgerError::Storage(e.to_string()))?;
        Ok(std::sync::Arc::new(keys))
    }

    fn head(&self) -> Head {
        *lock(&self.head)
    }

    fn append(&self, batch: &AppendBatch) -> Result<Head, LedgerError> {
        let mut head = lock(&self.head);
        if *head != batch.expected_head {
            return Err(LedgerError::HeadMoved {
                expected: batch.expected_head.seq,
                actual: head.seq,
            });
        }
        let Some(last) = batch.events.last() else {
            return Ok(*head);
        };
        debug_assert_eq!(
            batch.events.first().map(|s| s.envelope.seq),
            Some(head.seq + 1),
            "a batch continues the head"
        );
        debug_assert!(batch
            .events
            .windows(2)
            .all(|w| w[1].envelope.seq == w[0].envelope.seq + 1
                && w[1].envelope.prev_hash == w[0].envelope.hash));
        if let Some(why) = self.writes_refused() {
            return Err(LedgerError::Storage(why));
        }
        let storage =
            |e: io::Error| LedgerError::Storage(format!("cannot write the log's journal: {e}"));
        let mut journal = lock(&self.journal);
        if self.needs_flush.load(Ordering::SeqCst) {
            // The undo of an earlier failed batch must be durable before anything is built on
            // it, and the journal that may hold the failed record is retired with it.
            self.flush()?;
            journal.renew().map_err(storage)?;
            self.needs_flush.store(false, Ordering::SeqCst);
        }
        let new_head = Head {
            seq: last.envelope.seq,
            hash: last.envelope.hash,
        };
        let writes = batch_writes(head.seq + 1, batch);
        // A key the key store made for this commit is in sled's memory only, outside the
        // log's tree: the record carries it too, and an open after a crash puts it back.
        let made = std::mem::take(&mut *lock(&self.keys_made));
        if made.is_empty() {
            journal.encode(head.seq + 1, &writes);
        } else {
            let mut recorded = writes.clone();
            recorded.extend(
                made.iter()
                    .map(|(id, record)| (key_store_key(id), record.clone())),
            );
            journal.encode(head.seq + 1, &recorded);
        }
        // sled takes the writes on the journal's worker while the record's sync runs here;
        // sled's new blob files are synced after both, before the append returns. The work
        // says whether sled took any of them when it fails.
        //
        // A flush of few keys goes in one insert a key, not as a sled batch: sled's batch
        // rolls its I/O buffer twice (two writes by threads of sled's pool a commit, sharing
        // the two cores with the record's sync), and its atomicity is the journal's job now.
        // The segment goes first: a crash can leave sled's files with a commit's segment and
        // only some of its index keys (not keys without their segment: sled keeps a prefix of
        // its inserts, except a value in a blob file of its own that a power cut lost, a hole
        // the batch had too), which the open
        // completes, from the journal's record or from the segment's own events
        // ([`crate::last_segment`]). A flush of many keys (many writers) stays one batch: the
        // rolls are shared there, and with one-by-one inserts the HTTP load's p99.9 was longer
        // in three pairs of runs (79-378 against 31-96 ms), not explained. The batch's insert
        // outlasts the record's sync, so it runs on this thread and the sync on the worker.
        let db = self.db.clone();
        let faults = self.faults.clone();
        let disk = Arc::clone(&self.disk);
        // A commit cut into pieces goes in as one sled batch, so that sled's files after a
        // crash hold all of its pieces and keys or none (`last_segment` completes the index
        // keys of one segment, the last).
        let many = writes.len() >= SLED_BATCH_FROM_KEYS
            || writes.iter().filter(|(key, _)| is_segment_key(key)).count() > 1;
        let written = journal.write_then(many, move || -> Result<(), (bool, LedgerError)> {
            put_writes(&db, writes, many, || {
                lock(&disk).sync_blob_files().map_err(|e| {
                    LedgerError::Storage(format!("cannot sync the log's blob files: {e}"))
                })
            })?;
            let fault = injected_fault(&faults);
            if fault.is_err() && faults.take_flush_first() {
                db.flush().map_err(|e| (true, LedgerError::from(e)))?;
            }
            fault.map_err(|e| (true, e))
        });
        let (failure, applied) = match written {
            Ok((Ok(()), Some(Ok(())))) => (
                lock(&self.disk).sync_blob_files().err().map(|e| {
                    LedgerError::Storage(format!("cannot sync the log's blob files: {e}"))
                }),
                true,
            ),
            Ok((_, Some(Err((applied, e))))) => (Some(e), applied),
            // The worker stopped while sled took the batch: undone, whatever it did.
            Ok((_, None)) => (
                Some(LedgerError::Storage(
                    "the log's journal worker stopped while sled took a commit".into(),
                )),
                true,
            ),
            Ok((Err(e), Some(Ok(())))) => (Some(storage(e)), true),
            Err(e) => (Some(storage(e)), false),
        };
        if let Some(e) = failure {
            // The journal may hold the record, whole or torn: it is taken back now, so a
            // restart before the next append does not bring back what the callers are told
            // failed, and the file is retired, with sled's files made durable, before the next
            // append. A record that cannot be taken back may come back at a restart: the
            // callers' answer says so.
            if let Err(undo) = journal.take_back_last() {
                tracing::error!(error = %undo, "the journal's record of a failed commit could not be taken back; a restart before the next commit may bring that commit back");
            }
            if applied {
                self.undo(batch);
            } else {
                self.needs_flush.store(true, Ordering::SeqCst);
            }
            return Err(e);
        }
        if journal.should_rotate() {
            match journal.rotate() {
                Ok(retired) => self.checkpoints.request(Job::Retire(retired)),
                // The commit is durable; the next append tries the new file again.
                Err(e) => tracing::warn!(error = %e, "cannot start the next journal file"),
            }
        } else if journal.ask_for_spare() {
            self.checkpoints.request(Job::Spare);
        }
        drop(journal);
        *head = new_head;
        if let Err(e) = lock(&self.witness).record(new_head) {
            // The events are durable; only the truncation check lags. Say so, do not fail.
            tracing::warn!(error = %e, "cannot update {WITNESS_FILE}");
        }
        drop(head);
        Ok(new_head)
    }

    fn segments(
        &self,
        after: u64,
    ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_> {
        self.segments_owned(after)
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, LedgerError> {
        // Asked by the writer when its memory of recent streams has no answer
        // ([`crate::writer`]); the index is the truth, and nothing here keeps a copy of it.
        let prefix = stream_prefix(stream);
        // Most streams asked about here are new (an activity's first commit): a forward step
        // answers that with one descent of the tree, where sled's step from the back costs
        // several (it was a tenth of the writer's time at 64 writers). The same range then
        // steps from the back for the last run; none left means the first was the last.
        let mut runs = self.db.scan_prefix(&prefix);
        let Some(first_run) = runs.next().transpose()? else {
            return Ok(0);
        };
        let (key, value) = runs.next_back().transpose()?.unwrap_or(first_run);
        let first = be_u64(&key[prefix.len()..]);
        let count = be_u32(value.get(8..).unwrap_or_default());
        // A run of no events, or one past the last seq, is damage read off the disk.
        let last = first.zip(count.filter(|c| *c > 0));
        match last.and_then(|(first, count)| first.checked_sub(1)?.checked_add(u64::from(count))) {
            Some(last) => Ok(last),
            None => Err(LedgerError::Corrupt {
                seq: be_u64(&value).unwrap_or(0),
                detail: format!("index entry of stream {stream} is malformed"),
            }),
        }
    }

    fn stream_seqs(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, LedgerError> {
        let prefix = stream_prefix(stream);
        let head_seq = self.head().seq;
        let mut out = Vec::new();
        for item in self.db.scan_prefix(&prefix) {
            let (key, value) = item?;
            let (Some(first_version), Some(first_seq), Some(count)) = (
                be_u64(&key[prefix.len()..]),
                be_u64(&value),
                be_u32(value.get(8..).unwrap_or_default()),
            ) else {
                return Err(LedgerError::Corrupt {
                    seq: be_u64(&value).unwrap_or(0),
                    detail: format!("index entry of stream {stream} is malformed"),
                });
            };
            // A run whose numbers would pass the largest is damage read off the disk.
            let count = u64::from(count);
            if first_seq.checked_add(count).is_none() || first_version.checked_add(count).is_none()
            {
                let detail = format!("index entry of stream {stream} runs past the largest number");
                return Err(LedgerError::Corrupt {
                    seq: first_seq,
                    detail,
                });
            }
            // From the first version after `after_version`, up to the head.
            let start = first_seq.saturating_add(
                after_version
                    .saturating_add(1)
                    .saturating_sub(first_version),
            );
            for seq in (start..first_seq + count).take_while(|s| *s <= head_seq) {
                if out.len() >= limit {
                    return Ok(out);
                }
                out.push(seq);
            }
        }
        Ok(out)
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyEntry>, LedgerError> {
        let Some(value) = self.db.get(idempotency_key(key))? else {
            return Ok(None);
        };
        let malformed = || LedgerError::Corrupt {
            seq: be_u64(&value).unwrap_or(0),
            detail: "an idempotency index entry is malformed".into(),
        };
        let first_seq = be_u64(&value).ok_or_else(malformed)?;
        let count = be_u32(value.get(8..).unwrap_or_default()).ok_or_else(malformed)?;
        let digest =
            Hash::from_bytes(value.get(12..44).ok_or_else(malformed)?).ok_or_else(malformed)?;
        if first_seq.saturating_add(u64::from(count)) > self.head().seq.saturating_add(1) {
            // Points past the durable head: an undone batch; treat as absent.
            return Ok(None);
        }
        Ok(Some(IdempotencyEntry {
            first_seq,
            count,
            request_digest: digest,
        }))
    }

    fn put_snapshot_with(
        &self,
        seq: u64,
        write: crate::log::SnapshotWrite<'_>,
    ) -> Result<(), LedgerError> {
        let storage = |e: io::Error| LedgerError::Storage(format!("cannot store a snapshot: {e}"));
        self.snapshots.put_with(seq, |file| write(file), storage)?;
        // The snapshot is stored from here. An older one that will not go is the next
        // snapshot's to try again, not this one's failure: the writer would take this one for
        // lost and never write a snapshot of changes against it, and the older ones after the
        // first that would not go would pile up.
        let old = match crate::log::snapshots_to_remove(self) {
            Ok(old) => old,
            Err(e) => {
                tracing::warn!(seq, error = %e, "the older snapshots could not be listed; they are pruned after the next snapshot");
                Vec::new()
            }
        };
        for old in old {
            let removed = if self.faults.take_removal() {
                Err(io::Error::other("injected: the file would not go"))
            } else {
                self.snapshots.remove(old)
            };
            if let Err(e) = removed {
                tracing::warn!(seq = old, error = %e, "an older snapshot could not be removed; the next snapshot tries again");
                continue;
            }
            // One an earlier build kept in the tree: its removal is flushed with the next
            // batch (a removal lost to a crash is done again at the next snapshot).
            if let Err(e) = self.db.remove(snapshot_key(old)) {
                tracing::warn!(seq = old, error = %e, "an older snapshot's entry could not be removed; the next snapshot tries again");
            }
        }
        Ok(())
    }

    fn snapshot_seqs(&self) -> Result<Vec<u64>, LedgerError> {
        let mut seqs = self
            .snapshots
            .seqs()
            .map_err(|e| LedgerError::Storage(format!("cannot list the snapshots: {e}")))?;
        for item in self.db.scan_prefix([SNAPSHOT_PREFIX]).keys() {
            let key = item?;
            if let Some(seq) = be_u64(&key[1..]) {
                seqs.push(seq);
            }
        }
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        seqs.dedup();
        Ok(seqs)
    }

    fn snapshot(&self, seq: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        let stored = self
            .snapshots
            .get(seq)
            .map_err(|e| LedgerError::Storage(format!("cannot read the snapshot at {seq}: {e}")))?;
        match stored {
            Some(bytes) => Ok(Some(bytes)),
            None => Ok(self.db.get(snapshot_key(seq))?.map(|v| v.to_vec())),
        }
    }

    fn snapshot_reader(&self, seq: u64) -> Result<Option<crate::log::SnapshotReader>, LedgerError> {
        let file = self
            .snapshots
            .open(seq)
            .map_err(|e| LedgerError::Storage(format!("cannot read the snapshot at {seq}: {e}")))?;
        match file {
            Some((file, len)) => Ok(Some((Box::new(file), len))),
            // One an earlier build stored in the tree.
            None => Ok(self
                .db
                .get(snapshot_key(seq))?
                .map(|v| crate::log::in_memory(v.to_vec()))),
        }
    }
}

impl Drop for SledLog {
    fn drop(&mut self) {
        let _ = lock(&self.witness).sync();
        self.checkpoints.stop();
        // A clean close leaves sled's files holding everything and no journal to apply (the
        // spare, if one was made, stays for the next open).
        if self.needs_flush.load(Ordering::SeqCst) {
            // An undo not yet durable is made so; the journal stays for the next open (it may
            // hold the failed record). An undo that failed itself is not flushed.
            if lock(&self.undo_failed).is_none() && self.checkpoints.failure().is_none() {
                if let Err(e) = make_durable(&self.db, &self.disk) {
                    tracing::warn!(error = %e, "cannot make the undo of a failed commit durable at the close");
                }
            }
        } else if self.checkpoints.failure().is_none() {
            let closed = make_durable(&self.db, &self.disk).and_then(|()| {
                journal::remove_through(&self.path.join(JOURNAL_DIR), u64::MAX)
                    .map_err(|e| LedgerError::Storage(e.to_string()))
            });
            if let Err(e) = closed {
                tracing::warn!(error = %e, "the log's journal stays for the next open to apply");
            }
        }
    }
}
