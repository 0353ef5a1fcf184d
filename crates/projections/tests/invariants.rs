//! The invariants a start checks before it serves: past a few thousand volunteers the
//! volunteers' part runs on a thread per core. A broken volunteer in any part is still found,
//! and the parts' balances still add up to the ledger's totals.

mod common;

use common::*;
use rust_decimal::Decimal;
use yinling_ledger::Category;

#[test]
fn a_broken_volunteer_among_thousands_is_found_whichever_part_holds_it() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let count = yinling_projections::limits::PARALLEL_REVEAL_MIN_VOLUNTEERS + 123;
    let ids: Vec<_> = (0..count)
        .map(|i| sim.volunteer(&format!("志愿者{i}"), team))
        .collect();
    // Points on volunteers in every part, so the parts' sums are not all zero.
    for chunk in ids.chunks(500) {
        let participants: Vec<_> = chunk.iter().map(|v| (*v, "2")).collect();
        sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &participants)
            .expect("logged");
    }
    assert_eq!(sim.state.check_invariants(), Ok(()));

    for id in [ids[0], ids[count / 2], ids[count - 1]] {
        let mut state = sim.state.clone();
        state
            .volunteers
            .get_mut(&id)
            .expect("registered")
            .balance
            .held = Decimal::NEGATIVE_ONE;
        let checked = state.check_invariants();
        assert!(
            checked.as_ref().is_err_and(|e| e.contains(&id.to_string())),
            "{checked:?}"
        );
    }
    let mut state = sim.state.clone();
    state.totals.points_earned += Decimal::ONE;
    let checked = state.check_invariants();
    assert!(
        checked.as_ref().is_err_and(|e| e.contains("not conserved")),
        "{checked:?}"
    );
}

#[test]
fn points_pending_must_be_the_points_of_the_activities_on_notice() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let bob = sim.volunteer("陈奶奶", team);
    sim.system(yinling_projections::Command::SetPolicy {
        change: yinling_ledger::PolicyChange::ConfirmationRequired {
            category: Category::Mediation,
            required: true,
        },
        note: "须经服务对象确认".into(),
    })
    .expect("policy");
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(bob, "2")])
        .expect("logged");
    assert_eq!(sim.state.volunteers[&bob].balance.pending, dec("20"));
    assert_eq!(sim.state.check_invariants(), Ok(()));
    // A stale figure either way: points hidden, or points that are not there.
    for stale in [Decimal::ZERO, dec("30")] {
        let mut state = sim.state.clone();
        state
            .volunteers
            .get_mut(&bob)
            .expect("registered")
            .balance
            .pending = stale;
        let checked = state.check_invariants();
        assert!(
            checked.as_ref().is_err_and(|e| e.contains("pending")),
            "{checked:?}"
        );
    }
}

#[test]
fn each_stations_held_units_are_the_holds_to_be_picked_up_there() {
    use yinling_ledger::{Actor, StationId};
    use yinling_projections::Command;
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let bob = sim.volunteer("陈奶奶", team);
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(bob, "8")])
        .expect("logged");
    let reward = sim.reward("20", 3);
    let other = StationId(sim.uuid());
    sim.system(Command::OpenStation {
        station_id: other,
        name: "双林 e站".into(),
        district: "南浔区".into(),
        address: "双林镇".into(),
        opening_hours: String::new(),
    })
    .expect("a second station");
    sim.system(Command::TransferStock {
        reward_id: reward,
        from_station: StationId::FIRST,
        to_station: other,
        quantity: 1,
        note: String::new(),
    })
    .expect("one unit moved");
    sim.hold(Actor::SYSTEM, bob, reward, 1)
        .expect("held at the first station");
    assert_eq!(sim.state.check_invariants(), Ok(()));
    // The held unit moved to the other station's shelf, every total unchanged.
    let mut state = sim.state.clone();
    for (station, held, free) in [(StationId::FIRST, -1i64, 1i64), (other, 1, -1)] {
        let shelf = state
            .stations
            .by_id
            .get_mut(&station)
            .and_then(|s| s.shelves.get_mut(&reward))
            .expect("a shelf");
        shelf.held = (i64::from(shelf.held) + held) as u32;
        shelf.free = (i64::from(shelf.free) + free) as u32;
    }
    let checked = state.check_invariants();
    assert!(
        checked
            .as_ref()
            .is_err_and(|e| e.contains("holds to be picked up there")),
        "{checked:?}"
    );
}
