//! Snapshots of the folded state and replays from them.
//!
//! Folding is pure, so the state after seq N is the same whether it was built from scratch,
//! from a snapshot at M <= N plus events M+1..=N, or incrementally. The bytes of a snapshot are
//! produced here through the ledger's codec and handed to the ledger to store; this crate
//! never does I/O itself.

use yinling_ledger::codec::{self, CodecError};
use yinling_ledger::Envelope;

use crate::state::State;

/// The layout of [`State`] inside snapshots. Bump it whenever a field of the state changes:
/// a snapshot of another layout is then ignored (and rebuilt), never misread.
pub const STATE_LAYOUT_VERSION: u32 = 16;

/// Encodes the state as a snapshot (seq and hash taken from `state.head`).
pub fn encode_snapshot(state: &State) -> Result<Vec<u8>, CodecError> {
    codec::encode_snapshot(
        state.head.seq,
        &state.head.hash,
        &(STATE_LAYOUT_VERSION, state),
    )
}

/// Decodes a snapshot and checks that its layout and header agree with the state inside.
pub fn decode_snapshot(bytes: &[u8]) -> Result<State, CodecError> {
    let snapshot: codec::Snapshot<(u32, State)> = codec::decode_snapshot(bytes)?;
    let (layout, state) = snapshot.state;
    if layout != STATE_LAYOUT_VERSION {
        return Err(CodecError::Malformed(format!(
            "snapshot of state layout {layout}, this build reads {STATE_LAYOUT_VERSION}"
        )));
    }
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
    let mut state = snapshot.state;
    state.voucher_units_waiting = state.count_vouchers_waiting();
    Ok(state)
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
