//! Disputes as every front end shows them, and who may see which.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::{DisputeKind, DisputeOutcome};
use yinling_projections::disputes::Dispute;
use yinling_projections::{Principal, State};

use crate::wire::Day;

/// One dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeOut {
    /// Id.
    pub id: String,
    /// Whose.
    pub volunteer_id: String,
    /// Their name as the caller may see it.
    pub volunteer_name: String,
    /// The team it goes to: the one that logged the entry it names, or the volunteer's team
    /// when it names no activity of theirs.
    pub team_id: String,
    /// The entry's activity (or the one a missing entry belongs to).
    pub activity_id: Option<String>,
    /// `contested` or `missing`.
    pub kind: String,
    /// In the volunteer's words.
    pub reason: String,
    /// The day it was opened.
    pub opened_on: Day,
    /// The day it went up to the district coordinator, if it did.
    pub escalated_on: Option<Day>,
    /// `open`, `upheld`, `corrected` or `rejected`.
    pub status: String,
    /// Why it was resolved so.
    pub resolution: Option<String>,
    /// The day it was resolved.
    pub resolved_on: Option<Day>,
}

/// The word for a kind.
pub fn kind_word(k: DisputeKind) -> &'static str {
    match k {
        DisputeKind::Contested => "contested",
        DisputeKind::Missing => "missing",
    }
}

/// The word for an outcome.
pub fn outcome_word(o: DisputeOutcome) -> &'static str {
    match o {
        DisputeOutcome::Upheld => "upheld",
        DisputeOutcome::Corrected => "corrected",
        DisputeOutcome::Rejected => "rejected",
    }
}

/// A dispute as `who` may see it.
pub fn dispute_out(state: &State, who: &Principal, d: &Dispute) -> DisputeOut {
    DisputeOut {
        id: d.id.to_string(),
        volunteer_id: d.volunteer_id.to_string(),
        volunteer_name: state
            .volunteers
            .get(&d.volunteer_id)
            .map(|v| yinling_projections::access::name_for(who, v))
            .unwrap_or_default(),
        team_id: d.team_id.to_string(),
        activity_id: d.activity_id.map(|a| a.to_string()),
        kind: kind_word(d.kind).into(),
        reason: d.reason.clone(),
        opened_on: Day(d.opened_on),
        escalated_on: d.escalated_on.map(Day),
        status: d
            .resolution
            .as_ref()
            .map_or("open", |r| outcome_word(r.outcome))
            .into(),
        resolution: d.resolution.as_ref().map(|r| r.reason.clone()),
        resolved_on: d.resolution.as_ref().map(|r| Day(r.resolved_on)),
    }
}

/// Whether `who` sees this dispute: the volunteer, the coordinator of the team it went to
/// or of that team's district, administrators and auditors.
pub fn may_see(who: &Principal, d: &Dispute) -> bool {
    match who {
        Principal::System | Principal::Admin(_) | Principal::Auditor(_) => true,
        Principal::Volunteer(_, me) => *me == d.volunteer_id,
        Principal::Coordinator(_, team) => *team == d.team_id,
        Principal::DistrictCoordinator(_, district) => district.covers(&d.team_id),
        _ => false,
    }
}

/// A volunteer's disputes, oldest first, for their statement: those `who` may see (a clerk
/// may read an account at the counter, not the complaints in it; a coordinator sees the
/// disputes of their own team's service, not of the team the volunteer left).
pub fn of_volunteer(
    state: &State,
    who: &Principal,
    volunteer: &yinling_ledger::VolunteerId,
) -> Vec<DisputeOut> {
    let mut out: Vec<&Dispute> = state
        .disputes
        .values()
        .filter(|d| d.volunteer_id == *volunteer && may_see(who, d))
        .collect();
    out.sort_by_key(|d| (d.opened_on, d.id));
    out.into_iter()
        .map(|d| dispute_out(state, who, d))
        .collect()
}
