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
    let answer = forwarding
        .http
        .request(parts.method.clone(), url)
        .headers(headers)
        .body(bytes)
        .send()
        .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            // The writer may or may not have taken it: an Idempotency-Key makes the retry safe.
            // Its address and the transport's error are for the operator's log.
            tracing::warn!(error = %e, "the writer node did not answer a forwarded write");
            return ApiError::unavailable(
                "the writer node did not answer, so this change may or may not have been saved; \
                 send it again with the same Idempotency-Key header, which keeps it once",
            )
            .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    // An answer cut off after its status line is no answer: the write may or may not be in.
    let body = match answer.bytes().await {
        Ok(body) => body,
        Err(e) => {
            tracing::warn!(error = %e, "the writer node's answer to a forwarded write was cut off");
            return ApiError::unavailable(
                "the writer node's answer was cut off, so this change may or may not have been                  saved; send it again with the same Idempotency-Key header, which keeps it once",
            )
            .into_response();
        }
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
