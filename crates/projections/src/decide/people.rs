//! Decisions about teams and their volunteers.

use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, text};
use crate::limits::MAX_NAME_CHARS;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// A team in a registered district, under a name unique in that district.
pub(super) fn register_team(
    state: &State,
    who: &Principal,
    team_id: TeamId,
    name: &str,
    district: &str,
    category: Category,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("register teams"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let district = text("district", district, MAX_NAME_CHARS)?;
    checks::category(state, category)?;
    if !state.districts.get(&district).is_some_and(|d| d.registered) {
        return Err(Rejection::not_found(
            "district_not_found",
            format!("no district or county named {district:?} is registered; register it first"),
        ));
    }
    if state.teams.contains_key(&team_id) {
        return Err(checks::duplicate_id("team", team_id));
    }
    if let Some(t) = state
        .teams
        .values()
        .find(|t| t.name == name && t.district == district)
    {
        return Err(Rejection::conflict(
            "duplicate_team",
            format!("{district} already has a team named {name:?} (id {})", t.id),
        ));
    }
    Ok(vec![Commit::new_stream(
        team_id.stream(),
        vec![Event::TeamRegistered(TeamRegistered {
            team_id,
            name,
            district,
            category,
        })],
    )])
}

/// A volunteer joins a team (the team's district is copied into the event).
pub(super) fn register_volunteer(
    state: &State,
    who: &Principal,
    context: &Context,
    volunteer_id: VolunteerId,
    (name, team_id, birth_year): (&str, TeamId, Option<u16>),
    consent: Option<&crate::command::GivenConsent>,
) -> Result<Vec<Commit>, Rejection> {
    let name = text("name", name, MAX_NAME_CHARS)?;
    if let Some(year) = birth_year {
        checks::birth_year(year, state, context)?;
    }
    access::may_write(who, &Write::RegisterVolunteer(team_id))?;
    let team = checks::team(state, &team_id)?;
    if state.volunteers.contains_key(&volunteer_id) {
        return Err(checks::duplicate_id("volunteer", volunteer_id));
    }
    // The name and year of birth are sealed under the person's own key; the registration
    // itself carries neither.
    let mut events = vec![
        Event::VolunteerRegistered(VolunteerRegistered {
            volunteer_id,
            name: String::new(),
            team_id,
            district: team.district.clone(),
            birth_year: None,
        }),
        super::privacy::sealed(
            state,
            &volunteer_id,
            &yinling_ledger::personal::PersonalFields {
                name: Some(name),
                birth_year,
                ..Default::default()
            },
        )?,
    ];
    if let Some(c) = consent {
        events.push(super::privacy::consent_event(
            state,
            context,
            &volunteer_id,
            (
                &c.purpose,
                c.notice_version,
                checks::today(state, context),
                &c.collected_by,
            ),
        )?);
    }
    Ok(vec![Commit::new_stream(volunteer_id.stream(), events)])
}

/// A volunteer moves to another team; earlier service stays with the old one.
pub(super) fn move_volunteer(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    to_team_id: &TeamId,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("move volunteers between teams"))?;
    let volunteer = checks::volunteer(state, volunteer_id)?;
    let team = checks::team(state, to_team_id)?;
    if volunteer.team_id == *to_team_id {
        return Err(Rejection::conflict(
            "already_member",
            format!(
                "{} is already in {}",
                access::name_for(who, volunteer),
                team.name
            ),
        ));
    }
    Ok(vec![Commit::any(
        volunteer_id.stream(),
        vec![Event::VolunteerMovedTeam(VolunteerMovedTeam {
            volunteer_id: *volunteer_id,
            from_team_id: volunteer.team_id,
            to_team_id: *to_team_id,
            district: team.district.clone(),
        })],
    )])
}
