//! Confirmation by the people served and notices: a coordinator gives the party an activity
//! served a one-time code; the party looks at what it vouches for and confirms, without an
//! account; a volunteer (or their coordinator) says where notices go; a volunteer reads
//! their notices; administrators and auditors watch the outbox.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::notices::masked_phone;
use yinling_app::App;
use yinling_ledger::outbox::{DeliveryStatus, OutboxEntry};
use yinling_ledger::personal::Relative;
use yinling_ledger::{ActivityId, ConfirmationWaived, NoticeContactsSet, Timestamp, VolunteerId};
use yinling_projections::Command;

use super::{created, page_limit, written};
use crate::error::{ApiError, Problem};
use crate::extract::{path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};
use crate::limits::{DEFAULT_NOTICES_DAYS, MAX_NOTICES_DAYS};

/// Body of `POST /v1/activities/{id}/confirmation-codes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationCodeIn {
    /// Who was served, as they will recognise it (荻港村村委会, 张家).
    pub party: String,
}

/// A one-time code for the party an activity served: shown once to the coordinator, to
/// print on a slip or send as a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationCodeOut {
    /// The activity.
    pub activity_id: String,
    /// Which code of the activity.
    pub number: u32,
    /// Twelve digits.
    pub code: String,
    /// The same in groups of four, as printed.
    pub shown: String,
    /// The confirmation page.
    pub link: String,
    /// Who was served.
    pub party: String,
    /// The last day it works.
    pub expires_on: String,
}

/// Give the party an activity served a one-time confirmation code (the team's coordinator or
/// district coordinator). A retry with the same Idempotency-Key shows the same code.
#[utoipa::path(post, path = "/v1/activities/{id}/confirmation-codes", tag = "activities", request_body = ConfirmationCodeIn,
    params(("id" = String, Path, description = "Activity id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ConfirmationCodeOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn give_code(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ConfirmationCodeIn>,
) -> Result<Response, ApiError> {
    let activity_id = path_id::<ActivityId>(&id, "activity")?;
    let (c, receipt) = app
        .give_confirmation_code(
            &who,
            activity_id,
            &body.value.party,
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(created(
        format!("/v1/confirmations/{}", c.code),
        &receipt,
        ConfirmationCodeOut {
            activity_id: c.activity_id.to_string(),
            number: c.number,
            code: c.code,
            shown: c.shown,
            link: c.link,
            party: c.party,
            expires_on: c.expires_on.to_string(),
        },
    ))
}

/// Body of `POST /v1/activities/{id}/waive-confirmation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiveIn {
    /// Why the party served cannot confirm (moved away, cannot be reached).
    #[schema(min_length = 1)]
    pub reason: String,
}

/// An activity's wait for confirmation given up.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaivedOut {
    /// The activity, whose points are released.
    pub activity_id: String,
    /// Why.
    pub reason: String,
    /// The day.
    pub waived_on: String,
}

/// Give up an activity's wait for confirmation by the party it served, saying why: its
/// points are released as a confirmation would release them, and the log keeps the waiver
/// as what it is (administrators only: a team that could waive its own would need none).
#[utoipa::path(post, path = "/v1/activities/{id}/waive-confirmation", tag = "activities", request_body = WaiveIn,
    params(("id" = String, Path, description = "Activity id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = WaivedOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn waive(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<WaiveIn>,
) -> Result<Response, ApiError> {
    let command = Command::WaiveConfirmation {
        activity_id: path_id::<ActivityId>(&id, "activity")?,
        reason: body.value.reason,
    };
    let w = app
        .submit::<ConfirmationWaived>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        WaivedOut {
            activity_id: w.answer.activity_id.to_string(),
            reason: w.answer.reason,
            waived_on: w.answer.waived_on.to_string(),
        },
    ))
}

/// What a code asks its holder to confirm.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToConfirmOut {
    /// The activity.
    pub activity_id: String,
    /// The team that served.
    pub team: String,
    /// Its district.
    pub district: String,
    /// The service date.
    pub date: String,
    /// What was done.
    pub title: String,
    /// The kind of service.
    pub category: String,
    /// The volunteers (names masked) and their hours.
    pub volunteers: Vec<ServedBy>,
    /// Who the code was given to.
    pub party: String,
    /// The last day the code works.
    pub expires_on: String,
}

/// One volunteer of an activity to confirm.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServedBy {
    /// Name, masked.
    pub name: String,
    /// Hours.
    pub hours: String,
}

