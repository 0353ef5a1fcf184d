//! The server: routes and layers, connection limits, graceful shutdown. What runs behind
//! the routes (the ledger, the first administrator, hold expiry, the cluster role) is a
//! `yinling_app::Node`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use yinling_app::{App, Node, NodeConfig, OpenError};

use crate::connections::accept_until;
pub use crate::connections::ConnectionLimits;
use crate::error::{problem_for_bare_errors, ApiError};
use crate::forward::Forwarding;
use crate::limits::*;
use crate::metrics::{self, HttpMetrics};
use crate::routes::*;

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The node behind the routes.
    pub node: NodeConfig,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Limits on connections.
    pub connections: ConnectionLimits,
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The node would not start.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// Binding or serving failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Every route of the service with its layers and the default request timeout.
pub fn router(app: App) -> Router {
    router_with(
        app,
        Duration::from_secs(REQUEST_TIMEOUT_SECONDS),
        Router::new(),
    )
}

/// Every route of the service, plus `extra` routes (the web app), with its layers.
pub fn router_with(app: App, request_timeout: Duration, extra: Router<App>) -> Router {
    let api = Router::new()
        .route("/v1/teams", post(teams::create).get(teams::list))
        .route("/v1/teams/{id}", get(teams::get))
        .route(
            "/v1/volunteers",
            post(volunteers::create).get(volunteers::search),
        )
        .route("/v1/volunteers/{id}", get(volunteers::get))
        .route("/v1/volunteers/{id}/statement", get(volunteers::statement))
        .route("/v1/volunteers/{id}/move", post(volunteers::move_team))
        .route(
            "/v1/activities",
            post(activities::create).get(activities::list),
        )
        .route("/v1/activities/{id}", get(activities::get))
        .route("/v1/activities/{id}/reversal", post(activities::reverse))
        .route(
            "/v1/activities/{id}/participants/{volunteer_id}/correction",
            post(activities::correct),
        )
        .route("/v1/rules", get(rules::get_rules).put(rules::put_rules))
        .route(
            "/v1/rules/versions",
            get(rules::versions).post(rules::adopt),
        )
        .route("/v1/rerating", get(rules::preview).post(rules::rerate))
        .route(
            "/v1/categories",
            get(categories::list).post(categories::create),
        )
        .route("/v1/categories/{code}", get(categories::get))
        .route("/v1/categories/{code}/rename", post(categories::rename))
        .route("/v1/categories/{code}/retire", post(categories::retire))
        .route("/v1/stars/scale", get(stars::scale).post(stars::adopt))
        .route("/v1/policies", get(policies::get))
        .route("/v1/policies/hold-time", put(policies::hold_time))
        .route("/v1/policies/backfill-limit", put(policies::backfill_limit))
        .route("/v1/backfills", get(backfills::list))
        .route("/v1/backfills/{id}/approve", post(backfills::approve))
        .route("/v1/backfills/{id}/decline", post(backfills::decline))
        .route("/v1/stars/pending", get(stars::pending))
        .route(
            "/v1/stars/pending/{volunteer_id}/confirm",
            post(stars::confirm),
        )
        .route("/v1/rewards", post(rewards::create).get(rewards::list))
        .route("/v1/rewards/{id}/restock", post(rewards::restock))
        .route("/v1/rewards/{id}/write-off", post(rewards::write_off))
        .route("/v1/rewards/{id}/reprice", post(rewards::reprice))
        .route("/v1/rewards/{id}/retire", post(rewards::retire))
        .route(
            "/v1/redemptions",
            post(redemptions::create).get(redemptions::list),
        )
        .route("/v1/redemptions/{id}", get(redemptions::get))
        .route("/v1/redemptions/{id}/fulfil", post(redemptions::fulfil))
        .route("/v1/redemptions/{id}/cancel", post(redemptions::cancel))
        .route("/v1/rankings/teams", get(rankings::teams))
        .route("/v1/rankings/volunteers", get(rankings::volunteers))
        .route("/v1/rankings/districts", get(rankings::districts))
        .route("/v1/rankings/groups", get(rankings::groups))
        .route("/v1/stats", get(rankings::stats))
        .route(
            "/v1/districts",
            post(organisation::create_district).get(organisation::list_districts),
        )
        .route(
            "/v1/groups",
            post(organisation::create_group).get(organisation::list_groups),
        )
        .route("/v1/groups/{id}", get(organisation::get_group))
        .route(
            "/v1/groups/{id}/sub-groups",
            post(organisation::add_sub_group),
        )
        .route("/v1/groups/{id}/members", post(organisation::join_group))
        .route(
            "/v1/groups/{id}/members/{team_id}/leave",
            post(organisation::leave_group),
        )
        .route(
            "/v1/projects",
            post(organisation::create_project).get(organisation::list_projects),
        )
        .route("/v1/projects/{id}", get(organisation::get_project))
        .route(
            "/v1/projects/{id}/status",
            post(organisation::change_project_status),
        )
        .route("/v1/evaluation", get(evaluation::evaluate))
        .route("/v1/evaluation/teams", get(evaluation::team_scores))
        .route(
            "/v1/scoring",
            get(evaluation::get_scoring).put(evaluation::put_scoring),
        )
        .route("/v1/events", get(audit::feed))
        .route("/v1/audit/head", get(audit::head))
        .route("/v1/audit/verify", get(audit::verify))
        .route("/v1/access-log", get(audit::access_log))
        .route("/v1/stations", post(stations::open).get(stations::list))
        .route("/v1/stations/{id}/queue", get(stations::station_queue))
        .route("/v1/stock-transfers", post(stations::transfer))
        .route("/v1/counter/lookup", post(stations::lookup))
        .route("/v1/volunteers/{id}/phone", put(stations::phone))
        .route("/v1/volunteers/{id}/pin", put(stations::pin))
        .route("/v1/banks/{bank}/vouchers", get(stations::vouchers))
        .route("/v1/onboard", upload_route())
        .route("/v1/disputes", post(disputes::open).get(disputes::list))
        .route("/v1/disputes/{id}/resolve", post(disputes::resolve))
        .route("/v1/volunteers/{id}/erasure", post(privacy::erase))
        .route("/v1/volunteers/{id}/consents", post(privacy::consent))
        .route(
            "/v1/volunteers/{id}/consents/withdraw",
            post(privacy::withdraw),
        )
        .route(
            "/v1/privacy-notice",
            put(privacy::publish).get(privacy::notices),
        )
        .merge(money_routes())
        .merge(trust_routes())
        .route("/v1/tokens", post(tokens::create).get(tokens::list))
        .route("/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/v1/tokens/{id}/replace", post(tokens::replace))
        .route(
            "/v1/tokens/{id}/last-day",
            axum::routing::put(tokens::set_last_day),
        )
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(crate::openapi::serve))
        .merge(extra)
        .fallback(|| async {
            ApiError::not_found(
                "no_route",
                "nothing is served at this path; see /openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this path does not accept this method; see /openapi.json for what it accepts",
            )
        });
    let http_metrics = app.metrics.front_end(HttpMetrics::register);
    api.layer(axum::middleware::from_fn_with_state(
        http_metrics,
        metrics::track,
    ))
    .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
    .layer(axum::middleware::from_fn(body_limit))
    .layer(axum::middleware::from_fn_with_state(
        request_timeout,
        time_limit,
    ))
    .layer(CatchPanicLayer::new())
    .layer(axum::middleware::from_fn(problem_for_bare_errors))
    .layer(TraceLayer::new_for_http().make_span_with(request_span))
    .with_state(app)
}

