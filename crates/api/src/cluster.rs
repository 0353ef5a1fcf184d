//! Several API nodes on one replicated NATS JetStream log.
//!
//! One node at a time holds the writer lease, a key in a JetStream key-value bucket that it
//! renews every third of its time to live; that node decides and appends. Every other node
//! is a read replica: it follows the log, folds what the writer appended, and forwards writes
//! to the writer (see [`forward`]). A node whose lease has lapsed, or whose append was refused
//! because the log moved under it, stops deciding at once and follows again; the next node to
//! find the lease expired takes it over. Two writers can never interleave even during a
//! handover, because the log refuses a commit sealed after a head that is no longer the last.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::kv;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use yinling_ledger::LedgerError;
use yinling_nats_log::NatsLog;

use crate::engine::Engine;
use crate::error::ApiError;

/// The key of the writer lease in the bucket.
pub const LEASE_KEY: &str = "writer";

/// The key of the shared token key in the bucket.
pub const MINT_KEY: &str = "token-key";

/// Header marking a request one node forwarded to the writer (never forwarded again).
pub const FORWARDED_HEADER: &str = "yinling-forwarded-by";

/// Longest a read with `min_seq` waits for this node to catch up.
pub const MIN_SEQ_WAIT: Duration = Duration::from_secs(10);

/// How a node takes part.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// This node's name (unique in the cluster).
    pub node_id: String,
    /// The base URL other nodes forward writes to, e.g. `http://10.0.0.5:8080`.
    pub advertise: String,
    /// How long a lease lives without renewal.
    pub lease_ttl: Duration,
}

/// The value of the lease key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The holder.
    pub node: String,
    /// Where it takes writes.
    pub url: String,
    /// Unix milliseconds after which the lease is free.
    pub expires_ms: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn kv_error(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Storage(format!("{what}: {e}"))
}

/// A node of the cluster.
pub struct Cluster {
    log: Arc<NatsLog>,
    kv: kv::Store,
    engine: Arc<Engine>,
    config: ClusterConfig,
    /// The lease as last seen (held by us or another node).
    lease: RwLock<Option<Lease>>,
    stopping: AtomicBool,
    http: reqwest::Client,
}

