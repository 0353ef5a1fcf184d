//! The coordinator's pages: the team, its volunteers, logging and reversing activities.

use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike as _;
use maud::html;
use rust_decimal::Decimal;
use serde::Deserialize;
use yinling_app::answers::{Logged, ReversedActivity};
use yinling_app::{input, App, AppError};
use yinling_ledger::{
    ActivityId, ServiceCorrected, TeamId, Timestamp, VolunteerId, VolunteerRegistered,
};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, Principal, State as LedgerState};

use super::activity_form::{
    activity_command, activity_form, logged_page, open_categories, rosters, to_refill, Refused,
};
use super::{act, genuine, may_read, may_write, see_other, AsOf, Form};
use crate::charts::{horizontal, Bar};
use crate::layout::{category_name, needs_sign_in, not_for_you, num, page, refusal, stars, Frame};
pub use crate::limits::ACTIVITIES_SHOWN;
use crate::session::Viewer;

/// The coordinator's own team, which these pages are about: the access policy's roster of
/// that team must be open to them.
fn my_team(viewer: &Viewer) -> Result<(Principal, TeamId), Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(needs_sign_in(viewer));
    };
    let team = access::own_team(&session.principal).ok_or_else(|| not_for_you(viewer))?;
    let who = may_read(viewer, &Read::Roster(Some(team)))?;
    Ok((who, team))
}

/// `/team`: the team at a glance.
pub async fn dashboard(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    let (_, team_id) = match my_team(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/", &e),
    };
    view.with(|state| {
        let Some(team) = state.teams.get(&team_id) else { return not_for_you(&viewer) };
        let t = &team.tally;
        let today = yinling_app::reports::day_of(state, q.as_of);
        let months: Vec<Bar> = (0..12)
            .rev()
            .filter_map(|back| {
                let start = today.checked_sub_months(chrono::Months::new(back))?.with_day0(0)?;
                let end = start.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
                let h = state.rankings.team_window(&team_id, Some(start), Some(end)).hours;
                Some(Bar { label: l.s(format!("{}月", chrono::Datelike::month(&start)), start.format("%b").to_string()), value: h.to_string().parse().unwrap_or(0.0), shown: num(h) })
            })
            .collect();
        page(
            Frame { viewer: &viewer, title: team.name.clone(), back: None, as_of: q.as_of },
            html! {
                (super::money::coverage_banner(state, l))
                p.muted { (team.district) " · " (category_name(l, &state.categories, &team.category)) }
                section.card {
                    table {
                        tr { th { (l.t("志愿者", "Volunteers")) } td { (team.members.len()) } }
                        tr { th { (l.t("活动次数", "Activities")) } td { (t.activities) } }
                        tr { th { (l.t("参与人次", "Participations")) } td { (t.participant_times) } }
                        tr { th { (l.t("服务时长", "Hours")) } td { (num(t.hours)) } }
                        tr { th { (l.t("发放积分", "Points earned")) } td { (num(t.points)) } }
                        tr { th { (l.t("服务群众", "People served")) } td { (t.people_served) } }
                        @if t.disputes_handled > 0 {
                            tr { th { (l.t("调解纠纷（成功）", "Disputes (settled)")) } td { (t.disputes_handled) "（" (t.disputes_settled) "）" } }
                        }
                    }
                }
                a.button.big href="/team/activities/new" { (l.t("登记一次活动", "Log an activity")) }
                a.button.big.plain href="/team/activities" { (l.t("活动记录和冲正", "Activities and reversals")) }
                a.button.big.plain href="/team/volunteers" { (l.t("志愿者名单", "Volunteers")) }
                a.button.big.plain href="/team/volunteers/new" { (l.t("登记新志愿者", "Register a volunteer")) }
                a.button.big.plain href="/team/cards" { (l.t("打印积分卡", "Print points cards")) }
                a.button.big.plain href={ "/notice/" (team_id) } { (l.t("公示栏（可打印）", "Public notice (to print)")) }
                a.button.big.plain href="/team/disputes" { (l.t("异议和漏登", "Disputes")) }
                a.button.big.plain href="/team/statements" { (l.t("打印每人的月度明细", "Print monthly statements")) }
                a.button.big.plain href="/rankings" { (l.t("排行榜", "Leaderboard")) }
                a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
                h2 { (l.t("最近 12 个月的服务时长", "Hours in the last 12 months")) }
                (horizontal("chart-team-months", l.t("本队每月服务时长", "Team hours per month"), &months))
            },
        )
        .into_response()
    })
}

