//! `/money`: the money side for staff, over a period: the coverage of the points
//! outstanding (with the warning), the value redeemed by month (a chart) and by district,
//! station and team, what each supplier is owed, each bank's vouchers; every table also as
//! a spreadsheet. Administrators set the banks' budgets, rewards' values, the point value
//! and the warning here.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use yinling_app::reports::money::{
    bank_settlement, city_coverage, coverage, redeemed, supplier_settlement, By, CoverageRow,
    Period,
};
use yinling_app::reports::stations::banks;
use yinling_app::reports::Lang as Columns;
use yinling_app::{input, App, AppError};
use yinling_ledger::{BankBudgetSet, PolicyChange, PolicySet, RewardValued, Timestamp};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, State as LedgerState};

use super::{may_read, submit_and_return, Form};
use crate::charts::{horizontal, Bar};
use crate::i18n::Lang;
use crate::layout::{num, page, refusal, Frame};
use crate::session::Viewer;
use crate::spreadsheet::Format;

const HERE: &str = "/money";

/// `?from=&to=`.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
}

fn period_of(q: &PeriodParams) -> Result<Period, AppError> {
    Ok(Period::parse(q.from.as_deref(), q.to.as_deref())?)
}

/// A period's spreadsheet named with its days (`banks-2026-03-01-2026-03-31.xlsx`), so
/// March's file sent to a bank is not April's `banks (1).xlsx`; the coverage is of today.
fn dated(stem: &str, form: Format, period: Period) -> String {
    let ext = form.extension();
    let end = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "all".to_owned(), |d| d.to_string());
    match (period.from, period.to) {
        _ if stem == "coverage" => format!("{stem}.{ext}"),
        (None, None) => format!("{stem}.{ext}"),
        (from, to) => format!("{stem}-{}-{}.{ext}", end(from), end(to)),
    }
}

/// A download button: the Excel workbook, with the same table as CSV beside it.
fn downloads(l: Lang, stem: &str, query: &str) -> Markup {
    html! {
        p {
            a.button.plain href={ "/money/" (stem) ".xlsx" (query) } { (l.t("下载 Excel 表格", "Excel workbook")) }
            " "
            a href={ "/money/" (stem) ".csv" (query) } { (l.t("（CSV 格式）", "(as CSV)")) }
        }
    }
}

/// The warning staff see on their home page when the points outstanding exceed the share
/// of what can be honoured that the administrator set; nothing otherwise.
pub fn coverage_banner(state: &LedgerState, l: Lang) -> Markup {
    let today = state.policies.date_of(Timestamp::now());
    let city = city_coverage(state, today);
    if !city.warning {
        return html! {};
    }
    let percent = city
        .percent
        .map(|p| p.0.normalize().to_string())
        .unwrap_or_default();
    let limit = state
        .policies
        .coverage_warning_percent()
        .unwrap_or_default();
    html! {
        p.error role="alert" {
            (l.s(format!("兑付预警：待兑积分是可兑付奖品和利率券的 {percent}%，超过了 {limit}% 的预警线。请补货或增加银行预算。"),
                 format!("Coverage warning: points outstanding are {percent}% of what stock and vouchers can honour, above the {limit}% line. Restock or raise a bank's budget.")))
            " " a href=(HERE) { (l.t("看兑付情况", "See the coverage")) }
        }
    }
}

fn coverage_table(l: Lang, rows: &[CoverageRow]) -> Markup {
    html! {
        div.scroll { table {
            thead { tr {
                th { (l.t("范围", "Scope")) } th { (l.t("待兑积分", "Outstanding")) } th { (l.t("实物库存", "Stock")) }
                th { (l.t("利率券", "Vouchers")) } th { (l.t("可兑付", "Can honour")) } th { "%" }
            } }
            tbody { @for r in rows { tr {
                td { (r.name) @if r.warning { " ⚠" } }
                td { (r.outstanding_points.map(|a| num(a.0)).unwrap_or_default()) }
                td { (num(r.stock_points.0)) } td { (num(r.voucher_points.0)) } td { (num(r.backing_points.0)) }
                td { (r.percent.map(|a| num(a.0)).unwrap_or_default()) }
            } } }
        } }
    }
}

