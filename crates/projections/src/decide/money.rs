//! Decisions about the money side: a voucher's use or refusal at the bank and its
//! cancellation, the banks' budgets (and the check a voucher's hold makes against them),
//! rewards' values and suppliers, stock receipts with their cost.

use chrono::Datelike;
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::limits::*;
use crate::principal::Principal;
use crate::redemptions::RedemptionStatus;
use crate::rejection::Rejection;
use crate::state::State;
use crate::vouchers::{Voucher, VoucherStatus};

/// The voucher a presented code hashes to, if the caller's bank may see it: another bank's
/// voucher is as unknown as no voucher, so codes cannot be probed across banks.
fn presented<'a>(
    state: &'a State,
    who: &Principal,
    code_digest: &Hash,
) -> Result<&'a Voucher, Rejection> {
    let unknown = || {
        match who {
        // An officer whose token names a bank no rate voucher on the catalogue names (a
        // spelling of its own, "ICBC" for 工商银行) would be told every code is unknown.
        Principal::BankOfficer(_, bank) if !names_a_voucher(state, bank) => Rejection::not_found(
            "unknown_voucher",
            format!(
                "no rate voucher on the catalogue is of the bank your token names, {bank:?}; the banks named are {}: ask an administrator to issue you a token for your bank as the catalogue names it",
                state.voucher_banks().join(", ")
            ),
        ),
        _ => Rejection::not_found(
            "unknown_voucher",
            "no voucher of your bank has this code; check the digits against the volunteer's voucher",
        ),
    }
    };
    let v = state.vouchers.by_code(code_digest).ok_or_else(unknown)?;
    match who {
        Principal::BankOfficer(_, bank) if **bank != *v.bank => Err(unknown()),
        _ => Ok(v),
    }
}

/// Whether some rate voucher on the catalogue is of `bank`.
fn names_a_voucher(state: &State, bank: &str) -> bool {
    state
        .rewards
        .values()
        .any(|r| matches!(&r.kind, RewardKind::RateVoucher { bank: b, .. } if b == bank))
}

/// Why a voucher cannot be taken today, in words.
fn not_valid(v: &Voucher, status: VoucherStatus) -> Rejection {
    let detail = match status {
        VoucherStatus::Used => format!(
            "this voucher was already used{}",
            v.used
                .as_ref()
                .map(|u| format!(" on {}", u.used_on))
                .unwrap_or_default()
        ),
        VoucherStatus::Cancelled => format!(
            "this voucher was cancelled: {}",
            v.cancelled.clone().unwrap_or_default()
        ),
        VoucherStatus::Expired => format!("this voucher expired on {}", v.expires_on),
        VoucherStatus::Valid => "this voucher is valid".to_owned(),
    };
    Rejection::conflict(
        match status {
            VoucherStatus::Used => "voucher_used",
            VoucherStatus::Cancelled => "voucher_cancelled",
            VoucherStatus::Expired => "voucher_expired",
            VoucherStatus::Valid => "voucher_valid",
        },
        detail,
    )
}

/// What the bank's use of a voucher asks for.
pub(super) struct Use {
    pub(super) code_digest: Hash,
    pub(super) product: VoucherProduct,
    pub(super) amount_yuan: Decimal,
    pub(super) used_on: chrono::NaiveDate,
}