/// What a confirmation code vouches for (no token: whoever holds the code).
#[utoipa::path(get, path = "/v1/confirmations/{code}", tag = "activities",
    params(("code" = String, Path, description = "The twelve-digit code")),
    responses((status = 200, body = ToConfirmOut), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn to_confirm(
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Json<ToConfirmOut>, ApiError> {
    let t = app.to_confirm(&code)?;
    Ok(Json(ToConfirmOut {
        activity_id: t.activity_id.to_string(),
        team: t.team,
        district: t.district,
        date: t.date.to_string(),
        title: t.title,
        category: t.category,
        volunteers: t
            .volunteers
            .into_iter()
            .map(|(name, hours)| ServedBy {
                name,
                hours: hours.normalize().to_string(),
            })
            .collect(),
        party: t.party,
        expires_on: t.expires_on.to_string(),
    }))
}

/// Body of `POST /v1/confirmations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationIn {
    /// The twelve-digit code (spaces and dashes allowed).
    pub code: String,
    /// Who confirms.
    pub name: String,
    /// Their role (村委会主任, 家属).
    pub role: String,
}

/// A confirmation as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationOut {
    /// The activity.
    pub activity_id: String,
    /// The day.
    pub confirmed_on: String,
}

/// Confirm an activity with its code, a name and a role (no token: the code is the
/// credential; it works once).
#[utoipa::path(post, path = "/v1/confirmations", tag = "activities", request_body = ConfirmationIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ConfirmationOut), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    State(app): State<App>,
    caller: Option<Auth>,
    key: IdempotencyKey,
    body: ApiJson<ConfirmationIn>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    // The code as its digits (a retry typed with other spaces is the same credential).
    let code =
        yinling_app::confirmations::read_code(&b.code).unwrap_or_else(|_| b.code.trim().to_owned());
    let scope = app
        .mint
        .keyed_request_digest(&yinling_ledger::Hash::of(code.as_bytes()));
    let w = app
        .confirm_activity(
            &b.code,
            (&b.name, &b.role),
            caller.as_ref().map(|Auth(who)| who),
            key.scoped_to_credential(&scope, body.digest),
        )
        .await?;
    Ok(created(
        format!("/v1/activities/{}", w.answer.activity_id),
        &w.receipt,
        ConfirmationOut {
            activity_id: w.answer.activity_id.to_string(),
            confirmed_on: w.answer.confirmed_on.to_string(),
        },
    ))
}

/// Body of `PUT /v1/volunteers/{id}/notice-contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactsIn {
    /// The volunteer's own mobile (11 digits), if they want text messages.
    #[serde(default)]
    pub phone: Option<String>,
    /// A relative who receives the notices as well.
    #[serde(default)]
    pub relative: Option<RelativeIn>,
}

/// A relative named to receive notices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelativeIn {
    /// Their name.
    pub name: String,
    /// How they are related (女儿, 儿子, 老伴).
    pub relation: String,
    /// Their mobile (11 digits).
    pub phone: String,
}

/// Where notices go now, as confirmed back (numbers masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactsOut {
    /// The volunteer.
    pub volunteer_id: String,
    /// Their own mobile, masked (138****5678), if set.
    pub phone: Option<String>,
    /// The relative's relation and mobile, masked, if set.
    pub relative: Option<String>,
}

/// Set where a volunteer's notices go: their own mobile, a relative as well, or neither
/// (paper only). The volunteer, their coordinator or district coordinator, an administrator.
/// Sealed under the volunteer's own key.
#[utoipa::path(put, path = "/v1/volunteers/{id}/notice-contacts", tag = "volunteers", request_body = ContactsIn,
    params(("id" = String, Path, description = "Volunteer id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ContactsOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn contacts(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ContactsIn>,
) -> Result<Response, ApiError> {
    let volunteer_id = path_id::<VolunteerId>(&id, "volunteer")?;
    let b = &body.value;
    let command = Command::SetNoticeContacts {
        volunteer_id,
        phone: b.phone.clone(),
        relative: b.relative.as_ref().map(|r| Relative {
            name: r.name.clone(),
            relation: r.relation.clone(),
            phone: r.phone.clone(),
        }),
    };
    let w = app
        .submit::<NoticeContactsSet>(&who, command, key.scoped(&who, body.digest))
        .await?;
    // Read off the command's own event (a retry shows what was set then). Opening it needs
    // the volunteer's key: a retry after their erasure shows no numbers, the one answer that
    // can differ, since nothing of theirs can be read any more.
    let c = app
        .engine
        .read()
        .keys
        .0
        .open_contacts(&w.answer.volunteer_id, &w.answer.sealed)
        .ok()
        .flatten()
        .unwrap_or_default();
    Ok(written(
        &w.receipt,
        ContactsOut {
            volunteer_id: w.answer.volunteer_id.to_string(),
            phone: c.phone.as_deref().map(masked_phone),
            relative: c
                .relative
                .map(|r| format!("{} {}", r.relation, masked_phone(&r.phone))),
        },
    ))
}

/// One notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentNoticeOut {
    /// Its key (what the gateway was given to drop a second delivery).
    pub key: String,
    /// What it is about.
    pub kind: String,
    /// Whose.
    pub volunteer_id: String,
    /// `volunteer` or `relative`.
    pub recipient: String,
    /// The text (Chinese).
    pub text: String,
    /// The text in English.
    pub text_en: String,
    /// When it was made.
    pub created_at: String,
    /// `pending`, `delivered`, `failed` or `paper` (kept for the page and the printed
    /// statement: no mobile, or no gateway).
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
}

