//! The earning rules as every front end shows them: what each category earns on a date, and
//! every version with its date, days and cap.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_ledger::{DayMultiplier, DaySet};
use yinling_projections::categories::Categories;
use yinling_projections::rules::RuleVersion;
use yinling_projections::State;

use crate::wire::{Amount, Day};

/// What every category earns on one date (`GET`), or the rates from today for every
/// category (`PUT`).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesIo {
    /// The newest version in force on that date (ignored on input).
    #[serde(default)]
    pub version: Option<u32>,
    /// The rate of categories without their own.
    pub default_points_per_hour: Amount,
    /// Per-category rates by code (on output: every category, with the rate of that date).
    #[serde(default)]
    pub rates: BTreeMap<String, Amount>,
}

/// What every category earns on `date`.
pub fn rules_out(state: &State, date: NaiveDate) -> RulesIo {
    let rules = &state.rules;
    let applied: Vec<_> = state
        .categories
        .all()
        .map(|c| (c.code.clone(), state.rule_for(c.id, date)))
        .collect();
    let default = rules
        .versions
        .iter()
        .filter(|v| v.effective_from <= date)
        .filter_map(|v| {
            v.default_points_per_hour
                .map(|d| (v.effective_from, v.version, d))
        })
        .max()
        .map(|(_, _, d)| d)
        .unwrap_or(yinling_projections::limits::DEFAULT_POINTS_PER_HOUR);
    RulesIo {
        version: applied.iter().map(|(_, a)| a.version).max(),
        default_points_per_hour: default.into(),
        rates: applied
            .into_iter()
            .map(|(c, a)| (c, Amount(a.points_per_hour)))
            .collect(),
    }
}

/// One day rule of a version: `weekends: true`, or a campaign's `from` and `to`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayRuleIo {
    /// What the days are called, e.g. 周末 or 助力亚运.
    #[schema(min_length = 1)]
    pub label: String,
    /// Saturdays and Sundays.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub weekends: bool,
    /// First day of a campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Day>,
    /// Last day of a campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Day>,
    /// The factor, more than 1 and at most 5, e.g. "1.5".
    pub multiplier: Amount,
}

/// A version of the earning rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleVersionOut {
    /// The version.
    pub version: u32,
    /// First service date it applies to.
    pub effective_from: Day,
    /// The rate of categories it covers without their own (absent: only `rates`).
    pub default_points_per_hour: Option<Amount>,
    /// Per-category rates, by code.
    pub rates: BTreeMap<String, Amount>,
    /// Days that earn more.
    pub multipliers: Vec<DayRuleIo>,
    /// Most hours credited per volunteer per day.
    pub max_hours_per_day: Option<Amount>,
    /// What changed and why.
    pub note: String,
}

/// A day rule as the API and the exports show it.
pub fn day_rule_out(m: &DayMultiplier) -> DayRuleIo {
    let (weekends, from, to) = match m.days {
        DaySet::Weekends => (true, None, None),
        DaySet::Dates { from, to } => (false, Some(Day(from)), Some(Day(to))),
    };
    DayRuleIo {
        label: m.label.clone(),
        weekends,
        from,
        to,
        multiplier: m.multiplier.into(),
    }
}

/// A version as the API and the exports show it.
pub fn version_out(categories: &Categories, v: &RuleVersion) -> RuleVersionOut {
    RuleVersionOut {
        version: v.version,
        effective_from: Day(v.effective_from),
        default_points_per_hour: v.default_points_per_hour.map(Amount),
        rates: v
            .rates
            .iter()
            .map(|(c, r)| (categories.code(c), Amount(*r)))
            .collect(),
        multipliers: v.multipliers.iter().map(day_rule_out).collect(),
        max_hours_per_day: v.max_hours_per_day.map(Amount),
        note: v.note.clone(),
    }
}
