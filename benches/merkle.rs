//! What the Merkle tree over the log costs: appending a leaf (the event's chain hash) with the
//! tree kept, the root, an inclusion proof and a consistency proof of a one-million-event log,
//! and their checks; proof sizes at one million and fifty million events are printed (they
//! are ⌈log2 n⌉ hashes for an inclusion proof, so they follow from the size).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use yinling_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion, MerkleTree};
use yinling_ledger::Hash;

const EVENTS: u64 = 1_000_000;

fn chain_hash(i: u64) -> Hash {
    Hash::of(&i.to_be_bytes())
}

fn benches(c: &mut Criterion) {
    let mut tree = MerkleTree::new();
    let started = std::time::Instant::now();
    for i in 0..EVENTS {
        tree.push(&chain_hash(i).0);
    }
    eprintln!(
        "a tree of {EVENTS} leaves built in {:.0} ms ({:.0} leaves/s)",
        started.elapsed().as_secs_f64() * 1000.0,
        EVENTS as f64 / started.elapsed().as_secs_f64()
    );
    let root = tree.root();
    let proof = tree.inclusion_proof(EVENTS / 3, EVENTS).expect("proof");
    let consistency = tree
        .consistency_proof(EVENTS / 2 + 7, EVENTS)
        .expect("proof");
    eprintln!(
        "at {EVENTS} events: inclusion proof {} hashes ({} bytes), consistency proof {} hashes ({} bytes)",
        proof.len(),
        proof.len() * 32,
        consistency.len(),
        consistency.len() * 32
    );
    let at_50m = 64 - (50_000_000u64 - 1).leading_zeros();
    eprintln!(
        "at 50,000,000 events: inclusion proof {at_50m} hashes ({} bytes), consistency proof at most {} hashes",
        at_50m * 32,
        2 * at_50m
    );

    let mut g = c.benchmark_group("merkle");
    g.bench_function("append_one_leaf_to_a_1m_tree", |b| {
        let mut t = tree.clone();
        let mut i = EVENTS;
        b.iter(|| {
            t.push(&chain_hash(i).0);
            i += 1;
        })
    });
    g.bench_function("hash_one_event_alone", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            black_box(leaf_hash(&chain_hash(i).0))
        })
    });
    g.bench_function("root_of_1m", |b| b.iter(|| black_box(&tree).root()));
    g.bench_function("inclusion_proof_in_1m", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 7_919) % EVENTS;
            tree.inclusion_proof(i, EVENTS)
        })
    });
    g.bench_function("consistency_proof_in_1m", |b| {
        let mut m = 1u64;
        b.iter(|| {
            m = (m + 104_729) % EVENTS + 1;
            tree.consistency_proof(m, EVENTS)
        })
    });
    let leaf = leaf_hash(&chain_hash(EVENTS / 3).0);
    g.bench_function("verify_inclusion_in_1m", |b| {
        b.iter(|| verify_inclusion(&leaf, EVENTS / 3, EVENTS, black_box(&proof), &root))
    });
    let old_root = tree.root_at(EVENTS / 2 + 7).expect("root");
    g.bench_function("verify_consistency_in_1m", |b| {
        b.iter(|| {
            verify_consistency(
                (EVENTS / 2 + 7, &old_root),
                (EVENTS, &root),
                black_box(&consistency),
            )
        })
    });
    g.finish();
}

criterion_group!(merkle, benches);
criterion_main!(merkle);
