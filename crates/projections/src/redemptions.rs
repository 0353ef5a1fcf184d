//! Redemptions: Held, then exactly one of Fulfilled, Cancelled or Expired.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{
    Actor, Confirmation, RedemptionId, RewardId, StationId, TeamId, Timestamp, VolunteerId,
};

/// Where a redemption stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// Points and stock reserved, waiting at the counter.
    Held,
    /// Handed over; points spent.
    Fulfilled,
    /// Cancelled; points and stock returned.
    Cancelled,
    /// Lapsed; points and stock returned.
    Expired,
    /// Handed over, then its points returned (its rate voucher cancelled unused); the stock
    /// stays out.
    Refunded,
}

impl RedemptionStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RedemptionStatus::Held => "held",
            RedemptionStatus::Fulfilled => "fulfilled",
            RedemptionStatus::Cancelled => "cancelled",
            RedemptionStatus::Expired => "expired",
            RedemptionStatus::Refunded => "refunded",
        }
    }
}

/// The code a volunteer shows to collect a hold, as the log has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PickupCode {
    /// Written out, as holds were recorded before the log kept only a digest
    /// (`RedemptionHeldAt`): still honoured at the counter.
    Written(String),
    /// A digest of it (`RedemptionHeldForPickup`): the code is derived again from the
    /// service's key to show its volunteer, and what a clerk types is digested to compare.
    Digest([u8; 32]),
}

/// A redemption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redemption {
    /// Id.
    pub id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// Their team at the time.
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// What.
    pub reward_id: RewardId,
    /// Units.
    pub quantity: u32,
    /// Price per unit when held.
    pub cost_points: Decimal,
    /// Points reserved / spent.
    pub points: Decimal,
    /// Status.
    pub status: RedemptionStatus,
    /// When held.
    pub held_at: Timestamp,
    /// Who held it.
    pub held_by: Actor,
    /// When the hold lapses.
    pub expires_at: Timestamp,
    /// When it left `Held`.
    pub settled_at: Option<Timestamp>,
    /// Who settled it (the service itself for expiry).
    pub settled_by: Option<Actor>,
    /// Cancellation reason, if any.
    pub reason: Option<String>,
    /// The pickup station ([`StationId::FIRST`] for a hold that named none).
    pub station_id: StationId,
    /// The code the volunteer shows at pickup (`None` for a hold from before codes).
    pub pickup_code: Option<PickupCode>,
    /// How the volunteer confirmed it (`None` for a hold from before confirmations).
    pub confirmation: Option<Confirmation>,
    /// The pickup code shown at the hand-over, when one was.
    pub picked_up_with: Option<String>,
    /// What a unit was worth at the hand-over, yuan (a reward not yet valued: `None`).
    pub unit_value_yuan: Option<Decimal>,
    /// What a unit cost at the last stock receipt before the hand-over, yuan.
    pub unit_cost_yuan: Option<Decimal>,
    /// The supplier at the hand-over.
    pub supplier: String,
    /// When its points went back (a rate voucher cancelled unused), if they did: the money
    /// reports count the hand-over on its own day and the refund on this one, so a period
    /// already reported keeps its figures.
    pub refunded_at: Option<Timestamp>,
}
