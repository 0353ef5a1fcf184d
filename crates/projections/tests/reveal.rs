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

/// A volunteer recorded before personal data was sealed has their name in the log in plain
/// text: an erasure cannot remove it, and is refused saying what to do, not recorded as done.
#[test]
fn an_erasure_of_a_name_kept_in_plain_text_is_refused_until_the_log_is_sealed() {
    use yinling_ledger::chain::Draft;
    use yinling_ledger::*;
    use yinling_projections::Command;
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let admin = sim.token(Role::Admin, None, None);
    let v = VolunteerId(sim.uuid());
    let legacy = sim
        .chain
        .seal(Draft {
            stream: v.stream(),
            stream_version: 1,
            recorded_at: sim.now,
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload: Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: v,
                name: "沈阿婆".into(),
                team_id: team,
                district: "南浔区".into(),
                birth_year: Some(1936),
            }),
        })
        .expect("seal");
    sim.state.apply(&legacy.envelope);
    sim.log.push(legacy.envelope);
    let refused = sim
        .run(
            admin,
            Command::EraseVolunteer {
                volunteer_id: v,
                requested_by: "本人".into(),
                requested_on: sim.now.local_date(),
                legal_basis: "《个人信息保护法》第四十七条".into(),
            },
        )
        .expect_err("in plain text");
    assert_eq!(refused.code, "recorded_in_plain");
    assert!(
        refused.detail.contains("yinling seal"),
        "{}",
        refused.detail
    );
}
