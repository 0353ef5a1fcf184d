//! The privacy notice (个人信息保护告知书), open to anyone: the version in force in large type
//! and every earlier one; an administrator publishes a new version here. And the erasure form
//! an administrator fills in when a volunteer asks to be erased.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::{input, App};
use yinling_ledger::{PrivacyNoticePublished, Timestamp, VolunteerErased};
use yinling_projections::access::{self, Write};
use yinling_projections::Command;

use super::{submit_and_return, Form};
use crate::layout::{page, Frame};
use crate::session::Viewer;

/// What a consent collected at registration is for.
pub use yinling_projections::personal::POINTS_PURPOSE as PURPOSE;

/// `/privacy`: the notice in force and its history (anyone, signed in or not).
pub async fn notice(State(app): State<App>, viewer: Viewer) -> Response {
    let l = viewer.lang;
    let state = app.engine.read();
    let admin = viewer.session.as_ref().is_some_and(|s| {
        access::can_write(
            &s.principal,
            &Write::Administer("publish the privacy notice"),
        )
    });
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let current = state.privacy_notices.last();
    page(
        Frame { viewer: &viewer, title: l.t("个人信息保护告知书", "Privacy notice").into(), back: Some("/"), as_of: None },
        html! {
            @match current {
                None => p { (l.t("还没有发布告知书。", "No notice has been published yet.")) },
                Some(n) => {
                    p { strong { (l.s(format!("第 {} 版，{} 起施行", n.version, n.published_on), format!("Version {}, in force from {}", n.version, n.published_on))) } }
                    @for para in (if l == crate::i18n::Lang::Zh || n.text_en.is_empty() { &n.text_zh } else { &n.text_en }).split('\n') {
                        p.notice { (para) }
                    }
                }
            }
            p { (l.t("您的姓名、出生年份和手机号后四位只以密文保存，每人一把钥匙。您可以随时要求注销：钥匙销毁后，任何地方都再也读不出您的个人信息，您的服务时长和积分照常保留。", "Your name, year of birth and phone digits are stored only encrypted, under a key of your own. You may ask to be erased at any time: once the key is destroyed your personal data cannot be read anywhere again, and your hours and points stay.")) }
            @if state.privacy_notices.len() > 1 {
                h2 { (l.t("历次版本", "Earlier versions")) }
                @for n in state.privacy_notices.iter().rev().skip(1) {
                    details {
                        summary { (l.s(format!("第 {} 版（{} 起）", n.version, n.published_on), format!("Version {} (from {})", n.version, n.published_on))) }
                        @for para in n.text_zh.split('\n') { p { (para) } }
                    }
                }
            }
            @if admin {
                h2 { (l.t("发布新版本", "Publish a new version")) }
                form method="post" action="/privacy" {
                    (super::form_fields(&csrf))
                    label for="text_zh" { (l.t("告知书（中文）", "Notice (Chinese)")) }
                    textarea #text_zh name="text_zh" rows="8" required { (current.map(|n| n.text_zh.clone()).unwrap_or_default()) }
                    label for="text_en" { (l.t("告知书（英文，可以不填）", "Notice (English, optional)")) }
                    textarea #text_en name="text_en" rows="4" { (current.map(|n| n.text_en.clone()).unwrap_or_default()) }
                    label for="published_on" { (l.t("施行日期", "In force from")) }
                    input #published_on name="published_on" type="date" value=(today.to_string()) required;
                    button.big type="submit" { (l.t("发布", "Publish")) }
                }
            }
        },
    )
    .into_response()
}

/// Publishes a new version (administrators).
pub async fn publish(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<PrivacyNoticePublished>(&app, &viewer, &form, "/privacy", |_| {
        Ok(Command::PublishPrivacyNotice {
            text_zh: form.text("text_zh"),
            text_en: form.text("text_en"),
            published_on: input::date("published_on", form.get("published_on").unwrap_or(""))?,
        })
    })
    .await
}

/// Records an erasure asked for by the volunteer (administrators, from the volunteer's page).
pub async fn erase(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/volunteers/{id}");
    submit_and_return::<VolunteerErased>(&app, &viewer, &form, &here, |_| {
        Ok(Command::EraseVolunteer {
            volunteer_id: input::id("volunteer", &id)?,
            requested_by: form.text("requested_by"),
            requested_on: input::date("requested_on", form.get("requested_on").unwrap_or(""))?,
            legal_basis: form.text("legal_basis"),
        })
    })
    .await
}
