//! Serving on a node of a cluster (several API nodes on one replicated NATS JetStream log):
//! writes that reach a read replica are forwarded to the node holding the writer lease,
//! reads may wait for a `min_seq`, and after a forwarded write the replica waits until it
//! has folded it, so a client that writes and then reads through the same node sees its own
//! write. The cluster role itself (lease, follow) is `yinling_app::cluster`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yinling_app::cluster::Cluster;

use crate::error::ApiError;
use crate::limits::{
    body_limit_for, limit_in_words, MIN_SEQ_WAIT_SECONDS, READ_YOUR_WRITE_WAIT_SECONDS,
};

/// Header marking a request one node forwarded to the writer (never forwarded again).
pub const FORWARDED_HEADER: &str = "yinling-forwarded-by";

/// What the forwarding middleware needs: the node's cluster role and an HTTP client.
#[derive(Clone)]
pub struct Forwarding {
    cluster: Arc<Cluster>,
    http: reqwest::Client,
}

impl Forwarding {
    /// Forwarding for a node of `cluster`.
    pub fn new(cluster: Arc<Cluster>) -> Result<Forwarding, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(crate::limits::FORWARD_TIMEOUT_SECONDS))
            .build()?;
        Ok(Forwarding { cluster, http })
    }
}

fn min_seq_of(query: &str) -> Option<Result<u64, String>> {
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("min_seq=")?;
        Some(
            value
                .parse()
                .map_err(|_| format!("min_seq={value:?} is not a sequence number")),
        )
    })
}

fn without_min_seq(query: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.starts_with("min_seq=") && !p.is_empty())
        .collect::<Vec<_>>()
        .join("&")
}

/// Middleware for a node of a cluster: forwards writes to the writer when this node is a
/// replica, waits for `min_seq` on reads, and after a forwarded write waits until this node
/// has folded it, so a client that writes and then reads through the same node sees its own
/// write.
pub async fn forward(
    State(forwarding): State<Forwarding>,
    request: Request,
    next: Next,
) -> Response {
    // A post of the web app's forms (every write outside the API's /v1/ paths).
    let page = !request.uri().path().starts_with("/v1/")
        && !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    let answer = forward_or_not(forwarding, request, next).await;
    if page {
        as_page(answer).await
    } else {
        answer
    }
}

/// A refusal this middleware made (problem+json) to a post of the web app, as a page a
/// person reads: a coordinator's form posted to a replica whose writer cannot be reached
/// would otherwise show a JSON document. Other answers pass unchanged.
async fn as_page(answer: Response) -> Response {
    let problem = answer
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !problem {
        return answer;
    }
    let status = answer.status();
    let bytes = axum::body::to_bytes(answer.into_body(), crate::limits::MAX_PROBLEM_BYTES)
        .await
        .unwrap_or_default();
    let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>这次没能提交</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
         <body><main id=\"main\"><h1>这次没能提交</h1>\
         <p class=\"error\" role=\"alert\">服务正在切换或暂时连不上，请稍等片刻，再点一次提交。\
         同一张表再提交一次不会重复记录。</p><p lang=\"en\">{}</p>\
         <p><a class=\"button big\" href=\"/\">⌂ 首页</a></p></main></body></html>",
        escape(&detail)
    );
    let mut page = Response::new(Body::from(html));
    *page.status_mut() = status;
    page.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    page
}

