//! What the port answers while the node loads its ledger. The port is bound before the load
//! (a busy port is said at once, not after a province's 45 s), and a request that came
//! meanwhile used to wait unanswered until the load was done: a monitor or a load balancer
//! saw a timeout, and a counter clerk's browser a blank page. Now each is answered at once
//! with 503 and what is happening: `/healthz` with `{"status": "starting"}`, a browser with a
//! page in Chinese that reloads itself, any other caller with a problem document; each with
//! `Retry-After` and the connection closed after it.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::connections::{accept_until, ConnectionLimits};
use crate::error::ApiError;
use crate::limits::STARTING_RETRY_AFTER_SECONDS;

/// The detail of the problem every API request gets while the node loads.
pub const STARTING_DETAIL: &str =
    "the service is starting: it is loading its ledger and answers in a few seconds; send the request again then (nothing was recorded)";

/// The page a browser gets while the node loads: it says so, in large type, and reloads
/// itself after [`STARTING_RETRY_AFTER_SECONDS`].
fn starting_page() -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{STARTING_RETRY_AFTER_SECONDS}\">\
         <title>系统正在启动</title>\
         <style>body{{font-size:24px;line-height:1.6;margin:2em;font-family:sans-serif}}</style>\
         </head><body><h1>系统正在启动</h1>\
         <p>请稍候，本页会在几秒后自动刷新。刚才的操作没有保存，请在页面恢复后再做一次。</p>\
         </body></html>"
    )
}

/// Answers every connection on `listener` with [`answer`] until `loaded` fires (or its
/// sender is dropped), then hands the listener back for the node's own routes. Connections
/// are taken as the node's server takes them (`connections::accept_until`, within `limits`),
/// and each closes after its one answer (`Connection: close`).
pub async fn answer_until(
    listener: TcpListener,
    loaded: oneshot::Receiver<()>,
    limits: ConnectionLimits,
) -> TcpListener {
    let router = Router::new().fallback(|request: Request<Body>| async move { answer(&request) });
    let loaded = async {
        let _ = loaded.await;
    };
    // Dropped at once: a connection still waiting for its first byte stops waiting, and
    // those being answered finish on their own.
    drop(accept_until(&listener, router, loaded, limits).await);
    listener
}

/// The answer to any request while the node loads: 503, `Retry-After`, and a body for whoever
/// asked (a monitor, a browser, an API client).
pub fn answer<B>(request: &Request<B>) -> Response<Body> {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let (content_type, body) = if request.uri().path() == "/healthz" {
        (
            HeaderValue::from_static("application/json"),
            Body::from(r#"{"status":"starting"}"#),
        )
    } else if wants_html {
        (
            HeaderValue::from_static("text/html; charset=utf-8"),
            Body::from(starting_page()),
        )
    } else {
        let problem =
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "starting", STARTING_DETAIL).problem();
        (
            HeaderValue::from_static(crate::error::PROBLEM_JSON),
            Body::from(serde_json::to_vec(&problem).unwrap_or_default()),
        )
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(STARTING_RETRY_AFTER_SECONDS),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
