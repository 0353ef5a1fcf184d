//! Decisions about the earning rules: versions that take effect on a date, and re-rating a
//! past period under the versions in force on each credit's date.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::command::NewRules;
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// Every rate of a version: within bounds, each category once and registered; sorted.
fn rates(state: &State, rates: &[CategoryRate]) -> Result<Vec<CategoryRate>, Rejection> {
    let mut seen = HashSet::new();
    for r in rates {
        let code = checks::category(state, r.category)?.code.clone();
        checks::rate(&format!("rates.{code}"), r.points_per_hour)?;
        if !seen.insert(r.category) {
            return Err(Rejection::invalid(
                "duplicate_category",
                format!("category {code} is listed twice"),
            ));
        }
    }
    let mut rates: Vec<CategoryRate> = rates
        .iter()
        .map(|r| CategoryRate {
            category: r.category,
            points_per_hour: r.points_per_hour.normalize(),
        })
        .collect();
    rates.sort_by_key(|r| r.category);
    Ok(rates)
}

/// The version a new rule gets.
fn next_version(state: &State) -> u32 {
    state.rules.version + 1
}

/// The rules from today, for every category (`PUT /v1/rules`).
pub(super) fn change_rules(
    state: &State,
    who: &Principal,
    context: &Context,
    default_points_per_hour: Decimal,
    listed: &[CategoryRate],
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("change the point rules"))?;
    checks::rate("default_points_per_hour", default_points_per_hour)?;
    let rates = rates(state, listed)?;
    Ok(vec![Commit::any(
        StreamId::rules(),
        vec![Event::EarningRulesAdopted(EarningRulesAdopted {
            version: next_version(state),
            effective_from: checks::today(state, context),
            default_points_per_hour: Some(default_points_per_hour.normalize()),
            rates,
            multipliers: Vec::new(),
            max_hours_per_day: None,
            note: String::new(),
        })],
    )])
}

/// An effective-dated version of the earning rules.
pub(super) fn adopt(
    state: &State,
    who: &Principal,
    r: &NewRules,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("change the point rules"))?;
    if let Some(d) = r.default_points_per_hour {
        checks::rate("default_points_per_hour", d)?;
    }
    let listed = rates(state, &r.rates)?;
    if r.default_points_per_hour.is_none() && listed.is_empty() {
        return Err(Rejection::invalid(
            "covers_nothing",
            "a rule version needs default_points_per_hour, or a rate for at least one category",
        ));
    }
    checks::service_date("effective_from", r.effective_from)?;
    if r.multipliers.len() > MAX_DAY_RULES {
        return Err(Rejection::invalid(
            "too_many_day_rules",
            format!("a rule version may name at most {MAX_DAY_RULES} day rules"),
        ));
    }
    let mut multipliers = Vec::with_capacity(r.multipliers.len());
    for (i, m) in r.multipliers.iter().enumerate() {
        let field = format!("multipliers[{i}]");
        if m.multiplier <= Decimal::ONE
            || m.multiplier > MAX_DAY_MULTIPLIER
            || m.multiplier.normalize().scale() > POINTS_DECIMAL_PLACES
        {
            return Err(Rejection::invalid(
                "bad_multiplier",
                format!(
                    "{field}.multiplier must be more than 1 and at most {MAX_DAY_MULTIPLIER}, with at most {POINTS_DECIMAL_PLACES} decimals, got {}",
                    m.multiplier.normalize()
                ),
            ));
        }
        if let DaySet::Dates { from, to } = m.days {
            if to < from {
                return Err(Rejection::invalid(
                    "bad_days",
                    format!("{field}.days: the last day {to} is before the first {from}"),
                ));
            }
        }
        multipliers.push(DayMultiplier {
            label: text(&format!("{field}.label"), &m.label, MAX_NAME_CHARS)?,
            days: m.days.clone(),
            multiplier: m.multiplier.normalize(),
        });
    }
    if let Some(cap) = r.max_hours_per_day {
        checks::hours("max_hours_per_day", cap)?;
    }
    let note = optional_text("note", &r.note, MAX_REASON_CHARS)?;
    Ok(vec![Commit::any(
        StreamId::rules(),
        vec![Event::EarningRulesAdopted(EarningRulesAdopted {
            version: next_version(state),
            effective_from: r.effective_from,
            default_points_per_hour: r.default_points_per_hour.map(|d| d.normalize()),
            rates: listed,
            multipliers,
            max_hours_per_day: r.max_hours_per_day.map(|c| c.normalize()),
            note,
        })],
    )])
}

/// Re-rates the credits of a period: one adjustment per credit whose points differ from the
/// rules of its date. Refused whole if it would leave anyone below zero.
pub(super) fn rerate(
    state: &State,
    who: &Principal,
    from: NaiveDate,
    to: NaiveDate,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("re-rate past service"))?;
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    if to < from {
        return Err(Rejection::invalid(
            "bad_window",
            format!("to ({to}) is before from ({from})"),
        ));
    }
    let plan = state.rerating_plan(from, to);
    if plan.is_empty() {
        return Err(Rejection::conflict(
            "nothing_to_rerate",
            format!(
                "every credit of service from {from} to {to} already matches the rules of its date"
            ),
        ));
    }
    if plan.len() > MAX_RERATED_ENTRIES {
        return Err(Rejection::invalid(
            "too_many_entries",
            format!(
                "re-rating {from} to {to} would change {} credits; at most {MAX_RERATED_ENTRIES} at a time, re-rate a shorter period",
                plan.len()
            ),
        ));
    }
    // Only the credits already settled move what is available: a credit still on notice or
    // waiting for its confirmation moves the points pending, which are kept apart. Netting a
    // rise on a held credit against a cut on a settled one would let a cut through that
    // leaves the volunteer below zero, and a cut only of pending points needs no room.
    let mut change: BTreeMap<VolunteerId, Decimal> = BTreeMap::new();
    for r in &plan {
        let held = state
            .activities
            .get(&r.activity_id)
            .is_some_and(|a| a.held());
        if !held {
            *change.entry(r.volunteer_id).or_default() += r.points_after - r.points_before;
        }
    }
    for (v, delta) in &change {
        let volunteer = checks::volunteer(state, v)?;
        let available = volunteer.balance.available();
        if available + delta < Decimal::ZERO {
            return Err(Rejection::conflict(
                "insufficient_points",
                format!(
                    "the re-rating would take {} points from {} ({}), who has {} available, {} short. {}",
                    (-*delta).normalize(),
                    access::name_for(who, volunteer),
                    volunteer.id,
                    available.normalize(),
                    (-(available + delta)).normalize(),
                    checks::points_freed_by(volunteer, "re-rate")
                ),
            ));
        }
    }
    let mut by_activity: BTreeMap<ActivityId, Vec<Event>> = BTreeMap::new();
    for r in plan {
        by_activity
            .entry(r.activity_id)
            .or_default()
            .push(Event::ServiceRerated(ServiceRerated {
                activity_id: r.activity_id,
                volunteer_id: r.volunteer_id,
                team_id: r.team_id,
                district: r.district,
                category: r.category,
                date: r.date,
                hours: r.hours,
                points_before: r.points_before,
                points_after: r.points_after,
                points_per_hour: r.points_per_hour,
                rules_version: r.rules_version,
                reason: reason.clone(),
            }));
    }
    Ok(by_activity
        .into_iter()
        .map(|(activity, events)| Commit::any(activity.stream(), events))
        .collect())
}
