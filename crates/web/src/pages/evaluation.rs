//! The performance evaluation (绩效评价) for coordinators, administrators and auditors: teams
//! ranked by the published scoring formula, districts, the cross-region groups and the project
//! list, over a period; the same table as a spreadsheet; and one page per project.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};
use rust_decimal::Decimal;
use serde::Deserialize;
use yinling_app::reports::evaluation::{scores_out, ScoreRow};
use yinling_app::reports::Lang as Columns;
use yinling_app::{App, AppError};
use yinling_ledger::{DistrictKind, ProjectId, ProjectOwner, ProjectStatus};
use yinling_projections::access::{self, Read};
use yinling_projections::evaluation::{Figures, Period, Subject};
use yinling_projections::{Principal, State as LedgerState};

use crate::i18n::Lang;
use crate::layout::{num, page, page_with, refusal, Frame};
use crate::session::Viewer;
use crate::spreadsheet::Format;

/// Period and moment of an evaluation page.
#[derive(Debug, Default, Deserialize)]
pub struct Options {
    /// First service date, YYYY-MM-DD (default: 1 January of this year).
    pub from: Option<String>,
    /// Last service date, YYYY-MM-DD (default: today).
    pub to: Option<String>,
    /// As of a past seq.
    pub as_of: Option<u64>,
}

/// The evaluation is open to whom the access policy opens it (staff, not volunteers).
fn staff(viewer: &Viewer) -> Result<Principal, Response> {
    super::may_read(viewer, &Read::Evaluation)
}

/// The period asked for, or a sentence saying which value is wrong; without dates, this
/// year to `today` (the day of the state read: a past one for `as_of`).
fn period(l: Lang, o: &Options, today: NaiveDate) -> Result<Period, String> {
    let day = |v: &Option<String>, default: NaiveDate| -> Result<NaiveDate, String> {
        match v.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(default),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                l.s(
                    format!("“{t}”不是有效的日期，请按 2026-03-31 这样的格式填写。"),
                    format!("“{t}” is not a date; write it like 2026-03-31."),
                )
            }),
        }
    };
    let jan_first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = day(&o.from, jan_first)?;
    let to = day(&o.to, today)?;
    if from > to {
        return Err(l.s(
            format!("开始日期 {from} 晚于结束日期 {to}。"),
            format!("The start, {from}, is after the end, {to}."),
        ));
    }
    Ok(Period {
        from: Some(from),
        to: Some(to),
    })
}

fn percent(share: Option<Decimal>) -> String {
    share
        .map(|r| format!("{}%", num((r * Decimal::from(100)).round_dp(1))))
        .unwrap_or_else(|| "—".into())
}

fn rate(f: &Figures) -> String {
    percent(f.settlement_rate())
}

/// A table wide enough to scroll sideways on a phone; focusable so a keyboard can scroll it.
fn wide(label: &str, body: Markup) -> Markup {
    html! {
        div.scroll role="region" aria-label=(label) tabindex="0" { (body) }
    }
}

fn figures_table(l: Lang, f: &Figures) -> Markup {
    html! {
        table {
            tr { th { (l.t("活动次数", "Activities")) } td { (f.activities) } }
            tr { th { (l.t("参与人次", "Participations")) } td { (f.participant_times) } }
            tr { th { (l.t("活跃志愿者", "Active volunteers")) } td { (f.active_volunteers) } }
            tr { th { (l.t("服务时长（小时）", "Hours")) } td { (num(f.hours)) } }
            tr { th { (l.t("发放积分", "Points earned")) } td { (num(f.points)) } }
            tr { th { (l.t("服务群众（人）", "People served")) } td { (f.people_served) } }
            tr { th { (l.t("解决问题", "Problems resolved")) } td { (f.problems_resolved) } }
            tr { th { (l.t("受理纠纷 / 调解成功", "Disputes handled / settled")) } td { (f.disputes_handled) " / " (f.disputes_settled) } }
            tr { th { (l.t("调解成功率", "Settlement rate")) } td { (rate(f)) } }
            tr { th { (l.t("兑换次数（积分）", "Redemptions (points)")) } td { (f.redemptions) "（" (num(f.redemption_points)) "）" } }
            tr { th { (l.t("服务对象确认", "Confirmed by those served")) } td { (f.confirmed_activities) " / " (f.activities) "（" (percent(f.confirmed_share())) "）" } }
        }
    }
}

