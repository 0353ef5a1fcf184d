//! Snapshots of the folded state as files beside the log (`snapshots/` in the data directory),
//! each written whole, synced and renamed into place.
//!
//! They were values in the log's sled tree before. A snapshot of a large city is over a
//! hundred megabytes, which sled writes as a blob file that the log's next flush must sync
//! before it can acknowledge anything: every write waited seconds for the snapshot to reach the
//! disk (`cargo xtask bench --only snapshots` measured a p99.9 of 2 to 4 s). As files they are
//! synced by the thread that writes them and the log's flushes never see them. Snapshots an
//! earlier build stored in the tree are still read and pruned by the log (`store`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The directory under the data directory.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// What a finished snapshot's file name ends with (its seq, zero-padded, comes first).
const SUFFIX: &str = ".snapshot";
/// What a snapshot being written is named until it is whole and synced.
const PARTIAL_SUFFIX: &str = ".snapshot.partial";

/// The snapshot files of one data directory.
#[derive(Debug, Clone)]
pub struct SnapshotFiles {
    dir: PathBuf,
}

fn file_name(seq: u64, suffix: &str) -> String {
    format!("{seq:020}{suffix}")
}

impl SnapshotFiles {
    /// The snapshots of the data directory `data` (the directory is made on the first put).
    pub fn new(data: &Path) -> Self {
        SnapshotFiles {
            dir: data.join(SNAPSHOT_DIR),
        }
    }

    /// Stores the snapshot at `seq`: written to a partial file, synced, renamed into place and
    /// the directory synced, so a crash leaves either the whole snapshot or none (a partial
    /// file left by a crash is never listed, and is removed by the next put).
    pub fn put(&self, seq: u64, bytes: &[u8]) -> io::Result<()> {
        self.put_with(seq, |file| file.write_all(bytes), |e| e)
    }

    /// [`SnapshotFiles::put`] with the bytes written by `write` into the partial file as they
    /// are encoded; `io` says how a failure of the file itself is told. When `write` fails,
    /// the partial file is removed and nothing is listed.
    pub fn put_with<E>(
        &self,
        seq: u64,
        write: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
        io: impl Fn(io::Error) -> E,
    ) -> Result<(), E> {
        if !self.dir.is_dir() {
            // Made now: its name is synced into the data directory with it, or the first
            // snapshot could vanish in a power cut with the directory that held it.
            std::fs::create_dir_all(&self.dir).map_err(&io)?;
            if let Some(parent) = self.dir.parent() {
                std::fs::File::open(parent)
                    .and_then(|d| d.sync_all())
                    .map_err(&io)?;
            }
        }
        self.remove_partials();
        let partial = self.dir.join(file_name(seq, PARTIAL_SUFFIX));
        {
            let mut file = std::fs::File::create(&partial).map_err(&io)?;
            if let Err(e) = write(&mut file) {
                drop(file);
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
            file.sync_all().map_err(&io)?;
        }
        std::fs::rename(&partial, self.dir.join(file_name(seq, SUFFIX))).map_err(&io)?;
        std::fs::File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(&io)
    }

    fn remove_partials(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .ends_with(PARTIAL_SUFFIX)
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The seqs of the stored snapshots, in no particular order (none when the directory does
    /// not exist yet). Files that are not snapshots are ignored.
    pub fn seqs(&self) -> io::Result<Vec<u64>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut seqs = Vec::new();
        for entry in entries {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(seq) = name
                .strip_suffix(SUFFIX)
                .and_then(|digits| digits.parse::<u64>().ok())
            {
                seqs.push(seq);
            }
        }
        Ok(seqs)
    }

    /// The snapshot at `seq`, if stored.
    pub fn get(&self, seq: u64) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.dir.join(file_name(seq, SUFFIX))) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The snapshot at `seq` opened for reading, with its length, if stored (a start decodes
    /// it as it reads instead of holding its bytes).
    pub fn open(&self, seq: u64) -> io::Result<Option<(std::fs::File, u64)>> {
        match std::fs::File::open(self.dir.join(file_name(seq, SUFFIX))) {
            Ok(file) => {
                let len = file.metadata()?.len();
                Ok(Some((file, len)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes the snapshot at `seq` (nothing to do when it is not stored).
    pub fn remove(&self, seq: u64) -> io::Result<()> {
        match std::fs::remove_file(self.dir.join(file_name(seq, SUFFIX))) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_listed_only_once_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = SnapshotFiles::new(dir.path());
        assert_eq!(files.seqs().expect("no directory yet"), Vec::<u64>::new());
        files.put(42, b"state").expect("put");
        // What a crash in the middle of a put leaves, and a stranger's file.
        std::fs::write(
            dir.path()
                .join(SNAPSHOT_DIR)
                .join(file_name(43, PARTIAL_SUFFIX)),
            b"half",
        )
        .expect("partial");
        std::fs::write(dir.path().join(SNAPSHOT_DIR).join("notes.txt"), b"x").expect("other");
        assert_eq!(files.seqs().expect("list"), vec![42]);
        assert_eq!(files.get(42).expect("get"), Some(b"state".to_vec()));
        assert_eq!(files.get(43).expect("get"), None);
        files.put(44, b"later").expect("put");
        let mut seqs = files.seqs().expect("list");
        seqs.sort_unstable();
        assert_eq!(seqs, vec![42, 44]);
        let partials = std::fs::read_dir(dir.path().join(SNAPSHOT_DIR))
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(PARTIAL_SUFFIX))
            .count();
        assert_eq!(partials, 0, "the next put removes what a crash left");
        files.remove(42).expect("remove");
        files.remove(42).expect("removing twice is fine");
        assert_eq!(files.seqs().expect("list"), vec![44]);
    }
}
