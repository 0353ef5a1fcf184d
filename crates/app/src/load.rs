//! Loading the folded state: the newest snapshot that decodes and matches the log, then the
//! tail folded and checked against the chain while another thread reads it.

use crate::limits::{REPLAY_CHUNK_EVENTS, TREE_FLOOR};

use yinling_ledger::log::{self, EnvelopeIter};
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::personal::KeyError;
use yinling_ledger::{Envelope, EventLog, Head, LedgerError};
use yinling_projections::ranking_ops::RankingOp;
use yinling_projections::replay::ChangedSince;
use yinling_projections::{replay, State};

/// Loads the newest snapshot that decodes and matches the log, then folds the tail checked
/// against the chain. A snapshot that does not decode is reported and skipped.
pub fn load_state(
    log: &dyn EventLog,
    until: Option<u64>,
) -> Result<(State, Option<u64>, u64), LedgerError> {
    load_state_with(log, until, true)
}

/// [`load_state`], optionally ignoring snapshots (a rebuild from the first event).
///
/// The service needs two copies (the writer's and the readers'); it clones this one, which
/// shares the volunteers and activities (see `yinling_projections::maps::SharedMap`) instead
/// of folding the log twice.
pub fn load_state_with(
    log: &dyn EventLog,
    until: Option<u64>,
    use_snapshots: bool,
) -> Result<(State, Option<u64>, u64), LedgerError> {
    load(log, until, use_snapshots, false).map(|l| (l.state, l.snapshot_seq, l.replayed))
}

/// What a load read: the state, where it started from, and the Merkle tree over the log when
/// the snapshot it started from stored one (grown by the tail as it was folded).
pub struct Loaded {
    /// The state at the log's head (or at `until`).
    pub state: State,
    /// The snapshot used, if any.
    pub snapshot_seq: Option<u64>,
    /// Events folded after it.
    pub replayed: u64,
    /// The tree over every event up to the state's head, when asked for and the snapshot
    /// carried one (or none was used): the leaves of the events folded were added as they
    /// were checked against the chain.
    pub tree: Option<MerkleTree>,
    /// What changed since the whole snapshot the state was loaded from (or the one its
    /// snapshot of changes was written against), when one was used.
    pub carried: Option<Carried>,
}

/// What a start carries on from the snapshot it loaded, so that the service's first
/// snapshot holds only the changes since a whole one instead of the whole state again (a
/// province's 1.3 GB, written after every restart).
#[derive(Debug)]
pub struct Carried {
    /// The whole snapshot: its head and its size in bytes.
    pub whole: (Head, u64),
    /// The keys of the volunteers, activities and redemptions changed since it, up to the
    /// loaded state's head. (The ranking index tracks its own rows from it.)
    pub changed: ChangedSince,
    /// Whether the snapshot of changes loaded had already passed half the whole one's size:
    /// the next snapshot is whole.
    pub whole_next: bool,
}

/// The snapshot a load starts from: the state, its tree, its seq and what a start carries
/// on from it (all empty when none was used).
struct Found {
    state: State,
    tree: Option<MerkleTree>,
    seq: Option<u64>,
    carried: Option<Carried>,
}

