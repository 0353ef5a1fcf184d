//! The money side: bank rate vouchers from issue to use at the bank, each bank's voucher
//! budget, what each reward is worth in yuan and who supplies it, and what stock cost.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::digest::Hash;
use crate::ids::{RedemptionId, RewardId, StationId, VolunteerId};

/// What a rate voucher was used for at the bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherProduct {
    /// A deposit at the preferential rate.
    Deposit,
    /// A loan at the preferential rate.
    Loan,
}

/// A rate voucher was handed over: its code is bound to the volunteer. Only the code's
/// SHA-256 is recorded (the code is derived from the mint key and the redemption id, so
/// whoever reads the log cannot use a voucher).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherIssued {
    /// The redemption it was handed over for.
    pub redemption_id: RedemptionId,
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The voucher reward.
    pub reward_id: RewardId,
    /// The bank that honours it.
    pub bank: String,
    /// Its rate bonus, basis points.
    pub basis_points: u32,
    /// SHA-256 of the code.
    pub code_sha256: Hash,
    /// The last day the bank takes it.
    #[serde(with = "super::dates")]
    pub expires_on: NaiveDate,
}

/// A rate voucher was handed over, as [`VoucherIssued`] records it but with a keyed digest of
/// its code instead of the code's SHA-256. A code is fifteen digits and a check digit, and the
/// log is read by auditors and copied to whoever checks it: against a plain SHA-256, every
/// voucher in the log can be tried at once, a billion codes a second on one graphics card, and
/// a code found is a rate bonus at the bank. The keyed digest cannot be tried without the
/// service's mint key. Every voucher since this event was added is recorded this way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherHandedOver {
    /// The redemption it was handed over for.
    pub redemption_id: RedemptionId,
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The voucher reward.
    pub reward_id: RewardId,
    /// The bank that honours it.
    pub bank: String,
    /// Its rate bonus, basis points.
    pub basis_points: u32,
    /// HMAC-SHA256 under the service's mint key of "voucher-digest" and the sixteen digits:
    /// what a typed code is looked up by.
    pub code_digest: Hash,
    /// The last day the bank takes it.
    #[serde(with = "super::dates")]
    pub expires_on: NaiveDate,
}

/// The bank took a voucher: for which product, how much, on which day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherUsed {
    /// The voucher's redemption.
    pub redemption_id: RedemptionId,
    /// The bank.
    pub bank: String,
    /// Deposit or loan.
    pub product: VoucherProduct,
    /// The deposit or loan amount, yuan.
    #[serde(with = "crate::amount::bounded")]
    pub amount_yuan: Decimal,
    /// The rate bonus's value for a year on that amount, yuan (amount × basis points /
    /// 10,000), which the bank's yuan budget counts.
    #[serde(with = "crate::amount::bounded")]
    pub bonus_yuan: Decimal,
    /// The day it was used.
    #[serde(with = "super::dates")]
    pub used_on: NaiveDate,
}

/// The bank refused a voucher, with a reason; it stays valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherRefused {
    /// The voucher's redemption.
    pub redemption_id: RedemptionId,
    /// The bank.
    pub bank: String,
    /// Why, in words the volunteer can act on.
    pub reason: String,
}

/// A voucher was cancelled (lost, issued in error); it can no longer be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherCancelled {
    /// The voucher's redemption.
    pub redemption_id: RedemptionId,
    /// Why.
    pub reason: String,
}

/// The points a handed-over redemption spent go back to its volunteer: its rate voucher was
/// cancelled unused (lost, issued in error), and the volunteer redeems again with them. The
/// redemption stays on record, refunded; nothing returns to stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionRefunded {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// Points returned, as the redemption spent them.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// Why.
    pub reason: String,
}

/// A bank's voucher budget for a calendar year: how many vouchers, and how many yuan of
/// rate bonus (amount × basis points over a year) it will honour. `None`: no limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankBudgetSet {
    /// The bank, as its vouchers name it.
    pub bank: String,
    /// The year.
    pub year: i32,
    /// Vouchers it will issue that year.
    pub vouchers: Option<u32>,
    /// Rate bonus yuan it will honour that year.
    #[serde(with = "crate::amount::bounded::option")]
    pub bonus_yuan: Option<Decimal>,
    /// Why.
    pub note: String,
}

/// A reward's money value and supplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardValued {
    /// The reward.
    pub reward_id: RewardId,
    /// What one unit is worth, yuan.
    #[serde(with = "crate::amount::bounded")]
    pub unit_value_yuan: Decimal,
    /// Who supplies it (a cooperative, a bank).
    pub supplier: String,
}

/// A stock receipt's cost: follows the restock (or listing) it prices, in the same commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCosted {
    /// The reward.
    pub reward_id: RewardId,
    /// The station that received it.
    pub station_id: StationId,
    /// Units received.
    pub quantity: u32,
    /// What each cost, yuan.
    #[serde(with = "crate::amount::bounded")]
    pub unit_cost_yuan: Decimal,
    /// Who delivered them.
    pub supplier: String,
}
