//! Secret keys kept in the data directory beside the log (the token mint's key): written
//! once with owner-only permissions and fsynced, read back on every start.
//!
//! The key itself is drawn by the caller; this module only keeps it, so that every file the
//! service writes goes through this crate.

use std::io::Write;
use std::path::Path;

/// Length of a key, in bytes (a format, not a limit).
pub const KEY_LEN: usize = 32;

/// Reads the key at `path`, or stores `fresh` there (mode 0600, fsynced) when the file does
/// not exist yet. A file of another length is refused rather than replaced: replacing it
/// would silently change every secret derived from it. An empty one is what an earlier
/// build left when a power cut came between creating the file and writing it: no secret was
/// ever derived from it, so it is written now.
///
/// The key is written whole beside the file, synced, and linked into place, then the
/// directory is synced: a power cut leaves the key whole or absent, never torn, and its
/// name does not vanish after the start that made it.
pub fn load_or_create(path: &Path, fresh: [u8; KEY_LEN]) -> std::io::Result<[u8; KEY_LEN]> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.is_empty() => {
            std::fs::remove_file(path)?;
            load_or_create(path, fresh)
        }
        Ok(bytes) => <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a {KEY_LEN}-byte key", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_whole(path, fresh),
        Err(e) => Err(e),
    }
}

/// Writes `key` to a file of its own, synced, and links it to `path` unless another start
/// got there first (then that one's key is the key).
fn create_whole(path: &Path, key: [u8; KEY_LEN]) -> std::io::Result<[u8; KEY_LEN]> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".new-{}", std::process::id()));
    let beside = path.with_file_name(name);
    let _ = std::fs::remove_file(&beside);
    write_private(&beside, &key)?;
    let linked = std::fs::hard_link(&beside, path);
    let _ = std::fs::remove_file(&beside);
    match linked {
        Ok(()) => {
            sync_directory_of(path)?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path, key),
        Err(e) => Err(e),
    }
}

/// Syncs the directory holding `path`, so a file just made there keeps its name.
fn sync_directory_of(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// Writes `bytes` to a new file at `path` readable by its owner only (mode 0600), fsynced:
/// for files that hold keys (`yinling export --what keys`). An existing file is refused, not
/// overwritten.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_whole_and_an_empty_file_left_by_a_power_cut_is_written() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("token-mint.key");
        assert_eq!(
            load_or_create(&path, [1; KEY_LEN]).expect("made"),
            [1; KEY_LEN]
        );
        // Made once: a later start with another fresh key reads the first.
        assert_eq!(
            load_or_create(&path, [2; KEY_LEN]).expect("read"),
            [1; KEY_LEN]
        );
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["token-mint.key"], "nothing left beside it");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        // What a power cut between creating and writing left: no key was ever derived.
        std::fs::write(&path, b"").expect("empty");
        assert_eq!(
            load_or_create(&path, [3; KEY_LEN]).expect("made"),
            [3; KEY_LEN]
        );
        // A file of another length is refused, never replaced.
        std::fs::write(&path, b"short").expect("short");
        assert!(load_or_create(&path, [4; KEY_LEN]).is_err());
        assert_eq!(std::fs::read(&path).expect("kept"), b"short");
    }
}
