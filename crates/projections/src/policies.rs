//! The policies the log records, each with its history: the hold time-to-live, the back-fill
//! limit, the time zone. Until a log sets one, the value the running node was configured
//! with applies (the `Policy` of `decide`), and the node records it on its first start.

use chrono::NaiveDate;
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

    /// Whether the log records its time zone.
    pub fn time_zone_recorded(&self) -> bool {
        !self.time_zone.is_empty()
    }

    /// The civil date of `at` in the ledger's zone.
    pub fn date_of(&self, at: Timestamp) -> NaiveDate {
        at.date_at(self.utc_offset_seconds())
    }
}
