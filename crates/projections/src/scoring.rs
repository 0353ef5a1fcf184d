//! The evaluation's scoring formula (评分办法): published weights, versioned by events.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::ScoringWeights;

/// The published weights until an admin changes them (version 0).
pub fn default_weights() -> ScoringWeights {
    ScoringWeights {
        per_activity: Decimal::from(5),
        per_participant_time: Decimal::ONE,
        per_active_volunteer: Decimal::from(2),
        per_hour: Decimal::new(5, 1),
        per_person_served: Decimal::new(2, 1),
        per_problem_resolved: Decimal::from(3),
        per_dispute_settled: Decimal::from(10),
    }
}

/// The scoring formula in force and its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    /// Version (0 = the built-in default).
    pub version: u32,
    /// The weights.
    pub weights: ScoringWeights,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            version: 0,
            weights: default_weights(),
        }
    }
}