/// Text as HTML shows it.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn forward_or_not(forwarding: Forwarding, request: Request, next: Next) -> Response {
    let cluster = &forwarding.cluster;
    let engine = cluster.engine();
    let (mut parts, body) = request.into_parts();
    // Reads: `min_seq=N` waits until this node has folded event N.
    if let Some(query) = parts.uri.query().map(str::to_owned) {
        if let Some(wanted) = min_seq_of(&query) {
            let seq = match wanted {
                Ok(seq) => seq,
                Err(detail) => return ApiError::bad_request("bad_min_seq", detail).into_response(),
            };
            if !engine
                .wait_for(seq, Duration::from_secs(MIN_SEQ_WAIT_SECONDS))
                .await
            {
                return ApiError::unavailable(format!(
                    "this node has not yet received event {seq} (it is at {}); retry shortly",
                    engine.read().head.seq
                ))
                .into_response();
            }
            let rest = without_min_seq(&query);
            let path = parts.uri.path().to_owned();
            let uri = if rest.is_empty() {
                path
            } else {
                format!("{path}?{rest}")
            };
            if let Ok(uri) = uri.parse() {
                parts.uri = uri;
            }
        }
    }
    let is_write = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !is_write || engine.is_writer() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    if parts.headers.contains_key(FORWARDED_HEADER) {
        return ApiError::unavailable(
            "the writer role is moving between nodes; nothing was saved, retry shortly",
        )
        .into_response();
    }
    let Some(writer) = cluster.writer_url() else {
        return ApiError::unavailable(
            "no node holds the writer role right now (one takes over within seconds); nothing was saved, retry shortly",
        )
        .into_response();
    };
    let limit = body_limit_for(parts.uri.path());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is larger than the {} limit",
                limit_in_words(limit)
            ),
        )
        .into_response()
    };
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(),
    };
    let url = format!(
        "{}{}",
        writer.trim_end_matches('/'),
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut headers = HeaderMap::new();
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Ok(me) = HeaderValue::from_str(&cluster.config().node_id) {
        headers.insert(FORWARDED_HEADER, me);
    }
    let (status, headers, body) =
        match relay(&forwarding.http, parts.method.clone(), url, headers, bytes).await {
            Ok(answer) => answer,
            Err(refusal) => return refusal,
        };
    if let Some(seq) = headers
        .get("ledger-seq")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        let _ = engine
            .wait_for(seq, Duration::from_secs(READ_YOUR_WRITE_WAIT_SECONDS))
            .await;
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in headers.iter() {
        if name != axum::http::header::TRANSFER_ENCODING
            && name != axum::http::header::CONNECTION
            && name != axum::http::header::CONTENT_LENGTH
        {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// Sends a write to the writer and reads its whole answer. Without a whole answer, the write
/// may or may not have been saved, and the caller is told so (never an empty success).
async fn relay(
    http: &reqwest::Client,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, HeaderMap, axum::body::Bytes), Response> {
    let answer = match http
        .request(method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
    {
        Ok(a) => a,
        Err(e) => {
            // The writer may or may not have taken it: an Idempotency-Key makes the retry safe.
            // The transport's error is for the operator's log, without the address: a card's
            // or a confirmation's link carries its secret.
            let e = e.without_url();
            tracing::warn!(error = %e, "the writer node did not answer a forwarded write");
            return Err(ApiError::unavailable(
                "the writer node did not answer, so this change may or may not have been saved; \
                 send it again with the same Idempotency-Key header, which keeps it once",
            )
            .into_response());
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    // An answer cut off after its status line is no answer: the write may or may not be in.
    match answer.bytes().await {
        Ok(body) => Ok((status, headers, body)),
        Err(e) => {
            let e = e.without_url();
            tracing::warn!(error = %e, "the writer node's answer to a forwarded write was cut off");
            Err(ApiError::unavailable(
                "the writer node's answer was cut off, so this change may or may not have been \
                 saved; send it again with the same Idempotency-Key header, which keeps it once",
            )
            .into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal of this middleware to a web form's post reads as a page, in Chinese first,
    /// with the detail escaped; an API answer or a page passes unchanged.
    #[tokio::test]
    async fn a_refusal_to_a_web_post_is_a_page() {
        let refusal =
            ApiError::unavailable("no node holds the writer role <right now>").into_response();
        let page = as_page(refusal).await;
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            page.headers()[axum::http::header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let body = axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("这次没能提交") && text.contains("&lt;right now&gt;"),
            "{text}"
        );
        let html = Response::new(Body::from("<p>ok</p>"));
        assert_eq!(as_page(html).await.status(), StatusCode::OK);
    }

    /// A writer that answers `head` and then closes the connection, once.
    async fn writer_answering(head: &'static [u8]) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/v1/activities",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move {
            if let Ok((mut socket, _)) = listener.accept().await {
                let mut request = vec![0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(head).await;
                let _ = socket.shutdown().await;
            }
        });
        url
    }

    async fn detail_of(refusal: Response) -> (StatusCode, String) {
        let status = refusal.status();
        let body = axum::body::to_bytes(refusal.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A writer that dies after its status line (a 201 whose body never comes) is no answer:
    /// the client is told the change may or may not be saved, and to retry with its key.
    #[tokio::test]
    async fn a_forwarded_answer_cut_off_is_not_a_success() {
        let http = reqwest::Client::new();
        let url = writer_answering(
            b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 400\r\nledger-seq: 12\r\n\r\n{\"id\":\"0193",
        )
        .await;
        let refusal = relay(&http, Method::POST, url, HeaderMap::new(), "{}".into())
            .await
            .expect_err("a cut-off answer is refused");
        let (status, detail) = detail_of(refusal).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            detail.contains("answer was cut off")
                && detail.contains("may or may not have been saved")
                && detail.contains("Idempotency-Key"),
            "{detail}"
        );
        // The same writer answering whole is relayed as it answered.
        let whole = writer_answering(
            b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nledger-seq: 12\r\n\r\n{}",
        )
        .await;
        let (status, headers, body) =
            relay(&http, Method::POST, whole, HeaderMap::new(), "{}".into())
                .await
                .expect("a whole answer");
        assert_eq!(
            (status, &headers["ledger-seq"], &body[..]),
            (
                StatusCode::CREATED,
                &HeaderValue::from_static("12"),
                &b"{}"[..]
            )
        );
    }

    /// A writer that closes without a word: the same caution, in its own words.
    #[tokio::test]
    async fn a_writer_that_says_nothing_is_not_a_success() {
        let http = reqwest::Client::new();
        let url = writer_answering(b"").await;
        let refusal = relay(&http, Method::POST, url, HeaderMap::new(), "{}".into())
            .await
            .expect_err("no answer is refused");
        let (status, detail) = detail_of(refusal).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            detail.contains("did not answer") && detail.contains("may or may not have been saved"),
            "{detail}"
        );
    }
}
