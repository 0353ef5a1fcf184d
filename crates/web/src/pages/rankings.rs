//! The leaderboard: teams, districts and (for volunteers and coordinators) their own team,
//! as bar charts with the numbers written on them.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate};
use maud::html;
use serde::Deserialize;
use yinling_app::App;
use yinling_projections::access::Read;
use yinling_projections::rankings::{RankBy, RankingQuery};
use yinling_projections::{Principal, State as LedgerState};

use crate::charts::{horizontal, Bar};
use crate::i18n::Lang;
use crate::layout::{num, page, refusal, Frame};
pub use crate::limits::CHART_TEAMS;
use crate::session::Viewer;

/// Leaderboard options.
#[derive(Debug, Default, Deserialize)]
pub struct Options {
    /// `points` (default) or `hours`.
    pub by: Option<String>,
    /// `year` (the last 365 days, default) or `all`.
    pub period: Option<String>,
    /// As of a past seq.
    pub as_of: Option<u64>,
}

/// Service hours per month over the last twelve months (all teams).
pub fn monthly_hours(state: &LedgerState, today: NaiveDate) -> Vec<(NaiveDate, f64)> {
    let mut months: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let first = this_month
        .checked_sub_months(chrono::Months::new(11))
        .unwrap_or(this_month);
    let mut m = first;
    while m <= today {
        months.insert(m, 0.0);
        m = m
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(today + Days::new(1));
    }
    for team in state.teams.values() {
        let mut start = first;
        while start <= today {
            let next = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(today + Days::new(1));
            let end = next.pred_opt().unwrap_or(next);
            let hours = state
                .rankings
                .team_window(&team.id, Some(start), Some(end))
                .hours;
            *months.entry(start).or_default() += hours.to_string().parse::<f64>().unwrap_or(0.0);
            start = next;
        }
    }
    months.into_iter().collect()
}

fn to_f64(d: rust_decimal::Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// `/rankings`.
pub async fn rankings(
    State(app): State<App>,
    viewer: Viewer,
    Query(o): Query<Options>,
) -> Response {
    let principal = match super::may_read(&viewer, &Read::Published) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let l: Lang = viewer.lang;
    let by = if o.by.as_deref() == Some("hours") {
        RankBy::Hours
    } else {
        RankBy::Points
    };
    let whole = o.period.as_deref() == Some("all");
    let view = match app.engine.view(o.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/", &e),
    };
    view.with(|state| {
        let today = yinling_app::reports::day_of(state, o.as_of);
        let from = (!whole).then(|| today - Days::new(364));
        let query = RankingQuery { from, by, limit: CHART_TEAMS, ..RankingQuery::default() };
        let value = |a: &yinling_projections::rankings::Amounts| match by {
            RankBy::Points => (to_f64(a.points), num(a.points)),
            RankBy::Hours => (to_f64(a.hours), l.s(format!("{} 小时", num(a.hours)), format!("{} h", num(a.hours)))),
        };
        let team_bars: Vec<Bar> = state
            .rank_teams(&query)
            .into_iter()
            .map(|r| {
                let (value, shown) = value(&r.amounts);
                Bar { label: format!("{}. {}", r.rank, state.teams.get(&r.id).map(|t| t.name.as_str()).unwrap_or("")), value, shown }
            })
            .collect();
        let district_bars: Vec<Bar> = state
            .rank_districts(&RankingQuery { limit: 20, ..query.clone() })
            .into_iter()
            .map(|r| {
                let (value, shown) = value(&r.amounts);
                Bar { label: r.id.to_owned(), value, shown }
            })
            .collect();
        let own_team = match principal {
            Principal::Volunteer(_, v) => state.volunteers.get(&v).map(|v| v.team_id),
            Principal::Coordinator(_, t) => Some(t),
            _ => None,
        };
        let member_bars: Vec<Bar> = own_team
            .map(|t| {
                state
                    .rank_volunteers(&RankingQuery { team_id: Some(t), limit: 10, ..query.clone() })
                    .into_iter()
                    .map(|r| {
                        let (value, shown) = value(&r.amounts);
                        let name = state.volunteers.get(&r.id).map(|v| yinling_projections::access::name_for(&principal, v)).unwrap_or_default();
                        Bar { label: format!("{}. {name}", r.rank), value, shown }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let months: Vec<Bar> = monthly_hours(state, today)
            .into_iter()
            .map(|(m, h)| Bar { label: l.s(format!("{}月", m.month()), m.format("%b").to_string()), value: h, shown: format!("{h:.0}") })
            .collect();
        let by_word = match by {
            RankBy::Points => l.t("积分", "points"),
            RankBy::Hours => l.t("服务时长", "hours"),
        };
        let period_word = if whole { l.t("全部时间", "all time") } else { l.t("最近一年", "the last year") };
        page(
            Frame { viewer: &viewer, title: l.t("排行榜", "Leaderboard").into(), back: Some("/"), as_of: o.as_of },
            html! {
                p {
                    (l.t("按", "By ")) strong { (by_word) } (l.t("排名，统计", " over ")) strong { (period_word) } "。"
                }
                @let as_of = o.as_of.map(|seq| format!("&as_of={seq}")).unwrap_or_default();
                p.row {
                    a.button.plain href={ "?by=points&period=" (if whole { "all" } else { "year" }) (as_of) } { (l.t("按积分", "By points")) }
                    a.button.plain href={ "?by=hours&period=" (if whole { "all" } else { "year" }) (as_of) } { (l.t("按时长", "By hours")) }
                    a.button.plain href={ "?by=" (if by == RankBy::Hours { "hours" } else { "points" }) "&period=" (if whole { "year" } else { "all" }) (as_of) } {
                        (if whole { l.t("只看最近一年", "Last year only") } else { l.t("看全部时间", "All time") })
                    }
                }
                @if !member_bars.is_empty() {
                    h2 { (l.t("本队志愿者", "My team's volunteers")) }
                    (horizontal("chart-members", l.t("本队志愿者排行", "Volunteers of my team"), &member_bars))
                }
                h2 { (l.t("队伍排行", "Teams")) }
                (horizontal("chart-teams", l.t("队伍排行", "Team ranking"), &team_bars))
                h2 { (l.t("各区县", "Districts")) }
                (horizontal("chart-districts", l.t("区县排行", "District ranking"), &district_bars))
                h2 { (l.t("每月服务时长（小时）", "Hours of service per month")) }
                (horizontal("chart-months", l.t("每月服务时长", "Hours per month"), &months))
            },
        )
        .into_response()
    })
}
