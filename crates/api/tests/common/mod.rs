//! The real engine on a temp directory and the real router, in process: requests through
//! `tower::ServiceExt::oneshot`, as an administrator.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use yinling_api::router;
use yinling_app::metrics::Metrics;
use yinling_app::mint::TokenMint;
use yinling_app::node::bootstrap_admin;
use yinling_app::{App, Engine, EngineConfig};

pub const ADMIN: &str = "fault-test-admin-token";

pub async fn open(dir: &std::path::Path) -> App {
    open_with(dir, EngineConfig::new(dir)).await
}

/// [`open`] with the engine configured as `config` says.
pub async fn open_with(dir: &std::path::Path, config: EngineConfig) -> App {
    let engine = Engine::open(&config, Arc::new(Metrics::new())).expect("engine");
    let app = App::new(
        Arc::new(engine),
        Arc::new(Metrics::new()),
        TokenMint::load_or_create(dir).expect("mint"),
    );
    bootstrap_admin(&app, Some(ADMIN.into()))
        .await
        .expect("admin");
    // The county the test teams belong to (seq 2 on a fresh log; already there on a reopen).
    let (status, _, body) = send(
        &app,
        "POST",
        "/v1/districts",
        Some(serde_json::json!({"name": "安吉县", "kind": "county", "region": "湖州市"})),
    )
    .await;
    assert!(
        status == StatusCode::CREATED || status == StatusCode::CONFLICT,
        "{status} {body}"
    );
    app
}

pub async fn send(
    app: &App,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    send_as(app, ADMIN, method, path, body).await
}

/// The same, with another bearer token.
pub async fn send_as(
    app: &App,
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(b) => {
            request = request.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let response = router(app.clone())
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}