/// `/money`.
pub async fn overview(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<PeriodParams>,
) -> Response {
    let who = match may_read(&viewer, &Read::Evaluation) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let period = match period_of(&q) {
        Ok(p) => p,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    let admin = access::can_write(&who, &Write::Administer("set the banks' budgets"));
    let csrf = viewer.csrf();
    let state = app.engine.read();
    let today = state.policies.date_of(Timestamp::now());
    let cover = coverage(&state, today);
    let months = redeemed(&state, period, By::Month);
    let bars: Vec<Bar> = months
        .iter()
        .map(|m| Bar {
            label: m.key.clone(),
            value: m.value_yuan.0.to_string().parse().unwrap_or(0.0),
            shown: num(m.value_yuan.0),
        })
        .collect();
    let suppliers = supplier_settlement(&state, period);
    let bank_rows = bank_settlement(&state, period, today);
    let query = format!(
        "?from={}&to={}",
        q.from.clone().unwrap_or_default(),
        q.to.clone().unwrap_or_default()
    );
    let mut rewards: Vec<_> = state.rewards.values().filter(|r| !r.retired).collect();
    rewards.sort_by(|a, b| a.name.cmp(&b.name));
    page(
        Frame { viewer: &viewer, title: l.t("兑付与结算", "Money and coverage").into(), back: Some("/"), as_of: None },
        html! {
            (coverage_banner(&state, l))
            form method="get" {
                label for="from" { (l.t("从", "From")) } input #from name="from" type="date" value=(q.from.clone().unwrap_or_default());
                label for="to" { (l.t("到", "To")) } input #to name="to" type="date" value=(q.to.clone().unwrap_or_default());
                button.big type="submit" { (l.t("按这段时间看", "Show this period")) }
            }
            h2 { (l.t("兑付能力（刚性兑付）", "Coverage of the points outstanding")) }
            p { (l.t("待兑积分 = 所有志愿者可用和冻结的积分；可兑付 = 各 e站 现有奖品和银行预算内利率券的积分价值。", "Outstanding = every volunteer's available and held points; can honour = the points value of the stations' stock and of the vouchers the banks' budgets still honour.")) }
            (coverage_table(l, &cover))
            (downloads(l, "coverage", ""))
            h2 { (l.t("每月兑换价值（元）", "Value redeemed each month (yuan)")) }
            (horizontal("months", l.t("每月兑换价值（元）", "Value redeemed each month (yuan)"), &bars))
            (downloads(l, "redeemed-month", &query))
            @for (by, zh, en, file) in [(By::District, "按区县", "By district", "district"), (By::Station, "按 e站", "By station", "station"), (By::Team, "按队伍", "By team", "team")] {
                details {
                    summary { (l.t(zh, en)) }
                    div.scroll { table {
                        thead { tr { th { (l.t("名称", "Name")) } th { (l.t("笔数", "Hand-overs")) } th { (l.t("退回", "Refunded")) } th { (l.t("积分", "Points")) } th { (l.t("价值（元）", "Yuan")) } } }
                        tbody { @for r in redeemed(&state, period, by) { tr { td { (r.key) } td { (r.redemptions) } td { (r.refunded) } td { (num(r.points.0)) } td { (num(r.value_yuan.0)) } } } }
                    } }
                    (downloads(l, &format!("redeemed-{file}"), &query))
                }
            }
            h2 { (l.t("供货方结算", "What each supplier is owed")) }
            div.scroll { table {
                thead { tr { th { (l.t("供货方", "Supplier")) } th { (l.t("奖品", "Reward")) } th { (l.t("数量", "Units")) } th { (l.t("单价", "Unit cost")) } th { (l.t("金额（元）", "Yuan")) } } }
                tbody { @for r in &suppliers { tr { td { (r.supplier) } td { (r.reward) } td { (r.quantity) } td { (num(r.unit_cost_yuan.0)) } td { (num(r.total_yuan.0)) } } } }
            } }
            (downloads(l, "suppliers", &query))
            h2 { (l.t("银行结算", "Bank settlement")) }
            p { (l.t("使用按银行登记的日子算：过了有效期才补记的使用，算在补记的那段时间里（“其中补录”），这张券在它到期的那段时间里仍算过期。已经发给银行的表，重新导出也不会变。", "A use counts on the day the bank recorded it: one recorded after the voucher's last day counts in the period it was recorded (\"of which late\"), and the voucher stays expired in the period of its last day. A period's file already sent to a bank reads the same when made again.")) }
            div.scroll { table {
                thead { tr { th { (l.t("银行", "Bank")) } th { (l.t("发放", "Issued")) } th { (l.t("存款使用", "Deposits")) } th { (l.t("贷款使用", "Loans")) } th { (l.t("其中补录", "Of which late")) } th { (l.t("过期", "Expired")) } th { (l.t("作废", "Cancelled")) } th { (l.t("优惠折合（元/年）", "Bonus yuan/year")) } } }
                tbody { @for r in &bank_rows { tr { td { (r.bank) } td { (r.issued) } td { (r.used_deposit) } td { (r.used_loan) } td { (r.late_uses) } td { (r.expired) } td { (r.cancelled) } td { (num(r.bonus_yuan.0)) } } } }
            } }
            (downloads(l, "banks", &query))
            h3 { (l.s(format!("{} 年预算余额", chrono::Datelike::year(&today)), format!("Budgets left in {}", chrono::Datelike::year(&today)))) }
            ul {
                @for b in banks(&state) {
                    @let left = state.budget_left(&b, chrono::Datelike::year(&today));
                    li { (b) "："
                        @if let Some(year) = left.carried_from {
                            (l.s(format!("（今年未定预算，沿用 {year} 年的）"), format!("(none set for this year: {year}'s holds) ")))
                        }
                        @if let Some(n) = left.budget.as_ref().and_then(|x| x.vouchers) {
                            (l.s(format!("全年 {n} 张，已发放 {} 张，", left.issued), format!("{n} for the year, {} issued, ", left.issued)))
                        }
                        @match left.vouchers_left { Some(n) => { (l.s(format!("还可发放 {n} 张"), format!("{n} vouchers left"))) } None => { (l.t("张数不限", "no limit on vouchers")) } }
                        "；"
                        @match left.bonus_left { Some(y) => { (l.s(format!("利率优惠还剩 {} 元", num(y)), format!("{} yuan of rate bonus left", num(y)))) } None => { (l.t("金额不限", "no limit on the bonus")) } }
                    }
                }
            }
            @if admin {
                h2 { (l.t("银行预算", "A bank's budget")) }
                form method="post" action="/money/budget" {
                    (super::form_fields(&csrf))
                    label for="bank" { (l.t("银行", "Bank")) }
                    select #bank name="bank" { @for b in banks(&state) { option value=(b) { (b) } } }
                    label for="year" { (l.t("年份", "Year")) }
                    input #year name="year" inputmode="numeric" value=(chrono::Datelike::year(&today));
                    label for="vouchers" { (l.t("全年可发放张数（留空不限）", "Vouchers for the year (empty: no limit)")) }
                    input #vouchers name="vouchers" inputmode="numeric";
                    label for="bonus_yuan" { (l.t("全年利率优惠折合金额上限（元，留空不限）", "Rate bonus yuan for the year (empty: no limit)")) }
                    input #bonus_yuan name="bonus_yuan" inputmode="decimal";
                    label for="budget_note" { (l.t("说明", "Note")) }
                    input #budget_note name="note";
                    p.muted { (l.t("两项都要填：这里定下的是这一年的整个预算，留空的一项就是不限。没有定预算的年份沿用上一次定下的。", "Fill in both: this sets the year's whole budget, and a field left empty means no limit. A year with no budget set keeps the last one set before it.")) }
                    button.big type="submit" { (l.t("定下预算", "Set the budget")) }
                }
                h2 { (l.t("奖品价值和供货方", "A reward's value and supplier")) }
                form method="post" action="/money/value" {
                    (super::form_fields(&csrf))
                    label for="reward_id" { (l.t("奖品", "Reward")) }
                    select #reward_id name="reward_id" { @for r in &rewards { option value=(r.id) { (r.name) } } }
                    label for="unit_value_yuan" { (l.t("每件价值（元）", "Value per unit (yuan)")) }
                    input #unit_value_yuan name="unit_value_yuan" inputmode="decimal" required;
                    label for="supplier" { (l.t("供货方", "Supplier")) }
                    input #supplier name="supplier" required;
                    button.big type="submit" { (l.t("保存", "Save")) }
                }
                h2 { (l.t("积分价值和预警线", "Point value and the warning")) }
                form method="post" action="/money/point-value" {
                    (super::form_fields(&csrf))
                    label for="yuan_per_point" { (l.t("每积分值多少元", "Yuan per point")) }
                    input #yuan_per_point name="yuan_per_point" inputmode="decimal" value=(state.policies.yuan_per_point().map(|y| y.normalize().to_string()).unwrap_or_default()) required;
                    label for="pv_note" { (l.t("说明", "Note")) }
                    input #pv_note name="note";
                    button.big type="submit" { (l.t("保存积分价值", "Save the point value")) }
                }
                form method="post" action="/money/warning" {
                    (super::form_fields(&csrf))
                    label for="percent" { (l.t("待兑积分超过可兑付的百分之几时预警", "Warn when outstanding exceeds this percent of what can be honoured")) }
                    input #percent name="percent" inputmode="numeric" value=(state.policies.coverage_warning_percent().map(|p| p.to_string()).unwrap_or_default()) required;
                    label for="w_note" { (l.t("说明", "Note")) }
                    input #w_note name="note";
                    button.big type="submit" { (l.t("保存预警线", "Save the warning")) }
                }
            }
        },
    )
    .into_response()
}

/// A bank's budget, from the form.
pub async fn set_budget(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<BankBudgetSet>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::SetBankBudget {
            bank: form.text("bank"),
            year: input::count("year", form.get("year").unwrap_or(""))?
                .try_into()
                .map_err(|_| AppError::invalid("bad_year", "year: not a year"))?,
            vouchers: input::optional_number::<u32>(
                "vouchers",
                form.get("vouchers").unwrap_or(""),
            )?,
            bonus_yuan: match form.text("bonus_yuan") {
                t if t.is_empty() => None,
                t => Some(input::decimal("bonus_yuan", &t)?),
            },
            note: form.text("note"),
        })
    })
    .await
}