/// The bank takes a valid voucher, within its yuan budget for the year.
pub(super) fn use_voucher(
    state: &State,
    who: &Principal,
    context: &Context,
    u: Use,
) -> Result<Vec<Commit>, Rejection> {
    if !matches!(who, Principal::BankOfficer(..)) {
        access::may_write(who, &Write::UseVoucher(""))?;
    }
    // In fen at most: a page shows an amount to two decimals, and 100.005 recorded as
    // typed would read 100.00 on one page and 100.01 in a spreadsheet.
    if u.amount_yuan <= Decimal::ZERO
        || u.amount_yuan > MAX_VOUCHER_AMOUNT_YUAN
        || u.amount_yuan.normalize().scale() > YUAN_DECIMAL_PLACES
    {
        return Err(Rejection::invalid(
            "bad_amount",
            format!(
                "amount_yuan is more than 0 and at most {MAX_VOUCHER_AMOUNT_YUAN} yuan, with at most two decimals (fen), got {}",
                u.amount_yuan
            ),
        ));
    }
    let today = state.policies.date_of(context.now);
    let v = presented(state, who, &u.code_digest)?;
    access::may_write(who, &Write::UseVoucher(&v.bank))?;
    if u.used_on > today || u.used_on < v.issued_on {
        return Err(Rejection::invalid(
            "bad_date",
            format!(
                "used_on is between the day it was handed over ({}) and today ({today}), got {}",
                v.issued_on, u.used_on
            ),
        ));
    }
    let status = v.status(u.used_on);
    if status != VoucherStatus::Valid {
        return Err(not_valid(v, status));
    }
    if (today - v.expires_on).num_days() > VOUCHER_LATE_RECORD_DAYS {
        return Err(Rejection::conflict(
            "voucher_expired",
            format!(
                "this voucher's last day was {}; a use on a day it was valid is recorded within {VOUCHER_LATE_RECORD_DAYS} days of it, not later",
                v.expires_on
            ),
        ));
    }
    let bonus_yuan = crate::vouchers::bonus_yuan(u.amount_yuan, v.basis_points);
    let left = state.vouchers.left(&v.bank, u.used_on.year(), 0);
    if let Some(room) = left.bonus_left.filter(|room| bonus_yuan > *room) {
        return Err(Rejection::conflict(
            "budget_exhausted",
            format!(
                "{}'s rate bonus budget for {} has {} yuan left; this use needs {bonus_yuan}",
                v.bank,
                u.used_on.year(),
                room.normalize()
            ),
        ));
    }
    Ok(vec![Commit::any(
        v.redemption_id.stream(),
        vec![Event::VoucherUsed(VoucherUsed {
            redemption_id: v.redemption_id,
            bank: v.bank.clone(),
            product: u.product,
            amount_yuan: u.amount_yuan.normalize(),
            bonus_yuan,
            used_on: u.used_on,
        })],
    )])
}

/// The bank refuses a valid voucher with a reason; it stays valid.
pub(super) fn refuse_voucher(
    state: &State,
    who: &Principal,
    context: &Context,
    code_digest: &Hash,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    if !matches!(who, Principal::BankOfficer(..)) {
        access::may_write(who, &Write::UseVoucher(""))?;
    }
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    let v = presented(state, who, code_digest)?;
    access::may_write(who, &Write::UseVoucher(&v.bank))?;
    let status = v.status(state.policies.date_of(context.now));
    if status != VoucherStatus::Valid {
        return Err(not_valid(v, status));
    }
    Ok(vec![Commit::any(
        v.redemption_id.stream(),
        vec![Event::VoucherRefused(VoucherRefused {
            redemption_id: v.redemption_id,
            bank: v.bank.clone(),
            reason,
        })],
    )])
}

