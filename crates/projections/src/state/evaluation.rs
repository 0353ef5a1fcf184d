//! The performance evaluation answered from the folded state: figures of a subject over a
//! period, group membership on a day, and teams ranked by score.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use yinling_ledger::{GroupId, TeamId, Timestamp};

use super::State;
use crate::activities::{Activity, Participation};
use crate::evaluation::{Figures, Period, ScoredTeam, Subject};
use crate::redemptions::RedemptionStatus;

#[derive(Default)]
struct Gather {
    figures: Figures,
    /// The volunteers who took part, by registration number.
    volunteers: BTreeSet<u32>,
}

impl Gather {
    /// The activity itself: once, however many of its organisers the subject holds.
    fn activity(&mut self, a: &Activity) {
        let f = &mut self.figures;
        f.activities += 1;
        f.people_served += u64::from(a.outcomes.people_served);
        f.problems_resolved += u64::from(a.outcomes.problems_resolved);
        f.disputes_handled += u64::from(a.outcomes.disputes_handled);
        f.disputes_settled += u64::from(a.outcomes.disputes_settled);
        if a.confirmed() {
            f.confirmed_activities += 1;
        }
    }

    /// One participant's part: once per participant.
    fn participation(&mut self, p: &Participation) {
        let f = &mut self.figures;
        f.participant_times += 1;
        f.hours += p.hours;
        f.points += p.points;
        self.volunteers.insert(p.number);
    }

    fn finish(mut self) -> Figures {
        self.figures.active_volunteers = self.volunteers.len() as u64;
        self.figures.hours = self.figures.hours.normalize();
        self.figures.points = self.figures.points.normalize();
        self.figures.redemption_points = self.figures.redemption_points.normalize();
        self.figures
    }
}

fn settled_day(at: Option<Timestamp>) -> Option<NaiveDate> {
    at.map(|t| t.local_date())
}

impl State {
    /// Whether `team` belonged to `group` (a group or a sub-group) on `date`.
    pub fn in_group(&self, team: &TeamId, group: &GroupId, date: NaiveDate) -> bool {
        let Some(g) = self.groups.get(group) else {
            return false;
        };
        match g.parent {
            None => g
                .memberships
                .iter()
                .any(|m| m.team_id == *team && m.covers(date)),
            Some(parent) => self.groups.get(&parent).is_some_and(|p| {
                p.memberships
                    .iter()
                    .any(|m| m.team_id == *team && m.sub_group_id == Some(*group) && m.covers(date))
            }),
        }
    }

    /// Whether the activity counts for `subject`: it does if any of its organising teams
    /// belongs to it (a joint activity counts once for each team, district or group that
    /// took part in organising it).
    fn subject_has(&self, subject: &Subject, a: &Activity) -> bool {
        match subject {
            Subject::City => true,
            Subject::Team(t) => a.organised_by(t),
            Subject::District(d) => a.districts().contains(&d.as_str()),
            Subject::Group(g) => a.organisers().iter().any(|t| self.in_group(t, g, a.date)),
            Subject::Project(p) => a.project_id == Some(*p),
        }
    }

    /// Whether one participant's part counts for `subject`: by the team their entry
    /// credited (their own), so a joint activity's hours land with each participant's team.
    fn subject_has_part(&self, subject: &Subject, a: &Activity, p: &Participation) -> bool {
        match subject {
            Subject::City => true,
            Subject::Team(t) => a.team_of(p) == *t,
            Subject::District(d) => *a.district_of(p) == *d,
            Subject::Group(g) => self.in_group(&a.team_of(p), g, a.date),
            Subject::Project(id) => a.project_id == Some(*id),
        }
    }

    /// The figures of `subject` over `period`.
    pub fn evaluate(&self, subject: &Subject, period: Period) -> Figures {
        let mut g = Gather::default();
        for a in self.activities.values() {
            if a.reversal().is_some() || !period.contains(a.date) {
                continue;
            }
            if self.subject_has(subject, a) {
                g.activity(a);
            }
            for p in &a.participants {
                if self.subject_has_part(subject, a, &p) {
                    g.participation(&p);
                }
            }
        }
        for r in self.redemptions.values() {
            if r.status != RedemptionStatus::Fulfilled {
                continue;
            }
            let Some(day) = settled_day(r.settled_at) else {
                continue;
            };
            let counts = period.contains(day)
                && match subject {
                    Subject::City => true,
                    Subject::Team(t) => r.team_id == *t,
                    Subject::District(d) => r.district == *d,
                    Subject::Group(grp) => self.in_group(&r.team_id, grp, day),
                    Subject::Project(_) => false,
                };
            if counts {
                g.figures.redemptions += 1;
                g.figures.redemption_points += r.points;
            }
        }
        g.finish()
    }

    /// Every team ranked by its score over `period` under the weights in force; ties broken
    /// by hours then id.
    pub fn rank_teams_by_score(&self, period: Period, district: Option<&str>) -> Vec<ScoredTeam> {
        let mut rows: Vec<ScoredTeam> = self
            .teams
            .values()
            .filter(|t| district.is_none_or(|d| d == t.district))
            .map(|t| {
                let figures = self.evaluate(&Subject::Team(t.id), period);
                let score = figures.score(&self.scoring.weights);
                ScoredTeam {
                    rank: 0,
                    team_id: t.id,
                    figures,
                    score,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(b.figures.hours.cmp(&a.figures.hours))
                .then(a.team_id.cmp(&b.team_id))
        });
        for (i, r) in rows.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        rows
    }
}
