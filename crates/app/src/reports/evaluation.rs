//! The performance evaluation (绩效评价): figures of a subject over a period, and the teams
//! ranked by the published scoring formula, as the API answers them and as the spreadsheet
//! lists them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_ledger::ScoringWeights;
use yinling_projections::evaluation::{Figures, Period};

use super::Table;
use crate::wire::{Amount, Day};

/// The figures of an evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresOut {
    /// Activities (not reversed).
    pub activities: u64,
    /// Participations.
    pub participant_times: u64,
    /// Distinct volunteers who served.
    pub active_volunteers: u64,
    /// Hours.
    pub hours: Amount,
    /// Points earned.
    pub points: Amount,
    /// People served.
    pub people_served: u64,
    /// Problems resolved.
    pub problems_resolved: u64,
    /// Disputes handled.
    pub disputes_handled: u64,
    /// Disputes settled.
    pub disputes_settled: u64,
    /// Settled / handled, 0 to 1 (absent without disputes).
    pub settlement_rate: Option<Amount>,
    /// Redemptions handed over.
    pub redemptions: u64,
    /// Points they spent.
    pub redemption_points: Amount,
    /// Activities confirmed by the party they served.
    pub confirmed_activities: u64,
    /// Confirmed / activities, 0 to 1 (absent without activities).
    pub confirmed_share: Option<Amount>,
}

/// Figures as the API shows them.
pub fn figures_out(f: &Figures) -> FiguresOut {
    FiguresOut {
        activities: f.activities,
        participant_times: f.participant_times,
        active_volunteers: f.active_volunteers,
        hours: f.hours.into(),
        points: f.points.into(),
        people_served: f.people_served,
        problems_resolved: f.problems_resolved,
        disputes_handled: f.disputes_handled,
        disputes_settled: f.disputes_settled,
        settlement_rate: f.settlement_rate().map(Amount),
        redemptions: f.redemptions,
        redemption_points: f.redemption_points.into(),
        confirmed_activities: f.confirmed_activities,
        confirmed_share: f.confirmed_share().map(Amount),
    }
}

/// One team of the score ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredTeamOut {
    /// 1 for the best.
    pub rank: usize,
    /// Team id.
    pub team_id: String,
    /// Name.
    pub name: String,
    /// District.
    pub district: String,
    /// Score.
    pub score: Amount,
    /// Figures.
    pub figures: FiguresOut,
}

/// Teams ranked by score.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamScores {
    /// Best first.
    pub items: Vec<ScoredTeamOut>,
    /// Period start.
    pub from: Option<Day>,
    /// Period end.
    pub to: Option<Day>,
    /// The weights used.
    pub weights: WeightsIo,
    /// Their version.
    pub scoring_version: u32,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// The scoring weights (body of `PUT /v1/scoring`, `version` ignored on input).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsIo {
    /// Version (set by the ledger).
    #[serde(default)]
    pub version: Option<u32>,
    /// Per activity.
    pub per_activity: Amount,
    /// Per participation.
    pub per_participant_time: Amount,
    /// Per distinct active volunteer.
    pub per_active_volunteer: Amount,
    /// Per hour.
    pub per_hour: Amount,
    /// Per person served.
    pub per_person_served: Amount,
    /// Per problem resolved.
    pub per_problem_resolved: Amount,
    /// Per dispute settled.
    pub per_dispute_settled: Amount,
}

/// The weights as the API shows them.
pub fn weights_io(version: u32, w: &ScoringWeights) -> WeightsIo {
    WeightsIo {
        version: Some(version),
        per_activity: w.per_activity.into(),
        per_participant_time: w.per_participant_time.into(),
        per_active_volunteer: w.per_active_volunteer.into(),
        per_hour: w.per_hour.into(),
        per_person_served: w.per_person_served.into(),
        per_problem_resolved: w.per_problem_resolved.into(),
        per_dispute_settled: w.per_dispute_settled.into(),
    }
}

/// The score ranking as the API (and the CSV export) shows it.
pub fn scores_out(
    state: &yinling_projections::State,
    window: Period,
    district: Option<&str>,
) -> TeamScores {
    TeamScores {
        items: state
            .rank_teams_by_score(window, district)
            .into_iter()
            .map(|s| {
                let team = state.teams.get(&s.team_id);
                ScoredTeamOut {
                    rank: s.rank,
                    team_id: s.team_id.to_string(),
                    name: team.map(|t| t.name.clone()).unwrap_or_default(),
                    district: team.map(|t| t.district.clone()).unwrap_or_default(),
                    score: s.score.into(),
                    figures: figures_out(&s.figures),
                }
            })
            .collect(),
        from: window.from.map(Day),
        to: window.to.map(Day),
        weights: weights_io(state.scoring.version, &state.scoring.weights),
        scoring_version: state.scoring.version,
        as_of: state.head.seq,
    }
}

/// One line of the score spreadsheet: a team with the version of the formula it was scored
/// under.
pub struct ScoreRow<'a> {
    /// The team's row.
    pub team: &'a ScoredTeamOut,
    /// The formula's version.
    pub scoring_version: u32,
}

impl TeamScores {
    /// The spreadsheet lines of this ranking.
    pub fn rows(&self) -> Vec<ScoreRow<'_>> {
        self.items
            .iter()
            .map(|team| ScoreRow {
                team,
                scoring_version: self.scoring_version,
            })
            .collect()
    }
}

impl Table for ScoreRow<'_> {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("rank", "名次"),
        ("team_id", "队伍编号"),
        ("team", "队伍"),
        ("district", "区县"),
        ("score", "绩效得分"),
        ("activities", "活动次数"),
        ("participant_times", "参与人次"),
        ("active_volunteers", "活跃志愿者人数"),
        ("hours", "服务时长（小时）"),
        ("points", "积分"),
        ("people_served", "服务人数"),
        ("problems_resolved", "解决问题数"),
        ("disputes_handled", "受理纠纷数"),
        ("disputes_settled", "调解成功数"),
        ("settlement_rate", "调解成功率"),
        ("redemptions", "兑换次数"),
        ("redemption_points", "兑换积分"),
        ("confirmed_activities", "服务对象确认的活动数"),
        ("confirmed_share", "服务对象确认比例"),
        ("scoring_version", "评分版本"),
    ];

    fn cells(&self) -> Vec<String> {
        let t = self.team;
        let f = &t.figures;
        vec![
            t.rank.to_string(),
            t.team_id.clone(),
            t.name.clone(),
            t.district.clone(),
            t.score.to_string(),
            f.activities.to_string(),
            f.participant_times.to_string(),
            f.active_volunteers.to_string(),
            f.hours.to_string(),
            f.points.to_string(),
            f.people_served.to_string(),
            f.problems_resolved.to_string(),
            f.disputes_handled.to_string(),
            f.disputes_settled.to_string(),
            f.settlement_rate
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            f.redemptions.to_string(),
            f.redemption_points.to_string(),
            f.confirmed_activities.to_string(),
            f.confirmed_share
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.scoring_version.to_string(),
        ]
    }
}
