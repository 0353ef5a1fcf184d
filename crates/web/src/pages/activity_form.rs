//! The activity form and what logging it answers, shared by a team's coordinator (their
//! own team, or a joint activity with teams of their groups) and a group's coordinator (a
//! joint activity of the group's teams).

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use rust_decimal::Decimal;
use yinling_app::answers::Logged;
use yinling_app::{input, AppError, Written};
use yinling_ledger::{ActivityId, Category, Outcomes, TeamId, VolunteerId};
use yinling_projections::categories::CategoryRecord;
use yinling_projections::teams::Team;
use yinling_projections::{access, Command, ParticipantHours, Principal, State as LedgerState};

use super::Form;
use crate::i18n::Lang;
use crate::layout::{num, page, refusal, Frame};
use crate::limits::FORMER_MEMBERS_DAYS;
use crate::session::Viewer;

/// A team's id, name and volunteers (id, name), by name.
pub(super) type Roster = (TeamId, String, Vec<(VolunteerId, String)>);

/// A volunteer as the participant pickers and forms name them: in full to who sees their
/// personal fields, else masked with their registration number (two 张* of one team are
/// told apart by it, not ticked by guess).
pub(super) fn picked_name(
    who: &Principal,
    v: &yinling_projections::volunteers::Volunteer,
) -> String {
    if access::sees_personal(who, v) {
        v.name.clone()
    } else {
        format!("{} · {}", access::name_for(who, v), v.number)
    }
}

/// The rosters of `teams`, for the participant picker, each name as `who` may see it (a
/// partner team's or a group's members masked, as the API shows them). A masked name carries
/// the volunteer's number too: two 张* of one team are told apart by it, not ticked by
/// guess. Members who moved to another team in the last [`FORMER_MEMBERS_DAYS`] come after,
/// marked: service they did with this team before the move is still this team's to log
/// (found in one pass over every volunteer for all the teams of a form).
pub(super) fn rosters(
    state: &LedgerState,
    who: &Principal,
    teams: &[&Team],
    l: Lang,
) -> Vec<Roster> {
    let since =
        yinling_ledger::Timestamp::now().plus_seconds(-i64::from(FORMER_MEMBERS_DAYS) * 86_400);
    let moved = l.t(
        "（已调出，调出前的服务）",
        " (moved away: service before the move)",
    );
    let mut former: HashMap<TeamId, Vec<(VolunteerId, String)>> = HashMap::new();
    for v in state.volunteers.values() {
        for pair in v.team_history.windows(2) {
            let left = pair[0].team_id;
            let lately = pair[1].team_id != left && pair[1].since >= since;
            if lately && v.team_id != left && teams.iter().any(|t| t.id == left) {
                let list = former.entry(left).or_default();
                if list.iter().all(|(id, _)| *id != v.id) {
                    list.push((v.id, format!("{}{moved}", picked_name(who, v))));
                }
            }
        }
    }
    teams
        .iter()
        .map(|t| {
            let mut members: Vec<(VolunteerId, String)> = t
                .members
                .iter()
                .filter_map(|id| {
                    state
                        .volunteers
                        .get(id)
                        .map(|v| (v.id, picked_name(who, v)))
                })
                .collect();
            members.sort_by(|a, b| a.1.cmp(&b.1));
            let mut gone = former.remove(&t.id).unwrap_or_default();
            gone.sort_by(|a, b| a.1.cmp(&b.1));
            members.extend(gone);
            (t.id, t.name.clone(), members)
        })
        .collect()
}

/// Every category that has opened by `today`, retired ones too: service before their last
/// day may still be logged.
pub(super) fn open_categories(state: &LedgerState, today: NaiveDate) -> Vec<CategoryRecord> {
    state
        .categories
        .all()
        .filter(|c| c.active_from <= today)
        .cloned()
        .collect()
}

/// A form sent back refused: what was typed, and why. A coordinator who ticked thirty people
/// and typed their hours gets them all back with the reason above, not a blank form.
pub(super) struct Refused<'a> {
    /// What was posted.
    pub form: &'a Form,
    /// Why it was refused.
    pub error: &'a AppError,
}

/// The refusal a logging form is sent back filled with, if any: not when the ledger could not
/// say whether the write was saved (pressed again under a new form id, it could be logged
/// twice); that one gets the plain refusal page.
pub(super) fn to_refill<T>(result: &Result<T, AppError>) -> Option<&AppError> {
    result
        .as_ref()
        .err()
        .filter(|e| !matches!(e, AppError::Unavailable(_)))
}

