//! Joint activities (联合活动): several teams of one group organise one activity; it is
//! logged once and each participant's hours go to their own team.

use std::collections::HashSet;

use chrono::NaiveDate;
use yinling_ledger::{ActivityCoOrganised, ActivityId, CoOrganiser, GroupId, TeamId};

use crate::checks;
use crate::limits::MAX_CO_ORGANISERS;
use crate::rejection::Rejection;
use crate::state::State;

/// The organisers of an activity once checked: the team that logs it, and the others.
pub(super) struct Organisers {
    /// The team that logs it.
    pub lead: TeamId,
    /// The other teams and the group they share (none for an activity of one team).
    pub joint: Option<(GroupId, Vec<CoOrganiser>)>,
}

impl Organisers {
    /// Whether `team` is one of them.
    pub fn has(&self, team: &TeamId) -> bool {
        self.lead == *team
            || self
                .joint
                .as_ref()
                .is_some_and(|(_, teams)| teams.iter().any(|t| t.team_id == *team))
    }

    /// The district of an organising team (the lead's for any other).
    pub fn district_of<'a>(&'a self, team: &TeamId, lead_district: &'a str) -> &'a str {
        self.joint
            .as_ref()
            .and_then(|(_, teams)| teams.iter().find(|t| t.team_id == *team))
            .map_or(lead_district, |t| t.district.as_str())
    }

    /// The event that records them, for a joint activity.
    pub fn event(&self, activity_id: ActivityId) -> Option<ActivityCoOrganised> {
        self.joint
            .as_ref()
            .map(|(group_id, teams)| ActivityCoOrganised {
                activity_id,
                group_id: *group_id,
                teams: teams.clone(),
            })
    }
}

/// Checks the co-organisers of an activity of `lead` on `date`: each a registered team,
/// named once, not the lead, at most [`MAX_CO_ORGANISERS`], and all of them members of one
/// group with the lead on that day: `group` when named, otherwise the first such group by
/// id, top-level groups before sub-groups.
pub(super) fn organisers(
    state: &State,
    lead: TeamId,
    co_organisers: &[TeamId],
    group: Option<GroupId>,
    date: NaiveDate,
) -> Result<Organisers, Rejection> {
    if co_organisers.is_empty() {
        if group.is_some() {
            return Err(Rejection::invalid(
                "no_co_organisers",
                "group_id names the group of a joint activity: name the other organising teams in co_organisers",
            ));
        }
        return Ok(Organisers { lead, joint: None });
    }
    if let Some(g) = group {
        checks::group(state, &g)?;
    }
    if co_organisers.len() > MAX_CO_ORGANISERS {
        return Err(Rejection::invalid(
            "too_many_co_organisers",
            format!(
                "a joint activity names at most {MAX_CO_ORGANISERS} other teams, this one names {}",
                co_organisers.len()
            ),
        ));
    }
    let mut seen = HashSet::from([lead]);
    let mut teams = Vec::with_capacity(co_organisers.len());
    for (i, id) in co_organisers.iter().enumerate() {
        if !seen.insert(*id) {
            return Err(Rejection::invalid(
                "duplicate_co_organiser",
                format!(
                    "co_organisers[{i}] ({id}) is named twice or is the team logging the activity"
                ),
            ));
        }
        let team = checks::team(state, id)?;
        teams.push(CoOrganiser {
            team_id: *id,
            district: team.district.clone(),
        });
    }
    let mut groups: Vec<_> = state
        .groups
        .values()
        .filter(|g| group.is_none_or(|named| g.id == named))
        .collect();
    groups.sort_by_key(|g| (g.parent.is_some(), g.id));
    let shared = groups.iter().find(|g| {
        state.in_group(&lead, &g.id, date)
            && teams
                .iter()
                .all(|t| state.in_group(&t.team_id, &g.id, date))
    });
    let Some(group) = shared else {
        let names: Vec<String> = std::iter::once(lead)
            .chain(teams.iter().map(|t| t.team_id))
            .filter_map(|t| state.teams.get(&t).map(|t| t.name.clone()))
            .collect();
        return Err(Rejection::invalid(
            "no_shared_group",
            format!(
                "{} were not all members of one group on {date}; a joint activity is organised by teams of one group (such as 银雁协共体)",
                names.join("、")
            ),
        ));
    };
    Ok(Organisers {
        lead,
        joint: Some((group.id, teams)),
    })
}
