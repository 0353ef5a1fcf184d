//! The policies the log records, each with its history: the hold time-to-live, the back-fill
//! limit, the time zone. Until a log sets one, the value the running node was configured
//! with applies (the `Policy` of `decide`), and the node records it on its first start.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::time::LOCAL_UTC_OFFSET_SECONDS;
use yinling_ledger::{PolicyChange, Timestamp};

/// One change of a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStep<T> {
    /// The value from then on.
    pub value: T,
    /// Why.
    pub note: String,
    /// When.
    pub at: Timestamp,
    /// The seq of its event.
    pub seq: u64,
}

/// Every policy's history, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// Hold time-to-live, seconds.
    pub hold_ttl: Vec<PolicyStep<i64>>,
    /// Back-fill limit, days (`None`: no limit).
    pub backfill: Vec<PolicyStep<Option<u32>>>,
    /// Time zone, seconds east of UTC.
    pub time_zone: Vec<PolicyStep<i32>>,
    /// How long a rate voucher is valid, days.
    #[serde(default)]
    pub voucher_validity: Vec<PolicyStep<u32>>,
    /// What a point is worth, yuan.
    #[serde(default)]
    pub point_value: Vec<PolicyStep<Decimal>>,
    /// The coverage share that warns staff, percent.
    #[serde(default)]
    pub coverage_warning: Vec<PolicyStep<u32>>,
    /// Public notice periods, days, per category.
    #[serde(default)]
    pub notice_period: Vec<PolicyStep<(yinling_ledger::Category, u32)>>,
    /// Days before an unresolved dispute goes up to the district coordinator.
    #[serde(default)]
    pub dispute_escalation: Vec<PolicyStep<u32>>,
    /// Whether a category's activities wait for confirmation by the party they served.
    #[serde(default)]
    pub confirmation_required: Vec<PolicyStep<(yinling_ledger::Category, bool)>>,
}

impl Policies {
    /// Folds one change.
    pub(crate) fn set(&mut self, change: &PolicyChange, note: &str, at: Timestamp, seq: u64) {
        let note = note.to_owned();
        match change {
            PolicyChange::HoldTtl { seconds } => self.hold_ttl.push(PolicyStep {
                value: *seconds,
                note,
                at,
                seq,
            }),
            PolicyChange::BackfillLimit { days } => self.backfill.push(PolicyStep {
                value: *days,
                note,
                at,
                seq,
            }),
            PolicyChange::TimeZone { utc_offset_seconds } => self.time_zone.push(PolicyStep {
                value: *utc_offset_seconds,
                note,
                at,
                seq,
            }),
            PolicyChange::VoucherValidity { days } => self.voucher_validity.push(PolicyStep {
                value: *days,
                note,
                at,
                seq,
            }),
            PolicyChange::PointValue { yuan_per_point } => self.point_value.push(PolicyStep {
                value: *yuan_per_point,
                note,
                at,
                seq,
            }),
            PolicyChange::CoverageWarning { percent } => self.coverage_warning.push(PolicyStep {
                value: *percent,
                note,
                at,
                seq,
            }),
            PolicyChange::NoticePeriod { category, days } => self.notice_period.push(PolicyStep {
                value: (*category, *days),
                note,
                at,
                seq,
            }),
            PolicyChange::DisputeEscalation { days } => self.dispute_escalation.push(PolicyStep {
                value: *days,
                note,
                at,
                seq,
            }),
            PolicyChange::ConfirmationRequired { category, required } => {
                self.confirmation_required.push(PolicyStep {
                    value: (*category, *required),
                    note,
                    at,
                    seq,
                })
            }
        }
    }

    /// The hold time the log sets, if it sets one.
    pub fn hold_ttl_seconds(&self) -> Option<i64> {
        self.hold_ttl.last().map(|s| s.value)
    }

    /// The back-fill limit in force, in days (`None`: none).
    pub fn backfill_days(&self) -> Option<u32> {
        self.backfill.last().and_then(|s| s.value)
    }

    /// The zone the log keeps its calendar in (China Standard Time until it says otherwise).
    pub fn utc_offset_seconds(&self) -> i32 {
        self.time_zone
            .last()
            .map_or(LOCAL_UTC_OFFSET_SECONDS, |s| s.value)
    }

    /// Days a rate voucher is valid after it is handed over.
    pub fn voucher_validity_days(&self) -> u32 {
        self.voucher_validity
            .last()
            .map_or(crate::limits::DEFAULT_VOUCHER_VALIDITY_DAYS, |s| s.value)
    }

    /// Yuan per point, if the log sets it.
    pub fn yuan_per_point(&self) -> Option<Decimal> {
        self.point_value.last().map(|s| s.value)
    }

    /// The coverage share, percent, above which staff are warned (`None`: no warning set).
    pub fn coverage_warning_percent(&self) -> Option<u32> {
        self.coverage_warning.last().map(|s| s.value)
    }

    /// Days of public notice for a category's activities (0: none).
    pub fn notice_days(&self, category: yinling_ledger::Category) -> u32 {
        self.notice_period
            .iter()
            .rev()
            .find(|s| s.value.0 == category)
            .map_or(0, |s| s.value.1)
    }

    /// Whether a category's activities wait for confirmation by the party they served.
    pub fn confirmation_required(&self, category: yinling_ledger::Category) -> bool {
        self.confirmation_required
            .iter()
            .rev()
            .find(|s| s.value.0 == category)
            .is_some_and(|s| s.value.1)
    }

    /// Days before an unresolved dispute is escalated.
    pub fn dispute_escalation_days(&self) -> u32 {
        self.dispute_escalation
            .last()
            .map_or(crate::limits::DEFAULT_DISPUTE_ESCALATION_DAYS, |s| s.value)
    }

    /// Whether the log records its time zone.
    pub fn time_zone_recorded(&self) -> bool {
        !self.time_zone.is_empty()
    }

    /// The civil date of `at` in the ledger's zone.
    pub fn date_of(&self, at: Timestamp) -> NaiveDate {
        at.date_at(self.utc_offset_seconds())
    }
}
