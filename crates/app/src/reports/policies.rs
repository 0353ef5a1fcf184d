//! The policies the log records, each with its history, as every front end shows them.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_projections::policies::PolicyStep;
use yinling_projections::State;

use crate::wire::Day;

/// One change of a policy, in words and figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyStepOut {
    /// The value from then on, as people write it: `14` (days), `none`, `UTC+08:00`.
    pub value: String,
    /// Why.
    pub note: String,
    /// The day it was set.
    pub on: Day,
    /// The seq of its event.
    pub seq: u64,
}

/// A policy: its value now and every change.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyOut {
    /// The value in force (the start-up default when the log has none).
    pub value: String,
    /// Every change, oldest first.
    pub history: Vec<PolicyStepOut>,
}

/// Every policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoliciesOut {
    /// Days a held redemption waits at the e-station before it lapses.
    pub hold_days: PolicyOut,
    /// Service logged more than this many days late waits for approval (`none`: no limit).
    pub backfill_limit_days: PolicyOut,
    /// The zone the ledger keeps its calendar in.
    pub time_zone: PolicyOut,
    /// Days a rate voucher is valid at the bank.
    pub voucher_validity_days: PolicyOut,
    /// Yuan per point (`none`: not set).
    pub yuan_per_point: PolicyOut,
    /// The coverage share that warns staff, percent (`none`: no warning).
    pub coverage_warning_percent: PolicyOut,
    /// Public notice periods (公示), days, as `code=days` per change; the value lists every
    /// category with a notice in force.
    pub notice_days: PolicyOut,
    /// Back-filled activities waiting for approval now.
    pub backfills_waiting: usize,
    /// The seq the answer reflects.
    pub as_of: u64,
}

fn history<T>(steps: &[PolicyStep<T>], show: impl Fn(&T) -> String) -> Vec<PolicyStepOut> {
    steps
        .iter()
        .map(|s| PolicyStepOut {
            value: show(&s.value),
            note: s.note.clone(),
            on: Day(s.at.local_date()),
            seq: s.seq,
        })
        .collect()
}

/// Days, or `none`.
pub fn days_text(days: Option<u32>) -> String {
    days.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// Every policy as it stands in `state`; `hold_default_seconds` is what applies while the
/// log records no hold time.
pub fn policies_out(state: &State, hold_default_seconds: i64) -> PoliciesOut {
    let p = &state.policies;
    let zone = yinling_ledger::time::offset_text;
    PoliciesOut {
        hold_days: PolicyOut {
            value: (p.hold_ttl_seconds().unwrap_or(hold_default_seconds) / 86_400).to_string(),
            history: history(&p.hold_ttl, |s| (s / 86_400).to_string()),
        },
        backfill_limit_days: PolicyOut {
            value: days_text(p.backfill_days()),
            history: history(&p.backfill, |d| days_text(*d)),
        },
        time_zone: PolicyOut {
            value: zone(p.utc_offset_seconds()),
            history: history(&p.time_zone, |s| zone(*s)),
        },
        voucher_validity_days: PolicyOut {
            value: p.voucher_validity_days().to_string(),
            history: history(&p.voucher_validity, |d| d.to_string()),
        },
        yuan_per_point: PolicyOut {
            value: p
                .yuan_per_point()
                .map_or_else(|| "none".to_owned(), |y| y.normalize().to_string()),
            history: history(&p.point_value, |y| y.normalize().to_string()),
        },
        coverage_warning_percent: PolicyOut {
            value: p
                .coverage_warning_percent()
                .map_or_else(|| "none".to_owned(), |w| w.to_string()),
            history: history(&p.coverage_warning, |w| w.to_string()),
        },
        notice_days: PolicyOut {
            value: {
                let in_force: Vec<String> = state
                    .categories
                    .all()
                    .filter(|c| p.notice_days(c.id) > 0)
                    .map(|c| format!("{}={}", c.code, p.notice_days(c.id)))
                    .collect();
                if in_force.is_empty() {
                    "none".to_owned()
                } else {
                    in_force.join(", ")
                }
            },
            history: history(&p.notice_period, |(c, d)| {
                format!("{}={d}", state.categories.code(c))
            }),
        },
        backfills_waiting: state.pending_backfills.len(),
        as_of: state.head.seq,
    }
}
