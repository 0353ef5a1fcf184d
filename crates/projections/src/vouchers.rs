//! Bank rate vouchers from hand-over to use at the bank, and each bank's yearly budget.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{Hash, RedemptionId, RewardId, Timestamp, VolunteerId, VoucherProduct};

use crate::shards::Shards;

/// The rate bonus a use of `amount_yuan` at `basis_points` earns, in yuan to the fen: what the
/// use records and what the bank's officer is shown to confirm before it is recorded.
pub fn bonus_yuan(amount_yuan: Decimal, basis_points: u32) -> Decimal {
    (amount_yuan * Decimal::from(basis_points) / crate::limits::BASIS_POINTS_PER_UNIT)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Where a voucher stands, as the bank is told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// The bank may take it.
    Valid,
    /// The bank took it.
    Used,
    /// Cancelled; the bank may not take it.
    Cancelled,
    /// Past its last day.
    Expired,
}

impl VoucherStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Valid => "valid",
            VoucherStatus::Used => "used",
            VoucherStatus::Cancelled => "cancelled",
            VoucherStatus::Expired => "expired",
        }
    }
}

/// How a voucher was used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherUse {
    /// Deposit or loan.
    pub product: VoucherProduct,
    /// The amount, yuan.
    pub amount_yuan: Decimal,
    /// The rate bonus's value for a year, yuan.
    pub bonus_yuan: Decimal,
    /// The day.
    pub used_on: NaiveDate,
    /// When recorded.
    pub at: Timestamp,
}

/// One voucher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// Its redemption.
    pub redemption_id: RedemptionId,
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The voucher reward.
    pub reward_id: RewardId,
    /// The bank.
    pub bank: String,
    /// The rate bonus, basis points.
    pub basis_points: u32,
    /// The digest its code is found by: the keyed digest [`VoucherHandedOver`] records, or
    /// the code's SHA-256 for a voucher recorded by [`VoucherIssued`], from before.
    ///
    /// [`VoucherHandedOver`]: yinling_ledger::VoucherHandedOver
    /// [`VoucherIssued`]: yinling_ledger::VoucherIssued
    pub code_digest: Hash,
    /// When handed over.
    pub issued_at: Timestamp,
    /// The seq of the event that issued it (what a proof of the voucher proves).
    pub issued_seq: u64,
    /// The day it was handed over (the ledger's calendar).
    pub issued_on: NaiveDate,
    /// The last day the bank takes it.
    pub expires_on: NaiveDate,
    /// Its use, once used.
    pub used: Option<VoucherUse>,
    /// Cancelled, with the reason.
    pub cancelled: Option<String>,
    /// The day it was cancelled.
    pub cancelled_on: Option<NaiveDate>,
    /// Every refusal at the bank, oldest first: when and why.
    pub refusals: Vec<(Timestamp, String)>,
}

impl Voucher {
    /// Where it stands on `today`.
    pub fn status(&self, today: NaiveDate) -> VoucherStatus {
        if self.used.is_some() {
            VoucherStatus::Used
        } else if self.cancelled.is_some() {
            VoucherStatus::Cancelled
        } else if today > self.expires_on {
            VoucherStatus::Expired
        } else {
            VoucherStatus::Valid
        }
    }
}

/// A bank's budget for one year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Vouchers it will issue (`None`: no limit).
    pub vouchers: Option<u32>,
    /// Rate bonus yuan it will honour (`None`: no limit).
    pub bonus_yuan: Option<Decimal>,
    /// Why, as last set.
    pub note: String,
}

/// Every voucher, findable by its code's digest; every bank's budgets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vouchers {
    /// By redemption, in tables a snapshot's clone shares ([`Shards`]).
    pub by_redemption: Shards<RedemptionId, Voucher>,
    /// Redemption by the digest of its code (keyed or, for the oldest, SHA-256).
    pub by_code: Shards<Hash, RedemptionId>,
    /// Budgets by (bank, year).
    pub budgets: BTreeMap<(String, i32), Budget>,
}

/// What a bank's budget for a year has left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLeft {
    /// The budget, if one holds (set for the year, or carried).
    pub budget: Option<Budget>,
    /// The earlier year whose budget is carried into this one, none being set for it.
    pub carried_from: Option<i32>,
    /// Vouchers issued that year (cancelled ones do not count).
    pub issued: u32,
    /// Rate bonus yuan used that year.
    pub bonus_used: Decimal,
    /// Vouchers left (`None`: no limit).
    pub vouchers_left: Option<u32>,
    /// Bonus yuan left (`None`: no limit).
    pub bonus_left: Option<Decimal>,
}

impl Vouchers {
    /// A voucher handed over: kept by its redemption, found by its code's digest.
    pub(crate) fn put(&mut self, voucher: Voucher) {
        self.by_code
            .insert(voucher.code_digest, voucher.redemption_id);
        self.by_redemption.insert(voucher.redemption_id, voucher);
    }

    /// The voucher whose code has this digest (see [`Voucher::code_digest`]).
    pub fn by_code(&self, code_digest: &Hash) -> Option<&Voucher> {
        self.by_code
            .get(code_digest)
            .and_then(|r| self.by_redemption.get(r))
    }

    /// The budget that holds for a bank in `year`: the one set for that year, or else the
    /// latest set for a year before it, with that year (`Some(earlier)`). A bank that capped
    /// 2026 is not left without a cap on the first of January because nobody set 2027 yet;
    /// an administrator who wants no limit says so by setting the year without one.
    pub fn budget_for(&self, bank: &str, year: i32) -> Option<(Budget, Option<i32>)> {
        if let Some(b) = self.budgets.get(&(bank.to_owned(), year)) {
            return Some((b.clone(), None));
        }
        self.budgets
            .range((bank.to_owned(), i32::MIN)..(bank.to_owned(), year))
            .next_back()
            .map(|((_, earlier), b)| (b.clone(), Some(*earlier)))
    }

    /// What a bank's budget for `year` has left ([`Vouchers::budget_for`]: set for the year
    /// or carried from the latest before it); `waiting` more vouchers are counted as issued
    /// (holds not yet handed over).
    pub fn left(&self, bank: &str, year: i32, waiting: u32) -> BudgetLeft {
        let (budget, carried_from) = match self.budget_for(bank, year) {
            Some((b, from)) => (Some(b), from),
            None => (None, None),
        };
        let mut issued = waiting;
        let mut bonus_used = Decimal::ZERO;
        for v in self.by_redemption.values().filter(|v| v.bank == bank) {
            if v.issued_on.year() == year && v.cancelled.is_none() {
                issued += 1;
            }
            if let Some(u) = v.used.as_ref().filter(|u| u.used_on.year() == year) {
                bonus_used += u.bonus_yuan;
            }
        }
        BudgetLeft::of(budget, carried_from, issued, bonus_used)
    }
}

impl BudgetLeft {
    /// What `budget` leaves once `issued` vouchers and `bonus_used` yuan are counted.
    pub fn of(
        budget: Option<Budget>,
        carried_from: Option<i32>,
        issued: u32,
        bonus_used: Decimal,
    ) -> BudgetLeft {
        let vouchers_left = budget
            .as_ref()
            .and_then(|b| b.vouchers)
            .map(|n| n.saturating_sub(issued));
        let bonus_left = budget
            .as_ref()
            .and_then(|b| b.bonus_yuan)
            .map(|n| (n - bonus_used).max(Decimal::ZERO));
        BudgetLeft {
            budget,
            carried_from,
            issued,
            bonus_used,
            vouchers_left,
            bonus_left,
        }
    }
}
