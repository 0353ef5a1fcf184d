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

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

/// The sync handles of one sled directory, and which of its blob files are synced.
pub(crate) struct DiskSync {
    /// The sled directory.
    dir: PathBuf,
    /// sled's main file (`db` in the directory), opened for syncing only.
    db_file: std::fs::File,
    /// The blob files (by id, their file name) synced since open or present at open. Ids are
    /// sled's log sequence numbers, unique, but not written in order by concurrent threads, so
    /// this is a set, not a high-water mark; ids sled has since removed are dropped from it.
    synced: HashSet<u64>,
    /// Blob files synced since open (for tests and the log's own accounting).
    synced_count: u64,
}

/// sled's blob files in `dir` (named by their id) with their ids; an entry that cannot be
/// read is an error, not skipped.
fn blobs(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let listing = match std::fs::read_dir(dir.join("blobs")) {
        Ok(listing) => listing,
        // sled makes the directory with its first blob.
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

impl DiskSync {
    /// Blobs already on disk at open were written by an earlier process: they are whatever
    /// survived, and syncing them again proves nothing.
    pub(crate) fn open(dir: &Path) -> io::Result<DiskSync> {
        let synced = blobs(dir)?.into_iter().map(|(id, _)| id).collect();
        Ok(DiskSync {
            dir: dir.to_path_buf(),
            db_file: std::fs::File::open(dir.join("db"))?,
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
    /// A file sled removed between the listing and the sync (it replaces a node's image with
    /// a newer one) has nothing left to keep.
    fn sync_new_blobs(&mut self) -> io::Result<()> {
        let present = blobs(&self.dir)?;
        let mut new = 0;
        for (id, path) in &present {
            if self.synced.contains(id) {
                continue;
            }
            match std::fs::File::open(path) {
                Ok(file) => file.sync_data()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
            new += 1;
        }
        if new > 0 {
            std::fs::File::open(self.dir.join("blobs"))?.sync_all()?;
            self.synced_count += new;
        }
        // Only now, with the directory synced: a failure above leaves every new file to be
        // synced again by the next flush.
        self.synced = present.into_iter().map(|(id, _)| id).collect();
        Ok(())
    }

    /// Blob files in the directory now that no flush has synced (ids, ascending).
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
