//! Liveness, metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use yinling_app::App;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok" when the service answers.
    pub status: String,
    /// The durable head seq.
    pub seq: u64,
    /// The snapshot this process started from, if any.
    pub started_from_snapshot: Option<u64>,
    /// Events folded at startup after the snapshot.
    pub replayed_at_start: u64,
    /// The first event whose hash link was checked at startup: 1 when the whole chain was,
    /// the event after the snapshot when only the tail was (`serve --verify-tail`), absent
    /// when none was (`--skip-verify`). Events before it are checked by `yinling verify`.
    pub chain_checked_from: Option<u64>,
}

/// Liveness (anyone).
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz(State(app): State<App>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        seq: app.engine.log().head().seq,
        started_from_snapshot: app.engine.startup().snapshot_seq,
        replayed_at_start: app.engine.startup().replayed_events,
        chain_checked_from: app.engine.startup().checked_from,
    })
}

/// Prometheus metrics in text format (anyone).
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
}
