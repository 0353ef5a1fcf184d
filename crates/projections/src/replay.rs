//! Snapshots of the folded state and replays from them.
//!
//! Folding is pure, so the state after seq N is the same whether it was built from scratch,
//! from a snapshot at M <= N plus events M+1..=N, or incrementally. The bytes of a snapshot are
//! produced here through the ledger's codec and handed to the ledger to store; this crate
//! never does I/O itself.

use yinling_ledger::codec::{self, CodecError};
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::Envelope;

use crate::state::State;

/// The layout of [`State`] inside snapshots. Bump it whenever a field of the state changes:
/// a snapshot of another layout is then ignored (and rebuilt), never misread.
pub const STATE_LAYOUT_VERSION: u32 = 20;

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
    if let Some(tree) = tree {
        if tree.len() != state.head.seq {
            return Err(CodecError::Malformed(format!(
                "a tree of {} events cannot be stored with a state at event {}",
                tree.len(),
                state.head.seq
            )));
        }
    }
    codec::encode_snapshot_into(
        out,
        state.head.seq,
        &state.head.hash,
        &(STATE_LAYOUT_VERSION, state, tree),
    )
}

/// A snapshot's payload of this build's layout: the layout number first, checked before the
/// state is read, so a snapshot of another layout is refused in words (and at once) instead of
/// failing somewhere inside a state it does not describe.
struct ThisLayout(State, Option<MerkleTree>);

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
                let layout: u32 = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                if layout != STATE_LAYOUT_VERSION {
                    return Err(A::Error::custom(format!(
                        "snapshot of state layout {layout}, this build reads {STATE_LAYOUT_VERSION}"
                    )));
                }
                let state = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                let tree = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(2, &self))?;
                Ok(ThisLayout(state, tree))
            }
        }
        deserializer.deserialize_tuple(3, Fields)
    }
}

/// What a snapshot holds.
pub struct Snapshotted {
    /// The state after the snapshot's event.
    pub state: State,
    /// The Merkle tree over the events up to it, when the writer stored one.
    pub tree: Option<MerkleTree>,
}

/// Decodes a snapshot and checks that its layout and header agree with the state inside.
pub fn decode_snapshot(bytes: &[u8]) -> Result<Snapshotted, CodecError> {
    checked(codec::decode_snapshot(bytes)?)
}

/// [`decode_snapshot`] from a reader of `len` bytes, decoded as it is read (a start of a
/// province never holds its snapshot's bytes beside the state).
pub fn decode_snapshot_from(
    reader: impl std::io::Read,
    len: u64,
) -> Result<Snapshotted, CodecError> {
    checked(codec::decode_snapshot_from(reader, len)?)
}

/// A decoded snapshot, once its header, ranking columns and tree agree with its state.
fn checked(snapshot: codec::Snapshot<ThisLayout>) -> Result<Snapshotted, CodecError> {
    let ThisLayout(state, tree) = snapshot.state;
    let snapshot = codec::Snapshot {
        seq: snapshot.seq,
        hash: snapshot.hash,
        state,
    };
    if snapshot.state.head.seq != snapshot.seq || snapshot.state.head.hash != snapshot.hash {
        return Err(CodecError::Malformed(
            "snapshot header disagrees with its state".into(),
        ));
    }
    if !snapshot.state.rankings.is_consistent() {
        return Err(CodecError::Malformed(
            "snapshot's ranking columns do not line up".into(),
        ));
    }
    if tree.as_ref().is_some_and(|t| t.len() != snapshot.seq) {
        return Err(CodecError::Malformed(
            "snapshot's Merkle tree is not of its events".into(),
        ));
    }
    let mut state = snapshot.state;
    state.voucher_units_waiting = state.count_vouchers_waiting();
    Ok(Snapshotted { state, tree })
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
