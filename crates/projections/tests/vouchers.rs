//! A rate voucher's life in the decisions, with the clock moved on: valid for the policy's
//! days after its hand-over and then expired; a hand-over without the code's hash is
//! refused; a code's hash cannot be reused; the budget counts holds waiting at a counter.

mod common;

use common::*;
use yinling_ledger::chain::Draft;
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
            last_day: None,
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
        voucher_code_digest: Some(Hash::of(code)),
    })?;
    Ok(id)
}

fn use_it(s: &mut Setup, code: &[u8]) -> Result<Vec<Envelope>, Rejection> {
    let today = s.sim.now.local_date();
    let officer = s.officer;
    s.sim.run(
        officer,
        Command::UseVoucher {
            code_digest: Hash::of(code),
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
                code_digest: Hash::of(code),
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
            voucher_code_digest: None,
        })
        .expect_err("a voucher's hand-over needs its code");
    assert_eq!(refused.code, "voucher_code_needed");
    s.sim
        .system(Command::FulfilRedemption {
            redemption_id: id,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_digest: Some(Hash::of(b"2222")),
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
            voucher_code_digest: Some(Hash::of(code)),
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

#[test]
fn a_hand_over_records_the_digest_it_was_given_in_a_voucher_handed_over() {
    let mut s = setup();
    let id = handed_over(&mut s, b"keyed digest").expect("handed over");
    let issued: Vec<&VoucherHandedOver> = s
        .sim
        .log
        .iter()
        .filter_map(|e| match &e.payload {
            Event::VoucherHandedOver(v) => Some(v),
            _ => None,
        })
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].redemption_id, id);
    assert_eq!(issued[0].code_digest, Hash::of(b"keyed digest"));
    assert!(!s
        .sim
        .log
        .iter()
        .any(|e| matches!(e.payload, Event::VoucherIssued(_))));
}

#[test]
fn a_voucher_recorded_before_keyed_digests_is_still_found_by_its_codes_sha256() {
    let mut s = setup();
    let redemption_id = RedemptionId(s.sim.uuid());
    let old = Event::VoucherIssued(VoucherIssued {
        redemption_id,
        volunteer_id: s.volunteer,
        reward_id: s.voucher,
        bank: "湖州银行".into(),
        basis_points: 20,
        code_sha256: Hash::of(b"1111"),
        expires_on: s.sim.now.local_date() + chrono::Days::new(30),
    });
    let sealed = s
        .sim
        .chain
        .seal(Draft {
            stream: redemption_id.stream(),
            stream_version: 1,
            recorded_at: s.sim.now,
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload: old,
        })
        .expect("seal");
    s.sim.state.apply(&sealed.envelope);
    let v = s
        .sim
        .state
        .vouchers
        .by_code(&Hash::of(b"1111"))
        .expect("found");
    assert_eq!(v.redemption_id, redemption_id);
    assert_eq!(v.status(s.sim.now.local_date()), VoucherStatus::Valid);
    use_it(&mut s, b"1111").expect("used");
    assert_eq!(
        s.sim.state.vouchers.by_redemption[&redemption_id].status(s.sim.now.local_date()),
        VoucherStatus::Used
    );
}

/// A year nobody set a budget for keeps the last one set before it: on the first of January
/// the bank's cap does not fall away. Setting the year, even without limits, ends the carry.
#[test]
fn a_year_without_its_own_budget_keeps_the_last_one_set() {
    let mut s = setup();
    let today = s.sim.now.local_date();
    let year = chrono::Datelike::year(&today);
    s.sim.voucher_budget(year, 3);
    let new_year = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 2).expect("a date");
    s.sim.advance_days((new_year - today).num_days());
    let left = s.sim.state.budget_left("湖州银行", year + 1);
    assert_eq!(left.carried_from, Some(year));
    assert_eq!(
        left.vouchers_left,
        Some(3),
        "a fresh count of the carried cap"
    );
    let team = s.sim.state.volunteers[&s.volunteer].team_id;
    let others: Vec<VolunteerId> = (0..3)
        .map(|i| s.sim.volunteer(&format!("志愿者{i}"), team))
        .collect();
    let day = s.sim.now.local_date();
    for v in &others {
        s.sim
            .log_activity(team, Category::Mediation, day, &[(*v, "8")])
            .expect("credited");
    }
    for v in others.iter().take(3) {
        s.sim
            .hold(Actor::SYSTEM, *v, s.voucher, 1)
            .expect("within the carried cap");
    }
    let head = s.sim.state.head.seq;
    let refused = s
        .sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect_err("the carried cap is spent");
    assert_eq!(refused.code, "budget_exhausted");
    assert_eq!(s.sim.state.head.seq, head, "a refusal appends nothing");
    // The year set without a limit: no carry, no cap.
    s.sim
        .system(Command::SetBankBudget {
            bank: "湖州银行".into(),
            year: year + 1,
            vouchers: None,
            bonus_yuan: None,
            note: "今年不限".into(),
        })
        .expect("set");
    let left = s.sim.state.budget_left("湖州银行", year + 1);
    assert_eq!((left.carried_from, left.vouchers_left), (None, None));
    s.sim
        .hold(Actor::SYSTEM, s.volunteer, s.voucher, 1)
        .expect("no limit this year");
}

#[test]
fn an_amount_in_fractions_of_a_fen_is_refused_and_appends_nothing() {
    let mut s = setup();
    handed_over(&mut s, b"3333").expect("handed over");
    let head = s.sim.state.head.seq;
    let officer = s.officer;
    let today = s.sim.now.local_date();
    let refused = s
        .sim
        .run(
            officer,
            Command::UseVoucher {
                code_digest: Hash::of(b"3333"),
                product: VoucherProduct::Deposit,
                amount_yuan: dec("100.005"),
                used_on: today,
            },
        )
        .expect_err("a thousandth of a yuan");
    assert_eq!(refused.code, "bad_amount");
    assert!(
        refused.detail.contains("two decimals"),
        "{}",
        refused.detail
    );
    assert_eq!(s.sim.state.head.seq, head);
    let budget = s
        .sim
        .system(Command::SetBankBudget {
            bank: "湖州银行".into(),
            year: chrono::Datelike::year(&today),
            vouchers: None,
            bonus_yuan: Some(dec("0.001")),
            note: String::new(),
        })
        .expect_err("a budget in fractions of a fen");
    assert_eq!(budget.code, "bad_amount");
    // Two decimals, or trailing zeros beyond them, are fine.
    s.sim
        .run(
            officer,
            Command::UseVoucher {
                code_digest: Hash::of(b"3333"),
                product: VoucherProduct::Deposit,
                amount_yuan: dec("100.050"),
                used_on: today,
            },
        )
        .expect("fen");
}
