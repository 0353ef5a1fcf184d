//! Performance evaluation (绩效评价) and the versioned scoring formula.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_ledger::{Event, GroupId, ProjectId, ScoringWeights, TeamId};
use yinling_projections::evaluation::{Figures, Period, Subject};
use yinling_projections::Command;

use super::{written, AsOfParam};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};
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
    }
}

/// What to evaluate (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SubjectName {
    /// The whole ledger.
    City,
    /// One team (`id`).
    Team,
    /// One district (`id` is its name).
    District,
    /// A group or sub-group (`id`).
    Group,
    /// A project (`id`).
    Project,
}

/// Evaluation parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationParams {
    /// city (default), team, district, group or project.
    #[param(value_type = Option<SubjectName>)]
    pub subject: Option<String>,
    /// The team, group or project id, or the district's name.
    pub id: Option<String>,
    /// First service date, YYYY-MM-DD.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last service date, YYYY-MM-DD.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Only teams of this district (team ranking).
    pub district: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// An evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationOut {
    /// What was evaluated.
    pub subject: String,
    /// Its id (or district name).
    pub id: Option<String>,
    /// Period start.
    pub from: Option<Day>,
    /// Period end.
    pub to: Option<Day>,
    /// The figures.
    pub figures: FiguresOut,
    /// The score under the weights in force.
    pub score: Amount,
    /// The version of those weights.
    pub scoring_version: u32,
    /// The seq the answer reflects.
    pub as_of: u64,
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

fn period(p: &EvaluationParams) -> Result<Period, ApiError> {
    let day = |field: &str, v: &Option<String>| -> Result<Option<Day>, ApiError> {
        v.as_deref()
            .map(|t| {
                Day::parse(t)
                    .map_err(|e| ApiError::bad_request("bad_date", format!("{field}: {e}")))
            })
            .transpose()
    };
    let from = day("from", &p.from)?;
    let to = day("to", &p.to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::bad_request(
                "bad_window",
                format!("from ({}) is after to ({})", f.0, t.0),
            ));
        }
    }
    Ok(Period {
        from: from.map(|d| d.0),
        to: to.map(|d| d.0),
    })
}

/// The figures of the city, a team, a district, a group or a project over a period (any
/// authenticated caller).
#[utoipa::path(get, path = "/v1/evaluation", tag = "evaluation", params(EvaluationParams),
    responses((status = 200, body = EvaluationOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn evaluate(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<EvaluationParams>,
) -> Result<Json<EvaluationOut>, ApiError> {
    let window = period(&p)?;
    let kind = p.subject.as_deref().unwrap_or("city");
    let need_id = || {
        p.id.clone().ok_or_else(|| {
            ApiError::bad_request("missing_id", format!("subject={kind} needs ?id="))
        })
    };
    let subject = match kind {
        "city" => Subject::City,
        "team" => Subject::Team(path_id::<TeamId>(&need_id()?, "team")?),
        "district" => Subject::District(need_id()?),
        "group" => Subject::Group(path_id::<GroupId>(&need_id()?, "group")?),
        "project" => Subject::Project(path_id::<ProjectId>(&need_id()?, "project")?),
        other => {
            return Err(ApiError::bad_request(
                "bad_subject",
                format!("subject {other:?} is unknown; use city, team, district, group or project"),
            ))
        }
    };
    let view = app.engine.view(p.as_of).await?;
    view.with(|state| {
        let known = match &subject {
            Subject::City => true,
            Subject::Team(t) => state.teams.contains_key(t),
            Subject::District(d) => state.districts.contains_key(d),
            Subject::Group(g) => state.groups.contains_key(g),
            Subject::Project(pr) => state.projects.contains_key(pr),
        };
        if !known {
            return Err(ApiError::not_found(
                "subject_not_found",
                format!("no {kind} has id {:?}", p.id.clone().unwrap_or_default()),
            ));
        }
        let figures = state.evaluate(&subject, window);
        Ok(Json(EvaluationOut {
            subject: kind.to_owned(),
            id: p.id.clone(),
            from: window.from.map(Day),
            to: window.to.map(Day),
            score: figures.score(&state.scoring.weights).into(),
            figures: figures_out(&figures),
            scoring_version: state.scoring.version,
            as_of: state.head.seq,
        }))
    })
}

/// Teams ranked by the published scoring formula (any authenticated caller).
#[utoipa::path(get, path = "/v1/evaluation/teams", tag = "evaluation", params(EvaluationParams),
    responses((status = 200, body = TeamScores), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn team_scores(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(p): ApiQuery<EvaluationParams>,
) -> Result<Json<TeamScores>, ApiError> {
    let window = period(&p)?;
    let view = app.engine.view(p.as_of).await?;
    Ok(Json(view.with(|state| {
        scores_out(state, window, p.district.as_deref())
    })))
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

/// Columns of the evaluation as a spreadsheet: English header, Chinese header.
pub const SCORE_COLUMNS: [(&str, &str); 18] = [
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
    ("scoring_version", "评分版本"),
];

/// One team of the ranking as spreadsheet cells, in the order of [`SCORE_COLUMNS`] (shared by
/// the CLI export and the web app's download, so both files read the same).
pub fn score_cells(t: &ScoredTeamOut, scoring_version: u32) -> Vec<String> {
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
        scoring_version.to_string(),
    ]
}

/// The scoring weights in force (any authenticated caller).
#[utoipa::path(get, path = "/v1/scoring", tag = "evaluation", params(AsOfParam),
    responses((status = 200, body = WeightsIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_scoring(
    State(app): State<AppState>,
    Auth(_who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<WeightsIo>, ApiError> {
    let view = app.engine.view(q.as_of).await?;
    Ok(Json(view.with(|state| {
        weights_io(state.scoring.version, &state.scoring.weights)
    })))
}

/// Publish new scoring weights; reports from now on use them, reports of the past keep theirs
/// (admin).
#[utoipa::path(put, path = "/v1/scoring", tag = "evaluation", request_body = WeightsIo,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = WeightsIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_scoring(
    State(app): State<AppState>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<WeightsIo>,
) -> Result<Response, ApiError> {
    let w = &body.value;
    let weights = ScoringWeights {
        per_activity: w.per_activity.0,
        per_participant_time: w.per_participant_time.0,
        per_active_volunteer: w.per_active_volunteer.0,
        per_hour: w.per_hour.0,
        per_person_served: w.per_person_served.0,
        per_problem_resolved: w.per_problem_resolved.0,
        per_dispute_settled: w.per_dispute_settled.0,
    };
    let envelopes = app
        .engine
        .submit(
            &who,
            Command::ChangeScoring { weights },
            key.scoped(&who, body.digest),
        )
        .await?;
    match envelopes.first().map(|e| &e.payload) {
        Some(Event::ScoringChanged(s)) => {
            Ok(written(&envelopes, weights_io(s.version, &s.weights)))
        }
        _ => Err(ApiError::internal(&"no ScoringChanged event")),
    }
}
