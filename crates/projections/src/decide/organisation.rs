//! Decisions about how the city organises its volunteering: districts, cross-region groups
//! and their memberships, the project list, and the evaluation's scoring weights.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, not_future, optional_text, text};
use crate::command::NewProject;
use crate::limits::{MAX_NAME_CHARS, MAX_REASON_CHARS, MAX_TITLE_CHARS};
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// Checks that an activity of `team` on `date` may be logged under `project`.
pub(super) fn check_project_for_activity(
    state: &State,
    project: ProjectId,
    team: TeamId,
    date: NaiveDate,
) -> Result<(), Rejection> {
    let p = checks::project(state, &project)?;
    let belongs = match p.owner {
        ProjectOwner::Team(t) => t == team,
        ProjectOwner::Group(g) => state.in_group(&team, &g, date),
    };
    if !belongs {
        return Err(Rejection::invalid(
            "not_in_project",
            format!(
                "the team does not run project {:?} (or was not in its group on {date})",
                p.title
            ),
        ));
    }
    if p.status == ProjectStatus::Closed {
        return Err(Rejection::conflict(
            "project_closed",
            format!("project {:?} is closed", p.title),
        ));
    }
    if date < p.starts_on || p.ends_on.is_some_and(|e| date > e) {
        return Err(Rejection::invalid(
            "outside_project",
            format!(
                "{date} is outside project {:?} ({} to {})",
                p.title,
                p.starts_on,
                p.ends_on.map_or("open".into(), |e| e.to_string())
            ),
        ));
    }
    Ok(())
}

/// A district or county, registered once.
pub(super) fn register_district(
    state: &State,
    who: &Principal,
    name: &str,
    kind: DistrictKind,
    region: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("register districts"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let region = text("region", region, MAX_NAME_CHARS)?;
    if state.districts.get(&name).is_some_and(|d| d.registered) {
        return Err(Rejection::conflict(
            "duplicate_district",
            format!("{name} is already registered"),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::districts(),
        vec![Event::DistrictRegistered(DistrictRegistered {
            name,
            kind,
            region,
        })],
    )])
}

/// A cross-region group, under a name no other group has.
pub(super) fn found_group(
    state: &State,
    who: &Principal,
    context: &Context,
    group_id: GroupId,
    name: &str,
    purpose: &str,
    founded_on: NaiveDate,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("found groups"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let purpose = optional_text("purpose", purpose, MAX_REASON_CHARS)?;
    not_future("founded_on", founded_on, state, context)?;
    if state.groups.contains_key(&group_id) {
        return Err(checks::duplicate_id("group", group_id));
    }
    if state
        .groups
        .values()
        .any(|g| g.parent.is_none() && g.name == name)
    {
        return Err(Rejection::conflict(
            "duplicate_group",
            format!("a group named {name:?} exists already"),
        ));
    }
    Ok(vec![Commit::new_stream(
        group_id.stream(),
        vec![Event::GroupFounded(GroupFounded {
            group_id,
            name,
            purpose,
            founded_on,
        })],
    )])
}

/// A sub-group of a group (one level only).
pub(super) fn add_sub_group(
    state: &State,
    who: &Principal,
    context: &Context,
    (group_id, sub_group_id): (GroupId, GroupId),
    name: &str,
    added_on: NaiveDate,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("add sub-groups"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let group = checks::group(state, &group_id)?;
    if group.parent.is_some() {
        return Err(Rejection::invalid(
            "nested_sub_group",
            "a sub-group cannot have sub-groups of its own",
        ));
    }
    if added_on < group.founded_on {
        return Err(Rejection::invalid(
            "before_founding",
            format!(
                "{added_on} is before the group was founded ({})",
                group.founded_on
            ),
        ));
    }
    not_future("added_on", added_on, state, context)?;
    if state.groups.contains_key(&sub_group_id) {
        return Err(checks::duplicate_id("group", sub_group_id));
    }
    if group
        .sub_groups
        .iter()
        .filter_map(|s| state.groups.get(s))
        .any(|s| s.name == name)
    {
        return Err(Rejection::conflict(
            "duplicate_group",
            format!("{} already has a sub-group named {name:?}", group.name),
        ));
    }
    Ok(vec![Commit::any(
        group_id.stream(),
        vec![Event::SubGroupAdded(SubGroupAdded {
            group_id,
            sub_group_id,
            name,
            added_on,
        })],
    )])
}

/// A team joins a group, possibly in one of its sub-groups, from a date.
pub(super) fn join_group(
    state: &State,
    who: &Principal,
    context: &Context,
    (team_id, group_id, sub_group_id): (TeamId, GroupId, Option<GroupId>),
    joined_on: NaiveDate,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::ManageGroup(group_id))?;
    checks::team(state, &team_id)?;
    let group = checks::group(state, &group_id)?;
    if group.parent.is_some() {
        return Err(Rejection::invalid(
            "join_the_group",
            "join the group itself and name the sub-group in sub_group_id",
        ));
    }
    if let Some(s) = sub_group_id {
        if !group.sub_groups.contains(&s) {
            return Err(Rejection::invalid(
                "not_a_sub_group",
                format!("{s} is not a sub-group of {}", group.name),
            ));
        }
    }
    if joined_on < group.founded_on {
        return Err(Rejection::invalid(
            "before_founding",
            format!(
                "{joined_on} is before the group was founded ({})",
                group.founded_on
            ),
        ));
    }
    not_future("joined_on", joined_on, state, context)?;
    if let Some(m) = group
        .memberships
        .iter()
        .find(|m| m.team_id == team_id && m.left_on.is_none_or(|l| l > joined_on))
    {
        return Err(Rejection::conflict(
            "already_member",
            format!(
                "the team is a member of {} from {} already",
                group.name, m.joined_on
            ),
        ));
    }
    Ok(vec![Commit::any(
        group_id.stream(),
        vec![Event::TeamJoinedGroup(TeamJoinedGroup {
            team_id,
            group_id,
            sub_group_id,
            joined_on,
        })],
    )])
}

/// A team leaves a group from a date.
pub(super) fn leave_group(
    state: &State,
    who: &Principal,
    context: &Context,
    team_id: TeamId,
    group_id: GroupId,
    left_on: NaiveDate,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::ManageGroup(group_id))?;
    let group = checks::group(state, &group_id)?;
    let Some(m) = group
        .memberships
        .iter()
        .rev()
        .find(|m| m.team_id == team_id && m.left_on.is_none())
    else {
        return Err(Rejection::conflict(
            "not_a_member",
            format!("the team is not a member of {}", group.name),
        ));
    };
    if left_on <= m.joined_on {
        return Err(Rejection::invalid(
            "before_joining",
            format!("{left_on} is not after the day it joined ({})", m.joined_on),
        ));
    }
    not_future("left_on", left_on, state, context)?;
    Ok(vec![Commit::any(
        group_id.stream(),
        vec![Event::TeamLeftGroup(TeamLeftGroup {
            team_id,
            group_id,
            left_on,
        })],
    )])
}

/// A project on the list, run by a team or a group.
pub(super) fn register_project(
    state: &State,
    who: &Principal,
    p: &NewProject,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::RegisterProject(p.owner))?;
    match p.owner {
        ProjectOwner::Team(t) => {
            checks::team(state, &t)?;
        }
        ProjectOwner::Group(g) => {
            checks::group(state, &g)?;
        }
    }
    let title = text("title", &p.title, MAX_TITLE_CHARS)?;
    let goal = optional_text("goal", &p.goal, MAX_REASON_CHARS)?;
    checks::category(state, p.category)?;
    if p.ends_on.is_some_and(|e| e < p.starts_on) {
        return Err(Rejection::invalid(
            "ends_before_start",
            "ends_on is before starts_on",
        ));
    }
    if state.projects.contains_key(&p.project_id) {
        return Err(checks::duplicate_id("project", p.project_id));
    }
    Ok(vec![Commit::new_stream(
        p.project_id.stream(),
        vec![Event::ProjectRegistered(ProjectRegistered {
            project_id: p.project_id,
            owner: p.owner,
            title,
            category: p.category,
            goal,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            status: p.status,
        })],
    )])
}

