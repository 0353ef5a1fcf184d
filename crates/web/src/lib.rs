//! The Yinling web app: server-rendered pages for volunteers (many of them 60 to 90 years
//! old, on a phone), coordinators, the station keeper and auditors, in Chinese first.
//!
//! Every page is plain HTML that works without JavaScript for reading; a few lines of
//! progressive JavaScript (name search in the participant picker, a progress note while the
//! chain is verified) only add comfort. All assets are compiled into the binary: the service
//! works offline. Pages act through the same engine as the API (`decide` + group commit);
//! this crate holds no business rules.
//!
//! Sign-in: volunteers scan the QR code on a printed card (a volunteer token in the link);
//! staff paste their token once. The session is an HttpOnly, SameSite=Strict cookie; every
//! form carries a CSRF token derived from the session and a form id used as the
//! Idempotency-Key, so a double tap never redeems twice.

// Page guards return the page to show instead (`Result<T, Response>`), as axum handlers do;
// boxing a response to shrink the error variant would buy nothing on a request path.
#![allow(clippy::result_large_err)]

mod assets;
mod charts;
mod i18n;
mod layout;
pub mod limits;
mod pages;
mod session;
mod spreadsheet;

use axum::routing::{get, post};
use axum::Router;
use yinling_app::App;

/// Every page of the web app: no page kept by a cache, a request its extractors refuse
/// answered with a page.
pub fn router() -> Router<App> {
    pages()
        .merge(trust_routes())
        .merge(dispute_routes())
        .layer(axum::middleware::from_fn(refusals_as_pages))
        .layer(axum::middleware::map_response(not_kept))
}

