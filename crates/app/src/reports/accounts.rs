//! A volunteer's account (balance, hours, stars) and statement lines with their running
//! balance: the rows of the API, the web app, the balances and statement exports.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::Timestamp;
use yinling_projections::volunteers::{EntryKind, EntryRef, Volunteer};
use yinling_projections::State as LedgerState;

use super::provenance::{self, HowOut};
use super::{Lang, Table};
use crate::wire::{Amount, Day};

/// A volunteer's points.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceOut {
    /// Points ever earned by service.
    pub earned: Amount,
    /// Points taken back by reversals.
    pub reversed: Amount,
    /// Points reserved by held redemptions.
    pub held: Amount,
    /// Points spent.
    pub redeemed: Amount,
    /// Points carried over from another platform (原平台转入), spendable but not earned here.
    pub carried: Amount,
    /// Points that can be spent now: carried + earned - reversed - redeemed - held - pending.
    pub available: Amount,
    /// Points earned by activities still on public notice (公示): spendable once it ends.
    pub pending: Amount,
}

/// A volunteer's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerOut {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Current team.
    pub team_id: String,
    /// Its name.
    pub team_name: String,
    /// District.
    pub district: String,
    /// Year of birth, if known.
    pub birth_year: Option<u16>,
    /// Points.
    pub balance: BalanceOut,
    /// Net hours of service.
    pub hours: Amount,
    /// Star level that counts (0 = none yet).
    pub stars: u8,
    /// A higher star reached and waiting for an administrator's confirmation (公示中).
    pub star_awaiting_confirmation: Option<u8>,
    /// Hours still needed for the next star of the scale in force (absent at the top).
    pub hours_to_next_star: Option<Amount>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// One statement line.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    /// The event's seq.
    pub seq: u64,
    /// When recorded (RFC 3339).
    pub at: String,
    /// service, reversal, correction, rerating, hold, fulfilment, cancellation, expiry,
    /// carried_over, notice or refund.
    pub kind: String,
    /// Service date, for service and reversal lines.
    pub date: Option<Day>,
    /// Change to available points.
    pub points: Amount,
    /// Change to hours.
    pub hours: Amount,
    /// Available points after this line.
    pub balance: Amount,
    /// The activity concerned.
    pub activity_id: Option<String>,
    /// The redemption concerned.
    pub redemption_id: Option<String>,
    /// What it was, in words.
    pub description: String,
    /// How the hours and points came to be (service, correction, re-rating and reversal
    /// lines).
    pub how: Option<HowOut>,
    /// The proof that the line's event is in the statement's published checkpoint (absent
    /// for a line newer than it, and where no proofs were asked for).
    pub proof: Option<super::inclusion::CheckpointProofOut>,
}

/// A statement page.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementOut {
    /// Whose.
    pub volunteer_id: String,
    /// Their name.
    #[schema(min_length = 1)]
    pub name: String,
    /// Lines, oldest first.
    pub entries: Vec<EntryOut>,
    /// Their disputes, oldest first, each with its outcome.
    pub disputes: Vec<super::disputes::DisputeOut>,
    /// Pass as `after` to get the next page (absent on the last page).
    pub next_after: Option<u64>,
    /// The seq the answer reflects.
    pub as_of: u64,
    /// The signed checkpoint every line's `proof` is against (the plain-text checkpoint
    /// format; the same text `/v1/log/checkpoints` lists).
    pub checkpoint: String,
}

/// A volunteer's account as the API shows it.
pub fn volunteer_out(state: &LedgerState, v: &Volunteer) -> VolunteerOut {
    let hours = v.hours_net();
    VolunteerOut {
        id: v.id.to_string(),
        name: v.name.clone(),
        team_id: v.team_id.to_string(),
        team_name: state
            .teams
            .get(&v.team_id)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        district: v.district.to_string(),
        birth_year: v.birth_year,
        balance: BalanceOut {
            earned: v.balance.earned.into(),
            reversed: v.balance.reversed.into(),
            held: v.balance.held.into(),
            redeemed: v.balance.redeemed.into(),
            carried: v.balance.carried.into(),
            available: v.balance.available().into(),
            pending: v.balance.pending.into(),
        },
        hours: hours.into(),
        stars: v.stars().0,
        star_awaiting_confirmation: v.star.pending.as_ref().map(|p| p.level),
        hours_to_next_star: state.hours_to_next_star(v).map(Amount),
        as_of: state.head.seq,
    }
}

/// A line of `v`'s statement as the API shows it. The volunteer is passed, not looked for:
/// a carried-over line is described from the volunteer's own record, and finding them by the
/// line's seq read every volunteer's statement (tens of milliseconds a line at 100,000
/// volunteers).
pub fn entry_out(
    state: &LedgerState,
    v: &yinling_projections::volunteers::Volunteer,
    e: &yinling_projections::volunteers::StatementEntry,
) -> EntryOut {
    let kind = match e.kind {
        EntryKind::Service => "service",
        EntryKind::Reversal => "reversal",
        EntryKind::Hold => "hold",
        EntryKind::Fulfilment => "fulfilment",
        EntryKind::Cancellation => "cancellation",
        EntryKind::Expiry => "expiry",
        EntryKind::Correction => "correction",
        EntryKind::Rerating => "rerating",
        EntryKind::CarriedOver => "carried_over",
        EntryKind::Notice => "notice",
        EntryKind::Refund => "refund",
    };
    let (activity_id, redemption_id, description) = match e.reference {
        EntryRef::Activity(a) => (
            Some(a.to_string()),
            None,
            state
                .activities
                .get(&a)
                .map(|a| a.title.to_string())
                .unwrap_or_default(),
        ),
        EntryRef::Redemption(r) => {
            let description = state
                .redemptions
                .get(&r)
                .and_then(|r| {
                    state
                        .rewards
                        .get(&r.reward_id)
                        .map(|w| format!("{} × {}", w.name, r.quantity))
                })
                .unwrap_or_default();
            (None, Some(r.to_string()), description)
        }
        EntryRef::CarriedOver => (
            None,
            None,
            v.carried
                .as_ref()
                .map(|c| format!("{}（截至 {}）", c.source_system, c.as_of))
                .unwrap_or_default(),
        ),
    };
    EntryOut {
        seq: e.seq,
        at: e.at.to_rfc3339(),
        kind: kind.to_owned(),
        date: e.date.map(Day),
        points: e.points.into(),
        hours: e.hours.into(),
        balance: e.available_after.into(),
        activity_id,
        redemption_id,
        description,
        how: provenance::how(state, e),
        proof: None,
    }
}

