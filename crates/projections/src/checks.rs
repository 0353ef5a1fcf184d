//! Input checks and lookups every decision shares: text fields, hours, rates, prices and
//! dates against the limits, and "no such thing" refusals that name what was looked for.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::{
    Category, GroupId, ProjectId, RedemptionId, RewardId, StationId, TeamId, VolunteerId,
};

use crate::activities::Activity;
use crate::catalog::Reward;
use crate::categories::CategoryRecord;
use crate::limits::*;
use crate::organisation::{Group, Project};
use crate::redemptions::{Redemption, RedemptionStatus};
use crate::rejection::Rejection;
use crate::state::State;
use crate::stations::Station;
use crate::teams::Team;
use crate::volunteers::Volunteer;

/// Trims and checks a required text field.
pub fn text(field: &str, value: &str, max_chars: usize) -> Result<String, Rejection> {
    let value = optional_text(field, value, max_chars)?;
    if value.is_empty() {
        return Err(Rejection::invalid(
            "empty_text",
            format!("{field} must not be empty"),
        ));
    }
    Ok(value)
}

/// Trims and checks an optional text field (may be empty).
pub fn optional_text(field: &str, value: &str, max_chars: usize) -> Result<String, Rejection> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(Rejection::invalid(
            "text_too_long",
            format!("{field} is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Rejection::invalid(
            "control_characters",
            format!("{field} contains control characters (such as line breaks or tabs)"),
        ));
    }
    Ok(value.to_owned())
}

