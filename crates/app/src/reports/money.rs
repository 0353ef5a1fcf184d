//! The money side as the city reports it, over any period: what each supplier is owed for
//! what was handed over, each bank's vouchers, the money value redeemed by district, station,
//! team and month, and the coverage of the points outstanding (刚性兑付).
//!
//! A hand-over is counted on the day it was recorded (the ledger's calendar); a reward's
//! value and cost are those it had at its hand-over. A reward not yet valued counts at the
//! point value the log sets (points × yuan per point), or 0.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::{RewardKind, StationId, VoucherProduct};
use yinling_projections::redemptions::{Redemption, RedemptionStatus};
use yinling_projections::{Rejection, State};

use super::stations::station_name;
use super::{Lang, Table};
use crate::wire::Amount;

/// A period of days, both ends included (`None`: open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl Period {
    /// The period a caller typed: each end a `YYYY-MM-DD` day or empty (open), and the first
    /// not after the last (a reversed window is refused, not answered with empty rows).
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, Rejection> {
        let day =
            |field: &str, text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => crate::input::date(field, t).map(Some),
            };
        let period = Period {
            from: day("from", from)?,
            to: day("to", to)?,
        };
        if let (Some(f), Some(t)) = (period.from, period.to) {
            if f > t {
                return Err(Rejection::invalid(
                    "bad_window",
                    format!("from ({f}) is after to ({t}); the first day comes first"),
                ));
            }
        }
        Ok(period)
    }

    /// Whether `day` is in the period.
    pub fn holds(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// The hand-overs of the period, those whose points went back later included: a period
/// reported keeps its figures, and the refund is counted in its own ([`refunded`]).
fn handed_over(state: &State, period: Period) -> impl Iterator<Item = &Redemption> {
    state.redemptions.values().filter(move |r| {
        matches!(
            r.status,
            RedemptionStatus::Fulfilled | RedemptionStatus::Refunded
        ) && r
            .settled_at
            .is_some_and(|at| period.holds(state.policies.date_of(at)))
    })
}

/// The hand-overs whose points went back in the period (a rate voucher cancelled unused).
fn refunded(state: &State, period: Period) -> impl Iterator<Item = &Redemption> {
    state.redemptions.values().filter(move |r| {
        r.status == RedemptionStatus::Refunded
            && r.refunded_at
                .is_some_and(|at| period.holds(state.policies.date_of(at)))
    })
}

/// What a hand-over is worth: its unit value × units, or its points at the point value in
/// force when it was handed over (a later change of the point value does not rewrite a past
/// period's report); one handed over before any point value was set counts at the first one
/// set, not at nothing.
pub fn value_of(state: &State, r: &Redemption) -> Decimal {
    match r.unit_value_yuan {
        Some(v) => v * Decimal::from(r.quantity),
        None => {
            let steps = &state.policies.point_value;
            let in_force = match r.settled_at {
                Some(at) => steps.iter().rev().find(|s| s.at <= at).or(steps.first()),
                None => steps.last(),
            };
            in_force.map_or(Decimal::ZERO, |s| r.points * s.value)
        }
    }
}

/// One supplier's line: a reward handed over in the period, units × unit cost.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplierRow {
    /// The supplier.
    pub supplier: String,
    /// The reward.
    pub reward: String,
    /// Units handed over.
    pub quantity: u64,
    /// Cost per unit, yuan: the last stock receipt's at the station before the hand-over
    /// (whose supplier this line is), else the last receipt's anywhere, else the value.
    pub unit_cost_yuan: Amount,
    /// Units × cost.
    pub total_yuan: Amount,
}

/// What each supplier is owed for the products handed over in the period, by supplier and
/// reward (one line per distinct unit cost).
pub fn supplier_settlement(state: &State, period: Period) -> Vec<SupplierRow> {
    let mut lines: BTreeMap<(String, String, Decimal), u64> = BTreeMap::new();
    for r in handed_over(state, period) {
        let Some(reward) = state.rewards.get(&r.reward_id) else {
            continue;
        };
        if !matches!(reward.kind, RewardKind::Product { .. }) {
            continue;
        }
        let cost = r.unit_cost_yuan.or(r.unit_value_yuan).unwrap_or_default();
        let supplier = if r.supplier.is_empty() {
            "—".to_owned()
        } else {
            r.supplier.clone()
        };
        *lines
            .entry((supplier, reward.name.clone(), cost.normalize()))
            .or_default() += u64::from(r.quantity);
    }
    lines
        .into_iter()
        .map(|((supplier, reward, cost), quantity)| SupplierRow {
            supplier,
            reward,
            quantity,
            unit_cost_yuan: cost.into(),
            total_yuan: (cost * Decimal::from(quantity)).normalize().into(),
        })
        .collect()
}