/// The balances spreadsheet: every column an auditor needs to recount 可用积分 from its row
/// (carried + earned − reversed − held − redeemed − pending).
impl Table for VolunteerOut {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("id", "编号"),
        ("name", "姓名"),
        ("team_id", "队伍编号"),
        ("team", "队伍"),
        ("district", "区县"),
        ("earned", "累计获得积分"),
        ("reversed", "冲正积分"),
        ("held", "冻结积分"),
        ("redeemed", "已兑换积分"),
        ("carried", "原平台转入积分"),
        ("pending", "公示中积分"),
        ("available", "可用积分"),
        ("hours", "服务时长（小时）"),
        ("stars", "星级"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.team_id.clone(),
            self.team_name.clone(),
            self.district.clone(),
            self.balance.earned.to_string(),
            self.balance.reversed.to_string(),
            self.balance.held.to_string(),
            self.balance.redeemed.to_string(),
            self.balance.carried.to_string(),
            self.balance.pending.to_string(),
            self.balance.available.to_string(),
            self.hours.to_string(),
            self.stars.to_string(),
        ]
    }
}

/// A statement line's kind in Chinese, for the Chinese spreadsheet.
fn kind_zh(kind: &str) -> &str {
    match kind {
        "service" => "服务",
        "reversal" => "冲正",
        "hold" => "兑换（待领取）",
        "fulfilment" => "已领取",
        "cancellation" => "取消兑换",
        "expiry" => "逾期未领",
        "correction" => "时长更正",
        "rerating" => "重算",
        "carried_over" => "从原平台转入",
        "notice" => "公示中（暂不可用）",
        "refund" => "利率券作废，积分退回",
        other => other,
    }
}

impl Table for EntryOut {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("seq", "序号"),
        ("at", "时间（本地时间）"),
        ("kind", "类别"),
        ("date", "服务日期"),
        ("points", "积分变动"),
        ("hours", "时长变动"),
        ("balance", "可用余额"),
        ("activity_id", "活动编号"),
        ("redemption_id", "兑换编号"),
        ("description", "说明"),
        ("how", "来由"),
        ("event_hash", "事件哈希"),
        ("checkpoint_size", "检查点条数"),
        ("inclusion_proof", "包含证明"),
    ];

    fn cells(&self) -> Vec<String> {
        self.cells_in(Lang::En)
    }

    fn cells_in(&self, lang: Lang) -> Vec<String> {
        vec![
            self.seq.to_string(),
            // A Chinese sheet is read by people on the ledger's calendar: a pickup at 07:30
            // on 1 March is not under 28 February, and Excel reads `2026-03-01 07:30` as a
            // time it can sort and filter. The English sheet keeps the exact UTC instant.
            if lang == Lang::Zh {
                chrono::DateTime::parse_from_rfc3339(&self.at)
                    .map(|at| Timestamp::from_datetime(&at).local_minute())
                    .unwrap_or_else(|_| self.at.clone())
            } else {
                self.at.clone()
            },
            if lang == Lang::Zh {
                kind_zh(&self.kind).to_owned()
            } else {
                self.kind.clone()
            },
            self.date.map(|d| d.0.to_string()).unwrap_or_default(),
            self.points.to_string(),
            self.hours.to_string(),
            self.balance.to_string(),
            self.activity_id.clone().unwrap_or_default(),
            self.redemption_id.clone().unwrap_or_default(),
            self.description.clone(),
            self.how
                .as_ref()
                .map(|h| {
                    if lang == Lang::Zh {
                        h.zh.clone()
                    } else {
                        h.en.clone()
                    }
                })
                .unwrap_or_default(),
            self.proof
                .as_ref()
                .map(|p| p.event_hash.clone())
                .unwrap_or_default(),
            self.proof
                .as_ref()
                .map(|p| p.checkpoint_size.to_string())
                .unwrap_or_default(),
            self.proof
                .as_ref()
                .map(|p| p.path_cell())
                .unwrap_or_default(),
        ]
    }
}

/// Every volunteer's account, by district, team and name (the balances export).
pub fn balances(state: &LedgerState) -> Vec<VolunteerOut> {
    let mut all: Vec<&Volunteer> = state.volunteers.values().collect();
    all.sort_by(|a, b| {
        (&a.district, a.team_id, &a.name, a.id).cmp(&(&b.district, b.team_id, &b.name, b.id))
    });
    all.into_iter().map(|v| volunteer_out(state, v)).collect()
}
