//! Snapshots of the folded state and replays from them.
//!
//! Folding is pure, so the state after seq N is the same whether it was built from scratch,
//! from a snapshot at M <= N plus events M+1..=N, or incrementally. The bytes of a snapshot are
//! produced here through the ledger's codec and handed to the ledger to store; this crate
//! never does I/O itself.

use yinling_ledger::codec::{self, CodecError};
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::{ActivityId, Envelope, Hash, RedemptionId, VolunteerId};

pub use crate::changed_since::ChangedSince;
use crate::maps::{MapDelta, SharedMap};
use crate::ranking_changes::{IndexChanges, IndexChangesRef};
use crate::state::State;

/// The layout of [`State`] inside snapshots. Bump it whenever a field of the state changes:
/// a snapshot of another layout is then ignored (and rebuilt), never misread.
pub const STATE_LAYOUT_VERSION: u32 = 37;

/// Encodes the state as a snapshot (seq and hash taken from `state.head`), with the Merkle
/// tree over the log's first `state.head.seq` events when the caller has it: a start from
/// this snapshot then carries the tree on instead of reading every event again to rebuild it.
pub fn encode_snapshot(state: &State, tree: Option<&MerkleTree>) -> Result<Vec<u8>, CodecError> {
    let mut out = std::io::Cursor::new(Vec::new());
    encode_snapshot_into(&mut out, state, tree)?;
    Ok(out.into_inner())
}

/// [`encode_snapshot`] written into `out` (a snapshot's file) as it is encoded, so a node never
/// holds a province's gigabyte of snapshot bytes beside its state. Returns the bytes written.
pub fn encode_snapshot_into<W: std::io::Write + std::io::Seek + ?Sized>(
    out: &mut W,
    state: &State,
    tree: Option<&MerkleTree>,
) -> Result<u64, CodecError> {
    check_tree(state, tree)?;
    codec::encode_snapshot_into(
        out,
        state.head.seq,
        &state.head.hash,
        &(STATE_LAYOUT_VERSION, state, tree),
    )
}

/// The layout number of a snapshot that holds only what changed since a whole one: the
/// state's layout with this bit set, so a build that reads only whole snapshots refuses it in
/// words.
const CHANGES_LAYOUT_BIT: u32 = 1 << 31;

/// Encodes a snapshot of `state` that holds, of its volunteers, activities and redemptions,
/// only those `changed` names (changed since the whole snapshot `base`), of the ranking index
/// the rows changed since (when it tracks them: `RankingIndex::track_rows`, called on the
/// state `base` was taken from; whole otherwise), and the rest of the state whole: the rest is
/// small beside them (teams, vouchers, the catalogue). A start reads `base` and then this
/// ([`Decoded::on`]). Returns the bytes written.
pub fn encode_changes_into<W: std::io::Write + std::io::Seek + ?Sized>(
    out: &mut W,
    mut state: State,
    tree: Option<&MerkleTree>,
    base: &yinling_ledger::Head,
    changed: &ChangedSince,
) -> Result<u64, CodecError> {
    check_tree(&state, tree)?;
    if base.seq > state.head.seq {
        return Err(CodecError::Malformed(format!(
            "a snapshot at event {} cannot hold the changes since event {}",
            state.head.seq, base.seq
        )));
    }
    let volunteers = state.volunteers.delta(&changed.volunteers);
    let activities = state.activities.delta(&changed.activities);
    let redemptions = state.redemptions.delta(&changed.redemptions);
    state.volunteers = SharedMap::default();
    state.activities = SharedMap::default();
    state.redemptions = SharedMap::default();
    let rankings = std::mem::take(&mut state.rankings);
    codec::encode_snapshot_on(
        out,
        state.head.seq,
        &state.head.hash,
        Some(base.seq),
        &(
            STATE_LAYOUT_VERSION | CHANGES_LAYOUT_BIT,
            base.hash,
            &state,
            tree,
            (&volunteers, &activities, &redemptions),
            IndexChangesRef::of(&rankings),
        ),
    )
}

fn check_tree(state: &State, tree: Option<&MerkleTree>) -> Result<(), CodecError> {
    match tree {
        Some(tree) if tree.len() != state.head.seq => Err(CodecError::Malformed(format!(
            "a tree of {} events cannot be stored with a state at event {}",
            tree.len(),
            state.head.seq
        ))),
        _ => Ok(()),
    }
}

/// The changes a snapshot holds since a whole one, as read: applied to that one's state by
/// [`Decoded::on`].
pub struct Changes {
    /// The seq of the whole snapshot they were taken against.
    pub base_seq: u64,
    base_hash: Hash,
    rest: State,
    tree: Option<MerkleTree>,
    volunteers: MapDelta<VolunteerId, crate::volunteers::Volunteer>,
    activities: MapDelta<ActivityId, crate::activities::Activity>,
    redemptions: MapDelta<RedemptionId, crate::redemptions::Redemption>,
    rankings: IndexChanges,
}

