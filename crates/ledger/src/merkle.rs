//! A Merkle tree over the log, the construction of Certificate Transparency (RFC 6962, kept in
//! RFC 9162): a leaf hashes as SHA-256(0x00 || data), an inner node as SHA-256(0x01 || left ||
//! right), a tree of n leaves splits at the largest power of two below n. With it anyone
//! holding a tree head (size and root) checks that one event is in the log of that size
//! (an inclusion proof of about log2(n) hashes) and that the log of one size is a prefix of
//! the log of a larger one (a consistency proof): nothing earlier was rewritten.
//!
//! The tree is kept as it grows: every perfect subtree's hash is stored once, level by level
//! (about two hashes per leaf), so appending is amortised O(1) hashes and a proof touches
//! O(log² n) stored nodes at most. A tree with a floor keeps the levels below it only for the
//! chunk of leaves still filling (2^floor leaves): a province's fifty million events would
//! otherwise hold 3.2 GB of hashes in memory. A proof that needs a dropped subtree recomputes
//! it from the leaves a [`LeafSource`] reads back (at most 2^floor − 1 of them for a proof).

use sha2::{Digest as _, Sha256};

use crate::digest::Hash;

/// Why a proof was not produced or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or size asked for is not in the tree.
    #[error("{0}")]
    OutOfRange(String),
    /// The proof does not lead to the root it was checked against.
    #[error("the proof does not match: {0}")]
    Mismatch(String),
    /// Leaves the tree dropped could not be read back.
    #[error("the leaves of the tree could not be read back: {0}")]
    Unreadable(String),
}

/// Where a tree with a floor reads back the leaves it dropped: the log, whose events' chain
/// hashes are the leaves' data.
pub trait LeafSource {
    /// The leaf hashes of leaves `start..end` (numbered from 0).
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, ProofError>;
}

/// The source of a tree that dropped nothing (no floor): asked for leaves, it says so.
pub struct NothingDropped;

impl LeafSource for NothingDropped {
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, ProofError> {
        Err(ProofError::Unreadable(format!(
            "leaves {start}..{end} were dropped and no source was given to read them"
        )))
    }
}

/// SHA-256(0x00 || `data`): a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// SHA-256(0x01 || `left` || `right`): an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Hash::of(&[])
}

/// The root of a tree as it grows, in log2(n) hashes: the perfect subtrees its leaves make so
/// far, largest first (one per bit of the leaf count). What a walk that needs only the roots
/// of the sizes it passes keeps, instead of a whole [`MerkleTree`] (about 64 bytes a leaf):
/// an auditor checking a province's fifty million events against its checkpoints.
#[derive(Clone, Debug, Default)]
pub struct Frontier {
    len: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The leaves so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no leaf was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends the leaf of `data`: each subtree it completes is joined with the one before.
    pub fn push(&mut self, data: &[u8]) {
        let mut node = leaf_hash(data);
        let mut n = self.len;
        while n & 1 == 1 {
            if let Some(left) = self.peaks.pop() {
                node = node_hash(&left, &node);
            }
            n >>= 1;
        }
        self.peaks.push(node);
        self.len += 1;
    }

    /// The root of the leaves so far: the subtrees joined from the smallest up, as RFC 9162
    /// splits a tree at the largest power of two below its size.
    pub fn root(&self) -> Hash {
        match self.peaks.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest
                .iter()
                .rev()
                .fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

/// The largest power of two strictly below `n` (n > 1: a split needs two leaves).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1, "a split needs two leaves");
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The root of a perfect subtree from its leaves (a power of two of them).
fn perfect_root(mut row: Vec<Hash>) -> Hash {
    while row.len() > 1 {
        row = row
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => node_hash(left, right),
                [one] => *one,
                _ => empty_root(),
            })
            .collect();
    }
    row.first().copied().unwrap_or_else(empty_root)
}

/// The tree: `levels[l][i]` is the hash of the perfect subtree over leaves `i·2^l ..
/// (i+1)·2^l`, except below the floor, where a level holds only the subtrees of the chunk
/// still filling (the first of them is subtree `dropped >> l`).
#[derive(Clone, Debug, Default)]
pub struct MerkleTree {
    /// Levels below this one are kept only for the chunk still filling (0: all kept).
    floor: u32,
    levels: Vec<Vec<Hash>>,
    /// Leaves in the completed chunks, whose levels below the floor were dropped.
    dropped: u64,
    len: u64,
}

impl MerkleTree {
    /// An empty tree that keeps every level.
    pub fn new() -> MerkleTree {
        MerkleTree::default()
    }

    /// An empty tree that keeps the levels below `floor` only for the chunk of 2^`floor`
    /// leaves still filling; proofs read what they need of the rest from a [`LeafSource`].
    pub fn with_floor(floor: u32) -> MerkleTree {
        assert!(
            floor < u64::BITS,
            "a floor of {floor} levels is wider than a leaf count"
        );
        MerkleTree {
            floor,
            ..MerkleTree::default()
        }
    }

