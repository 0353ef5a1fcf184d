//! The earning rules: what each category earns on a date, the versions with the dates they
//! take effect, and re-rating a past period (previewed, then appended with its reason).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::answers::Rerated;
use yinling_app::reports::rules::{
    day_rule_out, rules_out, version_out, DayRuleIo, RuleVersionOut, RulesIo,
};
use yinling_app::wire::{Amount, Day};
use yinling_app::App;
use yinling_ledger::{DayMultiplier, DaySet, EarningRulesAdopted};
use yinling_projections::access::Read;
use yinling_projections::{Command, NewRules};

use super::{created, written};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Auth, IdempotencyKey};

/// The date of `GET /v1/rules`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesParams {
    /// The service date (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// What each category earns on a date (any signed-in caller).
#[utoipa::path(get, path = "/v1/rules", tag = "rules", params(RulesParams),
    responses((status = 200, body = RulesIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_rules(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<RulesParams>,
) -> Result<Json<RulesIo>, ApiError> {
    let date = match q.date.as_deref() {
        Some(t) => {
            Day::parse(t)
                .map_err(|e| ApiError::bad_request("bad_date", format!("date: {e}")))?
                .0
        }
        None => yinling_ledger::Timestamp::now().local_date(),
    };
    let rules = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(rules_out(state, date))
        })
        .await?;
    Ok(Json(rules))
}

/// Body of `POST /v1/rules/versions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRulesIn {
    /// First service date it applies to (may be in the past: back-filled entries earn under
    /// it; existing credits do not change until a re-rating).
    pub effective_from: Day,
    /// The rate of every category without its own; leave out to cover only `rates`.
    #[serde(default)]
    pub default_points_per_hour: Option<Amount>,
    /// Per-category rates.
    #[serde(default)]
    pub rates: BTreeMap<String, Amount>,
    /// Days that earn a multiple of the rate.
    #[serde(default)]
    pub multipliers: Vec<DayRuleIo>,
    /// Most hours one volunteer may have credited on one day.
    #[serde(default)]
    pub max_hours_per_day: Option<Amount>,
    /// What changed and why, published with the rule.
    #[serde(default)]
    pub note: String,
}

/// Every version, in the order adopted.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleVersionList {
    /// Oldest first.
    pub items: Vec<RuleVersionOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Every version of the earning rules, with its date (any signed-in caller).
#[utoipa::path(get, path = "/v1/rules/versions", tag = "rules", params(super::AsOfParam),
    responses((status = 200, body = RuleVersionList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn versions(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<super::AsOfParam>,
) -> Result<Json<RuleVersionList>, ApiError> {
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(RuleVersionList {
                items: state
                    .rules
                    .versions
                    .iter()
                    .map(|v| version_out(&state.categories, v))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

fn day_rule_in(i: usize, m: &DayRuleIo) -> Result<DayMultiplier, ApiError> {
    let days = match (m.weekends, m.from, m.to) {
        (true, None, None) => DaySet::Weekends,
        (false, Some(from), Some(to)) => DaySet::Dates {
            from: from.0,
            to: to.0,
        },
        _ => {
            return Err(ApiError::unprocessable(
                "bad_days",
                format!(
                    "multipliers[{i}] needs either \"weekends\": true or both \"from\" and \"to\""
                ),
            ))
        }
    };
    Ok(DayMultiplier {
        label: m.label.clone(),
        days,
        multiplier: m.multiplier.0,
    })
}

/// Adopt a version of the earning rules from a date (admin).
#[utoipa::path(post, path = "/v1/rules/versions", tag = "rules", request_body = NewRulesIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = RuleVersionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn adopt(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewRulesIn>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let multipliers = b
        .multipliers
        .iter()
        .enumerate()
        .map(|(i, m)| day_rule_in(i, m))
        .collect::<Result<_, _>>()?;
    let command = Command::AdoptEarningRules(NewRules {
        effective_from: b.effective_from.0,
        default_points_per_hour: b.default_points_per_hour.map(|a| a.0),
        rates: app.category_rates("rates", b.rates.iter().map(|(c, r)| (c, r.0)))?,
        multipliers,
        max_hours_per_day: b.max_hours_per_day.map(|a| a.0),
        note: b.note,
    });
    let w = app
        .submit::<EarningRulesAdopted>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let e = w.answer;
    let out = RuleVersionOut {
        version: e.version,
        effective_from: Day(e.effective_from),
        default_points_per_hour: e.default_points_per_hour.map(Amount),
        rates: app.rates_out(&e.rates),
        multipliers: e.multipliers.iter().map(day_rule_out).collect(),
        max_hours_per_day: e.max_hours_per_day.map(Amount),
        note: e.note,
    };
    Ok(created("/v1/rules/versions".into(), &w.receipt, out))
}

/// Replace the point rules; applies to services logged from now on (admin).
#[utoipa::path(put, path = "/v1/rules", tag = "rules", request_body = RulesIo,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RulesIo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_rules(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<RulesIo>,
) -> Result<Response, ApiError> {
    let command = Command::ChangeRules {
        default_points_per_hour: body.value.default_points_per_hour.0,
        rates: app.category_rates("rates", body.value.rates.iter().map(|(c, r)| (c, r.0)))?,
    };
    let w = app
        .submit::<EarningRulesAdopted>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let r = &w.answer;
    Ok(written(
        &w.receipt,
        RulesIo {
            version: Some(r.version),
            default_points_per_hour: r.default_points_per_hour.unwrap_or_default().into(),
            rates: app.rates_out(&r.rates),
        },
    ))
}
/// The period of a re-rating.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First service date.
    #[param(value_type = String, format = Date)]
    pub from: String,
    /// Last service date.
    #[param(value_type = String, format = Date)]
    pub to: String,
}

/// Body of `POST /v1/rerating`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerateIn {
    /// First service date.
    pub from: Day,
    /// Last service date.
    pub to: Day,
    /// Why the period is re-rated.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// One team's share of a re-rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamRerating {
    /// The team.
    pub team_id: String,
    /// Its name.
    pub name: String,
    /// Credits changed.
    pub entries: usize,
    /// Points changed in all (negative: taken back).
    pub points_change: Amount,
}

/// What a re-rating changes (or changed).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReratingOut {
    /// First service date.
    pub from: Day,
    /// Last service date.
    pub to: Day,
    /// Credits changed.
    pub entries: usize,
    /// Volunteers concerned.
    pub volunteers: usize,
    /// Points changed in all.
    pub points_change: Amount,
    /// By team.
    pub teams: Vec<TeamRerating>,
}

