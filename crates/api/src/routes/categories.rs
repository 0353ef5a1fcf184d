//! The categories of service as records: list them, register one (a campaign such as
//! 垃圾分类), rename one, retire one. Codes never change; history is never rewritten.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::categories::{category_out, CategoryOut};
use yinling_app::wire::{Amount, Day};
use yinling_app::App;
use yinling_ledger::{Category, CategoryRegistered, CategoryRenamed, CategoryRetired, Timestamp};
use yinling_projections::access::Read;
use yinling_projections::limits::DEFAULT_POINTS_PER_HOUR;
use yinling_projections::Command;

use super::{created, written};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Auth, IdempotencyKey};

/// The date a listing is about.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryParams {
    /// The service date the rates and `open` are for (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

/// Every category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// The seven built in first, then those registered, in the order registered.
    pub items: Vec<CategoryOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

fn date_or_today(text: Option<&str>) -> Result<chrono::NaiveDate, ApiError> {
    match text {
        Some(t) => Day::parse(t)
            .map(|d| d.0)
            .map_err(|e| ApiError::bad_request("bad_date", format!("date: {e}"))),
        None => Ok(Timestamp::now().local_date()),
    }
}

/// The category a path names, or a 404 that lists the codes there are.
fn by_path(state: &yinling_projections::State, code: &str) -> Result<Category, ApiError> {
    state.categories.by_code(code).map(|r| r.id).ok_or_else(|| {
        ApiError::not_found(
            "category_not_found",
            format!("no category has the code {code:?} (GET /v1/categories lists them)"),
        )
    })
}

/// Every category with what it earns on a date (any signed-in caller).
#[utoipa::path(get, path = "/v1/categories", tag = "rules", params(CategoryParams),
    responses((status = 200, body = CategoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<CategoryParams>,
) -> Result<Json<CategoryList>, ApiError> {
    let date = date_or_today(q.date.as_deref())?;
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(CategoryList {
                items: state
                    .categories
                    .all()
                    .map(|c| category_out(state, c, date))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// One category by its code (any signed-in caller).
#[utoipa::path(get, path = "/v1/categories/{code}", tag = "rules",
    params(("code" = String, Path), CategoryParams),
    responses((status = 200, body = CategoryOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<App>,
    Auth(who): Auth,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CategoryParams>,
) -> Result<Json<CategoryOut>, ApiError> {
    let date = date_or_today(q.date.as_deref())?;
    let out = app.view(q.as_of).await?.with(|state| {
        yinling_projections::access::may_read(&who, &Read::Published)?;
        let id = by_path(state, &code)?;
        let record = state.categories.get(&id).ok_or_else(|| {
            ApiError::not_found("category_not_found", format!("no category {code:?}"))
        })?;
        Ok::<_, ApiError>(category_out(state, record, date))
    })?;
    Ok(Json(out))
}

/// Body of `POST /v1/categories`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryIn {
    /// Its code: 2 to 40 lower-case letters, digits or `_`, starting with a letter; it never
    /// changes, e.g. `garbage_sorting`.
    #[schema(example = "garbage_sorting")]
    pub code: String,
    /// Its Chinese name, e.g. 垃圾分类.
    #[schema(min_length = 1)]
    pub label_zh: String,
    /// Its English name, e.g. Garbage sorting.
    #[schema(min_length = 1)]
    pub label_en: String,
    /// Points an hour when no version of the rules names it (default 10).
    #[serde(default)]
    pub default_points_per_hour: Option<Amount>,
    /// First service date it takes (default: today; may be in the past for back-filling).
    #[serde(default)]
    pub active_from: Option<Day>,
    /// Last service date, for a campaign with an end.
    #[serde(default)]
    pub active_until: Option<Day>,
}

/// A category as registered, read off its event.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRegisteredOut {
    /// Its code.
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub code: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// Points an hour when no version of the rules names it.
    pub default_points_per_hour: Amount,
    /// First service date.
    pub active_from: Day,
    /// Last service date.
    pub active_until: Option<Day>,
}

/// Register a category of service, e.g. a campaign (admin).
#[utoipa::path(post, path = "/v1/categories", tag = "rules", request_body = NewCategoryIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = CategoryRegisteredOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewCategoryIn>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let command = Command::RegisterCategory {
        code: b.code,
        label_zh: b.label_zh,
        label_en: b.label_en,
        default_points_per_hour: b
            .default_points_per_hour
            .map_or(DEFAULT_POINTS_PER_HOUR, |a| a.0),
        active_from: b
            .active_from
            .map_or_else(|| Timestamp::now().local_date(), |d| d.0),
        active_until: b.active_until.map(|d| d.0),
    };
    let w = app
        .submit::<CategoryRegistered>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let e = w.answer;
    let out = CategoryRegisteredOut {
        code: e.code,
        label_zh: e.label_zh,
        label_en: e.label_en,
        default_points_per_hour: e.default_points_per_hour.into(),
        active_from: Day(e.active_from),
        active_until: e.active_until.map(Day),
    };
    Ok(created(
        format!("/v1/categories/{}", out.code),
        &w.receipt,
        out,
    ))
}

/// Body of `POST /v1/categories/{code}/rename`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameIn {
    /// The new Chinese name.
    #[schema(min_length = 1)]
    pub label_zh: String,
    /// The new English name.
    #[schema(min_length = 1)]
    pub label_en: String,
}

/// Rename a category; its code and every entry stay (admin).
#[utoipa::path(post, path = "/v1/categories/{code}/rename", tag = "rules", request_body = RenameIn,
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RenameIn), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rename(
    State(app): State<App>,
    Auth(who): Auth,
    Path(code): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<RenameIn>,
) -> Result<Response, ApiError> {
    let category = by_path(&app.engine.read(), &code)?;
    let command = Command::RenameCategory {
        category,
        label_zh: body.value.label_zh,
        label_en: body.value.label_en,
    };
    let w = app
        .submit::<CategoryRenamed>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let e = w.answer;
    Ok(written(
        &w.receipt,
        RenameIn {
            label_zh: e.label_zh,
            label_en: e.label_en,
        },
    ))
}

/// Body of `POST /v1/categories/{code}/retire`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireIn {
    /// The last service date it takes (entries up to it may still be logged).
    pub last_day: Day,
    /// Why, in words.
    #[serde(default)]
    pub reason: String,
}

/// A retirement, read off its event.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetiredOut {
    /// The category.
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub code: String,
    /// Its last service date.
    pub last_day: Day,
    /// Why.
    pub reason: String,
}

/// Retire a category: it takes no service after `last_day`; what it has stays (admin).
#[utoipa::path(post, path = "/v1/categories/{code}/retire", tag = "rules", request_body = RetireIn,
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RetiredOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn retire(
    State(app): State<App>,
    Auth(who): Auth,
    Path(code): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<RetireIn>,
) -> Result<Response, ApiError> {
    let category = by_path(&app.engine.read(), &code)?;
    let command = Command::RetireCategory {
        category,
        last_day: body.value.last_day.0,
        reason: body.value.reason,
    };
    let w = app
        .submit::<CategoryRetired>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let e = w.answer;
    Ok(written(
        &w.receipt,
        RetiredOut {
            code: app.category_code(&e.category),
            last_day: Day(e.last_day),
            reason: e.reason,
        },
    ))
}
