//! The Merkle tree against a naive recomputation of RFC 6962's definitions: the root of every
//! prefix, every inclusion proof and every consistency proof of trees up to a few hundred
//! leaves, and a tampered leaf, root or proof refused; a tree that drops its lower levels
//! (a floor) against one that keeps them all; a tree stored in a snapshot and read back goes on
//! as the one that never stopped, and a stored tree whose rows do not fit its size is refused.

use proptest::prelude::*;
use yinling_ledger::merkle::*;
use yinling_ledger::Hash;

/// MTH(D[n]) exactly as RFC 6962 defines it, from the leaves' data.
fn naive_root(leaves: &[Vec<u8>]) -> Hash {
    match leaves.len() {
        0 => Hash::of(&[]),
        1 => leaf_hash(&leaves[0]),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

fn tree_of(leaves: &[Vec<u8>]) -> MerkleTree {
    let mut t = MerkleTree::new();
    for l in leaves {
        t.push(l);
    }
    t
}

fn data(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("event {i}").into_bytes()).collect()
}

#[test]
fn known_sizes_match_the_naive_roots_and_every_proof_verifies() {
    let leaves = data(70);
    let tree = tree_of(&leaves);
    assert_eq!(tree.root_at(0).expect("empty"), Hash::of(&[]));
    for n in 1..=leaves.len() as u64 {
        let root = naive_root(&leaves[..n as usize]);
        assert_eq!(tree.root_at(n).expect("root"), root, "size {n}");
        for i in 0..n {
            let proof = tree.inclusion_proof(i, n).expect("proof");
            verify_inclusion(&leaf_hash(&leaves[i as usize]), i, n, &proof, &root)
                .unwrap_or_else(|e| panic!("leaf {i} of {n}: {e}"));
        }
        for m in 0..=n {
            let proof = tree.consistency_proof(m, n).expect("proof");
            let old = naive_root(&leaves[..m as usize]);
            verify_consistency((m, &old), (n, &root), &proof)
                .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
        }
    }
    assert_eq!(tree.root(), naive_root(&leaves));
}

#[test]
fn out_of_range_requests_are_refused_in_words() {
    let tree = tree_of(&data(5));
    assert!(tree.inclusion_proof(5, 5).is_err());
    assert!(tree.inclusion_proof(0, 6).is_err());
    assert!(tree.consistency_proof(4, 3).is_err());
    assert!(tree.root_at(6).is_err());
    let e = tree.inclusion_proof(7, 5).expect_err("refused").to_string();
    assert!(e.contains("leaf 7"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn proofs_verify_and_tampering_is_caught(
        n in 1usize..300,
        at in any::<prop::sample::Index>(),
        old in any::<prop::sample::Index>(),
        flip in 0usize..32,
    ) {
        let leaves = data(n);
        let tree = tree_of(&leaves);
        let size = n as u64;
        let root = naive_root(&leaves);
        prop_assert_eq!(tree.root(), root);

        let i = at.index(n) as u64;
        let proof = tree.inclusion_proof(i, size).expect("proof");
        prop_assert!(verify_inclusion(&leaf_hash(&leaves[i as usize]), i, size, &proof, &root).is_ok());
        // Another leaf's data, the wrong index, or a bit flipped in the proof: refused.
        prop_assert!(verify_inclusion(&leaf_hash(b"rewritten"), i, size, &proof, &root).is_err());
        if size > 1 {
            let other = (i + 1) % size;
            prop_assert!(verify_inclusion(&leaf_hash(&leaves[i as usize]), other, size, &proof, &root).is_err());
        }
        if let Some(first) = proof.first() {
            let mut bad = proof.clone();
            let mut bytes = first.0;
            bytes[flip] ^= 1;
            bad[0] = Hash(bytes);
            prop_assert!(verify_inclusion(&leaf_hash(&leaves[i as usize]), i, size, &bad, &root).is_err());
        }

        let m = old.index(n + 1) as u64;
        let proof = tree.consistency_proof(m, size).expect("proof");
        let old_root = naive_root(&leaves[..m as usize]);
        prop_assert!(verify_consistency((m, &old_root), (size, &root), &proof).is_ok());
        // A log rewritten before size m has another old root: the proof refuses it.
        if m > 0 && m < size {
            let mut rewritten = leaves.clone();
            rewritten[0] = b"rewritten".to_vec();
            let forged = naive_root(&rewritten[..m as usize]);
            prop_assert!(verify_consistency((m, &forged), (size, &root), &proof).is_err());
            let new_forged = naive_root(&rewritten);
            prop_assert!(verify_consistency((m, &old_root), (size, &new_forged), &proof).is_err());
        }
    }
}

/// The leaves read back, as the log gives them, counting how many were asked for.
struct Readback<'a> {
    leaves: &'a [Hash],
    asked: std::cell::Cell<u64>,
}

impl LeafSource for Readback<'_> {
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, ProofError> {
        self.asked.set(self.asked.get() + (end - start));
        Ok(self.leaves[start as usize..end as usize].to_vec())
    }
}

#[test]
fn a_tree_with_a_floor_holds_a_fraction_of_the_hashes_and_without_a_source_refuses_in_words() {
    let leaves = data(1000);
    let full = tree_of(&leaves);
    let mut floored = MerkleTree::with_floor(4);
    for l in &leaves {
        floored.push(l);
    }
    assert_eq!(
        floored.root(),
        full.root(),
        "its root needs nothing dropped"
    );
    // Every perfect subtree: 1000 + 500 + 250 + 125 + 62 + 31 + 15 + 7 + 3 + 1.
    assert_eq!(full.kept_hashes(), 1994);
    // 2/16 of a hash per leaf above the floor, and the chunk still filling (1000 = 62·16 + 8).
    assert!(
        floored.kept_hashes() <= 1000 / 8 + 16,
        "{}",
        floored.kept_hashes()
    );
    let e = floored
        .inclusion_proof(3, 1000)
        .expect_err("leaf 3's chunk was dropped")
        .to_string();
    assert!(e.contains("could not be read back"), "{e}");
    // Proofs in the chunk still filling need nothing dropped.
    assert_eq!(
        floored.inclusion_proof(995, 1000).expect("proof"),
        full.inclusion_proof(995, 1000).expect("proof")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_tree_with_a_floor_gives_the_roots_and_proofs_of_the_whole_tree(
        n in 1usize..700,
        floor in 0u32..6,
        at in any::<prop::sample::Index>(),
        old in any::<prop::sample::Index>(),
        later in any::<prop::sample::Index>(),
    ) {
        let data = data(n);
        let leaves: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let full = tree_of(&data);
        let mut floored = MerkleTree::with_floor(floor);
        for l in &leaves {
            floored.push_leaf_hash(*l);
        }
        let src = Readback { leaves: &leaves, asked: std::cell::Cell::new(0) };
        let size = n as u64;
        prop_assert_eq!(floored.len(), size);
        prop_assert_eq!(floored.root(), full.root());
        let i = at.index(n) as u64;
        let m = old.index(n + 1) as u64;
        // A later size anywhere from m to the whole tree (inside a dropped chunk too).
        let new = m + later.index(n - m as usize + 1) as u64;
        prop_assert_eq!(floored.root_at_with(m, &src).expect("root"), full.root_at(m).expect("root"));
        src.asked.set(0);
        prop_assert_eq!(
            floored.inclusion_proof_with(i, size, &src).expect("proof"),
            full.inclusion_proof(i, size).expect("proof")
        );
        // An inclusion proof in the whole tree reads back at most the rest of its leaf's chunk.
        prop_assert!(src.asked.get() < 1u64 << floor.max(1), "{} leaves read", src.asked.get());
        if new > i {
            prop_assert_eq!(
                floored.inclusion_proof_with(i, new, &src).expect("proof"),
                full.inclusion_proof(i, new).expect("proof")
            );
        }
        for new in [new, size] {
            prop_assert_eq!(
                floored.consistency_proof_with(m, new, &src).expect("proof"),
                full.consistency_proof(m, new).expect("proof")
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A start carries on from the tree its snapshot stored: read back and grown by the same
    /// leaves, it has the roots and proofs of the tree that was never stored.
    #[test]
    fn a_stored_tree_read_back_grows_into_the_tree_that_never_stopped(
        n in 0usize..600,
        more in 0usize..300,
        floor in 0u32..6,
        at in any::<prop::sample::Index>(),
    ) {
        let data = data(n + more);
        let leaves: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let mut kept = MerkleTree::with_floor(floor);
        for l in &leaves[..n] {
            kept.push_leaf_hash(*l);
        }
        let bytes = bincode::serialize(&kept).expect("encode");
        let mut read: MerkleTree = bincode::deserialize(&bytes).expect("decode");
        prop_assert_eq!(bincode::serialize(&read).expect("encode"), bytes);
        for l in &leaves[n..] {
            kept.push_leaf_hash(*l);
            read.push_leaf_hash(*l);
        }
        let full = tree_of(&data);
        let src = Readback { leaves: &leaves, asked: std::cell::Cell::new(0) };
        prop_assert_eq!(read.len(), full.len());
        prop_assert_eq!(read.root(), full.root());
        prop_assert_eq!(read.kept_hashes(), kept.kept_hashes());
        if !leaves.is_empty() {
            let i = at.index(leaves.len()) as u64;
            prop_assert_eq!(
                read.inclusion_proof_with(i, full.len(), &src).expect("proof"),
                full.inclusion_proof(i, full.len()).expect("proof")
            );
        }
    }
}

#[test]
fn a_stored_tree_whose_rows_do_not_fit_its_size_is_refused_in_words() {
    let mut tree = MerkleTree::with_floor(2);
    for l in data(13) {
        tree.push(&l);
    }
    let bytes = bincode::serialize(&tree).expect("encode");
    // The stored form: floor (u32), length (u64), then the levels, each a length and hashes.
    let mut longer = bytes.clone();
    longer[4..12].copy_from_slice(&14u64.to_le_bytes());
    let e = bincode::deserialize::<MerkleTree>(&longer)
        .expect_err("a tree of 14 leaves does not have these rows")
        .to_string();
    assert!(e.contains("stored tree of 14 leaves"), "{e}");
    let mut wide = bytes;
    wide[..4].copy_from_slice(&64u32.to_le_bytes());
    let e = bincode::deserialize::<MerkleTree>(&wide)
        .expect_err("a floor of 64")
        .to_string();
    assert!(e.contains("too wide"), "{e}");
}

/// The frontier's root is the naive root at every size it passes through, the empty one
/// included, while it holds one hash per set bit of its size.
#[test]
fn a_frontier_gives_the_naive_root_at_every_size() {
    let leaves = data(300);
    let mut frontier = Frontier::default();
    assert_eq!(frontier.root(), naive_root(&[]));
    for (n, leaf) in leaves.iter().enumerate() {
        frontier.push(leaf);
        assert_eq!(frontier.len(), n as u64 + 1);
        assert_eq!(frontier.root(), naive_root(&leaves[..=n]), "size {}", n + 1);
    }
}