/// Trims and checks a text of paragraphs (a notice): line breaks are kept (written `\n`,
/// whatever the browser sent), every other control character is refused.
pub fn paragraphs(field: &str, value: &str, max_chars: usize) -> Result<String, Rejection> {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = value
        .split('\n')
        .map(|line| optional_text(field, line, max_chars))
        .collect::<Result<_, _>>()?;
    let joined = lines.join("\n").trim().to_owned();
    let chars = joined.chars().count();
    if chars > max_chars {
        return Err(Rejection::invalid(
            "text_too_long",
            format!("{field} is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    Ok(joined)
}

/// An amount of hours above zero and at most `max`, with at most two decimals (a star
/// threshold).
pub fn hours_amount(field: &str, value: Decimal, max: Decimal) -> Result<(), Rejection> {
    if value <= Decimal::ZERO || value > max || value.normalize().scale() > HOURS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_hours",
            format!(
                "{field} must be more than 0 and at most {max} hours, with at most {HOURS_DECIMAL_PLACES} decimals; got {}",
                value.normalize()
            ),
        ));
    }
    Ok(())
}

/// Hours of one record: more than 0, at most a day, at most two decimals.
pub fn hours(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value <= Decimal::ZERO || value > MAX_HOURS_PER_DAY {
        return Err(Rejection::invalid(
            "bad_hours",
            format!(
                "{field} must be more than 0 and at most {MAX_HOURS_PER_DAY}, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > HOURS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_hours",
            format!(
                "{field} may have at most {HOURS_DECIMAL_PLACES} decimal places, got {}",
                value.normalize()
            ),
        ));
    }
    Ok(())
}

/// A points-per-hour rate.
pub fn rate(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value < Decimal::ZERO || value > MAX_POINTS_PER_HOUR {
        return Err(Rejection::invalid(
            "bad_rate",
            format!(
                "{field} must be between 0 and {MAX_POINTS_PER_HOUR} points per hour, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > POINTS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_rate",
            format!("{field} may have at most {POINTS_DECIMAL_PLACES} decimal places"),
        ));
    }
    Ok(())
}

/// A price in points.
pub fn cost(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value <= Decimal::ZERO || value > MAX_COST_POINTS {
        return Err(Rejection::invalid(
            "bad_cost",
            format!(
                "{field} must be more than 0 and at most {MAX_COST_POINTS}, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > POINTS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_cost",
            format!("{field} may have at most {POINTS_DECIMAL_PLACES} decimal places"),
        ));
    }
    Ok(())
}

/// An evaluation weight.
pub fn weight(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value < Decimal::ZERO
        || value > MAX_WEIGHT
        || value.normalize().scale() > POINTS_DECIMAL_PLACES
    {
        return Err(Rejection::invalid(
            "bad_weight",
            format!("{field} must be between 0 and {MAX_WEIGHT} with at most {POINTS_DECIMAL_PLACES} decimals, got {}", value.normalize()),
        ));
    }
    Ok(())
}

/// Today in the ledger's calendar (its recorded time zone), so a decision never depends on
/// the machine it runs on.
pub fn today(state: &State, context: &Context) -> NaiveDate {
    state.policies.date_of(context.now)
}

/// The last service date accepted: tomorrow in the ledger's calendar (a coordinator may
/// log an outing the evening before).
pub fn tomorrow(state: &State, context: &Context) -> NaiveDate {
    today(state, context)
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// Refuses a date after tomorrow.
pub fn not_future(
    field: &str,
    date: NaiveDate,
    state: &State,
    context: &Context,
) -> Result<(), Rejection> {
    let limit = tomorrow(state, context);
    if date > limit {
        return Err(Rejection::invalid(
            "date_in_future",
            format!("{field} {date} is after tomorrow ({limit})"),
        ));
    }
    Ok(())
}

/// A service date or a rule's first day: not before the earliest year the ledger accepts.
pub fn service_date(field: &str, date: NaiveDate) -> Result<(), Rejection> {
    let earliest = NaiveDate::from_ymd_opt(EARLIEST_ACTIVITY_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
    if date < earliest {
        return Err(Rejection::invalid(
            "date_too_old",
            format!("{field} {date} is before {earliest}, the earliest date the ledger accepts"),
        ));
    }
    Ok(())
}

/// A year of birth between [`EARLIEST_BIRTH_YEAR`] and this year.
pub fn birth_year(year: u16, state: &State, context: &Context) -> Result<(), Rejection> {
    let this_year = chrono::Datelike::year(&today(state, context));
    if i32::from(year) < EARLIEST_BIRTH_YEAR || i32::from(year) > this_year {
        return Err(Rejection::invalid(
            "bad_birth_year",
            format!("birth_year {year} must be between {EARLIEST_BIRTH_YEAR} and {this_year}"),
        ));
    }
    Ok(())
}

/// What would give a volunteer short of points for a reversal or a correction the points
/// back, in the words of a refusal: the rewards they have on hold, which the volunteer or
/// an e-station clerk cancels (a coordinator cannot), only when they have any; otherwise
/// only what they earn next.
pub fn points_freed_by(v: &Volunteer, what: &str) -> String {
    if v.balance.held > Decimal::ZERO {
        format!(
            "the rewards they have on hold ({} points) come back to them if the volunteer or an e-station clerk cancels them; or {what} after they earn more",
            v.balance.held.normalize()
        )
    } else {
        format!("{what} after they earn more")
    }
}

/// A refusal for a duplicate id (the caller chose an id already in use).
pub fn duplicate_id(what: &str, id: impl std::fmt::Display) -> Rejection {
    Rejection::conflict("duplicate_id", format!("{what} {id} already exists"))
}

/// The category, or a 404 naming it.
pub fn category(state: &State, c: Category) -> Result<&CategoryRecord, Rejection> {
    state.categories.get(&c).ok_or_else(|| {
        Rejection::not_found(
            "category_not_found",
            format!("no category has number {}", c.0),
        )
    })
}

/// The category, open for service on `date`; a retired or not yet open one is refused with
/// its dates.
pub fn category_open(
    state: &State,
    c: Category,
    date: NaiveDate,
) -> Result<&CategoryRecord, Rejection> {
    let record = category(state, c)?;
    if !record.open_on(date) {
        let until = record
            .active_until
            .map_or_else(|| "open-ended".to_owned(), |u| u.to_string());
        let why = record
            .retired_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(Rejection::conflict(
            "category_closed",
            format!(
                "{} ({}) takes service from {} to {until}{why}; {date} is outside it",
                record.label_zh, record.code, record.active_from
            ),
        ));
    }
    Ok(record)
}

/// The team, or a 404 naming it.
pub fn team<'a>(state: &'a State, id: &TeamId) -> Result<&'a Team, Rejection> {
    state
        .teams
        .get(id)
        .ok_or_else(|| Rejection::not_found("team_not_found", format!("no team has id {id}")))
}

/// The volunteer, or a 404 naming them.
pub fn volunteer<'a>(state: &'a State, id: &VolunteerId) -> Result<&'a Volunteer, Rejection> {
    state.volunteers.get(id).ok_or_else(|| {
        Rejection::not_found("volunteer_not_found", format!("no volunteer has id {id}"))
    })
}

/// The volunteer an activity's entry names by registration number, or a 404 naming it.
pub fn participant(state: &State, number: u32) -> Result<&Volunteer, Rejection> {
    state
        .volunteer_id_of(number)
        .and_then(|id| state.volunteers.get(&id))
        .ok_or_else(|| {
            Rejection::not_found(
                "volunteer_not_found",
                format!("no volunteer has registration number {number}"),
            )
        })
}

/// The activity, or a 404 naming it.
pub fn activity<'a>(
    state: &'a State,
    id: &yinling_ledger::ActivityId,
) -> Result<&'a Activity, Rejection> {
    state.activities.get(id).ok_or_else(|| {
        Rejection::not_found("activity_not_found", format!("no activity has id {id}"))
    })
}