    /// Leaves in the tree.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The levels below which only the chunk still filling is kept (0: all kept).
    pub fn floor(&self) -> u32 {
        self.floor
    }

    /// Leaves in the completed chunks, whose levels below the floor were dropped: a proof
    /// about a leaf before this reads leaves back.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Checks that `leaves`, read back for completed chunk `chunk` (leaves `chunk·2^floor ..
    /// (chunk+1)·2^floor`), hash to the subtree the tree kept for it: a log changed since the
    /// tree was built would otherwise give proofs that do not verify.
    pub fn check_chunk(&self, chunk: u64, leaves: &[Hash]) -> Result<(), ProofError> {
        let kept = self.stored(self.floor as usize, chunk);
        let width = 1u64 << self.floor;
        if leaves.len() as u64 != width || kept != Some(perfect_root(leaves.to_vec())) {
            return Err(ProofError::Unreadable(format!(
                "the events {}..{} read back do not hash to the tree built from them",
                chunk * width + 1,
                (chunk + 1) * width
            )));
        }
        Ok(())
    }

    /// How many hashes the tree holds in memory (what it costs).
    pub fn kept_hashes(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// Appends a leaf by its data.
    pub fn push(&mut self, data: &[u8]) {
        self.push_leaf_hash(leaf_hash(data));
    }

    /// Appends a leaf by its leaf hash, completing every perfect subtree it closes; a chunk
    /// completed drops its levels below the floor.
    pub fn push_leaf_hash(&mut self, leaf: Hash) {
        self.len += 1;
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
            // Below the floor a row starts at an even subtree (a chunk's first), so its
            // length has the parity of the subtree's number.
            let row = &self.levels[level];
            if row.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
            if level == self.floor as usize {
                for row in &mut self.levels[..level] {
                    row.clear();
                }
                self.dropped += 1u64 << self.floor;
            }
        }
    }

    /// The stored hash of subtree `index` of `level`, if the tree kept it.
    fn stored(&self, level: usize, index: u64) -> Option<Hash> {
        let row = self.levels.get(level)?;
        let first = if level < self.floor as usize {
            self.dropped >> level
        } else {
            0
        };
        let at = usize::try_from(index.checked_sub(first)?).ok()?;
        row.get(at).copied()
    }

    /// MTH(D[start..end]), 0 ≤ start < end ≤ len.
    fn subtree(&self, start: u64, end: u64, src: &dyn LeafSource) -> Result<Hash, ProofError> {
        let size = end - start;
        if size.is_power_of_two() && start % size == 0 {
            let level = size.trailing_zeros() as usize;
            if let Some(hash) = self.stored(level, start / size) {
                return Ok(hash);
            }
            let leaves = src.leaves(start, end)?;
            if leaves.len() as u64 != size {
                return Err(ProofError::Unreadable(format!(
                    "asked for leaves {start}..{end}, got {}",
                    leaves.len()
                )));
            }
            return Ok(perfect_root(leaves));
        }
        let k = split(size);
        Ok(node_hash(
            &self.subtree(start, start + k, src)?,
            &self.subtree(start + k, end, src)?,
        ))
    }

    /// The root of the first `size` leaves (the whole tree's root when `size` is its length).
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.root_at_with(size, &NothingDropped)
    }

    /// [`MerkleTree::root_at`], reading dropped leaves from `src`.
    pub fn root_at_with(&self, size: u64, src: &dyn LeafSource) -> Result<Hash, ProofError> {
        if size > self.len() {
            return Err(ProofError::OutOfRange(format!(
                "the tree has {} leaves, not {size}",
                self.len()
            )));
        }
        if size == 0 {
            Ok(empty_root())
        } else {
            self.subtree(0, size, src)
        }
    }

    /// The root of the whole tree (never needs a dropped leaf: the subtrees along the right
    /// edge smaller than a chunk are all in the chunk still filling).
    pub fn root(&self) -> Hash {
        self.root_at(self.len()).unwrap_or_else(|_| empty_root())
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 6962
    /// PATH), from the leaf up.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.inclusion_proof_with(index, size, &NothingDropped)
    }

    /// [`MerkleTree::inclusion_proof`], reading dropped leaves from `src`.
    pub fn inclusion_proof_with(
        &self,
        index: u64,
        size: u64,
        src: &dyn LeafSource,
    ) -> Result<Vec<Hash>, ProofError> {
        if size > self.len() || index >= size {
            return Err(ProofError::OutOfRange(format!(
                "leaf {index} is not in a tree of {size} (the log has {})",
                self.len()
            )));
        }
        let mut proof = Vec::new();
        self.path(index, (0, size), src, &mut proof)?;
        Ok(proof)
    }

    fn path(
        &self,
        m: u64,
        (start, end): (u64, u64),
        src: &dyn LeafSource,
        out: &mut Vec<Hash>,
    ) -> Result<(), ProofError> {
        let n = end - start;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m - start < k {
            self.path(m, (start, start + k), src, out)?;
            out.push(self.subtree(start + k, end, src)?);
        } else {
            self.path(m, (start + k, end), src, out)?;
            out.push(self.subtree(start, start + k, src)?);
        }
        Ok(())
    }

    /// The consistency proof that the tree of the first `old` leaves is a prefix of the tree
    /// of the first `new` (RFC 6962 PROOF).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.consistency_proof_with(old, new, &NothingDropped)
    }

    /// [`MerkleTree::consistency_proof`], reading dropped leaves from `src`.
    pub fn consistency_proof_with(
        &self,
        old: u64,
        new: u64,
        src: &dyn LeafSource,
    ) -> Result<Vec<Hash>, ProofError> {
        if new > self.len() || old > new {
            return Err(ProofError::OutOfRange(format!(
                "no consistency between sizes {old} and {new} (the log has {})",
                self.len()
            )));
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, (0, new), true, src, &mut proof)?;
        }
        Ok(proof)
    }

    fn subproof(
        &self,
        m: u64,
        (start, end): (u64, u64),
        whole: bool,
        src: &dyn LeafSource,
        out: &mut Vec<Hash>,
    ) -> Result<(), ProofError> {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(self.subtree(start, end, src)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, (start, start + k), whole, src, out)?;
            out.push(self.subtree(start + k, end, src)?);
        } else {
            self.subproof(m - k, (start + k, end), false, src, out)?;
            out.push(self.subtree(start, start + k, src)?);
        }
        Ok(())
    }
}

