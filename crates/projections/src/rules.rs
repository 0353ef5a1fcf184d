//! The earning rules: points per hour, per category, by service date.
//!
//! A rule version takes effect on a date and covers some categories (or all, with a default
//! rate); it may multiply the rate on named days (weekends, a campaign) and cap the hours one
//! volunteer may have credited on a day. An activity earns under the version in force on its
//! service date for its category: among the versions that cover the category and took effect
//! on or before that date, the one that took effect last (the later version on a tie). The
//! versions recorded before effective dates existed (`RulesChanged`) took effect on the day
//! they were recorded and cover every category.
//!
//! Credits are recorded with the rate they used, so a new version never changes an existing
//! credit; re-rating a past period is an explicit command.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use yinling_ledger::{
    Category, DayMultiplier, DaySet, EarningRulesAdopted, RulesChanged, Timestamp,
};

use crate::limits::{DEFAULT_POINTS_PER_HOUR, POINTS_STORED_DECIMAL_PLACES};

/// Every version of the earning rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The last version adopted (0 = the built-in default).
    pub version: u32,
    /// Every version, in the order adopted.
    pub versions: Vec<RuleVersion>,
}

/// One version of the earning rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVersion {
    /// The version.
    pub version: u32,
    /// First service date it applies to.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub effective_from: NaiveDate,
    /// The rate of categories it covers without a rate of their own; `None`: it covers only
    /// the categories in `rates`.
    pub default_points_per_hour: Option<Decimal>,
    /// Per-category rates.
    pub rates: BTreeMap<Category, Decimal>,
    /// Days that earn a multiple of the rate.
    pub multipliers: Vec<DayMultiplier>,
    /// Most hours one volunteer may have credited on one day in the categories it covers.
    pub max_hours_per_day: Option<Decimal>,
    /// What changed and why.
    pub note: String,
    /// The seq of the event that adopted it.
    pub seq: u64,
    /// When it was adopted.
    pub at: Timestamp,
}

/// How one category earns on one date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The version (0: the built-in default).
    pub version: u32,
    /// Points per hour before any multiplier.
    pub points_per_hour: Decimal,
    /// The day's multiplier (1 on ordinary days).
    pub multiplier: Decimal,
    /// The version's cap of credited hours per volunteer per day.
    pub max_hours_per_day: Option<Decimal>,
}

impl Applied {
    /// Points per hour on that day: the rate times the day's multiplier.
    pub fn effective_rate(&self) -> Decimal {
        (self.points_per_hour * self.multiplier).normalize()
    }

    /// The points `hours` earn on that day.
    pub fn points(&self, hours: Decimal) -> Decimal {
        points_for(hours, self.effective_rate())
    }
}

/// Points for `hours` at `rate`, rounded half away from zero to the places the ledger keeps.
/// Every credit, correction and re-rating computes points through this one function.
pub fn points_for(hours: Decimal, rate: Decimal) -> Decimal {
    (hours * rate)
        .round_dp_with_strategy(
            POINTS_STORED_DECIMAL_PLACES,
            RoundingStrategy::MidpointAwayFromZero,
        )
        .normalize()
}

/// Whether service on `date` earns multiplier `m`.
pub fn covers(m: &DayMultiplier, date: NaiveDate) -> bool {
    match &m.days {
        DaySet::Weekends => matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        DaySet::Dates { from, to } => *from <= date && date <= *to,
    }
}

impl RuleVersion {
    /// The rate it gives `category`: its own rate for it, or its default for a built-in
    /// category (a registered category brings its own default rate, which only a version
    /// that names it replaces).
    fn rate_of(&self, category: Category) -> Option<Decimal> {
        self.rates.get(&category).copied().or(self
            .default_points_per_hour
            .filter(|_| category.is_builtin()))
    }
}

impl Rules {
    /// How `category` earns on `date` among the versions; `own` is the category's default
    /// rate in the registry (see `State::rule_for`, which callers use).
    pub fn rule_for(&self, category: Category, date: NaiveDate, own: Option<Decimal>) -> Applied {
        let chosen = self
            .versions
            .iter()
            .filter(|v| v.effective_from <= date)
            .filter_map(|v| v.rate_of(category).map(|rate| (v, rate)))
            .max_by_key(|(v, _)| (v.effective_from, v.version));
        match chosen {
            Some((v, rate)) => Applied {
                version: v.version,
                points_per_hour: rate,
                multiplier: v
                    .multipliers
                    .iter()
                    .filter(|m| covers(m, date))
                    .map(|m| m.multiplier)
                    .max()
                    .unwrap_or(Decimal::ONE),
                max_hours_per_day: v.max_hours_per_day,
            },
            None => Applied {
                version: 0,
                points_per_hour: own.unwrap_or(DEFAULT_POINTS_PER_HOUR),
                multiplier: Decimal::ONE,
                max_hours_per_day: None,
            },
        }
    }

    /// A version recorded before effective dates existed: in force from its own day, for
    /// every category.
    pub(crate) fn apply_legacy(
        &mut self,
        event: &RulesChanged,
        seq: u64,
        at: Timestamp,
        day: NaiveDate,
    ) {
        self.adopt(RuleVersion {
            version: event.version,
            effective_from: day,
            default_points_per_hour: Some(event.default_points_per_hour),
            rates: event
                .rates
                .iter()
                .map(|r| (r.category, r.points_per_hour))
                .collect(),
            multipliers: Vec::new(),
            max_hours_per_day: None,
            note: String::new(),
            seq,
            at,
        });
    }

    /// An effective-dated version.
    pub(crate) fn apply(&mut self, event: &EarningRulesAdopted, seq: u64, at: Timestamp) {
        self.adopt(RuleVersion {
            version: event.version,
            effective_from: event.effective_from,
            default_points_per_hour: event.default_points_per_hour,
            rates: event
                .rates
                .iter()
                .map(|r| (r.category, r.points_per_hour))
                .collect(),
            multipliers: event.multipliers.clone(),
            max_hours_per_day: event.max_hours_per_day,
            note: event.note.clone(),
            seq,
            at,
        });
    }

    fn adopt(&mut self, version: RuleVersion) {
        self.version = self.version.max(version.version);
        self.versions.push(version);
    }
}

/// One credit a re-rating would change: its current points and those under the rules in
/// force on its service date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rerating {
    /// The activity.
    pub activity_id: yinling_ledger::ActivityId,
    /// Whose credit.
    pub volunteer_id: yinling_ledger::VolunteerId,
    /// The team credited.
    pub team_id: yinling_ledger::TeamId,
    /// Its district.
    pub district: String,
    /// Kind of service.
    pub category: Category,
    /// Service date.
    pub date: NaiveDate,
    /// Hours.
    pub hours: Decimal,
    /// Points now.
    pub points_before: Decimal,
    /// Points under the rule of its date.
    pub points_after: Decimal,
    /// The rate applied (multiplier included).
    pub points_per_hour: Decimal,
    /// The version applied.
    pub rules_version: u32,
}
