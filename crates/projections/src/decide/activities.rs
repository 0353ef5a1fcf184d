//! Decisions about service: logging an activity with its participants, correcting one
//! participant, reversing the whole.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use super::joint;
use super::organisation::check_project_for_activity;
use crate::access::{self, Read, Write};
use crate::activities::Activity;
use crate::checks::{self, text};
use crate::command::NewActivity;
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::rules::points_for;
use crate::state::State;

/// Checks what a log entry says about itself, before anything is looked up.
fn check_shape(state: &State, a: &NewActivity, context: &Context) -> Result<String, Rejection> {
    let title = text("title", &a.title, MAX_TITLE_CHARS)?;
    let earliest = NaiveDate::from_ymd_opt(EARLIEST_ACTIVITY_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
    let tomorrow = checks::tomorrow(state, context);
    let date = a.date;
    if date > tomorrow {
        return Err(Rejection::invalid(
            "date_in_future",
            format!(
                "date {date} is in the future; the latest date accepted is tomorrow, {tomorrow}"
            ),
        ));
    }
    if date < earliest {
        return Err(Rejection::invalid(
            "date_too_old",
            format!("date {date} is before {earliest}, the earliest date the ledger accepts"),
        ));
    }
    if a.participants.is_empty() {
        return Err(Rejection::invalid(
            "no_participants",
            "an activity needs at least one participant",
        ));
    }
    if a.participants.len() > MAX_PARTICIPANTS {
        return Err(Rejection::invalid(
            "too_many_participants",
            format!(
                "an activity can list at most {MAX_PARTICIPANTS} participants, this one lists {}; split it into several activities",
                a.participants.len()
            ),
        ));
    }
    let o = &a.outcomes;
    if o.disputes_settled > o.disputes_handled {
        return Err(Rejection::invalid(
            "bad_outcomes",
            format!(
                "disputes_settled ({}) cannot exceed disputes_handled ({})",
                o.disputes_settled, o.disputes_handled
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(a.participants.len());
    for (i, p) in a.participants.iter().enumerate() {
        checks::hours(&format!("participants[{i}].hours"), p.hours)?;
        if !seen.insert(p.volunteer_id) {
            return Err(Rejection::invalid(
                "duplicate_participant",
                format!(
                    "volunteer {} is listed twice (participants[{i}]); list each person once with their total hours",
                    p.volunteer_id
                ),
            ));
        }
    }
    Ok(title)
}

/// An activity and one service entry per participant, at the rate in force.
pub(super) fn log(
    state: &State,
    who: &Principal,
    context: &Context,
    a: &NewActivity,
) -> Result<Vec<Commit>, Rejection> {
    let title = check_shape(state, a, context)?;
    // A group's coordinator logs the joint activities of their group's teams; everyone else
    // logs for their own team.
    let group_scoped;
    let a = match who {
        Principal::GroupCoordinator(_, g) => {
            access::may_write(who, &Write::LogJointActivity(a.group_id.unwrap_or(*g)))?;
            if a.co_organisers.is_empty() {
                return Err(Rejection::forbidden(
                    "joint_only",
                    "a group's coordinator logs only joint activities of the group's teams: name the other organising teams in co_organisers",
                ));
            }
            group_scoped = NewActivity {
                group_id: Some(*g),
                ..a.clone()
            };
            &group_scoped
        }
        _ => {
            access::may_write(who, &Write::LogActivity(a.team_id))?;
            a
        }
    };
    checks::team(state, &a.team_id)?;
    if state.activities.contains_key(&a.activity_id)
        || state.pending_backfills.contains_key(&a.activity_id)
    {
        return Err(checks::duplicate_id("activity", a.activity_id));
    }
    let events = credit(state, who, a, &title, Membership::Now)?;
    let today = checks::today(state, context);
    let late = u32::try_from((today - a.date).num_days()).unwrap_or(0);
    if let Some(limit_days) = state.policies.backfill_days().filter(|d| late > *d) {
        // Checked in full, then held: nothing is credited until an administrator approves.
        let request = Event::BackfillRequested(BackfillRequested {
            activity_id: a.activity_id,
            team_id: a.team_id,
            category: a.category,
            date: a.date,
            title,
            participants: a
                .participants
                .iter()
                .map(|p| RequestedHours {
                    volunteer_id: p.volunteer_id,
                    hours: p.hours.normalize(),
                })
                .collect(),
            outcomes: a.outcomes,
            project_id: a.project_id,
            days_late: late,
            limit_days,
        });
        // A joint activity stays joint while it waits: its organisers as `credit` checked them.
        let mut held = vec![request];
        held.extend(
            events
                .into_iter()
                .filter(|e| matches!(e, Event::ActivityCoOrganised(_))),
        );
        return Ok(vec![Commit::new_stream(a.activity_id.stream(), held)]);
    }
    let mut events = events;
    events.extend(on_notice(state, a, today));
    Ok(vec![Commit::new_stream(a.activity_id.stream(), events)])
}

/// The public notice (公示) an activity of this category goes on from `today`, if its
/// category has one: the points wait for its last day to pass.
/// Its category may also make its points wait for confirmation by the party it served.
fn on_notice(state: &State, a: &NewActivity, today: chrono::NaiveDate) -> Vec<Event> {
    let days = state.policies.notice_days(a.category);
    let mut events = Vec::new();
    if days > 0 {
        events.push(Event::ActivityOnNotice(ActivityOnNotice {
            activity_id: a.activity_id,
            posted_on: today,
            ends_on: today + chrono::Days::new(u64::from(days - 1)),
        }));
    }
    if state.policies.confirmation_required(a.category) {
        events.push(Event::ActivityAwaitsConfirmation(
            ActivityAwaitsConfirmation {
                activity_id: a.activity_id,
            },
        ));
    }
    events
}

/// Ends every public notice whose last day has passed (the service's own clock; after a
/// stop, the first run catches up on every notice that ended meanwhile).
pub(super) fn end_notices(
    state: &State,
    who: &Principal,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    if !matches!(who, Principal::System) {
        return Err(Rejection::forbidden(
            "service_only",
            "public notices end by the service's own clock",
        ));
    }
    let today = checks::today(state, context);
    // A contested entry stays on notice until its dispute is resolved. The activities held
    // are found in one pass over the disputes, not one pass for each activity due (a
    // province's tick would otherwise walk every dispute ever opened once per activity).
    let held: HashSet<ActivityId> = state
        .disputes
        .values()
        .filter_map(|d| d.activity_id.filter(|a| d.holds(a)))
        .collect();
    let mut commits: Vec<Commit> = state
        .on_notice
        .iter()
        .take_while(|(ends_on, _)| *ends_on < today)
        .filter(|(_, activity_id)| !held.contains(activity_id))
        .map(|(ends_on, activity_id)| {
            Commit::any(
                activity_id.stream(),
                vec![Event::NoticeEnded(NoticeEnded {
                    activity_id: *activity_id,
                    ended_on: *ends_on,
                })],
            )
        })
        .collect();
    commits.extend(super::disputes::escalations(state, today));
    Ok(commits)
}

/// Whether the participants must be members of the team now (a new entry), or were when the
/// entry was requested (an approved back-fill: someone may have moved since).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Membership {
    Now,
    WhenRequested,
}

/// The events that credit an activity: the activity, its project, one entry per participant
/// at the rate in force on its date, and the stars the hours bring.
fn credit(
    state: &State,
    who: &Principal,
    a: &NewActivity,
    title: &str,
    membership: Membership,
) -> Result<Vec<Event>, Rejection> {
    let title = title.to_owned();
    let team = checks::team(state, &a.team_id)?;
    let organisers = joint::organisers(state, a.team_id, &a.co_organisers, a.group_id, a.date)?;
    if let Some(project_id) = a.project_id {
        check_project_for_activity(state, project_id, a.team_id, a.date)?;
    }
    checks::category_open(state, a.category, a.date)?;
    let rule = state.rule_for(a.category, a.date);
    let rate = rule.effective_rate();
    let mut events = Vec::with_capacity(a.participants.len() + 2);
    let mut hours_total = Decimal::ZERO;
    let mut points_total = Decimal::ZERO;
    for (i, p) in a.participants.iter().enumerate() {
        let v = checks::volunteer(state, &p.volunteer_id)?;
        // A member now, or on the day served: service logged late by the team a volunteer
        // served with before moving is that team's.
        let then = v.teams_on(a.date, |t| state.policies.date_of(t));
        let then = then.iter().find(|t| organisers.has(t)).copied();
        if membership == Membership::Now && then.is_none() && !organisers.has(&v.team_id) {
            return Err(Rejection::invalid(
                "not_a_member",
                if organisers.joint.is_some() {
                    format!(
                        "{} (participants[{i}], {}) is not a member of any of the organising teams",
                        access::name_for(who, v),
                        v.id
                    )
                } else {
                    format!(
                        "{} (participants[{i}], {}) is not a member of {}",
                        access::name_for(who, v),
                        v.id,
                        team.name
                    )
                },
            ));
        }
        // Each participant's hours go to their own team on the day served (one who served
        // with an organising team and moved since stays with it); else to their team now;
        // one who moved since an approved back-fill was asked for is credited to the team
        // that logged it.
        let credited = match then {
            Some(team) => team,
            None if organisers.has(&v.team_id) => v.team_id,
            None => a.team_id,
        };
        let already = v.hours_on(a.date);
        if already + p.hours > MAX_HOURS_PER_DAY {
            let detail = if sees_account(who, v) {
                format!(
                    "{} already has {} hours on {}; adding {} would make {}, over the {MAX_HOURS_PER_DAY} hours a day allows",
                    access::name_for(who, v),
                    already.normalize(),
                    a.date,
                    p.hours.normalize(),
                    (already + p.hours).normalize()
                )
            } else {
                format!(
                    "adding {} hours on {} would take {} over the {MAX_HOURS_PER_DAY} hours a day allows, with the hours already logged for them that day",
                    p.hours.normalize(),
                    a.date,
                    access::name_for(who, v)
                )
            };
            return Err(Rejection::invalid("day_over_24_hours", detail));
        }
        if let Some(cap) = rule.max_hours_per_day {
            let limit = (a.date, rule.version, cap);
            if let Some(covered) = state.over_daily_cap(v, limit, Decimal::ZERO, p.hours) {
                return Err(over_rule_daily_cap(
                    who,
                    v,
                    covered,
                    a.date,
                    rule.version,
                    cap,
                ));
            }
        }
        let hours = p.hours.normalize();
        let points = rule.points(hours);
        hours_total += hours;
        points_total += points;
        events.push(Event::ServiceLogged(ServiceLogged {
            activity_id: a.activity_id,
            volunteer_id: p.volunteer_id,
            team_id: credited,
            district: organisers.district_of(&credited, &team.district).to_owned(),
            category: a.category,
            date: a.date,
            hours,
            points,
            points_per_hour: rate,
            rules_version: rule.version,
        }));
    }
    // Stars the new hours bring, after every credit.
    let mut stars = Vec::new();
    for e in &events {
        if let Event::ServiceLogged(s) = e {
            let v = checks::volunteer(state, &s.volunteer_id)?;
            stars.extend(super::stars::after_hours(
                state,
                v,
                v.hours_net() + s.hours,
                "",
            ));
        }
    }
    events.append(&mut stars);
    let mut head = vec![Event::ActivityLogged(ActivityLogged {
        activity_id: a.activity_id,
        team_id: a.team_id,
        district: team.district.clone(),
        category: a.category,
        date: a.date,
        title,
        participants: a.participants.len() as u32,
        hours_total,
        points_total,
        outcomes: a.outcomes,
    })];
    head.extend(
        organisers
            .event(a.activity_id)
            .map(Event::ActivityCoOrganised),
    );
    if let Some(project_id) = a.project_id {
        head.push(Event::ActivityInProject(ActivityInProject {
            activity_id: a.activity_id,
            project_id,
        }));
    }
    head.append(&mut events);
    Ok(head)
}

/// Credits a back-filled activity an administrator approves, checked again against today's
/// state (hours a day, the category's dates, the project).
pub(super) fn approve_backfill(
    state: &State,
    who: &Principal,
    context: &Context,
    activity_id: &ActivityId,
    note: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("approve back-filled activities"))?;
    let note = checks::optional_text("note", note, MAX_REASON_CHARS)?;
    let p = pending_backfill(state, activity_id)?;
    let r = &p.request;
    let a = NewActivity {
        activity_id: r.activity_id,
        team_id: r.team_id,
        category: r.category,
        date: r.date,
        title: r.title.clone(),
        participants: r
            .participants
            .iter()
            .map(|p| crate::command::ParticipantHours {
                volunteer_id: p.volunteer_id,
                hours: p.hours,
            })
            .collect(),
        outcomes: r.outcomes,
        project_id: r.project_id,
        co_organisers: p
            .joint
            .as_ref()
            .map(|j| j.teams.iter().map(|t| t.team_id).collect())
            .unwrap_or_default(),
        group_id: p.joint.as_ref().map(|j| j.group_id),
    };
    let mut events = vec![Event::BackfillApproved(BackfillApproved {
        activity_id: *activity_id,
        note,
    })];
    events.extend(credit(state, who, &a, &r.title, Membership::WhenRequested)?);
    events.extend(on_notice(state, &a, checks::today(state, context)));
    Ok(vec![Commit::any(activity_id.stream(), events)])
}

/// Declines a back-filled activity: nothing is credited.
pub(super) fn decline_backfill(
    state: &State,
    who: &Principal,
    activity_id: &ActivityId,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("decline back-filled activities"))?;
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    pending_backfill(state, activity_id)?;
    Ok(vec![Commit::any(
        activity_id.stream(),
        vec![Event::BackfillDeclined(BackfillDeclined {
            activity_id: *activity_id,
            reason,
        })],
    )])
}

fn pending_backfill<'a>(
    state: &'a State,
    activity_id: &ActivityId,
) -> Result<&'a crate::activities::PendingBackfill, Rejection> {
    state.pending_backfills.get(activity_id).ok_or_else(|| {
        // Approved a moment ago (a second click, another administrator): said as such, not
        // as an entry that never was.
        match state.activities.get(activity_id) {
            Some(a) if a.backfill().is_some() => Rejection::conflict(
                "backfill_already_approved",
                format!(
                    "the late entry {activity_id} was approved already: its activity \"{}\" of {} is in the ledger since {}",
                    a.title,
                    a.date,
                    a.logged_at.local_minute()
                ),
            ),
            Some(_) => Rejection::not_found(
                "backfill_not_found",
                format!(
                    "activity {activity_id} was credited when it was logged: it never waited for approval"
                ),
            ),
            None => Rejection::not_found(
                "backfill_not_found",
                format!(
                    "no back-filled activity {activity_id} is waiting for approval (never requested, or declined already)"
                ),
            ),
        }
    })
}

