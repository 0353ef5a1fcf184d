//! Policies as events: the hold time-to-live, the longest back-fill a coordinator may log
//! without an administrator's approval, and the ledger's time zone; and the back-fill
//! approval queue (requested, approved, declined). Each change is recorded with its note,
//! so every policy has its history and can be read as of any seq.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::kinds::Category;
use super::service::Outcomes;
use crate::ids::{ActivityId, ProjectId, TeamId, VolunteerId};

/// Which policy changed, and to what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyChange {
    /// How long a held redemption waits at the e-station before it lapses.
    HoldTtl {
        /// Seconds.
        seconds: i64,
    },
    /// Service dated more than this many days before it is logged waits for approval
    /// (`None`: any back-fill is credited at once).
    BackfillLimit {
        /// Days.
        days: Option<u32>,
    },
    /// The zone the ledger keeps its calendar in ("today", dates of records).
    TimeZone {
        /// Seconds east of UTC.
        utc_offset_seconds: i32,
    },
    /// How long a rate voucher is valid at the bank after it is handed over.
    VoucherValidity {
        /// Days.
        days: u32,
    },
    /// What a point is worth in yuan, for the money reports and the coverage.
    PointValue {
        /// Yuan per point.
        #[serde(with = "crate::amount::bounded")]
        yuan_per_point: Decimal,
    },
    /// Staff are warned when the points outstanding exceed this share of what the stock
    /// on hand and the voucher budgets left can honour.
    CoverageWarning {
        /// Percent.
        percent: u32,
    },
    /// The public notice (公示) of a category's activities: their points wait this many days
    /// after the activity is logged before they can be spent (0: no notice, at once).
    NoticePeriod {
        /// The category.
        category: Category,
        /// Days.
        days: u32,
    },
    /// A dispute unresolved this many days after it was opened goes up to the district
    /// coordinator.
    DisputeEscalation {
        /// Days.
        days: u32,
    },
    /// Whether a category's activities wait for confirmation by the party they served
    /// before their points can be spent.
    ConfirmationRequired {
        /// The category.
        category: Category,
        /// Wait (true) or credit at once (false, the default).
        required: bool,
    },
}

/// A policy was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySet {
    /// The policy and its new value.
    pub change: PolicyChange,
    /// What changed and why.
    pub note: String,
}

/// One participant of a back-filled activity, as asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedHours {
    /// Who.
    pub volunteer_id: VolunteerId,
    /// Hours asked for.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
}

/// An activity logged later than the back-fill limit allows: it waits for an
/// administrator's approval and credits nothing until then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillRequested {
    /// The activity it will be.
    pub activity_id: ActivityId,
    /// The team.
    pub team_id: TeamId,
    /// Kind of service.
    pub category: Category,
    /// Service date.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// What was done.
    pub title: String,
    /// Who took part, and hours.
    pub participants: Vec<RequestedHours>,
    /// Results.
    pub outcomes: Outcomes,
    /// The project it belongs to.
    pub project_id: Option<ProjectId>,
    /// How many days after the service it was logged.
    pub days_late: u32,
    /// The limit in force.
    pub limit_days: u32,
}

/// An administrator approved a back-filled activity; the same commit credits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillApproved {
    /// The activity.
    pub activity_id: ActivityId,
    /// The review's note.
    pub note: String,
}

/// An administrator declined a back-filled activity; nothing is credited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillDeclined {
    /// The activity.
    pub activity_id: ActivityId,
    /// Why.
    pub reason: String,
}