fn status_words(l: Lang, s: ProjectStatus) -> &'static str {
    match s {
        ProjectStatus::Planned => l.t("筹备中", "planned"),
        ProjectStatus::Running => l.t("进行中", "running"),
        ProjectStatus::Closed => l.t("已结项", "closed"),
    }
}

fn owner_name(state: &LedgerState, owner: &ProjectOwner) -> String {
    match owner {
        ProjectOwner::Team(t) => state.teams.get(t).map(|t| t.name.clone()),
        ProjectOwner::Group(g) => state.groups.get(g).map(|g| g.name.clone()),
    }
    .unwrap_or_default()
}

fn query_of(p: &Period, as_of: Option<u64>) -> String {
    let mut q = String::new();
    if let Some(f) = p.from {
        q.push_str(&format!("from={f}&"));
    }
    if let Some(t) = p.to {
        q.push_str(&format!("to={t}&"));
    }
    if let Some(s) = as_of {
        q.push_str(&format!("as_of={s}&"));
    }
    q.trim_end_matches('&').to_owned()
}

/// `/evaluation`.
pub async fn overview(
    State(app): State<App>,
    viewer: Viewer,
    Query(o): Query<Options>,
) -> Response {
    let principal = match staff(&viewer) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let title = l.t("绩效评价", "Performance evaluation");
    let view = match app.engine.view(o.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/evaluation", &e),
    };
    let today = view.with(|state| yinling_app::reports::day_of(state, o.as_of));
    let window = match period(l, &o, today) {
        Ok(p) => p,
        Err(why) => return bad_period(&viewer, why),
    };
    let query = query_of(&window, o.as_of);
    view.with(|state| {
        let scores = scores_out(state, window, None);
        let city = state.evaluate(&Subject::City, window);
        let own = match principal {
            Principal::Coordinator(_, t) => state.teams.get(&t).map(|team| (team.name.clone(), state.evaluate(&Subject::Team(t), window))),
            _ => None,
        };
        let mut districts: Vec<_> = state.districts.values().filter(|d| d.registered).collect();
        districts.sort_by(|a, b| a.name.cmp(&b.name));
        let mut groups: Vec<_> = state.groups.values().filter(|g| g.parent.is_none()).collect();
        groups.sort_by(|a, b| (a.founded_on, &a.name).cmp(&(b.founded_on, &b.name)));
        let mut projects: Vec<_> = state.projects.values().collect();
        projects.sort_by(|a, b| (a.starts_on, &a.title).cmp(&(b.starts_on, &b.title)));
        let w = &state.scoring.weights;
        page(
            Frame { viewer: &viewer, title: title.into(), back: Some("/"), as_of: o.as_of },
            html! {
                form method="get" action="/evaluation" {
                    @if let Some(s) = o.as_of { input type="hidden" name="as_of" value=(s); }
                    label for="from" { (l.t("从（服务日期）", "From (service date)")) }
                    input #from type="date" name="from" value=[window.from];
                    label for="to" { (l.t("到", "To")) }
                    input #to type="date" name="to" value=[window.to];
                    button.big type="submit" { (l.t("查看这段时间", "Show this period")) }
                }
                @if let Some((name, f)) = &own {
                    h2 { (l.s(format!("本队：{name}"), format!("My team: {name}"))) }
                    section.card { (figures_table(l, f)) }
                }
                h2 { (l.t("全市合计", "The whole city")) }
                section.card { (figures_table(l, &city)) }

                h2 #teams { (l.t("队伍绩效排名", "Teams by score")) }
                p {
                    (l.s(format!("按第 {} 版评分公式计算：", state.scoring.version), format!("Scored with formula version {}: ", state.scoring.version)))
                    (l.s(
                        format!("每次活动 {} 分，每参与人次 {} 分，每位活跃志愿者 {} 分，每服务小时 {} 分，每服务一人 {} 分，每解决一个问题 {} 分，每调解成功一起纠纷 {} 分。",
                            num(w.per_activity), num(w.per_participant_time), num(w.per_active_volunteer), num(w.per_hour), num(w.per_person_served), num(w.per_problem_resolved), num(w.per_dispute_settled)),
                        format!("{} per activity, {} per participation, {} per active volunteer, {} per hour, {} per person served, {} per problem resolved, {} per dispute settled.",
                            num(w.per_activity), num(w.per_participant_time), num(w.per_active_volunteer), num(w.per_hour), num(w.per_person_served), num(w.per_problem_resolved), num(w.per_dispute_settled)),
                    ))
                }
                (downloads(l, &query))
                (wide(l.t("队伍绩效排名", "Teams by score"), html! {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("名次", "Rank")) } th scope="col" { (l.t("队伍", "Team")) } th scope="col" { (l.t("得分", "Score")) }
                            th scope="col" { (l.t("活动", "Activities")) } th scope="col" { (l.t("时长", "Hours")) } th scope="col" { (l.t("服务人数", "Served")) } th scope="col" { (l.t("调解成功率", "Settled")) } th scope="col" { (l.t("服务对象确认", "Confirmed")) }
                        } }
                        tbody {
                            @for t in &scores.items {
                                tr {
                                    td { (t.rank) }
                                    td { (t.name) br; span.muted { (t.district) } }
                                    td { strong { (t.score) } }
                                    td { (t.figures.activities) }
                                    td { (t.figures.hours) }
                                    td { (t.figures.people_served) }
                                    td { (percent(t.figures.settlement_rate.map(|r| r.0))) }
                                    td { (percent(t.figures.confirmed_share.map(|r| r.0))) }
                                }
                            }
                        }
                    }
                }))

                h2 #districts { (l.t("各区县", "Districts and counties")) }
                (wide(l.t("各区县", "Districts and counties"), html! {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("区县", "District")) } th scope="col" { (l.t("活动", "Activities")) } th scope="col" { (l.t("时长", "Hours")) }
                            th scope="col" { (l.t("受理纠纷", "Disputes")) } th scope="col" { (l.t("调解成功率", "Settled")) } th scope="col" { (l.t("服务对象确认", "Confirmed")) }
                        } }
                        tbody {
                            @for d in &districts {
                                @let f = state.evaluate(&Subject::District(d.name.clone()), window);
                                tr {
                                    td { (d.name) br; span.muted { (d.region) " · " (match d.kind { Some(DistrictKind::County) => l.t("县", "county"), _ => l.t("区", "district") }) } }
                                    td { (f.activities) }
                                    td { (num(f.hours)) }
                                    td { (f.disputes_handled) }
                                    td { (rate(&f)) }
                                }
                            }
                        }
                    }
                }))

                @for g in &groups {
                    h2 { (l.s(format!("跨区域协作：{}", g.name), format!("Cross-region group: {}", g.name))) }
                    @if !g.purpose.is_empty() { p.muted { (g.purpose) } }
                    @let whole = state.evaluate(&Subject::Group(g.id), window);
                    (wide(&g.name, html! {
                        table {
                            thead { tr {
                                th scope="col" { (l.t("分组", "Sub-group")) } th scope="col" { (l.t("成员队伍（现在）", "Member teams (now)")) }
                                th scope="col" { (l.t("活动", "Activities")) } th scope="col" { (l.t("时长", "Hours")) } th scope="col" { (l.t("服务人数", "Served")) }
                            } }
                            tbody {
                                @for sub in g.sub_groups.iter().filter_map(|s| state.groups.get(s)) {
                                    @let f = state.evaluate(&Subject::Group(sub.id), window);

                                    tr {
                                        td { (sub.name) }
                                        td {
                                            @for m in g.memberships.iter().filter(|m| m.sub_group_id == Some(sub.id) && m.covers(today)) {
                                                (state.teams.get(&m.team_id).map(|t| t.name.as_str()).unwrap_or("")) br;
                                            }
                                        }
                                        td { (f.activities) }
                                        td { (num(f.hours)) }
                                        td { (f.people_served) }
                                    }
                                }
                                tr {
                                    th scope="row" { (l.t("合计", "Total")) }
                                    td {}
                                    td { (whole.activities) }
                                    td { (num(whole.hours)) }
                                    td { (whole.people_served) }
                                }
                            }
                        }
                    }))
                }

                h2 #projects { (l.t("项目清单", "Project list")) }
                @if projects.is_empty() {
                    p { (l.t("还没有登记项目。", "No projects yet.")) }
                }
                ul.list {
                    @for p in &projects {
                        @let f = state.evaluate(&Subject::Project(p.id), window);
                        li {
                            a href={ "/projects/" (p.id) @if let Some(s) = o.as_of { "?as_of=" (s) } } { strong { (p.title) } }
                            br;
                            span.muted { (owner_name(state, &p.owner)) " · " (status_words(l, p.status)) " · " (p.starts_on) " — " (p.ends_on.map(|d| d.to_string()).unwrap_or_else(|| l.t("长期", "ongoing").into())) }
                            br;
                            (l.s(format!("本期 {} 次活动，{} 小时，服务 {} 人", f.activities, num(f.hours), f.people_served), format!("This period: {} activities, {} hours, {} people served", f.activities, num(f.hours), f.people_served)))
                        }
                    }
                }
            },
        )
        .into_response()
    })
}

