//! Loading the folded state: the newest snapshot that decodes and matches the log, then the
//! tail folded and checked against the chain, on as many threads as copies are wanted.

use crate::limits::REPLAY_CHUNK_EVENTS;

use std::sync::Arc;

use yinling_ledger::log::{self, EnvelopeIter};
use yinling_ledger::{Envelope, EventLog, LedgerError};
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
pub fn load_state_with(
    log: &dyn EventLog,
    until: Option<u64>,
    use_snapshots: bool,
) -> Result<(State, Option<u64>, u64), LedgerError> {
    let (mut states, used, folded) = load_states(log, until, use_snapshots, 1)?;
    let state = states.pop().unwrap_or_default();
    // The command-line tools show dates in the zone the ledger records.
    yinling_ledger::time::set_local_offset(state.policies.utc_offset_seconds());
    Ok((state, used, folded))
}

/// Loads `copies` identical states side by side (the writer and the readers each need one):
/// each copy decodes the snapshot and folds the tail on its own thread, which on two cores
/// is faster than cloning a large state.
pub fn load_states(
    log: &dyn EventLog,
    until: Option<u64>,
    use_snapshots: bool,
    copies: usize,
) -> Result<(Vec<State>, Option<u64>, u64), LedgerError> {
    let copies = copies.max(1);
    let head = log.head();
    let limit = until.unwrap_or(head.seq).min(head.seq);
    let mut states: Vec<State> = (0..copies).map(|_| State::new()).collect();
    let mut used = None;
    let snapshots = if use_snapshots {
        log.snapshot_seqs()?
    } else {
        Vec::new()
    };
    for seq in snapshots {
        if seq > limit {
            continue;
        }
        let Some(bytes) = log.snapshot(seq)? else {
            continue;
        };
        let decoded: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..copies)
                .map(|_| scope.spawn(|| replay::decode_snapshot(&bytes)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(yinling_ledger::codec::CodecError::Malformed(
                            "decoding panicked".into(),
                        ))
                    })
                })
                .collect()
        });
        match decoded.into_iter().collect::<Result<Vec<State>, _>>() {
            Ok(decoded) => match (decoded.first(), log::get(log, seq)) {
                (Some(first), Ok(Some(e))) if e.hash == first.head.hash => {
                    states = decoded;
                    used = Some(seq);
                    break;
                }
                _ => tracing::warn!(seq, "the snapshot does not match the event log; ignored"),
            },
            Err(e) => tracing::warn!(seq, error = %e, "a snapshot does not decode; ignored"),
        }
    }
    // Personal fields are revealed with the key store beside the log, from the snapshot's
    // sealed blobs and as the tail is folded.
    let keys = log.keyring()?;
    for state in &mut states {
        state.attach_keys(keys.clone());
    }
    let folded = fold_tail(log, &mut states, limit)?;
    // A restore from an older backup, an import or a replica: the keys of everyone erased in
    // the log must not exist, whatever the key store held.
    if let Some(state) = states.first() {
        crate::privacy::destroy_keys_of(keys.as_ref(), state.erased())?;
    }
    Ok((states, used, folded))
}

/// Folds the events after the states' head up to `limit` into every state, checked against
/// the chain. One thread reads (sled, hash check, decode) and hands chunks to one folding
/// thread per state, so a rebuild uses both cores.
fn fold_tail(log: &dyn EventLog, states: &mut [State], limit: u64) -> Result<u64, LedgerError> {
    type Chunk = Result<Arc<Vec<Envelope>>, String>;
    let trusted = match states.first() {
        Some(s) => s.head,
        None => return Ok(0),
    };
    let (senders, receivers): (Vec<_>, Vec<_>) = states
        .iter()
        .map(|_| std::sync::mpsc::sync_channel::<Chunk>(4))
        .unzip();
    let mut failure: Option<LedgerError> = None;
    let folded = std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<(), LedgerError> {
            let mut chunk = Vec::with_capacity(REPLAY_CHUNK_EVENTS);
            let send = |chunk: Vec<Envelope>| {
                let shared = Arc::new(chunk);
                senders.iter().all(|tx| tx.send(Ok(shared.clone())).is_ok())
            };
            for envelope in EnvelopeIter::checked(log, trusted) {
                let envelope = match envelope {
                    Ok(e) => e,
                    Err(e) => {
                        for tx in &senders {
                            let _ = tx.send(Err(e.to_string()));
                        }
                        return Err(e);
                    }
                };
                if envelope.seq > limit {
                    break;
                }
                chunk.push(envelope);
                if chunk.len() == REPLAY_CHUNK_EVENTS
                    && !send(std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(REPLAY_CHUNK_EVENTS),
                    ))
                {
                    return Ok(());
                }
            }
            if !chunk.is_empty() {
                send(chunk);
            }
            Ok(())
        });
        let folders: Vec<_> = states
            .iter_mut()
            .zip(receivers)
            .map(|(state, rx)| {
                scope.spawn(move || {
                    let mut folded = 0u64;
                    for chunk in rx {
                        let Ok(chunk) = chunk else { break };
                        for envelope in chunk.iter() {
                            state.apply(envelope);
                            folded += 1;
                        }
                    }
                    folded
                })
            })
            .collect();
        let counts: Vec<u64> = folders.into_iter().map(|f| f.join().unwrap_or(0)).collect();
        match reader.join() {
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some(LedgerError::Storage("the replay reader panicked".into())),
            Ok(Ok(())) => {}
        }
        counts.first().copied().unwrap_or(0)
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(folded),
    }
}
