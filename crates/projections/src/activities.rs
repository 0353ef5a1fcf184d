//! Logged activities, kept so a reversal knows exactly what to take back.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{
    ActivityId, Actor, Category, CoOrganiser, GroupId, Outcomes, ProjectId, TeamId, Timestamp,
};

pub use crate::participants::{Participants, Participation};

/// A reversal of a whole activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    /// Why.
    pub reason: String,
    /// When.
    pub at: Timestamp,
    /// By whom.
    pub by: Actor,
}

/// An activity as logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Id.
    pub id: ActivityId,
    /// The team that ran it.
    pub team_id: TeamId,
    /// That team's district.
    pub district: crate::names::SharedName,
    /// Kind of service.
    pub category: Category,
    /// Service date.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub date: NaiveDate,
    /// Title, shared with the activities of the same text folded or decoded about the same
    /// time (`shared_text`; a pointer and a length, eight bytes fewer than a `String`'s
    /// field, one of what keeps an activity in the 224-byte block below).
    pub title: crate::shared_text::SharedText,
    /// Results.
    pub outcomes: Outcomes,
    /// When logged.
    pub logged_at: Timestamp,
    /// By whom.
    pub logged_by: Actor,
    /// The seq of its `ActivityLogged` event.
    pub seq: u64,
    /// Its number, in the order activities were logged (1 for the first): what its
    /// participants' statement lines name it by (`statement`), turned back into it by
    /// `State::stamps` through `State::activity_numbers`.
    pub number: u32,
    /// Participants, packed.
    pub participants: Participants,
    /// The project it belongs to, if any.
    pub project_id: Option<ProjectId>,
    /// Its public notice (公示), if its category had one when it was logged.
    #[serde(default)]
    pub notice: Option<Notice>,
    /// What few activities have (a reversal, a late entry's approval, joint organisers,
    /// confirmations, a waiver), behind one pointer: `None` while it has none of them.
    pub rare: Option<Box<Rare>>,
    /// Whether its points wait for the first confirmation (its category required one when
    /// it was logged, and none has come yet).
    #[serde(default)]
    pub awaits_confirmation: bool,
    /// Whether its points ever waited for confirmation (they were pending when logged).
    #[serde(default)]
    pub confirmation_required: bool,
    /// The seq of the event that made its held points usable (its notice ended, or the
    /// first confirmation came), if they were ever held. Seqs start at 1, so the option
    /// takes eight bytes, not sixteen: with it an activity and its shared count fit the
    /// allocator's 224-byte blocks (asserted below).
    #[serde(default)]
    pub released_seq: Option<std::num::NonZeroU64>,
}

// A province holds millions of activities, each behind an `Arc` of one count (`maps`): kept
// within 224 bytes together with the allocator's slack for an aligned request, each takes a
// 224-byte block of the allocator (mimalloc's size classes step 192, 224, 256), not a
// 256-byte one. The title as a shared string of a pointer and a length, the district as a
// thin pointer (`names`) and the participants' other teams as a thin vector (`participants`)
// keep it there.
const _: () = assert!(
    crate::limits::shared_value_request_bytes(std::mem::size_of::<Activity>())
        <= crate::limits::ACTIVITY_BLOCK_BYTES
);

/// The parts of an activity few activities have. Inline they were 272 of an activity's 480
/// bytes; a province's coordinators log one activity for every few lines of service, so
/// they sit behind one pointer (BENCHMARKS.md, "sled's caches, and where a node's memory
/// goes under writes").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rare {
    /// Set once reversed.
    pub reversal: Option<Reversal>,
    /// Set when it was logged past the back-fill limit and approved.
    pub backfill: Option<Backfill>,
    /// In a joint activity, the group of its organisers and the other organising teams.
    pub joint: Option<Joint>,
    /// Codes given to the party it served, oldest first.
    pub confirmation_requests: Vec<ConfirmationRequest>,
    /// Confirmations by the party it served, oldest first.
    pub confirmations: Vec<Confirmation>,
    /// The wait for confirmation given up by an administrator, with why, if it was.
    pub confirmation_waived: Option<Waiver>,
}

impl Activity {
    /// The team one participant's entry credited: the volunteer's own (in a joint activity,
    /// one of the organising teams).
    pub fn team_of(&self, p: &Participation) -> TeamId {
        self.participants
            .elsewhere(p.credited)
            .map_or(self.team_id, |c| c.0)
    }

    /// That team's district, when the entry was made.
    pub fn district_of(&self, p: &Participation) -> &crate::names::SharedName {
        self.participants
            .elsewhere(p.credited)
            .map_or(&self.district, |c| &c.1)
    }

    /// Its reversal, once reversed.
    pub fn reversal(&self) -> Option<&Reversal> {
        self.rare.as_ref()?.reversal.as_ref()
    }

    /// Its late entry's approval, when it was logged past the back-fill limit.
    pub fn backfill(&self) -> Option<&Backfill> {
        self.rare.as_ref()?.backfill.as_ref()
    }

