//! Star levels as policy. The scale is versioned (`StarScaleAdopted`); until a log adopts
//! one, a volunteer's stars are read off their net hours on the national scale, as they
//! always were. From the first adoption on, stars are facts: `StarReached` when a volunteer
//! crosses a threshold (or a new scale puts them past one), `StarConfirmed` after review,
//! `StarWithdrawn` when the hours behind a star are taken back. A scale change never takes a
//! star away and never rewrites one already reached.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::Timestamp;

/// Hours needed for 1 to 5 stars on the national registered-volunteer scale, the default.
pub const STAR_THRESHOLDS_HOURS: [u32; 5] = [100, 300, 600, 1000, 1500];

/// 0 (not yet a star) to the top of the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StarLevel(pub u8);

impl StarLevel {
    /// The level `net_hours` earns on the national scale.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yinling_projections::stars::StarLevel;
    /// assert_eq!(StarLevel::for_hours(Decimal::from(99)), StarLevel(0));
    /// assert_eq!(StarLevel::for_hours(Decimal::from(100)), StarLevel(1));
    /// assert_eq!(StarLevel::for_hours(Decimal::from(1500)), StarLevel(5));
    /// ```
    pub fn for_hours(net_hours: Decimal) -> Self {
        StarLevel(level_on(&national(), net_hours))
    }
}

/// The national scale as decimals.
pub fn national() -> Vec<Decimal> {
    STAR_THRESHOLDS_HOURS
        .iter()
        .map(|t| Decimal::from(*t))
        .collect()
}

/// The level `hours` reaches on `thresholds`.
pub fn level_on(thresholds: &[Decimal], hours: Decimal) -> u8 {
    thresholds.iter().take_while(|t| hours >= **t).count() as u8
}

/// One version of the scale as adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleVersion {
    /// Its number.
    pub version: u32,
    /// Net hours per level.
    pub thresholds_hours: Vec<Decimal>,
    /// Whether stars reached under it wait for confirmation.
    pub review: bool,
    /// Why.
    pub note: String,
    /// When it was adopted.
    pub adopted_at: Timestamp,
    /// The seq of its event.
    pub seq: u64,
}

/// Every version of the star scale.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarScale {
    /// Oldest first; empty until the log adopts one (the national scale applies, read off
    /// the hours).
    pub versions: Vec<ScaleVersion>,
}

impl StarScale {
    /// Whether stars are recorded as events (a scale has been adopted).
    pub fn recorded(&self) -> bool {
        !self.versions.is_empty()
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> Vec<Decimal> {
        self.versions
            .last()
            .map_or_else(national, |v| v.thresholds_hours.clone())
    }

    /// The version in force (0: the national scale, never adopted as an event).
    pub fn version(&self) -> u32 {
        self.versions.last().map_or(0, |v| v.version)
    }

    /// Whether a star reached now waits for confirmation.
    pub fn review(&self) -> bool {
        self.versions.last().is_some_and(|v| v.review)
    }

    /// The hours `level` needs in force (0 for level 0).
    pub fn threshold(&self, level: u8) -> Decimal {
        threshold_of(&self.thresholds(), level)
    }
}

/// The hours `level` needs on `thresholds` (0 for level 0 or past the top).
pub fn threshold_of(thresholds: &[Decimal], level: u8) -> Decimal {
    match level {
        0 => Decimal::ZERO,
        n => thresholds
            .get(usize::from(n) - 1)
            .copied()
            .unwrap_or_default(),
    }
}

/// A star waiting for an administrator's confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingStar {
    /// The level reached.
    pub level: u8,
    /// The hours it needs.
    pub threshold_hours: Decimal,
    /// The hours they had then.
    pub hours: Decimal,
    /// The scale version that awarded it.
    pub scale_version: u32,
    /// When.
    pub reached_at: Timestamp,
}

/// What happened to a volunteer's stars, for their page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StarStep {
    /// A star counted from the moment it was reached.
    Reached,
    /// A star reached and waiting for review.
    AwaitingReview,
    /// A star confirmed after review.
    Confirmed,
    /// Stars taken back with the hours behind them.
    Withdrawn,
}

/// One step of a volunteer's star history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarMoment {
    /// When.
    pub at: Timestamp,
    /// The level concerned (after a withdrawal: the level held now).
    pub level: u8,
    /// What happened.
    pub step: StarStep,
}

/// A volunteer's stars as the log records them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarStanding {
    /// Whether the stars are recorded (false: read off the hours on the national scale).
    pub recorded: bool,
    /// The level that counts.
    pub level: u8,
    /// The hours it needs under the scale that awarded it.
    pub threshold_hours: Decimal,
    /// A higher star waiting for review (boxed: rare, and held for every volunteer).
    pub pending: Option<Box<PendingStar>>,
    /// Every step, oldest first (a thin vector: one pointer, held for every volunteer).
    pub history: thin_vec::ThinVec<StarMoment>,
}

impl StarStanding {
    /// The highest level reached, confirmed or not: a new star starts above it.
    pub fn top(&self) -> u8 {
        self.pending.as_ref().map_or(self.level, |p| p.level)
    }

    /// The hours the highest level reached needs: below them, it is withdrawn.
    pub fn top_threshold(&self) -> Decimal {
        self.pending
            .as_ref()
            .map_or(self.threshold_hours, |p| p.threshold_hours)
    }
}
