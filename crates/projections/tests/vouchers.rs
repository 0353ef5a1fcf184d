//! A rate voucher's life in the decisions, with the clock moved on: valid for the policy's
//! days after its hand-over and then expired; a hand-over without the code's hash is
//! refused; a code's hash cannot be reused; the budget counts holds waiting at a counter.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::limits::VOUCHER_LATE_RECORD_DAYS;
use yinling_projections::vouchers::VoucherStatus;
use yinling_projections::*;

struct Setup {
    sim: Sim,
    volunteer: VolunteerId,
    voucher: RewardId,
    officer: Actor,
}

fn setup() -> Setup {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let volunteer = sim.volunteer("沈阿婆", team);
    let today = sim.now.local_date();
    sim.log_activity(team, Category::Mediation, today, &[(volunteer, "8")])
        .expect("credited");
    let voucher = sim.voucher("10", 5);
    let token_id = TokenId(sim.uuid());
    let secret = sim.uuid();
    sim.ok(
        Actor::SYSTEM,
        Command::IssueToken(NewToken {
            token_id,
            role: Role::BankOfficer,
            team_id: None,
            volunteer_id: None,
            scope: Some(TokenScope::Bank("湖州银行".into())),
            secret_sha256: Hash::of(secret.as_bytes()).0,
            label: String::new(),
        }),
    );
    Setup {
        sim,
        volunteer,
        voucher,
        officer: Actor {
            token_id: Some(token_id),
            role: Role::BankOfficer,
        },
    }
}

fn handed_over(s: &mut Setup, code: &[u8]) -> Result<RedemptionId, Rejection> {
    let id = s.sim.hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)?;
    s.sim.system(Command::FulfilRedemption {
        redemption_id: id,
        pickup_code: None,
        pickup_code_digest: None,
        card_sha256: None,
        voucher_code_sha256: Some(Hash::of(code)),
    })?;
    Ok(id)
}

fn use_it(s: &mut Setup, code: &[u8]) -> Result<Vec<Envelope>, Rejection> {
    let today = s.sim.now.local_date();
    let officer = s.officer;
    s.sim.run(
        officer,
        Command::UseVoucher {
            code_sha256: Hash::of(code),
            product: VoucherProduct::Deposit,
            amount_yuan: dec("10000"),
            used_on: today,
        },
    )
}

#[test]
fn a_voucher_is_valid_for_the_policys_days_and_then_expired() {
    let mut s = setup();
    s.sim
        .system(Command::SetPolicy {
            change: PolicyChange::VoucherValidity { days: 30 },
            note: "三十天内到银行办理".into(),
        })
        .expect("policy");
    let id = handed_over(&mut s, b"1111").expect("handed over");
    let voucher = s.sim.state.vouchers.by_redemption[&id].clone();
    assert_eq!(
        voucher.expires_on,
        voucher.issued_on + chrono::Days::new(30)
    );
    s.sim.advance_days(30);
    assert_eq!(
        voucher.status(s.sim.now.local_date()),
        VoucherStatus::Valid,
        "the last day is still valid"
    );
    s.sim.advance_days(1);
    let refused = use_it(&mut s, b"1111").expect_err("expired");
    assert_eq!(refused.code, "voucher_expired");
    assert!(refused.detail.contains(&voucher.expires_on.to_string()));
    assert!(s.sim.state.check_invariants().is_ok());
}

#[test]
fn a_use_on_its_last_day_is_recorded_the_next_week_but_an_expired_voucher_is_not_revived_by_an_old_date(
) {
    let mut s = setup();
    s.sim
        .system(Command::SetPolicy {
            change: PolicyChange::VoucherValidity { days: 30 },
            note: "三十天内到银行办理".into(),
        })
        .expect("policy");
    for code in [b"3333", b"4444"] {
        handed_over(&mut s, code).expect("handed over");
    }
    let last_day = s.sim.now.local_date() + chrono::Days::new(30);
    let officer = s.officer;
    let used_on_last_day = |s: &mut Setup, code: &[u8]| {
        s.sim.run(
            officer,
            Command::UseVoucher {
                code_sha256: Hash::of(code),
                product: VoucherProduct::Loan,
                amount_yuan: dec("50000"),
                used_on: last_day,
            },
        )
    };
    // The customer came on the last day; the teller enters it a week later.
    s.sim.advance_days(30 + VOUCHER_LATE_RECORD_DAYS);
    used_on_last_day(&mut s, b"3333").expect("recorded within the week");
    // A day more, and typing the last day's date no longer brings an expired voucher back.
    s.sim.advance_days(1);
    let before = s.sim.state.head.seq;
    let refused = used_on_last_day(&mut s, b"4444").expect_err("too late");
    assert_eq!(refused.code, "voucher_expired");
    assert!(
        refused.detail.contains(&last_day.to_string()),
        "{}",
        refused.detail
    );
    assert_eq!(s.sim.state.head.seq, before, "a refusal appends nothing");
}