/// A snapshot as read: a whole state, or the changes since a whole snapshot.
pub enum Decoded {
    /// A whole state.
    Whole(Box<Snapshotted>),
    /// Changes since the whole snapshot at [`Changes::base_seq`].
    Changes(Box<Changes>),
}

impl Decoded {
    /// The state this snapshot stands for, given the whole snapshot it was written against
    /// when it holds only changes (`base`; ignored for a whole one). Refused when `base` is
    /// not the snapshot the changes were taken against.
    pub fn on(self, base: Option<Snapshotted>) -> Result<Snapshotted, CodecError> {
        let changes = match self {
            Decoded::Whole(whole) => return Ok(*whole),
            Decoded::Changes(changes) => *changes,
        };
        let Some(base) = base else {
            return Err(CodecError::Malformed(format!(
                "the snapshot holds the changes since the one at event {}, which is not there",
                changes.base_seq
            )));
        };
        if base.state.head.seq != changes.base_seq || base.state.head.hash != changes.base_hash {
            return Err(CodecError::Malformed(format!(
                "the snapshot holds the changes since event {}, not since event {}",
                changes.base_seq, base.state.head.seq
            )));
        }
        let Changes {
            mut rest,
            tree,
            volunteers,
            activities,
            redemptions,
            rankings,
            ..
        } = changes;
        let changed = ChangedSince {
            volunteers: volunteers.keys(),
            activities: activities.keys(),
            redemptions: redemptions.keys(),
        };
        let mut state = base.state;
        let mut index = std::mem::take(&mut state.rankings);
        index
            .apply_changes(rankings)
            .map_err(CodecError::Malformed)?;
        rest.rankings = index;
        state.volunteers.apply_delta(volunteers);
        state.activities.apply_delta(activities);
        state.redemptions.apply_delta(redemptions);
        rest.volunteers = state.volunteers;
        rest.activities = state.activities;
        rest.redemptions = state.redemptions;
        let mut snapshotted = checked_state(rest, tree)?;
        snapshotted.changed = Some(changed);
        Ok(snapshotted)
    }

    /// The keys whose values this snapshot of changes replaces or takes out, for reading its
    /// whole snapshot without them ([`decode_base_from`]); none for a whole one.
    pub fn passed_over(&self) -> Vec<crate::passed_over::PassOver> {
        match self {
            Decoded::Whole(_) => Vec::new(),
            Decoded::Changes(changes) => vec![
                changes.volunteers.passed_over(),
                changes.activities.passed_over(),
                changes.redemptions.passed_over(),
            ],
        }
    }

    /// The seq of the whole snapshot this one needs first, if it holds only changes.
    pub fn base_seq(&self) -> Option<u64> {
        match self {
            Decoded::Whole(_) => None,
            Decoded::Changes(changes) => Some(changes.base_seq),
        }
    }
}

/// A snapshot's payload of this build's layout: the layout number first, checked before the
/// state is read, so a snapshot of another layout is refused in words (and at once) instead of
/// failing somewhere inside a state it does not describe. Then a whole state and maybe its
/// tree, or the changes since a whole snapshot.
struct ThisLayout(Decoded);

impl<'de> serde::Deserialize<'de> for ThisLayout {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = ThisLayout;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a layout number, a state and maybe a Merkle tree")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ThisLayout, A::Error> {
                use serde::de::Error;
                fn next<'de, A: serde::de::SeqAccess<'de>, T: serde::Deserialize<'de>>(
                    seq: &mut A,
                    at: usize,
                ) -> Result<T, A::Error> {
                    seq.next_element()?
                        .ok_or_else(|| A::Error::invalid_length(at, &"a snapshot's next field"))
                }
                let layout: u32 = next(&mut seq, 0)?;
                if layout == STATE_LAYOUT_VERSION {
                    let state = next(&mut seq, 1)?;
                    let tree = next(&mut seq, 2)?;
                    let whole = Box::new(Snapshotted {
                        state,
                        tree,
                        changed: None,
                    });
                    return Ok(ThisLayout(Decoded::Whole(whole)));
                }
                if layout != STATE_LAYOUT_VERSION | CHANGES_LAYOUT_BIT {
                    return Err(A::Error::custom(format!(
                        "snapshot of state layout {}, this build reads {STATE_LAYOUT_VERSION}",
                        layout & !CHANGES_LAYOUT_BIT
                    )));
                }
                let base_hash = next(&mut seq, 1)?;
                let rest = next(&mut seq, 2)?;
                let tree = next(&mut seq, 3)?;
                let (volunteers, activities, redemptions) = next(&mut seq, 4)?;
                let rankings = next(&mut seq, 5)?;
                Ok(ThisLayout(Decoded::Changes(Box::new(Changes {
                    base_seq: 0,
                    base_hash,
                    rest,
                    tree,
                    volunteers,
                    activities,
                    redemptions,
                    rankings,
                }))))
            }
        }
        deserializer.deserialize_tuple(6, Fields)
    }
}

