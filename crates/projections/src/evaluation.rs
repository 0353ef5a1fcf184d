//! Performance evaluation (绩效评价): the figures of a team, a district, a group or a project
//! over a period, and teams ranked by a published, versioned scoring formula.
//!
//! Figures are gathered from the folded activities and redemptions in memory (never from
//! the event log). An activity counts if its service date lies in the period and it was not
//! reversed; it counts for a group if its team was a member of the group on that date.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{GroupId, ProjectId, ScoringWeights, TeamId, Timestamp, VolunteerId};

use crate::activities::Activity;
use crate::redemptions::RedemptionStatus;
use crate::state::State;

/// The published weights until an admin changes them (version 0).
pub fn default_weights() -> ScoringWeights {
    ScoringWeights {
        per_activity: Decimal::from(5),
        per_participant_time: Decimal::ONE,
        per_active_volunteer: Decimal::from(2),
        per_hour: Decimal::new(5, 1),
        per_person_served: Decimal::new(2, 1),
        per_problem_resolved: Decimal::from(3),
        per_dispute_settled: Decimal::from(10),
    }
}

/// The scoring formula in force and its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    /// Version (0 = the built-in default).
    pub version: u32,
    /// The weights.
    pub weights: ScoringWeights,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            version: 0,
            weights: default_weights(),
        }
    }
}

/// What is evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The whole ledger.
    City,
    /// One team.
    Team(TeamId),
    /// One district, by name.
    District(String),
    /// A group or a sub-group.
    Group(GroupId),
    /// One project.
    Project(ProjectId),
}

/// A period of service dates, inclusive; open ends allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl Period {
    /// Whether a day lies in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// The figures of an evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Activities (not reversed).
    pub activities: u64,
    /// Participations.
    pub participant_times: u64,
    /// Distinct volunteers who served.
    pub active_volunteers: u64,
    /// Hours served.
    pub hours: Decimal,
    /// Points earned.
    pub points: Decimal,
    /// People served.
    pub people_served: u64,
    /// Problems resolved.
    pub problems_resolved: u64,
    /// Disputes handled.
    pub disputes_handled: u64,
    /// Disputes settled.
    pub disputes_settled: u64,
    /// Redemptions handed over in the period.
    pub redemptions: u64,
    /// Points they spent.
    pub redemption_points: Decimal,
}

impl Figures {
    /// Settled disputes as a share of those handled (0 to 1, four decimals); `None` without
    /// disputes.
    pub fn settlement_rate(&self) -> Option<Decimal> {
        (self.disputes_handled > 0).then(|| {
            (Decimal::from(self.disputes_settled) / Decimal::from(self.disputes_handled))
                .round_dp(4)
        })
    }

    /// The score under `weights`.
    pub fn score(&self, w: &ScoringWeights) -> Decimal {
        (w.per_activity * Decimal::from(self.activities)
            + w.per_participant_time * Decimal::from(self.participant_times)
            + w.per_active_volunteer * Decimal::from(self.active_volunteers)
            + w.per_hour * self.hours
            + w.per_person_served * Decimal::from(self.people_served)
            + w.per_problem_resolved * Decimal::from(self.problems_resolved)
            + w.per_dispute_settled * Decimal::from(self.disputes_settled))
        .normalize()
    }
}

/// One team in the score ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredTeam {
    /// 1 for the best.
    pub rank: usize,
    /// The team.
    pub team_id: TeamId,
    /// Its figures.
    pub figures: Figures,
    /// Its score.
    pub score: Decimal,
}

#[derive(Default)]
struct Gather {
    figures: Figures,
    volunteers: BTreeSet<VolunteerId>,
}

impl Gather {
    fn activity(&mut self, a: &Activity) {
        let f = &mut self.figures;
        f.activities += 1;
        f.participant_times += a.participants.len() as u64;
        for p in &a.participants {
            f.hours += p.hours;
            f.points += p.points;
            self.volunteers.insert(p.volunteer_id);
        }
        f.people_served += u64::from(a.outcomes.people_served);
        f.problems_resolved += u64::from(a.outcomes.problems_resolved);
        f.disputes_handled += u64::from(a.outcomes.disputes_handled);
        f.disputes_settled += u64::from(a.outcomes.disputes_settled);
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

    fn subject_has(&self, subject: &Subject, a: &Activity) -> bool {
        match subject {
            Subject::City => true,
            Subject::Team(t) => a.team_id == *t,
            Subject::District(d) => a.district == *d,
            Subject::Group(g) => self.in_group(&a.team_id, g, a.date),
            Subject::Project(p) => a.project_id == Some(*p),
        }
    }

    /// The figures of `subject` over `period`.
    pub fn evaluate(&self, subject: &Subject, period: Period) -> Figures {
        let mut g = Gather::default();
        for a in self.activities.values() {
            if a.reversal.is_none() && period.contains(a.date) && self.subject_has(subject, a) {
                g.activity(a);
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
