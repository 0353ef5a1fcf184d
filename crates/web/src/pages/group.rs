//! A group coordinator's pages (e.g. 银雁协共体): the member teams and their memberships, the
//! group's projects, and the joint activities of its teams.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::answers::Logged;
use yinling_app::{input, App, AppError};
use yinling_ledger::{
    GroupId, ProjectId, ProjectOwner, ProjectRegistered, ProjectStatus, TeamId, TeamJoinedGroup,
    TeamLeftGroup, Timestamp,
};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, NewProject, Principal, State as LedgerState};

use super::activity_form::{
    activity_command, activity_form, logged_page, open_categories, rosters, to_refill, Refused,
    Roster,
};
use super::{act, genuine, may_read, submit_and_return, Form};
use crate::layout::{needs_sign_in, not_for_you, page, Frame};
use crate::limits::MIN_JOINT_TEAMS;
use crate::session::Viewer;

const HERE: &str = "/group";
const NEW_ACTIVITY: &str = "/group/activities/new";

/// The group a signed-in group coordinator coordinates: the access policy's roster of that
/// group must be open to them.
fn my_group(viewer: &Viewer) -> Result<(Principal, GroupId), Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(needs_sign_in(viewer));
    };
    let Principal::GroupCoordinator(_, group) = session.principal else {
        return Err(not_for_you(viewer));
    };
    let who = may_read(viewer, &Read::GroupRoster(group))?;
    Ok((who, group))
}

/// The teams that are members of `group` today, by name, with their sub-group's name.
fn members_today(state: &LedgerState, group: GroupId) -> Vec<(TeamId, String, String)> {
    let today = Timestamp::now().local_date();
    let Some(g) = state.groups.get(&group) else {
        return Vec::new();
    };
    let mut out: Vec<(TeamId, String, String)> = g
        .memberships
        .iter()
        .filter(|m| m.covers(today))
        .filter_map(|m| {
            let team = state.teams.get(&m.team_id)?;
            let sub = m
                .sub_group_id
                .and_then(|s| state.groups.get(&s))
                .map(|s| s.name.clone())
                .unwrap_or_default();
            Some((team.id, team.name.clone(), sub))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// `/group`: the member teams (leave), a team to add, the group's projects, and the way to
/// log a joint activity.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    let (_, group) = match my_group(&viewer) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let state = app.engine.read();
    let Some(g) = state.groups.get(&group) else {
        return not_for_you(&viewer);
    };
    let members = members_today(&state, group);
    let mut others: Vec<(TeamId, String)> = state
        .teams
        .values()
        .filter(|t| !members.iter().any(|m| m.0 == t.id))
        .map(|t| (t.id, format!("{}（{}）", t.name, t.district)))
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1));
    let subs: Vec<(GroupId, String)> = g
        .sub_groups
        .iter()
        .filter_map(|s| state.groups.get(s).map(|s| (s.id, s.name.clone())))
        .collect();
    let mut projects: Vec<_> = state
        .projects
        .values()
        .filter(|p| p.owner == ProjectOwner::Group(group))
        .collect();
    projects.sort_by_key(|p| std::cmp::Reverse(p.starts_on));
    let categories = open_categories(&state, today);
    page(
        Frame { viewer: &viewer, title: g.name.clone(), back: None, as_of: None },
        html! {
            a.button.big href=(NEW_ACTIVITY) { (l.t("登记一次联合活动", "Log a joint activity")) }
            h2 { (l.s(format!("成员队伍（{}）", members.len()), format!("Member teams ({})", members.len()))) }
            ul.list {
                @for (id, name, sub) in &members {
                    li {
                        div.row { strong { (name) } span { (sub) } }
                        form method="post" action={ "/group/members/" (id) "/leave" } {
                            (super::form_fields(&csrf))
                            label for={ "left-" (id) } { (l.t("从哪天起退出", "Leaves from")) }
                            input id={ "left-" (id) } name="left_on" type="date" value=(today.to_string()) required;
                            button.big.plain type="submit" { (l.s(format!("{name} 退出"), format!("{name} leaves"))) }
                        }
                    }
                }
            }
            h2 { (l.t("加入一支队伍", "Add a team")) }
            form method="post" action="/group/members" {
                (super::form_fields(&csrf))
                label for="team" { (l.t("队伍", "Team")) }
                select #team name="team_id" required {
                    @for (id, name) in &others { option value=(id) { (name) } }
                }
                label for="sub_group" { (l.t("所在小组（可不选）", "Sub-group (optional)")) }
                select #sub_group name="sub_group_id" {
                    option value="" { (l.t("不分小组", "None")) }
                    @for (id, name) in &subs { option value=(id) { (name) } }
                }
                label for="joined_on" { (l.t("从哪天起加入", "Joins from")) }
                input #joined_on name="joined_on" type="date" value=(today.to_string()) required;
                button.big type="submit" { (l.t("加入", "Add")) }
            }
            h2 { (l.t("协作体项目", "The group's projects")) }
            ul.list {
                @for p in &projects {
                    li { div.row { strong { (p.title) } span { (p.starts_on) } } }
                }
            }
            form method="post" action="/group/projects" {
                (super::form_fields(&csrf))
                label for="title" { (l.t("项目名称", "Project title")) }
                input #title name="title" required;
                label for="category" { (l.t("服务类别", "Kind of service")) }
                select #category name="category" {
                    @for c in &categories { option value=(c.code) { (c.label(l == crate::i18n::Lang::Zh)) } }
                }
                label for="starts_on" { (l.t("开始日期", "Starts on")) }
                input #starts_on name="starts_on" type="date" value=(today.to_string()) required;
                button.big.plain type="submit" { (l.t("列入项目清单", "Put it on the list")) }
            }
        },
    )
    .into_response()
}