/// Search on the volunteer list.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    /// Part of a name.
    pub q: Option<String>,
    /// As of a past seq.
    pub as_of: Option<u64>,
}

/// `/team/volunteers`.
pub async fn volunteers(
    State(app): State<App>,
    viewer: Viewer,
    Query(s): Query<Search>,
) -> Response {
    let (_, team_id) = match my_team(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let needle = s.q.clone().unwrap_or_default().trim().to_lowercase();
    let view = match app.engine.view(s.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/team", &e),
    };
    view.with(|state| {
        let Some(team) = state.teams.get(&team_id) else { return not_for_you(&viewer) };
        let mut people: Vec<_> = team.members.iter().filter_map(|id| state.volunteers.get(id)).filter(|v| needle.is_empty() || v.name.to_lowercase().contains(&needle)).collect();
        people.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        page(
            Frame { viewer: &viewer, title: l.t("志愿者名单", "Volunteers").into(), back: Some("/team"), as_of: s.as_of },
            html! {
                form method="get" {
                    label for="q" { (l.t("按姓名查找", "Find by name")) }
                    input #q name="q" value=(s.q.clone().unwrap_or_default());
                    button.big type="submit" { (l.t("查找", "Find")) }
                }
                ul.list {
                    @for v in people {
                        li {
                            div.row { a href={ "/team/volunteers/" (v.id) } { strong { (v.name) } } span { (stars(l, v.stars().0)) } }
                            div.row.muted {
                                span { (l.s(format!("{} 小时", num(v.hours_net())), format!("{} hours", num(v.hours_net())))) }
                                span { (l.s(format!("可用 {} 积分", num(v.balance.available())), format!("{} points available", num(v.balance.available())))) }
                            }
                        }
                    }
                }
            },
        )
        .into_response()
    })
}

/// `/team/volunteers/new`.
pub async fn new_volunteer(State(app): State<App>, viewer: Viewer) -> Response {
    if let Err(r) = my_team(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let csrf = viewer.csrf();
    let notice = app.engine.read().privacy_notices.last().cloned();
    page(
        Frame {
            viewer: &viewer,
            title: l.t("登记新志愿者", "Register a volunteer").into(),
            back: Some("/team"),
            as_of: None,
        },
        html! {
            form method="post" {
                (super::form_fields(&csrf))
                label for="name" { (l.t("姓名", "Name")) }
                input #name name="name" required autocomplete="off";
                label for="birth_year" { (l.t("出生年份（可以不填）", "Year of birth (optional)")) }
                input #birth_year name="birth_year" inputmode="numeric" pattern="[0-9]{4}";
                @if let Some(n) = &notice {
                    details {
                        summary { (l.s(format!("个人信息保护告知书（第 {} 版）", n.version), format!("Privacy notice (version {})", n.version))) }
                        @for para in n.text_zh.split('\n') { p.notice { (para) } }
                    }
                    input type="hidden" name="notice_version" value=(n.version);
                    label { input type="checkbox" name="consent" value="1"; " " (l.t("已向本人读过告知书，本人同意", "The notice was read to them and they agree")) }
                }
                button.big type="submit" { (l.t("登记", "Register")) }
            }
        },
    )
    .into_response()
}

/// Registers a volunteer in the coordinator's team.
pub async fn register_volunteer(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(team_id) = access::own_team(&session.principal) else {
        return not_for_you(&viewer);
    };
    let birth_year =
        match input::optional_number::<u16>("birth_year", form.get("birth_year").unwrap_or("")) {
            Ok(y) => y,
            Err(r) => return refusal(&viewer, "/team/volunteers/new", &r.into()),
        };
    let command = Command::RegisterVolunteer {
        volunteer_id: VolunteerId::generate(),
        name: form.text("name"),
        team_id,
        birth_year,
        consent: consent_of(&form),
    };
    match act::<VolunteerRegistered>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other("/team/volunteers"),
        Err(e) => refusal(&viewer, "/team/volunteers/new", &e),
    }
}

/// The teams that share a group with `team` on `day`, by name: those a joint activity
/// may be organised with.
fn partners(state: &LedgerState, team: TeamId, day: chrono::NaiveDate) -> Vec<(TeamId, String)> {
    let mut out: Vec<(TeamId, String)> = state
        .teams
        .values()
        .filter(|t| {
            t.id != team
                && state
                    .groups
                    .keys()
                    .any(|g| state.in_group(&team, g, day) && state.in_group(&t.id, g, day))
        })
        .map(|t| (t.id, t.name.clone()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// `/team/activities/new`: the form with the participant picker; `?with=<team>` (repeated)
/// makes it a joint activity with those teams of a shared group, listing their people too.
pub async fn new_activity(
    State(app): State<App>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Response {
    let asked = super::query_all(query.as_deref(), "with");
    activity_page(&app, &viewer, &asked, None)
}

/// The activity form of the coordinator's team with the teams `asked` (a joint activity),
/// blank or sent back `refused`.
fn activity_page(
    app: &App,
    viewer: &Viewer,
    asked: &[String],
    refused: Option<Refused<'_>>,
) -> Response {
    let (who, team_id) = match my_team(viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let (category, categories, teams, partner_teams) = {
        let state = app.engine.read();
        let Some(team) = state.teams.get(&team_id) else {
            return not_for_you(viewer);
        };
        let partner_teams = partners(&state, team_id, today);
        let mut with = Vec::new();
        for (i, id) in asked.iter().enumerate() {
            let Ok(other) = input::id::<TeamId>(&format!("with[{i}]"), id) else {
                return not_for_you(viewer);
            };
            let shares_group = partner_teams.iter().any(|(t, _)| *t == other);
            if access::may_read(&who, &Read::Partners { shares_group }).is_err() || !shares_group {
                return not_for_you(viewer);
            }
            if !with.contains(&other) {
                with.push(other);
            }
        }
        let mut picked = vec![team];
        picked.extend(with.iter().filter_map(|t| state.teams.get(t)));
        let teams = rosters(&state, &who, &picked, viewer.lang);
        let categories = open_categories(&state, today);
        (team.category, categories, teams, partner_teams)
    };
    let joint = teams.len() > 1;
    page(
        Frame { viewer, title: l.t("登记一次活动", "Log an activity").into(), back: Some("/team"), as_of: None },
        html! {
            @if !partner_teams.is_empty() && !joint {
                details {
                    summary { (l.t("和协作体里的其他队伍联合举办的？", "Organised jointly with teams of your group?")) }
                    form method="get" {
                        fieldset {
                            legend { (l.t("一起举办的队伍", "Teams it was organised with")) }
                            @for (id, name) in &partner_teams {
                                div.choice {
                                    input type="checkbox" name="with" value=(id) id={ "with-" (id) };
                                    label for={ "with-" (id) } { (name) }
                                }
                            }
                        }
                        button.big.plain type="submit" { (l.t("列出这些队伍的队员", "List their volunteers too")) }
                    }
                }
            }
            (activity_form(l, &csrf, (&categories, category), &teams, today, None, refused.as_ref()))
        },
    )
    .into_response()
}

/// Logs the activity for everyone ticked, atomically.
pub async fn log_activity(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(team_id) = access::own_team(&session.principal) else {
        return not_for_you(&viewer);
    };
    if let Err(r) = may_write(&viewer, &Write::LogActivity(team_id)) {
        return r;
    }
    let with: Vec<String> = form.all("with").into_iter().map(str::to_owned).collect();
    let command = match activity_command(&app.engine.read(), &session.principal, &form, team_id) {
        Ok(c) => c,
        Err(error) => {
            return activity_page(
                &app,
                &viewer,
                &with,
                Some(Refused {
                    form: &form,
                    error: &error,
                }),
            )
        }
    };
    let result = act::<Logged>(&app, &session.principal, &form, command).await;
    if let Some(error) = to_refill(&result) {
        return activity_page(&app, &viewer, &with, Some(Refused { form: &form, error }));
    }
    logged_page(
        &viewer,
        result,
        ("/team/activities/new", "/team", Some("/team/activities")),
    )
}

/// `/team/activities`: newest first, each with its reversal link.
pub async fn activities(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    let (_, team_id) = match my_team(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/team", &e),
    };
    view.with(|state| {
        let mut list: Vec<_> = state.activities.values().filter(|a| a.organised_by(&team_id)).collect();
        list.sort_by_key(|a| std::cmp::Reverse((a.date, a.seq)));
        page(
            Frame { viewer: &viewer, title: l.t("活动记录", "Activities").into(), back: Some("/team"), as_of: q.as_of },
            html! {
                @if list.is_empty() { p { (l.t("还没有活动记录。", "No activities yet.")) } }
                ul.list {
                    @for a in list.into_iter().take(ACTIVITIES_SHOWN) {
                        li {
                            div.row { strong { (a.date) " " (a.title) } span.amount { (num(a.points_total())) " " (l.t("积分", "points")) } }
                            p.muted { (l.s(format!("{} 人，{} 小时", a.participants.len(), num(a.hours_total())), format!("{} people, {} hours", a.participants.len(), num(a.hours_total())))) }
                            @if a.joint().is_some() {
                                p.muted { (l.t("联合活动：", "Joint activity: ")) (a.organisers().iter().filter_map(|t| state.teams.get(t).map(|t| t.name.clone())).collect::<Vec<_>>().join(l.t("、", ", "))) }
                            }
                            @if let Some(r) = a.reversal() {
                                p { (l.t("已冲正：", "Reversed: ")) (r.reason) }
                            } @else if q.as_of.is_none() {
                                a.button.plain href={ "/team/activities/" (a.id) "/correct" } { (l.t("更正某个人的时长", "Correct one person's hours")) }
                                @if a.team_id == team_id {
                                    a.button.plain href={ "/team/activities/" (a.id) "/confirmation" } {
                                        @if a.awaits_confirmation { (l.t("待服务对象确认：打印确认单", "Waits for confirmation: print a slip")) }
                                        @else if a.confirmed() { (l.t("服务对象已确认", "Confirmed by those served")) }
                                        @else { (l.t("请服务对象确认", "Ask those served to confirm")) }
                                    }
                                    a.button.plain href={ "/team/activities/" (a.id) "/reverse" } { (l.t("录错了，冲正", "Wrong entry: reverse")) }
                                }
                            }
                        }
                    }
                }
            },
        )
        .into_response()
    })
}

/// The reversal form (with its reason).
pub async fn reverse_form(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let (_, team_id) = match my_team(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let Ok(activity_id) = id.parse::<ActivityId>() else {
        return not_for_you(&viewer);
    };
    let title = {
        let state = app.engine.read();
        match state
            .activities
            .get(&activity_id)
            .filter(|a| a.team_id == team_id)
        {
            Some(a) => format!("{} {}", a.date, a.title),
            None => return not_for_you(&viewer),
        }
    };
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("冲正一次活动", "Reverse an activity").into(), back: Some("/team/activities"), as_of: None },
        html! {
            p { (title) }
            p.note { (l.t("冲正会把这次活动发的积分和时长全部收回。原来的记录不会删除，会留下冲正记录。", "A reversal takes back all points and hours of this activity. The original entry stays; the reversal is recorded beside it.")) }
            form method="post" {
                (super::form_fields(&csrf))
                label for="reason" { (l.t("冲正原因", "Reason")) }
                input #reason name="reason" required;
                button.big type="submit" { (l.t("确认冲正", "Reverse it")) }
            }
        },
    )
    .into_response()
}

/// Reverses an activity.
pub async fn reverse(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let activity_id: ActivityId = match input::id("activity", &id) {
        Ok(a) => a,
        Err(r) => return refusal(&viewer, "/team/activities", &r.into()),
    };
    match act::<ReversedActivity>(
        &app,
        &session.principal,
        &form,
        Command::ReverseActivity {
            activity_id,
            reason: form.text("reason"),
        },
    )
    .await
    {
        Ok(_) => see_other("/team/activities"),
        Err(e) => refusal(
            &viewer,
            &format!("/team/activities/{activity_id}/reverse"),
            &e,
        ),
    }
}

/// The correction form: whose hours, the right hours (0: was not there), and why.
pub async fn correct_form(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let (who, team_id) = match my_team(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let Ok(activity_id) = id.parse::<ActivityId>() else {
        return not_for_you(&viewer);
    };
    let (title, people) = {
        let state = app.engine.read();
        let Some(a) = state
            .activities
            .get(&activity_id)
            .filter(|a| a.organised_by(&team_id) && a.reversal().is_none())
        else {
            return not_for_you(&viewer);
        };
        // A co-organiser's coordinator corrects only their own team's people; the lead
        // team's sees a partner team's people too, their names masked as everywhere else
        // (with the number, so two 张* are told apart).
        let people: Vec<(VolunteerId, String, Decimal)> = a
            .participants
            .iter()
            .filter(|p| a.team_id == team_id || a.team_of(p) == team_id)
            .filter_map(|p| {
                let v = yinling_projections::checks::participant(&state, p.number).ok()?;
                Some((v.id, super::activity_form::picked_name(&who, v), p.hours))
            })
            .collect();
        (format!("{} {}", a.date, a.title), people)
    };
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("更正一个人的时长", "Correct one person's hours").into(), back: Some("/team/activities"), as_of: None },
        html! {
            p { (title) }
            p.note { (l.t("只改这一个人，其他人不变。填 0 表示这个人其实没有参加。原来的记录不会删除，会留下更正记录。", "Only this person changes; the others stay. Enter 0 if they did not take part. The original entry stays; the correction is recorded beside it.")) }
            form method="post" {
                (super::form_fields(&csrf))
                fieldset {
                    legend { (l.t("更正谁", "Whose hours")) }
                    @for (id, name, hours) in &people {
                        div.pick {
                            input type="radio" name="volunteer" value=(id) id={ "p-" (id) } required;
                            label for={ "p-" (id) } { (name) " · " (l.s(format!("现在 {} 小时", num(*hours)), format!("now {} hours", num(*hours)))) }
                        }
                    }
                }
                label for="hours" { (l.t("正确的时长（小时，没参加填 0）", "The right hours (0 if not there)")) }
                input #hours name="hours" inputmode="decimal" required;
                label for="reason" { (l.t("更正原因", "Reason")) }
                input #reason name="reason" required;
                button.big type="submit" { (l.t("确认更正", "Correct it")) }
            }
        },
    )
    .into_response()
}

/// Corrects one participant's hours.
pub async fn correct(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let back = format!("/team/activities/{id}/correct");
    let command = (|| -> Result<Command, AppError> {
        Ok(Command::CorrectParticipation {
            activity_id: input::id("activity", &id)?,
            volunteer_id: input::id("volunteer", form.get("volunteer").unwrap_or(""))?,
            hours: input::decimal("hours", form.get("hours").unwrap_or(""))?,
            reason: form.text("reason"),
        })
    })();
    let command = match command {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, &back, &e),
    };
    match act::<ServiceCorrected>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other("/team/activities"),
        Err(e) => refusal(&viewer, &back, &e),
    }
}

/// The consent the registration form records: the box ticked under the notice shown.
fn consent_of(form: &Form) -> Option<yinling_projections::GivenConsent> {
    if form.get("consent") != Some("1") {
        return None;
    }
    let notice_version = form.get("notice_version")?.parse().ok()?;
    Some(yinling_projections::GivenConsent {
        purpose: super::privacy::PURPOSE.into(),
        notice_version,
        collected_by: "队伍协调员".into(),
    })
}
