//! Onboarding over HTTP: a roster (`.xlsx` or CSV) uploaded as `multipart/form-data`, checked
//! row by row and, unless it is a dry run, imported (administrators).

use axum::extract::{Multipart, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::onboard::{self, Duplicate, Outcome, Problem};
use yinling_app::App;
use yinling_projections::access::{self, Write};

use crate::error::{ApiError, Problem as ProblemOut};
use crate::extract::{ApiQuery, Auth};

/// `?dry_run=&skip_bad_rows=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnboardParams {
    /// Check and report only (default true: nothing is written unless asked).
    pub dry_run: Option<bool>,
    /// Import the good rows even when some are refused.
    pub skip_bad_rows: Option<bool>,
}

/// What a roster did or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardReport {
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Rows read, per sheet.
    pub rows: std::collections::BTreeMap<String, usize>,
    /// New records, per sheet.
    pub new: std::collections::BTreeMap<String, usize>,
    /// Rows already in the ledger, per sheet.
    pub already: std::collections::BTreeMap<String, usize>,
    /// Rows of an exported roster that change a record (a rename, a move, phone digits),
    /// per sheet: an unchanged export changes none.
    pub edited: std::collections::BTreeMap<String, usize>,
    /// Every problem, by sheet, row and column.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<Problem>,
    /// Headers of columns nothing reads, by sheet (renamed, they would be imported).
    pub ignored_columns: std::collections::BTreeMap<String, Vec<String>>,
    /// Headers read as one of the template's columns under another name, by sheet: the
    /// file's header → the template's (联系电话 → 手机号).
    pub read_as: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Likely duplicates, for a person to decide.
    #[schema(value_type = Vec<Object>)]
    pub duplicates: Vec<Duplicate>,
    /// Whether anything was written.
    pub written: bool,
    /// What was written.
    pub outcome: Option<Outcome>,
}

/// Check, and import unless it is a dry run, a roster uploaded as the `file` field of a
/// multipart form (administrators). Nothing is written while a row is refused, unless
/// `skip_bad_rows`.
#[utoipa::path(post, path = "/v1/onboard", tag = "onboarding", params(OnboardParams),
    request_body(content_type = "multipart/form-data", content = String, description = "A `file` field holding the .xlsx or CSV roster"),
    responses((status = 200, body = OnboardReport), (status = "4XX", body = ProblemOut, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn upload(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<OnboardParams>,
    mut form: Multipart,
) -> Result<Json<OnboardReport>, ApiError> {
    access::may_write(&who, &Write::Administer("import rosters"))?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(unreadable_upload)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("roster").to_owned();
            let bytes = field.bytes().await.map_err(unreadable_upload)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file else {
        return Err(ApiError::unprocessable(
            "no_file",
            "send the roster as the `file` field of a multipart form",
        ));
    };
    let dry_run = q.dry_run.unwrap_or(true);
    let skip = q.skip_bad_rows.unwrap_or(false);
    let (plan, outcome) = onboard::check_and_apply(&app, &who, &name, bytes, move |plan| {
        !dry_run && (plan.clean() || skip)
    })
    .await
    .map_err(|u| ApiError::unprocessable("unreadable_roster", u.en))?;
    let write = outcome.is_some();
    Ok(Json(OnboardReport {
        file_sha256: plan.file_sha256,
        rows: plan.rows,
        new: plan.new,
        already: plan.already,
        edited: plan.edited,
        problems: plan.problems,
        ignored_columns: plan.ignored_columns,
        read_as: plan.read_as,
        duplicates: plan.duplicates,
        written: write,
        outcome,
    }))
}

/// An upload that cannot be read: too large (413, naming the limit) or not a multipart form.
fn unreadable_upload(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        let limit = yinling_app::limits::ROSTER_UPLOAD_MAX_BYTES;
        return ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the roster is larger than the {} limit; split it by district",
                crate::limits::limit_in_words(limit)
            ),
        );
    }
    ApiError::bad_request("bad_multipart", format!("the upload cannot be read: {e}"))
}