/// What a snapshot holds.
pub struct Snapshotted {
    /// The state after the snapshot's event.
    pub state: State,
    /// The Merkle tree over the events up to it, when the writer stored one.
    pub tree: Option<MerkleTree>,
    /// For a snapshot of changes, the keys it held: what changed since its whole snapshot
    /// up to it (a start counts on from them, so that its first snapshot need not be whole).
    pub changed: Option<ChangedSince>,
}

/// Decodes a whole snapshot and checks that its layout and header agree with the state
/// inside; a snapshot of changes is refused (read it with [`decode_any_from`] and its base).
pub fn decode_snapshot(bytes: &[u8]) -> Result<Snapshotted, CodecError> {
    checked(codec::decode_snapshot(bytes)?)?.on(None)
}

/// [`decode_snapshot`] from a reader of `len` bytes, decoded as it is read (a start of a
/// province never holds its snapshot's bytes beside the state).
pub fn decode_snapshot_from(
    reader: impl std::io::Read,
    len: u64,
) -> Result<Snapshotted, CodecError> {
    decode_any_from(reader, len)?.on(None)
}

/// A whole snapshot or one of changes, from a reader of `len` bytes: a snapshot of changes
/// names the whole one it needs ([`Decoded::base_seq`]), and [`Decoded::on`] applies it.
pub fn decode_any_from(reader: impl std::io::Read, len: u64) -> Result<Decoded, CodecError> {
    checked(codec::decode_snapshot_from(reader, len)?)
}

/// The whole snapshot `changes` were written against, read for them: the values they
/// replace or take out are dropped as they are read (`passed_over`), so what this returns is
/// only for [`Decoded::on`] with those changes, which checks that it is their base.
pub fn decode_base_from(
    reader: impl std::io::Read,
    len: u64,
    changes: &Decoded,
) -> Result<Decoded, CodecError> {
    crate::passed_over::passing_over(changes.passed_over(), || decode_any_from(reader, len))
}

/// A decoded snapshot, once its header agrees with its payload and, for a whole one, its
/// state, ranking columns and tree agree with each other.
fn checked(snapshot: codec::Snapshot<ThisLayout>) -> Result<Decoded, CodecError> {
    let ThisLayout(decoded) = snapshot.state;
    let agrees = |state: &State| state.head.seq == snapshot.seq && state.head.hash == snapshot.hash;
    match decoded {
        Decoded::Whole(whole) => {
            let Snapshotted { state, tree, .. } = *whole;
            if snapshot.base.is_some() || !agrees(&state) {
                return Err(CodecError::Malformed(
                    "snapshot header disagrees with its state".into(),
                ));
            }
            checked_state(state, tree).map(|whole| Decoded::Whole(Box::new(whole)))
        }
        Decoded::Changes(mut changes) => match snapshot.base {
            Some(base) if agrees(&changes.rest) && base <= snapshot.seq => {
                changes.base_seq = base;
                Ok(Decoded::Changes(changes))
            }
            _ => Err(CodecError::Malformed(
                "snapshot header disagrees with its state".into(),
            )),
        },
    }
}

/// A whole state read from a snapshot, once its ranking columns and tree agree with it.
fn checked_state(mut state: State, tree: Option<MerkleTree>) -> Result<Snapshotted, CodecError> {
    if !state.rankings.is_consistent() {
        return Err(CodecError::Malformed(
            "snapshot's ranking columns do not line up".into(),
        ));
    }
    if tree.as_ref().is_some_and(|t| t.len() != state.head.seq) {
        return Err(CodecError::Malformed(
            "snapshot's Merkle tree is not of its events".into(),
        ));
    }
    state.voucher_units_waiting = state.count_vouchers_waiting();
    if crate::passed_over::active() {
        return Ok(Snapshotted {
            state,
            tree,
            changed: None,
        });
    }
    state.volunteer_numbers = crate::numbers::Numbered::from_numbers(
        state.volunteers.len(),
        state.volunteers.values().map(|v| (v.number, v.id)),
    )
    .map_err(|why| CodecError::Malformed(format!("snapshot's volunteers: {why}")))?;
    state.activity_numbers = crate::numbers::Numbered::from_numbers(
        state.activities.len(),
        state.activities.values().map(|a| (a.number, a.id)),
    )
    .map_err(|why| CodecError::Malformed(format!("snapshot's activities: {why}")))?;
    Ok(Snapshotted {
        state,
        tree,
        changed: None,
    })
}

/// Folds `envelopes` into `state`, stopping after `until_seq` (inclusive) if given.
pub fn fold_until(
    mut state: State,
    envelopes: impl IntoIterator<Item = Envelope>,
    until_seq: Option<u64>,
) -> State {
    for e in envelopes {
        if until_seq.is_some_and(|until| e.seq > until) {
            break;
        }
        state.apply(&e);
    }
    state
}
