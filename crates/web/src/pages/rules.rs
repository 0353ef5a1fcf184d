//! The earning rules in plain words: every version with the date it took effect, and for an
//! administrator the forms to adopt a version and to re-rate a past period (previewed first).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use yinling_app::answers::Rerated;
use yinling_app::{input, App, AppError};
use yinling_ledger::{CategoryRate, DayMultiplier, DaySet, EarningRulesAdopted, Timestamp};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::categories::Categories;
use yinling_projections::rules::RuleVersion;
use yinling_projections::{Command, NewRules, State as LedgerState};

use super::{act, genuine, may_read, see_other, Form};
use crate::i18n::Lang;
use crate::layout::{category_name, num, page, refusal, Frame};
use crate::session::Viewer;

/// One version in words.
fn version_words(l: Lang, categories: &Categories, v: &RuleVersion) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = v.default_points_per_hour {
        lines.push(l.s(
            format!("其他类别每小时 {} 分", num(d)),
            format!("other categories: {} points an hour", num(d)),
        ));
    }
    for (c, r) in &v.rates {
        lines.push(l.s(
            format!("{} 每小时 {} 分", category_name(l, categories, c), num(*r)),
            format!(
                "{}: {} points an hour",
                category_name(l, categories, c),
                num(*r)
            ),
        ));
    }
    for m in &v.multipliers {
        let days = match m.days {
            DaySet::Weekends => l.t("周六、周日", "Saturdays and Sundays").to_owned(),
            DaySet::Dates { from, to } => format!("{from} – {to}"),
        };
        lines.push(l.s(
            format!("{}（{days}）按 {} 倍计", m.label, num(m.multiplier)),
            format!("{} ({days}): × {}", m.label, num(m.multiplier)),
        ));
    }
    if let Some(cap) = v.max_hours_per_day {
        lines.push(l.s(
            format!("每人每天最多计 {} 小时", num(cap)),
            format!("at most {} hours a day per volunteer", num(cap)),
        ));
    }
    lines
}

/// The period of a re-rating preview.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    /// First service date.
    pub from: Option<String>,
    /// Last service date.
    pub to: Option<String>,
}

