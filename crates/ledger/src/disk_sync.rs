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
//! What is on disk when the log opens (blob files an earlier process wrote and a crash left in
//! the page cache, blobs sled wrote while opening, before the watch) is made durable by one
//! `syncfs` of the filesystem at open, after the watch is set: syncing thousands of blob
//! files one by one at every start would cost seconds.
//!
//! A listing sees files still being written, so a file a listing finds for the first time
//! is synced again by the next listing; a close event always means a finished file (sled
//! creates each blob once, `create_new`). After any error once events were read, or when the
//! kernel's event queue overflowed, the next flush lists; if the watch ends (the directory
//! removed or moved), every flush lists from then on.

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

/// What the watch says since the last look.
enum Closed {
    /// The ids of the blob files closed after writing, and whether sled removed one.
    Files(Vec<u64>, bool),
    /// Events were dropped (the kernel's queue overflowed): list the directory.
    Relist,
    /// The watch ended (its directory removed, moved or unmounted): list from now on.
    Ended,
}

/// The sync handles of one sled directory, and which of its blob files are synced.
pub(crate) struct DiskSync {
    /// sled's blob directory (`blobs` in the sled directory).
    blobs_dir: PathBuf,
    /// sled's main file (`db` in the directory), opened for syncing only.
    db_file: std::fs::File,
    /// Where new blob files are learnt from.
    watch: Watch,
    /// The blob files (by id, their file name) synced at least once since open or made
    /// durable at open. Ids are sled's log sequence numbers, unique, but not written in order
    /// by concurrent threads, so this is a set, not a high-water mark. A listing drops the
    /// ids of files sled has removed: every flush's without a watch, and with one whenever
    /// the set outgrows `prune_at`.
    synced: HashSet<u64>,
    /// Files the last listing found for the first time: synced, but perhaps while another
    /// thread was still writing them, so the next listing syncs them again.
    unsettled: HashSet<u64>,
    /// The next flush lists the directory: events were read and then a sync failed.
    relist: bool,
    /// The size of `synced` at which a watched flush lists the directory to prune it.
    prune_at: usize,
    /// Blob files synced since open (for tests and the log's own accounting).
    synced_count: u64,
    /// sled removed a blob file since the main file was last synced: see
    /// [`DiskSync::sync_blob_files`].
    blob_removed: bool,
    /// The first sync that failed, if one did: see [`durable`].
    failed: Option<String>,
    /// Fails the next sync as a disk would, for tests.
    #[cfg(test)]
    fail_next_sync: bool,
}

/// sled's blob files in its blob directory `blobs_dir` (named by their id) with their ids; an
/// entry that cannot be read is an error, not skipped.
fn blobs(blobs_dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let listing = match std::fs::read_dir(blobs_dir) {
        Ok(listing) => listing,
        // sled makes the directory when it opens; a missing one holds nothing.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in listing {
        let entry = entry?;
        if let Some(id) = entry.file_name().to_str().and_then(blob_id) {
            out.push((id, entry.path()));
        }
    }
    Ok(out)
}

/// The ids of a listing of blob files.
fn ids(listing: Vec<(u64, PathBuf)>) -> HashSet<u64> {
    listing.into_iter().map(|(id, _)| id).collect()
}

/// The id a blob file's name is, if it is one: sled names them by the number in decimal, so
/// a name that is not exactly that (`05`, `+5`) is not a blob of sled's.
fn blob_id(name: &str) -> Option<u64> {
    name.parse::<u64>().ok().filter(|id| id.to_string() == name)
}

/// The outcome of a sync, with a failure recorded in `failed`. A failed `fsync` cannot be
/// retried: Linux reports a write-back error once and marks the pages it could not write
/// clean, so a second sync of the same file returns success on data that never reached the
/// disk. After one, the log acknowledges nothing more until it is opened again.
fn durable(result: io::Result<()>, failed: &mut Option<String>) -> io::Result<()> {
    if let Err(e) = &result {
        failed.get_or_insert_with(|| e.to_string());
    }
    result
}

