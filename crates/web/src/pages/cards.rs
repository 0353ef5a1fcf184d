//! Printing points cards: a QR code whose link signs the volunteer in on their phone.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use qrcode::render::svg;
use qrcode::QrCode;
use yinling_app::answers::ReplacedToken;
use yinling_app::mint::secret_hash;
use yinling_app::reports::tokens::tokens_out;
use yinling_app::{input, App, AppError};
use yinling_ledger::{Role, TokenId, TokenIssued, VolunteerId};
use yinling_projections::access::{self, Write};
use yinling_projections::Command;

use super::{act, genuine, may_write, see_other, Form};
use crate::layout::{needs_sign_in, not_for_you, page, raw, refusal, Frame};
pub use crate::limits::MAX_CARDS;
use crate::session::Viewer;

/// `?team=`: a district coordinator names one of the district's teams.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TeamParam {
    /// The team.
    pub team: Option<String>,
}

/// The team whose volunteers' cards these pages are about: a coordinator's own, or the one
/// a district coordinator names; the access policy must let them issue its cards.
fn coordinator(viewer: &Viewer, asked: Option<&str>) -> Result<yinling_ledger::TeamId, Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(needs_sign_in(viewer));
    };
    let named = asked.and_then(|t| t.parse::<yinling_ledger::TeamId>().ok());
    let team = access::own_team(&session.principal)
        .or(named.filter(|t| access::covers_team(&session.principal, t)))
        .ok_or_else(|| not_for_you(viewer))?;
    may_write(viewer, &Write::IssueToken(Role::Volunteer, Some(team)))?;
    Ok(team)
}

