//! A request that carries a PIN keeps, beside its Idempotency-Key, a digest keyed with the
//! mint key: the request's own digest is SHA-256 of its method, path and body, and the PIN is
//! the only part of that body not known from the log, so a plain digest would give it away to
//! whoever tries the ten thousand four-digit PINs against it.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;
use yinling_api::router;
use yinling_ledger::Hash;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_kept_with_a_pin_requests_key_is_keyed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = open(tmp.path()).await;
    let (status, _, team) = send(
        &app,
        "POST",
        "/v1/teams",
        Some(serde_json::json!({"name": "递铺银龄队", "district": "安吉县", "category": "mediation"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let (status, _, volunteer) = send(
        &app,
        "POST",
        "/v1/volunteers",
        Some(serde_json::json!({"name": "吴桂花", "team_id": team["id"], "birth_year": 1950})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{volunteer}");
    let path = format!(
        "/v1/volunteers/{}/pin",
        volunteer["id"].as_str().expect("id")
    );
    let body = r#"{"pin":"2468"}"#;
    let put = || {
        Request::builder()
            .method("PUT")
            .uri(&path)
            .header("authorization", format!("Bearer {ADMIN}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "pin-1")
            .body(Body::from(body))
            .expect("request")
    };
    for _ in 0..2 {
        let response = router(app.clone()).oneshot(put()).await.expect("response");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the first, then its retry"
        );
    }

    let plain = Hash::of(format!("PUT {path}\n{body}").as_bytes());
    let admin = app.authenticate(ADMIN).expect("the administrator");
    let key = yinling_app::idempotency::scoped(&admin, "pin-1", plain).key;
    let kept = app
        .engine
        .log()
        .idempotency(&key)
        .expect("lookup")
        .expect("the key is kept");
    assert_ne!(
        kept.request_digest, plain,
        "the body's plain digest gives the PIN away"
    );
    assert_eq!(kept.request_digest, app.mint.keyed_request_digest(&plain));
}
