//! The head witness: a tiny file beside the log recording the last durable head.
//!
//! sled recovers from a crash by keeping the longest valid prefix of its files, so a file
//! truncated or swapped for an older copy would open as a shorter but self-consistent log,
//! and the service would silently serve old balances. The witness is written after every
//! durable append (synced at most every [`WITNESS_SYNC_MILLIS`]); it can lag the log but never
//! lead it, because it is written only after the log's flush. On open, a witness ahead of the
//! log, or naming a different event at its seq, means the log lost acknowledged events.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use crate::digest::Hash;
use crate::envelope::Head;
pub use crate::limits::WITNESS_SYNC_MILLIS;

/// File name of the witness inside the data directory.
pub const WITNESS_FILE: &str = "head.witness";

const MAGIC: &[u8; 4] = b"YLW1";
const LEN: usize = 4 + 8 + 32 + 8;

/// The open witness file.
pub(crate) struct Witness {
    file: File,
    last_sync: Instant,
}

fn encode(head: &Head) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    out[..4].copy_from_slice(MAGIC);
    out[4..12].copy_from_slice(&head.seq.to_be_bytes());
    out[12..44].copy_from_slice(&head.hash.0);
    let sum = Hash::of(&out[..44]);
    out[44..].copy_from_slice(&sum.0[..8]);
    out
}

fn decode(bytes: &[u8]) -> Option<Head> {
    if bytes.len() != LEN || &bytes[..4] != MAGIC || Hash::of(&bytes[..44]).0[..8] != bytes[44..] {
        return None;
    }
    let seq = u64::from_be_bytes(bytes[4..12].try_into().ok()?);
    Some(Head {
        seq,
        hash: Hash::from_bytes(&bytes[12..44])?,
    })
}

/// Reads the witness in `dir`: `Ok(None)` if absent, unreadable or torn (then it proves
/// nothing and is rewritten).
pub(crate) fn read(dir: &Path) -> Option<Head> {
    let mut bytes = Vec::with_capacity(LEN);
    File::open(dir.join(WITNESS_FILE))
        .ok()?
        .read_to_end(&mut bytes)
        .ok()?;
    let head = decode(&bytes);
    if head.is_none() {
        tracing::warn!("{WITNESS_FILE} is unreadable; it will be rewritten");
    }
    head
}

impl Witness {
    /// Opens (creating) the witness and records `head`.
    pub(crate) fn open(dir: &Path, head: Head) -> std::io::Result<Self> {
        let made = !dir.join(WITNESS_FILE).exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(WITNESS_FILE))?;
        let mut witness = Witness {
            file,
            last_sync: Instant::now(),
        };
        witness.record(head)?;
        witness.file.sync_data()?;
        if made {
            // A witness made now keeps its name through a power cut: the guard against a
            // shorter log must not vanish silently.
            File::open(dir)?.sync_all()?;
        }
        Ok(witness)
    }

    /// Records a new durable head (synced if the last sync is older than the limit).
    pub(crate) fn record(&mut self, head: Head) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.write_all_at(&encode(&head), 0)?;
        if self.last_sync.elapsed().as_millis() >= WITNESS_SYNC_MILLIS {
            self.file.sync_data()?;
            self.last_sync = Instant::now();
        }
        Ok(())
    }

    /// Syncs whatever was last recorded.
    pub(crate) fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_witness_round_trips_and_a_torn_one_is_refused() {
        let head = Head {
            seq: 42,
            hash: Hash([7; 32]),
        };
        let bytes = encode(&head);
        assert_eq!(decode(&bytes), Some(head));
        let mut torn = bytes;
        torn[20] ^= 1;
        assert_eq!(decode(&torn), None);
        assert_eq!(decode(&bytes[..10]), None);
    }
}
