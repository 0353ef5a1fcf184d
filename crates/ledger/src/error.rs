//! Errors of the ledger layer.

use std::path::PathBuf;

use crate::codec::CodecError;
use crate::envelope::StreamId;
use crate::witness::WITNESS_FILE;

/// Everything that can go wrong in the ledger. A damaged record always names its seq.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The storage engine failed (I/O error, full disk, ...). Nothing of the failed append
    /// is visible; the write may be retried once the fault clears.
    #[error("storage failure: {0}")]
    Storage(String),
    /// The data directory is used by another process (a running server, say).
    #[error("the data directory {} is in use by another process (is a `yinling serve` running on it?)", path.display())]
    Locked {
        /// The directory.
        path: PathBuf,
    },
    /// The data directory does not exist (and was not to be created).
    #[error("the data directory {} does not exist", path.display())]
    Missing {
        /// The directory.
        path: PathBuf,
    },
    /// The data directory could not be opened as a Yinling log.
    #[error("cannot open the data directory {}: {detail}", path.display())]
    Open {
        /// The directory.
        path: PathBuf,
        /// What went wrong, in words.
        detail: String,
    },
    /// A stored record is damaged: it fails to decode, breaks the chain or is out of place.
    #[error("the event at seq {seq} is damaged: {detail}. Nothing after it can be trusted; run `yinling verify --data DIR` to inspect the log, and restore from a backup")]
    Corrupt {
        /// The first seq found damaged.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// The log ends before the head it was known to have reached: its files were truncated or
    /// replaced by an older copy.
    #[error("the log in {} (its sled `db` file) ends at seq {found} but it had reached seq {recorded} (recorded in {WITNESS_FILE}): its files are truncated or were replaced by an older copy. Refusing to open; restore from a backup (if you knowingly restored an older copy, delete {WITNESS_FILE})", path.display())]
    Truncated {
        /// The directory.
        path: PathBuf,
        /// The head recorded in the witness.
        recorded: u64,
        /// The head found in the log.
        found: u64,
    },
    /// Another writer appended since this one read the head.
    #[error("the log moved: expected head seq {expected}, found {actual}")]
    HeadMoved {
        /// The head the append was built on.
        expected: u64,
        /// The head found.
        actual: u64,
    },
    /// A commit's expected stream version did not match.
    #[error("stream {stream} is at version {actual}, the command expected {expected}")]
    VersionConflict {
        /// The stream.
        stream: StreamId,
        /// What the commit expected.
        expected: u64,
        /// What the log holds.
        actual: u64,
    },
    /// A value could not be encoded or decoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

impl From<sled::Error> for LedgerError {
    fn from(e: sled::Error) -> Self {
        LedgerError::Storage(e.to_string())
    }
}
