//! Decisions about policies: the hold time and the back-fill limit (an administrator's), the
//! time zone (the node's own, at start-up, when the log has none or the operator changes it
//! on purpose). Each is checked against its bounds; setting the value in force is refused.

use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::optional_text;
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// A policy's new value, checked.
pub(super) fn set(
    state: &State,
    who: &Principal,
    change: &PolicyChange,
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    let p = &state.policies;
    let unchanged = match change {
        PolicyChange::HoldTtl { seconds } => {
            access::may_write(who, &Write::Administer("set the hold time"))?;
            if !(MIN_HOLD_TTL_SECONDS..=MAX_HOLD_TTL_SECONDS).contains(seconds) {
                return Err(Rejection::invalid(
                    "bad_hold_time",
                    format!(
                        "a hold lasts 1 to {} days, not {}",
                        MAX_HOLD_TTL_SECONDS / 86_400,
                        if seconds % 86_400 == 0 {
                            format!("{} days", seconds / 86_400)
                        } else {
                            format!("{seconds} seconds")
                        }
                    ),
                ));
            }
            p.hold_ttl_seconds() == Some(*seconds)
        }
        PolicyChange::BackfillLimit { days } => {
            access::may_write(who, &Write::Administer("set the back-fill limit"))?;
            if days.is_some_and(|d| d == 0 || d > MAX_BACKFILL_DAYS) {
                return Err(Rejection::invalid(
                    "bad_backfill_limit",
                    format!(
                        "the back-fill limit is 1 to {MAX_BACKFILL_DAYS} days, or none; got {}",
                        days.unwrap_or(0)
                    ),
                ));
            }
            !p.backfill.is_empty() && p.backfill_days() == *days
        }
        PolicyChange::TimeZone { utc_offset_seconds } => {
            if *who != Principal::System {
                return Err(Rejection::forbidden(
                    "time_zone_at_start",
                    "the time zone is set when the service starts (`yinling serve --utc-offset +08:00`), where it is checked against the ledger",
                ));
            }
            if !UTC_OFFSET_RANGE_SECONDS.contains(utc_offset_seconds)
                || utc_offset_seconds % 900 != 0
            {
                return Err(Rejection::invalid(
                    "bad_time_zone",
                    format!("{utc_offset_seconds} seconds is not a time zone offset"),
                ));
            }
            p.time_zone_recorded() && p.utc_offset_seconds() == *utc_offset_seconds
        }
        PolicyChange::VoucherValidity { days } => {
            access::may_write(who, &Write::Administer("set how long vouchers are valid"))?;
            if *days == 0 || *days > MAX_VOUCHER_VALIDITY_DAYS {
                return Err(Rejection::invalid(
                    "bad_voucher_validity",
                    format!("a voucher is valid 1 to {MAX_VOUCHER_VALIDITY_DAYS} days, got {days}"),
                ));
            }
            !p.voucher_validity.is_empty() && p.voucher_validity_days() == *days
        }
        PolicyChange::PointValue { yuan_per_point } => {
            access::may_write(who, &Write::Administer("set what a point is worth"))?;
            if *yuan_per_point <= rust_decimal::Decimal::ZERO
                || *yuan_per_point > MAX_YUAN_PER_POINT
            {
                return Err(Rejection::invalid(
                    "bad_point_value",
                    format!("a point is worth more than 0 and at most {MAX_YUAN_PER_POINT} yuan, got {yuan_per_point}"),
                ));
            }
            p.yuan_per_point() == Some(*yuan_per_point)
        }
        PolicyChange::CoverageWarning { percent } => {
            access::may_write(who, &Write::Administer("set the coverage warning"))?;
            if *percent == 0 || *percent > MAX_COVERAGE_WARNING_PERCENT {
                return Err(Rejection::invalid(
                    "bad_coverage_warning",
                    format!(
                        "the warning is 1 to {MAX_COVERAGE_WARNING_PERCENT} percent, got {percent}"
                    ),
                ));
            }
            p.coverage_warning_percent() == Some(*percent)
        }
        PolicyChange::NoticePeriod { category, days } => {
            access::may_write(who, &Write::Administer("set public notice periods"))?;
            crate::checks::category(state, *category)?;
            if *days > MAX_NOTICE_DAYS {
                return Err(Rejection::invalid(
                    "bad_notice_period",
                    format!("a public notice lasts 0 to {MAX_NOTICE_DAYS} days, got {days}"),
                ));
            }
            p.notice_days(*category) == *days
        }
        PolicyChange::DisputeEscalation { days } => {
            access::may_write(who, &Write::Administer("set when disputes are escalated"))?;
            if *days == 0 || *days > MAX_DISPUTE_ESCALATION_DAYS {
                return Err(Rejection::invalid(
                    "bad_escalation_days",
                    format!("a dispute goes up after 1 to {MAX_DISPUTE_ESCALATION_DAYS} days, got {days}"),
                ));
            }
            !p.dispute_escalation.is_empty() && p.dispute_escalation_days() == *days
        }
        PolicyChange::ConfirmationRequired { category, required } => {
            access::may_write(
                who,
                &Write::Administer("set which categories wait for confirmation"),
            )?;
            crate::checks::category(state, *category)?;
            p.confirmation_required(*category) == *required
        }
    };
    if unchanged {
        return Err(Rejection::conflict(
            "no_change",
            "this is already the policy in force",
        ));
    }
    Ok(vec![Commit::any(
        StreamId::policies(),
        vec![Event::PolicySet(PolicySet {
            change: change.clone(),
            note,
        })],
    )])
}