/// The pages of the people who keep the ledger and of the volunteers.
fn pages() -> Router<App> {
    Router::new()
        .route("/", get(pages::home::home))
        .route("/login", post(pages::home::login))
        .route("/logout", post(pages::home::logout))
        .route("/lang/{lang}", get(pages::home::switch_language))
        .route(
            "/card/{token}",
            get(pages::home::card_login).post(pages::home::card_login_confirmed),
        )
        .route("/me", get(pages::volunteer::me))
        .route("/me/statement", get(pages::volunteer::statement))
        .route("/me/statement.csv", get(pages::inclusion::statement_csv))
        .route("/me/redemptions", get(pages::volunteer::redemptions))
        .route(
            "/me/redemptions/{id}/cancel",
            get(pages::volunteer::cancel_confirm).post(pages::volunteer::cancel),
        )
        .route("/station", get(pages::station::catalogue))
        .route(
            "/stations",
            get(pages::station::stations).post(pages::station::open_station),
        )
        .route("/stations/transfers", post(pages::station::transfer))
        .route(
            "/me/pin",
            get(pages::volunteer::pin_page).post(pages::volunteer::set_pin),
        )
        .route("/district", get(pages::district::overview))
        .route(
            "/district/activities/new",
            get(pages::district::new_activity).post(pages::district::log_activity),
        )
        .route("/bank", get(pages::bank::overview))
        .route("/bank/check", post(pages::bank::check))
        .route("/bank/use", post(pages::bank::use_voucher))
        .route("/bank/refuse", post(pages::bank::refuse))
        .route(
            "/onboard",
            get(pages::onboard::form)
                .post(pages::onboard::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    yinling_app::limits::ROSTER_UPLOAD_MAX_BYTES,
                )),
        )
        .route("/onboard/template.xlsx", get(pages::onboard::template_file))
        .route("/onboard/roster.xlsx", get(pages::onboard::roster_file))
        .route("/notice/{team}", get(pages::notice::board))
        .route("/team/statements", get(pages::paper::statements))
        .route(
            "/privacy",
            get(pages::privacy::notice).post(pages::privacy::publish),
        )
        .route("/team/volunteers/{id}/erase", post(pages::privacy::erase))
        .route("/money", get(pages::money::overview))
        .route("/money/budget", post(pages::money::set_budget))
        .route("/money/value", post(pages::money::set_value))
        .route("/money/point-value", post(pages::money::set_point_value))
        .route("/money/warning", post(pages::money::set_warning))
        .route("/money/{name}", get(pages::money::spreadsheet))
        .route("/station/{id}", get(pages::station::confirm))
        .route("/station/{id}/redeem", post(pages::station::redeem))
        .route("/rankings", get(pages::rankings::rankings))
        .route("/rules", get(pages::rules::rules))
        .route("/rules/versions", post(pages::rules::adopt))
        .route("/rules/rerating", post(pages::rules::rerate))
        .route("/policies", get(pages::policies::overview))
        .route("/policies/hold-time", post(pages::policies::hold_time))
        .route(
            "/policies/backfill-limit",
            post(pages::policies::backfill_limit),
        )
        .route(
            "/policies/backfills/{id}/approve",
            post(pages::policies::approve),
        )
        .route(
            "/policies/backfills/{id}/decline",
            post(pages::policies::decline),
        )
        .route(
            "/stars",
            get(pages::stars::overview).post(pages::stars::adopt),
        )
        .route("/stars/{volunteer}/confirm", post(pages::stars::confirm))
        .route(
            "/categories",
            get(pages::categories::list).post(pages::categories::register),
        )
        .route("/categories/{code}/rename", post(pages::categories::rename))
        .route("/categories/{code}/retire", post(pages::categories::retire))
        .route("/evaluation", get(pages::evaluation::overview))
        .route("/evaluation.csv", get(pages::evaluation::csv))
        .route("/evaluation.xlsx", get(pages::evaluation::workbook))
        .route("/projects/{id}", get(pages::evaluation::project))
        .route("/group", get(pages::group::overview))
        .route(
            "/group/activities/new",
            get(pages::group::new_activity).post(pages::group::log_activity),
        )
        .route("/group/members", post(pages::group::join))
        .route("/group/members/{team}/leave", post(pages::group::leave))
        .route("/group/projects", post(pages::group::register_project))
        .route("/team", get(pages::team::dashboard))
        .route("/team/volunteers", get(pages::team::volunteers))
        .route(
            "/team/volunteers/{id}",
            get(pages::volunteer_details::details),
        )
        .route(
            "/team/volunteers/{id}/phone",
            post(pages::volunteer_details::phone),
        )
        .route(
            "/team/volunteers/{id}/pin",
            post(pages::volunteer_details::pin),
        )
        .route(
            "/team/volunteers/new",
            get(pages::team::new_volunteer).post(pages::team::register_volunteer),
        )
        .route("/team/activities", get(pages::team::activities))
        .route(
            "/team/activities/new",
            get(pages::team::new_activity).post(pages::team::log_activity),
        )
        .route(
            "/team/activities/{id}/correct",
            get(pages::team::correct_form).post(pages::team::correct),
        )
        .route(
            "/team/activities/{id}/reverse",
            get(pages::team::reverse_form).post(pages::team::reverse),
        )
        .route(
            "/team/cards",
            get(pages::cards::choose).post(pages::cards::print),
        )
        .route("/team/cards/{id}/replace", post(pages::cards::replace))
        .route("/tokens", get(pages::tokens::overview))
        .route("/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/tokens/{id}/last-day", post(pages::tokens::set_last_day))
        .route("/tokens/{id}/replace", post(pages::tokens::replace))
        .route("/counter", get(pages::counter::queue_page))
        .route("/counter/today", get(pages::counter_day::today))
        .route("/counter/lookup", post(pages::counter::lookup))
        .route("/counter/redeem", post(pages::counter::redeem))
        .route("/counter/receipts/{id}", get(pages::counter::receipt))
        .route("/counter/{id}/fulfil", post(pages::counter::fulfil))
        .route("/counter/{id}/cancel", post(pages::counter::cancel))
        .route("/counter/rewards/{id}/restock", post(pages::shelf::restock))
        .route(
            "/counter/rewards/{id}/write-off",
            post(pages::shelf::write_off),
        )
        .route("/audit", get(pages::audit::overview))
        .route("/audit/verify", get(pages::audit::verify))
        .route("/audit/events", get(pages::audit::events))
        .route("/audit/access", get(pages::audit::access))
        .route("/assets/app.css", get(assets::css))
        .route("/assets/app.js", get(assets::js))
}