/// The ranking's download buttons: the Excel workbook, with the same table as CSV beside it.
fn downloads(l: Lang, query: &str) -> Markup {
    html! {
        p {
            a.button.big.plain href={ "/evaluation.xlsx?" (query) } download { (l.t("下载 Excel 表格", "Download as an Excel workbook")) }
            " "
            a href={ "/evaluation.csv?" (query) } download { (l.t("（CSV 格式）", "(as CSV)")) }
        }
    }
}

/// `/evaluation.xlsx`: the team ranking as an Excel workbook, headers in the viewer's
/// language.
pub async fn workbook(app: State<App>, viewer: Viewer, o: Query<Options>) -> Response {
    spreadsheet(app, viewer, o, Format::Xlsx).await
}

/// `/evaluation.csv`: the same as a CSV file (UTF-8 with a BOM).
pub async fn csv(app: State<App>, viewer: Viewer, o: Query<Options>) -> Response {
    spreadsheet(app, viewer, o, Format::Csv).await
}

async fn spreadsheet(
    State(app): State<App>,
    viewer: Viewer,
    Query(o): Query<Options>,
    form: Format,
) -> Response {
    if let Err(r) = staff(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let view = match app.engine.view(o.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/evaluation", &e),
    };
    let today = view.with(|state| yinling_app::reports::day_of(state, o.as_of));
    let window = match period(l, &o, today) {
        Ok(p) => p,
        Err(why) => return bad_period(&viewer, why),
    };
    let scores = view.with(|state| scores_out(state, window, None));
    let columns = if l == Lang::Zh {
        Columns::Zh
    } else {
        Columns::En
    };
    let rows = scores.rows();
    let sheet = l.t("队伍绩效排名", "Teams by score");
    let out = match form.write::<ScoreRow<'_>>(sheet, columns, &rows) {
        Ok(bytes) => bytes,
        Err(e) => return refusal(&viewer, "/evaluation", &AppError::internal(&e)),
    };
    let name = format!(
        "evaluation-{}-{}.{}",
        window.from.map(|d| d.to_string()).unwrap_or_default(),
        window.to.map(|d| d.to_string()).unwrap_or_default(),
        form.extension()
    );
    form.download(&name, out)
}

