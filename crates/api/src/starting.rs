//! What the port answers while the node loads its ledger. The port is bound before the load
//! (a busy port is said at once, not after a province's 45 s), and a request that came
//! meanwhile used to wait unanswered until the load was done: a monitor or a load balancer
//! saw a timeout, and a counter clerk's browser a blank page. Now each is answered at once
//! with 503 and what is happening: `/healthz` with `{"status": "starting"}`, a browser with a
//! page in Chinese that reloads itself, any other caller with a problem document; each with
//! `Retry-After` and the connection closed after it.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
/// answered meanwhile close after their one answer; as by the node's server, a client that
/// takes longer than `header_read_timeout` to send its headers is dropped, and a connection
/// past `max_connections` open at once is closed unanswered.
pub async fn answer_until(
    listener: TcpListener,
    mut loaded: oneshot::Receiver<()>,
    header_read_timeout: std::time::Duration,
    max_connections: usize,
) -> TcpListener {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections));
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed while starting");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut loaded => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service =
            hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                Ok::<_, Infallible>(answer(&request))
            });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .keep_alive(false)
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        tokio::spawn(async move {
            if crate::first_bytes::arrive_within(&stream, header_read_timeout).await {
                if let Err(e) = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "a connection while starting ended with an error");
                }
            }
            drop(permit);
        });
    }
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
