//! Performance evaluation (绩效评价) and the versioned scoring formula.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::evaluation::{
    figures_out, scores_out, weights_io, FiguresOut, TeamScores, WeightsIo,
};
use yinling_app::wire::{Amount, Day};
use yinling_app::App;
use yinling_ledger::{GroupId, ProjectId, ScoringChanged, ScoringWeights, TeamId};
use yinling_projections::access::Read;
use yinling_projections::evaluation::{Period, Subject};
use yinling_projections::Command;

use super::{written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

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
    State(app): State<App>,
    Auth(who): Auth,
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
    let out = app
        .read(&who, p.as_of, Read::Evaluation, |state| {
            let known = match &subject {
                Subject::City => true,
                Subject::Team(t) => state.teams.contains_key(t),
                Subject::District(d) => state.districts.contains_key(d),
                Subject::Group(g) => state.groups.contains_key(g),
                Subject::Project(pr) => state.projects.contains_key(pr),
            };
            if !known {
                return Err(yinling_projections::Rejection::not_found(
                    "subject_not_found",
                    format!("no {kind} has id {:?}", p.id.clone().unwrap_or_default()),
                )
                .into());
            }
            let figures = state.evaluate(&subject, window);
            Ok(EvaluationOut {
                subject: kind.to_owned(),
                id: p.id.clone(),
                from: window.from.map(Day),
                to: window.to.map(Day),
                score: figures.score(&state.scoring.weights).into(),
                figures: figures_out(&figures),
                scoring_version: state.scoring.version,
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Teams ranked by the published scoring formula (any authenticated caller).
#[utoipa::path(get, path = "/v1/evaluation/teams", tag = "evaluation", params(EvaluationParams),
    responses((status = 200, body = TeamScores), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn team_scores(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<EvaluationParams>,
) -> Result<Json<TeamScores>, ApiError> {
    let window = period(&p)?;
    let scores = app
        .read(&who, p.as_of, Read::Evaluation, |state| {
            Ok(scores_out(state, window, p.district.as_deref()))
        })
        .await?;
    Ok(Json(scores))
}

/// The scoring weights in force (any authenticated caller).
#[utoipa::path(get, path = "/v1/scoring", tag = "evaluation", params(AsOfParam),
    responses((status = 200, body = WeightsIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_scoring(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<WeightsIo>, ApiError> {
    let weights = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(weights_io(state.scoring.version, &state.scoring.weights))
        })
        .await?;
    Ok(Json(weights))
}

/// Publish new scoring weights; reports from now on use them, reports of the past keep theirs
/// (admin).
#[utoipa::path(put, path = "/v1/scoring", tag = "evaluation", request_body = WeightsIo,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = WeightsIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_scoring(
    State(app): State<App>,
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
    let w = app
        .submit::<ScoringChanged>(
            &who,
            Command::ChangeScoring { weights },
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(written(
        &w.receipt,
        weights_io(w.answer.version, &w.answer.weights),
    ))
}
