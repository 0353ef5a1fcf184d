//! How service is folded: activities, each participant's points and hours, reversals, and
//! the points rules.

use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::activities::{Activity, Backfill, Joint, PendingBackfill, Rare, Reversal};
use crate::names::SharedName;
use crate::rankings::Amounts;
use crate::teams::Tally;
use crate::volunteers::EntryKind;

fn tally_activity(tally: &mut Tally, outcomes: &Outcomes, sign: i64) {
    let add = |n: &mut u64, by: u32| {
        *n = if sign > 0 {
            n.saturating_add(u64::from(by))
        } else {
            n.saturating_sub(u64::from(by))
        }
    };
    add(&mut tally.activities, 1);
    add(&mut tally.people_served, outcomes.people_served);
    add(&mut tally.problems_resolved, outcomes.problems_resolved);
    add(&mut tally.disputes_handled, outcomes.disputes_handled);
    add(&mut tally.disputes_settled, outcomes.disputes_settled);
}

fn tally_service(tally: &mut Tally, hours: Decimal, points: Decimal, sign: i64) {
    if sign > 0 {
        tally.participant_times += 1;
        tally.hours += hours;
        tally.points += points;
    } else {
        tally.participant_times = tally.participant_times.saturating_sub(1);
        tally.hours -= hours;
        tally.points -= points;
    }
}

