//! How the star scale and each volunteer's stars are folded.

use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::stars::{threshold_of, PendingStar, ScaleVersion, StarMoment, StarStep};

impl State {
    pub(super) fn star_scale_adopted(&mut self, envelope: &Envelope, e: &StarScaleAdopted) {
        if !self.star_scale.recorded() {
            // From the first scale on, stars are facts: everyone starts from none, and the
            // same commit records the stars each one already holds.
            for v in self.volunteers.values_mut() {
                v.star.recorded = true;
                v.star.level = 0;
                v.star.threshold_hours = Decimal::ZERO;
                v.star.pending = None;
            }
        } else {
            // A star already held stands on the lower of the hours its own scale asked and
            // the hours the new scale asks for that level: a new scale never takes a star
            // away, and a star the new scale would give again is not lost to the old bar.
            for v in self.volunteers.values_mut() {
                let level = v.star.level;
                if level > 0 && usize::from(level) <= e.thresholds_hours.len() {
                    let now = threshold_of(&e.thresholds_hours, level);
                    v.star.threshold_hours = v.star.threshold_hours.min(now);
                }
            }
        }
        self.star_scale.versions.push(ScaleVersion {
            version: e.version,
            thresholds_hours: e.thresholds_hours.clone(),
            review: e.review,
            note: e.note.clone(),
            adopted_at: envelope.recorded_at,
            seq: envelope.seq,
        });
    }

    pub(super) fn star_reached(&mut self, envelope: &Envelope, e: &StarReached) {
        let Some(v) = self.volunteers.get_mut(&e.volunteer_id) else {
            return;
        };
        let star = &mut v.star;
        if e.awaiting_review {
            star.pending = Some(Box::new(PendingStar {
                level: e.level,
                threshold_hours: e.threshold_hours,
                hours: e.hours,
                scale_version: e.scale_version,
                reached_at: envelope.recorded_at,
            }));
        } else {
            star.level = e.level;
            star.threshold_hours = e.threshold_hours;
            if star.pending.as_ref().is_some_and(|p| p.level <= e.level) {
                star.pending = None;
            }
        }
        star.history.push(StarMoment {
            at: envelope.recorded_at,
            level: e.level,
            step: if e.awaiting_review {
                StarStep::AwaitingReview
            } else {
                StarStep::Reached
            },
        });
    }

    pub(super) fn star_confirmed(&mut self, envelope: &Envelope, e: &StarConfirmed) {
        let Some(v) = self.volunteers.get_mut(&e.volunteer_id) else {
            return;
        };
        let star = &mut v.star;
        if let Some(p) = star.pending.take() {
            star.level = p.level;
            star.threshold_hours = p.threshold_hours;
        }
        star.history.push(StarMoment {
            at: envelope.recorded_at,
            level: e.level,
            step: StarStep::Confirmed,
        });
    }

    pub(super) fn star_withdrawn(&mut self, envelope: &Envelope, e: &StarWithdrawn) {
        let Some(v) = self.volunteers.get_mut(&e.volunteer_id) else {
            return;
        };
        let star = &mut v.star;
        if star.pending.as_ref().is_some_and(|p| p.level > e.level) {
            star.pending = None;
        }
        if star.level > e.level {
            star.level = e.level;
            star.threshold_hours = e.threshold_hours;
        }
        star.history.push(StarMoment {
            at: envelope.recorded_at,
            level: e.level,
            step: StarStep::Withdrawn,
        });
    }

    /// Hours a volunteer still needs for the next star of the scale in force (`None` at
    /// the top of the scale).
    pub fn hours_to_next_star(&self, v: &crate::volunteers::Volunteer) -> Option<Decimal> {
        let thresholds = self.star_scale.thresholds();
        let held = if v.star.recorded {
            v.star.top()
        } else {
            crate::stars::level_on(&thresholds, v.hours_net())
        };
        let next = thresholds.get(usize::from(held))?;
        Some((*next - v.hours_net()).max(Decimal::ZERO))
    }
}
