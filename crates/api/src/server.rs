//! The server: routes and layers, first-start bootstrap, hold expiry, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use yinling_ledger::{EventLog, Role, TokenId};
use yinling_projections::{Command, Principal};

use crate::app::AppState;
use crate::engine::{Engine, EngineConfig, EngineError};
use crate::error::{problem_for_bare_errors, ApiError};
use crate::extract::BODY_LIMIT_BYTES;
use crate::metrics::{self, Metrics};
use crate::routes::*;
use crate::tokens::{random_secret, secret_hash, TokenMint};

/// A request is abandoned after this long.
pub const REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// How often held redemptions past their time are expired, by default.
pub const DEFAULT_EXPIRY_INTERVAL_SECONDS: u64 = 60;

/// A client must send a request's headers within this long, or the connection is closed
/// (a slow-loris client cannot hold a connection open by trickling bytes).
pub const HEADER_READ_TIMEOUT_SECONDS: u64 = 10;

/// Open connections served at once; more are refused at accept.
pub const MAX_CONNECTIONS: usize = 4096;

/// After a shutdown signal, in-flight requests get this long to finish.
pub const SHUTDOWN_GRACE_SECONDS: u64 = 30;

/// The environment variable holding the first admin token.
pub const ADMIN_TOKEN_ENV: &str = "YINLING_ADMIN_TOKEN";

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The ledger.
    pub engine: EngineConfig,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The first admin token (from the environment), used only on an empty log.
    pub admin_token: Option<String>,
    /// How often to expire lapsed holds.
    pub expiry_interval: Duration,
    /// Limits on connections.
    pub connections: ConnectionLimits,
    /// A replicated NATS JetStream log shared with other nodes, instead of sled in the data
    /// directory (which then only holds snapshots).
    pub nats: Option<NatsServe>,
}

/// How a node serves on a NATS JetStream log.
#[derive(Clone, Debug)]
pub struct NatsServe {
    /// The log.
    pub log: yinling_nats_log::NatsConfig,
    /// This node's name (default: a random one).
    pub node_id: Option<String>,
    /// The URL other nodes forward writes to (default: `http://` + the bound address).
    pub advertise: Option<String>,
    /// How long the writer lease lives without renewal.
    pub lease_ttl: Duration,
}

/// Limits that protect the server from slow or numerous clients.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time allowed to send a request's headers.
    pub header_read_timeout: Duration,
    /// Time allowed for a whole request (body included) to be answered.
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(HEADER_READ_TIMEOUT_SECONDS),
            request_timeout: Duration::from_secs(REQUEST_TIMEOUT_SECONDS),
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The ledger would not open.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Binding or serving failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The token mint key could not be read or created.
    #[error("cannot use the token key in the data directory: {0}")]
    Mint(std::io::Error),
    /// The first admin token could not be recorded.
    #[error("cannot record the first admin token: {0}")]
    Bootstrap(ApiError),
    /// The cluster's lease bucket or shared key could not be used.
    #[error("cannot join the cluster: {0}")]
    Cluster(yinling_ledger::LedgerError),
}

/// Every route of the service with its layers and the default request timeout.
pub fn router(app: AppState) -> Router {
    router_with(
        app,
        Duration::from_secs(REQUEST_TIMEOUT_SECONDS),
        Router::new(),
    )
}

/// Every route of the service, plus `extra` routes (the web app), with its layers.
pub fn router_with(app: AppState, request_timeout: Duration, extra: Router<AppState>) -> Router {
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
        .route("/v1/rules", get(rewards::get_rules).put(rewards::put_rules))
        .route("/v1/rewards", post(rewards::create).get(rewards::list))
        .route("/v1/rewards/{id}/restock", post(rewards::restock))
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
        .route("/v1/tokens", post(tokens::create))
        .route("/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
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
    api.layer(axum::middleware::from_fn_with_state(
        app.metrics.clone(),
        metrics::track,
    ))
    .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
    .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
    .layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        request_timeout,
    ))
    .layer(CatchPanicLayer::new())
    .layer(axum::middleware::from_fn(problem_for_bare_errors))
    .layer(TraceLayer::new_for_http())
    .with_state(app)
}

/// Opens the ledger and prepares the shared state (blocking work runs off the runtime).
pub async fn open(config: &ServeConfig) -> Result<AppState, ServeError> {
    open_node(config).await.map(|(app, _)| app)
}