/// An administrator cancels a voucher not yet used, the points it cost returned to the
/// volunteer or not.
pub(super) fn cancel_voucher(
    state: &State,
    who: &Principal,
    redemption_id: &RedemptionId,
    reason: &str,
    return_points: bool,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("cancel vouchers"))?;
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    let v = state
        .vouchers
        .by_redemption
        .get(redemption_id)
        .ok_or_else(|| {
            Rejection::not_found(
                "voucher_not_found",
                format!("redemption {redemption_id} has no voucher"),
            )
        })?;
    // Already cancelled: only its points may still go back (a voucher cancelled before
    // points could be returned, or without them), once.
    let already = v.cancelled.is_some() && v.used.is_none() && return_points;
    if (v.used.is_some() || v.cancelled.is_some()) && !already {
        return Err(not_valid(
            v,
            if v.used.is_some() {
                VoucherStatus::Used
            } else {
                VoucherStatus::Cancelled
            },
        ));
    }
    let mut events = Vec::with_capacity(2);
    if !already {
        events.push(Event::VoucherCancelled(VoucherCancelled {
            redemption_id: *redemption_id,
            reason: reason.clone(),
        }));
    }
    if return_points {
        let r = checks::redemption(state, redemption_id)?;
        // Only what the hand-over spent, once: a voucher is issued at a hand-over, and a
        // redemption refunded is no longer fulfilled.
        if r.status != RedemptionStatus::Fulfilled {
            return Err(Rejection::conflict(
                "not_handed_over",
                format!(
                    "redemption {redemption_id} is {}, not handed over: there are no spent points to return",
                    r.status.as_str()
                ),
            ));
        }
        events.push(Event::RedemptionRefunded(RedemptionRefunded {
            redemption_id: *redemption_id,
            volunteer_id: r.volunteer_id,
            points: r.points,
            reason,
        }));
    }
    Ok(vec![Commit::any(redemption_id.stream(), events)])
}

/// A bank's budget for a year.
pub(super) fn set_budget(
    state: &State,
    who: &Principal,
    bank: &str,
    year: i32,
    vouchers: Option<u32>,
    bonus_yuan: Option<Decimal>,
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("set the banks' budgets"))?;
    let bank = text("bank", bank, MAX_NAME_CHARS)?;
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    if !BUDGET_YEARS.contains(&year) {
        return Err(Rejection::invalid(
            "bad_year",
            format!(
                "year is between {} and {}, got {year}",
                BUDGET_YEARS.start(),
                BUDGET_YEARS.end()
            ),
        ));
    }
    if let Some(b) = bonus_yuan.filter(|b| {
        *b < Decimal::ZERO
            || *b > MAX_VOUCHER_AMOUNT_YUAN
            || b.normalize().scale() > YUAN_DECIMAL_PLACES
    }) {
        return Err(Rejection::invalid(
            "bad_amount",
            format!(
                "bonus_yuan is 0 to {MAX_VOUCHER_AMOUNT_YUAN} yuan, with at most two decimals (fen), got {b}"
            ),
        ));
    }
    // A budget limits the vouchers of the bank named exactly as the catalogue names it: one
    // set under another spelling (湖州银行股份有限公司 for 湖州银行) would limit nothing, and
    // the bank's vouchers would go on being issued past what it agreed to pay for.
    if !names_a_voucher(state, &bank) {
        let named = state.voucher_banks();
        let detail = if named.is_empty() {
            format!(
                "no rate voucher on the catalogue is of a bank named {bank:?}, and the catalogue \
                 has no rate voucher yet: add the bank's voucher first, then its budget"
            )
        } else {
            format!(
                "no rate voucher on the catalogue is of a bank named {bank:?}; the banks named \
                 are {}: a budget only limits the vouchers of a bank spelled as the catalogue \
                 spells it",
                named.join(", ")
            )
        };
        return Err(Rejection::not_found("bank_not_found", detail));
    }
    Ok(vec![Commit::any(
        StreamId::policies(),
        vec![Event::BankBudgetSet(BankBudgetSet {
            bank,
            year,
            vouchers,
            bonus_yuan: bonus_yuan.map(|b| b.normalize()),
            note,
        })],
    )])
}

/// A unit's value or cost in yuan, in range (`12.500` is 12.5: trailing zeros are not
/// decimals).
fn yuan(field: &str, value: Decimal) -> Result<Decimal, Rejection> {
    let value = value.normalize();
    if value < Decimal::ZERO || value > MAX_UNIT_YUAN || value.scale() > YUAN_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_yuan",
            format!("{field} is 0 to {MAX_UNIT_YUAN} yuan with at most two decimals, got {value}"),
        ));
    }
    Ok(value)
}