/// `/rules`: every version; for an administrator, the forms.
pub async fn rules(State(app): State<App>, viewer: Viewer, Query(p): Query<Period>) -> Response {
    let who = match may_read(&viewer, &Read::Published) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let admin = access::can_write(&who, &Write::Administer("change the point rules"));
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let period = match (p.from.as_deref(), p.to.as_deref()) {
        (Some(f), Some(t)) => match (input::date("from", f), input::date("to", t)) {
            (Ok(f), Ok(t)) => Some((f, t)),
            (Err(e), _) | (_, Err(e)) => return refusal(&viewer, "/rules", &e.into()),
        },
        _ => None,
    };
    let state = app.engine.read();
    let preview = period.map(|(f, t)| (f, t, state.rerating_plan(f, t)));
    page(
        Frame { viewer: &viewer, title: l.t("积分规则", "Earning rules").into(), back: Some("/"), as_of: None },
        html! {
            p { (l.t("每次服务按服务当天有效的规则计分。新规则不会改动已经发放的积分；要按新规则重算过去的积分，须由管理员先预览、再写明原因确认。", "Service earns under the rule in force on the day it was served. A new rule never changes points already credited; re-rating a past period is done by an administrator, previewed first and with a reason.")) }
            h2 { (l.t("今天各类服务每小时积分", "Points an hour today")) }
            table {
                @for c in state.categories.open_on(today) {
                    @let a = state.rule_for(c.id, today);
                    tr { th { (c.label(l == Lang::Zh)) } td { (num(a.effective_rate())) } }
                }
            }
            p { a href="/categories" { (l.t("所有服务类别（新增、改名、停用）", "Every kind of service (register, rename, retire)")) } }
            p { a href="/stars" { (l.t("星级标准和星级公示", "The star scale and stars on public notice")) } }
            h2 { (l.t("历次规则", "Every version")) }
            @if state.rules.versions.is_empty() { p { (l.t("一直沿用默认规则：每小时 10 分。", "The default has always applied: 10 points an hour.")) } }
            ul.list {
                @for v in state.rules.versions.iter().rev() {
                    li {
                        div.row { strong { (l.s(format!("第 {} 版", v.version), format!("Version {}", v.version))) } span { (l.s(format!("{} 起", v.effective_from), format!("from {}", v.effective_from))) } }
                        @for line in version_words(l, &state.categories, v) { p { (line) } }
                        @if !v.note.is_empty() { p.muted { (v.note) } }
                    }
                }
            }
            @if admin {
                h2 { (l.t("定一版新规则", "Adopt a version")) }
                form method="post" action="/rules/versions" {
                    (super::form_fields(&csrf))
                    label for="effective_from" { (l.t("从哪天的服务起", "For service from")) }
                    input #effective_from name="effective_from" type="date" value=(today.to_string()) required;
                    label for="category" { (l.t("服务类别", "Kind of service")) }
                    select #category name="category" {
                        @for c in state.categories.all() { option value=(c.code) { (c.label(l == Lang::Zh)) } }
                    }
                    label for="rate" { (l.t("每小时积分", "Points an hour")) }
                    input #rate name="rate" inputmode="decimal" required;
                    label for="weekend" { (l.t("周末按几倍计（不加倍就空着）", "Weekend multiplier (leave empty for none)")) }
                    input #weekend name="weekend" inputmode="decimal";
                    label for="cap" { (l.t("每人每天最多计几小时（不限就空着）", "Most hours a day per volunteer (empty: no cap)")) }
                    input #cap name="cap" inputmode="decimal";
                    label for="note" { (l.t("说明", "Note")) }
                    input #note name="note";
                    button.big type="submit" { (l.t("定下这版规则", "Adopt it")) }
                }
                h2 { (l.t("按服务当天的规则重算一段时间", "Re-rate a period under the rules of each day")) }
                form method="get" action="/rules" {
                    label for="from" { (l.t("从", "From")) }
                    input #from name="from" type="date" required value=(p.from.clone().unwrap_or_default());
                    label for="to" { (l.t("到", "To")) }
                    input #to name="to" type="date" required value=(p.to.clone().unwrap_or_default());
                    button.big.plain type="submit" { (l.t("先看看会改动什么", "Preview")) }
                }
                @if let Some((from, to, plan)) = &preview {
                    @let change: rust_decimal::Decimal = plan.iter().map(|r| r.points_after - r.points_before).sum();
                    p.note role="status" { (l.s(format!("{from} 至 {to}：会改动 {} 笔积分，合计 {} 分。", plan.len(), num(change)), format!("{from} to {to}: {} credits change, {} points in all.", plan.len(), num(change)))) }
                    @if !plan.is_empty() {
                        form method="post" action="/rules/rerating" {
                            (super::form_fields(&csrf))
                            input type="hidden" name="from" value=(from.to_string());
                            input type="hidden" name="to" value=(to.to_string());
                            label for="reason" { (l.t("重算原因", "Reason")) }
                            input #reason name="reason" required;
                            button.big type="submit" { (l.t("确认重算", "Re-rate")) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The command a filled-in rule form asks for.
fn rules_command(state: &LedgerState, form: &Form) -> Result<Command, AppError> {
    let optional = |field: &str| -> Result<Option<rust_decimal::Decimal>, AppError> {
        let text = form.text(field);
        if text.is_empty() {
            Ok(None)
        } else {
            Ok(Some(input::decimal(field, &text)?))
        }
    };
    let multipliers = match optional("weekend")? {
        Some(multiplier) => vec![DayMultiplier {
            label: "周末".into(),
            days: DaySet::Weekends,
            multiplier,
        }],
        None => Vec::new(),
    };
    Ok(Command::AdoptEarningRules(NewRules {
        effective_from: input::date("effective_from", form.get("effective_from").unwrap_or(""))?,
        default_points_per_hour: None,
        rates: vec![CategoryRate {
            category: input::category(state, "category", form.get("category").unwrap_or(""))?,
            points_per_hour: input::decimal("rate", form.get("rate").unwrap_or(""))?,
        }],
        multipliers,
        max_hours_per_day: optional("cap")?,
        note: form.text("note"),
    }))
}

/// Adopts a version from the form.
pub async fn adopt(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = match rules_command(&app.engine.read(), &form) {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, "/rules", &e),
    };
    match act::<EarningRulesAdopted>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other("/rules"),
        Err(e) => refusal(&viewer, "/rules", &e),
    }
}

/// Re-rates the previewed period.
pub async fn rerate(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = (|| -> Result<Command, AppError> {
        Ok(Command::RerateServices {
            from: input::date("from", form.get("from").unwrap_or(""))?,
            to: input::date("to", form.get("to").unwrap_or(""))?,
            reason: form.text("reason"),
        })
    })();
    let command = match command {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, "/rules", &e),
    };
    match act::<Rerated>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other("/rules"),
        Err(e) => refusal(&viewer, "/rules", &e),
    }
}
