//! Names are revealed with the key store when a state is loaded: a snapshot holds only the
//! sealed blobs. Past a few thousand volunteers this runs on a thread per core; every name
//! must come back as the fold revealed it.

mod common;

use common::*;
use yinling_projections::replay;

#[test]
fn every_name_of_thousands_comes_back_when_a_snapshot_is_loaded() {
    let mut sim = Sim::new();
    let team = sim.team(
        "荻溪六老调解队",
        "南浔区",
        yinling_ledger::Category::Mediation,
    );
    let count = yinling_projections::limits::PARALLEL_REVEAL_MIN_VOLUNTEERS + 123;
    let ids: Vec<_> = (0..count)
        .map(|i| sim.volunteer(&format!("志愿者{i}"), team))
        .collect();
    let bytes = replay::encode_snapshot(&sim.state, None).expect("encode");
    let mut loaded = replay::decode_snapshot(&bytes).expect("decode").state;
    // Decoded, the names are sealed; the key store reveals them.
    assert!(ids.iter().all(|id| loaded.volunteers[id].name.is_empty()));
    loaded.attach_keys(sim.state.keys.0.clone());
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(loaded.volunteers[id].name, format!("志愿者{i}"));
        assert_eq!(loaded.volunteers[id].birth_year, Some(1955));
    }
    assert_eq!(loaded, sim.state);
}
