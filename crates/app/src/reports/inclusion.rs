//! Proofs where people look: each statement line and each voucher check carries the proof
//! that its event is in a published checkpoint, so a volunteer, a bank officer or anyone
//! they hand the statement to can check it against the checkpoint on the noticeboard (or the
//! file a watcher keeps) with `yinling-verify`, without the log and without the service's
//! word.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::EventLog;

use super::accounts::EntryOut;
use crate::error::AppError;
use crate::tree::{EntryProof, LogTree};

/// The proof that an event is in a published checkpoint.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckpointProofOut {
    /// The event.
    pub seq: u64,
    /// Its chain hash (hex); its leaf in the Merkle tree is SHA-256(0x00 || hash).
    pub event_hash: String,
    /// The size (events) of the published checkpoint it is proven against.
    pub checkpoint_size: u64,
    /// The inclusion proof: hex hashes from the leaf up (RFC 9162).
    pub path: Vec<String>,
}

impl From<EntryProof> for CheckpointProofOut {
    fn from(p: EntryProof) -> CheckpointProofOut {
        CheckpointProofOut {
            seq: p.seq,
            event_hash: p.event_hash.to_hex(),
            checkpoint_size: p.checkpoint_size,
            path: p.path.iter().map(|h| h.to_hex()).collect(),
        }
    }
}

impl CheckpointProofOut {
    /// The path as one spreadsheet cell: the hashes separated by spaces.
    pub fn path_cell(&self) -> String {
        self.path.join(" ")
    }
}

/// Gives every line of `entries` up to `checkpoint_size` its proof (a newer line stays
/// without one: it will be in the next checkpoint).
pub fn attach(
    tree: &LogTree,
    log: &dyn EventLog,
    checkpoint_size: u64,
    entries: &mut [EntryOut],
) -> Result<(), AppError> {
    for e in entries {
        e.proof = tree
            .entry_proof(log, e.seq, checkpoint_size)?
            .map(CheckpointProofOut::from);
    }
    Ok(())
}

impl crate::App {
    /// Proves `entries` against a published checkpoint that covers them (publishing the log's
    /// head when the latest one does not), and returns that checkpoint's text.
    pub async fn prove_entries(&self, entries: &mut [EntryOut]) -> Result<String, AppError> {
        let newest = entries.iter().map(|e| e.seq).max().unwrap_or(0);
        let published = self.published_covering(newest).await?;
        attach(
            &self.engine.tree,
            self.engine.log(),
            published.size,
            entries,
        )?;
        Ok(published.text)
    }

    /// The latest checkpoint published, if any (nothing is signed).
    pub async fn latest_published(
        &self,
    ) -> Result<Option<yinling_ledger::published::Published>, AppError> {
        let Some(store) = self.published.clone() else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || store.latest())
            .await
            .map_err(|e| AppError::internal(&e))?
            .map_err(|e| AppError::internal(&e))
    }

    /// [`crate::App::publish_checkpoint`] off the async runtime (it may flush).
    pub async fn publish_now(&self) -> Result<yinling_ledger::published::Published, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.publish_checkpoint())
            .await
            .map_err(|e| AppError::internal(&e))?
    }

    /// [`crate::App::checkpoint_covering`] off the async runtime (it may flush).
    pub async fn published_covering(
        &self,
        seq: u64,
    ) -> Result<yinling_ledger::published::Published, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.checkpoint_covering(seq))
            .await
            .map_err(|e| AppError::internal(&e))?
    }

    /// The proof that event `seq` is in `published` (one line of a voucher check).
    pub fn prove_one(
        &self,
        seq: u64,
        published: &yinling_ledger::published::Published,
    ) -> Result<Option<CheckpointProofOut>, AppError> {
        Ok(self
            .engine
            .tree
            .entry_proof(self.engine.log(), seq, published.size)?
            .map(CheckpointProofOut::from))
    }
}