/// The tree as a snapshot stores it: its floor, its length and the levels it kept. Everything
/// else follows from those, so a snapshot written at event N lets a start carry on from N
/// without reading the N events again (see the app's start).
#[derive(serde::Serialize)]
struct StoredTreeRef<'a> {
    floor: u32,
    len: u64,
    levels: &'a [Vec<Hash>],
}

/// [`StoredTreeRef`] as read back, checked before it becomes a tree.
#[derive(serde::Deserialize)]
struct StoredTree {
    floor: u32,
    len: u64,
    levels: Vec<Vec<Hash>>,
}

impl serde::Serialize for MerkleTree {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredTreeRef {
            floor: self.floor,
            len: self.len,
            levels: &self.levels,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for MerkleTree {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredTree::deserialize(deserializer)?;
        MerkleTree::from_stored(stored).map_err(serde::de::Error::custom)
    }
}

impl MerkleTree {
    /// The tree a snapshot stored, if its levels have exactly the lengths its length and floor
    /// imply (a tree with a row too short or too long would give wrong proofs, not errors).
    fn from_stored(stored: StoredTree) -> Result<MerkleTree, String> {
        let StoredTree { floor, len, levels } = stored;
        if floor >= u64::BITS {
            return Err(format!(
                "a stored tree's floor of {floor} levels is too wide"
            ));
        }
        let dropped = if floor == 0 {
            0
        } else {
            (len >> floor) << floor
        };
        let depth = (u64::BITS - len.leading_zeros()) as usize;
        if levels.len() != depth {
            return Err(format!(
                "a stored tree of {len} leaves has {} levels, not {depth}",
                levels.len()
            ));
        }
        for (level, row) in levels.iter().enumerate() {
            let below_floor = level < floor as usize;
            let first = if below_floor { dropped >> level } else { 0 };
            let expected = (len >> level) - first;
            if row.len() as u64 != expected {
                return Err(format!(
                    "level {level} of a stored tree of {len} leaves holds {} hashes, not {expected}",
                    row.len()
                ));
            }
        }
        Ok(MerkleTree {
            floor,
            levels,
            dropped,
            len,
        })
    }
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose root is `root`
/// (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!(
            "leaf {index} cannot be in a tree of {size}"
        )));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Mismatch(
                "the proof is longer than the tree is deep".into(),
            ));
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch(
            "the proof is shorter than the tree is deep".into(),
        ));
    }
    if r != *root {
        return Err(ProofError::Mismatch(format!(
            "leaf {index} leads to root {}, not {}",
            r.to_hex(),
            root.to_hex()
        )));
    }
    Ok(())
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of
/// `new` leaves with root `new_root` (RFC 9162, 2.1.4.2).
pub fn verify_consistency(
    (old, old_root): (u64, &Hash),
    (new, new_root): (u64, &Hash),
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::OutOfRange(format!(
            "a log of {old} cannot be a prefix of a log of {new}"
        )));
    }
    if old == new {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch(format!(
                "two different roots for the same size {old}"
            )))
        };
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Mismatch("the empty log needs no proof".into()))
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::Mismatch("the proof is empty".into()));
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return Err(ProofError::Mismatch("the proof is too long".into()));
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch("the proof is too short".into()));
    }
    if fr != *old_root {
        return Err(ProofError::Mismatch(format!(
            "the proof leads to an old root {}, not the {} recorded for size {old}",
            fr.to_hex(),
            old_root.to_hex()
        )));
    }
    if sr != *new_root {
        return Err(ProofError::Mismatch(format!(
            "the proof leads to a new root {}, not the {} recorded for size {new}",
            sr.to_hex(),
            new_root.to_hex()
        )));
    }
    Ok(())
}
