//! `/counter/today`: what one e-station's counter did on one day, for the clerk closing the
//! counter: what was handed over (the shelf should be short by exactly that), what was
//! redeemed and still waits, what was cancelled and what lapsed, each with the time, the
//! volunteer, the reward, the points and who did it, and the totals. Printable; any earlier
//! day by `?date=`. Days are the ledger's calendar (its time-zone policy), as everywhere.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use rust_decimal::Decimal;
use serde::Deserialize;
use yinling_app::reports::provenance::actor_words;
use yinling_app::{input, App};
use yinling_ledger::{StationId, Timestamp};
use yinling_projections::redemptions::{Redemption, RedemptionStatus};
use yinling_projections::State as LedgerState;

use super::counter::{back_to, station_of};
use crate::i18n::Lang;
use crate::layout::{num, page, refusal, Frame};
use crate::session::Viewer;

/// `?station=` (administrators) and `?date=` (an earlier day).
#[derive(Debug, Default, Deserialize)]
pub struct DayParam {
    /// The station.
    pub station: Option<String>,
    /// The day, `2026-12-04`; today when absent.
    pub date: Option<String>,
}

/// What happened to a redemption on the day, as a row is filed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Happened {
    HandedOver,
    Waiting,
    Cancelled,
    Lapsed,
}

/// The redemptions of `station` that something happened to on `day`: handed over, cancelled
/// or lapsed that day (by when they were settled), or redeemed that day and still waiting.
fn of_day(
    state: &LedgerState,
    station: StationId,
    day: NaiveDate,
) -> Vec<(Happened, Timestamp, &Redemption)> {
    let mut rows: Vec<_> = state
        .redemptions
        .values()
        .filter(|r| r.station_id == station)
        .filter_map(|r| {
            let on_day = |at: Timestamp| state.policies.date_of(at) == day;
            let settled = r.settled_at.filter(|at| on_day(*at));
            let happened = match r.status {
                RedemptionStatus::Fulfilled | RedemptionStatus::Refunded => {
                    // Refunded later or not, it left the shelf on the day it was settled.
                    let at = r.settled_at?;
                    on_day(at).then_some((Happened::HandedOver, at))
                }
                RedemptionStatus::Held => {
                    on_day(r.held_at).then_some((Happened::Waiting, r.held_at))
                }
                RedemptionStatus::Cancelled => settled.map(|at| (Happened::Cancelled, at)),
                RedemptionStatus::Expired => settled.map(|at| (Happened::Lapsed, at)),
            }?;
            Some((happened.0, happened.1, r))
        })
        .collect();
    rows.sort_by_key(|(_, at, r)| (*at, r.id));
    rows
}

fn section(
    l: Lang,
    state: &LedgerState,
    rows: &[(Happened, Timestamp, &Redemption)],
    which: Happened,
    (zh, en): (&str, &str),
) -> Markup {
    let these: Vec<_> = rows.iter().filter(|(h, _, _)| *h == which).collect();
    let items: u32 = these.iter().map(|(_, _, r)| r.quantity).sum();
    let points: Decimal = these.iter().map(|(_, _, r)| r.points).sum();
    html! {
        h2 { (l.s(format!("{zh}：{} 笔，{items} 件，{} 积分", these.len(), num(points)), format!("{en}: {} redemptions, {items} items, {} points", these.len(), num(points)))) }
        @if !these.is_empty() {
            div.scroll { table {
                thead { tr {
                    th { (l.t("时间", "Time")) } th { (l.t("志愿者", "Volunteer")) } th { (l.t("奖品", "Reward")) }
                    th { (l.t("积分", "Points")) } th { (l.t("经办", "By")) }
                } }
                tbody {
                    @for (_, at, r) in &these {
                        @let by = r.settled_by.filter(|_| which != Happened::Waiting).unwrap_or(r.held_by);
                        @let (by_zh, by_en) = actor_words(state, &by);
                        tr {
                            td { (at.local_minute().get(11..).unwrap_or_default()) }
                            td { (state.volunteers.get(&r.volunteer_id).map(|v| v.name.clone()).unwrap_or_default()) }
                            td { (state.rewards.get(&r.reward_id).map(|w| w.name.clone()).unwrap_or_default()) " × " (r.quantity) }
                            td { (num(r.points)) }
                            td { (if l == Lang::Zh { by_zh } else { by_en }) }
                        }
                    }
                }
            } }
        }
    }
}

/// `/counter/today`: the day's list of one station's counter.
pub async fn today(State(app): State<App>, viewer: Viewer, Query(q): Query<DayParam>) -> Response {
    let (_, station) = match station_of(&viewer, q.station.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let back = back_to(station);
    let l = viewer.lang;
    let state = app.engine.read();
    let today = state.policies.date_of(Timestamp::now());
    let day = match q.date.as_deref().filter(|d| !d.is_empty()) {
        None => today,
        Some(text) => match input::date("date", text) {
            Ok(d) => d,
            Err(e) => return refusal(&viewer, &back, &e.into()),
        },
    };
    let name = state
        .stations
        .get(&station)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let rows = of_day(&state, station, day);
    page(
        Frame { viewer: &viewer, title: l.s(format!("{name} {day} 柜台清单"), format!("{name}: the counter on {day}")), back: Some(&back), as_of: None },
        html! {
            form.no-print method="get" {
                @if station != StationId::FIRST { input type="hidden" name="station" value=(station); }
                label for="date" { (l.t("看哪一天", "Which day")) }
                input #date name="date" type="date" value=(day) max=(today);
                button.plain type="submit" { (l.t("查看", "Show")) }
            }
            p.no-print.muted { (l.t("要打印，请用浏览器的“打印”（Ctrl+P）。", "To print it, use the browser's Print (Ctrl+P).")) }
            (section(l, &state, &rows, Happened::HandedOver, ("已交货", "Handed over")))
            (section(l, &state, &rows, Happened::Waiting, ("当天兑换、还在等领取", "Redeemed that day, still waiting")))
            (section(l, &state, &rows, Happened::Cancelled, ("已取消（积分已退回）", "Cancelled (points given back)")))
            (section(l, &state, &rows, Happened::Lapsed, ("逾期未领（积分已退回）", "Lapsed (points given back)")))
        },
    )
    .into_response()
}