/// Takes back every participant's points and hours of an activity, with the reason.
pub(super) fn reverse(
    state: &State,
    who: &Principal,
    activity_id: &ActivityId,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    let activity = checks::activity(state, activity_id)?;
    if let Err(refused) = access::may_write(who, &Write::ReverseActivity(activity.team_id)) {
        match (activity.joint(), who) {
            (Some(j), Principal::GroupCoordinator(..)) => {
                access::may_write(who, &Write::ManageGroup(j.group_id))?
            }
            _ => return Err(refused),
        }
    }
    if let Some(r) = activity.reversal() {
        return Err(Rejection::conflict(
            "already_reversed",
            format!(
                "this activity was already reversed at {} ({})",
                r.at, r.reason
            ),
        ));
    }
    let mut events = Vec::with_capacity(activity.participants.len());
    let mut withdrawn = Vec::new();
    for p in &activity.participants {
        let v = checks::participant(state, p.number)?;
        let available = v.balance.available();
        // Points still pending (on notice, or waiting for confirmation) come back out of
        // what is pending: nothing usable is taken.
        if !activity.held() && available < p.points {
            let detail = if sees_account(who, v) {
                format!(
                    "reversing would leave {} ({}) with {} available points: they have {} available but this activity gave them {}, so they are {} short. {}",
                    access::name_for(who, v),
                    v.id,
                    (available - p.points).normalize(),
                    available.normalize(),
                    p.points.normalize(),
                    (p.points - available).normalize(),
                    checks::points_freed_by(v, "reverse it")
                )
            } else {
                format!(
                    "reversing would leave {} ({}) below zero available points: they have spent part of the {} this activity gave them. Their own team's coordinator can see their account; reverse it after rewards they have on hold are cancelled (by the volunteer or an e-station clerk) or they earn more",
                    access::name_for(who, v),
                    v.id,
                    p.points.normalize()
                )
            };
            return Err(Rejection::conflict("insufficient_points", detail));
        }
        events.push(Event::ServiceReversed(ServiceReversed {
            activity_id: *activity_id,
            volunteer_id: v.id,
            team_id: activity.team_of(&p),
            district: activity.district_of(&p).to_string(),
            category: activity.category,
            date: activity.date,
            hours: p.hours,
            points: p.points,
            reason: reason.clone(),
        }));
        withdrawn.extend(super::stars::after_hours(
            state,
            v,
            v.hours_net() - p.hours,
            &format!("{} 的活动撤销：{reason}", activity.date),
        ));
    }
    events.append(&mut withdrawn);
    Ok(vec![Commit::any(activity_id.stream(), events)])
}

