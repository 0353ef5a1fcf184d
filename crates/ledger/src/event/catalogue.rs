//! The e-station: rewards and their stock, and redemptions from hold to hand-over,
//! cancellation or expiry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{RedemptionId, RewardId, StationId, TeamId, VolunteerId};
use crate::time::Timestamp;

/// What an e-station reward is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// A farm product from a partner region (e.g. tea from 松阳县).
    Product {
        /// Where it comes from.
        origin: String,
    },
    /// A preferential deposit or loan rate at a partner bank.
    RateVoucher {
        /// The bank that honours it.
        bank: String,
        /// The rate bonus in basis points (1/100 of a percent).
        basis_points: u32,
    },
}

/// A reward was added to the e-station catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardListed {
    /// The new reward.
    pub reward_id: RewardId,
    /// Its name, e.g. 松阳银猴茶 250g.
    pub name: String,
    /// Product or rate voucher.
    pub kind: RewardKind,
    /// Points per unit, > 0.
    #[serde(with = "crate::amount::bounded")]
    pub cost_points: Decimal,
    /// Units in stock.
    pub stock: u32,
}

/// Units were added to a reward's stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRestocked {
    /// The reward.
    pub reward_id: RewardId,
    /// Units added.
    pub quantity: u32,
    /// Stock after the addition (free, not counting held units).
    pub stock_after: u32,
}

/// A reward's price changed; existing holds keep their price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRepriced {
    /// The reward.
    pub reward_id: RewardId,
    /// The old price per unit.
    #[serde(with = "crate::amount::bounded")]
    pub cost_points_before: Decimal,
    /// The new price per unit.
    #[serde(with = "crate::amount::bounded")]
    pub cost_points: Decimal,
}

/// A reward was withdrawn from the catalogue; holds already made can still be settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRetired {
    /// The reward.
    pub reward_id: RewardId,
}

/// Points and stock were reserved for a volunteer's redemption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionHeld {
    /// The new redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// Their team at the time (for per-team redemption statistics).
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// What is redeemed.
    pub reward_id: RewardId,
    /// How many units.
    pub quantity: u32,
    /// Price per unit at the time.
    #[serde(with = "crate::amount::bounded")]
    pub cost_points: Decimal,
    /// Points reserved: `cost_points * quantity`.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// When the hold lapses if not settled.
    pub expires_at: Timestamp,
}

/// A held redemption was handed over at the counter: the points are spent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionFulfilled {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// What was handed over.
    pub reward_id: RewardId,
    /// How many units.
    pub quantity: u32,
    /// Points spent.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
}

/// A held redemption was cancelled: points and stock return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionCancelled {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// The reward whose stock returns.
    pub reward_id: RewardId,
    /// Units returned to stock.
    pub quantity: u32,
    /// Points returned to the volunteer.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// Why, if given.
    pub reason: String,
}

/// A held redemption lapsed after its time to live: points and stock return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionExpired {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// The reward whose stock returns.
    pub reward_id: RewardId,
    /// Units returned to stock.
    pub quantity: u32,
    /// Points returned to the volunteer.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
}

/// An e-station opened: a counter with its own stock of each reward. Stock listed or
/// restocked without a station, and holds without one, are at [`StationId::FIRST`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationOpened {
    /// The new station.
    pub station_id: StationId,
    /// Its name, e.g. 南浔 e站.
    pub name: String,
    /// The district or county it is in.
    pub district: String,
    /// Where it is, for people to find it.
    pub address: String,
    /// When it is open, in words, e.g. 周一至周五 9:00-16:00.
    pub opening_hours: String,
}

/// Units of a reward were added to one station's stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationStocked {
    /// The station.
    pub station_id: StationId,
    /// The reward.
    pub reward_id: RewardId,
    /// Units added.
    pub quantity: u32,
    /// The station's free stock of the reward after the addition.
    pub stock_after: u32,
}

/// Free units of a reward taken off one station's shelf without being redeemed: damaged,
/// spoiled or lost, or a restock found short when counted (entered as 100 for 10). The
/// shelf's count is corrected by a new event, never by editing the restock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockWrittenOff {
    /// The station.
    pub station_id: StationId,
    /// The reward.
    pub reward_id: RewardId,
    /// Units taken off.
    pub quantity: u32,
    /// Why, in the clerk's words.
    pub reason: String,
    /// The station's free stock of the reward after it.
    pub stock_after: u32,
}

/// Free units of a reward moved from one station to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTransferred {
    /// The reward.
    pub reward_id: RewardId,
    /// Where the units left.
    pub from_station: StationId,
    /// Where they arrived.
    pub to_station: StationId,
    /// How many.
    pub quantity: u32,
    /// Why, if given (e.g. 松阳茶 到货分拨).
    pub note: String,
}

/// How a volunteer confirmed a redemption made for them at the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// They made it themself (phone or web app).
    Themself,
    /// The clerk scanned their points card.
    CardScan,
    /// They typed their PIN at the counter.
    Pin,
    /// Someone on the staff redeemed for them without a counter confirmation.
    Staff,
}

/// A hold for pickup at one station: the hold itself, where it is picked up, the code the
/// volunteer shows there, and how they confirmed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionHeldAt {
    /// Points and stock reserved, as a hold without a station records them.
    pub held: RedemptionHeld,
    /// The pickup station (its stock is the one reserved).
    pub station_id: StationId,
    /// Six digits the volunteer shows at pickup.
    pub pickup_code: String,
    /// How the volunteer confirmed it.
    pub confirmation: Confirmation,
}

/// A hold for pickup at one station, as [`RedemptionHeldAt`] records it but without the code
/// written out: the log is read by auditors and copied to anyone who checks it, and a waiting
/// hold's six digits are what a counter hands its reward over for. The log keeps a keyed
/// digest of them; the service derives the code again from its mint key to show the volunteer.
/// Every hold since this event was added is recorded this way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionHeldForPickup {
    /// Points and stock reserved, as a hold without a station records them.
    pub held: RedemptionHeld,
    /// The pickup station (its stock is the one reserved).
    pub station_id: StationId,
    /// HMAC-SHA256 under the service's mint key of "pickup-digest", the redemption's id and
    /// the six digits: a reader of the log cannot try the million codes against it.
    #[serde(with = "crate::digest::bytes32")]
    pub pickup_code_digest: [u8; 32],
    /// How the volunteer confirmed it.
    pub confirmation: Confirmation,
}

/// The hand-over of a hold at a station, with the pickup code shown; follows its
/// [`RedemptionFulfilled`] in the same commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionPickedUp {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Where it was handed over.
    pub station_id: StationId,
    /// The pickup code that was shown: empty if the hold had none, or if the volunteer's own
    /// points card was scanned instead (a slip lost), which the hand-over checked.
    pub pickup_code: String,
}
