//! Decisions about how the city organises its volunteering: districts, cross-region groups
//! and their memberships, the project list, and the evaluation's scoring weights.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::command::Command;
use crate::decide::{optional_text, require_admin, team_not_found, text, Rejection};
use crate::limits::{MAX_NAME_CHARS, MAX_REASON_CHARS, MAX_TITLE_CHARS, POINTS_DECIMAL_PLACES};
use crate::principal::Principal;
use crate::state::State;

/// Highest evaluation weight.
pub const MAX_WEIGHT: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

fn tomorrow(context: &Context) -> NaiveDate {
    context
        .now
        .local_date()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
}

fn not_future(field: &str, date: NaiveDate, context: &Context) -> Result<(), Rejection> {
    let limit = tomorrow(context);
    if date > limit {
        return Err(Rejection::invalid(
            "date_in_future",
            format!("{field} {date} is after tomorrow ({limit})"),
        ));
    }
    Ok(())
}

fn group_not_found(id: &GroupId) -> Rejection {
    Rejection::not_found("group_not_found", format!("no group has id {id}"))
}

fn project_not_found(id: &ProjectId) -> Rejection {
    Rejection::not_found("project_not_found", format!("no project has id {id}"))
}

/// Checks that an activity of `team` on `date` may be logged under `project`.
pub(crate) fn check_project_for_activity(
    state: &State,
    project: ProjectId,
    team: TeamId,
    date: NaiveDate,
) -> Result<(), Rejection> {
    let p = state
        .projects
        .get(&project)
        .ok_or_else(|| project_not_found(&project))?;
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

fn weight(field: &str, value: Decimal) -> Result<(), Rejection> {
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

/// Decides the organisation commands.
pub(crate) fn decide(
    state: &State,
    who: &Principal,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::RegisterDistrict { name, kind, region } => {
            require_admin(who, "register districts")?;
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
                    kind: *kind,
                    region,
                })],
            )])
        }
        Command::FoundGroup {
            group_id,
            name,
            purpose,
            founded_on,
        } => {
            require_admin(who, "found groups")?;
            let name = text("name", name, MAX_NAME_CHARS)?;
            let purpose = optional_text("purpose", purpose, MAX_REASON_CHARS)?;
            not_future("founded_on", *founded_on, context)?;
            if state.groups.contains_key(group_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("group {group_id} already exists"),
                ));
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
                    group_id: *group_id,
                    name,
                    purpose,
                    founded_on: *founded_on,
                })],
            )])
        }
        Command::AddSubGroup {
            group_id,
            sub_group_id,
            name,
            added_on,
        } => {
            require_admin(who, "add sub-groups")?;
            let name = text("name", name, MAX_NAME_CHARS)?;
            let group = state
                .groups
                .get(group_id)
                .ok_or_else(|| group_not_found(group_id))?;
            if group.parent.is_some() {
                return Err(Rejection::invalid(
                    "nested_sub_group",
                    "a sub-group cannot have sub-groups of its own",
                ));
            }
            if *added_on < group.founded_on {
                return Err(Rejection::invalid(
                    "before_founding",
                    format!(
                        "{added_on} is before the group was founded ({})",
                        group.founded_on
                    ),
                ));
            }
            not_future("added_on", *added_on, context)?;
            if state.groups.contains_key(sub_group_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("group {sub_group_id} already exists"),
                ));
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
                    group_id: *group_id,
                    sub_group_id: *sub_group_id,
                    name,
                    added_on: *added_on,
                })],
            )])
        }
        Command::JoinGroup {
            team_id,
            group_id,
            sub_group_id,
            joined_on,
        } => {
            require_admin(who, "change group memberships")?;
            state
                .teams
                .get(team_id)
                .ok_or_else(|| team_not_found(team_id))?;
            let group = state
                .groups
                .get(group_id)
                .ok_or_else(|| group_not_found(group_id))?;
            if group.parent.is_some() {
                return Err(Rejection::invalid(
                    "join_the_group",
                    "join the group itself and name the sub-group in sub_group_id",
                ));
            }
            if let Some(s) = sub_group_id {
                if !group.sub_groups.contains(s) {
                    return Err(Rejection::invalid(
                        "not_a_sub_group",
                        format!("{s} is not a sub-group of {}", group.name),
                    ));
                }
            }
            if *joined_on < group.founded_on {
                return Err(Rejection::invalid(
                    "before_founding",
                    format!(
                        "{joined_on} is before the group was founded ({})",
                        group.founded_on
                    ),
                ));
            }
            not_future("joined_on", *joined_on, context)?;
            if let Some(m) = group
                .memberships
                .iter()
                .find(|m| m.team_id == *team_id && m.left_on.is_none_or(|l| l > *joined_on))
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
                    team_id: *team_id,
                    group_id: *group_id,
                    sub_group_id: *sub_group_id,
                    joined_on: *joined_on,
                })],
            )])
        }
        Command::LeaveGroup {
            team_id,
            group_id,
            left_on,
        } => {
            require_admin(who, "change group memberships")?;
            let group = state
                .groups
                .get(group_id)
                .ok_or_else(|| group_not_found(group_id))?;
            let Some(m) = group
                .memberships
                .iter()
                .rev()
                .find(|m| m.team_id == *team_id && m.left_on.is_none())
            else {
                return Err(Rejection::conflict(
                    "not_a_member",
                    format!("the team is not a member of {}", group.name),
                ));
            };
            if *left_on <= m.joined_on {
                return Err(Rejection::invalid(
                    "before_joining",
                    format!("{left_on} is not after the day it joined ({})", m.joined_on),
                ));
            }
            not_future("left_on", *left_on, context)?;
            Ok(vec![Commit::any(
                group_id.stream(),
                vec![Event::TeamLeftGroup(TeamLeftGroup {
                    team_id: *team_id,
                    group_id: *group_id,
                    left_on: *left_on,
                })],
            )])
        }
        Command::RegisterProject {
            project_id,
            owner,
            title,
            category,
            goal,
            starts_on,
            ends_on,
            status,
        } => {
            match (who, owner) {
                (Principal::System | Principal::Admin(_), _) => {}
                (Principal::Coordinator(_, mine), ProjectOwner::Team(t)) if mine == t => {}
                _ => return Err(Rejection::forbidden("not_allowed", "only administrators, or a team's coordinator for the team's own projects, register projects")),
            }
            match owner {
                ProjectOwner::Team(t) => {
                    state.teams.get(t).ok_or_else(|| team_not_found(t))?;
                }
                ProjectOwner::Group(g) => {
                    state.groups.get(g).ok_or_else(|| group_not_found(g))?;
                }
            }
            let title = text("title", title, MAX_TITLE_CHARS)?;
            let goal = optional_text("goal", goal, MAX_REASON_CHARS)?;
            if ends_on.is_some_and(|e| e < *starts_on) {
                return Err(Rejection::invalid(
                    "ends_before_start",
                    "ends_on is before starts_on",
                ));
            }
            if state.projects.contains_key(project_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("project {project_id} already exists"),
                ));
            }
            Ok(vec![Commit::new_stream(
                project_id.stream(),
                vec![Event::ProjectRegistered(ProjectRegistered {
                    project_id: *project_id,
                    owner: *owner,
                    title,
                    category: *category,
                    goal,
                    starts_on: *starts_on,
                    ends_on: *ends_on,
                    status: *status,
                })],
            )])
        }
        Command::ChangeProjectStatus {
            project_id,
            status,
            on,
        } => {
            let p = state
                .projects
                .get(project_id)
                .ok_or_else(|| project_not_found(project_id))?;
            match (who, p.owner) {
                (Principal::System | Principal::Admin(_), _) => {}
                (Principal::Coordinator(_, mine), ProjectOwner::Team(t)) if *mine == t => {}
                _ => return Err(Rejection::forbidden("not_allowed", "only administrators, or the owning team's coordinator, change a project's status")),
            }
            if p.status == *status {
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
            not_future("on", *on, context)?;
            Ok(vec![Commit::any(
                project_id.stream(),
                vec![Event::ProjectStatusChanged(ProjectStatusChanged {
                    project_id: *project_id,
                    status: *status,
                    on: *on,
                })],
            )])
        }
        Command::ChangeScoring { weights } => {
            require_admin(who, "change the evaluation's weights")?;
            for (field, value) in [
                ("per_activity", weights.per_activity),
                ("per_participant_time", weights.per_participant_time),
                ("per_active_volunteer", weights.per_active_volunteer),
                ("per_hour", weights.per_hour),
                ("per_person_served", weights.per_person_served),
                ("per_problem_resolved", weights.per_problem_resolved),
                ("per_dispute_settled", weights.per_dispute_settled),
            ] {
                weight(field, value)?;
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
        _ => Err(Rejection::invalid(
            "not_an_organisation_command",
            "internal: misrouted command",
        )),
    }
}
