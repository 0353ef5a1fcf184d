//! What sled's flush leaves unsynced, and the syncs the log adds after it.
//!
//! sled 0.34 makes its log durable with `sync_file_range`, which writes the pages but neither
//! flushes the disk's volatile write cache nor syncs the file's size (sled issue #1452), and it
//! writes anything above a quarter of its 512 KiB segment as a blob file of its own with no sync
//! at all. Not only large values: a tree node's image is written whole when sled consolidates
//! or splits it, and a leaf holds up to sixteen of the log's segments, so under a steady load
//! of small batches sled writes a node image of 150–200 KB as a blob every few dozen commits,
//! from whichever thread touched the node. The log refers to each such file; one lost to a
//! power cut would leave the tree pointing at bytes that are not there.
//!
//! Every flush of the log therefore syncs, after sled's own flush, every blob file it has not
//! synced before (whoever wrote it), then the blob directory if there was one, and last
//! `fdatasync`s sled's main file through a handle of its own: the blobs the log points at are
//! on the disk before the pointer is, and an acknowledged event is on the platter, not in a
//! cache a power cut empties.
//!
//! Which files are new comes from an inotify watch on the blob directory (a blob file closed
//! after writing is an event; reading none is one system call), not from listing it: a log
//! written in large commits keeps every commit as a blob of its own (7,285 files in the
//! million-volunteer city), and a listing per flush would cost what the flush does. Where
//! the watch cannot be had (another system, the user's inotify limits reached) or its queue
//! overflowed, the flush lists the directory instead. A file counts from its *close*, not
//! its creation, so one still being written by another thread is not synced half-written
//! and forgotten: sled closes a blob before the message that points at it can be flushed.
//!
//! Blob files present at open were written by an earlier process and are taken as they are:
//! after a crash of the process (not of the machine) the kernel writes them back within its
//! dirty-page expiry, and syncing thousands of files at every start would cost seconds.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::limits::BLOB_IDS_PRUNE_FLOOR;

/// How a flush learns which blob files are new.
enum Watch {
    /// An inotify instance watching the blob directory for files closed after writing.
    #[cfg(target_os = "linux")]
    Notify(rustix::fd::OwnedFd),
    /// No watch: every flush lists the directory and compares it with what it synced.
    List,
}

/// The sync handles of one sled directory, and which of its blob files are synced.
pub(crate) struct DiskSync {
    /// The sled directory.
    dir: PathBuf,
    /// sled's main file (`db` in the directory), opened for syncing only.
    db_file: std::fs::File,
    /// Where new blob files are learnt from.
    watch: Watch,
    /// The blob files (by id, their file name) synced since open or present at open. Ids are
    /// sled's log sequence numbers, unique, but not written in order by concurrent threads,
    /// so this is a set, not a high-water mark. A listing drops the ids of files sled has
    /// removed: every flush's without a watch, and with one whenever the set outgrows
    /// `prune_at`.
    synced: HashSet<u64>,
    /// The size of `synced` at which a watched flush lists the directory to prune it.
    prune_at: usize,
    /// Blob files synced since open (for tests and the log's own accounting).
    synced_count: u64,
}

/// sled's blob files in `dir` (named by their id) with their ids; an entry that cannot be
/// read is an error, not skipped.
fn blobs(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let listing = match std::fs::read_dir(dir.join("blobs")) {
        Ok(listing) => listing,
        // sled makes the directory when it opens; a missing one holds nothing.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in listing {
        let entry = entry?;
        if let Some(id) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
            out.push((id, entry.path()));
        }
    }
    Ok(out)
}

/// Syncs one blob file; one sled removed meanwhile (it replaces a node's image with a newer
/// one) has nothing left to keep. Whether it was there to sync.
fn sync_blob(path: &Path) -> io::Result<bool> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_data().map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

