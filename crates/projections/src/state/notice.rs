//! How public notices (公示) are folded: an activity on notice holds its participants' points
//! as pending until its notice ends; a reversal or a correction during the notice changes
//! what is pending with it.

use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::activities::{Activity, Notice};

impl State {
    pub(super) fn activity_on_notice(&mut self, envelope: &Envelope, e: &ActivityOnNotice) {
        let Some(a) = self.activities.get_mut(&e.activity_id) else {
            return;
        };
        a.notice = Some(Notice {
            posted_on: e.posted_on,
            ends_on: e.ends_on,
            ended: false,
        });
        let people: Vec<VolunteerId> = a
            .participants
            .iter()
            .filter_map(|p| self.volunteer_numbers.id_of(p.number))
            .collect();
        self.on_notice.insert((e.ends_on, e.activity_id));
        for v in people {
            if let Some(v) = self.volunteers.get_mut(&v) {
                v.on_notice.insert(e.activity_id);
            }
            self.refresh_pending(envelope, &v, &e.activity_id);
        }
    }

    pub(super) fn notice_ended(&mut self, envelope: &Envelope, e: &NoticeEnded) {
        let Some(a) = self.activities.get_mut(&e.activity_id) else {
            return;
        };
        let Some(notice) = a.notice.as_mut() else {
            return;
        };
        notice.ended = true;
        let ends_on = notice.ends_on;
        self.on_notice.remove(&(ends_on, e.activity_id));
        self.release_if_free(envelope, &e.activity_id);
    }

    /// Once nothing holds an activity any more (its notice ended, its confirmation came),
    /// its participants' points become available.
    fn release_if_free(&mut self, envelope: &Envelope, activity: &ActivityId) {
        let Some(a) = self.activities.get_mut(activity) else {
            return;
        };
        if a.held() {
            return;
        }
        // The one event that made its points usable (a notice told about it once).
        if a.released_seq.is_none() {
            a.released_seq = std::num::NonZeroU64::new(envelope.seq);
        }
        let people: Vec<VolunteerId> = a
            .participants
            .iter()
            .filter_map(|p| self.volunteer_numbers.id_of(p.number))
            .collect();
        for v in people {
            if let Some(v) = self.volunteers.get_mut(&v) {
                v.on_notice.remove(activity);
            }
            self.refresh_pending(envelope, &v, activity);
        }
    }

    pub(super) fn awaits_confirmation(&mut self, envelope: &Envelope, activity: &ActivityId) {
        let Some(a) = self.activities.get_mut(activity) else {
            return;
        };
        a.awaits_confirmation = true;
        a.confirmation_required = true;
        let people: Vec<VolunteerId> = a
            .participants
            .iter()
            .filter_map(|p| self.volunteer_numbers.id_of(p.number))
            .collect();
        for v in people {
            if let Some(v) = self.volunteers.get_mut(&v) {
                v.on_notice.insert(*activity);
            }
            self.refresh_pending(envelope, &v, activity);
        }
    }

    pub(super) fn confirmation_requested(&mut self, e: &ConfirmationRequested) {
        if let Some(a) = self.activities.get_mut(&e.activity_id) {
            a.rare_mut()
                .confirmation_requests
                .push(crate::activities::ConfirmationRequest {
                    code_digest: e.code_digest,
                    number: e.number,
                    party: e.party.clone(),
                    expires_on: e.expires_on,
                    used: false,
                });
            self.confirmation_codes.insert(e.code_digest, e.activity_id);
        }
    }

    pub(super) fn activity_confirmed(&mut self, envelope: &Envelope, e: &ActivityConfirmed) {
        let Some(a) = self.activities.get_mut(&e.activity_id) else {
            return;
        };
        let rare = a.rare_mut();
        let mut party = String::new();
        if let Some(r) = rare
            .confirmation_requests
            .iter_mut()
            .find(|r| r.code_digest == e.code_digest)
        {
            r.used = true;
            party.clone_from(&r.party);
        }
        rare.confirmations.push(crate::activities::Confirmation {
            name: e.name.clone(),
            role: e.role.clone(),
            party,
            confirmed_on: e.confirmed_on,
        });
        self.confirmation_codes.remove(&e.code_digest);
        if a.awaits_confirmation {
            a.awaits_confirmation = false;
            self.release_if_free(envelope, &e.activity_id);
        }
    }

    /// An administrator gave up the wait for confirmation: the points are released as a
    /// confirmation releases them, and the waiver is kept beside (it is no confirmation).
    pub(super) fn confirmation_waived(&mut self, envelope: &Envelope, e: &ConfirmationWaived) {
        let Some(a) = self.activities.get_mut(&e.activity_id) else {
            return;
        };
        a.rare_mut().confirmation_waived = Some(crate::activities::Waiver {
            reason: e.reason.clone(),
            waived_on: e.waived_on,
            by: envelope.actor,
        });
        if a.awaits_confirmation {
            a.awaits_confirmation = false;
            self.release_if_free(envelope, &e.activity_id);
        }
    }

