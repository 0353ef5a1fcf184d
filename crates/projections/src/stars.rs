//! Star levels from cumulative net service hours (the national registered-volunteer scale).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Hours needed for 1 to 5 stars.
pub const STAR_THRESHOLDS_HOURS: [u32; 5] = [100, 300, 600, 1000, 1500];

/// 0 (not yet a star) to 5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StarLevel(pub u8);

impl StarLevel {
    /// The level earned by `net_hours` (service minus reversals).
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yinling_projections::stars::StarLevel;
    /// assert_eq!(StarLevel::for_hours(Decimal::from(99)), StarLevel(0));
    /// assert_eq!(StarLevel::for_hours(Decimal::from(100)), StarLevel(1));
    /// assert_eq!(StarLevel::for_hours(Decimal::from(1500)), StarLevel(5));
    /// ```
    pub fn for_hours(net_hours: Decimal) -> Self {
        let stars = STAR_THRESHOLDS_HOURS
            .iter()
            .take_while(|t| net_hours >= Decimal::from(**t))
            .count();
        StarLevel(stars as u8)
    }

    /// Hours still missing for the next star, `None` at five stars.
    pub fn hours_to_next(net_hours: Decimal) -> Option<Decimal> {
        STAR_THRESHOLDS_HOURS
            .iter()
            .map(|t| Decimal::from(*t))
            .find(|t| net_hours < *t)
            .map(|t| t - net_hours)
    }
}
