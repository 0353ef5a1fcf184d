//! Performance evaluation (绩效评价): the figures of a team, a district, a group or a project
//! over a period, and teams ranked by a published, versioned scoring formula.
//!
//! Figures are gathered from the folded activities and redemptions in memory (never from
//! the event log). An activity counts if its service date lies in the period and it was not
//! reversed; it counts for a group if its team was a member of the group on that date.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{GroupId, ProjectId, ScoringWeights, TeamId};

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
    /// Activities confirmed by the party they served (of `activities`).
    #[serde(default)]
    pub confirmed_activities: u64,
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

    /// Activities confirmed by the party they served as a share of all (0 to 1, four
    /// decimals); `None` without activities.
    pub fn confirmed_share(&self) -> Option<Decimal> {
        (self.activities > 0).then(|| {
            (Decimal::from(self.confirmed_activities) / Decimal::from(self.activities)).round_dp(4)
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