/// Answers 408 (a problem, by `problem_for_bare_errors`) to a request not answered within
/// `limit` (`serve --request-timeout`), or within [`AUDIT_WALK_TIMEOUT`] on the paths that
/// walk the whole chain for an auditor ([`AUDIT_WALK_PATHS`]).
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let limit = limit_for(request.uri().path(), limit);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::http::StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// The time a request to `path` is given: `limit`, or [`AUDIT_WALK_TIMEOUT`] on the paths
/// that walk the whole chain for an auditor.
fn limit_for(path: &str, limit: Duration) -> Duration {
    if AUDIT_WALK_PATHS.contains(&path) {
        AUDIT_WALK_TIMEOUT.max(limit)
    } else {
        limit
    }
}

/// The span a request is traced in (shown at `-vv`): its method and the route it matched
/// (`/card/{secret}`, `/confirm/{code}`), never the path itself, which carries a card's
/// secret or a confirmation code into the operator's logs.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", axum::extract::MatchedPath::as_str);
    tracing::debug_span!("request", method = %request.method(), route)
}

/// The money side: rate vouchers, bank budgets, reward values and the money reports.
fn money_routes() -> Router<App> {
    Router::new()
        .route("/v1/vouchers/check", post(money::check))
        .route("/v1/vouchers/use", post(money::use_voucher))
        .route("/v1/vouchers/refuse", post(money::refuse))
        .route("/v1/vouchers/{id}/cancel", post(money::cancel))
        .route(
            "/v1/banks/{bank}/budget",
            put(money::set_budget).get(money::get_budget),
        )
        .route("/v1/rewards/{id}/value", put(money::value))
        .route("/v1/rewards/{id}/receipts", post(money::receive))
        .route("/v1/reports/suppliers", get(money::suppliers))
        .route("/v1/reports/banks", get(money::banks))
        .route("/v1/reports/redeemed", get(money::redeemed_value))
        .route("/v1/reports/coverage", get(money::coverage_report))
        .route(
            "/v1/policies/voucher-validity",
            put(policies::voucher_validity),
        )
        .route("/v1/policies/point-value", put(policies::point_value))
        .route("/v1/policies/notice-period", put(policies::notice_period))
        .route(
            "/v1/policies/dispute-escalation",
            put(policies::dispute_escalation),
        )
        .route(
            "/v1/policies/coverage-warning",
            put(policies::coverage_warning),
        )
}

