//! The policies as events: the hold time, the back-fill limit and the time zone, each with
//! its history; an administrator changes the first two (the zone is set at start-up).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::reports::policies::{days_text, policies_out, PoliciesOut};
use yinling_app::App;
use yinling_ledger::{PolicyChange, PolicySet};
use yinling_projections::access::Read;
use yinling_projections::Command;

use super::{written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Auth, IdempotencyKey};

/// Every policy with its history (any signed-in caller).
#[utoipa::path(get, path = "/v1/policies", tag = "rules", params(AsOfParam),
    responses((status = 200, body = PoliciesOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<PoliciesOut>, ApiError> {
    let default = app.engine.hold_ttl_seconds();
    let out = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(policies_out(state, default))
        })
        .await?;
    Ok(Json(out))
}

/// Body of `PUT /v1/policies/hold-time`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldTimeIn {
    /// Days a held redemption waits at the e-station before it lapses (1 to 365). Holds
    /// already made keep their date.
    #[schema(minimum = 1, maximum = 365)]
    pub days: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Body of `PUT /v1/policies/backfill-limit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillLimitIn {
    /// Service logged more than this many days after it happened waits for an
    /// administrator's approval (1 to 3650); `null` lifts the limit.
    #[schema(minimum = 1, maximum = 3650)]
    pub days: Option<u32>,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// A policy set.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySetOut {
    /// Which: `hold_days` or `backfill_limit_days`.
    pub policy: String,
    /// The value from now on (`none`: no limit).
    pub value: String,
    /// Why.
    pub note: String,
}

fn set_out(e: PolicySet) -> PolicySetOut {
    let (policy, value) = match e.change {
        PolicyChange::HoldTtl { seconds } => ("hold_days", (seconds / 86_400).to_string()),
        PolicyChange::BackfillLimit { days } => ("backfill_limit_days", days_text(days)),
        PolicyChange::TimeZone { utc_offset_seconds } => (
            "time_zone",
            yinling_ledger::time::offset_text(utc_offset_seconds),
        ),
        PolicyChange::VoucherValidity { days } => ("voucher_validity_days", days.to_string()),
        PolicyChange::PointValue { yuan_per_point } => {
            ("yuan_per_point", yuan_per_point.normalize().to_string())
        }
        PolicyChange::CoverageWarning { percent } => {
            ("coverage_warning_percent", percent.to_string())
        }
        PolicyChange::DisputeEscalation { days } => ("dispute_escalation_days", days.to_string()),
        PolicyChange::ConfirmationRequired { category, required } => (
            "confirmation_required",
            format!(
                "{}={required}",
                category
                    .builtin()
                    .map_or_else(|| category.0.to_string(), |(code, _, _)| code.to_owned())
            ),
        ),
        // Read off the event alone: a built-in category by its code, another by its number.
        PolicyChange::NoticePeriod { category, days } => (
            "notice_days",
            format!(
                "{}={days}",
                category
                    .builtin()
                    .map_or_else(|| category.0.to_string(), |(code, _, _)| code.to_owned())
            ),
        ),
    };
    PolicySetOut {
        policy: policy.into(),
        value,
        note: e.note,
    }
}

async fn set(
    app: &App,
    who: &yinling_projections::Principal,
    key: IdempotencyKey,
    digest: yinling_ledger::Hash,
    change: PolicyChange,
    note: String,
) -> Result<Response, ApiError> {
    let w = app
        .submit::<PolicySet>(
            who,
            Command::SetPolicy { change, note },
            key.scoped(who, digest),
        )
        .await?;
    Ok(written(&w.receipt, set_out(w.answer)))
}

/// Set how long a held redemption waits (admin).
#[utoipa::path(put, path = "/v1/policies/hold-time", tag = "rules", request_body = HoldTimeIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn hold_time(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<HoldTimeIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::HoldTtl {
        seconds: i64::from(body.value.days) * 86_400,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Set the longest back-fill credited without approval, or lift it (admin).
#[utoipa::path(put, path = "/v1/policies/backfill-limit", tag = "rules", request_body = BackfillLimitIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn backfill_limit(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<BackfillLimitIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::BackfillLimit {
        days: body.value.days,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/voucher-validity`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoucherValidityIn {
    /// Days a rate voucher is valid at the bank after its hand-over (1 to 3650); vouchers
    /// already handed over keep their last day.
    #[schema(minimum = 1, maximum = 3650)]
    pub days: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Set how long a rate voucher is valid (admin).
#[utoipa::path(put, path = "/v1/policies/voucher-validity", tag = "rules", request_body = VoucherValidityIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn voucher_validity(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<VoucherValidityIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::VoucherValidity {
        days: body.value.days,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/point-value`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointValueIn {
    /// What a point is worth, yuan (e.g. "0.1").
    pub yuan_per_point: yinling_app::wire::Amount,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Set what a point is worth in yuan (admin).
#[utoipa::path(put, path = "/v1/policies/point-value", tag = "rules", request_body = PointValueIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn point_value(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<PointValueIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::PointValue {
        yuan_per_point: body.value.yuan_per_point.0,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/coverage-warning`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageWarningIn {
    /// Staff are warned when the points outstanding exceed this percentage of what can be
    /// honoured (1 to 1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub percent: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Set the coverage warning (admin).
#[utoipa::path(put, path = "/v1/policies/coverage-warning", tag = "rules", request_body = CoverageWarningIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn coverage_warning(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<CoverageWarningIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::CoverageWarning {
        percent: body.value.percent,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/notice-period`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePeriodIn {
    /// The category (its code).
    pub category: String,
    /// Days its activities stay on public notice (公示) before their points can be spent,
    /// 0 to 30 (0: none).
    #[schema(minimum = 0, maximum = 30)]
    pub days: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Set a category's public notice period (admin).
#[utoipa::path(put, path = "/v1/policies/notice-period", tag = "rules", request_body = NoticePeriodIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn notice_period(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NoticePeriodIn>,
) -> Result<Response, ApiError> {
    let category = app.category("category", &body.value.category)?;
    let change = PolicyChange::NoticePeriod {
        category,
        days: body.value.days,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/dispute-escalation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeEscalationIn {
    /// Days a dispute may wait for its team's coordinator before it goes up to the district
    /// coordinator, 1 to 90 (14 until set).
    #[schema(minimum = 1, maximum = 90)]
    pub days: u32,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Set when unresolved disputes go up to the district coordinator (admin).
#[utoipa::path(put, path = "/v1/policies/dispute-escalation", tag = "rules", request_body = DisputeEscalationIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn dispute_escalation(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<DisputeEscalationIn>,
) -> Result<Response, ApiError> {
    let change = PolicyChange::DisputeEscalation {
        days: body.value.days,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}

/// Body of `PUT /v1/policies/confirmation-required`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationRequiredIn {
    /// The category (its code).
    pub category: String,
    /// Whether its activities' points wait for confirmation by the party they served.
    pub required: bool,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Make a category's points wait for confirmation by the people served, or stop (admin).
#[utoipa::path(put, path = "/v1/policies/confirmation-required", tag = "rules", request_body = ConfirmationRequiredIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = PolicySetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn confirmation_required(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<ConfirmationRequiredIn>,
) -> Result<Response, ApiError> {
    let category = app.category("category", &body.value.category)?;
    let change = PolicyChange::ConfirmationRequired {
        category,
        required: body.value.required,
    };
    set(&app, &who, key, body.digest, change, body.value.note).await
}