/// A project moves from planned to running to closed (closed is final).
pub(super) fn change_project_status(
    state: &State,
    who: &Principal,
    context: &Context,
    project_id: &ProjectId,
    status: ProjectStatus,
    on: NaiveDate,
) -> Result<Vec<Commit>, Rejection> {
    let p = checks::project(state, project_id)?;
    access::may_write(who, &Write::ChangeProject(p.owner))?;
    if p.status == status {
        return Err(Rejection::conflict(
            "same_status",
            format!("the project is {} already", status.as_str()),
        ));
    }
    if p.status == ProjectStatus::Closed {
        return Err(Rejection::conflict(
            "project_closed",
            "a closed project stays closed",
        ));
    }
    not_future("on", on, state, context)?;
    Ok(vec![Commit::any(
        project_id.stream(),
        vec![Event::ProjectStatusChanged(ProjectStatusChanged {
            project_id: *project_id,
            status,
            on,
        })],
    )])
}

/// A new version of the evaluation's weights.
pub(super) fn change_scoring(
    state: &State,
    who: &Principal,
    weights: &ScoringWeights,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("change the evaluation's weights"))?;
    for (field, value) in [
        ("per_activity", weights.per_activity),
        ("per_participant_time", weights.per_participant_time),
        ("per_active_volunteer", weights.per_active_volunteer),
        ("per_hour", weights.per_hour),
        ("per_person_served", weights.per_person_served),
        ("per_problem_resolved", weights.per_problem_resolved),
        ("per_dispute_settled", weights.per_dispute_settled),
    ] {
        checks::weight(field, value)?;
    }
    let normal = |d: Decimal| d.normalize();
    Ok(vec![Commit::any(
        StreamId::scoring(),
        vec![Event::ScoringChanged(ScoringChanged {
            version: state.scoring.version + 1,
            weights: ScoringWeights {
                per_activity: normal(weights.per_activity),
                per_participant_time: normal(weights.per_participant_time),
                per_active_volunteer: normal(weights.per_active_volunteer),
                per_hour: normal(weights.per_hour),
                per_person_served: normal(weights.per_person_served),
                per_problem_resolved: normal(weights.per_problem_resolved),
                per_dispute_settled: normal(weights.per_dispute_settled),
            },
        })],
    )])
}