/// An amount of money as a spreadsheet shows it: yuan and fen, always two decimals
/// (`8.50`, `10.00`), rounded half away from zero, so a column of them lines up and adds up
/// as an accountant reads it. The API's JSON keeps the exact amount.
pub fn yuan(amount: Decimal) -> String {
    let mut fen =
        amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    fen.rescale(2);
    fen.to_string()
}

impl Table for SupplierRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("supplier", "供货方"),
        ("reward", "奖品"),
        ("quantity", "数量"),
        ("unit_cost_yuan", "单价（元）"),
        ("total_yuan", "金额（元）"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.supplier.clone(),
            self.reward.clone(),
            self.quantity.to_string(),
            yuan(self.unit_cost_yuan.0),
            yuan(self.total_yuan.0),
        ]
    }
}

/// One bank's vouchers in the period.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct BankRow {
    /// The bank.
    pub bank: String,
    /// Handed over in the period.
    pub issued: u64,
    /// Uses for a deposit recorded in the period.
    pub used_deposit: u64,
    /// Uses for a loan recorded in the period.
    pub used_loan: u64,
    /// Of those uses, the ones made before the period began (recorded late, within the
    /// days a use on a valid day may still be recorded): counted here, where they were
    /// recorded, so a period already reported keeps its figures.
    pub late_uses: u64,
    /// Whose last day fell in the period with no use recorded by then.
    pub expired: u64,
    /// Cancelled in the period.
    pub cancelled: u64,
    /// Deposits they were used for, yuan.
    pub deposit_yuan: Amount,
    /// Loans they were used for, yuan.
    pub loan_yuan: Amount,
    /// The rate bonus's value for a year on those amounts, yuan.
    pub bonus_yuan: Amount,
}

/// Each bank's vouchers: issued, used (deposit and loan), expired and cancelled in the
/// period, with the amounts and the bonus the bank honours. An unused voucher expires
/// the day after its last day, once that day has come. A use counts in the period it was
/// recorded in, whatever day it was made (`late_uses` says how many were made before the
/// period); a voucher whose use was recorded only after its last day stays expired in the
/// period of that day: a month's file sent to a bank reads the same when made again.
pub fn bank_settlement(state: &State, period: Period, today: NaiveDate) -> Vec<BankRow> {
    let mut rows: BTreeMap<String, BankRow> = BTreeMap::new();
    for v in state.vouchers.by_redemption.values() {
        let row = rows.entry(v.bank.clone()).or_insert_with(|| BankRow {
            bank: v.bank.clone(),
            ..BankRow::default()
        });
        if period.holds(v.issued_on) {
            row.issued += 1;
        }
        let recorded_on = v.used.as_ref().map(|u| state.policies.date_of(u.at));
        if let Some(u) = v
            .used
            .as_ref()
            .filter(|_| recorded_on.is_some_and(|d| period.holds(d)))
        {
            if period.from.is_some_and(|first| u.used_on < first) {
                row.late_uses += 1;
            }
            match u.product {
                VoucherProduct::Deposit => {
                    row.used_deposit += 1;
                    row.deposit_yuan.0 += u.amount_yuan;
                }
                VoucherProduct::Loan => {
                    row.used_loan += 1;
                    row.loan_yuan.0 += u.amount_yuan;
                }
            }
            row.bonus_yuan.0 += u.bonus_yuan;
        }
        let used_in_time = recorded_on.is_some_and(|d| d <= v.expires_on);
        if !used_in_time
            && v.cancelled.is_none()
            && v.expires_on < today
            && period.holds(v.expires_on)
        {
            row.expired += 1;
        }
        if v.cancelled_on.is_some_and(|d| period.holds(d)) {
            row.cancelled += 1;
        }
    }
    rows.into_values().collect()
}