/// `/group/activities/new`: first the organising teams (the first ticked logs it), then
/// the form with their volunteers.
pub async fn new_activity(
    State(app): State<App>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Response {
    let asked = super::query_all(query.as_deref(), "teams");
    activity_page(&app, &viewer, &asked, None)
}

/// The joint activity form of the teams `asked` (the first logs it), blank or sent back
/// `refused`; the teams to choose from while fewer than two are asked.
fn activity_page(
    app: &App,
    viewer: &Viewer,
    asked: &[String],
    refused: Option<Refused<'_>>,
) -> Response {
    let (who, group) = match my_group(viewer) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let state = app.engine.read();
    let members = members_today(&state, group);
    let mut chosen: Vec<TeamId> = Vec::new();
    for v in asked {
        match v.parse::<TeamId>() {
            Ok(t) if members.iter().any(|m| m.0 == t) && !chosen.contains(&t) => chosen.push(t),
            _ => return not_for_you(viewer),
        }
    }
    let picked: Vec<&yinling_projections::teams::Team> =
        chosen.iter().filter_map(|t| state.teams.get(t)).collect();
    let teams: Vec<Roster> = rosters(&state, &who, &picked, viewer.lang);
    let lead = chosen.first().copied();
    let category = lead
        .and_then(|t| state.teams.get(&t))
        .map_or(yinling_ledger::Category::Mediation, |t| t.category);
    let categories = open_categories(&state, today);
    page(
        Frame { viewer, title: l.t("登记一次联合活动", "Log a joint activity").into(), back: Some(HERE), as_of: None },
        html! {
            @if teams.len() < MIN_JOINT_TEAMS {
                form method="get" {
                    fieldset {
                        legend { (l.t("哪些队伍一起举办的？（至少两支；第一支负责登记）", "Which teams organised it? (two or more; the first logs it)")) }
                        @for (id, name, _) in &members {
                            div.choice {
                                input type="checkbox" name="teams" value=(id) id={ "t-" (id) } checked[chosen.contains(id)];
                                label for={ "t-" (id) } { (name) }
                            }
                        }
                    }
                    button.big type="submit" { (l.t("列出这些队伍的队员", "List their volunteers")) }
                }
            } @else {
                (activity_form(l, &csrf, (&categories, category), &teams, today, lead, refused.as_ref()))
            }
        },
    )
    .into_response()
}

/// Logs the joint activity the form describes, in the coordinator's group.
pub async fn log_activity(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Principal::GroupCoordinator(_, group) = session.principal else {
        return not_for_you(&viewer);
    };
    if !access::can_write(&session.principal, &Write::LogJointActivity(group)) {
        return not_for_you(&viewer);
    }
    let command = input::id::<TeamId>("team", form.get("team").unwrap_or(""))
        .map_err(AppError::from)
        .and_then(|lead| activity_command(&app.engine.read(), &session.principal, &form, lead));
    let command = match command {
        Ok(Command::LogActivity(a)) => Command::LogActivity(yinling_projections::NewActivity {
            group_id: Some(group),
            ..a
        }),
        Ok(other) => other,
        Err(error) => return refused_again(&app, &viewer, &form, &error),
    };
    let result = act::<Logged>(&app, &session.principal, &form, command).await;
    if let Some(error) = to_refill(&result) {
        return refused_again(&app, &viewer, &form, error);
    }
    logged_page(&viewer, result, (NEW_ACTIVITY, HERE, None))
}

/// The joint activity form sent back with what it held: its teams are the lead and the
/// others it carried.
fn refused_again(app: &App, viewer: &Viewer, form: &Form, error: &AppError) -> Response {
    let teams: Vec<String> = form
        .get("team")
        .into_iter()
        .chain(form.all("with"))
        .map(str::to_owned)
        .collect();
    activity_page(app, viewer, &teams, Some(Refused { form, error }))
}

/// The group a group coordinator's form acts on (anyone else is refused as the API would).
fn group_of(who: &Principal) -> Result<GroupId, AppError> {
    match who {
        Principal::GroupCoordinator(_, g) => Ok(*g),
        _ => Err(AppError::Rejected(
            yinling_projections::Rejection::forbidden(
                "not_allowed",
                "this form is for a group's coordinator",
            ),
        )),
    }
}

/// A team joins the group.
pub async fn join(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<TeamJoinedGroup>(&app, &viewer, &form, HERE, |who| {
        let sub = form.text("sub_group_id");
        Ok(Command::JoinGroup {
            team_id: input::id("team_id", form.get("team_id").unwrap_or(""))?,
            group_id: group_of(who)?,
            sub_group_id: if sub.is_empty() {
                None
            } else {
                Some(input::id("sub_group_id", &sub)?)
            },
            joined_on: input::date("joined_on", form.get("joined_on").unwrap_or(""))?,
        })
    })
    .await
}

/// A team leaves the group from a date.
pub async fn leave(
    State(app): State<App>,
    viewer: Viewer,
    Path(team): Path<String>,
    form: Form,
) -> Response {
    submit_and_return::<TeamLeftGroup>(&app, &viewer, &form, HERE, |who| {
        Ok(Command::LeaveGroup {
            team_id: input::id("team", &team)?,
            group_id: group_of(who)?,
            left_on: input::date("left_on", form.get("left_on").unwrap_or(""))?,
        })
    })
    .await
}

/// Puts a project of the group on the list.
pub async fn register_project(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let category = input::category(
        &app.engine.read(),
        "category",
        form.get("category").unwrap_or(""),
    );
    submit_and_return::<ProjectRegistered>(&app, &viewer, &form, HERE, |who| {
        Ok(Command::RegisterProject(NewProject {
            project_id: ProjectId::generate(),
            owner: ProjectOwner::Group(group_of(who)?),
            title: form.text("title"),
            category: category?,
            goal: String::new(),
            starts_on: input::date("starts_on", form.get("starts_on").unwrap_or(""))?,
            ends_on: None,
            status: ProjectStatus::Planned,
        }))
    })
    .await
}
