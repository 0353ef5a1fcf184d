//! Counter PINs: the log keeps the keyed digest the application derives with its mint key,
//! and the counter compares the typed PIN's keyed digest with it. A PIN set before PINs were
//! keyed is kept as SHA-256 of the id and the digits; those events cannot change, so the
//! counter still accepts such a PIN by its digits.

mod common;

use common::*;
use yinling_ledger::{Category, Hash, Role};
use yinling_projections::decide::unkeyed_pin_digest;
use yinling_projections::{Command, CounterProof, TypedPin};

fn hold_with(
    sim: &mut Sim,
    staff: yinling_ledger::Actor,
    v: yinling_ledger::VolunteerId,
    reward: yinling_ledger::RewardId,
    pin: TypedPin,
) -> Result<(), String> {
    let redemption_id = yinling_ledger::RedemptionId(sim.uuid());
    sim.run(
        staff,
        Command::HoldRedemption {
            redemption_id,
            volunteer_id: v,
            reward_id: reward,
            quantity: 1,
            station_id: None,
            proof: Some(CounterProof::Pin(pin)),
            pickup_code_digest: None,
        },
    )
    .map(|_| ())
    .map_err(|r| r.code.to_owned())
}

#[test]
fn a_keyed_pin_is_compared_by_its_digest_and_an_unkeyed_one_by_its_digits() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let keyed = sim.volunteer("沈阿婆", team);
    let legacy = sim.volunteer("王建国", team);
    sim.log_activity(
        team,
        Category::Mediation,
        date(2026, 3, 5),
        &[(keyed, "8"), (legacy, "8")],
    )
    .expect("logged");
    let reward = sim.reward("10", 10);
    let staff = sim.token(Role::Admin, None, None);
    let digest = |n: u8| Hash([n; 32]);

    // Set now: the log keeps the keyed digest the application gave.
    sim.ok(
        staff,
        Command::SetPin {
            volunteer_id: keyed,
            pin: Some(TypedPin {
                digits: "2468".into(),
                keyed: digest(1),
            }),
        },
    );
    assert_eq!(
        sim.state.volunteers[&keyed].pin_sha256.as_deref(),
        Some(&digest(1))
    );
    let typed = |digits: &str, keyed: Hash| TypedPin {
        digits: digits.into(),
        keyed,
    };
    // The right digits with another key's digest are refused: the digits alone prove nothing.
    assert_eq!(
        hold_with(&mut sim, staff, keyed, reward, typed("2468", digest(2))),
        Err("wrong_pin".into())
    );
    assert_eq!(
        hold_with(&mut sim, staff, keyed, reward, typed("2468", digest(1))),
        Ok(())
    );

    // Set before PINs were keyed: SHA-256 of the id and the digits, as the event holds it.
    sim.ok(
        staff,
        Command::SetPin {
            volunteer_id: legacy,
            pin: Some(TypedPin {
                digits: "1357".into(),
                keyed: unkeyed_pin_digest(&legacy, "1357"),
            }),
        },
    );
    assert_eq!(
        hold_with(&mut sim, staff, legacy, reward, typed("2468", digest(3))),
        Err("wrong_pin".into())
    );
    assert_eq!(
        hold_with(&mut sim, staff, legacy, reward, typed("1357", digest(3))),
        Ok(())
    );
}

#[test]
fn a_pin_the_counter_screen_gives_away_is_refused_and_nothing_is_written() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let staff = sim.token(Role::Admin, None, None);
    sim.ok(
        staff,
        Command::RecordPhone {
            volunteer_id: v,
            last_four: "3721".into(),
        },
    );
    // The year of birth and the phone's last digits are on the clerk's screen; runs and
    // repeats are what anyone tries first.
    for (digits, why) in [
        ("1955", "the year of birth"),
        ("3721", "the last four digits of the phone"),
        ("7777", "one digit repeated"),
        ("345678", "digits in a row"),
        ("6543", "digits in a row"),
    ] {
        let before = sim.state.head.seq;
        let refused = sim
            .run(
                staff,
                Command::SetPin {
                    volunteer_id: v,
                    pin: Some(TypedPin {
                        digits: digits.into(),
                        keyed: Hash([1; 32]),
                    }),
                },
            )
            .expect_err(digits);
        assert_eq!(refused.code, "weak_pin", "{digits}");
        assert!(refused.detail.contains(why), "{digits}: {}", refused.detail);
        assert_eq!(sim.state.head.seq, before, "{digits}: nothing written");
    }
    // Digits with no pattern the screen shows are kept.
    sim.ok(
        staff,
        Command::SetPin {
            volunteer_id: v,
            pin: Some(TypedPin {
                digits: "2468".into(),
                keyed: Hash([1; 32]),
            }),
        },
    );
}

/// A volunteer without a phone who lost the slip with the pickup code: the clerk scans their
/// own points card instead, and the reward is handed over; someone else's card is refused.
#[test]
fn a_lost_slip_is_replaced_by_the_volunteers_own_card_at_the_hand_over() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let other = sim.volunteer("王建国", team);
    sim.log_activity(team, Category::Mediation, date(2026, 3, 5), &[(v, "8")])
        .expect("logged");
    let reward = sim.reward("10", 10);
    let admin = sim.token(Role::Admin, None, None);
    let clerk = sim.token(Role::StationClerk, None, None);
    let card = |sim: &mut Sim, who: yinling_ledger::VolunteerId, secret: &[u8]| {
        let token_id = yinling_ledger::TokenId(sim.uuid());
        sim.ok(
            admin,
            Command::IssueToken(yinling_projections::NewToken {
                token_id,
                role: Role::Volunteer,
                team_id: None,
                volunteer_id: Some(who),
                scope: None,
                secret_sha256: Hash::of(secret).0,
                label: "积分卡".into(),
                last_day: None,
            }),
        );
    };
    card(&mut sim, v, b"hers");
    card(&mut sim, other, b"his");
    let redemption_id = yinling_ledger::RedemptionId(sim.uuid());
    sim.ok(
        admin,
        Command::HoldRedemption {
            redemption_id,
            volunteer_id: v,
            reward_id: reward,
            quantity: 1,
            station_id: None,
            proof: None,
            pickup_code_digest: None,
        },
    );
    let hand_over = |card: Option<&[u8]>| Command::FulfilRedemption {
        redemption_id,
        pickup_code: None,
        pickup_code_digest: None,
        card_sha256: card.map(|c| Hash::of(c).0),
        voucher_code_digest: None,
    };
    let before = sim.state.head.seq;
    let needed = sim
        .run(clerk, hand_over(None))
        .expect_err("no code, no card");
    assert_eq!(needed.code, "pickup_code_needed");
    let wrong = sim
        .run(clerk, hand_over(Some(b"his")))
        .expect_err("his card");
    assert_eq!(wrong.code, "card_mismatch");
    assert_eq!(sim.state.head.seq, before, "refusals append nothing");
    sim.ok(clerk, hand_over(Some(b"hers")));
    assert_eq!(
        sim.state.redemptions[&redemption_id].status,
        yinling_projections::redemptions::RedemptionStatus::Fulfilled
    );
}