fn notice_out(e: OutboxEntry) -> SentNoticeOut {
    SentNoticeOut {
        status: e.status.as_str().into(),
        key: e.key,
        kind: e.kind,
        volunteer_id: e.volunteer_id.to_string(),
        recipient: e.recipient.as_str().into(),
        text: e.text_zh,
        text_en: e.text_en,
        created_at: e.created_at.to_rfc3339(),
        attempts: e.attempts,
        last_error: e.last_error,
    }
}

/// A list of notices.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentNoticesOut {
    /// Oldest first.
    pub items: Vec<SentNoticeOut>,
}

/// Query of `GET /v1/volunteers/{id}/notices`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticesQuery {
    /// Days back from now (default 31, at most 400).
    pub days: Option<u32>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// A volunteer's notices of the last days (whoever may read their account).
#[utoipa::path(get, path = "/v1/volunteers/{id}/notices", tag = "volunteers",
    params(("id" = String, Path, description = "Volunteer id"), NoticesQuery),
    responses((status = 200, body = SentNoticesOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn of_volunteer(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NoticesQuery>,
) -> Result<Json<SentNoticesOut>, ApiError> {
    let volunteer_id = path_id::<VolunteerId>(&id, "volunteer")?;
    let days = q.days.unwrap_or(DEFAULT_NOTICES_DAYS);
    if !(1..=MAX_NOTICES_DAYS).contains(&days) {
        return Err(ApiError::bad_request(
            "bad_days",
            format!("days is 1 to {MAX_NOTICES_DAYS}, got {days}"),
        ));
    }
    let now = Timestamp::now();
    let items = app
        .notices_of(
            &who,
            volunteer_id,
            (
                now.plus_seconds(-i64::from(days) * 86_400),
                now.plus_seconds(1),
            ),
            page_limit(q.limit)?,
        )
        .await?;
    app.note_access(&who, volunteer_id, "GET /v1/volunteers/{id}/notices");
    Ok(Json(SentNoticesOut {
        items: items.into_iter().map(notice_out).collect(),
    }))
}

/// Query of `GET /v1/notices/outbox`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `delivered`, `failed` or `paper` (default: all).
    pub status: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// The outbox with its counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxOut {
    /// Waiting for an attempt.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
    /// Given up on.
    pub failed: u64,
    /// Kept for paper.
    pub paper: u64,
    /// The notices asked for.
    pub items: Vec<SentNoticeOut>,
}

/// The notices outbox: what waits, what was delivered, what failed and why (administrators
/// and auditors).
#[utoipa::path(get, path = "/v1/notices/outbox", tag = "audit",
    params(OutboxQuery),
    responses((status = 200, body = OutboxOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn outbox(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<OutboxOut>, ApiError> {
    let status = q.status.as_deref();
    if let Some(other) = status.filter(|s| !DeliveryStatus::WORDS.contains(s)) {
        return Err(ApiError::bad_request(
            "bad_status",
            format!("status is pending, delivered, failed or paper, not {other:?}"),
        ));
    }
    let (items, counts) = app.outbox_entries(&who, status, page_limit(q.limit)?)?;
    Ok(Json(OutboxOut {
        pending: counts.pending,
        delivered: counts.delivered,
        failed: counts.failed,
        paper: counts.paper,
        items: items.into_iter().map(notice_out).collect(),
    }))
}
