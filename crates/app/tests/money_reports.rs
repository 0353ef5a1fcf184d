//! The money reports against a recount: two teams of one name in two districts are two rows
//! of the redeemed-by-team report, and a hand-over keeps the point value it was handed over
//! at when the value changes later; each station's hand-overs are owed to the supplier who
//! delivered there.

#[path = "../../projections/tests/common/mod.rs"]
mod common;

use common::*;
use yinling_app::reports::money::{redeemed, By, Period};
use yinling_ledger::*;
use yinling_projections::*;

/// A volunteer of `team` credited 8 hours, holding and handed one `reward`.
fn hand_over(sim: &mut Sim, name: &str, team: TeamId, reward: RewardId) {
    let v = sim.volunteer(name, team);
    let today = sim.now.local_date();
    sim.log_activity(team, Category::Mediation, today, &[(v, "8")])
        .expect("credited");
    let held = sim.hold(Actor::SYSTEM, v, reward, 1).expect("held");
    sim.ok(
        Actor::SYSTEM,
        Command::FulfilRedemption {
            redemption_id: held,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_digest: None,
        },
    );
}

fn point_value(sim: &mut Sim, yuan: &str) {
    sim.ok(
        Actor::SYSTEM,
        Command::SetPolicy {
            change: PolicyChange::PointValue {
                yuan_per_point: dec(yuan),
            },
            note: "市老干部局通知".into(),
        },
    );
}

#[test]
fn two_teams_of_one_name_in_two_districts_are_two_rows() {
    let mut sim = Sim::new();
    let nanxun = sim.team("新时代文明实践志愿服务队", "南浔区", Category::Mediation);
    let wuxing = sim.team("新时代文明实践志愿服务队", "吴兴区", Category::Mediation);
    let tea = sim.reward("7", 5);
    hand_over(&mut sim, "沈阿婆", nanxun, tea);
    hand_over(&mut sim, "钱老伯", wuxing, tea);

    let rows = redeemed(&sim.state, Period::default(), By::Team);
    let mut keys: Vec<_> = rows.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "新时代文明实践志愿服务队（南浔区）",
            "新时代文明实践志愿服务队（吴兴区）"
        ]
    );
    assert!(rows.iter().all(|r| r.redemptions == 1));
}

#[test]
fn a_hand_over_keeps_the_point_value_of_its_day() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let tea = sim.reward("7", 5);
    point_value(&mut sim, "0.01");
    sim.advance_days(1);
    hand_over(&mut sim, "沈阿婆", team, tea);
    let before = redeemed(&sim.state, Period::default(), By::District);

    sim.advance_days(30);
    point_value(&mut sim, "0.02");
    let after = redeemed(&sim.state, Period::default(), By::District);

    // 7 points at 0.01 yuan, then and now.
    assert_eq!(before[0].value_yuan.0, dec("0.07"));
    assert_eq!(after[0].value_yuan.0, dec("0.07"));
}

#[test]
fn a_hand_over_before_any_point_value_counts_at_the_first_one_set() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let tea = sim.reward("7", 5);
    hand_over(&mut sim, "沈阿婆", team, tea);
    sim.advance_days(30);
    point_value(&mut sim, "0.01");
    point_value(&mut sim, "0.03");
    let rows = redeemed(&sim.state, Period::default(), By::District);
    assert_eq!(rows[0].value_yuan.0, dec("0.07"));
}

#[test]
fn a_value_written_with_trailing_zeros_is_the_value_without_them() {
    let mut sim = Sim::new();
    let tea = sim.reward("7", 5);
    sim.ok(
        Actor::SYSTEM,
        Command::ValueReward {
            reward_id: tea,
            unit_value_yuan: dec("12.500"),
            supplier: "荻港村合作社".into(),
        },
    );
    assert_eq!(sim.state.rewards[&tea].unit_value_yuan, Some(dec("12.5")));
    let refused = sim.run(
        Actor::SYSTEM,
        Command::ValueReward {
            reward_id: tea,
            unit_value_yuan: dec("12.505"),
            supplier: "荻港村合作社".into(),
        },
    );
    assert!(refused.is_err(), "three decimals that are not zeros");
}

/// Each station's hand-overs are settled with the supplier of its own last receipt, at that
/// receipt's cost: a delivery to another station from another supplier, at another price,
/// reprices none of them (before, the reward's valued supplier was owed for every unit, at
/// the last cost received anywhere).
#[test]
fn a_hand_over_is_owed_to_the_supplier_who_delivered_to_its_station() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let rice = sim.reward("10", 0);
    sim.ok(
        Actor::SYSTEM,
        Command::ValueReward {
            reward_id: rice,
            unit_value_yuan: dec("12"),
            supplier: "安吉白茶合作社".into(),
        },
    );
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
    for (station, cost, supplier) in [
        (StationId::FIRST, "8", "湖州丰收合作社"),
        (second, "9.5", "荻港渔业合作社"),
    ] {
        sim.ok(
            Actor::SYSTEM,
            Command::ReceiveStock {
                reward_id: rice,
                station_id: Some(station),
                quantity: 5,
                unit_cost_yuan: dec(cost),
                supplier: supplier.into(),
            },
        );
    }
    for (i, station) in [StationId::FIRST, second, second].into_iter().enumerate() {
        let v = sim.volunteer(&format!("志愿者{i}"), team);
        let today = sim.now.local_date();
        sim.log_activity(team, Category::Mediation, today, &[(v, "8")])
            .expect("credited");
        let redemption_id = RedemptionId(sim.uuid());
        sim.ok(
            Actor::SYSTEM,
            Command::HoldRedemption {
                redemption_id,
                volunteer_id: v,
                reward_id: rice,
                quantity: 1,
                station_id: Some(station),
                proof: None,
                pickup_code_digest: None,
            },
        );
        sim.ok(
            Actor::SYSTEM,
            Command::FulfilRedemption {
                redemption_id,
                pickup_code: None,
                pickup_code_digest: None,
                card_sha256: None,
                voucher_code_digest: None,
            },
        );
    }
    let owed: Vec<(String, u64, String)> =
        yinling_app::reports::money::supplier_settlement(&sim.state, Period::default())
            .into_iter()
            .map(|r| {
                (
                    r.supplier,
                    r.quantity,
                    r.unit_cost_yuan.0.normalize().to_string(),
                )
            })
            .collect();
    assert_eq!(
        owed,
        vec![
            ("湖州丰收合作社".to_owned(), 1, "8".to_owned()),
            ("荻港渔业合作社".to_owned(), 2, "9.5".to_owned()),
        ]
    );
}
