//! Printing points cards: a QR code whose link signs the volunteer in on their phone.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use maud::html;
use qrcode::render::svg;
use qrcode::QrCode;
use yinling_api::tokens::secret_hash;
use yinling_api::AppState;
use yinling_ledger::{Role, TokenId, VolunteerId};
use yinling_projections::{Command, Principal};

use super::{act, form_id, genuine, Form};
use crate::layout::{needs_sign_in, not_for_you, page, raw, refusal, Frame};
use crate::session::Viewer;

/// Cards printed in one go.
pub const MAX_CARDS: usize = 100;

fn coordinator(viewer: &Viewer) -> Result<yinling_ledger::TeamId, Response> {
    match viewer.session.as_ref().map(|s| s.principal) {
        Some(Principal::Coordinator(_, t)) => Ok(t),
        Some(_) => Err(not_for_you(viewer)),
        None => Err(needs_sign_in(viewer)),
    }
}

/// `/team/cards`: choose whose cards to print.
pub async fn choose(State(app): State<AppState>, viewer: Viewer) -> Response {
    let team = match coordinator(&viewer) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let members: Vec<(VolunteerId, String)> = {
        let state = app.engine.read();
        let mut m: Vec<_> = state
            .teams
            .get(&team)
            .map(|t| {
                t.members
                    .iter()
                    .filter_map(|id| state.volunteers.get(id).map(|v| (v.id, v.name.clone())))
                    .collect()
            })
            .unwrap_or_default();
        m.sort_by(|a, b| a.1.cmp(&b.1));
        m
    };
    let csrf = viewer
        .session
        .as_ref()
        .map(|s| s.csrf())
        .unwrap_or_default();
    page(
        Frame { viewer: &viewer, title: l.t("打印积分卡", "Print points cards").into(), back: Some("/team"), as_of: None },
        html! {
            p { (l.t("选好要打印的志愿者。每张卡上有一个二维码，志愿者用手机一扫就能登录。卡丢了请告诉管理员停用。", "Choose whose cards to print. Each card has a QR code that signs the volunteer in. If a card is lost, ask an administrator to stop it.")) }
            form method="post" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="form_id" value=(form_id());
                @for (id, name) in &members {
                    div.pick data-name=(name) style="grid-template-columns: auto 1fr" {
                        input type="checkbox" name="v" value=(id) id={ "c-" (id) };
                        label for={ "c-" (id) } { (name) }
                    }
                }
                button.big type="submit" { (l.t("生成积分卡", "Make the cards")) }
            }
        },
    )
    .into_response()
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// Issues a sign-in token for each chosen volunteer and shows the printable cards.
pub async fn print(
    State(app): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let base = base_url(&headers);
    let chosen: Vec<VolunteerId> = form
        .all("v")
        .into_iter()
        .filter_map(|v| v.parse().ok())
        .take(MAX_CARDS)
        .collect();
    let mut cards = Vec::new();
    for (i, volunteer_id) in chosen.iter().enumerate() {
        let token_id = TokenId::generate();
        let secret = app.mint.secret(&token_id);
        let command = Command::IssueToken(yinling_projections::NewToken {
            token_id,
            role: Role::Volunteer,
            team_id: None,
            volunteer_id: Some(*volunteer_id),
            secret_sha256: secret_hash(&secret),
            label: "积分卡".into(),
        });
        // Each card is its own command; the form id plus the position keeps a re-submit harmless.
        let per_card = Form::with_suffix(&form, i);
        let issued = match act(&app, &session.principal, &per_card, command).await {
            Ok(envelopes) => envelopes,
            Err(e) => return refusal(&viewer, "/team/cards", &e),
        };
        let token_id = match issued.first().map(|e| &e.payload) {
            Some(yinling_ledger::Event::TokenIssued(t)) => t.token_id,
            _ => token_id,
        };
        let link = format!("{base}/card/{}", app.mint.secret(&token_id));
        let qr = QrCode::new(link.as_bytes())
            .map(|code| {
                code.render::<svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        let (name, team) = {
            let state = app.engine.read();
            let v = state.volunteers.get(volunteer_id);
            (
                v.map(|v| v.name.clone()).unwrap_or_default(),
                v.and_then(|v| state.teams.get(&v.team_id))
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
            )
        };
        cards.push((name, team, qr, link));
    }
    page(
        Frame { viewer: &viewer, title: l.t("积分卡", "Points cards").into(), back: Some("/team/cards"), as_of: None },
        html! {
            button.big.no-print type="button" data-print hidden { (l.t("打印", "Print")) }
            @for (name, team, qr, link) in &cards {
                div.qr-card {
                    p style="font-size:1.4rem;font-weight:800" { (name) }
                    p { (team) }
                    (raw(qr.clone()))
                    p { (l.t("用手机相机扫一扫，就能看积分、换奖品。", "Scan with your phone camera to see your points and get rewards.")) }
                    p.hash.no-print { a href=(link) { (l.t("登录链接", "Sign-in link")) } }
                }
            }
        },
    )
    .into_response()
}