impl Cluster {
    /// Opens (or creates) the bucket of the lease beside the log's stream.
    pub fn open(
        log: Arc<NatsLog>,
        engine: Arc<Engine>,
        config: ClusterConfig,
    ) -> Result<Arc<Cluster>, LedgerError> {
        let kv = lease_bucket(&log)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| kv_error("cannot build the forwarding client", e))?;
        Ok(Arc::new(Cluster {
            log,
            kv,
            engine,
            config,
            lease: RwLock::new(None),
            stopping: AtomicBool::new(false),
            http,
        }))
    }

    /// The lease as last seen.
    pub fn lease(&self) -> Option<Lease> {
        self.lease.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Where writes go when this node is not the writer.
    pub fn writer_url(&self) -> Option<String> {
        self.lease()
            .filter(|l| l.node != self.config.node_id && l.expires_ms > now_ms())
            .map(|l| l.url)
    }

    /// This node's configuration.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Asks the loop to stop (and give up the lease).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn set_lease(&self, lease: Option<Lease>) {
        *self.lease.write().unwrap_or_else(|p| p.into_inner()) = lease;
    }

    fn mine(&self) -> Lease {
        Lease {
            node: self.config.node_id.clone(),
            url: self.config.advertise.clone(),
            expires_ms: now_ms() + self.config.lease_ttl.as_millis() as u64,
        }
    }

    fn encode(lease: &Lease) -> Bytes {
        Bytes::from(serde_json::to_vec(lease).unwrap_or_default())
    }

    /// Tries to take the lease: creates it when absent, replaces it when expired. Returns the
    /// revision on success.
    fn try_acquire(&self) -> Result<Option<u64>, LedgerError> {
        let kv = self.kv.clone();
        let mine = Self::encode(&self.mine());
        let now = now_ms();
        let (revision, seen) = self.log.block_on(async move {
            match kv.entry(LEASE_KEY).await {
                Ok(None) => match kv.create(LEASE_KEY, mine).await {
                    Ok(rev) => Ok((Some(rev), None)),
                    Err(_) => Ok((None, None)),
                },
                Ok(Some(entry)) => {
                    let current: Option<Lease> = serde_json::from_slice(&entry.value).ok();
                    let free = entry.operation != kv::Operation::Put
                        || current.as_ref().is_none_or(|l| l.expires_ms <= now);
                    if free {
                        match kv.update(LEASE_KEY, mine, entry.revision).await {
                            Ok(rev) => Ok((Some(rev), None)),
                            Err(_) => Ok((None, current)),
                        }
                    } else {
                        Ok((None, current))
                    }
                }
                Err(e) => Err(kv_error("cannot read the writer lease", e)),
            }
        })??;
        if revision.is_none() {
            self.set_lease(seen);
        }
        Ok(revision)
    }

    /// Renews our lease; `Err` when it was taken or could not be written.
    fn renew(&self, revision: u64) -> Result<u64, LedgerError> {
        let kv = self.kv.clone();
        let mine = Self::encode(&self.mine());
        self.log.block_on(async move {
            kv.update(LEASE_KEY, mine, revision)
                .await
                .map_err(|e| kv_error("cannot renew the writer lease", e))
        })?
    }

    /// Gives the lease up (on a clean stop) so another node takes over at once.
    fn release(&self, revision: u64) {
        let kv = self.kv.clone();
        let mut expired = self.mine();
        expired.expires_ms = 0;
        let value = Self::encode(&expired);
        let _ = self
            .log
            .block_on(async move { kv.update(LEASE_KEY, value, revision).await });
    }

    /// Folds whatever the writer appended since the last call.
    fn follow(&self, feed: Option<&yinling_nats_log::Follower>) -> Result<(), LedgerError> {
        let segments = match feed {
            Some(f) => f.next_batch(&self.log, Duration::from_millis(200))?,
            None => self.log.catch_up()?,
        };
        if !segments.is_empty() {
            self.engine.follow(&segments)?;
        }
        Ok(())
    }

    /// Runs the node's part until [`Cluster::stop`]: follow and try for the lease; once held,
    /// renew it and decide. Blocking: runs on its own thread; `runtime` runs the engine's
    /// async steps.
    pub fn run(self: Arc<Self>, runtime: tokio::runtime::Handle) {
        let ttl = self.config.lease_ttl;
        let mut feed: Option<yinling_nats_log::Follower> = None;
        let mut held: Option<(u64, Instant)> = None;
        let mut lease_checked: Option<Instant> = None;
        while !self.stopping.load(Ordering::SeqCst) {
            match held {
                Some((revision, renewed)) => {
                    if self.log.take_fenced() {
                        tracing::warn!("the log moved under this writer; stepping down to follow");
                        runtime.block_on(self.engine.step_down());
                        held = None;
                        continue;
                    }
                    if renewed.elapsed() >= ttl / 3 {
                        match self.renew(revision) {
                            Ok(rev) => {
                                held = Some((rev, Instant::now()));
                                self.set_lease(Some(self.mine()));
                            }
                            Err(e) if renewed.elapsed() >= ttl * 2 / 3 => {
                                tracing::warn!(error = %e, "writer lease lost; no longer deciding");
                                runtime.block_on(self.engine.step_down());
                                held = None;
                                continue;
                            }
                            Err(e) => tracing::debug!(error = %e, "lease renewal failed; retrying"),
                        }
                    }
                    std::thread::sleep(ttl / 10);
                }
                None => {
                    if feed.is_none() {
                        // Catch up directly, then stream what comes next.
                        if let Err(e) = self.follow(None) {
                            tracing::warn!(error = %e, "cannot follow the log");
                            std::thread::sleep(Duration::from_millis(500));
                            continue;
                        }
                        feed = self.log.follower().ok();
                    }
                    if let Err(e) = self.follow(feed.as_ref()) {
                        tracing::warn!(error = %e, "cannot follow the log");
                        feed = None;
                        std::thread::sleep(Duration::from_millis(500));
                        continue;
                    }
                    // The lease is looked at a few times per time to live, not per message.
                    if lease_checked.is_some_and(|t| t.elapsed() < ttl / 4) {
                        continue;
                    }
                    lease_checked = Some(Instant::now());
                    match self.try_acquire() {
                        Ok(Some(revision)) => {
                            // Catch up once more under the lease, then decide.
                            feed = None;
                            if let Err(e) = self.follow(None) {
                                tracing::warn!(error = %e, "cannot catch up after winning the lease");
                                continue;
                            }
                            match self.engine.become_writer() {
                                Ok(()) => {
                                    tracing::info!(
                                        head = self.engine.log().head().seq,
                                        "this node is now the writer"
                                    );
                                    self.set_lease(Some(self.mine()));
                                    held = Some((revision, Instant::now()));
                                }
                                Err(e) => tracing::error!(error = %e, "cannot start the writer"),
                            }
                        }
                        Ok(None) => {}
                        Err(e) => tracing::debug!(error = %e, "lease check failed"),
                    }
                }
            }
        }
        if let Some((revision, _)) = held {
            runtime.block_on(self.engine.step_down());
            self.release(revision);
        }
    }
}

