//! The e-station catalogue: rewards with their stock.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{RewardId, RewardKind, Timestamp};

/// A reward and its stock. `listed + restocked = stock + held + redeemed` always.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    /// Id.
    pub id: RewardId,
    /// Name.
    pub name: String,
    /// Product or voucher.
    pub kind: RewardKind,
    /// Current price per unit.
    pub cost_points: Decimal,
    /// Units free to redeem.
    pub stock: u32,
    /// Units reserved by held redemptions.
    pub held: u32,
    /// Units handed over.
    pub redeemed: u32,
    /// Units ever put in (initial stock plus restocks).
    pub supplied: u64,
    /// Withdrawn from the catalogue (existing holds can still be settled).
    pub retired: bool,
    /// When listed.
    pub listed_at: Timestamp,
    /// What one unit is worth, yuan (once valued).
    pub unit_value_yuan: Option<Decimal>,
    /// Who supplies it.
    pub supplier: String,
    /// What a unit cost at the last stock receipt, yuan.
    pub unit_cost_yuan: Option<Decimal>,
}