/// The activity form: what, kind, date, outcomes, and the people of `teams` with their
/// hours (grouped by team when there are several: a joint activity, whose other teams go as
/// `with` fields). `lead` names the logging team when the form is not a coordinator's own;
/// `refused`, a form sent back with what it held and why.
pub(super) fn activity_form(
    l: Lang,
    csrf: &str,
    (categories, category): (&[CategoryRecord], Category),
    teams: &[Roster],
    today: NaiveDate,
    lead: Option<TeamId>,
    refused: Option<&Refused<'_>>,
) -> Markup {
    let typed = |field: &str, default: &str| -> String {
        refused
            .and_then(|r| r.form.get(field))
            .map_or_else(|| default.to_owned(), str::to_owned)
    };
    let ticked: Vec<&str> = refused.map(|r| r.form.all("v")).unwrap_or_default();
    let category_code = refused.and_then(|r| r.form.get("category"));
    let today_text = today.to_string();
    let joint = teams.len() > 1;
    let names = |sep: &str| {
        teams
            .iter()
            .map(|t| t.1.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    };
    html! {
        @if let Some(r) = refused {
            p.error role="alert" { (crate::layout::plain_words(l, r.error)) }
            @if l == Lang::Zh { p.muted lang="en" { "（" (r.error.detail()) "）" } }
            p { (l.t("您填的内容都还在，改好后再点“登记”。", "What you typed is all still here: correct it and press Log it again.")) }
        }
        @if joint {
            p.note role="status" { (l.s(format!("联合活动：{}。每位志愿者的时长记入自己所在的队伍。", names("、")), format!("Joint activity: {}. Each volunteer's hours go to their own team.", names(", ")))) }
        }
            form method="post" {
                (super::form_fields(csrf))
                @if let Some(t) = lead {
                    input type="hidden" name="team" value=(t);
                }
                @for t in teams.iter().skip(1) {
                    input type="hidden" name="with" value=(t.0);
                }
                label for="title" { (l.t("活动内容", "What was done")) }
                input #title name="title" required value=(typed("title", "")) placeholder=(l.t("例如：社区邻里纠纷调解", "e.g. neighbourhood mediation"));
                label for="category" { (l.t("服务类别", "Kind of service")) }
                select #category name="category" {
                    @for c in categories {
                        option value=(c.code) selected[category_code.map_or(c.id == category, |code| code == c.code)] {
                            (c.label(l == Lang::Zh))
                            @if let Some(last) = c.active_until { (l.s(format!("（只收 {last}（含）以前的服务）"), format!(" (service up to {last} only)"))) }
                        }
                    }
                }
                label for="date" { (l.t("日期", "Date")) }
                input #date name="date" type="date" value=(typed("date", &today_text)) max=(today_text) required;
                label for="people_served" { (l.t("服务了多少群众", "People served")) }
                input #people_served name="people_served" inputmode="numeric" value=(typed("people_served", "0"));
                label for="problems_resolved" { (l.t("解决了几个问题（没有填 0）", "Problems resolved (0 if none)")) }
                input #problems_resolved name="problems_resolved" inputmode="numeric" value=(typed("problems_resolved", "0"));
                label for="disputes_handled" { (l.t("调解纠纷几起（没有填 0）", "Disputes handled (0 if none)")) }
                input #disputes_handled name="disputes_handled" inputmode="numeric" value=(typed("disputes_handled", "0"));
                label for="disputes_settled" { (l.t("其中调解成功几起", "Of which settled")) }
                input #disputes_settled name="disputes_settled" inputmode="numeric" value=(typed("disputes_settled", "0"));
                fieldset {
                    legend { (l.t("参加的志愿者和时长（小时）", "Who took part, and hours")) }
                    label for="picker-search" hidden { (l.t("按姓名筛选", "Filter by name")) }
                    input #picker-search type="search" hidden placeholder=(l.t("输入姓名筛选", "Type a name to filter"));
                    @for (_, team_name, members) in teams {
                        @if joint { h2 { (team_name) } }
                        @for (id, name) in members {
                            div.pick data-name=(name) {
                                @let id_text = id.to_string();
                                input type="checkbox" name="v" value=(id) id={ "v-" (id) } checked[ticked.contains(&id_text.as_str())];
                                label for={ "v-" (id) } { (name) }
                                input type="text" inputmode="decimal" name={ "h-" (id) } value=(typed(&format!("h-{id}"), HOURS_PREFILLED)) aria-label=(l.s(format!("{name} 的时长"), format!("Hours of {name}")));
                            }
                        }
                    }
                }
                button.big type="submit" { (l.t("登记", "Log it")) }
            }
    }
}

/// The hours each box of the participant picker starts with: the usual length of an
/// activity, so ticking is enough for most; a box still showing it is not "typed".
const HOURS_PREFILLED: &str = "2";