impl Table for BankRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("bank", "银行"),
        ("issued", "发放张数"),
        ("used_deposit", "存款使用张数"),
        ("used_loan", "贷款使用张数"),
        ("late_uses", "其中补录张数"),
        ("expired", "过期张数"),
        ("cancelled", "作废张数"),
        ("deposit_yuan", "存款金额（元）"),
        ("loan_yuan", "贷款金额（元）"),
        ("bonus_yuan", "利率优惠折合（元/年）"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.bank.clone(),
            self.issued.to_string(),
            self.used_deposit.to_string(),
            self.used_loan.to_string(),
            self.late_uses.to_string(),
            self.expired.to_string(),
            self.cancelled.to_string(),
            yuan(self.deposit_yuan.0),
            yuan(self.loan_yuan.0),
            yuan(self.bonus_yuan.0),
        ]
    }
}

/// How the money value redeemed is broken down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// The volunteer's district at the hold.
    District,
    /// The pickup station.
    Station,
    /// The volunteer's team at the hold.
    Team,
    /// The month of the hand-over.
    Month,
}

impl By {
    /// From its wire name.
    pub fn parse(text: &str) -> Option<By> {
        match text {
            "district" => Some(By::District),
            "station" => Some(By::Station),
            "team" => Some(By::Team),
            "month" => Some(By::Month),
            _ => None,
        }
    }
}

/// One line of the money value redeemed.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct RedeemedRow {
    /// The district, station, team or month (YYYY-MM). A team is named with its district,
    /// since two districts may each have a team of the same name.
    pub key: String,
    /// Hand-overs.
    pub redemptions: u64,
    /// Hand-overs whose points went back in the period (a voucher cancelled unused), counted
    /// on the day of the refund, their points and value taken off this row's.
    pub refunded: u64,
    /// Points spent, net of the refunds.
    pub points: Amount,
    /// Money value, yuan, net of the refunds.
    pub value_yuan: Amount,
}

/// The row a redemption counts in, by what the rows are (`at`: the instant that decides its
/// month): the name shown, then the id a station or team is told apart by (two of the same
/// name stay two rows).
fn key_of(
    state: &State,
    r: &Redemption,
    at: Option<yinling_ledger::Timestamp>,
    by: By,
) -> (String, String) {
    match by {
        By::District => (r.district.clone(), String::new()),
        By::Station => (station_name(state, &r.station_id), r.station_id.to_string()),
        By::Team => (
            state
                .teams
                .get(&r.team_id)
                .map(|t| format!("{}（{}）", t.name, t.district))
                .unwrap_or_default(),
            r.team_id.to_string(),
        ),
        By::Month => (
            at.map_or_else(String::new, |at| {
                let d = state.policies.date_of(at);
                format!("{:04}-{:02}", d.year(), d.month())
            }),
            String::new(),
        ),
    }
}

/// The money value handed over in the period, by district, station, team or month, net of
/// the refunds made in it (each in the row of its refund's day).
pub fn redeemed(state: &State, period: Period, by: By) -> Vec<RedeemedRow> {
    let mut rows: BTreeMap<(String, String), RedeemedRow> = BTreeMap::new();
    for r in handed_over(state, period) {
        let at = key_of(state, r, r.settled_at, by);
        let entry = rows.entry(at.clone()).or_insert_with(|| RedeemedRow {
            key: at.0,
            ..RedeemedRow::default()
        });
        entry.redemptions += 1;
        entry.points.0 += r.points;
        entry.value_yuan.0 += value_of(state, r);
    }
    for r in refunded(state, period) {
        let at = key_of(state, r, r.refunded_at, by);
        let entry = rows.entry(at.clone()).or_insert_with(|| RedeemedRow {
            key: at.0,
            ..RedeemedRow::default()
        });
        entry.refunded += 1;
        entry.points.0 -= r.points;
        entry.value_yuan.0 -= value_of(state, r);
    }
    rows.into_values()
        .map(|mut r| {
            r.points.0 = r.points.0.normalize();
            r.value_yuan.0 = r.value_yuan.0.normalize();
            r
        })
        .collect()
}

