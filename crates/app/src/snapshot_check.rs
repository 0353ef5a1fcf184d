//! `yinling verify`'s check of every stored snapshot: each compared with the log folded again
//! from its first event, one state held at a time while they agree.

use yinling_ledger::personal::{KeyError, Keyring, MemoryKeys, SharedKeyring};
use yinling_ledger::{EventLog, Head, LedgerError};
use yinling_projections::State;

pub use crate::limits::CHECK_ROUND_EVENTS;
use crate::load::{fold_tail, read_snapshot};
use crate::state_digest::{digest_of, digest_with, DigestError};

/// How [`check_snapshots`] reads a long log: through a handle traded for a new one every
/// `events` events folded.
pub struct ReadInRounds<'a> {
    /// Events folded through one handle.
    pub events: u64,
    /// The log opened again, required at the head it had when the check began.
    pub reopen: &'a mut dyn FnMut(Head) -> Result<Box<dyn EventLog>, LedgerError>,
}

/// Every whole key of `keys`, copied into memory (a damaged one is left out: the states
/// compared both show it unreadable).
fn keys_in_memory(keys: &SharedKeyring) -> Result<SharedKeyring, LedgerError> {
    let storage = |e: KeyError| LedgerError::Storage(e.to_string());
    let mut whole = Vec::new();
    for (id, checked) in keys.check_all().map_err(storage)? {
        if checked.is_err() {
            continue;
        }
        if let Some(key) = keys.key(&id).map_err(storage)? {
            whole.push((id, key));
        }
    }
    let copy = MemoryKeys::default();
    copy.put_all(&whole).map_err(storage)?;
    Ok(std::sync::Arc::new(copy))
}

/// What checking one stored snapshot against the log found.
#[derive(Debug)]
pub struct SnapshotCheck {
    /// The snapshot's seq.
    pub seq: u64,
    /// `Err` says how it differs from the log folded from its first event, or why it could
    /// not be read.
    pub outcome: Result<(), String>,
    /// Whether it was found equal by digest, one state held at a time (false where both
    /// states were held: after a snapshot found damaged, or when the digests differed).
    pub by_digest: bool,
}

/// Every stored snapshot at or below the head compared with the log folded from its first
/// event to the snapshot's seq, in one pass. A start trusts the newest snapshot that matches
/// the log's hash at its seq (that is what saves folding the whole log), and its contents are
/// tied to the chain by nothing else: a snapshot edited on the disk would be what the service
/// and `replay` show while the chain, the checkpoints and every proof still hold. An auditor's
/// full check therefore refolds.
///
/// With `rounds`, the log is read through a new handle every [`ReadInRounds::events`] events
/// (the embedded log's handle keeps what it read until it is closed: about a gigabyte after
/// a province's 57 M events, more for a larger log), and the keys are copied into memory first, since a
/// handle of the key store would keep the log's database open.
pub fn check_snapshots(
    log: Box<dyn EventLog>,
    rounds: Option<ReadInRounds<'_>>,
) -> Result<Vec<SnapshotCheck>, LedgerError> {
    let head = log.head();
    let mut seqs: Vec<u64> = log
        .snapshot_seqs()?
        .into_iter()
        .filter(|s| *s <= head.seq)
        .collect();
    seqs.sort_unstable();
    let keys = match rounds {
        None => log.keyring()?,
        Some(_) => keys_in_memory(&log.keyring()?)?,
    };
    let mut reading = Reading {
        log: Some(log),
        rounds,
        read: 0,
        head,
        keys,
    };
    let mut folded = reading.empty();
    // Until something is found, one state is held: the folded one is let go once its digest
    // is taken, and the snapshot's state, found equal, is folded on. After that, both.
    let mut one_state = true;
    let mut checked = Vec::with_capacity(seqs.len());
    for seq in seqs {
        reading.fold_to(&mut folded, seq)?;
        let digest = if one_state {
            state_digest(&folded)
                .inspect_err(|e| tracing::warn!(seq, error = %e, "no digest of the folded state: compared in full"))
                .ok()
        } else {
            None
        };
        let stored = match digest {
            Some(digest) => {
                drop(folded);
                match reading.stored(seq)? {
                    Ok(Some(state)) if state_digest(&state).ok() == Some(digest) => {
                        folded = state;
                        checked.push(SnapshotCheck {
                            seq,
                            outcome: Ok(()),
                            by_digest: true,
                        });
                        continue;
                    }
                    // Not found equal (or not there to compare): the log is folded again
                    // from its first event, to say what differs; both are held from here.
                    other => {
                        one_state = false;
                        tracing::info!(
                            seq,
                            "a snapshot not found equal by digest, compared in full"
                        );
                        folded = reading.empty();
                        reading.fold_to(&mut folded, seq)?;
                        other
                    }
                }
            }
            None => reading.stored(seq)?,
        };
        let outcome = match stored {
            Ok(None) => continue,
            Err(why) => Err(why),
            Ok(Some(stored)) => match first_difference(&stored, &folded) {
                None => Ok(()),
                Some(what) => Err(format!(
                    "it differs from the log folded from its first event: {what}"
                )),
            },
        };
        checked.push(SnapshotCheck {
            seq,
            outcome,
            by_digest: false,
        });
    }
    Ok(checked)
}

