//! Personal data: erasure at a volunteer's request, consent and its withdrawal, and the
//! versioned privacy notice consent refers to.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::wire::Day;
use yinling_app::App;
use yinling_ledger::{
    ConsentRecorded, ConsentWithdrawn, PrivacyNoticePublished, VolunteerErased, VolunteerId,
};
use yinling_projections::access::Read;
use yinling_projections::{Command, GivenConsent};

use super::{created, written};
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, Auth, IdempotencyKey};

/// Body of `POST /v1/volunteers/{id}/erasure`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureIn {
    /// Who asked, as a role (本人, 监护人, 法定代理人), never a name.
    pub requested_by: String,
    /// The day of the request.
    pub requested_on: Day,
    /// The legal basis, e.g. 《个人信息保护法》第四十七条.
    pub legal_basis: String,
}

/// An erasure recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureOut {
    /// Whose.
    pub volunteer_id: String,
    /// Who asked.
    pub requested_by: String,
    /// The day of the request.
    pub requested_on: Day,
    /// The legal basis.
    pub legal_basis: String,
}

/// Erase a volunteer's personal data at their request (administrators): their key is
/// destroyed, so their name, year of birth and phone digits are unreadable in every copy of
/// the log; their hours, points and redemptions stay, shown under "已注销志愿者 #N".
#[utoipa::path(post, path = "/v1/volunteers/{id}/erasure", tag = "volunteers", request_body = ErasureIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ErasureOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn erase(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ErasureIn>,
) -> Result<Response, ApiError> {
    let volunteer_id: VolunteerId = path_id(&id, "volunteer")?;
    let b = &body.value;
    let command = Command::EraseVolunteer {
        volunteer_id,
        requested_by: b.requested_by.clone(),
        requested_on: b.requested_on.0,
        legal_basis: b.legal_basis.clone(),
    };
    let w = app
        .submit::<VolunteerErased>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let e = w.answer;
    Ok(written(
        &w.receipt,
        ErasureOut {
            volunteer_id: e.volunteer_id.to_string(),
            requested_by: e.requested_by,
            requested_on: Day(e.requested_on),
            legal_basis: e.legal_basis,
        },
    ))
}

/// Body of `POST /v1/volunteers/{id}/consents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// What for, e.g. 志愿服务积分记录.
    pub purpose: String,
    /// The version of the privacy notice shown.
    pub notice_version: u32,
    /// The day it was given.
    pub given_on: Day,
    /// Who collected it, as a role or desk.
    pub collected_by: String,
}

/// A consent as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    /// Whose.
    pub volunteer_id: String,
    /// What for.
    pub purpose: String,
    /// The notice version.
    pub notice_version: u32,
    /// When given.
    pub given_on: Day,
    /// Who collected it.
    pub collected_by: String,
}

/// Record a volunteer's consent under a published notice version (the volunteer, their
/// coordinator, an administrator).
#[utoipa::path(post, path = "/v1/volunteers/{id}/consents", tag = "volunteers", request_body = ConsentBody,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ConsentOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn consent(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ConsentBody>,
) -> Result<Response, ApiError> {
    let volunteer_id: VolunteerId = path_id(&id, "volunteer")?;
    let b = &body.value;
    let command = Command::RecordConsent {
        volunteer_id,
        consent: GivenConsent {
            purpose: b.purpose.clone(),
            notice_version: b.notice_version,
            collected_by: b.collected_by.clone(),
        },
        given_on: b.given_on.0,
    };
    let w = app
        .submit::<ConsentRecorded>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let c = w.answer;
    Ok(created(
        format!("/v1/volunteers/{}", c.volunteer_id),
        &w.receipt,
        ConsentOut {
            volunteer_id: c.volunteer_id.to_string(),
            purpose: c.purpose,
            notice_version: c.notice_version,
            given_on: Day(c.given_on),
            collected_by: c.collected_by,
        },
    ))
}

/// Body of `POST /v1/volunteers/{id}/consents/withdraw`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    /// Which purpose.
    pub purpose: String,
    /// The day.
    pub withdrawn_on: Day,
}

/// A consent withdrawn.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawnOut {
    /// Whose.
    pub volunteer_id: String,
    /// Which purpose.
    pub purpose: String,
    /// The day.
    pub withdrawn_on: Day,
}

/// Withdraw a consent (the volunteer, their coordinator, an administrator).
#[utoipa::path(post, path = "/v1/volunteers/{id}/consents/withdraw", tag = "volunteers", request_body = WithdrawIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = WithdrawnOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<WithdrawIn>,
) -> Result<Response, ApiError> {
    let volunteer_id: VolunteerId = path_id(&id, "volunteer")?;
    let command = Command::WithdrawConsent {
        volunteer_id,
        purpose: body.value.purpose.clone(),
        withdrawn_on: body.value.withdrawn_on.0,
    };
    let w = app
        .submit::<ConsentWithdrawn>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let c = w.answer;
    Ok(written(
        &w.receipt,
        WithdrawnOut {
            volunteer_id: c.volunteer_id.to_string(),
            purpose: c.purpose,
            withdrawn_on: Day(c.withdrawn_on),
        },
    ))
}

/// Body of `PUT /v1/privacy-notice`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeIn {
    /// The text in Chinese.
    pub text_zh: String,
    /// The text in English.
    #[serde(default)]
    pub text_en: String,
    /// From when it applies.
    pub published_on: Day,
}

/// One version of the privacy notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    /// Its version.
    pub version: u32,
    /// In Chinese.
    pub text_zh: String,
    /// In English.
    pub text_en: String,
    /// From when.
    pub published_on: Day,
}

impl From<PrivacyNoticePublished> for NoticeOut {
    fn from(n: PrivacyNoticePublished) -> Self {
        NoticeOut {
            version: n.version,
            text_zh: n.text_zh,
            text_en: n.text_en,
            published_on: Day(n.published_on),
        }
    }
}

/// Every version of the privacy notice, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticesOut {
    /// The versions; the last is in force.
    pub versions: Vec<NoticeOut>,
}

/// Publish a new version of the privacy notice (administrators).
#[utoipa::path(put, path = "/v1/privacy-notice", tag = "volunteers", request_body = NoticeIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = NoticeOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn publish(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NoticeIn>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let command = Command::PublishPrivacyNotice {
        text_zh: b.text_zh.clone(),
        text_en: b.text_en.clone(),
        published_on: b.published_on.0,
    };
    let w = app
        .submit::<PrivacyNoticePublished>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(&w.receipt, NoticeOut::from(w.answer)))
}

/// The privacy notice's versions (anyone signed in).
#[utoipa::path(get, path = "/v1/privacy-notice", tag = "volunteers",
    responses((status = 200, body = NoticesOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn notices(
    State(app): State<App>,
    Auth(who): Auth,
) -> Result<Json<NoticesOut>, ApiError> {
    let versions = app
        .read(&who, None, Read::Published, |state| {
            Ok(state
                .privacy_notices
                .iter()
                .cloned()
                .map(NoticeOut::from)
                .collect())
        })
        .await?;
    Ok(Json(NoticesOut { versions }))
}
