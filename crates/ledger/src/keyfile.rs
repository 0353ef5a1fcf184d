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
/// would silently change every secret derived from it.
pub fn load_or_create(path: &Path, fresh: [u8; KEY_LEN]) -> std::io::Result<[u8; KEY_LEN]> {
    match std::fs::read(path) {
        Ok(bytes) => <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a {KEY_LEN}-byte key", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            file.write_all(&fresh)?;
            file.sync_all()?;
            Ok(fresh)
        }
        Err(e) => Err(e),
    }
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
