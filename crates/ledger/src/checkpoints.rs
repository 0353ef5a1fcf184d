//! The log's checkpoints: sled's files made durable beside the appends, so that the journal
//! files behind them can go (see `journal`), and the spare journal files made ready.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::disk_sync::DiskSync;
use crate::error::LedgerError;
use crate::journal;

/// The log's locks, taken whatever a panicking holder left: each guarded update is a single
/// assignment, so a poisoned lock is still safe to use.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// sled's flush, then the syncs it leaves out: everything written to the tree so far is
/// durable in sled's own files.
pub(crate) fn make_durable(db: &sled::Db, disk: &Mutex<DiskSync>) -> Result<(), LedgerError> {
    db.flush()?;
    let storage = |e: io::Error| LedgerError::Storage(format!("cannot sync the log: {e}"));
    lock(disk).sync().map_err(storage)
}

/// What the checkpoint thread is asked to do.
pub(crate) enum Job {
    /// Make sled's files durable, then remove the journal files up to this number.
    Retire(u64),
    /// Make a spare journal file.
    Spare,
}

/// The thread that makes sled's files durable once a journal file is full, then removes the
/// journal files that flush covers, and makes spare journal files. A failed checkpoint is
/// kept: appends refuse from then on (the journal still holds every commit, and the next
/// open applies it).
pub(crate) struct Checkpoints {
    sender: Option<std::sync::mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    failure: Arc<Mutex<Option<String>>>,
}

impl Checkpoints {
    pub(crate) fn start(
        db: sled::Db,
        disk: Arc<Mutex<DiskSync>>,
        dir: PathBuf,
    ) -> io::Result<Checkpoints> {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let failure = Arc::new(Mutex::new(None));
        let failed = Arc::clone(&failure);
        let thread = std::thread::Builder::new()
            .name("yinling-checkpoint".into())
            .spawn(move || {
                for job in receiver {
                    if let Job::Retire(retired) = job {
                        let done = make_durable(&db, &disk).and_then(|()| {
                            journal::remove_through(&dir, retired)
                                .map_err(|e| LedgerError::Storage(e.to_string()))
                        });
                        if let Err(e) = done {
                            tracing::error!(error = %e, "cannot make the log's storage files durable; appends stop");
                            lock(&failed).get_or_insert_with(|| e.to_string());
                            continue;
                        }
                    }
                    // After a checkpoint too: the next rotation takes a spare.
                    if let Err(e) = journal::prepare_spare(&dir) {
                        tracing::warn!(error = %e, "cannot make a spare journal file");
                    }
                }
            })?;
        Ok(Checkpoints {
            sender: Some(sender),
            thread: Some(thread),
            failure,
        })
    }

    /// Hands the thread a job.
    pub(crate) fn request(&self, job: Job) {
        if let Some(sender) = &self.sender {
            // The thread ends only with the log, or when it died (a panic inside sled): then
            // nothing is made durable any more, and the log must stop acknowledging, as it
            // does after a failed checkpoint.
            if sender.send(job).is_err() {
                tracing::error!("the checkpoint thread has stopped; appends stop");
                lock(&self.failure)
                    .get_or_insert_with(|| "the checkpoint thread has stopped".to_owned());
            }
        }
    }

    /// The first failure of a checkpoint, if any.
    pub(crate) fn failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }

    /// Finishes the checkpoints asked for and ends the thread.
    pub(crate) fn stop(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