/// A reward's value and supplier.
pub(super) fn value_reward(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    unit_value_yuan: Decimal,
    supplier: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("value rewards"))?;
    let unit_value_yuan = yuan("unit_value_yuan", unit_value_yuan)?;
    let supplier = text("supplier", supplier, MAX_NAME_CHARS)?;
    checks::reward(state, reward_id)?;
    Ok(vec![Commit::any(
        reward_id.stream(),
        vec![Event::RewardValued(RewardValued {
            reward_id: *reward_id,
            unit_value_yuan,
            supplier,
        })],
    )])
}

/// A stock receipt: the restock, then what each unit cost.
pub(super) fn receive_stock(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    (station, quantity): (Option<StationId>, u32),
    unit_cost_yuan: Decimal,
    supplier: &str,
) -> Result<Vec<Commit>, Rejection> {
    let unit_cost_yuan = yuan("unit_cost_yuan", unit_cost_yuan)?;
    let supplier = text("supplier", supplier, MAX_NAME_CHARS)?;
    let station_id = super::stations::station_of(who, station);
    let mut commits = super::stations::restock(state, who, reward_id, quantity, station)?;
    if let Some(commit) = commits.first_mut() {
        commit.events.push(Event::StockCosted(StockCosted {
            reward_id: *reward_id,
            station_id,
            quantity,
            unit_cost_yuan,
            supplier,
        }));
    }
    Ok(commits)
}

/// A rate voucher's hold is refused when its bank's budget for the year is spent: the
/// vouchers issued and those waiting at a counter count against it.
pub(super) fn within_budget(state: &State, context: &Context, bank: &str) -> Result<(), Rejection> {
    let year = state.policies.date_of(context.now).year();
    let left = state.budget_left(bank, year);
    if left.vouchers_left == Some(0) {
        return Err(Rejection::conflict(
            "budget_exhausted",
            format!(
                "{bank}'s rate vouchers for {year} are all given out; please choose another reward"
            ),
        ));
    }
    if left.bonus_left.is_some_and(|b| b.is_zero()) {
        return Err(Rejection::conflict(
            "budget_exhausted",
            format!("{bank}'s rate bonus budget for {year} is spent; please choose another reward"),
        ));
    }
    Ok(())
}

/// The voucher a rate voucher's hand-over issues, valid for the policy's days.
pub(super) fn issue(
    state: &State,
    context: &Context,
    redemption: &crate::redemptions::Redemption,
    (bank, basis_points): (&str, u32),
    code_digest: Option<Hash>,
) -> Result<Event, Rejection> {
    let Some(code_digest) = code_digest else {
        return Err(Rejection::invalid(
            "voucher_code_needed",
            "a rate voucher is handed over with its code",
        ));
    };
    if state.vouchers.by_code.contains_key(&code_digest) {
        return Err(Rejection::conflict(
            "duplicate_voucher_code",
            "this voucher code is already in use",
        ));
    }
    let today = state.policies.date_of(context.now);
    // The budget is the year's a voucher is issued in: a hold made within last year's and
    // handed over in the new year counts against the new year's, and is refused at the
    // counter once that is spent (the hold stays; cancelled, it gives the points back).
    let year = today.year();
    let left = state.vouchers.left(bank, year, 0);
    if left.vouchers_left == Some(0) {
        return Err(Rejection::conflict(
            "budget_exhausted",
            format!(
                "{bank}'s rate vouchers for {year} are all given out ({} issued): this hold cannot be handed over; cancel it to give the points back",
                left.issued
            ),
        ));
    }
    let expires_on = today
        .checked_add_days(chrono::Days::new(u64::from(
            state.policies.voucher_validity_days(),
        )))
        .unwrap_or(today);
    Ok(Event::VoucherHandedOver(VoucherHandedOver {
        redemption_id: redemption.id,
        volunteer_id: redemption.volunteer_id,
        reward_id: redemption.reward_id,
        bank: bank.to_owned(),
        basis_points,
        code_digest,
        expires_on,
    }))
}
