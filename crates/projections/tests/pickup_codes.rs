//! Pickup codes: the log is read by auditors and copied to whoever checks it, so a waiting
//! hold's six digits never appear in it. A hold is recorded with a digest of its code
//! (`RedemptionHeldForPickup`), and the counter compares the digest of what the clerk types.
//! Holds recorded before, with the code written out (`RedemptionHeldAt`), cannot change and
//! are still handed over by their digits.

mod common;

use common::*;
use yinling_ledger::chain::Draft;
use yinling_ledger::{
    Category, Confirmation, Event, RedemptionHeld, RedemptionHeldAt, RedemptionId, Role, StationId,
};
use yinling_projections::decide::{unkeyed_pickup_code, unkeyed_pickup_code_digest};
use yinling_projections::redemptions::{PickupCode, RedemptionStatus};
use yinling_projections::Command;

fn hand_over(redemption_id: RedemptionId, code: &str, digest: Option<[u8; 32]>) -> Command {
    Command::FulfilRedemption {
        redemption_id,
        pickup_code: Some(code.into()),
        pickup_code_digest: digest,
        card_sha256: None,
        voucher_code_digest: None,
    }
}

/// The digits of the next code after `code` (a wrong one of the same shape).
fn another(code: &str) -> String {
    let n: u32 = code.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

#[test]
fn a_hold_keeps_only_the_digest_of_its_code_and_the_counter_compares_digests() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(v, "8")])
        .expect("logged");
    let reward = sim.reward("10", 10);
    let admin = sim.token(Role::Admin, None, None);
    let clerk = sim.token(Role::StationClerk, None, None);
    let redemption_id = RedemptionId(sim.uuid());
    let keyed = [0x42; 32];
    let held = sim.ok(
        admin,
        Command::HoldRedemption {
            redemption_id,
            volunteer_id: v,
            reward_id: reward,
            quantity: 1,
            station_id: None,
            proof: None,
            pickup_code_digest: Some(keyed),
        },
    );
    let Event::RedemptionHeldForPickup(h) = &held[0].payload else {
        panic!(
            "a hold is recorded with its code's digest: {:?}",
            held[0].payload
        )
    };
    assert_eq!(h.pickup_code_digest, keyed);
    assert_eq!(
        sim.state.redemptions[&redemption_id].pickup_code,
        Some(PickupCode::Digest(keyed))
    );

    // The digits alone are not compared: the digest the application computes is.
    let before = sim.state.head.seq;
    let wrong = sim
        .run(clerk, hand_over(redemption_id, "123456", Some([0x43; 32])))
        .expect_err("a digest that is not the hold's");
    assert_eq!(wrong.code, "wrong_pickup_code");
    assert_eq!(sim.state.head.seq, before, "a refusal appends nothing");
    let done = sim.ok(clerk, hand_over(redemption_id, "123456", Some(keyed)));
    assert!(matches!(done[0].payload, Event::RedemptionFulfilled(_)));
    assert_eq!(
        sim.state.redemptions[&redemption_id].status,
        RedemptionStatus::Fulfilled
    );
}

#[test]
fn without_a_key_the_code_read_off_the_id_is_digested_the_same_way_on_both_sides() {
    let mut sim = Sim::new();
    let team = sim.team("银雁协共体", "南浔区", Category::Mediation);
    let v = sim.volunteer("王建国", team);
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(v, "8")])
        .expect("logged");
    let reward = sim.reward("10", 10);
    let admin = sim.token(Role::Admin, None, None);
    let clerk = sim.token(Role::StationClerk, None, None);
    let redemption_id = sim.hold(admin, v, reward, 1).expect("held");
    let code = unkeyed_pickup_code(&redemption_id);
    assert_eq!(
        sim.state.redemptions[&redemption_id].pickup_code,
        Some(PickupCode::Digest(unkeyed_pickup_code_digest(
            &redemption_id,
            &code
        )))
    );
    let wrong = sim
        .run(clerk, hand_over(redemption_id, &another(&code), None))
        .expect_err("another code");
    assert_eq!(wrong.code, "wrong_pickup_code");
    sim.ok(clerk, hand_over(redemption_id, &code, None));
}

#[test]
fn a_hold_recorded_with_its_code_written_out_is_still_handed_over_by_its_digits() {
    let mut sim = Sim::new();
    let team = sim.team("练市老兵调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("李大伯", team);
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(v, "8")])
        .expect("logged");
    let reward = sim.reward("10", 10);
    let admin = sim.token(Role::Admin, None, None);
    let clerk = sim.token(Role::StationClerk, None, None);
    // As a hold was recorded before digests: its own event, sealed into the chain.
    let redemption_id = RedemptionId(sim.uuid());
    let old = Event::RedemptionHeldAt(RedemptionHeldAt {
        held: RedemptionHeld {
            redemption_id,
            volunteer_id: v,
            team_id: team,
            district: "南浔区".into(),
            reward_id: reward,
            quantity: 1,
            cost_points: dec("10"),
            points: dec("10"),
            expires_at: sim.now.plus_seconds(86_400),
        },
        station_id: StationId::FIRST,
        pickup_code: "042917".into(),
        confirmation: Confirmation::Staff,
    });
    let sealed = sim
        .chain
        .seal(Draft {
            stream: redemption_id.stream(),
            stream_version: 1,
            recorded_at: sim.now,
            actor: admin,
            idempotency_key: None,
            payload: old,
        })
        .expect("seal");
    sim.state.apply(&sealed.envelope);
    assert_eq!(
        sim.state.redemptions[&redemption_id].pickup_code,
        Some(PickupCode::Written("042917".into()))
    );
    let wrong = sim
        .run(clerk, hand_over(redemption_id, "042918", None))
        .expect_err("another code");
    assert_eq!(wrong.code, "wrong_pickup_code");
    // A digest brought along changes nothing for a code written out: the digits decide.
    sim.ok(clerk, hand_over(redemption_id, "042917", Some([7; 32])));
    assert_eq!(
        sim.state.redemptions[&redemption_id].status,
        RedemptionStatus::Fulfilled
    );
}