impl Table for RedeemedRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("key", "分组"),
        ("redemptions", "兑换笔数"),
        ("refunded", "退回笔数"),
        ("points", "积分"),
        ("value_yuan", "价值（元）"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.key.clone(),
            self.redemptions.to_string(),
            self.refunded.to_string(),
            self.points.0.normalize().to_string(),
            yuan(self.value_yuan.0),
        ]
    }
}

/// Coverage of one station, one district or the city.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct CoverageRow {
    /// `city`, `district` or `station`.
    pub scope: String,
    /// Its name.
    pub name: String,
    /// Points outstanding (available + held) of the volunteers it serves (`None` for a
    /// station: volunteers belong to districts, not to stations).
    pub outstanding_points: Option<Amount>,
    /// Points value of the products on hand (free and held units × price).
    pub stock_points: Amount,
    /// Points value of the rate vouchers on hand that their bank's budget still honours.
    pub voucher_points: Amount,
    /// What can be honoured: stock plus vouchers.
    pub backing_points: Amount,
    /// Outstanding as a percentage of backing (`None` where there is no outstanding figure
    /// or no backing).
    pub percent: Option<Amount>,
    /// Whether the percentage is above the warning the administrator set.
    pub warning: bool,
}

/// Points value of what one station has on hand: (products, vouchers within budget).
///
/// Units held at the counter count whole (they are promised). Free units count as far as
/// they can still be given: not at all for a reward taken off the catalogue (nobody can
/// redeem them), and for rate vouchers only within what their bank's budget for the year
/// still allows once the holds waiting are counted, a room the stations share (`room`, by
/// bank, taken from in the order the stations are asked).
fn backing_of(
    state: &State,
    station: &StationId,
    today: NaiveDate,
    room: &mut BTreeMap<String, Option<u64>>,
) -> (Decimal, Decimal) {
    let Some(s) = state.stations.get(station) else {
        return (Decimal::ZERO, Decimal::ZERO);
    };
    let mut products = Decimal::ZERO;
    let mut vouchers = Decimal::ZERO;
    for (reward_id, shelf) in &s.shelves {
        let Some(r) = state.rewards.get(reward_id) else {
            continue;
        };
        let free = if r.retired { 0 } else { u64::from(shelf.free) };
        let held = u64::from(shelf.held);
        match &r.kind {
            RewardKind::Product { .. } => products += r.cost_points * Decimal::from(free + held),
            RewardKind::RateVoucher { bank, .. } => {
                let left = room.entry(bank.clone()).or_insert_with(|| {
                    state
                        .budget_left(bank, today.year())
                        .vouchers_left
                        .map(u64::from)
                });
                let given = left.map_or(free, |l| free.min(l));
                if let Some(l) = left.as_mut() {
                    *l -= given;
                }
                vouchers += r.cost_points * Decimal::from(held + given);
            }
        }
    }
    (products, vouchers)
}

fn row(
    scope: &str,
    name: String,
    outstanding: Option<Decimal>,
    (products, vouchers): (Decimal, Decimal),
    warn_at: Option<u32>,
) -> CoverageRow {
    let backing = products + vouchers;
    let percent = outstanding
        .filter(|_| !backing.is_zero())
        .map(|o| (o * Decimal::ONE_HUNDRED / backing).round_dp(1));
    CoverageRow {
        scope: scope.to_owned(),
        name,
        outstanding_points: outstanding.map(|o| o.normalize().into()),
        stock_points: products.normalize().into(),
        voucher_points: vouchers.normalize().into(),
        backing_points: backing.normalize().into(),
        percent: percent.map(|p| p.normalize().into()),
        warning: match (outstanding, warn_at) {
            (Some(o), Some(w)) => o * Decimal::ONE_HUNDRED > backing * Decimal::from(w),
            _ => false,
        },
    }
}

/// The stations, the first one first, with what each backs: (stock, vouchers) in points.
fn backing_by_station(
    state: &State,
    today: NaiveDate,
) -> Vec<(&yinling_projections::stations::Station, (Decimal, Decimal))> {
    let mut stations: Vec<_> = state.stations.by_id.values().collect();
    stations.sort_by_key(|s| (s.id != StationId::FIRST, s.name.clone()));
    let mut room = BTreeMap::new();
    stations
        .into_iter()
        .map(|s| (s, backing_of(state, &s.id, today, &mut room)))
        .collect()
}

