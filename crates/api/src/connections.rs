//! How the port takes connections, the same while the node loads (`starting`) and once it
//! serves (`server`): at most `max_connections` at once, each given the header read timeout,
//! and each waiting at most as long for its first byte before hyper sees it. hyper's own
//! header timeout starts at a request's first byte, so a client that connected and sent
//! nothing was kept for good, holding one of the permits: a few thousand of them and nobody
//! else was served. Between requests of a kept-alive connection hyper starts that timeout as
//! soon as an answer is sent, so a client that goes quiet after a request is closed as well
//! (`tests/security.rs`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};

use crate::limits::{HEADER_READ_TIMEOUT_SECONDS, MAX_CONNECTIONS, REQUEST_TIMEOUT_SECONDS};

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

/// The connections [`accept_until`] left open: dropping `stopping` ends the wait of those
/// still waiting for their first byte (a client's pool opens connections it may never use),
/// and `graceful` lets the others finish.
pub struct Open {
    /// Watches every connection being served.
    pub graceful: GracefulShutdown,
    /// Dropped to end the first-byte waits.
    pub stopping: tokio::sync::watch::Sender<()>,
}

/// Accepts connections on `listener` until `stop`, each served by `router` within `limits`;
/// a connection past `max_connections` open at once is closed unanswered.
pub async fn accept_until(
    listener: &TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
    limits: ConnectionLimits,
) -> Open {
    let graceful = GracefulShutdown::new();
    let (stopping, stopped) = tokio::sync::watch::channel(());
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut stop = std::pin::pin!(stop);
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
            () = &mut stop => break,
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
        let watcher = graceful.watcher();
        let first_bytes = limits.header_read_timeout;
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let arrived = tokio::select! {
                arrived = arrive_within(&stream, first_bytes) => arrived,
                _ = stopped.changed() => false,
            };
            if arrived {
                let connection = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                if let Err(e) = watcher.watch(connection).await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            }
            drop(permit);
        });
    }
    Open { graceful, stopping }
}

/// Whether `stream` has a byte to read within `timeout` (peeked, not taken): false when the
/// client sent nothing in that time or closed the connection.
async fn arrive_within(stream: &TcpStream, timeout: Duration) -> bool {
    let mut first = [0u8; 1];
    matches!(
        tokio::time::timeout(timeout, stream.peek(&mut first)).await,
        Ok(Ok(n)) if n > 0
    )
}