/// A reward's value, from the form.
pub async fn set_value(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<RewardValued>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::ValueReward {
            reward_id: input::id("reward_id", form.get("reward_id").unwrap_or(""))?,
            unit_value_yuan: input::decimal(
                "unit_value_yuan",
                form.get("unit_value_yuan").unwrap_or(""),
            )?,
            supplier: form.text("supplier"),
        })
    })
    .await
}

/// The point value, from the form.
pub async fn set_point_value(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<PolicySet>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::SetPolicy {
            change: PolicyChange::PointValue {
                yuan_per_point: input::decimal(
                    "yuan_per_point",
                    form.get("yuan_per_point").unwrap_or(""),
                )?,
            },
            note: form.text("note"),
        })
    })
    .await
}

/// The coverage warning, from the form.
pub async fn set_warning(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<PolicySet>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::SetPolicy {
            change: PolicyChange::CoverageWarning {
                percent: input::count("percent", form.get("percent").unwrap_or(""))?,
            },
            note: form.text("note"),
        })
    })
    .await
}

/// `/money/{name}.xlsx` (or `.csv`): a table as a spreadsheet, in the viewer's language.
pub async fn spreadsheet(
    State(app): State<App>,
    viewer: Viewer,
    Path(name): Path<String>,
    Query(q): Query<PeriodParams>,
) -> Response {
    if let Err(r) = may_read(&viewer, &Read::Evaluation) {
        return r;
    }
    let Some((stem, form)) = Format::of(&name) else {
        return crate::layout::not_for_you(&viewer);
    };
    let period = match period_of(&q) {
        Ok(p) => p,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    let l = viewer.lang;
    let cols = if l == Lang::Zh {
        Columns::Zh
    } else {
        Columns::En
    };
    let state = app.engine.read();
    let today = state.policies.date_of(Timestamp::now());
    let redeemed_by = |by: By, zh: &'static str, en: &'static str| {
        form.write(l.t(zh, en), cols, &redeemed(&state, period, by))
    };
    let written = match stem {
        "coverage" => form.write(l.t("兑付能力", "Coverage"), cols, &coverage(&state, today)),
        "suppliers" => form.write(
            l.t("供货方结算", "Suppliers"),
            cols,
            &supplier_settlement(&state, period),
        ),
        "banks" => form.write(
            l.t("银行结算", "Banks"),
            cols,
            &bank_settlement(&state, period, today),
        ),
        "redeemed-district" => redeemed_by(By::District, "按区县兑换", "By district"),
        "redeemed-station" => redeemed_by(By::Station, "按e站兑换", "By station"),
        "redeemed-team" => redeemed_by(By::Team, "按队伍兑换", "By team"),
        "redeemed-month" => redeemed_by(By::Month, "每月兑换", "By month"),
        _ => return crate::layout::not_for_you(&viewer),
    };
    match written {
        Ok(bytes) => form.download(&dated(stem, form, period), bytes),
        Err(e) => refusal(&viewer, HERE, &AppError::internal(&e)),
    }
}