/// [`load_state_with`], with the Merkle tree over the log when `want_tree` (see
/// [`Loaded::tree`]): the snapshot's grown by the tail, or one built from the first event as
/// the whole log is folded.
pub fn load(
    log: &dyn EventLog,
    until: Option<u64>,
    use_snapshots: bool,
    want_tree: bool,
) -> Result<Loaded, LedgerError> {
    let head = log.head();
    let limit = until.unwrap_or(head.seq).min(head.seq);
    // Personal fields are revealed with the key store beside the log, from the snapshot's
    // sealed blobs and as the tail is folded. The store is read in one pass on a thread of
    // its own while the snapshot decodes (a key not read by then is looked up alone: the
    // pass only saves time, it is never needed for a right answer).
    let keys = log.keyring()?;
    let (decoded, warmed) = std::thread::scope(|scope| {
        let warming = std::thread::Builder::new()
            .name("yinling-keys".into())
            .spawn_scoped(scope, || {
                let started = std::time::Instant::now();
                let warmed = keys.warm();
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "the key store read in one pass"
                );
                warmed
            });
        let decoded = newest_snapshot(log, limit, use_snapshots);
        let warmed = match warming {
            Ok(thread) => thread.join().unwrap_or_else(|_| {
                Err(KeyError::Storage("the key store's reader panicked".into()))
            }),
            Err(e) => Err(KeyError::Storage(e.to_string())),
        };
        (decoded, warmed)
    });
    if let Err(e) = warmed {
        tracing::warn!(error = %e, "the key store could not be read in one pass; reading keys one by one");
    }
    let Found {
        mut state,
        mut tree,
        seq: used,
        mut carried,
    } = decoded?;
    if until.is_some() {
        // A past state (`as_of`) is never snapshotted: its tail's keys are not noted.
        carried = None;
    }
    if !want_tree {
        tree = None;
    } else if used.is_none() {
        tree = Some(MerkleTree::with_floor(TREE_FLOOR));
    }
    // Nobody adopts from a state being loaded (not even the reveal's changes below);
    // `forget_changes` below records again.
    state.stop_recording_changes();
    let started = std::time::Instant::now();
    state.attach_keys(keys.clone());
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "names revealed");
    if carried.is_some() {
        // What the tail changes is noted from here (revealing the names changed nothing a
        // snapshot holds: it holds them sealed).
        state.forget_changes();
    }
    let started = std::time::Instant::now();
    let folded = fold_tail(log, &mut state, tree.as_mut(), limit)?;
    if let Some(carried) = carried.as_mut() {
        carried.changed.absorb(&mut state.take_changes());
    }
    tracing::debug!(
        events = folded,
        ms = started.elapsed().as_millis() as u64,
        "the tail folded"
    );
    // A restore from an older backup, an import or a replica: the keys of everyone erased in
    // the log must not exist, whatever the key store held.
    crate::privacy::destroy_keys_of(keys.as_ref(), state.erased())?;
    // Everyone is revealed: the keys read in one pass are let go (a tenth of a gigabyte at a
    // province, which a past state kept for as long as it was cached), and the store reads a
    // key when a blob is next sealed or opened.
    keys.cool();
    state.forget_changes();
    // The command-line tools show dates in the zone the ledger records.
    yinling_ledger::time::set_local_offset(state.policies.utc_offset_seconds());
    Ok(Loaded {
        state,
        snapshot_seq: used,
        replayed: folded,
        tree,
        carried,
    })
}

/// The newest snapshot at or below `limit` that decodes and matches the log, with its tree
/// and seq; an empty state when none does (or snapshots are not to be used).
fn newest_snapshot(
    log: &dyn EventLog,
    limit: u64,
    use_snapshots: bool,
) -> Result<Found, LedgerError> {
    let snapshots = if use_snapshots {
        log.snapshot_seqs()?
    } else {
        Vec::new()
    };
    // Snapshots found not to decode: the snapshots of changes written against one of them are
    // passed over unread (a province's whole snapshot takes seconds to find damaged, and the
    // newest few are all written against the same one).
    let mut unreadable = std::collections::HashSet::new();
    for seq in snapshots {
        if seq > limit || unreadable.contains(&seq) {
            continue;
        }
        // Its header is read only once one has failed: a good start reads no more than before.
        let base = if unreadable.is_empty() {
            None
        } else {
            log.snapshot_base(seq).ok().flatten()
        };
        if let Some(base) = base.filter(|base| unreadable.contains(base)) {
            tracing::warn!(
                seq,
                base,
                "a snapshot written against one that does not decode; ignored"
            );
            continue;
        }
        match read_snapshot_sized(log, seq) {
            Ok(Some((mut decoded, sizes))) => match log::get(log, seq) {
                Ok(Some(e)) if e.hash == decoded.state.head.hash => {
                    let carried = match (decoded.changed.take(), sizes.whole) {
                        (Some(changed), Some(whole)) => Some(Carried {
                            whole,
                            changed,
                            whole_next: sizes.bytes > whole.1 / 2,
                        }),
                        (Some(_), None) => None,
                        (None, _) => {
                            // A whole snapshot: the index's rows are tracked from it.
                            decoded.state.rankings.track_rows();
                            Some(Carried {
                                whole: (decoded.state.head, sizes.bytes),
                                changed: ChangedSince::default(),
                                whole_next: false,
                            })
                        }
                    };
                    return Ok(Found {
                        state: decoded.state,
                        tree: decoded.tree,
                        seq: Some(seq),
                        carried,
                    });
                }
                _ => tracing::warn!(seq, "the snapshot does not match the event log; ignored"),
            },
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(seq, unreadable = e.seq, error = %e.detail, "a snapshot does not decode; ignored");
                unreadable.insert(e.seq);
            }
        }
    }
    Ok(Found {
        state: State::new(),
        tree: None,
        seq: None,
        carried: None,
    })
}