/// Syncs one blob file; one sled removed meanwhile (it replaces a node's image with a newer
/// one) has nothing left to keep. Whether it was there to sync.
fn sync_blob(path: &Path, failed: &mut Option<String>) -> io::Result<bool> {
    match std::fs::File::open(path) {
        Ok(file) => durable(file.sync_data(), failed).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Makes everything written to the filesystem holding `file` durable, in one call.
#[cfg(target_os = "linux")]
fn sync_filesystem(file: &std::fs::File) -> io::Result<()> {
    rustix::fs::syncfs(file).map_err(io::Error::from)
}

/// Without `syncfs`, the main file alone (blobs already there are taken as they are).
#[cfg(not(target_os = "linux"))]
fn sync_filesystem(file: &std::fs::File) -> io::Result<()> {
    file.sync_all()
}

impl Watch {
    /// A watch on `blobs`, or a listing where inotify cannot be had (said once, in the log).
    fn on(blobs: &Path) -> Watch {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
            let mask = WatchFlags::CLOSE_WRITE
                | WatchFlags::MOVED_TO
                | WatchFlags::DELETE
                | WatchFlags::DELETE_SELF
                | WatchFlags::MOVE_SELF;
            let watch = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)
                .and_then(|fd| inotify::add_watch(&fd, blobs, mask).map(|_| fd));
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

    /// What happened in the directory since the last call.
    fn closed_since(&self) -> io::Result<Closed> {
        match self {
            #[cfg(target_os = "linux")]
            Watch::Notify(fd) => {
                use rustix::fs::inotify::{ReadFlags, Reader};
                use rustix::io::Errno;
                let ended = ReadFlags::IGNORED
                    | ReadFlags::UNMOUNT
                    | ReadFlags::DELETE_SELF
                    | ReadFlags::MOVE_SELF;
                let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
                let mut events = Reader::new(fd, &mut buf);
                let mut ids = Vec::new();
                let (mut overflowed, mut over, mut removed) = (false, false, false);
                loop {
                    match events.next() {
                        Ok(event) if event.events().intersects(ended) => over = true,
                        Ok(event) if event.events().contains(ReadFlags::QUEUE_OVERFLOW) => {
                            overflowed = true;
                        }
                        Ok(event) if event.events().contains(ReadFlags::DELETE) => removed = true,
                        Ok(event) => ids.extend(
                            event
                                .file_name()
                                .and_then(|name| name.to_str().ok())
                                .and_then(blob_id),
                        ),
                        Err(Errno::AGAIN) => break,
                        Err(Errno::INTR) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(if over {
                    Closed::Ended
                } else if overflowed {
                    Closed::Relist
                } else {
                    Closed::Files(ids, removed)
                })
            }
            Watch::List => Ok(Closed::Relist),
        }
    }
}

impl DiskSync {
    /// Opens the sync handles of the sled database in `dir` (sled has opened it), starts
    /// watching its blob directory, and makes what is already on disk durable (see the
    /// module's documentation).
    pub(crate) fn open(dir: &Path) -> io::Result<DiskSync> {
        let blobs_dir = dir.join("blobs");
        let watch = Watch::on(&blobs_dir);
        let db_file = std::fs::File::open(dir.join("db"))?;
        let synced = ids(blobs(&blobs_dir)?);
        sync_filesystem(&db_file)?;
        Ok(DiskSync {
            blobs_dir,
            db_file,
            watch,
            prune_at: (2 * synced.len()).max(BLOB_IDS_PRUNE_FLOOR),
            synced,
            unsettled: HashSet::new(),
            relist: false,
            synced_count: 0,
            blob_removed: false,
            failed: None,
            #[cfg(test)]
            fail_next_sync: false,
        })
    }

    /// The first sync that failed, if one did: from then on nothing more is acknowledged
    /// until the service is restarted (the health check reports it).
    pub(crate) fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Makes what sled's flush wrote durable: the blob files not synced before, their
    /// directory if there were any, then the main file. Call after sled's `flush`.
    /// After a failed sync every call fails, naming the first failure (see [`durable`]).
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.sync_new_files()?;
        self.sync_main_file()
    }

    fn sync_main_file(&mut self) -> io::Result<()> {
        durable(self.db_file.sync_data(), &mut self.failed)?;
        self.blob_removed = false;
        Ok(())
    }

    /// Syncs only the blob files sled wrote since the last sync, and their directory: what
    /// each append does after sled has taken its writes. sled writes a node's image as a blob
    /// while it takes the write, and the main file's buffer that points at it later; the
    /// blob is then durable before the pointer can reach the disk, whenever sled's main file
    /// is next synced (at a checkpoint of the journal, see `journal`). sled removes a node's
    /// old blob once the segment holding the pointer to its new image is written (not synced):
    /// when a blob was removed since the last sync, the main file is synced here too, so the
    /// pointer to the new image is durable with the removal of the old.
    pub(crate) fn sync_blob_files(&mut self) -> io::Result<()> {
        self.sync_new_files()?;
        if self.blob_removed {
            self.sync_main_file()?;
        }
        Ok(())
    }

    /// The blob files' part of both syncs, refusing after a failure.
    fn sync_new_files(&mut self) -> io::Result<()> {
        if let Some(first) = &self.failed {
            return Err(io::Error::other(format!(
                "an earlier sync of the log to disk failed ({first}), and the kernel may have \
                 dropped what it could not write: nothing more is acknowledged until the \
                 service is restarted; check the disk first"
            )));
        }
        #[cfg(test)]
        if std::mem::take(&mut self.fail_next_sync) {
            let injected = Err(io::Error::other("injected: the disk failed a write"));
            return durable(injected, &mut self.failed);
        }
        self.sync_new_blobs()
    }

    /// Syncs the blob files closed (or, listing, found) since the last time, then the blob
    /// directory if there was one. Any failure once events were read makes the next flush
    /// list the directory: the events are gone from the kernel's queue.
    fn sync_new_blobs(&mut self) -> io::Result<()> {
        let closed = match self.watch.closed_since() {
            Ok(Closed::Ended) => {
                tracing::warn!(
                    dir = %self.blobs_dir.display(),
                    "sled's blob directory is no longer watched; every flush lists it instead"
                );
                self.watch = Watch::List;
                None
            }
            Ok(Closed::Relist) => None,
            Ok(Closed::Files(_, removed)) if self.relist => {
                self.blob_removed |= removed;
                None
            }
            Ok(Closed::Files(ids, removed)) => {
                self.blob_removed |= removed;
                Some(ids)
            }
            Err(e) => {
                self.relist = true;
                return Err(e);
            }
        };
        let outcome = self.sync_blobs(closed);
        self.relist = outcome.is_err();
        outcome
    }

    /// Syncs the files `closed` names (every one: a close is a finished file), or those a
    /// listing finds that are not synced or not settled; then the directory; then records
    /// them.
    fn sync_blobs(&mut self, closed: Option<Vec<u64>>) -> io::Result<()> {
        let mut synced_now = Vec::new();
        let present = match closed {
            Some(closed) => {
                for id in closed {
                    if sync_blob(&self.blobs_dir.join(id.to_string()), &mut self.failed)? {
                        synced_now.push(id);
                    }
                }
                None
            }
            None => {
                let present = blobs(&self.blobs_dir)?;
                for (id, path) in &present {
                    let due = !self.synced.contains(id) || self.unsettled.contains(id);
                    if due && sync_blob(path, &mut self.failed)? {
                        synced_now.push(*id);
                    }
                }
                Some(present)
            }
        };
        if !synced_now.is_empty() {
            durable(
                std::fs::File::open(&self.blobs_dir)?.sync_all(),
                &mut self.failed,
            )?;
        }
        // Recorded only now, with the directory synced: a failure above leaves every file to
        // be synced again by the next flush's listing.
        let first_time: Vec<u64> = synced_now
            .iter()
            .copied()
            .filter(|id| !self.synced.contains(id))
            .collect();
        self.synced_count += first_time.len() as u64;
        match present {
            Some(present) => {
                let present = ids(present);
                self.blob_removed |= self.synced.iter().any(|id| !present.contains(id));
                self.unsettled = first_time.iter().copied().collect();
                self.synced.extend(first_time);
                self.synced.retain(|id| present.contains(id));
            }
            None => self.synced.extend(first_time),
        }
        if self.synced.len() > self.prune_at {
            self.prune();
        }
        Ok(())
    }

    /// Forgets the ids of files sled has removed since (one listing now and then). Best
    /// effort: the blobs are synced already, and a listing that fails here fails no commit.
    fn prune(&mut self) {
        match blobs(&self.blobs_dir) {
            Ok(present) => {
                let present = ids(present);
                self.synced.retain(|id| present.contains(id));
                self.unsettled.retain(|id| present.contains(id));
                self.prune_at = (2 * self.synced.len()).max(BLOB_IDS_PRUNE_FLOOR);
            }
            Err(e) => tracing::warn!(error = %e, "cannot list sled's blob directory to prune"),
        }
    }

    /// Blob files in the directory now that no flush has synced and that were not there at
    /// open (ids, ascending): empty after every acknowledged append, which tests check.
    pub(crate) fn unsynced(&self) -> io::Result<Vec<u64>> {
        let mut unsynced: Vec<u64> = ids(blobs(&self.blobs_dir)?)
            .into_iter()
            .filter(|id| !self.synced.contains(id))
            .collect();
        unsynced.sort_unstable();
        Ok(unsynced)
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
    fn an_append_syncs_new_blobs_and_the_main_file_only_once_sled_removed_a_blob() {
        let dir = directory();
        for listing in [false, true] {
            let mut sync = open(dir.path(), listing);
            let id = 2000 + 10 * u64::from(listing);
            write_blob(dir.path(), id);
            sync.sync_blob_files().expect("sync");
            assert_eq!(sync.synced_count(), 1);
            assert!(!sync.blob_removed, "nothing removed yet");
            // sled replaces the node's image: a new blob, the old one removed.
            write_blob(dir.path(), id + 1);
            std::fs::remove_file(dir.path().join("blobs").join(id.to_string())).expect("rm");
            // The watch reads the removal; a listing learns of it when it compares.
            sync.sync_new_files().expect("sync");
            assert!(sync.blob_removed, "listing: {listing}");
            sync.sync_blob_files().expect("sync");
            assert!(
                !sync.blob_removed,
                "the main file was synced with the removal"
            );
            assert_eq!(sync.synced_count(), 2);
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

    #[test]
    fn only_names_sled_gives_its_blobs_are_blobs() {
        assert_eq!(blob_id("221929"), Some(221929));
        assert_eq!(blob_id("0"), Some(0));
        for name in ["05", "+5", "-5", "5.tmp", "", "18446744073709551616"] {
            assert_eq!(blob_id(name), None, "{name:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn when_the_watched_directory_goes_every_flush_lists_the_one_in_its_place() {
        let dir = directory();
        let mut sync = open(dir.path(), false);
        std::fs::remove_dir(dir.path().join("blobs")).expect("rm blobs");
        std::fs::create_dir(dir.path().join("blobs")).expect("blobs again");
        write_blob(dir.path(), 42);
        sync.sync().expect("sync");
        assert!(matches!(sync.watch, Watch::List), "the watch ended");
        assert_eq!(sync.synced_count(), 1, "found by listing");
        assert_eq!(sync.unsynced().expect("list"), Vec::<u64>::new());
    }

    #[test]
    fn a_listing_syncs_a_file_it_finds_for_the_first_time_again_at_the_next_listing() {
        let dir = directory();
        let mut sync = open(dir.path(), true);
        write_blob(dir.path(), 7);
        sync.sync().expect("sync");
        assert!(sync.unsettled.contains(&7), "perhaps still being written");
        sync.sync().expect("sync");
        assert!(sync.unsettled.is_empty(), "synced twice, settled");
        assert_eq!(sync.synced_count(), 1, "one file");
    }

    #[test]
    fn after_a_failed_sync_every_sync_fails_and_names_the_first_failure() {
        let dir = directory();
        let mut sync = open(dir.path(), false);
        sync.sync().expect("a healthy disk");
        sync.fail_next_sync = true;
        assert!(sync.sync().is_err());
        for _ in 0..2 {
            let err = sync
                .sync()
                .expect_err("no retry succeeds after a failed sync");
            let text = err.to_string();
            assert!(text.contains("injected: the disk failed a write"), "{text}");
            assert!(text.contains("restarted"), "{text}");
        }
        assert!(sync
            .failure()
            .is_some_and(|f| f.contains("injected: the disk failed a write")));
        assert!(
            open(dir.path(), false).sync().is_ok(),
            "opened again, it syncs"
        );
    }
}
