//! Who is looking at a page: the language, and the signed-in principal from the session
//! cookie (the same tokens as the API, stored hex-encoded in an HttpOnly, SameSite=Strict
//! cookie). Forms carry a CSRF token derived from the session secret.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use yinling_app::App;
use yinling_projections::Principal;

use crate::i18n::Lang;
pub use crate::limits::SESSION_MAX_AGE_SECONDS;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "yl_session";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "yl_lang";

/// A signed-in session.
#[derive(Clone, Debug)]
pub struct Session {
    /// Who.
    pub principal: Principal,
    /// The token secret (needed to derive the CSRF token; never shown).
    secret: String,
}

impl Session {
    /// The CSRF token of this session's forms.
    pub fn csrf(&self) -> String {
        csrf_for(&self.secret)
    }

    /// Whether this session was signed in with `secret` (a card opened by the person
    /// already signed in needs no question).
    pub fn is_of(&self, secret: &str) -> bool {
        same_text(&self.secret, secret)
    }

    /// Checks a submitted CSRF token.
    pub fn check_csrf(&self, submitted: &str) -> bool {
        same_text(&self.csrf(), submitted)
    }
}

/// The CSRF token of a session secret: unguessable without the cookie, stable for the session.
pub fn csrf_for(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"yinling-csrf\0");
    h.update(secret.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The viewer of a page.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Page language.
    pub lang: Lang,
    /// The session, if signed in.
    pub session: Option<Session>,
    /// True when the browser says the request came from another site.
    pub cross_site: bool,
    /// True on a cluster's read replica out of touch with the log
    /// ([`App::out_of_touch`]): nobody is signed in on it until it is back, and the sign-in
    /// page says why.
    pub out_of_touch: bool,
}

impl Viewer {
    /// Someone whose session is not looked up (a page made outside a handler, for a request
    /// it refused): the language of their cookie, signed in or not.
    pub fn anonymous(headers: &HeaderMap) -> Viewer {
        Viewer {
            lang: cookie(headers, LANG_COOKIE)
                .map(Lang::parse)
                .unwrap_or_default(),
            session: None,
            cross_site: false,
            out_of_touch: false,
        }
    }

    /// The CSRF token a page's forms carry (empty for someone not signed in, whose forms
    /// are refused anyway).
    pub fn csrf(&self) -> String {
        self.session.as_ref().map(|s| s.csrf()).unwrap_or_default()
    }
}

/// Whether two secrets are the same, in a time that does not depend on where they differ
/// (only on their lengths, which are not secret).
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of the cookie `name` in a request's headers, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Resolves a token secret to a principal (live tokens only).
pub fn principal_of(app: &App, secret: &str) -> Option<Principal> {
    app.authenticate(secret)
}

impl FromRequestParts<App> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .map(Lang::parse)
            .unwrap_or_default();
        let out_of_touch = app.out_of_touch().is_some();
        let session = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|_| !out_of_touch)
            .and_then(|hexed| hex::decode(hexed).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|secret| {
                principal_of(app, &secret).map(|principal| Session { principal, secret })
            });
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        Ok(Viewer {
            lang,
            session,
            cross_site,
            out_of_touch,
        })
    }
}

/// The Set-Cookie value that signs a browser in with `secret`; `Secure` when people reach
/// the service over https (the browser then never sends the session in clear text).
pub fn sign_in_cookie(app: &App, secret: &str) -> HeaderValue {
    let secure = if app.public_url.as_ref().is_some_and(|u| u.is_https()) {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_MAX_AGE_SECONDS}{secure}",
        hex::encode(secret.as_bytes())
    );
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("yl_session=; Path=/"))
}

/// The Set-Cookie value that signs a browser out.
pub fn sign_out_cookie() -> HeaderValue {
    HeaderValue::from_static("yl_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The Set-Cookie value of the language choice (a year).
pub fn lang_cookie(lang: Lang) -> HeaderValue {
    match lang {
        Lang::Zh => {
            HeaderValue::from_static("yl_lang=zh; Path=/; SameSite=Strict; Max-Age=31536000")
        }
        Lang::En => {
            HeaderValue::from_static("yl_lang=en; Path=/; SameSite=Strict; Max-Age=31536000")
        }
    }
}