impl State {
    pub(super) fn activity_logged(&mut self, envelope: &Envelope, e: &ActivityLogged) {
        let seq = envelope.seq;
        let at = envelope.recorded_at;
        let backfill = self.pending_backfills.remove(&e.activity_id).and_then(|p| {
            p.approved.map(|(by, at, note)| Backfill {
                requested_by: p.requested_by,
                requested_at: p.requested_at,
                days_late: p.request.days_late,
                approved_by: by,
                approved_at: at,
                note,
            })
        });
        // Logged once (a decision refuses an id taken); were one logged again, it would keep
        // its number.
        let number = match self.activities.get(&e.activity_id) {
            Some(a) => a.number,
            None => self.activity_numbers.push(e.activity_id),
        };
        self.activities.insert(
            e.activity_id,
            Activity {
                id: e.activity_id,
                number,
                team_id: e.team_id,
                district: SharedName::new(&e.district),
                category: e.category,
                date: e.date,
                title: crate::shared_text::SharedText::new(&e.title),
                outcomes: e.outcomes,
                logged_at: at,
                logged_by: envelope.actor,
                seq,
                // The count an event claims sizes nothing past what a decision allows (a
                // forged one must not ask the allocator for gigabytes).
                participants: crate::activities::Participants::with_capacity(
                    (e.participants as usize).min(crate::limits::MAX_PARTICIPANTS),
                ),
                project_id: None,
                notice: None,
                rare: backfill.map(|backfill| {
                    Box::new(Rare {
                        backfill: Some(backfill),
                        ..Rare::default()
                    })
                }),
                awaits_confirmation: false,
                confirmation_required: false,
                released_seq: None,
            },
        );
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            tally_activity(&mut team.tally, &e.outcomes, 1);
        }
        tally_activity(&mut self.district_mut(&e.district).tally, &e.outcomes, 1);
    }

    pub(super) fn backfill_requested(&mut self, envelope: &Envelope, e: &BackfillRequested) {
        self.pending_backfills.insert(
            e.activity_id,
            PendingBackfill {
                request: e.clone(),
                requested_by: envelope.actor,
                requested_at: envelope.recorded_at,
                seq: envelope.seq,
                approved: None,
                joint: None,
            },
        );
    }

    /// The other organisers of an activity just logged (counted once each, and their
    /// districts once each), or of a back-fill just requested.
    pub(super) fn activity_co_organised(&mut self, e: &ActivityCoOrganised) {
        let joint = Joint {
            group_id: e.group_id,
            teams: e.teams.clone(),
        };
        if let Some(p) = self.pending_backfills.get_mut(&e.activity_id) {
            p.joint = Some(joint);
            return;
        }
        let Some(a) = self.activities.get_mut(&e.activity_id) else {
            return;
        };
        a.rare_mut().joint = Some(joint);
        let outcomes = a.outcomes;
        // The logging team's district was counted with its `ActivityLogged`; the others,
        // each once, now.
        let districts: Vec<String> = a
            .districts()
            .iter()
            .skip(1)
            .map(|d| (*d).to_owned())
            .collect();
        for t in &e.teams {
            if let Some(team) = self.teams.get_mut(&t.team_id) {
                tally_activity(&mut team.tally, &outcomes, 1);
            }
        }
        for d in districts {
            tally_activity(&mut self.district_mut(&d).tally, &outcomes, 1);
        }
    }

    pub(super) fn backfill_approved(&mut self, envelope: &Envelope, e: &BackfillApproved) {
        if let Some(p) = self.pending_backfills.get_mut(&e.activity_id) {
            p.approved = Some((envelope.actor, envelope.recorded_at, e.note.clone()));
        }
    }

    pub(super) fn backfill_declined(&mut self, e: &BackfillDeclined) {
        self.pending_backfills.remove(&e.activity_id);
    }

    pub(super) fn service_logged(&mut self, envelope: &Envelope, e: &ServiceLogged) {
        let stamp = self.activities.get(&e.activity_id).map(Activity::stamp);
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.earned += e.points;
            v.hours_served += e.hours;
            v.add_hours_on(e.date, e.hours);
            v.record_activity(
                envelope,
                (EntryKind::Service, Some(e.date)),
                (e.points, e.hours),
                (e.activity_id, stamp),
            );
        }
        // A service is decided only for a registered volunteer.
        let number = self.volunteer_number(&e.volunteer_id);
        debug_assert!(number.is_some(), "service of a volunteer not registered");
        if let (Some(a), Some(number)) = (self.activities.get_mut(&e.activity_id), number) {
            // The entry's team and district as the event names them, kept apart only when
            // they are not the activity's.
            let own = e.team_id == a.team_id && *a.district == *e.district;
            a.participants.push(
                number,
                (e.hours, e.points, e.points_per_hour),
                (!own).then_some((e.team_id, e.district.as_str())),
            );
        }
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            tally_service(&mut team.tally, e.hours, e.points, 1);
        }
        tally_service(
            &mut self.district_mut(&e.district).tally,
            e.hours,
            e.points,
            1,
        );
        self.rankings.add(
            e.team_id,
            e.volunteer_id,
            e.date,
            Amounts {
                points: e.points,
                hours: e.hours,
            },
        );
        self.totals.points_earned += e.points;
    }

    pub(super) fn service_reversed(&mut self, envelope: &Envelope, e: &ServiceReversed) {
        let at = envelope.recorded_at;
        let stamp = self.activities.get(&e.activity_id).map(Activity::stamp);
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.reversed += e.points;
            v.hours_reversed += e.hours;
            v.add_hours_on(e.date, -e.hours);
            v.record_activity(
                envelope,
                (EntryKind::Reversal, Some(e.date)),
                (-e.points, -e.hours),
                (e.activity_id, stamp),
            );
        }
        // The first entry of an activity reversed takes the activity itself off the tally of
        // every organising team and district.
        let mut first_of_activity = None;
        if let Some(a) = self.activities.get_mut(&e.activity_id) {
            if a.reversal().is_none() {
                a.rare_mut().reversal = Some(Reversal {
                    reason: e.reason.clone(),
                    at,
                    by: envelope.actor,
                });
                let districts: Vec<String> =
                    a.districts().iter().map(|d| (*d).to_owned()).collect();
                first_of_activity = Some((a.outcomes, a.organisers(), districts));
            }
        }
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            tally_service(&mut team.tally, e.hours, e.points, -1);
        }
        tally_service(
            &mut self.district_mut(&e.district).tally,
            e.hours,
            e.points,
            -1,
        );
        if let Some((outcomes, teams, districts)) = first_of_activity {
            for t in teams {
                if let Some(team) = self.teams.get_mut(&t) {
                    tally_activity(&mut team.tally, &outcomes, -1);
                }
            }
            for d in districts {
                tally_activity(&mut self.district_mut(&d).tally, &outcomes, -1);
            }
        }
        self.rankings.add(
            e.team_id,
            e.volunteer_id,
            e.date,
            Amounts {
                points: -e.points,
                hours: -e.hours,
            },
        );
        self.totals.points_reversed += e.points;
    }

    pub(super) fn rules_changed(&mut self, envelope: &Envelope, e: &RulesChanged) {
        let day = self.policies.date_of(envelope.recorded_at);
        self.rules
            .apply_legacy(e, envelope.seq, envelope.recorded_at, day);
    }

    pub(super) fn activity_in_project(&mut self, e: &ActivityInProject) {
        if let Some(a) = self.activities.get_mut(&e.activity_id) {
            a.project_id = Some(e.project_id);
        }
        if let Some(p) = self.projects.get_mut(&e.project_id) {
            p.activities.push(e.activity_id);
        }
    }

    pub(super) fn service_corrected(&mut self, envelope: &Envelope, e: &ServiceCorrected) {
        self.reasons.insert(envelope.seq, e.reason.clone());
        let hours = e.hours_after - e.hours_before;
        let points = e.points_after - e.points_before;
        let removed = e.hours_after.is_zero();
        let stamp = self.activities.get(&e.activity_id).map(Activity::stamp);
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            if points >= Decimal::ZERO {
                v.balance.earned += points;
            } else {
                v.balance.reversed -= points;
            }
            if hours >= Decimal::ZERO {
                v.hours_served += hours;
            } else {
                v.hours_reversed -= hours;
            }
            v.add_hours_on(e.date, hours);
            v.record_activity(
                envelope,
                (EntryKind::Correction, Some(e.date)),
                (points, hours),
                (e.activity_id, stamp),
            );
        }
        let number = self.volunteer_number(&e.volunteer_id);
        if let (Some(a), Some(number)) = (self.activities.get_mut(&e.activity_id), number) {
            if removed {
                a.participants.remove(number);
            } else {
                a.participants.update(number, |p| {
                    p.hours = e.hours_after;
                    p.points = e.points_after;
                });
            }
        }
        let correct = |tally: &mut Tally| {
            tally.hours += hours;
            tally.points += points;
            if removed {
                tally.participant_times = tally.participant_times.saturating_sub(1);
            }
        };
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            correct(&mut team.tally);
        }
        correct(&mut self.district_mut(&e.district).tally);
        self.rankings
            .add(e.team_id, e.volunteer_id, e.date, Amounts { points, hours });
        if points >= Decimal::ZERO {
            self.totals.points_earned += points;
        } else {
            self.totals.points_reversed -= points;
        }
    }

    pub(super) fn earning_rules_adopted(&mut self, envelope: &Envelope, e: &EarningRulesAdopted) {
        self.rules.apply(e, envelope.seq, envelope.recorded_at);
    }

    pub(super) fn service_rerated(&mut self, envelope: &Envelope, e: &ServiceRerated) {
        self.reasons.insert(envelope.seq, e.reason.clone());
        let points = e.points_after - e.points_before;
        let stamp = self.activities.get(&e.activity_id).map(Activity::stamp);
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            if points >= Decimal::ZERO {
                v.balance.earned += points;
            } else {
                v.balance.reversed -= points;
            }
            v.record_activity(
                envelope,
                (EntryKind::Rerating, Some(e.date)),
                (points, Decimal::ZERO),
                (e.activity_id, stamp),
            );
        }
        let number = self.volunteer_number(&e.volunteer_id);
        if let (Some(a), Some(number)) = (self.activities.get_mut(&e.activity_id), number) {
            a.participants.update(number, |p| {
                p.points = e.points_after;
                p.points_per_hour = e.points_per_hour;
            });
        }
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            team.tally.points += points;
        }
        self.district_mut(&e.district).tally.points += points;
        self.rankings.add(
            e.team_id,
            e.volunteer_id,
            e.date,
            Amounts {
                points,
                hours: Decimal::ZERO,
            },
        );
        if points >= Decimal::ZERO {
            self.totals.points_earned += points;
        } else {
            self.totals.points_reversed -= points;
        }
    }
}