/// [`open`], also returning the NATS log when the node serves on one.
async fn open_node(
    config: &ServeConfig,
) -> Result<(AppState, Option<Arc<yinling_nats_log::NatsLog>>), ServeError> {
    let metrics = Arc::new(Metrics::new());
    let engine_config = config.engine.clone();
    let engine_metrics = metrics.clone();
    let nats = config.nats.clone();
    let opened = tokio::task::spawn_blocking(move || match nats {
        None => Engine::open(&engine_config, engine_metrics).map(|e| (e, None)),
        Some(n) => {
            let log = Arc::new(yinling_nats_log::NatsLog::open(n.log)?);
            // The log checked every hash while it read the stream; a node starts as a
            // replica and becomes the writer only by winning the lease.
            let config = EngineConfig {
                verify_on_start: false,
                ..engine_config
            };
            let dyn_log: Arc<dyn EventLog> = log.clone();
            Engine::open_on(&config, dyn_log, None, engine_metrics, false).map(|e| (e, Some(log)))
        }
    })
    .await
    .map_err(|e| ServeError::Listen {
        addr: config.addr,
        source: std::io::Error::other(e.to_string()),
    })?;
    let (engine, nats_log) = opened?;
    let mint = match &nats_log {
        None => TokenMint::load_or_create(&config.engine.data_dir).map_err(ServeError::Mint)?,
        Some(log) => {
            let log = log.clone();
            let key = tokio::task::spawn_blocking(move || crate::cluster::shared_mint_key(&log))
                .await
                .map_err(|e| {
                    ServeError::Cluster(yinling_ledger::LedgerError::Storage(e.to_string()))
                })?
                .map_err(ServeError::Cluster)?;
            TokenMint::from_key(key)
        }
    };
    let report = engine.startup();
    tracing::info!(
        head = report.head.seq,
        snapshot = ?report.snapshot_seq,
        replayed = report.replayed_events,
        verify_ms = report.verify.as_millis() as u64,
        load_ms = report.load.as_millis() as u64,
        "ledger open"
    );
    Ok((
        AppState {
            engine: Arc::new(engine),
            metrics,
            mint,
        },
        nats_log,
    ))
}

/// On an empty log, records the first admin token. Returns the secret if it was generated
/// (to be printed once); `None` when the log already has tokens or the secret came from the
/// environment.
pub async fn bootstrap_admin(
    app: &AppState,
    from_env: Option<String>,
) -> Result<Option<String>, ServeError> {
    if !app.engine.read().tokens.by_id.is_empty() {
        if from_env.is_some() {
            tracing::info!("{ADMIN_TOKEN_ENV} is ignored: the ledger already has tokens");
        }
        return Ok(None);
    }
    let generated = from_env.is_none();
    let secret = from_env.unwrap_or_else(random_secret);
    let command = Command::IssueToken(yinling_projections::NewToken {
        token_id: TokenId::generate(),
        role: Role::Admin,
        team_id: None,
        volunteer_id: None,
        secret_sha256: secret_hash(&secret),
        label: "first administrator".into(),
    });
    app.engine
        .submit(&Principal::System, command, None)
        .await
        .map_err(ServeError::Bootstrap)?;
    Ok(generated.then_some(secret))
}

/// Expires lapsed holds every `interval` until the writer stops.
pub fn spawn_expiry(app: AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match app
                .engine
                .submit(&Principal::System, Command::ExpireHolds, None)
                .await
            {
                Ok(expired) if !expired.is_empty() => {
                    tracing::info!(count = expired.len(), "holds expired")
                }
                Ok(_) => {}
                Err(e) if e.status == axum::http::StatusCode::SERVICE_UNAVAILABLE => {
                    tracing::debug!("expiry paused: {}", e.detail);
                }
                Err(e) => tracing::warn!("expiry failed: {}", e.detail),
            }
            tokio::time::sleep(interval).await;
        }
    })
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
    extra: Router<AppState>,
) -> Result<(), ServeError> {
    let (app, nats_log) = open_node(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.addr,
        source,
    })?;
    // On a shared log, join the cluster: follow, and take the writer role when it is free.
    let cluster = match (&config.nats, nats_log) {
        (Some(n), Some(log)) => {
            let cluster_config = crate::cluster::ClusterConfig {
                node_id: n
                    .node_id
                    .clone()
                    .unwrap_or_else(|| format!("node-{}", uuid::Uuid::now_v7().simple())),
                advertise: n
                    .advertise
                    .clone()
                    .unwrap_or_else(|| format!("http://{local}")),
                lease_ttl: n.lease_ttl,
            };
            let engine = app.engine.clone();
            let cluster = tokio::task::spawn_blocking(move || {
                crate::cluster::Cluster::open(log, engine, cluster_config)
            })
            .await
            .map_err(|e| ServeError::Cluster(yinling_ledger::LedgerError::Storage(e.to_string())))?
            .map_err(ServeError::Cluster)?;
            let runner = cluster.clone();
            let handle = tokio::runtime::Handle::current();
            let thread = std::thread::Builder::new()
                .name("cluster".into())
                .spawn(move || runner.run(handle))
                .map_err(|source| ServeError::Listen {
                    addr: config.addr,
                    source,
                })?;
            // Someone must hold the writer role before the first admin can be recorded.
            let deadline = Instant::now() + n.lease_ttl * 3;
            while !app.engine.is_writer()
                && cluster.writer_url().is_none()
                && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Some((cluster, thread))
        }
        _ => None,
    };
    if app.engine.is_writer() {
        if let Some(secret) = bootstrap_admin(&app, config.admin_token.clone()).await? {
            println!("admin token (shown once, keep it safe): {secret}");
        }
    }
    println!("listening on http://{local}");
    let expiry = spawn_expiry(app.clone(), config.expiry_interval);
    let engine = app.engine.clone();
    let mut routes = router_with(app, config.connections.request_timeout, extra);
    if let Some((cluster, _)) = &cluster {
        routes = routes.layer(axum::middleware::from_fn_with_state(
            cluster.clone(),
            crate::cluster::forward,
        ));
    }
    serve_connections(listener, routes, shutdown, config.connections).await;
    expiry.abort();
    if let Some((cluster, thread)) = cluster {
        cluster.stop();
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    engine.shutdown().await;
    tracing::info!(
        head = engine.log().head().seq,
        "stopped; every acknowledged event is on disk"
    );
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
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(
                "connection refused: {} connections already open",
                limits.max_connections
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = watched.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
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
