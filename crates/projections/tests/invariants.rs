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
