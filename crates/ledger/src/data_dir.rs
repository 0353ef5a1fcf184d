//! What a data directory must be before its log is opened: there when it must be, whole
//! (sled's `conf` and `db` together), and owned by the user who runs.

use std::path::Path;

use crate::error::LedgerError;
use crate::witness::WITNESS_FILE;

/// How to open a data directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the directory and an empty log if missing (the server).
    CreateIfMissing,
    /// The directory must exist and hold a log (verify, replay, export).
    MustExist,
}

/// Refuses a directory that cannot be opened as asked, naming why, before anything is
/// written into it.
pub(crate) fn check_before_open(dir: &Path, mode: OpenMode) -> Result<(), LedgerError> {
    let path = dir.to_path_buf();
    if mode == OpenMode::MustExist && !dir.join("conf").exists() {
        if !dir.exists() {
            return Err(LedgerError::Missing { path });
        }
        return Err(LedgerError::Open {
            path,
            detail: "it holds no Yinling log (no sled `conf` file)".into(),
        });
    }
    if dir.join("conf").exists() && !dir.join("db").exists() {
        return Err(LedgerError::Open {
            path,
            detail: "its sled `db` file is missing; restore the directory from a backup".into(),
        });
    }
    refuse_other_owner(dir)?;
    let has_data = dir.join("db").exists() || dir.join(WITNESS_FILE).exists();
    if has_data && !dir.join("conf").exists() {
        return Err(LedgerError::Open {
            path,
            detail: "its sled `conf` file is missing; restore the directory from a backup".into(),
        });
    }
    Ok(())
}

/// Refuses a data directory owned by another user than the one running. Opening a log
/// writes files into its directory (sled's snapshot of its page table, the journal, the
/// witness); made by root in a directory the service's user owns, they are root's alone
/// (the binary's umask is 077), and the service then cannot start. A backup or a check run
/// as root would do that; it is to be run as the directory's owner.
fn refuse_other_owner(dir: &Path) -> Result<(), LedgerError> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(()); // Not there yet: made by whoever runs, theirs.
    };
    let me = rustix::process::getuid().as_raw();
    if meta.uid() != me {
        return Err(LedgerError::Open {
            path: dir.to_path_buf(),
            detail: format!(
                "it belongs to user {} and this runs as user {me}: files written now would be this user's alone and the service could not open them; run as the directory's owner (e.g. `runuser -u <owner> -- yinling ...`)",
                meta.uid()
            ),
        });
    }
    Ok(())
}
