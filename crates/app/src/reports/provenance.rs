//! How each credit came to be, in plain words: logged within the week, back-filled (and who
//! approved it), imported, corrected, re-rated, reversed. Statements, the volunteer's page
//! and the CSV exports all read it from here.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::{Actor, Role};
use yinling_projections::activities::Activity;
use yinling_projections::volunteers::{EntryKind, EntryRef, StatementEntry};
use yinling_projections::State;

use crate::limits::TIMELY_LOGGING_DAYS;

/// Where a statement line's hours and points came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct HowOut {
    /// `timely` (logged within the week), `late` (back-filled within the limit), `approved`
    /// (back-filled past the limit and approved), `imported`, `corrected`, `rerated` or
    /// `reversed`.
    pub code: String,
    /// Days between the service and its logging, for service lines.
    pub days_late: Option<u32>,
    /// Who approved a back-fill past the limit.
    pub approved_by: Option<String>,
    /// Why, for corrections, re-ratings and reversals.
    pub reason: Option<String>,
    /// In plain Chinese.
    pub zh: String,
    /// In plain English.
    pub en: String,
}

/// A role as a person reads it, in Chinese and in English.
pub fn role_words(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Admin => ("管理员", "an administrator"),
        Role::Coordinator => ("协调员", "a coordinator"),
        Role::Volunteer => ("志愿者本人", "the volunteer"),
        Role::Auditor => ("审计员", "an auditor"),
        Role::System => ("系统", "the system"),
        Role::GroupCoordinator => ("协作体协调员", "a group coordinator"),
        Role::StationClerk => ("e站柜员", "a station clerk"),
        Role::DistrictCoordinator => ("区县协调员", "a district coordinator"),
        Role::BankOfficer => ("银行经办人", "a bank officer"),
    }
}

/// Who acted, as a person reads it: the role, and the token's label when it has one.
pub fn actor_words(state: &State, actor: &Actor) -> (String, String) {
    let (zh, en) = role_words(actor.role);
    let label = actor
        .token_id
        .and_then(|t| state.tokens.get(&t))
        .map(|t| t.label.trim())
        .filter(|l| !l.is_empty());
    match label {
        Some(l) => (format!("{zh}（{l}）"), format!("{en} ({l})")),
        None => (zh.to_owned(), en.to_owned()),
    }
}

fn service(state: &State, a: &Activity) -> HowOut {
    let logged_on = state.policies.date_of(a.logged_at);
    let days = u32::try_from((logged_on - a.date).num_days()).unwrap_or(0);
    if let Some(b) = a.backfill() {
        let (zh, en) = actor_words(state, &b.approved_by);
        return HowOut {
            code: "approved".into(),
            days_late: Some(b.days_late),
            zh: format!("补登：服务后 {} 天登记，经{zh}审批", b.days_late),
            en: format!(
                "back-filled {} days after the service, approved by {en}",
                b.days_late
            ),
            approved_by: Some(zh),
            reason: None,
        };
    }
    let (code, zh, en) = if a.logged_by.role == Role::System {
        (
            "imported",
            "从原有记录导入".to_owned(),
            "imported from earlier records".to_owned(),
        )
    } else if days <= TIMELY_LOGGING_DAYS {
        (
            "timely",
            "当周登记".to_owned(),
            "logged within the week".to_owned(),
        )
    } else {
        (
            "late",
            format!("补登：服务后 {days} 天登记"),
            format!("back-filled: logged {days} days after the service"),
        )
    };
    HowOut {
        code: code.into(),
        days_late: Some(days),
        approved_by: None,
        reason: None,
        zh,
        en,
    }
}

fn because(code: &str, reason: String, zh: &str, en: &str) -> HowOut {
    HowOut {
        code: code.into(),
        days_late: None,
        approved_by: None,
        zh: format!("{zh}：{reason}"),
        en: format!("{en}: {reason}"),
        reason: Some(reason),
    }
}

/// How a statement line came to be; `None` for the redemption lines, which say it already.
pub fn how(state: &State, e: &StatementEntry) -> Option<HowOut> {
    let EntryRef::Activity(id) = e.reference else {
        return None;
    };
    let a = state.activities.get(&id)?;
    let reason = || state.reasons.get(&e.seq).cloned().unwrap_or_default();
    Some(match e.kind {
        EntryKind::Service => service(state, a),
        EntryKind::Correction => because("corrected", reason(), "时长更正", "hours corrected"),
        EntryKind::Rerating => because(
            "rerated",
            reason(),
            "按服务当日的规则重算",
            "re-rated under the rules of its service date",
        ),
        EntryKind::Reversal => because(
            "reversed",
            a.reversal().map(|r| r.reason.clone()).unwrap_or_default(),
            "整次活动冲正",
            "the whole activity reversed",
        ),
        EntryKind::Notice => because(
            "on_notice",
            a.notice
                .map(|n| format!("{} – {}", n.posted_on, n.ends_on))
                .unwrap_or_default(),
            "公示期内积分暂不可用，公示结束后可用",
            "on public notice: usable once the notice ends",
        ),
        EntryKind::Hold
        | EntryKind::Fulfilment
        | EntryKind::Cancellation
        | EntryKind::Expiry
        | EntryKind::Refund
        | EntryKind::CarriedOver => return None,
    })
}
