//! Delivery adapters: a webhook that an SMS or WeChat gateway takes (one JSON notice per
//! POST, its key in `Idempotency-Key` so the gateway drops a second delivery), and a file
//! of JSON lines, appended and synced, for tests and for operators who carry notices by
//! other means.

use std::path::PathBuf;

use serde::Serialize;
use yinling_ledger::outbox::{OutboxEntry, Recipient};
use yinling_ledger::personal::NoticeContacts;

use crate::limits::NOTICE_WEBHOOK_TIMEOUT_SECONDS;

/// Where notices are delivered.
#[derive(Clone, Debug)]
pub enum Adapter {
    /// Nowhere: notices are kept for the volunteer's page and their printed statement.
    None,
    /// POSTed as JSON to this URL.
    Webhook {
        /// The gateway's URL.
        url: String,
        /// The client (kept: it pools connections).
        client: reqwest::Client,
    },
    /// Appended as JSON lines to this file.
    File(PathBuf),
}

impl Adapter {
    /// A webhook adapter on `url` (http or https).
    pub fn webhook(url: &str) -> Result<Adapter, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the notice webhook must be an http:// or https:// URL, got {url:?}"
            ));
        }
        // No redirect is followed: a 301 or 302 would turn the POST into a GET without its
        // body (answered 200, a notice marked sent that nobody sent), and a 307 would send
        // phone numbers wherever the redirect points.
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(
                NOTICE_WEBHOOK_TIMEOUT_SECONDS,
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot make the webhook client: {e}"))?;
        Ok(Adapter::Webhook {
            url: url.to_owned(),
            client,
        })
    }
}

/// Why an attempt failed.
#[derive(Debug)]
pub enum Failure {
    /// Worth another attempt (a 5xx, 408 or 429).
    Retry(String),
    /// The gateway itself cannot take notices now (no answer, a redirect, or an answer about
    /// its own address or credentials: 401, 403, 404, 405, 407): worth another attempt once
    /// it is fixed, and the pass stops here rather than wait on it for every notice due.
    Gateway(String),
    /// Not worth one (the gateway refused the notice itself, nobody to send it to).
    Permanent(String),
}

/// One notice as the gateway receives it.
#[derive(Debug, Serialize)]
pub struct Delivery<'a> {
    /// Stable: the same notice always has the same key; drop a second one.
    pub key: &'a str,
    /// What it is about.
    pub kind: &'a str,
    /// Whose notice.
    pub volunteer_id: String,
    /// `volunteer` or `relative`.
    pub recipient: &'static str,
    /// The mobile number to send it to.
    pub phone: Option<&'a str>,
    /// For a relative: their name and how they are related, to greet them.
    pub relative: Option<(&'a str, &'a str)>,
    /// The text to send (Chinese).
    pub text: &'a str,
    /// The same in English.
    pub text_en: &'a str,
    /// When the notice was made.
    pub created_at: String,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
}

impl Adapter {
    /// Delivers one notice to its recipient's address in `contacts`.
    pub async fn deliver(&self, e: &OutboxEntry, contacts: &NoticeContacts) -> Result<(), Failure> {
        let (phone, relative) = match e.recipient {
            Recipient::Volunteer => (contacts.phone.as_deref(), None),
            Recipient::Relative => match &contacts.relative {
                Some(r) => (
                    Some(r.phone.as_str()),
                    Some((r.name.as_str(), r.relation.as_str())),
                ),
                None => (None, None),
            },
        };
        let Some(phone) = phone else {
            return Err(Failure::Permanent(
                "no mobile number any more (the contacts were changed)".into(),
            ));
        };
        let body = Delivery {
            key: &e.key,
            kind: &e.kind,
            volunteer_id: e.volunteer_id.to_string(),
            recipient: e.recipient.as_str(),
            phone: Some(phone),
            relative,
            text: &e.text_zh,
            text_en: &e.text_en,
            created_at: e.created_at.to_rfc3339(),
            attempt: e.attempts + 1,
        };
        match self {
            Adapter::None => Err(Failure::Permanent("no delivery adapter".into())),
            Adapter::File(path) => {
                let mut line =
                    serde_json::to_vec(&body).map_err(|x| Failure::Permanent(x.to_string()))?;
                line.push(b'\n');
                let path = path.clone();
                tokio::task::spawn_blocking(move || {
                    yinling_ledger::outbox::append_line(&path, &line)
                })
                .await
                .map_err(|x| Failure::Retry(x.to_string()))?
                .map_err(|x| Failure::Retry(x.to_string()))
            }
            Adapter::Webhook { url, client } => {
                let sent = client
                    .post(url)
                    .header("Idempotency-Key", &e.key)
                    .json(&body)
                    .send()
                    .await
                    // Without its URL: the address may carry the gateway's credentials, and
                    // this text is kept with the notice and shown to its volunteer.
                    .map_err(|x| {
                        Failure::Gateway(format!("the gateway did not answer: {}", x.without_url()))
                    })?;
                let status = sent.status();
                if status.is_success() {
                    Ok(())
                } else if status.is_redirection() {
                    Err(Failure::Gateway(format!(
                        "the gateway redirected ({status}): configure its final address"
                    )))
                } else if matches!(status.as_u16(), 401 | 403 | 404 | 405 | 407) {
                    Err(Failure::Gateway(format!(
                        "the gateway refused its caller ({status}): check its address and credentials"
                    )))
                } else if status.is_server_error()
                    || status == reqwest::StatusCode::REQUEST_TIMEOUT
                    || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                {
                    Err(Failure::Retry(format!("the gateway answered {status}")))
                } else {
                    Err(Failure::Permanent(format!(
                        "the gateway refused it: {status}"
                    )))
                }
            }
        }
    }
}
