//! Back-filled activities waiting for an administrator's approval, as every front end lists
//! them: who asked, how late, who took part, and what approving would credit today.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::BackfillRequested;
use yinling_projections::activities::PendingBackfill;
use yinling_projections::{access, Principal, State};

use crate::wire::{Amount, Day};

/// One participant as asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestedOut {
    /// Who.
    pub volunteer_id: String,
    /// Their name.
    pub name: String,
    /// Hours asked for.
    pub hours: Amount,
}

/// A back-filled activity waiting for approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackfillOut {
    /// The activity it becomes once approved.
    pub activity_id: String,
    /// The team.
    pub team_id: String,
    /// Its name.
    pub team_name: String,
    /// Kind of service, by code.
    #[schema(value_type = crate::wire::CategoryCode)]
    pub category: String,
    /// Service date.
    pub date: Day,
    /// What was done.
    pub title: String,
    /// Who took part.
    pub participants: Vec<RequestedOut>,
    /// Hours asked for in all.
    pub hours_total: Amount,
    /// Points approving it would credit under the rules of its date (as they stand now).
    pub points_if_approved: Amount,
    /// Days between the service and its logging.
    pub days_late: u32,
    /// The back-fill limit then, in days.
    pub limit_days: u32,
    /// The day it was logged.
    pub requested_on: Day,
    /// Always `awaiting_approval`.
    pub status: String,
}

/// A request as the answer to logging it, or as the queue lists it to `who` (names masked
/// for whoever does not see the volunteer's personal data: an auditor, a partner team).
pub fn backfill_out(
    state: &State,
    who: &Principal,
    r: &BackfillRequested,
    requested_on: Day,
) -> BackfillOut {
    let rule = state.rule_for(r.category, r.date);
    BackfillOut {
        activity_id: r.activity_id.to_string(),
        team_id: r.team_id.to_string(),
        team_name: state
            .teams
            .get(&r.team_id)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        category: state.categories.code(&r.category),
        date: Day(r.date),
        title: r.title.clone(),
        participants: r
            .participants
            .iter()
            .map(|p| RequestedOut {
                volunteer_id: p.volunteer_id.to_string(),
                name: state
                    .volunteers
                    .get(&p.volunteer_id)
                    .map(|v| access::name_for(who, v))
                    .unwrap_or_default(),
                hours: p.hours.into(),
            })
            .collect(),
        hours_total: r
            .participants
            .iter()
            .map(|p| p.hours)
            .sum::<rust_decimal::Decimal>()
            .into(),
        points_if_approved: r
            .participants
            .iter()
            .map(|p| rule.points(p.hours))
            .sum::<rust_decimal::Decimal>()
            .into(),
        days_late: r.days_late,
        limit_days: r.limit_days,
        requested_on,
        status: "awaiting_approval".into(),
    }
}

/// The queue, oldest request first, as `who` reads it; `team` narrows it to one team.
pub fn queue(
    state: &State,
    who: &Principal,
    team: Option<yinling_ledger::TeamId>,
) -> Vec<BackfillOut> {
    let mut pending: Vec<&PendingBackfill> = state
        .pending_backfills
        .values()
        .filter(|p| team.is_none_or(|t| t == p.request.team_id))
        .collect();
    pending.sort_by_key(|p| p.seq);
    pending
        .into_iter()
        .map(|p| backfill_out(state, who, &p.request, Day(p.requested_at.local_date())))
        .collect()
}