/// `/team/cards`: choose whose cards to print (`?team=` for a district coordinator).
pub async fn choose(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<TeamParam>,
) -> Response {
    let team = match coordinator(&viewer, q.team.as_deref()) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let issued = {
        let state = app.engine.read();
        let Some(session) = viewer.session.as_ref() else {
            return not_for_you(&viewer);
        };
        tokens_out(&state, &session.principal, Some(team), false, |id| {
            app.last_used(id)
        })
    };
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
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("打印积分卡", "Print points cards").into(), back: Some("/team"), as_of: None },
        html! {
            @if app.public_url.is_none() {
                p.error role="alert" { (l.t("还没有设置本站的对外网址，现在不能打印积分卡。请管理员用 --public-url 重新启动服务。", "This service does not know the address people reach it at, so cards cannot be printed yet. Ask the administrator to restart it with --public-url.")) }
            }
            p { (l.t("选好要打印的志愿者。每张卡上有一个二维码，志愿者用手机一扫就能登录。卡丢了，在下面的名单里点「挂失并补发」：旧卡马上作废，新卡当场打印。", "Choose whose cards to print. Each card has a QR code that signs the volunteer in. If a card is lost, press \"Stop and replace\" in the list below: the old card stops at once and the new one prints.")) }
            form method="post" {
                (super::form_fields(&csrf))
                @for (id, name) in &members {
                    div.pick data-name=(name) style="grid-template-columns: auto 1fr" {
                        input type="checkbox" name="v" value=(id) id={ "c-" (id) };
                        label for={ "c-" (id) } { (name) }
                    }
                }
                button.big type="submit" { (l.t("生成积分卡", "Make the cards")) }
            }
            h2 { (l.s(format!("已发的积分卡（{}）", issued.len()), format!("Cards issued ({})", issued.len()))) }
            ul.list {
                @for t in &issued {
                    li {
                        div.row { strong { (t.volunteer_name.clone().unwrap_or_default()) } span { (t.issued_at.get(..10).unwrap_or_default()) } }
                        p.muted {
                            (super::tokens::last_used_words(l, &app, &t.id))
                        }
                        form method="post" action={ "/team/cards/" (t.id) "/replace" } {
                            (super::form_fields(&csrf))
                            button.big.plain type="submit" { (l.s(format!("{} 的卡挂失并补发", t.volunteer_name.clone().unwrap_or_default()), format!("Stop and replace {}'s card", t.volunteer_name.clone().unwrap_or_default()))) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// Issues a sign-in token for each chosen volunteer and shows the printable cards.
pub async fn print(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Without the public address there is nothing to print: say so before issuing anything.
    if let Err(e) = app.card_link("") {
        return refusal(&viewer, "/team/cards", &e);
    }
    let ticked = form.all("v");
    // More than a sheet's worth is refused whole, not cut short without a word.
    if ticked.len() > MAX_CARDS {
        let detail = format!(
            "{} volunteers were chosen; at most {MAX_CARDS} cards are printed at a time, choose fewer and print the rest next",
            ticked.len()
        );
        let refused = yinling_app::AppError::invalid("too_many_cards", detail);
        return refusal(&viewer, "/team/cards", &refused);
    }
    let mut chosen: Vec<VolunteerId> = Vec::new();
    for (i, v) in ticked.into_iter().enumerate() {
        match input::id(&format!("v[{i}]"), v) {
            Ok(id) => chosen.push(id),
            Err(r) => return refusal(&viewer, "/team/cards", &r.into()),
        }
    }
    let mut cards = Vec::new();
    for (i, volunteer_id) in chosen.iter().enumerate() {
        let token_id = TokenId::generate();
        let secret = app.mint.secret(&token_id);
        let command = Command::IssueToken(yinling_projections::NewToken {
            token_id,
            role: Role::Volunteer,
            team_id: None,
            volunteer_id: Some(*volunteer_id),
            scope: None,
            secret_sha256: secret_hash(&secret),
            label: "积分卡".into(),
            last_day: None,
        });
        // Each card is its own command; the form id plus the position keeps a re-submit harmless.
        let per_card = Form::with_suffix(&form, i);
        let issued = match act::<TokenIssued>(&app, &session.principal, &per_card, command).await {
            Ok(w) => w.answer,
            Err(e) => return refusal(&viewer, "/team/cards", &e),
        };
        match card(&app, volunteer_id, &issued.token_id) {
            Ok(c) => cards.push(c),
            Err(e) => return refusal(&viewer, "/team/cards", &e),
        }
    }
    cards_page(&viewer, &cards)
}

/// A QR code of `text` as inline SVG (empty if the text is too long for a QR code).
pub(super) fn qr_svg(text: &str) -> String {
    QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// One printable card: the holder's name and team, the QR code of the sign-in link, the link.
pub(super) type Card = (String, String, String, String);

/// The printable card of `token` for `volunteer_id`.
pub(super) fn card(
    app: &App,
    volunteer_id: &VolunteerId,
    token: &TokenId,
) -> Result<Card, AppError> {
    let link = app.card_link(&app.mint.secret(token))?;
    let qr = qr_svg(&link);
    let state = app.engine.read();
    let v = state.volunteers.get(volunteer_id);
    let name = v.map(|v| v.name.clone()).unwrap_or_default();
    let team = v
        .and_then(|v| state.teams.get(&v.team_id))
        .map(|t| t.name.clone())
        .unwrap_or_default();
    Ok((name, team, qr, link))
}

/// The page of printable cards.
pub(super) fn cards_page(viewer: &Viewer, cards: &[Card]) -> Response {
    let l = viewer.lang;
    page(
        Frame { viewer, title: l.t("积分卡", "Points cards").into(), back: Some("/team/cards"), as_of: None },
        html! {
            button.big.no-print type="button" data-print hidden { (l.t("打印", "Print")) }
            @for (name, team, qr, link) in cards {
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

/// Stops a lost card and prints its replacement, in one step.
pub async fn replace(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Without the public address there is nothing to print: say so before stopping anything.
    if let Err(e) = app.card_link("") {
        return refusal(&viewer, "/team/cards", &e);
    }
    let old: TokenId = match input::id("card", &id) {
        Ok(t) => t,
        Err(e) => return refusal(&viewer, "/team/cards", &e.into()),
    };
    let command = app.replace_token(old, String::new());
    let replaced = match act::<ReplacedToken>(&app, &session.principal, &form, command).await {
        Ok(w) => w.answer,
        Err(e) => return refusal(&viewer, "/team/cards", &e),
    };
    let Some(volunteer_id) = replaced.issued.issued.volunteer_id else {
        return see_other("/team/cards");
    };
    match card(&app, &volunteer_id, &replaced.issued.issued.token_id) {
        Ok(c) => cards_page(&viewer, &[c]),
        Err(e) => refusal(&viewer, "/team/cards", &e),
    }
}
