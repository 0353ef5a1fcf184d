//! The trust loop: an activity on public notice (公示) before its points can be spent, and a
//! volunteer's dispute of an entry or of one missing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{ActivityId, DisputeId, TeamId, VolunteerId};

/// An activity was put on public notice (公示): its points are earned but pending until the
/// notice ends unchallenged. Follows the activity's events in the same commit when its
/// category has a notice period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityOnNotice {
    /// The activity.
    pub activity_id: ActivityId,
    /// The first day of the notice.
    #[serde(with = "super::dates")]
    pub posted_on: NaiveDate,
    /// The last day of the notice: the points become available the day after.
    #[serde(with = "super::dates")]
    pub ends_on: NaiveDate,
}

/// An activity's public notice ended: its points became available. Appended by the
/// service's own clock the day after the notice's last day (or at the first start after it,
/// when the service was down).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEnded {
    /// The activity.
    pub activity_id: ActivityId,
    /// The notice's last day.
    #[serde(with = "super::dates")]
    pub ended_on: NaiveDate,
}

/// What a dispute is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeKind {
    /// An entry the volunteer thinks is wrong (hours, points, or not theirs).
    Contested,
    /// Service the volunteer did that was never logged.
    Missing,
}

/// How a dispute was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeOutcome {
    /// The volunteer is right; what follows is recorded on its own (a missing activity
    /// logged, say).
    Upheld,
    /// Resolved by a correction recorded on the entry.
    Corrected,
    /// The entry stands as it is, for the reason given.
    Rejected,
}

/// A volunteer disputed an entry of theirs, or reported service never logged (from their own
/// page, or through their coordinator or a clerk on their behalf). A contested entry still on
/// public notice keeps its points pending until the dispute is resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeOpened {
    /// The dispute.
    pub dispute_id: DisputeId,
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The team it goes to (whose coordinator resolves it): the team that logged the entry it
    /// names, or the volunteer's team when it names no activity of theirs.
    pub team_id: TeamId,
    /// The entry contested (for a missing one, the activity it belongs to, if known).
    pub activity_id: Option<ActivityId>,
    /// Contested or missing.
    pub kind: DisputeKind,
    /// In the volunteer's words.
    pub reason: String,
    /// The day.
    #[serde(with = "super::dates")]
    pub opened_on: NaiveDate,
}

/// A dispute was resolved by the team's coordinator, the district coordinator above them or
/// an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeResolved {
    /// The dispute.
    pub dispute_id: DisputeId,
    /// How.
    pub outcome: DisputeOutcome,
    /// Why, in plain words.
    pub reason: String,
    /// The day.
    #[serde(with = "super::dates")]
    pub resolved_on: NaiveDate,
}

/// A dispute left unresolved past the set number of days went up to the district
/// coordinator (appended by the service's own clock).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeEscalated {
    /// The dispute.
    pub dispute_id: DisputeId,
    /// The day.
    #[serde(with = "super::dates")]
    pub escalated_on: NaiveDate,
}

/// A coordinator asked the party an activity served (a village committee, a community, a
/// family) to confirm it, with a one-time code given to them on paper or as a link. The log
/// keeps only the code's keyed digest, so reading the log does not give the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationRequested {
    /// The activity.
    pub activity_id: ActivityId,
    /// HMAC-SHA256 of the code under the service's mint key.
    pub code_digest: [u8; 32],
    /// Which code of the activity this is (1 for the first): the code is derived from the
    /// activity and this number, so a retried request shows the same code again.
    pub number: u32,
    /// Who was served, as the coordinator names them (荻港村村委会, 张家).
    pub party: String,
    /// The last day the code can be used.
    #[serde(with = "super::dates")]
    pub expires_on: NaiveDate,
}

/// The party an activity served confirmed it with its one-time code, giving a name and a
/// role; the code cannot be used again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityConfirmed {
    /// The activity.
    pub activity_id: ActivityId,
    /// The digest of the code used.
    pub code_digest: [u8; 32],
    /// Who confirmed, as they gave their name.
    pub name: String,
    /// Their role (村委会主任, 家属).
    pub role: String,
    /// The day.
    #[serde(with = "super::dates")]
    pub confirmed_on: NaiveDate,
}

/// An administrator released an activity's points from waiting for confirmation by the
/// party it served, with the reason (the party cannot be reached, has moved away, has died):
/// without it the points would wait for ever. It is not a confirmation, and shows as what it
/// is wherever the activity's confirmations are read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationWaived {
    /// The activity.
    pub activity_id: ActivityId,
    /// Why, in the administrator's words.
    pub reason: String,
    /// The day.
    #[serde(with = "super::dates")]
    pub waived_on: NaiveDate,
}

/// An activity of a category whose points wait for confirmation by the served: its points
/// are earned but pending until the first confirmation. Follows the activity's events in
/// the same commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityAwaitsConfirmation {
    /// The activity.
    pub activity_id: ActivityId,
}
