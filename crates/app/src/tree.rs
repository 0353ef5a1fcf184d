//! The Merkle tree over the log (RFC 6962), shared by the writer and the readers: built from
//! every event's chain hash when the ledger opens, extended with each durable batch (the
//! writer's, or the segments a replica follows). Leaf `seq - 1` is SHA-256(0x00 || the event's
//! chain hash); anyone with a tree head (size and root) checks an event's inclusion and that a
//! later log extends an earlier one, without the log and without a token.
//!
//! Below [`TREE_FLOOR`] the tree keeps its levels only for the newest events; a proof reads
//! back from the log the chain hashes of the events whose subtrees it needs again.

use std::sync::{Arc, RwLock};

use yinling_ledger::merkle::{leaf_hash, LeafSource, MerkleTree, NothingDropped, ProofError};
use yinling_ledger::published::Published;
use yinling_ledger::{Envelope, EventLog, Hash, Head};

use crate::error::AppError;
use crate::limits::TREE_FLOOR;

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

/// The proof that one event is in a published checkpoint: what a statement line or a
/// voucher check carries, so that anyone holding the checkpoint can check it.
#[derive(Clone, Debug)]
pub struct EntryProof {
    /// The event.
    pub seq: u64,
    /// Its chain hash (its leaf is SHA-256 of 0x00 and it).
    pub event_hash: Hash,
    /// The size of the published checkpoint the proof is against.
    pub checkpoint_size: u64,
    /// The inclusion proof, from the leaf up.
    pub path: Vec<Hash>,
}

/// The shared tree, and the log it reads back the leaves it dropped from (see
/// [`TREE_FLOOR`]).
#[derive(Clone, Default)]
pub struct LogTree {
    tree: Arc<RwLock<MerkleTree>>,
    log: Option<Arc<dyn EventLog>>,
}

fn refused(e: ProofError) -> AppError {
    match e {
        ProofError::Unreadable(detail) => AppError::internal(&detail),
        e => AppError::Rejected(yinling_projections::Rejection::not_found(
            "not_in_log",
            e.to_string(),
        )),
    }
}

/// Chunks of leaves read back before the tree's lock was taken; anything else the proof
/// needs (a chunk completed meanwhile) is read from the log then, a whole chunk checked
/// against the tree like the prefetched ones.
struct Prefetched<'a> {
    floor: u32,
    chunks: Vec<(u64, Vec<Hash>)>,
    log: Option<&'a dyn EventLog>,
    tree: &'a MerkleTree,
}

impl LeafSource for Prefetched<'_> {
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, ProofError> {
        let chunk = start >> self.floor;
        let first = chunk << self.floor;
        let kept = self
            .chunks
            .iter()
            .find(|(c, _)| *c == chunk)
            .and_then(|(_, leaves)| {
                let from = usize::try_from(start - first).ok()?;
                let to = usize::try_from(end - first).ok()?;
                leaves.get(from..to)
            });
        match (kept, self.log) {
            (Some(leaves), _) => Ok(leaves.to_vec()),
            (None, Some(log)) => {
                let width = 1u64 << self.floor;
                let leaves = LogLeaves(log).leaves(first, first + width)?;
                self.tree.check_chunk(chunk, &leaves)?;
                let from = usize::try_from(start - first).unwrap_or(usize::MAX);
                let to = usize::try_from(end - first).unwrap_or(usize::MAX);
                leaves.get(from..to).map(<[Hash]>::to_vec).ok_or_else(|| {
                    ProofError::Unreadable(format!(
                        "leaves {start}..{end} asked for across chunk {chunk}"
                    ))
                })
            }
            (None, None) => NothingDropped.leaves(start, end),
        }
    }
}

/// A log's events read back as the tree's leaves.
struct LogLeaves<'a>(&'a dyn EventLog);

impl LeafSource for LogLeaves<'_> {
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, ProofError> {
        let count = u32::try_from(end - start).map_err(|_| {
            ProofError::Unreadable(format!("{} leaves asked for at once", end - start))
        })?;
        let events = yinling_ledger::log::read_range(self.0, start + 1, count)
            .map_err(|e| ProofError::Unreadable(e.to_string()))?;
        Ok(events.iter().map(|e| LogTree::leaf(&e.hash)).collect())
    }
}