#[test]
fn a_voucher_needs_its_code_and_a_code_is_never_reused() {
    let mut s = setup();
    let id = s
        .sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect("held");
    let refused = s
        .sim
        .system(Command::FulfilRedemption {
            redemption_id: id,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_sha256: None,
        })
        .expect_err("a voucher's hand-over needs its code");
    assert_eq!(refused.code, "voucher_code_needed");
    s.sim
        .system(Command::FulfilRedemption {
            redemption_id: id,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_sha256: Some(Hash::of(b"2222")),
        })
        .expect("handed over");
    let again = handed_over(&mut s, b"2222").expect_err("the same code twice");
    assert_eq!(again.code, "duplicate_voucher_code");
    use_it(&mut s, b"2222").expect("used");
    assert_eq!(
        use_it(&mut s, b"2222").expect_err("twice").code,
        "voucher_used"
    );
}

#[test]
fn holds_waiting_at_a_counter_count_against_the_budget() {
    let mut s = setup();
    let year = chrono::Datelike::year(&s.sim.now.local_date());
    s.sim.voucher_budget(year, 1);
    let first = s
        .sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect("held");
    let refused = s
        .sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect_err("the budget is spent by the hold waiting");
    assert_eq!(refused.code, "budget_exhausted");
    // Cancelled, the hold gives its place back.
    s.sim
        .system(Command::CancelRedemption {
            redemption_id: first,
            reason: String::new(),
        })
        .expect("cancelled");
    s.sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect("room again");
}

/// The budget is the year's a voucher is issued in: two holds made on the last day of a year
/// within its budget and handed over in the new year, whose budget is one, give one voucher;
/// the second hold is refused at the counter and stays, to be cancelled.
#[test]
fn holds_from_last_year_handed_over_in_the_new_year_count_against_its_budget() {
    let mut s = setup();
    let today = s.sim.now.local_date();
    let year = chrono::Datelike::year(&today);
    let team = s.sim.state.volunteers[&s.volunteer].team_id;
    let other = s.sim.volunteer("陆金宝", team);
    s.sim
        .log_activity(team, Category::Mediation, today, &[(other, "8")])
        .expect("credited");
    s.sim.voucher_budget(year, 5);
    s.sim.voucher_budget(year + 1, 1);
    let last_day = chrono::NaiveDate::from_ymd_opt(year, 12, 31).expect("a date");
    s.sim.advance_days((last_day - today).num_days());
    let holds = [s.volunteer, other].map(|v| {
        s.sim
            .hold(Actor::SYSTEM, v, s.voucher, 1)
            .expect("within this year's budget")
    });
    s.sim.advance_days(1);
    let hand_over = |s: &mut Setup, id: RedemptionId, code: &[u8]| {
        s.sim.system(Command::FulfilRedemption {
            redemption_id: id,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_sha256: Some(Hash::of(code)),
        })
    };
    hand_over(&mut s, holds[0], b"first").expect("the new year's one voucher");
    let refused =
        hand_over(&mut s, holds[1], b"second").expect_err("the new year's budget is spent");
    assert_eq!(refused.code, "budget_exhausted");
    assert_eq!(
        s.sim.state.redemptions[&holds[1]].status,
        yinling_projections::redemptions::RedemptionStatus::Held
    );
    assert_eq!(
        s.sim.state.vouchers.left("湖州银行", year + 1, 0).issued,
        1,
        "one issued"
    );
}

#[test]
fn a_rate_voucher_is_held_one_at_a_time() {
    let mut s = setup();
    let before = s.sim.available(s.volunteer);
    let refused = s
        .sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 2)
        .expect_err("two vouchers in one hold would be one code for the points of two");
    assert_eq!(refused.code, "one_voucher_a_hold", "{}", refused.detail);
    assert_eq!(s.sim.available(s.volunteer), before, "nothing held");
    s.sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect("one is held");
}
