//! Decisions about disputes: a volunteer contests an entry or reports one missing, the team's
//! coordinator (or the district coordinator above them) resolves it, and one left too long
//! goes up to the district by the service's clock.

use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks;
use crate::limits::MAX_REASON_CHARS;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// A dispute opened: by the volunteer, or on their behalf. A contest names an entry of theirs
/// that stands (not reversed); a missing entry may name the activity it belongs to. It goes
/// to the team that logged the entry (the one that can correct it), which is not the
/// volunteer's team once they have moved; a missing entry with no activity goes to their
/// team of today.
pub(super) fn open(
    state: &State,
    who: &Principal,
    context: &Context,
    (dispute_id, volunteer_id, activity_id): (DisputeId, &VolunteerId, Option<ActivityId>),
    (kind, reason): (DisputeKind, &str),
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    // The activity counts only when the volunteer has or had an entry in it (a line of
    // their statement names it): naming another team's activity gives nobody a way in.
    let had_entry = |activity: &&crate::activities::Activity| {
        activity.participants.has(v.number)
            || v.statement
                .iter(state.stamps())
                .any(|e| e.reference == crate::volunteers::EntryRef::Activity(activity.id))
    };
    let team_id = activity_id
        .and_then(|a| state.activities.get(&a))
        .filter(had_entry)
        .map_or(v.team_id, |activity| {
            activity
                .participants
                .iter()
                .find(|p| p.number == v.number)
                .map_or(activity.team_id, |p| activity.team_of(&p))
        });
    // Their team of today may open it for them, and so may the team it goes to.
    if access::may_write(who, &Write::OpenDispute(v.id, team_id)).is_err() {
        access::may_write(who, &Write::OpenDispute(v.id, v.team_id))?;
    }
    // In the volunteer's own words, over lines if they pressed Enter (an older person writing
    // a complaint does).
    let reason = checks::paragraphs("reason", reason, MAX_REASON_CHARS)?;
    if reason.is_empty() {
        return Err(Rejection::invalid("empty_text", "reason must not be empty"));
    }
    if state.disputes.contains_key(&dispute_id) {
        return Err(checks::duplicate_id("dispute", dispute_id));
    }
    if let Some(a) = activity_id {
        let activity = checks::activity(state, &a)?;
        if kind == DisputeKind::Contested {
            if !activity.participants.has(v.number) {
                return Err(Rejection::invalid(
                    "not_a_participant",
                    format!(
                        "{} has no entry in this activity to contest; report a missing one instead",
                        access::name_for(who, v)
                    ),
                ));
            }
            if activity.reversal().is_some() {
                return Err(Rejection::conflict(
                    "already_reversed",
                    "this activity was reversed: there is no entry left to contest",
                ));
            }
            if state
                .disputes
                .values()
                .any(|d| d.volunteer_id == v.id && d.holds(&a))
            {
                return Err(Rejection::conflict(
                    "already_disputed",
                    "this entry is already disputed and waits for its answer",
                ));
            }
        }
    } else if kind == DisputeKind::Contested {
        return Err(Rejection::invalid(
            "activity_required",
            "a contested entry names its activity (activity_id)",
        ));
    }
    Ok(vec![Commit::new_stream(
        dispute_id.stream(),
        vec![Event::DisputeOpened(DisputeOpened {
            dispute_id,
            volunteer_id: v.id,
            team_id,
            activity_id,
            kind,
            reason,
            opened_on: checks::today(state, context),
        })],
    )])
}

/// A dispute resolved, with a reason: by the team's coordinator until it is escalated, the
/// district coordinator above them, an administrator.
pub(super) fn resolve(
    state: &State,
    who: &Principal,
    context: &Context,
    dispute_id: &DisputeId,
    (outcome, reason): (DisputeOutcome, &str),
) -> Result<Vec<Commit>, Rejection> {
    let Some(d) = state.disputes.get(dispute_id) else {
        return Err(Rejection::not_found(
            "dispute_not_found",
            format!("no dispute has id {dispute_id}"),
        ));
    };
    access::may_write(
        who,
        &Write::ResolveDispute(d.team_id, d.escalated_on.is_some()),
    )?;
    // In the volunteer's own words, over lines if they pressed Enter (an older person writing
    // a complaint does).
    let reason = checks::paragraphs("reason", reason, MAX_REASON_CHARS)?;
    if reason.is_empty() {
        return Err(Rejection::invalid("empty_text", "reason must not be empty"));
    }
    if !d.open() {
        return Err(Rejection::conflict(
            "already_resolved",
            "this dispute was already resolved",
        ));
    }
    // "Corrected" tells the volunteer their entry was put right: only once it was.
    if outcome == DisputeOutcome::Corrected && !corrected_since_opened(state, d) {
        return Err(Rejection::conflict(
            "nothing_corrected",
            "no correction, re-rating or reversal of this volunteer's entry was recorded since the dispute was opened: correct the entry first, then answer corrected (a missing service newly logged is answered upheld)",
        ));
    }
    Ok(vec![Commit::any(
        dispute_id.stream(),
        vec![Event::DisputeResolved(DisputeResolved {
            dispute_id: *dispute_id,
            outcome,
            reason,
            resolved_on: checks::today(state, context),
        })],
    )])
}

/// Whether the volunteer's entry in the disputed activity was corrected, re-rated or
/// reversed after the dispute was opened (by the log's order: a correction earlier the same
/// day is what the volunteer disputed, not an answer to it).
fn corrected_since_opened(state: &State, d: &crate::disputes::Dispute) -> bool {
    use crate::volunteers::{EntryKind, EntryRef};
    let (Some(activity), Some(v)) = (d.activity_id, state.volunteers.get(&d.volunteer_id)) else {
        return false;
    };
    v.statement.newest_first(state.stamps()).any(|e| {
        e.reference == EntryRef::Activity(activity)
            && matches!(
                e.kind,
                EntryKind::Correction | EntryKind::Reversal | EntryKind::Rerating
            )
            && e.seq > d.opened_seq
    })
}

/// Disputes open longer than the escalation policy allows, not yet escalated: each goes up to
/// the district coordinator.
pub(super) fn escalations(state: &State, today: chrono::NaiveDate) -> Vec<Commit> {
    let days = u64::from(state.policies.dispute_escalation_days());
    state
        .disputes
        .values()
        .filter(|d| d.open() && d.escalated_on.is_none())
        .filter(|d| {
            d.opened_on
                .checked_add_days(chrono::Days::new(days))
                .is_some_and(|due| due < today)
        })
        .map(|d| {
            Commit::any(
                d.id.stream(),
                vec![Event::DisputeEscalated(DisputeEscalated {
                    dispute_id: d.id,
                    escalated_on: today,
                })],
            )
        })
        .collect()
}