/// Corrects one participant's hours (0 removes them), at the rate their entry earned; the
/// other participants stay as they were. A rise goes through what a new entry would
/// ([`check_rise`]).
pub(super) fn correct(
    state: &State,
    (who, context): (&Principal, &Context),
    (activity_id, volunteer_id, hours): (&ActivityId, &VolunteerId, Decimal),
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    if !hours.is_zero() {
        checks::hours("hours", hours)?;
    }
    let activity = checks::activity(state, activity_id)?;
    // The coordinator of the team that logged it, or, in a joint activity, of the
    // participant's own team.
    let number = state.volunteer_number(volunteer_id);
    if let Err(refused) = access::may_write(who, &Write::CorrectActivity(activity.team_id)) {
        let own_team = activity
            .participants
            .iter()
            .find(|p| Some(p.number) == number)
            .map(|p| activity.team_of(&p))
            .filter(|t| *t != activity.team_id);
        match (own_team, activity.joint(), who) {
            (_, Some(j), Principal::GroupCoordinator(..)) => {
                access::may_write(who, &Write::ManageGroup(j.group_id))?
            }
            (Some(t), ..) => access::may_write(who, &Write::CorrectActivity(t))?,
            (None, ..) => return Err(refused),
        }
    }
    if activity.reversal().is_some() {
        return Err(Rejection::conflict(
            "already_reversed",
            "this activity was reversed as a whole; there is nothing left to correct",
        ));
    }
    let v = checks::volunteer(state, volunteer_id)?;
    let Some(p) = activity.participants.iter().find(|p| p.number == v.number) else {
        return Err(Rejection::not_found(
            "not_a_participant",
            format!(
                "{} ({}) did not take part in this activity",
                access::name_for(who, v),
                v.id
            ),
        ));
    };
    let hours = hours.normalize();
    if hours == p.hours {
        return Err(Rejection::conflict(
            "no_change",
            format!(
                "{} already has {} hours here",
                access::name_for(who, v),
                hours
            ),
        ));
    }
    if hours.is_zero() && activity.participants.len() == 1 {
        return Err(Rejection::conflict(
            "last_participant",
            "this is the activity's only participant; reverse the whole activity instead",
        ));
    }
    let day = v.hours_on(activity.date) - p.hours + hours;
    if day > MAX_HOURS_PER_DAY {
        let name = access::name_for(who, v);
        let detail = if sees_account(who, v) {
            format!(
                "{name} would have {} hours on {}, over the {MAX_HOURS_PER_DAY} hours a day allows",
                day.normalize(),
                activity.date
            )
        } else {
            format!(
                "{name} would go over the {MAX_HOURS_PER_DAY} hours a day allows on {}, with the hours already logged for them that day",
                activity.date
            )
        };
        return Err(Rejection::invalid("day_over_24_hours", detail));
    }
    // A rise is held to the daily cap of the rules in force that day, as a log is; a cut
    // always goes through, even under a cap adopted since.
    if hours > p.hours {
        check_rise(state, context, activity)?;
        let rule = state.rule_for(activity.category, activity.date);
        if let Some(cap) = rule.max_hours_per_day {
            let limit = (activity.date, rule.version, cap);
            if let Some(covered) = state.over_daily_cap(v, limit, p.hours, hours) {
                return Err(over_rule_daily_cap(
                    who,
                    v,
                    covered,
                    activity.date,
                    rule.version,
                    cap,
                ));
            }
        }
    }
    let points = points_for(hours, p.points_per_hour);
    let taken = p.points - points;
    let available = v.balance.available();
    if !activity.held() && taken > available {
        let detail = if sees_account(who, v) {
            format!(
                "the correction would take {} points from {} ({}), who has {} available, {} short. {}",
                taken.normalize(),
                access::name_for(who, v),
                v.id,
                available.normalize(),
                (taken - available).normalize(),
                checks::points_freed_by(v, "correct it")
            )
        } else {
            format!(
                "the correction would take {} points from {} ({}), more than they have available. Their own team's coordinator can see their account; correct it after rewards they have on hold are cancelled (by the volunteer or an e-station clerk) or they earn more",
                taken.normalize(),
                access::name_for(who, v),
                v.id
            )
        };
        return Err(Rejection::conflict("insufficient_points", detail));
    }
    let stars = super::stars::after_hours(
        state,
        v,
        v.hours_net() - p.hours + hours,
        &format!("{} 的活动更正时长：{reason}", activity.date),
    );
    let mut events = vec![Event::ServiceCorrected(ServiceCorrected {
        activity_id: *activity_id,
        volunteer_id: *volunteer_id,
        team_id: activity.team_of(&p),
        district: activity.district_of(&p).to_string(),
        category: activity.category,
        date: activity.date,
        hours_before: p.hours,
        hours_after: hours,
        points_before: p.points,
        points_after: points,
        reason,
    })];
    events.extend(stars);
    Ok(vec![Commit::any(activity_id.stream(), events)])
}

