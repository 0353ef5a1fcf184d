//! Decisions about stars: adopting a version of the scale (with the stars it awards at once),
//! confirming a star after review, and the star events every change of hours carries.

use rust_decimal::Decimal;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text};
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::stars::{level_on, threshold_of, StarLevel};
use crate::state::State;
use crate::volunteers::Volunteer;

/// The star events a change of `v`'s net hours to `hours` brings: a withdrawal when they fall
/// below the hours of the highest star they reached, a new star when they pass the next
/// threshold of the scale in force. None while the log has no scale (stars are then read
/// off the hours).
pub(super) fn after_hours(state: &State, v: &Volunteer, hours: Decimal, why: &str) -> Vec<Event> {
    if !state.star_scale.recorded() {
        return Vec::new();
    }
    let mut events = Vec::new();
    let scale = &state.star_scale;
    let star = &v.star;
    let mut held = star.level;
    let mut top = star.top();
    if star.top() > 0 && hours < star.top_threshold() {
        // What still stands: the confirmed star if its hours are still there, else the
        // level the scale in force gives, never above what was held.
        let level = if hours >= star.threshold_hours {
            star.level
        } else {
            level_on(&scale.thresholds(), hours).min(star.level.saturating_sub(1))
        };
        let threshold_hours = if level == star.level {
            star.threshold_hours
        } else {
            scale.threshold(level)
        };
        events.push(Event::StarWithdrawn(StarWithdrawn {
            volunteer_id: v.id,
            level,
            threshold_hours,
            hours,
            reason: why.to_owned(),
        }));
        // The withdrawal clears a star waiting for review too; a lower one the hours still
        // earn on the scale in force is reached again below (it waits for review afresh).
        held = level;
        top = level;
    }
    let reached = level_on(&scale.thresholds(), hours);
    if reached > held.max(top) {
        events.push(Event::StarReached(StarReached {
            volunteer_id: v.id,
            level: reached,
            threshold_hours: scale.threshold(reached),
            hours,
            scale_version: scale.version(),
            awaiting_review: scale.review(),
        }));
    }
    events
}

/// A star scale: strictly increasing positive hours, at most two decimals.
fn check_thresholds(thresholds: &[Decimal]) -> Result<Vec<Decimal>, Rejection> {
    if thresholds.is_empty() || thresholds.len() > MAX_STAR_LEVELS {
        return Err(Rejection::invalid(
            "bad_scale",
            format!(
                "a star scale has 1 to {MAX_STAR_LEVELS} levels, got {}",
                thresholds.len()
            ),
        ));
    }
    let mut previous = Decimal::ZERO;
    for (i, t) in thresholds.iter().enumerate() {
        checks::hours_amount(&format!("thresholds_hours[{i}]"), *t, MAX_STAR_HOURS)?;
        if *t <= previous {
            return Err(Rejection::invalid(
                "bad_scale",
                format!(
                    "thresholds_hours[{i}] is {}, but each level must need more hours than the one before ({})",
                    t.normalize(),
                    previous.normalize()
                ),
            ));
        }
        previous = *t;
    }
    Ok(thresholds.iter().map(|t| t.normalize()).collect())
}

/// A new version of the star scale, and the stars it awards at once: to everyone it puts past
/// a threshold they had not reached. It never takes a star away. The first version also
/// records the stars each volunteer already holds on the national scale.
pub(super) fn adopt(
    state: &State,
    who: &Principal,
    thresholds: &[Decimal],
    review: bool,
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("change the star scale"))?;
    let thresholds = check_thresholds(thresholds)?;
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    let current = &state.star_scale;
    if current.recorded() && current.thresholds() == thresholds && current.review() == review {
        return Err(Rejection::conflict(
            "no_change",
            "this is already the star scale in force",
        ));
    }
    let version = current.version() + 1;
    let first = !current.recorded();
    let mut events = vec![Event::StarScaleAdopted(StarScaleAdopted {
        version,
        thresholds_hours: thresholds.clone(),
        review,
        note,
    })];
    let mut volunteers: Vec<&Volunteer> = state.volunteers.values().collect();
    volunteers.sort_by_key(|v| v.id);
    for v in volunteers {
        let hours = v.hours_net();
        let (held, held_top) = if first {
            // The stars they hold today, read off the hours, counted as reached.
            let level = StarLevel::for_hours(hours).0;
            if level > 0 {
                events.push(Event::StarReached(StarReached {
                    volunteer_id: v.id,
                    level,
                    threshold_hours: threshold_of(&crate::stars::national(), level),
                    hours,
                    scale_version: 0,
                    awaiting_review: false,
                }));
            }
            (level, level)
        } else {
            (v.star.level, v.star.top())
        };
        let reached = level_on(&thresholds, hours);
        if reached > held.max(held_top) {
            events.push(Event::StarReached(StarReached {
                volunteer_id: v.id,
                level: reached,
                threshold_hours: threshold_of(&thresholds, reached),
                hours,
                scale_version: version,
                awaiting_review: review,
            }));
        }
    }
    Ok(vec![Commit::any(StreamId::stars(), events)])
}

/// Confirms the star a volunteer is waiting for, after its review and public notice.
pub(super) fn confirm(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    level: u8,
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("confirm stars"))?;
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    let v = checks::volunteer(state, volunteer_id)?;
    let Some(pending) = &v.star.pending else {
        return Err(Rejection::conflict(
            "nothing_to_confirm",
            format!(
                "{} has no star waiting for confirmation",
                access::name_for(who, v)
            ),
        ));
    };
    if pending.level != level {
        return Err(Rejection::conflict(
            "level_changed",
            format!(
                "{} is waiting for {} stars, not {level}; look again before confirming",
                access::name_for(who, v),
                pending.level
            ),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::stars(),
        vec![Event::StarConfirmed(StarConfirmed {
            volunteer_id: *volunteer_id,
            level,
            note,
        })],
    )])
}
