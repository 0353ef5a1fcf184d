//! The pages, one module per kind of user, and what every form shares.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yinling_app::{Answer, App, AppError, Written};
use yinling_ledger::Hash;
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, Principal};

use crate::layout;
pub use crate::limits::FORM_LIMIT_BYTES;
pub use crate::limits::MAX_FORM_ID_CHARS;
use crate::session::{Session, Viewer};

pub mod activity_form;
pub mod audit;
pub mod bank;
pub mod cards;
pub mod categories;
pub mod checkpoint;
pub mod counter;
pub mod counter_day;
pub mod disputes;
pub mod district;
pub mod evaluation;
pub mod group;
pub mod handover;
pub mod home;
pub mod inclusion;
pub mod money;
pub mod notice;
pub mod onboard;
pub mod paper;
pub mod paper_room;
pub mod policies;
pub mod privacy;
pub mod rankings;
pub mod receipt_paper;
pub mod rules;
pub mod shelf;
pub mod stars;
pub mod station;
pub mod team;
pub mod tokens;
pub mod trust;
pub mod volunteer;
pub mod volunteer_details;

/// The optional `as_of` of every read page.
#[derive(Debug, Default, Deserialize)]
pub struct AsOf {
    /// Show the state after this event seq.
    pub as_of: Option<u64>,
}

/// The fields of a posted form, in order (repeated keys allowed).
pub struct Form {
    fields: Vec<(String, String)>,
    /// The path it was posted to (a refusal offers to post it there again).
    pub path: String,
    /// Digest of path and body (for idempotency).
    pub digest: Hash,
}

impl Form {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The same form, told apart by `n` for idempotency (one form, several commands).
    pub fn with_suffix(form: &Form, n: usize) -> Form {
        let mut fields = form.fields.clone();
        if let Some((_, id)) = fields.iter_mut().find(|(k, _)| k == "form_id") {
            id.push_str(&format!("-{n}"));
        }
        let mut digest = form.digest.0.to_vec();
        digest.extend_from_slice(&n.to_le_bytes());
        Form {
            fields,
            path: form.path.clone(),
            digest: Hash::of(&digest),
        }
    }

    /// A trimmed text field, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_owned()
    }
}

impl FromRequest<App> for Form {
    type Rejection = Response;

    async fn from_request(request: Request, state: &App) -> Result<Self, Response> {
        let path = request.uri().path().to_owned();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| (e.status(), "the form could not be read").into_response())?;
        if bytes.len() > FORM_LIMIT_BYTES {
            return Err((
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "the form is too large",
            )
                .into_response());
        }
        let fields = form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut digest_input = path.clone().into_bytes();
        digest_input.push(b'\n');
        digest_input.extend_from_slice(&bytes);
        Ok(Form {
            fields,
            path,
            digest: Hash::of(&digest_input),
        })
    }
}

/// The session of a posted form, if the form is genuine (signed in, right CSRF token, not
/// sent from another site).
pub fn genuine<'a>(viewer: &'a Viewer, form: &Form) -> Result<&'a Session, Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(layout::needs_sign_in(viewer));
    };
    if viewer.cross_site || !session.check_csrf(form.get("csrf").unwrap_or("")) {
        return Err(layout::not_for_you(viewer));
    }
    Ok(session)
}

/// The principal of a signed-in viewer whom the access policy lets read `what`; otherwise
/// the sign-in nudge or the "not for you" page.
pub fn may_read(viewer: &Viewer, what: &Read<'_>) -> Result<Principal, Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(layout::needs_sign_in(viewer));
    };
    access::may_read(&session.principal, what).map_err(|_| layout::not_for_you(viewer))?;
    Ok(session.principal.clone())
}

/// The principal of a signed-in viewer whom the access policy lets make the change `what`.
pub fn may_write(viewer: &Viewer, what: &Write<'_>) -> Result<Principal, Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(layout::needs_sign_in(viewer));
    };
    access::may_write(&session.principal, what).map_err(|_| layout::not_for_you(viewer))?;
    Ok(session.principal.clone())
}