/// Hours added to an entry must pass what hours logged anew pass: not once the party it
/// served has confirmed it or its public notice has ended (the added hours were never
/// confirmed or shown), and not past the back-fill limit (an administrator approves late
/// hours), on notice or not. Added hours go in as a new entry then; a rise while the entry
/// is still on notice or waiting for its confirmation is shown or confirmed with it.
fn check_rise(state: &State, context: &Context, activity: &Activity) -> Result<(), Rejection> {
    // Confirmed: those served vouched for the hours they were shown, and a confirmation
    // once given is not asked again, even while the notice still runs.
    if activity.confirmed() {
        return Err(Rejection::conflict(
            "rise_after_release",
            "the party this activity served has confirmed its hours, so hours added now would not be confirmed; log the extra hours as a new activity, which is confirmed like any other",
        ));
    }
    // Late hours are late whether or not the entry is still on notice.
    let late =
        u32::try_from((checks::today(state, context) - activity.date).num_days()).unwrap_or(0);
    if let Some(limit_days) = state.policies.backfill_days().filter(|d| late > *d) {
        return Err(Rejection::conflict(
            "rise_too_late",
            format!(
                "this activity was {late} days ago, past the {limit_days}-day limit for late entries; log the extra hours as a new activity, which an administrator approves"
            ),
        ));
    }
    // Still on notice or waiting for its confirmation: the added hours are shown or
    // confirmed with the rest.
    if activity.held() {
        return Ok(());
    }
    if activity.released_seq.is_some() || activity.notice.is_some_and(|n| n.ended) {
        return Err(Rejection::conflict(
            "rise_after_release",
            "this activity's public notice is over, so hours added now would not be shown; log the extra hours as a new activity, which goes through the notice like any other",
        ));
    }
    Ok(())
}

/// The refusal of hours over a rule version's daily cap, in the categories it covers.
fn over_rule_daily_cap(
    who: &Principal,
    v: &crate::volunteers::Volunteer,
    covered: Decimal,
    date: NaiveDate,
    version: u32,
    cap: Decimal,
) -> Rejection {
    let name = access::name_for(who, v);
    let cap = cap.normalize();
    let detail = if sees_account(who, v) {
        format!(
            "{name} already has {} hours on {date} in the categories of the earning rules in force that day (version {version}), which credit at most {cap} hours a day in them",
            covered.normalize()
        )
    } else {
        format!(
            "{name} would go over the {cap} hours a day that the earning rules in force on {date} (version {version}) credit in their categories, with the hours already logged for them that day"
        )
    };
    Rejection::invalid("over_rule_daily_cap", detail)
}

/// Whether a refusal may give `v`'s own figures (points available, hours already logged that
/// day) to `who`: only to a caller who may read their account. The lead coordinator of a
/// joint activity learns that a partner team's volunteer fails a check, not their balance.
fn sees_account(who: &Principal, v: &crate::volunteers::Volunteer) -> bool {
    access::can_read(who, &Read::Account(v))
}
