//! Decisions about onboarding: each imported row is decided by the rules the API applies to
//! the same record, and its source row is recorded in the same commit.

use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, text};
use crate::command::{ImportedRow, RowSource};
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// One imported row: the record's events, then `RecordImported`.
pub(super) fn import(
    state: &State,
    who: &Principal,
    context: &yinling_ledger::writer::Context,
    row: &ImportedRow,
    source: &RowSource,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("import rosters"))?;
    let (mut commits, record, joined_on) = match row {
        ImportedRow::District { name, kind, region } => (
            super::organisation::register_district(state, who, name, *kind, region)?,
            ImportedRecord::District(name.trim().to_owned()),
            None,
        ),
        ImportedRow::Team {
            team_id,
            name,
            district,
            category,
        } => (
            super::people::register_team(state, who, *team_id, name, district, *category)?,
            ImportedRecord::Team(*team_id),
            None,
        ),
        ImportedRow::Volunteer {
            volunteer_id,
            name,
            team_id,
            birth_year,
            phone_last_four,
            joined_on,
        } => {
            let mut commits = super::people::register_volunteer(
                state,
                who,
                context,
                *volunteer_id,
                (name, *team_id, *birth_year),
                None,
            )?;
            if let (Some(digits), Some(commit)) = (phone_last_four, commits.last_mut()) {
                if digits.len() != PHONE_DIGITS_KEPT || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(Rejection::invalid(
                        "bad_phone_digits",
                        format!("the phone's last {PHONE_DIGITS_KEPT} digits, got {digits:?}"),
                    ));
                }
                commit.events.push(super::privacy::sealed(
                    state,
                    volunteer_id,
                    &yinling_ledger::personal::PersonalFields {
                        phone_last_four: Some(digits.clone()),
                        ..Default::default()
                    },
                )?);
            }
            (
                commits,
                ImportedRecord::Volunteer(*volunteer_id),
                *joined_on,
            )
        }
        ImportedRow::OpeningBalance {
            volunteer_id,
            hours,
            points,
            star_level,
            as_of,
            source_system,
        } => (
            opening_balance(
                state,
                context,
                volunteer_id,
                (*hours, *points, *star_level),
                *as_of,
                source_system,
            )?,
            ImportedRecord::OpeningBalance(*volunteer_id),
            None,
        ),
    };
    if let Some(joined_on) = joined_on {
        check_joined(joined_on, state.policies.date_of(context.now))?;
    }
    let Some(last) = commits.last_mut() else {
        return Err(Rejection::invalid(
            "nothing_to_import",
            "the row imports nothing",
        ));
    };
    last.events.push(Event::RecordImported(RecordImported {
        record,
        file_name: text("file_name", &source.file_name, MAX_TITLE_CHARS)?,
        file_sha256: source.file_sha256,
        sheet: text("sheet", &source.sheet, MAX_NAME_CHARS)?,
        row: source.row,
        joined_on,
    }));
    Ok(commits)
}

/// A balance carried over: once per volunteer, hours and points in range, a star level of
/// the scale, a day not in the future.
fn opening_balance(
    state: &State,
    context: &yinling_ledger::writer::Context,
    volunteer_id: &VolunteerId,
    (hours, points, star_level): (rust_decimal::Decimal, rust_decimal::Decimal, u8),
    as_of: chrono::NaiveDate,
    source_system: &str,
) -> Result<Vec<Commit>, Rejection> {
    let source_system = text("source_system", source_system, MAX_NAME_CHARS)?;
    check_carried(
        (hours, points, star_level),
        as_of,
        state.policies.date_of(context.now),
    )?;
    let v = checks::volunteer(state, volunteer_id)?;
    if v.carried.is_some() {
        return Err(Rejection::conflict(
            "already_carried_over",
            format!("{} already has a balance carried over", v.name),
        ));
    }
    Ok(vec![Commit::any(
        volunteer_id.stream(),
        vec![Event::OpeningBalanceRecorded(OpeningBalanceRecorded {
            volunteer_id: *volunteer_id,
            hours: hours.normalize(),
            points: points.normalize(),
            star_level,
            as_of,
            source_system,
        })],
    )])
}