fn rerating_out(
    state: &yinling_projections::State,
    from: NaiveDate,
    to: NaiveDate,
    rows: impl Iterator<
        Item = (
            yinling_ledger::TeamId,
            yinling_ledger::VolunteerId,
            rust_decimal::Decimal,
        ),
    >,
) -> ReratingOut {
    let mut teams: BTreeMap<yinling_ledger::TeamId, (usize, rust_decimal::Decimal)> =
        BTreeMap::new();
    let mut volunteers = std::collections::BTreeSet::new();
    let (mut entries, mut total) = (0, rust_decimal::Decimal::ZERO);
    for (team, volunteer, change) in rows {
        entries += 1;
        total += change;
        volunteers.insert(volunteer);
        let t = teams.entry(team).or_default();
        t.0 += 1;
        t.1 += change;
    }
    ReratingOut {
        from: Day(from),
        to: Day(to),
        entries,
        volunteers: volunteers.len(),
        points_change: total.into(),
        teams: teams
            .into_iter()
            .map(|(id, (n, change))| TeamRerating {
                team_id: id.to_string(),
                name: state
                    .teams
                    .get(&id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                entries: n,
                points_change: change.into(),
            })
            .collect(),
    }
}

/// Preview a re-rating: which credits of the period the rules of their dates would change,
/// how many points, per team (staff).
#[utoipa::path(get, path = "/v1/rerating", tag = "rules", params(PeriodParams),
    responses((status = 200, body = ReratingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn preview(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> Result<Json<ReratingOut>, ApiError> {
    let day = |field: &str, t: &str| {
        Day::parse(t)
            .map(|d| d.0)
            .map_err(|e| ApiError::bad_request("bad_date", format!("{field}: {e}")))
    };
    let (from, to) = (day("from", &p.from)?, day("to", &p.to)?);
    let out = app
        .read(&who, None, Read::Evaluation, |state| {
            let plan = state.rerating_plan(from, to);
            Ok(rerating_out(
                state,
                from,
                to,
                plan.iter()
                    .map(|r| (r.team_id, r.volunteer_id, r.points_after - r.points_before)),
            ))
        })
        .await?;
    Ok(Json(out))
}

/// Re-rate a period: one adjustment per credit the rules of its date change, with the
/// reason (admin). Refused whole if it would leave anyone below zero.
#[utoipa::path(post, path = "/v1/rerating", tag = "rules", request_body = RerateIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ReratingOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rerate(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<RerateIn>,
) -> Result<Response, ApiError> {
    let (from, to) = (body.value.from.0, body.value.to.0);
    let command = Command::RerateServices {
        from,
        to,
        reason: body.value.reason,
    };
    let w = app
        .submit::<Rerated>(&who, command, key.scoped(&who, body.digest))
        .await?;
    // Team names are immutable; everything else comes from the events.
    let out = {
        let state = app.engine.read();
        rerating_out(
            &state,
            from,
            to,
            w.answer
                .0
                .iter()
                .map(|r| (r.team_id, r.volunteer_id, r.points_after - r.points_before)),
        )
    };
    Ok(written(&w.receipt, out))
}