/// A state's digest (`state_digest::digest_of`), its volunteers hashed on a thread of their
/// own beside its activities: the two are over half of a state, about evenly.
fn state_digest(state: &State) -> Result<[u8; 32], DigestError> {
    std::thread::scope(|scope| {
        let volunteers = scope.spawn(|| digest_of(&state.volunteers));
        let activities = digest_of(&state.activities)?;
        let volunteers = volunteers
            .join()
            .unwrap_or_else(|_| Err(DigestError::panicked()))?;
        digest_with(
            state,
            &[("volunteers", volunteers), ("activities", activities)],
        )
    })
}

/// The log as [`check_snapshots`] reads it: through one handle, or in rounds.
struct Reading<'a> {
    /// The handle: gone only while it is opened again.
    log: Option<Box<dyn EventLog>>,
    /// How often it is opened again, if at all.
    rounds: Option<ReadInRounds<'a>>,
    /// Events folded through this handle.
    read: u64,
    /// The head the check began with.
    head: Head,
    /// The personal-data keys every state is given.
    keys: SharedKeyring,
}

impl Reading<'_> {
    /// The handle, or the failure that left none.
    fn open(&self) -> Result<&dyn EventLog, LedgerError> {
        self.log
            .as_deref()
            .ok_or_else(|| LedgerError::Storage("the log was not opened again".into()))
    }

    /// A state before the first event, as the check folds it (no changes recorded).
    fn empty(&self) -> State {
        let mut state = State::new();
        state.stop_recording_changes();
        state.attach_keys(self.keys.clone());
        state
    }

    /// Folds `state` on to `seq`, or to the log's end if that comes first (the comparison
    /// then names it), opening the log again every round.
    fn fold_to(&mut self, state: &mut State, seq: u64) -> Result<(), LedgerError> {
        while state.head.seq < seq {
            let from = state.head.seq;
            let mut to = seq;
            if let Some(rounds) = self.rounds.as_mut() {
                if self.read >= rounds.events {
                    // Closed before it is opened again: the directory is locked while open.
                    drop(self.log.take());
                    self.log = Some((rounds.reopen)(self.head)?);
                    self.read = 0;
                }
                to = seq.min(from + (rounds.events - self.read));
            }
            fold_tail(self.open()?, state, None, to)?;
            if state.head.seq == from {
                break;
            }
            self.read += state.head.seq - from;
        }
        Ok(())
    }

    /// The snapshot stored at `seq`, decoded and given the keys; `None` when it is not
    /// there; the inner `Err` says why it does not decode (the outer, that the log is not
    /// open).
    fn stored(&self, seq: u64) -> Result<Result<Option<State>, String>, LedgerError> {
        Ok(match read_snapshot(self.open()?, seq) {
            Ok(None) => Ok(None),
            Err(e) => Err(format!(
                "it does not decode (snapshot {}): {}",
                e.seq, e.detail
            )),
            Ok(Some(decoded)) => {
                let mut stored = decoded.state;
                stored.stop_recording_changes();
                stored.attach_keys(self.keys.clone());
                Ok(Some(stored))
            }
        })
    }
}

/// The first thing found to differ between two states, in words; `None` when they are equal.
fn first_difference(stored: &State, folded: &State) -> Option<String> {
    if stored == folded {
        return None;
    }
    if stored.head != folded.head {
        return Some(format!(
            "it stands at seq {} hash {}, the log at {} hash {}",
            stored.head.seq, stored.head.hash, folded.head.seq, folded.head.hash
        ));
    }
    if stored.totals != folded.totals {
        return Some(format!(
            "the ledger's totals: {:?} stored, {:?} folded",
            stored.totals, folded.totals
        ));
    }
    for (id, v) in folded.volunteers.iter() {
        if stored.volunteers.get(id) != Some(v) {
            return Some(format!("volunteer {id}"));
        }
    }
    if stored.volunteers.len() != folded.volunteers.len() {
        return Some("a volunteer the log does not have".into());
    }
    for (id, r) in folded.redemptions.iter() {
        if stored.redemptions.get(id) != Some(r) {
            return Some(format!("redemption {id}"));
        }
    }
    for (id, a) in folded.activities.iter() {
        if stored.activities.get(id) != Some(a) {
            return Some(format!("activity {id}"));
        }
    }
    Some("the teams, the catalogue, the stations, the vouchers or the rules".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digest taken on two threads is the state's own, and names fields the state has.
    #[test]
    fn a_states_digest_on_two_threads_is_its_own() {
        let state = State::new();
        assert_eq!(
            state_digest(&state).expect("digest"),
            digest_of(&state).expect("digest")
        );
    }
}
