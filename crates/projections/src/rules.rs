//! The point rules: points per hour, per category, with their version history.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{Category, RulesChanged, Timestamp};

use crate::limits::DEFAULT_POINTS_PER_HOUR;

/// The rules in force, and when each version took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Current version (0 = the built-in default).
    pub version: u32,
    /// Rate of categories without their own.
    pub default_points_per_hour: Decimal,
    /// Per-category rates.
    pub rates: BTreeMap<Category, Decimal>,
    /// Every version so far: (version, seq, instant).
    pub history: Vec<RulesVersion>,
}

/// When a rules version took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesVersion {
    /// The version.
    pub version: u32,
    /// The seq of its `RulesChanged` event.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            version: 0,
            default_points_per_hour: DEFAULT_POINTS_PER_HOUR,
            rates: BTreeMap::new(),
            history: Vec::new(),
        }
    }
}

impl Rules {
    /// Points per hour for a category under the rules in force.
    pub fn rate(&self, category: Category) -> Decimal {
        self.rates
            .get(&category)
            .copied()
            .unwrap_or(self.default_points_per_hour)
    }

    pub(crate) fn apply(&mut self, event: &RulesChanged, seq: u64, at: Timestamp) {
        self.version = event.version;
        self.default_points_per_hour = event.default_points_per_hour;
        self.rates = event
            .rates
            .iter()
            .map(|r| (r.category, r.points_per_hour))
            .collect();
        self.history.push(RulesVersion {
            version: event.version,
            seq,
            at,
        });
    }
}