/// The whole of most forms: checks the form is genuine, builds its command from the
/// signed-in principal, submits it, and goes back to `here` (or shows the refusal there).
pub async fn submit_and_return<A: Answer>(
    app: &App,
    viewer: &Viewer,
    form: &Form,
    here: &str,
    command: impl FnOnce(&Principal) -> Result<Command, AppError>,
) -> Response {
    let session = match genuine(viewer, form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = match command(&session.principal) {
        Ok(c) => c,
        Err(e) => return refused_keeping(viewer, here, &e, form),
    };
    match act::<A>(app, &session.principal, form, command).await {
        Ok(_) => see_other(here),
        Err(e) => refused_keeping(viewer, here, &e, form),
    }
}

/// The fields of a form a person writes in their own words: what they wrote is kept on a
/// refusal rather than typed again.
const WRITTEN_FIELDS: [&str; 2] = ["reason", "note"];

/// A refusal of a form: the reason in words, and, when the form held something written in
/// the person's own words (a complaint, a reason), that text kept on the page (an older
/// person's paragraph is not lost to a "go back"). When the refusal is of that text (too
/// long, empty, a stray sign), the form comes back with it to change and send; otherwise
/// the text is shown to copy, since sending the same form again would only be refused
/// again, and a write whose answer was lost must be retried with its own key, not a new one.
pub fn refused_keeping(viewer: &Viewer, here: &str, e: &AppError, form: &Form) -> Response {
    let written = WRITTEN_FIELDS.iter().find_map(|k| {
        form.get(k)
            .filter(|t| !t.trim().is_empty())
            .map(|t| (*k, t))
    });
    let (Some((name, text)), Some(session)) = (written, viewer.session.as_ref()) else {
        return layout::refusal(viewer, here, e);
    };
    let l = viewer.lang;
    let of_the_text = matches!(
        e,
        AppError::Rejected(r) if matches!(r.code, "text_too_long" | "empty_text" | "control_characters")
    );
    let kept = if of_the_text {
        maud::html! {
            form method="post" action=(form.path) {
                (form_fields(&session.csrf()))
                @for (k, v) in form.fields.iter().filter(|(k, _)| !matches!(k.as_str(), "csrf" | "form_id") && k != name) {
                    input type="hidden" name=(k) value=(v);
                }
                label for="kept" { (l.t("您刚才写的还在这里，改好后可以直接再提交：", "What you wrote is kept here; change it and send it again:")) }
                textarea #kept name=(name) rows="5" { (text) }
                button.big type="submit" { (l.t("再提交一次", "Send again")) }
            }
        }
    } else {
        maud::html! {
            label for="kept" { (l.t("您刚才写的（可以复制下来，返回后再贴上）：", "What you wrote (copy it, then paste it back in the form):")) }
            textarea #kept rows="5" readonly { (text) }
        }
    };
    layout::refusal_with(viewer, here, e, kept)
}

/// Submits a form's command through the ledger; the form's id makes a double tap harmless.
pub async fn act<A: Answer>(
    app: &App,
    principal: &Principal,
    form: &Form,
    command: Command,
) -> Result<Written<A>, AppError> {
    app.submit(principal, command, form_key(principal, form))
        .await
}

/// The idempotency key of a form: its id, scoped to the principal (a double tap is harmless).
pub fn form_key(principal: &Principal, form: &Form) -> Option<yinling_ledger::writer::Idempotency> {
    form.get("form_id")
        .filter(|k| !k.is_empty() && k.len() <= MAX_FORM_ID_CHARS)
        .map(|k| yinling_app::idempotency::scoped(principal, &format!("web-{k}"), form.digest))
}

/// The two hidden fields every form that writes carries: the session's CSRF token and a
/// fresh form id (the write's idempotency key: a double tap writes once).
pub fn form_fields(csrf: &str) -> maud::Markup {
    maud::html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="form_id" value=(form_id());
    }
}

/// Every value of `key` in a page's query string (`?with=a&with=b`).
pub fn query_all(query: Option<&str>, key: &str) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// A fresh form id.
pub fn form_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Where each kind of user starts.
pub fn home_of(principal: &Principal) -> &'static str {
    match principal {
        Principal::Volunteer(..) => "/me",
        Principal::Coordinator(..) => "/team",
        Principal::Admin(_) | Principal::System => "/counter",
        Principal::Auditor(_) => "/audit",
        Principal::GroupCoordinator(..) => "/group",
        Principal::StationClerk(..) => "/counter",
        Principal::DistrictCoordinator(..) => "/district",
        Principal::BankOfficer(..) => "/bank",
    }
}

/// Sends the browser to a page after a successful form (so a reload does not resubmit).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
