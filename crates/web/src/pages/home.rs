//! The front door: sign-in by card link or token, sign-out, language.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use yinling_app::App;

use super::{genuine, home_of, Form};
use crate::i18n::Lang;
use crate::layout::{page, page_with, Frame};
use crate::session::{lang_cookie, principal_of, sign_in_cookie, sign_out_cookie, Viewer};

/// The home page: where to start, or how to sign in.
pub async fn home(viewer: Viewer) -> Response {
    if let Some(s) = &viewer.session {
        return Redirect::to(home_of(&s.principal)).into_response();
    }
    let l = viewer.lang;
    page(
        Frame { viewer: &viewer, title: l.t("银领积分", "Yinling points").into(), back: None, as_of: None },
        html! {
            p { (l.t("志愿服务换积分，积分到“银领共富 e站”换松阳农产品或银行利率优惠。", "Volunteer service earns points; points buy farm products from 松阳 or a better bank rate at the e-station.")) }
            section.card {
                h2 { (l.t("我是志愿者", "I am a volunteer")) }
                p { (l.t("请用手机相机扫描您积分卡上的二维码，就能登录，不用输入密码。", "Scan the QR code on your points card with your phone camera. No password needed.")) }
                p.muted { (l.t("没有积分卡？请找您的队长（协调员）打印一张。", "No card? Ask your team coordinator to print one.")) }
            }
            section.card {
                h2 { (l.t("我是工作人员", "I am staff")) }
                form method="post" action="/login" {
                    label for="token" { (l.t("登录口令", "Access token")) }
                    input #token name="token" type="password" autocomplete="current-password" required;
                    button.big type="submit" { (l.t("登录", "Sign in")) }
                }
            }
        },
    )
    .into_response()
}

fn signed_in(app: &App, to: &str, secret: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, sign_in_cookie(app, secret));
    response
}

/// Staff sign-in with a token (posted once; the cookie keeps it). Only this site's own form:
/// a post from another site could sign a visitor's browser in as the other site's token and
/// have them type into an account not theirs. A browser that sends no `Sec-Fetch-Site` is
/// judged by its `Origin` (else `Referer`).
pub async fn login(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let l = viewer.lang;
    let token = form.text("token");
    if !this_sites_form(&headers) {
        return crate::layout::not_for_you(&viewer);
    }
    match principal_of(&app, &token) {
        Some(p) => signed_in(&app, home_of(&p), &token),
        None => page_with(
            StatusCode::UNAUTHORIZED,
            Frame {
                viewer: &viewer,
                title: l.t("口令不对", "Token not accepted").into(),
                back: Some("/"),
                as_of: None,
            },
            html! {
                p.error role="alert" { (l.t("这个口令不对，或者已经停用了。请向管理员要一个新的。", "This token is wrong or has been revoked. Ask an administrator for a new one.")) }
                a.button.big href="/" { (l.t("再试一次", "Try again")) }
            },
        ),
    }
}

/// The link on a volunteer's card: signs the phone in and opens their page.
pub async fn card_login(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Response {
    let l = viewer.lang;
    // Opened by the person themself: a scan or a typed address (`none`), or a link of this
    // site. A link from another site, or a browser that does not say, could be someone
    // signing a visitor in as whoever's card it is.
    let opened_here = matches!(fetch_site(&headers), Some("none" | "same-origin"));
    match principal_of(&app, &secret) {
        // Someone else is signed in on this browser (the counter's phone scanning a card),
        // or the link may come from elsewhere: asked first, never replaced without a word.
        Some(p) if !opened_here || viewer.session.as_ref().is_some_and(|s| !s.is_of(&secret)) => {
            let card_holder = match &p {
                yinling_projections::Principal::Volunteer(_, v) => app
                    .engine
                    .read()
                    .volunteers
                    .get(v)
                    .map(|v| yinling_projections::personal::masked(&v.name))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            page(
                Frame {
                    viewer: &viewer,
                    title: l.t("用这张卡登录吗？", "Sign in with this card?").into(),
                    back: Some("/"),
                    as_of: None,
                },
                html! {
                    @if viewer.session.is_some() {
                        p.note role="status" { (l.t("这台手机（电脑）上已经有人登录了。用这张卡登录，会换成卡上的人；刚才的人要重新登录。", "Someone is already signed in on this phone or computer. Signing in with this card switches to the card's holder; the other person will have to sign in again.")) }
                    }
                    p { (l.s(format!("积分卡：{card_holder}"), format!("Card of: {card_holder}"))) }
                    form method="post" action={ "/card/" (secret) } {
                        button.big type="submit" { (l.t("用这张卡登录", "Sign in with this card")) }
                    }
                    a.button.plain href="/" { (l.t("不用了", "No, go back")) }
                },
            )
            .into_response()
        }
        Some(p) => signed_in(&app, home_of(&p), &secret),
        None => page_with(
            StatusCode::UNAUTHORIZED,
            Frame {
                viewer: &viewer,
                title: l.t("这张卡不能用了", "This card no longer works").into(),
                back: None,
                as_of: None,
            },
            html! {
                p.error role="alert" { (l.t("这张积分卡已经停用。请找队长重新打印一张。", "This points card has been stopped. Ask your coordinator to print a new one.")) }
            },
        ),
    }
}

/// The card's sign-in, confirmed on the page [`card_login`] showed: a form of this site
/// only (a post from another site could sign a visitor in as someone else).
pub async fn card_login_confirmed(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Response {
    if !this_sites_form(&headers) {
        return crate::layout::not_for_you(&viewer);
    }
    match principal_of(&app, &secret) {
        Some(p) => signed_in(&app, home_of(&p), &secret),
        None => Redirect::to(&format!("/card/{secret}")).into_response(),
    }
}

/// Whether a post comes from this site's own form: the browser says so (`Sec-Fetch-Site:
/// same-origin`; a sibling subdomain is `same-site` and refused), or, for one that does not
/// say, its `Origin` (else `Referer`) is this host. For the posts that carry no CSRF token
/// because nobody is signed in yet (a sign-in, a confirmation by code).
pub(crate) fn this_sites_form(headers: &HeaderMap) -> bool {
    match fetch_site(headers) {
        Some(site) => site == "same-origin",
        None => from_this_host(headers),
    }
}

/// The browser's `Sec-Fetch-Site`, if it sent one.
fn fetch_site(headers: &HeaderMap) -> Option<&str> {
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
}

/// Whether the request's `Origin` (else its `Referer`) names the host it was sent to.
fn from_this_host(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.split('/').next().unwrap_or(rest));
    matches!((host, source), (Some(h), Some(s)) if h.eq_ignore_ascii_case(s))
}

/// Signs out.
pub async fn logout(viewer: Viewer, form: Form) -> Response {
    if let Err(r) = genuine(&viewer, &form) {
        return r;
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, sign_out_cookie());
    response
}

/// Switches the language and returns to the page the user came from (same site only).
pub async fn switch_language(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/lang/"))
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&back).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, lang_cookie(Lang::parse(&code)));
    response
}