/// `/projects/{id}`: one project with its activities, volunteers, hours and outcomes.
pub async fn project(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(o): Query<Options>,
) -> Response {
    let who = match super::may_read(&viewer, &Read::Projects) {
        Ok(who) => who,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let Ok(id) = id.parse::<ProjectId>() else {
        return not_found(&viewer);
    };
    let view = match app.engine.view(o.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/evaluation", &e),
    };
    view.with(|state| {
        let Some(p) = state.projects.get(&id) else {
            return not_found(&viewer);
        };
        let f = state.evaluate(&Subject::Project(id), Period::default());
        let mut activities: Vec<_> = p.activities.iter().filter_map(|a| state.activities.get(a)).collect();
        activities.sort_by_key(|a| std::cmp::Reverse((a.date, a.seq)));
        page(
            Frame { viewer: &viewer, title: p.title.clone(), back: Some("/evaluation#projects"), as_of: o.as_of },
            html! {
                p.muted { (owner_name(state, &p.owner)) " · " (status_words(l, p.status)) " · " (p.starts_on) " — " (p.ends_on.map(|d| d.to_string()).unwrap_or_else(|| l.t("长期", "ongoing").into())) }
                @if !p.goal.is_empty() { p { strong { (l.t("目标：", "Goal: ")) } (p.goal) } }
                h2 { (l.t("项目成效（全部时间）", "What it achieved (all time)")) }
                section.card { (figures_table(l, &f)) }
                h2 { (l.s(format!("活动（{}）", activities.len()), format!("Activities ({})", activities.len()))) }
                ul.list {
                    @for a in &activities {
                        li {
                            strong { (a.title) } " " span.muted { (a.date) " · " (state.teams.get(&a.team_id).map(|t| t.name.as_str()).unwrap_or("")) }
                            @if a.reversal().is_some() { " " span.minus { (l.t("（已冲正）", "(reversed)")) } }
                            br;
                            (l.s(format!("{} 人参加，共 {} 小时，服务 {} 人", a.participants.len(), num(a.participants.iter().map(|p| p.hours).sum()), a.outcomes.people_served),
                                 format!("{} volunteers, {} hours, {} people served", a.participants.len(), num(a.participants.iter().map(|p| p.hours).sum()), a.outcomes.people_served)))
                            br;
                            span.muted {
                                @for (i, v) in a.participants.iter().enumerate() {
                                    @if i > 0 { "、" }
                                    (yinling_projections::checks::participant(state, v.number).map(|v| access::name_for(&who, v)).unwrap_or_default())
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

/// The page for a period that cannot be read, saying which value is wrong.
fn bad_period(viewer: &Viewer, why: String) -> Response {
    let l = viewer.lang;
    page_with(
        axum::http::StatusCode::BAD_REQUEST,
        Frame {
            viewer,
            title: l.t("绩效评价", "Performance evaluation").into(),
            back: Some("/evaluation"),
            as_of: None,
        },
        html! {
            p.error role="alert" { (why) }
            a.button.big href="/evaluation" { (l.t("看今年的评价", "See this year")) }
        },
    )
}

fn not_found(viewer: &Viewer) -> Response {
    let l = viewer.lang;
    page_with(
        axum::http::StatusCode::NOT_FOUND,
        Frame {
            viewer,
            title: l.t("没有这个项目", "No such project").into(),
            back: Some("/evaluation"),
            as_of: None,
        },
        html! { a.button.big href="/evaluation#projects" { (l.t("看项目清单", "See the project list")) } },
    )
}
