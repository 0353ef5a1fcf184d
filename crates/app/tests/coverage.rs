//! The coverage report's backing against a recount: rate vouchers count as far as their
//! bank's budget for the year still allows, the holds waiting counted once and the room shared
//! between the stations; a reward taken off the catalogue backs nothing but its holds.

#[path = "../../projections/tests/common/mod.rs"]
mod common;

use common::*;
use yinling_app::reports::money::{city_coverage, coverage};
use yinling_ledger::*;
use yinling_projections::*;

#[test]
fn vouchers_back_points_only_as_far_as_their_budget_and_a_retired_reward_not_at_all() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let alice = sim.volunteer("沈阿婆", team);
    let today = sim.now.local_date();
    sim.log_activity(team, Category::Mediation, today, &[(alice, "8")])
        .expect("credited");
    let voucher = sim.voucher("10", 5);
    sim.voucher_budget(chrono::Datelike::year(&today), 2);
    let second = StationId(sim.uuid());
    sim.ok(
        Actor::SYSTEM,
        Command::OpenStation {
            station_id: second,
            name: "荻港e站".into(),
            district: "南浔区".into(),
            address: "荻港村".into(),
            opening_hours: "周一至周五".into(),
        },
    );
    sim.ok(
        Actor::SYSTEM,
        Command::TransferStock {
            reward_id: voucher,
            from_station: StationId::FIRST,
            to_station: second,
            quantity: 2,
            note: String::new(),
        },
    );
    sim.hold(Actor::SYSTEM, alice, voucher, 1).expect("held");
    // A product taken off the catalogue with its five units still on the shelf.
    let tea = sim.reward("7", 5);
    sim.ok(Actor::SYSTEM, Command::RetireReward { reward_id: tea });

    // The recount: a budget of 2, 1 waiting, so 1 more can be given; with the one held, two
    // vouchers of 10 points back what is owed, wherever their units lie. The tea backs 0.
    let rows = coverage(&sim.state, today);
    let city = &rows[0];
    assert_eq!(city.scope, "city");
    // The banner's figure alone is the report's first row.
    assert_eq!(
        serde_json::to_value(city_coverage(&sim.state, today)).expect("json"),
        serde_json::to_value(city).expect("json")
    );
    // A district's outstanding points are its volunteers' available, held and pending, as a
    // naive recount adds them.
    let nanxun = rows
        .iter()
        .find(|r| r.scope == "district" && r.name == "南浔区")
        .expect("南浔区 has stations");
    let owed: rust_decimal::Decimal = sim
        .state
        .volunteers
        .values()
        .filter(|v| v.district == "南浔区")
        .map(|v| v.balance.available() + v.balance.held + v.balance.pending)
        .sum();
    assert_eq!(nanxun.outstanding_points.map(|a| a.0), Some(owed));
    assert_eq!(
        serde_json::to_value(city.voucher_points).expect("json"),
        serde_json::json!("20")
    );
    assert_eq!(
        serde_json::to_value(city.stock_points).expect("json"),
        serde_json::json!("0")
    );
}