/// A volunteer's name or year of birth corrected, by whom may register volunteers in their
/// team (their coordinators, administrators); the person and their history stay.
pub(super) fn correct_volunteer(
    state: &State,
    who: &Principal,
    context: &yinling_ledger::writer::Context,
    volunteer_id: &VolunteerId,
    (name, birth_year): (&str, Option<u16>),
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    access::may_write(who, &Write::RegisterVolunteer(v.team_id))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let note = crate::checks::optional_text("note", note, MAX_REASON_CHARS)?;
    if let Some(year) = birth_year {
        checks::birth_year(year, state, context)?;
    }
    if v.name == name && v.birth_year == birth_year {
        return Err(Rejection::conflict(
            "no_change",
            format!("{name} already has this name and year of birth"),
        ));
    }
    Ok(vec![Commit::any(
        volunteer_id.stream(),
        vec![super::privacy::sealed(
            state,
            volunteer_id,
            &yinling_ledger::personal::PersonalFields {
                name: Some(name),
                birth_year,
                note: Some(note).filter(|n| !n.is_empty()),
                ..Default::default()
            },
        )?],
    )])
}

/// A team's name or main category corrected by an administrator: the name stays unique in
/// its district, the category is one that is in use, and something changes.
pub(super) fn correct_team(
    state: &State,
    who: &Principal,
    team_id: &TeamId,
    (name, category): (&str, Category),
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("correct teams"))?;
    let team = checks::team(state, team_id)?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let note = checks::optional_text("note", note, MAX_REASON_CHARS)?;
    checks::category(state, category)?;
    if team.name == name && team.category == category {
        return Err(Rejection::conflict(
            "no_change",
            format!("the team {name} already has this name and category"),
        ));
    }
    if let Some(other) = state
        .teams
        .values()
        .find(|t| t.id != *team_id && t.name == name && t.district == team.district)
    {
        return Err(Rejection::conflict(
            "duplicate_team",
            format!(
                "{} already has a team named {name:?} (id {})",
                team.district, other.id
            ),
        ));
    }
    Ok(vec![Commit::any(
        team_id.stream(),
        vec![Event::TeamCorrected(TeamCorrected {
            team_id: *team_id,
            name,
            category,
            note,
        })],
    )])
}

/// A district's kind or region corrected by an administrator.
pub(super) fn correct_district(
    state: &State,
    who: &Principal,
    name: &str,
    (kind, region): (DistrictKind, &str),
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("correct districts"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let region = text("region", region, MAX_NAME_CHARS)?;
    let note = checks::optional_text("note", note, MAX_REASON_CHARS)?;
    let Some(d) = state.districts.get(&name).filter(|d| d.registered) else {
        return Err(Rejection::not_found(
            "district_not_found",
            format!("no district or county named {name:?} is registered"),
        ));
    };
    if d.kind == Some(kind) && d.region == region {
        return Err(Rejection::conflict(
            "no_change",
            format!("{name} already has this kind and region"),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::districts(),
        vec![Event::DistrictCorrected(DistrictCorrected {
            name,
            kind,
            region,
            note,
        })],
    )])
}

/// The figures of a balance carried over, checked where the import decides and where its
/// plan is made (so a clean plan is not refused at the import): hours and points in range
/// with at most two decimals, a star level of the scale, a day not after `today`.
pub fn check_carried(
    (hours, points, star_level): (rust_decimal::Decimal, rust_decimal::Decimal, u8),
    as_of: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), Rejection> {
    // No hours is a balance too (points only).
    if !hours.is_zero() {
        checks::hours_amount("hours", hours, MAX_CARRIED_HOURS)?;
    }
    if points < rust_decimal::Decimal::ZERO
        || points > MAX_CARRIED_POINTS
        || points.normalize().scale() > POINTS_DECIMAL_PLACES
    {
        return Err(Rejection::invalid(
            "bad_points",
            format!("points are 0 to {MAX_CARRIED_POINTS} with at most {POINTS_DECIMAL_PLACES} decimals, got {points}"),
        ));
    }
    if usize::from(star_level) > MAX_STAR_LEVELS {
        return Err(Rejection::invalid(
            "bad_star_level",
            format!("a star level is 0 to {MAX_STAR_LEVELS}, got {star_level}"),
        ));
    }
    if as_of > today {
        return Err(Rejection::invalid(
            "date_in_future",
            format!("as_of {as_of} is after today"),
        ));
    }
    Ok(())
}

/// The day a volunteer joined, as a roster records it: not after `today` (checked where the
/// import decides and where its plan is made).
pub fn check_joined(
    joined_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), Rejection> {
    if joined_on > today {
        return Err(Rejection::invalid(
            "date_in_future",
            format!("joined_on {joined_on} is after today"),
        ));
    }
    Ok(())
}