/// A request a page's extractors refused before its handler ran (a query string that does
/// not parse, `?as_of=１００`, a path id that is no id) is answered with a page in the
/// viewer's language, not the API's problem document: a person in a browser reads it.
async fn refusals_as_pages(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let viewer = session::Viewer::anonymous(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let bare = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() && bare) {
        return response;
    }
    let detail = axum::body::to_bytes(response.into_body(), limits::FORM_LIMIT_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let l = viewer.lang;
    layout::page_with(
        status,
        layout::Frame {
            viewer: &viewer,
            title: l.t("网址不对", "That address is not right").into(),
            back: Some("/"),
            as_of: None,
        },
        maud::html! {
            p.error role="alert" { (l.t("这个网址里有一项写得不对。请回到上一页，用页面上的按钮和输入框再试一次（数字请用半角，例如 100）。", "Part of this address is not right. Go back and try again with the page's buttons and boxes (digits as 0–9, e.g. 100).")) }
            p.muted lang="en" { (detail) }
        },
    )
    .into_response()
}

/// Pages and downloads hold one person's points, names, new tokens and codes: no browser or
/// proxy cache keeps them (the page that shows a new token once would otherwise be there for
/// the back button of whoever uses the counter's computer next). The style sheet and script
/// say how long they keep. No page tells another site where it came from: a card's link
/// (`/card/...`) and a confirmation's (`/confirm/...`) carry their secret in the address,
/// which a link followed from them would otherwise hand over as its `Referer`. No page is
/// shown inside another site's frame: a counter's or a coordinator's form under a page that
/// lays its own buttons over it would be pressed unseen (the cookie's SameSite stops a
/// cross-site frame from being signed in; a sibling site of the same domain is not cross-site).
async fn not_kept(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        axum::http::header::X_FRAME_OPTIONS,
        axum::http::HeaderValue::from_static("DENY"),
    );
    if !headers.contains_key(axum::http::header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    if !headers.contains_key(axum::http::header::CACHE_CONTROL) {
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Disputes: a volunteer opens one; their team's, district's or the city's staff answer.
fn dispute_routes() -> Router<App> {
    Router::new()
        .route("/me/disputes", post(pages::disputes::open_mine))
        .route("/team/disputes", get(pages::disputes::team))
        .route(
            "/team/disputes/{id}/resolve",
            post(pages::disputes::resolve),
        )
        .route("/district/disputes", get(pages::disputes::district))
        .route("/policies/disputes", get(pages::disputes::city))
        .route(
            "/policies/disputes/{id}/resolve",
            post(pages::disputes::resolve_in_city),
        )
        .route(
            "/district/disputes/{id}/resolve",
            post(pages::disputes::resolve_in_district),
        )
}

/// Confirmation by the people served (the slip, the public `/confirm` pages) and where a
/// volunteer's notices go.
fn trust_routes() -> Router<App> {
    Router::new()
        .route(
            "/team/activities/{id}/confirmation",
            get(pages::trust::codes).post(pages::trust::give_code),
        )
        .route("/team/activities/{id}/waive", post(pages::trust::waive))
        .route("/confirm", get(pages::trust::enter))
        .route("/checkpoint", get(pages::checkpoint::checkpoint))
        .route(
            "/confirm/{code}",
            get(pages::trust::show).post(pages::trust::confirm),
        )
        .route("/me/contacts", post(pages::trust::my_contacts))
        .route(
            "/team/volunteers/{id}/contacts",
            post(pages::trust::contacts_for),
        )
}
