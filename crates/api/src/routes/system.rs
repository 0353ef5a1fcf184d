//! Liveness, metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use yinling_app::engine::{ChainWalk, FoundBy};
use yinling_app::App;

/// Liveness, and whether the ledger takes writes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// "ok"; or "writes_refused" (with HTTP 503) when the log takes no more writes until the
    /// service is restarted (its disk failed a sync it could not undo; the server's log says
    /// which) or at all (a check found it damaged: `log_damage`): reads go
    /// on, every change is refused; or "out_of_touch" (503) on a cluster's
    /// read replica that has not heard from the log for three leases' time to live (15 s at least): it answers
    /// no signed-in request until it is back in touch. While the node is still loading its
    /// ledger the port answers `{"status": "starting"}` (503, no other field) instead
    /// (`crate::starting`).
    pub status: String,
    /// The head seq this node's answers reflect: its folded state (on a read replica this
    /// can trail the log; on the writer it is the durable head).
    pub seq: u64,
    /// The snapshot this process started from, if any.
    pub started_from_snapshot: Option<u64>,
    /// Events folded at startup after the snapshot.
    pub replayed_at_start: u64,
    /// The first event whose hash link was checked at startup: 1 when the whole chain was,
    /// the event after the snapshot when only the tail was (`serve --verify-tail`), absent
    /// when none was (`--skip-verify`). Events before it are walked after the start
    /// (`chain_walk`) and by `yinling verify`.
    pub chain_checked_from: Option<u64>,
    /// After a start that checked only the tail: the walk of the whole chain the node runs
    /// as it serves. Absent (null) when the start checked the whole chain, or nothing.
    pub chain_walk: Option<ChainWalkOut>,
    /// The first damaged event found while the node serves, by the walk after a tail start
    /// or an audit's walk (`GET /v1/audit/verify`): every change is refused from then on and
    /// `status` is "writes_refused". Absent (null) while none was found.
    pub log_damage: Option<LogDamageOut>,
}

/// Damage found in the log while the node serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogDamageOut {
    /// The first damaged event.
    pub seq: u64,
    /// What is wrong with it.
    pub detail: String,
    /// Which check found it: "chain_walk" (the walk after a tail start) or "audit".
    pub found_by: String,
}

/// The walk of the whole chain after a start that checked only its tail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainWalkOut {
    /// "walking"; "done"; "damaged" (the log is damaged at `damaged_at`: every change is
    /// refused and `status` is "writes_refused"); "failed" (the log could not be read: the
    /// events before the snapshot stay unchecked, `detail` says why); or "stopped" (the
    /// service is shutting down).
    pub state: String,
    /// Every event from the first to this one is checked (0 before the first chunk).
    pub checked_through: u64,
    /// The event the walk goes to: the log's head when it began.
    pub head: u64,
    /// How long the walk took, once done.
    pub seconds: Option<f64>,
    /// The first damaged event, once found.
    pub damaged_at: Option<u64>,
    /// What is wrong with it, or why the walk could not read the log.
    pub detail: Option<String>,
}

impl ChainWalkOut {
    fn of(walk: ChainWalk, head: u64) -> Self {
        let mut out = ChainWalkOut {
            state: String::new(),
            checked_through: 0,
            head,
            seconds: None,
            damaged_at: None,
            detail: None,
        };
        match walk {
            ChainWalk::Walking {
                checked_through,
                head,
            } => {
                out.state = "walking".into();
                (out.checked_through, out.head) = (checked_through, head);
            }
            ChainWalk::Done { head, elapsed } => {
                out.state = "done".into();
                (out.checked_through, out.head) = (head, head);
                out.seconds = Some(elapsed.as_secs_f64());
            }
            ChainWalk::Damaged { seq, detail } => {
                out.state = "damaged".into();
                out.checked_through = seq.saturating_sub(1);
                (out.damaged_at, out.detail) = (Some(seq), Some(detail));
            }
            ChainWalk::Failed(why) => {
                out.state = "failed".into();
                out.detail = Some(why);
            }
            ChainWalk::Stopped => out.state = "stopped".into(),
        }
        out
    }
}

/// Liveness (anyone): 200 while the service can take changes, 503 while its log refuses
/// them or its writer has stopped, so a monitor that only looks at the status code still
/// sees a full disk or a dead writer. (On the
/// default engine; a cluster node's log is the cluster's, watched by its own monitoring.)
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(app): State<App>) -> (StatusCode, Json<Health>) {
    let refused = app
        .engine
        .store()
        .and_then(|s| s.writes_refused())
        .or_else(|| app.engine.damage_refusal())
        .or_else(|| {
            app.engine.writer_stopped().then(|| {
                "the ledger's writer has stopped (its thread ended; see the log)".to_owned()
            })
        });
    // Said once in the log, not at every probe of a monitor.
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if let Some(why) = &refused {
        if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::error!(%why, "health check: the log refuses writes");
        }
    }
    let (code, status) = match (refused, app.out_of_touch()) {
        (Some(_), _) => (StatusCode::SERVICE_UNAVAILABLE, "writes_refused"),
        (None, Some(_)) => (StatusCode::SERVICE_UNAVAILABLE, "out_of_touch"),
        (None, None) => (StatusCode::OK, "ok"),
    };
    (
        code,
        Json(Health {
            status: status.into(),
            seq: app.engine.read().head.seq,
            started_from_snapshot: app.engine.startup().snapshot_seq,
            replayed_at_start: app.engine.startup().replayed_events,
            chain_checked_from: app.engine.startup().checked_from,
            chain_walk: app
                .engine
                .chain_walk()
                .map(|w| ChainWalkOut::of(w, app.engine.startup().head.seq)),
            log_damage: app.engine.damage().map(|d| LogDamageOut {
                seq: d.seq,
                detail: d.detail,
                found_by: match d.by {
                    FoundBy::ChainWalk => "chain_walk",
                    FoundBy::Audit => "audit",
                }
                .into(),
            }),
        }),
    )
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