/// The command a filled-in activity form asks for, checked as the API checks JSON: a value
/// that does not parse is refused with its field named, never replaced.
pub(super) fn activity_command(
    state: &LedgerState,
    who: &Principal,
    form: &Form,
    team_id: TeamId,
) -> Result<Command, AppError> {
    // Who a box belongs to, as the picker showed them.
    let named = |id: &str| -> String {
        id.parse::<VolunteerId>()
            .ok()
            .and_then(|v| state.volunteers.get(&v))
            .map(|v| picked_name(who, v))
            .unwrap_or_else(|| id.to_owned())
    };
    let ticked = form.all("v");
    // Hours typed for someone left unticked would be dropped without a word, and the page
    // would thank the coordinator for the others: refused, naming the person.
    for (key, value) in &form.fields {
        let Some(id) = key.strip_prefix("h-") else {
            continue;
        };
        let typed = value.trim();
        if !ticked.contains(&id) && !typed.is_empty() && typed != HOURS_PREFILLED {
            return Err(AppError::invalid(
                "hours_without_tick",
                format!(
                    "{} has {typed} hours typed but is not ticked: tick them to log the hours, or clear the box",
                    named(id)
                ),
            ));
        }
    }
    let mut participants = Vec::new();
    for (i, id) in ticked.into_iter().enumerate() {
        let volunteer_id: VolunteerId = input::id(&format!("participants[{i}].volunteer_id"), id)?;
        let hours = input::decimal(
            &format!("participants[{i}].hours ({})", named(id)),
            form.get(&format!("h-{id}")).unwrap_or(""),
        )?;
        participants.push(ParticipantHours {
            volunteer_id,
            hours,
        });
    }
    let count = |field: &str| input::count(field, form.get(field).unwrap_or(""));
    Ok(Command::LogActivity(yinling_projections::NewActivity {
        activity_id: ActivityId::generate(),
        team_id,
        category: input::category(state, "category", form.get("category").unwrap_or(""))?,
        date: input::date("date", form.get("date").unwrap_or(""))?,
        title: form.text("title"),
        participants,
        outcomes: Outcomes {
            people_served: count("people_served")?,
            problems_resolved: count("problems_resolved")?,
            disputes_handled: count("disputes_handled")?,
            disputes_settled: count("disputes_settled")?,
        },
        project_id: None,
        co_organisers: form
            .all("with")
            .into_iter()
            .enumerate()
            .map(|(i, t)| input::id(&format!("co_organisers[{i}]"), t))
            .collect::<Result<_, _>>()?,
        group_id: None,
    }))
}

/// The page after a logging form: credited (how many people, how many points), waiting for
/// approval (a back-fill past the limit), or refused with the reason; `again` is the form,
/// `back` the page it was opened from, `list` the caller's list of activities if they have one.
pub(super) fn logged_page(
    viewer: &Viewer,
    result: Result<Written<Logged>, AppError>,
    (again, back, list): (&str, &str, Option<&str>),
) -> Response {
    let l = viewer.lang;
    match result {
        Ok(Written { answer: Logged::AwaitingApproval(r), .. }) => page(
            Frame { viewer, title: l.t("已提交审批", "Sent for approval").into(), back: Some(back), as_of: None },
            html! {
                p.note role="status" { (l.s(format!("这次服务是 {} 天前的，超过了 {} 天的补登期限，已交管理员审批；批准后才发放积分。", r.days_late, r.limit_days), format!("This service was {} days ago, past the {}-day limit for back-filling; it waits for an administrator, and earns points once approved.", r.days_late, r.limit_days))) }
                a.button.big href=(again) { (l.t("再登记一次", "Log another")) }
                @if let Some(list) = list {
                    a.button.big.plain href=(list) { (l.t("看活动记录", "See activities")) }
                }
                a.button.big.plain href="/policies" { (l.t("看审批进度", "See the approval queue")) }
            },
        )
        .into_response(),
        Ok(Written { answer: Logged::Credited(logged), .. }) => {
            let people = logged.services.len();
            let points: Decimal = logged.services.iter().map(|s| s.points).sum();
            page(
                Frame { viewer, title: l.t("登记好了", "Logged").into(), back: Some(back), as_of: None },
                html! {
                    p.success role="status" { (l.s(format!("已为 {people} 位志愿者登记，共发放 {} 积分。", num(points)), format!("Logged for {people} volunteers; {} points earned.", num(points)))) }
                    a.button.big href=(again) { (l.t("再登记一次", "Log another")) }
                    @if let Some(list) = list {
                        a.button.big.plain href=(list) { (l.t("看活动记录", "See activities")) }
                    }
                },
            )
            .into_response()
        }
        Err(e) => refusal(viewer, again, &e),
    }
}
