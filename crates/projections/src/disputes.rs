//! A volunteer's disputes as the log records them: what is contested, by whom, when it went
//! up to the district, how it ended.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yinling_ledger::{
    ActivityId, Actor, DisputeId, DisputeKind, DisputeOutcome, TeamId, VolunteerId,
};

/// One dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// Id.
    pub id: DisputeId,
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The team it goes to: the one that logged the entry it names (the one that can correct
    /// it), or, for a missing entry naming no activity, the volunteer's team then.
    pub team_id: TeamId,
    /// The entry (or the activity a missing one belongs to).
    pub activity_id: Option<ActivityId>,
    /// Contested or missing.
    pub kind: DisputeKind,
    /// In the volunteer's words.
    pub reason: String,
    /// The day it was opened.
    pub opened_on: NaiveDate,
    /// The seq of the event that opened it: a correction "made for it" is one after it, not
    /// one made earlier the same day.
    pub opened_seq: u64,
    /// Who opened it (the volunteer, or someone on their behalf).
    pub opened_by: Actor,
    /// The day it went up to the district coordinator, if it did.
    pub escalated_on: Option<NaiveDate>,
    /// How it ended, if it has.
    pub resolution: Option<Resolution>,
}

/// How a dispute ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The outcome.
    pub outcome: DisputeOutcome,
    /// Why.
    pub reason: String,
    /// The day.
    pub resolved_on: NaiveDate,
    /// Who resolved it.
    pub by: Actor,
}

impl Dispute {
    /// Whether it still waits for a resolution.
    pub fn open(&self) -> bool {
        self.resolution.is_none()
    }

    /// Whether it holds an entry's points on notice (an open contest of that activity).
    pub fn holds(&self, activity: &ActivityId) -> bool {
        self.open() && self.kind == DisputeKind::Contested && self.activity_id == Some(*activity)
    }
}
