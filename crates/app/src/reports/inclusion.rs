//! Proofs where people look: each statement line and each voucher check carries the proof
//! that its event is in a published checkpoint, so a volunteer, a bank officer or anyone
//! they hand the statement to can check it against the checkpoint on the noticeboard (or the
//! file a watcher keeps) with `yinling-verify`, without the log and without the service's
//! word.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::published::Published;
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
    /// head when the latest one does not), off the async runtime (the log is read for each
    /// line's event hash, over the network on a cluster); gives them back with that
    /// checkpoint.
    pub async fn prove_entries(
        &self,
        mut entries: Vec<EntryOut>,
    ) -> Result<(Vec<EntryOut>, Published), AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let newest = entries.iter().map(|e| e.seq).max().unwrap_or(0);
            let published = app.checkpoint_covering(newest)?;
            attach(
                &app.engine.tree,
                app.engine.log(),
                published.size,
                &mut entries,
            )?;
            Ok((entries, published))
        })
        .await
        .map_err(|e| AppError::internal(&e))?
    }

    /// The latest checkpoint published, if any (nothing is signed).
    pub async fn latest_published(&self) -> Result<Option<Published>, AppError> {
        let Some(store) = self.published.clone() else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || store.latest())
            .await
            .map_err(|e| AppError::internal(&e))?
            .map_err(|e| AppError::internal(&e))
    }

    /// [`crate::App::checkpoint_covering`] off the async runtime (it may flush).
    pub async fn published_covering(&self, seq: u64) -> Result<Published, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.checkpoint_covering(seq))
            .await
            .map_err(|e| AppError::internal(&e))?
    }

    /// [`crate::App::publish_checkpoint`] off the async runtime (it may flush).
    pub async fn publish_now(&self) -> Result<Published, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || app.publish_checkpoint())
            .await
            .map_err(|e| AppError::internal(&e))?
    }

    /// The proof that event `seq` is in a published checkpoint that covers it (one line of a
    /// voucher check), with that checkpoint; off the async runtime.
    pub async fn prove_one(
        &self,
        seq: u64,
    ) -> Result<(Option<CheckpointProofOut>, Published), AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let published = app.checkpoint_covering(seq)?;
            let proof = app
                .engine
                .tree
                .entry_proof(app.engine.log(), seq, published.size)?
                .map(CheckpointProofOut::from);
            Ok((proof, published))
        })
        .await
        .map_err(|e| AppError::internal(&e))?
    }

    /// The chain hashes of events `seqs` (for fingerprints on paper), off the async runtime;
    /// an event the log cannot give is left out.
    pub async fn event_hashes(
        &self,
        seqs: Vec<u64>,
    ) -> Result<std::collections::HashMap<u64, yinling_ledger::Hash>, AppError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = std::collections::HashMap::with_capacity(seqs.len());
            for seq in seqs {
                if let Some(e) = yinling_ledger::log::get(app.engine.log(), seq)
                    .map_err(|e| AppError::internal(&e))?
                {
                    out.insert(seq, e.hash);
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| AppError::internal(&e))?
    }
}