/// The bucket holding the writer lease and the shared token key.
fn lease_bucket(log: &NatsLog) -> Result<kv::Store, LedgerError> {
    let js = log.jetstream();
    let bucket = format!("{}-cluster", log.config().stream);
    let replicas = log.config().replicas;
    log.block_on(async move {
        if let Ok(store) = js.get_key_value(bucket.clone()).await {
            return Ok(store);
        }
        // The bucket's stream as the key-value layer lays it out, created directly: the
        // client's own `create_key_value` first asks for account details that servers
        // before 2.10 do not report in the shape it expects.
        use async_nats::jetstream::stream;
        let config = stream::Config {
            name: format!("KV_{bucket}"),
            subjects: vec![format!("$KV.{bucket}.>")],
            max_messages_per_subject: 1,
            storage: stream::StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            num_replicas: replicas,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        };
        let started = Instant::now();
        while let Err(e) = js.get_or_create_stream(config.clone()).await {
            if started.elapsed() > yinling_nats_log::READ_RETRY_FOR {
                return Err(kv_error(&format!("cannot create the bucket {bucket}"), e));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        js.get_key_value(bucket.clone())
            .await
            .map_err(|e| kv_error(&format!("cannot open the bucket {bucket}"), e))
    })?
}

/// The token key all nodes share (created by the first node), so a retried token request
/// gets the same secret whichever node answers it.
pub fn shared_mint_key(log: &NatsLog) -> Result<[u8; 32], LedgerError> {
    let kv = lease_bucket(log)?;
    log.block_on(async move {
        let mut fresh = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut fresh);
        let _ = kv.create(MINT_KEY, Bytes::copy_from_slice(&fresh)).await;
        let stored = kv
            .get(MINT_KEY)
            .await
            .map_err(|e| kv_error("cannot read the shared token key", e))?
            .ok_or_else(|| LedgerError::Storage("the shared token key is missing".into()))?;
        <[u8; 32]>::try_from(stored.as_ref())
            .map_err(|_| LedgerError::Storage("the shared token key is not 32 bytes".into()))
    })?
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
    State(cluster): State<Arc<Cluster>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    // Reads: `min_seq=N` waits until this node has folded event N.
    if let Some(query) = parts.uri.query().map(str::to_owned) {
        if let Some(wanted) = min_seq_of(&query) {
            let seq = match wanted {
                Ok(seq) => seq,
                Err(detail) => return ApiError::bad_request("bad_min_seq", detail).into_response(),
            };
            if !cluster.engine.wait_for(seq, MIN_SEQ_WAIT).await {
                return ApiError::unavailable(format!(
                    "this node has not yet received event {seq} (it is at {}); retry shortly",
                    cluster.engine.read().head.seq
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
    if !is_write || cluster.engine.is_writer() {
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
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is larger than the 1 MiB limit",
        )
        .into_response()
    };
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > crate::extract::BODY_LIMIT_BYTES) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, crate::extract::BODY_LIMIT_BYTES).await {
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
    if let Ok(me) = HeaderValue::from_str(&cluster.config.node_id) {
        headers.insert(FORWARDED_HEADER, me);
    }
    let answer = cluster
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
            return ApiError::unavailable(format!(
                "the writer node did not answer ({e}); retry with the same Idempotency-Key"
            ))
            .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default();
    if let Some(seq) = headers
        .get("ledger-seq")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        let _ = cluster.engine.wait_for(seq, Duration::from_secs(5)).await;
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

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node", &self.config.node_id)
            .field("writer", &self.engine.is_writer())
            .finish()
    }
}