/// The sizes of a snapshot read: its own, and the head and size of the whole one it holds
/// the changes since.
struct Sizes {
    bytes: u64,
    whole: Option<(Head, u64)>,
}

/// A snapshot that could not be read: which one (the snapshot asked for, or the whole one it
/// holds the changes since) and why.
#[derive(Debug)]
pub struct Unreadable {
    /// The snapshot that failed.
    pub seq: u64,
    /// Why, in words.
    pub detail: String,
}

/// The snapshot at `seq` as the state it stands for: a whole one as read, one of the changes
/// since a whole one applied to that one (read after it, both decoded as they are read).
/// `None` when it is not stored (pruned meanwhile).
pub fn read_snapshot(
    log: &dyn EventLog,
    seq: u64,
) -> Result<Option<replay::Snapshotted>, Unreadable> {
    read_snapshot_sized(log, seq).map(|read| read.map(|(snapshotted, _)| snapshotted))
}

/// [`read_snapshot`], with the sizes of the snapshots read.
fn read_snapshot_sized(
    log: &dyn EventLog,
    seq: u64,
) -> Result<Option<(replay::Snapshotted, Sizes)>, Unreadable> {
    // `for_changes`: the whole snapshot read for the changes of another, their values passed
    // over (`replay::decode_base_from`).
    let decode = |seq: u64,
                  for_changes: Option<&replay::Decoded>|
     -> Result<Option<(replay::Decoded, u64)>, Unreadable> {
        let failed = |detail: String| Unreadable { seq, detail };
        let Some((reader, len)) = log
            .snapshot_reader(seq)
            .map_err(|e| failed(e.to_string()))?
        else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        let decoded = match for_changes {
            Some(changes) => replay::decode_base_from(reader, len, changes),
            None => replay::decode_any_from(reader, len),
        }
        .map_err(|e| failed(e.to_string()))?;
        tracing::debug!(
            seq,
            bytes = len,
            ms = started.elapsed().as_millis() as u64,
            "a snapshot decoded"
        );
        Ok(Some((decoded, len)))
    };
    let Some((decoded, bytes)) = decode(seq, None)? else {
        return Ok(None);
    };
    let mut whole = None;
    let base = match decoded.base_seq() {
        None => None,
        Some(base_seq) => match decode(base_seq, Some(&decoded))? {
            Some((replay::Decoded::Whole(base), len)) => {
                whole = Some((base.state.head, len));
                Some(*base)
            }
            Some((replay::Decoded::Changes(_), _)) => {
                return Err(Unreadable {
                    seq,
                    detail: format!(
                        "the snapshot holds the changes since event {base_seq}, whose snapshot holds changes too"
                    ),
                })
            }
            None => None,
        },
    };
    let started = std::time::Instant::now();
    let applied = decoded.on(base).map_err(|e| Unreadable {
        seq,
        detail: e.to_string(),
    })?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "the snapshot's changes applied"
    );
    Ok(Some((applied, Sizes { bytes, whole })))
}

