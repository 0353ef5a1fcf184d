//! The checkpoints the service has published: every signed checkpoint it handed out, by log
//! size, in a store of its own beside the log (`checkpoints/`). They are what a watcher
//! collects and what a volunteer's statement and a bank's voucher check prove their entries
//! against, so a proof given today can be checked against the checkpoint pinned on the
//! noticeboard last week. Derived from the log and the signing key, never part of the log:
//! losing the store loses only the history of signatures, never an event.

use std::path::Path;

use crate::error::LedgerError;
use crate::limits::MAX_PUBLISHED_CHECKPOINT_BYTES;

/// The directory of the published checkpoints inside a data directory.
pub const PUBLISHED_DIR: &str = "checkpoints";

/// One published checkpoint: the log size it signs and its text, as handed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// Events in the log it signs.
    pub size: u64,
    /// The signed checkpoint, exactly as served (ends with a newline).
    pub text: String,
}

/// The store: size (big-endian, so sizes sort) to the checkpoint's text.
pub struct PublishedCheckpoints {
    db: sled::Db,
}

fn published(key: &[u8], value: &[u8]) -> Result<Published, LedgerError> {
    let size = <[u8; 8]>::try_from(key)
        .map(u64::from_be_bytes)
        .map_err(|_| LedgerError::Storage("a published checkpoint's key is not a size".into()))?;
    let text = String::from_utf8(value.to_vec()).map_err(|_| {
        LedgerError::Storage(format!(
            "the published checkpoint of size {size} is not text"
        ))
    })?;
    Ok(Published { size, text })
}

impl PublishedCheckpoints {
    /// Opens (or creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<PublishedCheckpoints, LedgerError> {
        // Every keep flushes itself, so no background flusher (which would also hold the
        // store's lock for a moment after it is closed).
        let db = crate::store::open_sled(
            &sled::Config::new()
                .path(data_dir.join(PUBLISHED_DIR))
                .cache_capacity(crate::limits::SIDE_STORE_CACHE_BYTES)
                .flush_every_ms(None),
        )?;
        Ok(PublishedCheckpoints { db })
    }

    /// Keeps `text`, the signed checkpoint of a log of `size` events, unless one of that size
    /// is kept already (the first one handed out stays: a size has one root, and a watcher
    /// may hold that very text). Durable when it returns. Returns the checkpoint kept for
    /// that size.
    pub fn keep(&self, size: u64, text: &str) -> Result<Published, LedgerError> {
        if text.len() > MAX_PUBLISHED_CHECKPOINT_BYTES {
            return Err(LedgerError::Storage(format!(
                "a checkpoint of {} bytes is not a checkpoint (at most {MAX_PUBLISHED_CHECKPOINT_BYTES})",
                text.len()
            )));
        }
        let key = size.to_be_bytes();
        match self
            .db
            .compare_and_swap(key, None as Option<&[u8]>, Some(text.as_bytes()))?
        {
            Ok(()) => {
                self.db.flush()?;
                Ok(Published {
                    size,
                    text: text.to_owned(),
                })
            }
            Err(e) => match e.current {
                Some(current) => published(&key, &current),
                None => Err(LedgerError::Storage(
                    "a published checkpoint vanished while it was kept".into(),
                )),
            },
        }
    }

    /// The latest checkpoint published (the largest size), if any.
    pub fn latest(&self) -> Result<Option<Published>, LedgerError> {
        self.db.last()?.map(|(k, v)| published(&k, &v)).transpose()
    }

    /// The checkpoint published for exactly `size` events, if any.
    pub fn of_size(&self, size: u64) -> Result<Option<Published>, LedgerError> {
        self.db
            .get(size.to_be_bytes())?
            .map(|v| published(&size.to_be_bytes(), &v))
            .transpose()
    }

    /// Checkpoints of more than `after` events, smallest first, at most `limit`.
    pub fn after(&self, after: u64, limit: usize) -> Result<Vec<Published>, LedgerError> {
        let mut out = Vec::new();
        let from = after.saturating_add(1).to_be_bytes();
        for item in self.db.range(from..).take(limit) {
            let (k, v) = item?;
            out.push(published(&k, &v)?);
        }
        Ok(out)
    }

    /// How many checkpoints are kept.
    pub fn len(&self) -> usize {
        self.db.len()
    }

    /// Whether none is kept yet.
    pub fn is_empty(&self) -> bool {
        self.db.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_checkpoint_of_a_size_stays_and_sizes_come_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = PublishedCheckpoints::open(dir.path()).expect("open");
            assert!(store.latest().expect("latest").is_none());
            store.keep(10, "ten\n").expect("keep");
            store.keep(3, "three\n").expect("keep");
            let again = store.keep(10, "ten, signed later\n").expect("keep");
            assert_eq!(again.text, "ten\n", "the first one handed out stays");
        }
        let store = PublishedCheckpoints::open(dir.path()).expect("reopen");
        assert_eq!(store.len(), 2);
        assert_eq!(store.latest().expect("latest").map(|p| p.size), Some(10));
        let sizes: Vec<u64> = store
            .after(0, 10)
            .expect("after")
            .iter()
            .map(|p| p.size)
            .collect();
        assert_eq!(sizes, vec![3, 10]);
        assert_eq!(store.after(3, 10).expect("after").len(), 1);
        assert_eq!(
            store.of_size(3).expect("of size").map(|p| p.text),
            Some("three\n".into())
        );
        assert!(store.of_size(4).expect("of size").is_none());
    }
}
