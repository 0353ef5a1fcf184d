//! The administrator's policy page: every policy with its history in plain words (the hold
//! time, the back-fill limit, the time zone; links to the earning rules, the categories and
//! the star scale), the forms to change them, and the queue of back-filled activities
//! waiting for approval.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use yinling_app::answers::ApprovedBackfill;
use yinling_app::reports::backfills::queue;
use yinling_app::reports::policies::{policies_out, PolicyOut};
use yinling_app::{input, App, AppError};
use yinling_ledger::{BackfillDeclined, PolicyChange, PolicySet};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::Command;

use super::{may_read, submit_and_return, Form};
use crate::i18n::Lang;
use crate::layout::{num, page, Frame};
use crate::session::Viewer;

const HERE: &str = "/policies";

fn history(l: Lang, p: &PolicyOut, unit: impl Fn(&str) -> String) -> Markup {
    html! {
        ul.list {
            @for s in p.history.iter().rev() {
                li {
                    div.row { strong { (unit(&s.value)) } span { (l.s(format!("{} 起", s.on.0), format!("from {}", s.on.0))) } }
                    @if !s.note.is_empty() { p.muted { (s.note) } }
                }
            }
        }
    }
}

/// `/policies`: every policy and its history; the queue; for an administrator, the forms.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match may_read(&viewer, &Read::Published) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let admin = access::can_write(&who, &Write::Administer("set policies"));
    let csrf = viewer.csrf();
    let (policies, waiting) = {
        let state = app.engine.read();
        let waiting = if access::can_read(&who, &Read::TeamActivities(access::own_team(&who))) {
            queue(&state, &who, access::own_team(&who))
        } else {
            Vec::new()
        };
        (policies_out(&state, app.engine.hold_ttl_seconds()), waiting)
    };
    // Points waiting a month or more for a confirmation that may never come: the
    // administrator can stop waiting, with the reason, on each one's page.
    let stuck: Vec<(String, String, String, i64)> = if admin {
        let state = app.engine.read();
        let today = state.policies.date_of(yinling_ledger::Timestamp::now());
        let mut stuck: Vec<_> = state
            .activities
            .values()
            .filter(|a| a.awaits_confirmation && a.reversal().is_none())
            .map(|a| (a, (today - state.policies.date_of(a.logged_at)).num_days()))
            .filter(|(_, days)| *days >= crate::limits::STUCK_CONFIRMATION_DAYS)
            .collect();
        stuck.sort_by_key(|(a, days)| (std::cmp::Reverse(*days), a.id));
        stuck
            .into_iter()
            .take(crate::limits::STUCK_CONFIRMATIONS_SHOWN)
            .map(|(a, days)| {
                let team = state
                    .teams
                    .get(&a.team_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                (
                    a.id.to_string(),
                    format!("{} {}", a.date, a.title),
                    team,
                    days,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let days = |v: &str| match v {
        "none" => l.t("不限", "no limit").to_owned(),
        d => l.s(format!("{d} 天"), format!("{d} days")),
    };
    page(
        Frame { viewer: &viewer, title: l.t("规则与政策", "Rules and policies").into(), back: Some("/"), as_of: None },
        html! {
            p { (l.t("每项政策的每次调整都记在账本里，写明日期和原因；调整只对以后生效。", "Every change of a policy is recorded with its date and reason, and applies from then on.")) }
            p { a href="/rules" { (l.t("积分规则", "Earning rules")) } " · " a href="/categories" { (l.t("服务类别", "Kinds of service")) } " · " a href="/stars" { (l.t("星级标准", "Star scale")) } }
            @if admin {
                p { a.button.big.plain href="/policies/disputes" { (l.t("志愿者的异议（全市）", "Volunteers' disputes (city-wide)")) } }
            }
            section.card {
                h2 { (l.t("兑换保留期", "How long a reward is held")) }
                p { (l.s(format!("兑换后 {} 天内到 e站 领取，过期积分自动退回。", policies.hold_days.value), format!("Collect within {} days; after that the points return.", policies.hold_days.value))) }
                (history(l, &policies.hold_days, days))
                @if admin {
                    form method="post" action="/policies/hold-time" {
                        (super::form_fields(&csrf))
                        label for="hold_days" { (l.t("保留天数（1 到 365）", "Days (1 to 365)")) }
                        input #hold_days name="days" inputmode="numeric" required value=(policies.hold_days.value);
                        label for="hold_note" { (l.t("原因", "Why")) }
                        input #hold_note name="note";
                        button.big.plain type="submit" { (l.t("改保留期", "Change it")) }
                    }
                }
            }
            section.card {
                h2 { (l.t("补登期限", "Back-filling limit")) }
                @if policies.backfill_limit_days.value == "none" {
                    p { (l.t("补登多久以前的服务都直接发放积分。", "Service logged late is credited at once, however late.")) }
                } @else {
                    p { (l.s(format!("超过 {} 天的补登要管理员审批，批准后才发放积分。", policies.backfill_limit_days.value), format!("Service logged more than {} days late waits for an administrator's approval.", policies.backfill_limit_days.value))) }
                }
                (history(l, &policies.backfill_limit_days, days))
                @if admin {
                    form method="post" action="/policies/backfill-limit" {
                        (super::form_fields(&csrf))
                        label for="backfill_days" { (l.t("天数（空着表示不限）", "Days (empty: no limit)")) }
                        input #backfill_days name="days" inputmode="numeric" value=(if policies.backfill_limit_days.value == "none" { String::new() } else { policies.backfill_limit_days.value.clone() });
                        label for="backfill_note" { (l.t("原因", "Why")) }
                        input #backfill_note name="note";
                        button.big.plain type="submit" { (l.t("改补登期限", "Change it")) }
                    }
                }
            }
            section.card {
                h2 { (l.t("时区", "Time zone")) }
                p { (l.s(format!("账本按 {} 计日期（启动时设定，与账本核对）。", policies.time_zone.value), format!("The ledger keeps its calendar in {} (set at start-up and checked against the ledger).", policies.time_zone.value))) }
                (history(l, &policies.time_zone, |v| v.to_owned()))
            }
            section.card {
                h2 { (l.t("利率券和积分价值", "Vouchers and the point value")) }
                p { (l.s(format!("利率券交给志愿者后 {} 天内可到银行使用。", policies.voucher_validity_days.value), format!("A rate voucher can be used at the bank for {} days after it is handed over.", policies.voucher_validity_days.value))) }
                (history(l, &policies.voucher_validity_days, |v| l.s(format!("{v} 天"), format!("{v} days"))))
                p { (l.s(format!("每积分折合 {} 元。", policies.yuan_per_point.value), format!("A point is worth {} yuan.", policies.yuan_per_point.value))) }
                (history(l, &policies.yuan_per_point, |v| l.s(format!("{v} 元"), format!("{v} yuan"))))
                p { (l.s(format!("兑付预警线：{}%。", policies.coverage_warning_percent.value), format!("Coverage warning at {}%.", policies.coverage_warning_percent.value))) }
                (history(l, &policies.coverage_warning_percent, |v| format!("{v}%")))
                a.button.plain href="/money" { (l.t("兑付与结算", "Money and coverage")) }
            }
            @if !stuck.is_empty() {
                h2 { (l.t("等服务对象确认已超过一个月的服务", "Services waiting a month or more for confirmation")) }
                ul.list {
                    @for (id, what, team, days) in &stuck {
                        li {
                            a href={ "/team/activities/" (id) "/confirmation" } { (what) }
                            p.muted { (team) " · " (l.s(format!("已等 {days} 天"), format!("waiting {days} days"))) }
                        }
                    }
                }
            }
            @if !waiting.is_empty() {
                h2 { (l.s(format!("等待审批的补登（{}）", waiting.len()), format!("Back-fills waiting for approval ({})", waiting.len()))) }
                ul.list {
                    @for b in &waiting {
                        li {
                            div.row { strong { (b.title) } span { (b.date.0) } }
                            p.muted { (b.team_name) " · " (l.s(format!("晚了 {} 天登记；{} 人，共 {} 小时，批准后发放 {} 积分", b.days_late, b.participants.len(), num(b.hours_total.0), num(b.points_if_approved.0)), format!("logged {} days late; {} people, {} hours, {} points once approved", b.days_late, b.participants.len(), num(b.hours_total.0), num(b.points_if_approved.0)))) }
                            p.muted { (b.participants.iter().map(|p| format!("{} {}", p.name, num(p.hours.0))).collect::<Vec<_>>().join(l.t("、", ", "))) }
                            @if admin {
                                form method="post" action={ "/policies/backfills/" (b.activity_id) "/approve" } {
                                    (super::form_fields(&csrf))
                                    label for={ "approve-" (b.activity_id) } { (l.t("核对情况", "What was checked")) }
                                    input id={ "approve-" (b.activity_id) } name="note" placeholder=(l.t("例如：有签到表", "e.g. the sign-in sheet"));
                                    button.big.plain type="submit" { (l.t("批准并发放积分", "Approve and credit")) }
                                }
                                form method="post" action={ "/policies/backfills/" (b.activity_id) "/decline" } {
                                    (super::form_fields(&csrf))
                                    label for={ "decline-" (b.activity_id) } { (l.t("不批准的原因", "Why not")) }
                                    input id={ "decline-" (b.activity_id) } name="reason" required;
                                    button.big.plain type="submit" { (l.t("不批准", "Decline")) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

async fn set(
    app: &App,
    viewer: &Viewer,
    form: &Form,
    change: Result<PolicyChange, AppError>,
) -> Response {
    submit_and_return::<PolicySet>(app, viewer, form, HERE, |_| {
        Ok(Command::SetPolicy {
            change: change?,
            note: form.text("note"),
        })
    })
    .await
}

/// Sets the hold time from the form.
pub async fn hold_time(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let change = input::optional_number::<i64>("days", &form.text("days"))
        .map_err(AppError::from)
        .map(|d| PolicyChange::HoldTtl {
            seconds: d.unwrap_or(0).saturating_mul(86_400),
        });
    set(&app, &viewer, &form, change).await
}

/// Sets or lifts the back-fill limit from the form.
pub async fn backfill_limit(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let change = input::optional_number::<u32>("days", &form.text("days"))
        .map_err(AppError::from)
        .map(|days| PolicyChange::BackfillLimit { days });
    set(&app, &viewer, &form, change).await
}

/// Approves the back-fill the path names.
pub async fn approve(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    submit_and_return::<ApprovedBackfill>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::ApproveBackfill {
            activity_id: input::id("activity", &id)?,
            note: form.text("note"),
        })
    })
    .await
}

/// Declines the back-fill the path names.
pub async fn decline(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    submit_and_return::<BackfillDeclined>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::DeclineBackfill {
            activity_id: input::id("activity", &id)?,
            reason: form.text("reason"),
        })
    })
    .await
}