    /// Its organisers, in a joint activity.
    pub fn joint(&self) -> Option<&Joint> {
        self.rare.as_ref()?.joint.as_ref()
    }

    /// Codes given to the party it served, oldest first.
    pub fn confirmation_requests(&self) -> &[ConfirmationRequest] {
        self.rare
            .as_ref()
            .map_or(&[], |r| r.confirmation_requests.as_slice())
    }

    /// Confirmations by the party it served, oldest first.
    pub fn confirmations(&self) -> &[Confirmation] {
        self.rare
            .as_ref()
            .map_or(&[], |r| r.confirmations.as_slice())
    }

    /// The administrator's waiver of its wait for confirmation, if given.
    pub fn confirmation_waived(&self) -> Option<&Waiver> {
        self.rare.as_ref()?.confirmation_waived.as_ref()
    }

    /// Its number and what its statement lines are written from: its id, the seq and instant
    /// of the event that logged it, and its date (`statement`).
    pub fn stamp(&self) -> (u32, crate::statement::ActivityStamp) {
        (
            self.number,
            crate::statement::ActivityStamp {
                id: self.id,
                seq: self.seq,
                at: self.logged_at,
                date: self.date,
            },
        )
    }

    /// Its rare parts, to change: made (empty) the first time one is set.
    pub fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
}

/// An administrator's release of an activity from waiting for its confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    /// Why.
    pub reason: String,
    /// The day.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub waived_on: NaiveDate,
    /// Who.
    pub by: Actor,
}

/// A one-time code given to the party an activity served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationRequest {
    /// The code's keyed digest.
    pub code_digest: [u8; 32],
    /// Which code of the activity (1 for the first), from which the code is derived again.
    pub number: u32,
    /// Who was served.
    pub party: String,
    /// The last day it can be used.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub expires_on: NaiveDate,
    /// Whether it was used.
    pub used: bool,
}

/// A confirmation by the party an activity served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Who, as they gave their name.
    pub name: String,
    /// Their role.
    pub role: String,
    /// For which party (the code's).
    pub party: String,
    /// The day.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub confirmed_on: NaiveDate,
}

/// An activity's public notice: its points pending from the first day to the last, then
/// available once it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// First day.
    pub posted_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Whether it has ended (the points are available).
    pub ended: bool,
}

/// The other organisers of a joint activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joint {
    /// The group they share.
    pub group_id: GroupId,
    /// The teams besides the one that logged it.
    pub teams: Vec<CoOrganiser>,
}

/// How a back-filled activity came to be credited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backfill {
    /// Who asked (the coordinator's token).
    pub requested_by: Actor,
    /// When.
    pub requested_at: Timestamp,
    /// How many days after the service.
    pub days_late: u32,
    /// Who approved it.
    pub approved_by: Actor,
    /// When.
    pub approved_at: Timestamp,
    /// The approval's note.
    pub note: String,
}

/// A back-filled activity waiting for an administrator, as requested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBackfill {
    /// The request.
    pub request: yinling_ledger::BackfillRequested,
    /// Who asked.
    pub requested_by: Actor,
    /// When.
    pub requested_at: Timestamp,
    /// The seq of the request.
    pub seq: u64,
    /// Set by the approval, read when the activity it approves is folded.
    pub approved: Option<(Actor, Timestamp, String)>,
    /// The other organisers, for a joint activity.
    pub joint: Option<Joint>,
}

impl Activity {
    /// Whether `team` organised it (the team that logged it or a co-organiser).
    pub fn organised_by(&self, team: &TeamId) -> bool {
        self.team_id == *team
            || self
                .joint()
                .is_some_and(|j| j.teams.iter().any(|t| t.team_id == *team))
    }

    /// Every organising team, the one that logged it first.
    pub fn organisers(&self) -> Vec<TeamId> {
        let mut teams = vec![self.team_id];
        if let Some(j) = self.joint() {
            teams.extend(j.teams.iter().map(|t| t.team_id));
        }
        teams
    }

    /// The districts of its organising teams, each once, the logging team's first.
    pub fn districts(&self) -> Vec<&str> {
        let mut out = vec![self.district.as_str()];
        if let Some(j) = self.joint() {
            for t in &j.teams {
                if !out.contains(&t.district.as_str()) {
                    out.push(&t.district);
                }
            }
        }
        out
    }

    /// Whether its points are held pending: on a public notice not yet ended, or waiting
    /// for confirmation by the party it served.
    pub fn held(&self) -> bool {
        self.notice.is_some_and(|n| !n.ended) || self.awaits_confirmation
    }

    /// Whether the party it served confirmed it at least once.
    pub fn confirmed(&self) -> bool {
        !self.confirmations().is_empty()
    }

    /// Total hours of its participants.
    pub fn hours_total(&self) -> Decimal {
        self.participants.iter().map(|p| p.hours).sum()
    }

    /// Total points of its participants.
    pub fn points_total(&self) -> Decimal {
        self.participants.iter().map(|p| p.points).sum()
    }
}