/// The city's row of [`coverage`] alone (what the staff's warning banner needs, on every
/// page a clerk or coordinator opens: no pass over the volunteers).
pub fn city_coverage(state: &State, today: NaiveDate) -> CoverageRow {
    let backing = backing_by_station(state, today);
    city_row(state, &backing)
}

fn city_row(
    state: &State,
    backing: &[(&yinling_projections::stations::Station, (Decimal, Decimal))],
) -> CoverageRow {
    let t = &state.totals;
    let city_outstanding =
        t.points_carried + t.points_earned - t.points_reversed - t.points_redeemed;
    let total = backing
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |a, (_, b)| {
            (a.0 + b.0, a.1 + b.1)
        });
    row(
        "city",
        "全市".to_owned(),
        Some(city_outstanding),
        total,
        state.policies.coverage_warning_percent(),
    )
}

/// The coverage of the points outstanding: the city first, then each district with
/// stations, then each station.
pub fn coverage(state: &State, today: NaiveDate) -> Vec<CoverageRow> {
    let warn_at = state.policies.coverage_warning_percent();
    let backing = backing_by_station(state, today);
    let mut rows = vec![city_row(state, &backing)];
    let mut districts: BTreeMap<&str, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for (s, b) in &backing {
        if !s.district.is_empty() {
            let d = districts.entry(&s.district).or_default();
            d.0 += b.0;
            d.1 += b.1;
        }
    }
    // What each district's volunteers are owed, in one pass over them. As the city's figure
    // counts them: points still on notice are owed too (they become available when it
    // ends).
    for v in state.volunteers.values() {
        if let Some(d) = districts.get_mut(v.district.as_ref()) {
            d.2 += v.balance.available() + v.balance.held + v.balance.pending;
        }
    }
    for (district, (stock, vouchers, outstanding)) in districts {
        rows.push(row(
            "district",
            district.to_owned(),
            Some(outstanding),
            (stock, vouchers),
            warn_at,
        ));
    }
    for (s, b) in backing {
        rows.push(row("station", s.name.clone(), None, b, warn_at));
    }
    rows
}

impl Table for CoverageRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("scope", "范围"),
        ("name", "名称"),
        ("outstanding_points", "待兑积分"),
        ("stock_points", "实物库存（积分）"),
        ("voucher_points", "利率券（积分）"),
        ("backing_points", "可兑付（积分）"),
        ("percent", "待兑占可兑付（%）"),
        ("warning", "预警"),
    ];

    fn cells(&self) -> Vec<String> {
        self.cells_in(Lang::En)
    }

    fn cells_in(&self, lang: Lang) -> Vec<String> {
        let opt = |a: &Option<Amount>| a.map(|a| a.0.normalize().to_string()).unwrap_or_default();
        let zh = lang == Lang::Zh;
        let scope = match (zh, self.scope.as_str()) {
            (true, "city") => "全市".to_owned(),
            (true, "district") => "区县".to_owned(),
            (true, "station") => "e站".to_owned(),
            (_, other) => other.to_owned(),
        };
        let warning = match (self.warning, zh) {
            (false, _) => "",
            (true, true) => "是",
            (true, false) => "yes",
        };
        vec![
            scope,
            self.name.clone(),
            opt(&self.outstanding_points),
            self.stock_points.0.normalize().to_string(),
            self.voucher_points.0.normalize().to_string(),
            self.backing_points.0.normalize().to_string(),
            opt(&self.percent),
            warning.to_owned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_in_yuan_and_fen() {
        let d = |t: &str| t.parse::<Decimal>().expect("decimal");
        assert_eq!(yuan(d("8.5")), "8.50");
        assert_eq!(yuan(d("10")), "10.00");
        assert_eq!(yuan(d("12.25")), "12.25");
        assert_eq!(yuan(d("0.375")), "0.38");
        assert_eq!(yuan(d("-12.5")), "-12.50");
        assert_eq!(yuan(Decimal::ZERO), "0.00");
    }
}