    /// After a change to one participant's points in an activity (a reversal, a correction,
    /// a re-rating): what they have pending follows, if it is on notice; someone corrected
    /// out of it has nothing pending from it any more.
    pub(super) fn notice_changed(
        &mut self,
        envelope: &Envelope,
        activity: &ActivityId,
        volunteer: &VolunteerId,
    ) {
        let Some(a) = self.activities.get(activity) else {
            return;
        };
        if !a.held() {
            return;
        }
        if !self
            .volunteer_number(volunteer)
            .is_some_and(|n| a.participants.has(n))
        {
            if let Some(v) = self.volunteers.get_mut(volunteer) {
                v.on_notice.remove(activity);
            }
        }
        self.refresh_pending(envelope, volunteer, activity);
    }

    /// What a volunteer has pending: their points in every activity of theirs still on
    /// notice and not reversed (never below zero). The fold keeps `balance.pending` at it;
    /// the invariants check it was kept.
    pub(super) fn points_on_notice(&self, v: &crate::volunteers::Volunteer) -> Decimal {
        v.on_notice
            .iter()
            .filter_map(|a| self.activities.get(a))
            .filter(|a| a.reversal().is_none())
            .flat_map(|a| a.participants.iter())
            .filter(|p| p.number == v.number)
            .map(|p| p.points)
            .sum::<Decimal>()
            .max(Decimal::ZERO)
    }

    /// A volunteer's pending points: their points in every activity of theirs still on
    /// notice and not reversed. A change is a statement line of its own (`because` the
    /// activity whose notice moved it), so the statement still ends at the balance.
    fn refresh_pending(
        &mut self,
        envelope: &Envelope,
        volunteer: &VolunteerId,
        because: &ActivityId,
    ) {
        let Some(v) = self.volunteers.get(volunteer) else {
            return;
        };
        let pending = self.points_on_notice(v);
        let stamp = self.activities.get(because).map(Activity::stamp);
        if let Some(v) = self.volunteers.get_mut(volunteer) {
            let moved = pending - v.balance.pending;
            if !moved.is_zero() {
                v.balance.pending = pending;
                v.record_activity(
                    envelope,
                    (crate::volunteers::EntryKind::Notice, None),
                    (-moved, Decimal::ZERO),
                    (*because, stamp),
                );
            }
        }
    }
}

impl State {
    pub(super) fn dispute_opened(&mut self, envelope: &Envelope, e: &DisputeOpened) {
        self.disputes.insert(
            e.dispute_id,
            crate::disputes::Dispute {
                id: e.dispute_id,
                volunteer_id: e.volunteer_id,
                team_id: e.team_id,
                activity_id: e.activity_id,
                kind: e.kind,
                reason: e.reason.clone(),
                opened_on: e.opened_on,
                opened_seq: envelope.seq,
                opened_by: envelope.actor,
                escalated_on: None,
                resolution: None,
            },
        );
    }

    pub(super) fn dispute_resolved(&mut self, envelope: &Envelope, e: &DisputeResolved) {
        if let Some(d) = self.disputes.get_mut(&e.dispute_id) {
            d.resolution = Some(crate::disputes::Resolution {
                outcome: e.outcome,
                reason: e.reason.clone(),
                resolved_on: e.resolved_on,
                by: envelope.actor,
            });
        }
    }

    /// A volunteer's pending points in the parts a statement tells apart, as of `today`:
    /// those on public notice with the day they become usable, those whose notice is over
    /// but held by a dispute not yet answered, and those waiting for confirmation (no day).
    /// The parts add up to `balance.pending`.
    pub fn pending_parts(
        &self,
        v: &crate::volunteers::Volunteer,
        today: chrono::NaiveDate,
    ) -> PendingParts {
        let mut parts = PendingParts::default();
        for a in v.on_notice.iter().filter_map(|a| self.activities.get(a)) {
            if a.reversal().is_some() {
                continue;
            }
            let points: rust_decimal::Decimal = a
                .participants
                .iter()
                .filter(|p| p.number == v.number)
                .map(|p| p.points)
                .sum();
            match a.notice.filter(|n| !n.ended) {
                _ if a.awaits_confirmation => parts.awaiting_confirmation += points,
                Some(n) if n.ends_on >= today => {
                    parts.on_notice += points;
                    let from = n.ends_on.checked_add_days(chrono::Days::new(1));
                    parts.usable_from = parts.usable_from.max(from);
                }
                // Past its last day and not released: held by a dispute about the entry, or
                // released at the service's next tick (usable today).
                Some(_) => {
                    let disputed = self
                        .disputes
                        .values()
                        .any(|d| d.open() && d.activity_id == Some(a.id) && d.volunteer_id == v.id);
                    if disputed {
                        parts.held_by_dispute += points;
                    } else {
                        parts.on_notice += points;
                        parts.usable_from = parts.usable_from.max(Some(today));
                    }
                }
                None => {}
            }
        }
        parts
    }
}

/// A volunteer's pending points by why they wait ([`State::pending_parts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingParts {
    /// On public notice, to be usable from `usable_from`.
    pub on_notice: rust_decimal::Decimal,
    /// The day after the last of those notices ends.
    pub usable_from: Option<chrono::NaiveDate>,
    /// Their notice is over, but a dispute about the entry is not answered yet.
    pub held_by_dispute: rust_decimal::Decimal,
    /// Waiting for confirmation by the party served.
    pub awaiting_confirmation: rust_decimal::Decimal,
}