/// The reward, or a 404 naming it.
pub fn reward<'a>(state: &'a State, id: &RewardId) -> Result<&'a Reward, Rejection> {
    state
        .rewards
        .get(id)
        .ok_or_else(|| Rejection::not_found("reward_not_found", format!("no reward has id {id}")))
}

/// The station, or a 404 naming it.
pub fn station<'a>(state: &'a State, id: &StationId) -> Result<&'a Station, Rejection> {
    state.stations.get(id).ok_or_else(|| {
        Rejection::not_found("station_not_found", format!("no e-station has id {id}"))
    })
}

/// The redemption, or a 404 naming it.
pub fn redemption<'a>(state: &'a State, id: &RedemptionId) -> Result<&'a Redemption, Rejection> {
    state.redemptions.get(id).ok_or_else(|| {
        Rejection::not_found("redemption_not_found", format!("no redemption has id {id}"))
    })
}

/// The group or sub-group, or a 404 naming it.
pub fn group<'a>(state: &'a State, id: &GroupId) -> Result<&'a Group, Rejection> {
    state
        .groups
        .get(id)
        .ok_or_else(|| Rejection::not_found("group_not_found", format!("no group has id {id}")))
}

/// The project, or a 404 naming it.
pub fn project<'a>(state: &'a State, id: &ProjectId) -> Result<&'a Project, Rejection> {
    state
        .projects
        .get(id)
        .ok_or_else(|| Rejection::not_found("project_not_found", format!("no project has id {id}")))
}

/// Refuses to settle a redemption that is no longer held.
pub fn held(status: RedemptionStatus, action: &str) -> Result<(), Rejection> {
    if status == RedemptionStatus::Held {
        Ok(())
    } else {
        Err(Rejection::conflict(
            "not_held",
            format!(
                "this redemption is {} and can no longer be {action}; only held redemptions can",
                status.as_str()
            ),
        ))
    }
}

/// A full-width ASCII character (１, Ａ, －) as its plain one, the ideographic space as a
/// space; anything else as it is. What a Chinese input method types, read as meant.
pub fn halfwidth(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Digits as a person types them, read as ASCII: full-width digits become digits and the
/// separators people put between groups (spaces, the ideographic space, dashes, brackets)
/// are dropped. Anything else is kept, for the caller to refuse by name.
pub fn ascii_digits(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '(' | ')'))
        .map(halfwidth)
        .collect()
}

/// The refusal of a confirmation code that is unknown or already used (the two are not told
/// apart, so a guess learns nothing).
pub fn unknown_code() -> Rejection {
    Rejection::not_found(
        "unknown_code",
        "this code is not known or was already used; check the digits on the slip, or ask the team's coordinator for a new one",
    )
}