/// Confirmation by the people served, and notices.
fn trust_routes() -> Router<App> {
    Router::new()
        .route(
            "/v1/activities/{id}/confirmation-codes",
            post(trust::give_code),
        )
        .route("/v1/activities/{id}/waive-confirmation", post(trust::waive))
        .route("/v1/confirmations", post(trust::confirm))
        .route("/v1/confirmations/{code}", get(trust::to_confirm))
        .route("/v1/volunteers/{id}/notice-contacts", put(trust::contacts))
        .route("/v1/volunteers/{id}/notices", get(trust::of_volunteer))
        .route("/v1/notices/outbox", get(trust::outbox))
        .route("/v1/log/tree", get(transparency::tree))
        .route("/v1/log/checkpoint", get(transparency::checkpoint))
        .route("/v1/log/checkpoints", get(transparency::checkpoints))
        .route("/v1/log/checkpoint-key", get(transparency::checkpoint_key))
        .route("/v1/log/proofs/inclusion", get(transparency::inclusion))
        .route("/v1/log/proofs/consistency", get(transparency::consistency))
        .route(
            "/v1/policies/confirmation-required",
            put(policies::confirmation_required),
        )
}

/// The roster upload, whose body may be as large as a city's roster.
fn upload_route() -> axum::routing::MethodRouter<App> {
    post(onboard::upload).layer(DefaultBodyLimit::max(
        yinling_app::limits::ROSTER_UPLOAD_MAX_BYTES,
    ))
}

/// Refuses a body larger than its path allows ([`body_limit_for`]): from its Content-Length
/// before it is read, and while it is read when it has none.
async fn body_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = body_limit_for(request.uri().path());
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is larger than the {} limit",
                limit_in_words(limit)
            ),
        )
        .into_response();
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// Runs the service until `shutdown` resolves, then finishes queued commits and stops.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with(config, shutdown, Router::new()).await
}

/// [`serve`] with extra routes (the web app) beside the API.
pub async fn serve_with(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    extra: Router<App>,
) -> Result<(), ServeError> {
    let listen = |source| ServeError::Listen {
        addr: config.addr,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(listen)?;
    let local = listener.local_addr().map_err(listen)?;
    // While the ledger loads, every request is told so at once (`starting`), not left to
    // wait for a province's start.
    let (loaded, loading) = tokio::sync::oneshot::channel();
    let starting = tokio::spawn(crate::starting::answer_until(
        listener,
        loading,
        config.connections,
    ));
    let opened = Node::open(&config.node, &format!("http://{local}")).await;
    let _ = loaded.send(());
    let listener = starting
        .await
        .map_err(|e| listen(std::io::Error::other(e.to_string())))?;
    let (node, generated) = opened?;
    // The start's lines go to standard output without `println!`, which panics when whoever
    // reads them has closed the pipe (a script that waits for "listening on" and stops
    // reading): a service must not die because nobody reads its banner.
    let say = |line: String| {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    };
    if let Some(secret) = generated {
        say(format!("admin token (shown once, keep it safe): {secret}"));
    }
    // "listening on" stays the first line after the one-time admin token (scripts wait for
    // it); then the public half of the checkpoint key, for whoever keeps the checkpoints.
    say(format!("listening on http://{local}"));
    say(format!(
        "checkpoint key: {}",
        node.app().checkpoint_verifier_key()
    ));
    let app = node.app().clone();
    let cluster = app.cluster.clone();
    let mut routes = router_with(app, config.connections.request_timeout, extra);
    if let Some(cluster) = cluster {
        let forwarding =
            Forwarding::new(cluster).map_err(|e| listen(std::io::Error::other(e.to_string())))?;
        routes = routes.layer(axum::middleware::from_fn_with_state(
            forwarding,
            crate::forward::forward,
        ));
    }
    serve_connections(listener, routes, shutdown, config.connections).await;
    node.shutdown().await;
    Ok(())
}

/// Accepts connections until `shutdown`, each with a header read timeout, at most
/// `max_connections` at once; then lets in-flight requests finish.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ConnectionLimits,
) {
    let open = accept_until(&listener, router, shutdown, limits).await;
    drop(listener);
    drop(open.stopping);
    let graceful = open.graceful;
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(SHUTDOWN_GRACE_SECONDS)) => {
            tracing::warn!("some connections did not finish within {SHUTDOWN_GRACE_SECONDS}s; closing them");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An auditor's walk of the whole chain, through the API or the web app, is given an
    /// hour (a province's walk is minutes), every other request the request timeout; a
    /// timeout set longer than the hour holds for the walk too.
    #[test]
    fn the_audit_walk_has_time_for_a_province_and_the_rest_the_request_timeout() {
        let limit = Duration::from_secs(30);
        assert_eq!(limit_for("/v1/audit/verify", limit), AUDIT_WALK_TIMEOUT);
        assert_eq!(limit_for("/audit/verify", limit), AUDIT_WALK_TIMEOUT);
        assert_eq!(limit_for("/v1/events", limit), limit);
        assert_eq!(limit_for("/v1/audit/verify/", limit), limit);
        let long = Duration::from_secs(7200);
        assert_eq!(limit_for("/v1/audit/verify", long), long);
    }
}