impl Watch {
    /// A watch on `blobs`, or a listing where inotify cannot be had (said once, in the log).
    fn on(blobs: &Path) -> Watch {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
            let watch =
                inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).and_then(|fd| {
                    inotify::add_watch(&fd, blobs, WatchFlags::CLOSE_WRITE | WatchFlags::MOVED_TO)
                        .map(|_| fd)
                });
            match watch {
                Ok(fd) => return Watch::Notify(fd),
                Err(e) => tracing::warn!(
                    error = %e,
                    dir = %blobs.display(),
                    "cannot watch sled's blob directory; every flush lists it instead"
                ),
            }
        }
        let _ = blobs;
        Watch::List
    }

    /// The ids of blob files closed since the last call, or `None` when they must be found by
    /// listing (no watch, or the kernel's queue of events overflowed and some were dropped).
    fn closed_since(&self) -> io::Result<Option<Vec<u64>>> {
        match self {
            #[cfg(target_os = "linux")]
            Watch::Notify(fd) => {
                use rustix::fs::inotify::{ReadFlags, Reader};
                use rustix::io::Errno;
                let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
                let mut events = Reader::new(fd, &mut buf);
                let mut ids = Vec::new();
                let mut overflowed = false;
                loop {
                    match events.next() {
                        Ok(event) if event.events().contains(ReadFlags::QUEUE_OVERFLOW) => {
                            overflowed = true;
                        }
                        Ok(event) => ids.extend(
                            event
                                .file_name()
                                .and_then(|name| name.to_str().ok())
                                .and_then(|name| name.parse::<u64>().ok()),
                        ),
                        Err(Errno::AGAIN) => break,
                        Err(Errno::INTR) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok((!overflowed).then_some(ids))
            }
            Watch::List => Ok(None),
        }
    }
}

impl DiskSync {
    /// Opens the sync handles of the sled database in `dir` (sled has opened it) and starts
    /// watching its blob directory. Blob files already there are taken as they are (see the
    /// module's documentation).
    pub(crate) fn open(dir: &Path) -> io::Result<DiskSync> {
        let watch = Watch::on(&dir.join("blobs"));
        let synced: HashSet<u64> = blobs(dir)?.into_iter().map(|(id, _)| id).collect();
        Ok(DiskSync {
            dir: dir.to_path_buf(),
            db_file: std::fs::File::open(dir.join("db"))?,
            watch,
            prune_at: (2 * synced.len()).max(BLOB_IDS_PRUNE_FLOOR),
            synced,
            synced_count: 0,
        })
    }

    /// Makes what sled's flush wrote durable: the blob files not synced before, their
    /// directory if there were any, then the main file. Call after sled's `flush`.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.sync_new_blobs()?;
        self.db_file.sync_data()
    }

    /// Syncs the blob files not synced before, then the blob directory if there was one.
    fn sync_new_blobs(&mut self) -> io::Result<()> {
        let (new, present) = match self.watch.closed_since()? {
            Some(ids) => {
                let dir = self.dir.join("blobs");
                let mut new = Vec::new();
                for id in ids {
                    if !self.synced.contains(&id) && sync_blob(&dir.join(id.to_string()))? {
                        new.push(id);
                    }
                }
                (new, None)
            }
            None => {
                let present = blobs(&self.dir)?;
                let mut new = Vec::new();
                for (id, path) in &present {
                    if !self.synced.contains(id) && sync_blob(path)? {
                        new.push(*id);
                    }
                }
                (new, Some(present))
            }
        };
        if !new.is_empty() {
            std::fs::File::open(self.dir.join("blobs"))?.sync_all()?;
            self.synced_count += new.len() as u64;
        }
        // Remembered only now, with the directory synced: a failure above leaves every new
        // file to be synced again by the next flush.
        match present {
            Some(present) => self.synced = present.into_iter().map(|(id, _)| id).collect(),
            None => self.synced.extend(new),
        }
        if self.synced.len() > self.prune_at {
            // Forget the ids of files sled has removed since (one listing now and then).
            let present: HashSet<u64> = blobs(&self.dir)?.into_iter().map(|(id, _)| id).collect();
            self.synced.retain(|id| present.contains(id));
            self.prune_at = (2 * self.synced.len()).max(BLOB_IDS_PRUNE_FLOOR);
        }
        Ok(())
    }

    /// Blob files in the directory now that no flush has synced and that were not there at
    /// open (ids, ascending): empty after every acknowledged append, which tests check.
    pub(crate) fn unsynced(&self) -> io::Result<Vec<u64>> {
        let mut ids: Vec<u64> = blobs(&self.dir)?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| !self.synced.contains(id))
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// Blob files synced since open.
    pub(crate) fn synced_count(&self) -> u64 {
        self.synced_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sled-like directory: `db` and an empty `blobs`.
    fn directory() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("db"), b"").expect("db");
        std::fs::create_dir(dir.path().join("blobs")).expect("blobs");
        dir
    }

    fn write_blob(dir: &Path, id: u64) {
        std::fs::write(dir.join("blobs").join(id.to_string()), [7u8; 64]).expect("blob");
    }

    /// Opened one of both ways of learning of new files: the watch (where the system has
    /// one) or the listing it falls back to.
    fn open(dir: &Path, listing: bool) -> DiskSync {
        let mut sync = DiskSync::open(dir).expect("open");
        if listing {
            sync.watch = Watch::List;
        }
        sync
    }

    #[test]
    fn blobs_written_after_open_are_synced_once_and_those_before_are_taken_as_they_are() {
        let dir = directory();
        write_blob(dir.path(), 5);
        #[cfg(target_os = "linux")]
        assert!(
            matches!(open(dir.path(), false).watch, Watch::Notify(_)),
            "inotify watches the blob directory"
        );
        for listing in [false, true] {
            let mut sync = open(dir.path(), listing);
            assert_eq!(sync.unsynced().expect("list"), Vec::<u64>::new());
            for id in [30, 10, 20] {
                write_blob(dir.path(), 100 * u64::from(listing) + id);
            }
            assert_eq!(sync.unsynced().expect("list").len(), 3);
            sync.sync().expect("sync");
            assert_eq!(sync.synced_count(), 3, "out of order, all three");
            assert_eq!(sync.unsynced().expect("list"), Vec::<u64>::new());
            sync.sync().expect("sync");
            assert_eq!(sync.synced_count(), 3, "nothing twice");
        }
    }

    #[test]
    fn a_blob_removed_before_the_flush_reaches_it_is_skipped_not_an_error() {
        let dir = directory();
        for listing in [false, true] {
            let mut sync = open(dir.path(), listing);
            let id = 1000 + u64::from(listing);
            write_blob(dir.path(), id);
            std::fs::remove_file(dir.path().join("blobs").join(id.to_string())).expect("rm");
            sync.sync().expect("a vanished blob is no failure");
            assert_eq!(sync.synced_count(), 0);
        }
    }

    #[test]
    fn the_ids_of_removed_blobs_are_forgotten() {
        let dir = directory();
        let mut sync = open(dir.path(), false);
        for id in 0..(BLOB_IDS_PRUNE_FLOOR as u64 + 10) {
            write_blob(dir.path(), id);
            sync.sync().expect("sync");
            std::fs::remove_file(dir.path().join("blobs").join(id.to_string())).expect("rm");
        }
        assert!(
            sync.synced.len() < BLOB_IDS_PRUNE_FLOOR,
            "{}",
            sync.synced.len()
        );
        assert_eq!(sync.synced_count(), BLOB_IDS_PRUNE_FLOOR as u64 + 10);
    }
}