/// Folds the events after the state's head up to `limit`, checked against the chain, adding
/// each to `tree` when there is one. One thread reads (sled, hash check, decode, the tree's
/// hashes) and hands chunks to the folding thread, which hands the ranking index's changes
/// to a third (`yinling_projections::ranking_ops`): a rebuild keeps both cores busy. The
/// folding thread is the one the others wait for (a rebuild's lookups in maps of millions of
/// entries), so the tree is built by the reader.
pub(crate) fn fold_tail(
    log: &dyn EventLog,
    state: &mut State,
    tree: Option<&mut MerkleTree>,
    limit: u64,
) -> Result<u64, LedgerError> {
    type Chunk = Result<Vec<Envelope>, String>;
    let trusted = state.head;
    // Every fold takes the same path, a start's tail of a few events too (a thread is tens
    // of microseconds): the one every test that starts a node goes through.
    let index = state.defer_rankings();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Chunk>(4);
    let (to_ranker, ranker_ops) = std::sync::mpsc::sync_channel::<Vec<RankingOp>>(4);
    let mut failure: Option<LedgerError> = None;
    // A thread the system refuses fails the load with a message, not a panic: the start says
    // why it stopped, and the operator can start again once threads are to be had.
    let no_thread = |role: &str, e: std::io::Error| {
        LedgerError::Storage(format!("the fold's {role} thread could not start: {e}"))
    };
    let folded = std::thread::scope(|scope| {
        let reader = match std::thread::Builder::new()
            .name("yinling-read".into())
            .spawn_scoped(scope, move || read_tail(log, trusted, limit, sender, tree))
        {
            Ok(reader) => reader,
            Err(e) => {
                failure = Some(no_thread("reading", e));
                return 0;
            }
        };
        let ranker = match index.map(|mut index| {
            std::thread::Builder::new()
                .name("yinling-rank".into())
                .spawn_scoped(scope, move || {
                    for ops in ranker_ops {
                        index.apply_ops(&ops);
                    }
                    index
                })
        }) {
            Some(Err(e)) => {
                // The reader stops at its next send, the receiver dropped here.
                drop(receiver);
                let _ = reader.join();
                failure = Some(no_thread("ranking", e));
                return 0;
            }
            Some(Ok(ranker)) => Some(ranker),
            None => None,
        };
        // This thread folds while the reader reads and the ranker ranks.
        let mut folded = 0u64;
        for chunk in receiver {
            let Ok(chunk) = chunk else { break };
            for envelope in &chunk {
                state.apply(envelope);
                folded += 1;
            }
            // A ranker that stopped (it panicked) is found when it is joined below; the rest
            // of the tail is not folded for nothing.
            if ranker.is_some() && to_ranker.send(state.take_ranking_ops()).is_err() {
                break;
            }
        }
        drop(to_ranker);
        if let Some(ranker) = ranker {
            match ranker.join() {
                Ok(index) => state.restore_rankings(index),
                Err(_) => {
                    failure = Some(LedgerError::Storage(
                        "the ranking index's folder panicked".into(),
                    ))
                }
            }
        }
        match reader.join() {
            Ok(Err(e)) => failure = failure.take().or(Some(e)),
            Err(_) => failure = Some(LedgerError::Storage("the replay reader panicked".into())),
            Ok(Ok(())) => {}
        }
        folded
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(folded),
    }
}

/// The reading half of [`fold_tail`]: the events after `trusted` up to `limit`, checked
/// against the chain, each added to `tree` when there is one, sent in chunks; a failure is
/// sent too (the folder stops there) and returned.
fn read_tail(
    log: &dyn EventLog,
    trusted: yinling_ledger::Head,
    limit: u64,
    sender: std::sync::mpsc::SyncSender<Result<Vec<Envelope>, String>>,
    mut tree: Option<&mut MerkleTree>,
) -> Result<(), LedgerError> {
    let next_chunk = || Vec::with_capacity(REPLAY_CHUNK_EVENTS);
    let mut chunk = next_chunk();
    let send = |chunk: Vec<Envelope>| sender.send(Ok(chunk)).is_ok();
    for envelope in EnvelopeIter::checked(log, trusted) {
        let envelope = match envelope {
            Ok(e) => e,
            Err(e) => {
                let _ = sender.send(Err(e.to_string()));
                return Err(e);
            }
        };
        if envelope.seq > limit {
            break;
        }
        if let Some(tree) = tree.as_deref_mut() {
            crate::tree::LogTree::push(
                tree,
                &yinling_ledger::Head {
                    seq: envelope.seq,
                    hash: envelope.hash,
                },
            );
        }
        chunk.push(envelope);
        if chunk.len() == REPLAY_CHUNK_EVENTS && !send(std::mem::replace(&mut chunk, next_chunk()))
        {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        send(chunk);
    }
    Ok(())
}
