//! The Merkle tree over the log (RFC 6962), shared by the writer and the readers: built from
//! every event's chain hash when the ledger opens, extended with each durable batch (the
//! writer's, or the segments a replica follows). Leaf `seq - 1` is SHA-256(0x00 || the event's
//! chain hash); anyone with a tree head (size and root) checks an event's inclusion and that a
//! later log extends an earlier one, without the log and without a token.

use std::sync::{Arc, RwLock};

use yinling_ledger::merkle::{leaf_hash, MerkleTree, ProofError};
use yinling_ledger::{Envelope, Hash, Head};

use crate::error::AppError;

/// A proof as served: the tree size it is for, that tree's root, and the path.
#[derive(Clone, Debug)]
pub struct Proof {
    /// The tree size (events) the proof is against.
    pub size: u64,
    /// That tree's root.
    pub root: Hash,
    /// The hashes, from the leaf up (inclusion) or as RFC 6962 orders them (consistency).
    pub path: Vec<Hash>,
}

/// The shared tree.
#[derive(Clone, Default)]
pub struct LogTree(Arc<RwLock<MerkleTree>>);

fn refused(e: ProofError) -> AppError {
    AppError::Rejected(yinling_projections::Rejection::not_found(
        "not_in_log",
        e.to_string(),
    ))
}

impl LogTree {
    /// A tree of the given leaves (built at start).
    pub fn from_tree(tree: MerkleTree) -> LogTree {
        LogTree(Arc::new(RwLock::new(tree)))
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, MerkleTree> {
        self.0.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, MerkleTree> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The leaf of an event: its chain hash, hashed as a leaf.
    pub fn leaf(hash: &Hash) -> Hash {
        leaf_hash(&hash.0)
    }

    /// Adds the events that continue the tree (an event already in it is skipped, so a batch
    /// seen twice adds nothing).
    pub fn extend(&self, envelopes: &[Envelope]) {
        let mut tree = self.write();
        for e in envelopes {
            if e.seq == tree.len() + 1 {
                tree.push_leaf_hash(Self::leaf(&e.hash));
            }
        }
    }

    /// Adds one event by its head (the walk at start).
    pub fn push(tree: &mut MerkleTree, head: &Head) {
        if head.seq == tree.len() + 1 {
            tree.push_leaf_hash(Self::leaf(&head.hash));
        }
    }

    /// The tree head: size and root.
    pub fn head(&self) -> (u64, Hash) {
        let tree = self.read();
        (tree.len(), tree.root())
    }

    /// The root of the tree of the first `size` events.
    pub fn root_at(&self, size: u64) -> Result<Hash, AppError> {
        self.read().root_at(size).map_err(refused)
    }

    /// The proof that event `seq` is in the log of `size` events (the whole log when absent).
    pub fn inclusion(&self, seq: u64, size: Option<u64>) -> Result<Proof, AppError> {
        let tree = self.read();
        let size = size.unwrap_or(tree.len());
        if seq == 0 {
            return Err(AppError::invalid("bad_seq", "events are numbered from 1"));
        }
        let path = tree.inclusion_proof(seq - 1, size).map_err(refused)?;
        Ok(Proof {
            size,
            root: tree.root_at(size).map_err(refused)?,
            path,
        })
    }

    /// The proof that the log of `from` events is a prefix of the log of `to` (the whole log
    /// when absent).
    pub fn consistency(&self, from: u64, to: Option<u64>) -> Result<Proof, AppError> {
        let tree = self.read();
        let to = to.unwrap_or(tree.len());
        let path = tree.consistency_proof(from, to).map_err(refused)?;
        Ok(Proof {
            size: to,
            root: tree.root_at(to).map_err(refused)?,
            path,
        })
    }
}

impl crate::App {
    /// The log's name in its checkpoints: the host of the public address (`points.example.gov.cn/yinling`)
    /// or, without one, `yinling`.
    pub fn log_name(&self) -> String {
        match &self.public_url {
            Some(url) => {
                let text = url.to_string();
                let host = text
                    .split("://")
                    .nth(1)
                    .unwrap_or(&text)
                    .trim_end_matches('/')
                    .replace(['+', ' '], "-");
                format!("{host}/yinling")
            }
            None => "yinling".to_owned(),
        }
    }

    /// A checkpoint of the log as it is now (size, root, time), signed with the log's key.
    pub fn checkpoint(&self) -> String {
        let (size, root) = self.engine.tree.head();
        yinling_ledger::checkpoint::Checkpoint {
            origin: self.log_name(),
            size,
            root,
            time: yinling_ledger::Timestamp::now(),
        }
        .sign(&self.mint.checkpoint_key())
    }

    /// The public half of the checkpoint key as the one line a verifier is given.
    pub fn checkpoint_verifier_key(&self) -> String {
        yinling_ledger::checkpoint::verifier_key(
            &self.log_name(),
            &self.mint.checkpoint_key().verifying_key(),
        )
    }
}
