//! The star scale as policy: versions of the thresholds, and each volunteer's stars as facts
//! appended when they happen (reached, confirmed after review and public notice, withdrawn
//! when the hours behind them are taken back). A later scale change shows as new events,
//! never as a rewritten past.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::VolunteerId;

/// A version of the star scale was adopted: the net hours each star needs, and whether a
/// star reached waits for an administrator's confirmation (星级认定 with 公示).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarScaleAdopted {
    /// 1 for the first version, then one more each time.
    pub version: u32,
    /// Net hours for one star, two stars, ... (strictly increasing).
    #[serde(with = "crate::amount::bounded::vec")]
    pub thresholds_hours: Vec<Decimal>,
    /// Whether a star reached under it waits for confirmation before it counts.
    pub review: bool,
    /// What changed and why.
    pub note: String,
}

/// A volunteer's net hours crossed a threshold of the scale in force (or a new scale put
/// them past one): the level reached, the hours it needs and the hours they had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarReached {
    /// Who.
    pub volunteer_id: VolunteerId,
    /// The level reached (1 = one star).
    pub level: u8,
    /// The net hours that level needs under the scale that awarded it.
    #[serde(with = "crate::amount::bounded")]
    pub threshold_hours: Decimal,
    /// Their net hours when they reached it.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// The scale version that awarded it.
    pub scale_version: u32,
    /// Whether it waits for an administrator's confirmation (it counts once confirmed).
    pub awaiting_review: bool,
}

/// An administrator confirmed a star that was waiting for review, after its public notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarConfirmed {
    /// Who.
    pub volunteer_id: VolunteerId,
    /// The level confirmed.
    pub level: u8,
    /// The review's note, e.g. when and where it was publicly shown.
    pub note: String,
}

/// Hours behind a star were taken back (a reversal or a correction): the volunteer's stars
/// now stand at `level`; a star waiting for review above it lapses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarWithdrawn {
    /// Who.
    pub volunteer_id: VolunteerId,
    /// The level they now hold (0 = none).
    pub level: u8,
    /// The net hours that level needs (0 for none).
    #[serde(with = "crate::amount::bounded")]
    pub threshold_hours: Decimal,
    /// Their net hours now.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// What took the hours back.
    pub reason: String,
}