impl LogTree {
    /// A tree of the given leaves (built at start) over `log`, which gives back the leaves
    /// the tree dropped when a proof needs them (without it, such a proof is refused).
    pub fn from_tree(tree: MerkleTree, log: Option<Arc<dyn EventLog>>) -> LogTree {
        LogTree {
            tree: Arc::new(RwLock::new(tree)),
            log,
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, MerkleTree> {
        self.tree.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, MerkleTree> {
        self.tree.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the tree and the source of its dropped leaves: the chunks holding the
    /// leaves `near` names (given the tree's length) are read back from `log` and checked
    /// against the tree *before* its lock is taken, so a slow read (a cluster's log is across
    /// the network) never holds up the writer extending the tree.
    fn with_leaves<T>(
        &self,
        log: Option<&dyn EventLog>,
        near: impl FnOnce(u64) -> Vec<u64>,
        f: impl FnOnce(&MerkleTree, &dyn LeafSource) -> Result<T, ProofError>,
    ) -> Result<T, ProofError> {
        let (floor, dropped, len) = {
            let tree = self.read();
            (tree.floor(), tree.dropped(), tree.len())
        };
        let mut chunks: Vec<(u64, Vec<Hash>)> = Vec::new();
        if let (Some(log), true) = (log, floor > 0) {
            for leaf in near(len) {
                let chunk = leaf >> floor;
                if leaf >= dropped || chunks.iter().any(|(c, _)| *c == chunk) {
                    continue;
                }
                let leaves = LogLeaves(log).leaves(chunk << floor, (chunk + 1) << floor)?;
                chunks.push((chunk, leaves));
            }
        }
        let tree = self.read();
        for (chunk, leaves) in &chunks {
            tree.check_chunk(*chunk, leaves)?;
        }
        let source = Prefetched {
            floor,
            chunks,
            log,
            tree: &tree,
        };
        f(&tree, &source)
    }

    /// A copy of the tree if it ends at event `seq` (what a snapshot of the state at `seq`
    /// stores beside it, so a start from that snapshot does not rebuild the tree from every
    /// event); `None` when the tree has moved on or is behind.
    pub fn copy_at(&self, seq: u64) -> Option<MerkleTree> {
        let tree = self.read();
        (tree.len() == seq).then(|| tree.clone())
    }

    /// How many hashes the tree holds in memory.
    pub fn kept_hashes(&self) -> usize {
        self.read().kept_hashes()
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
            Self::push_leaf(&mut tree, e.seq, Self::leaf(&e.hash));
        }
    }

    /// Walks the whole chain of `log`, checking every hash link, and builds the tree of its
    /// events as it goes, dropping its lower levels below [`TREE_FLOOR`] (the start's walk).
    pub fn walk(
        log: &dyn EventLog,
    ) -> Result<(MerkleTree, yinling_ledger::log::VerifyReport), yinling_ledger::LedgerError> {
        Self::walk_keeping(log, TREE_FLOOR)
    }

    /// [`LogTree::walk`] with the lower levels kept down to `floor` (0: all of them), for a
    /// run that proves many lines at once (`yinling export` proves every statement line, and
    /// a proof from a tree that kept everything reads nothing back from the log).
    pub fn walk_keeping(
        log: &dyn EventLog,
        floor: u32,
    ) -> Result<(MerkleTree, yinling_ledger::log::VerifyReport), yinling_ledger::LedgerError> {
        let mut tree = MerkleTree::with_floor(floor);
        let report = yinling_ledger::walk::walk_hashes(
            log,
            yinling_ledger::walk::WalkOptions::on_every_core(true),
            &mut |_| {},
            &mut |walked| Self::push_leaf(&mut tree, walked.head.seq, walked.leaf),
        )?;
        Ok((tree, report))
    }

    /// Adds one event by its head (a rebuild's fold).
    pub fn push(tree: &mut MerkleTree, head: &Head) {
        Self::push_leaf(tree, head.seq, Self::leaf(&head.hash));
    }

    /// Adds event `seq` by its leaf, hashed already (the walk hashes leaves on its workers);
    /// an event that does not continue the tree is skipped.
    pub fn push_leaf(tree: &mut MerkleTree, seq: u64, leaf: Hash) {
        if seq == tree.len() + 1 {
            tree.push_leaf_hash(leaf);
        }
    }

    /// The tree head: size and root.
    pub fn head(&self) -> (u64, Hash) {
        let tree = self.read();
        (tree.len(), tree.root())
    }

    /// The root of the tree of the first `size` events.
    pub fn root_at(&self, size: u64) -> Result<Hash, AppError> {
        self.with_leaves(
            self.log.as_deref(),
            |_| size.checked_sub(1).into_iter().collect(),
            |tree, leaves| tree.root_at_with(size, leaves),
        )
        .map_err(refused)
    }

    /// The proof that event `seq` is in the log of `size` events (the whole log when absent).
    pub fn inclusion(&self, seq: u64, size: Option<u64>) -> Result<Proof, AppError> {
        if seq == 0 {
            return Err(AppError::invalid("bad_seq", "events are numbered from 1"));
        }
        let edge = |len: u64| size.unwrap_or(len);
        self.with_leaves(
            self.log.as_deref(),
            |len| [seq - 1, edge(len).saturating_sub(1)].into(),
            |tree, leaves| {
                let size = edge(tree.len());
                Ok(Proof {
                    size,
                    path: tree.inclusion_proof_with(seq - 1, size, leaves)?,
                    root: tree.root_at_with(size, leaves)?,
                })
            },
        )
        .map_err(refused)
    }

    /// The proof that event `seq` is in the log of `size` events, with the event's chain hash
    /// read from `log`; `None` for an event newer than `size` (it will be in the next
    /// checkpoint).
    pub fn entry_proof(
        &self,
        log: &dyn EventLog,
        seq: u64,
        size: u64,
    ) -> Result<Option<EntryProof>, AppError> {
        if seq == 0 || seq > size {
            return Ok(None);
        }
        let Some(event) = yinling_ledger::log::get(log, seq).map_err(|e| AppError::internal(&e))?
        else {
            return Err(AppError::internal(&format!(
                "event {seq} is in the tree of {size} but the log cannot give it"
            )));
        };
        let path = self
            .with_leaves(
                Some(log),
                |_| [seq - 1, size - 1].into(),
                |tree, leaves| tree.inclusion_proof_with(seq - 1, size, leaves),
            )
            .map_err(refused)?;
        Ok(Some(EntryProof {
            seq,
            event_hash: event.hash,
            checkpoint_size: size,
            path,
        }))
    }

    /// The proof that the log of `from` events is a prefix of the log of `to` (the whole log
    /// when absent), with the root of the log of `from` events (what a watcher compares with
    /// the head it wrote down), both from one reading of the leaves they need.
    pub fn consistency(&self, from: u64, to: Option<u64>) -> Result<(Proof, Hash), AppError> {
        let edge = |len: u64| to.unwrap_or(len);
        self.with_leaves(
            self.log.as_deref(),
            |len| [from.saturating_sub(1), edge(len).saturating_sub(1)].into(),
            |tree, leaves| {
                let to = edge(tree.len());
                let proof = Proof {
                    size: to,
                    path: tree.consistency_proof_with(from, to, leaves)?,
                    root: tree.root_at_with(to, leaves)?,
                };
                Ok((proof, tree.root_at_with(from, leaves)?))
            },
        )
        .map_err(refused)
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
    /// Not kept: [`App::publish_checkpoint`] signs and keeps.
    pub fn checkpoint(&self) -> String {
        let (size, root) = self.engine.tree.head();
        self.sign_checkpoint(size, root)
    }

    fn sign_checkpoint(&self, size: u64, root: Hash) -> String {
        yinling_ledger::checkpoint::Checkpoint {
            origin: self.log_name(),
            size,
            root,
            time: yinling_ledger::Timestamp::now(),
        }
        .sign(&self.mint.checkpoint_key())
    }

    /// The checkpoint of the log as it is now, published: the one already handed out for
    /// this size when there is one (a size has one root, and a watcher may hold that text),
    /// otherwise signed now and kept before it is returned. Blocking (a kept checkpoint is
    /// flushed); without a store it is signed and not kept.
    pub fn publish_checkpoint(&self) -> Result<Published, AppError> {
        let (size, root) = self.engine.tree.head();
        let Some(store) = &self.published else {
            return Ok(Published {
                size,
                text: self.sign_checkpoint(size, root),
            });
        };
        if let Some(kept) = store.of_size(size).map_err(|e| AppError::internal(&e))? {
            return Ok(kept);
        }
        store
            .keep(size, &self.sign_checkpoint(size, root))
            .map_err(|e| AppError::internal(&e))
    }

    /// The published checkpoint to prove events up to `seq` against: the latest one when
    /// it reaches `seq`, otherwise the log's head published now. Blocking.
    pub fn checkpoint_covering(&self, seq: u64) -> Result<Published, AppError> {
        if let Some(store) = &self.published {
            if let Some(latest) = store.latest().map_err(|e| AppError::internal(&e))? {
                if latest.size >= seq {
                    return Ok(latest);
                }
            }
        }
        self.publish_checkpoint()
    }

    /// Published checkpoints of more than `after` events, smallest first, at most `limit`.
    pub fn published_checkpoints(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Published>, AppError> {
        match &self.published {
            Some(store) => store
                .after(after, limit)
                .map_err(|e| AppError::internal(&e)),
            None => Ok(Vec::new()),
        }
    }

    /// The public half of the checkpoint key as the one line a verifier is given.
    pub fn checkpoint_verifier_key(&self) -> String {
        yinling_ledger::checkpoint::verifier_key(
            &self.log_name(),
            &self.mint.checkpoint_key().verifying_key(),
        )
    }
}
