//! The cluster role of a node on a replicated NATS JetStream log.
//!
//! One node at a time holds the writer lease (kept by `yinling-nats-log` in a key-value
//! bucket beside the log) and renews it every third of its time to live; that node decides
//! and appends. Every other node is a read replica: it follows the log, folds what the writer
//! appended, and (in the API) forwards writes to the writer. A node whose lease has lapsed,
//! or whose append was refused because the log moved under it, stops deciding at once and
//! follows again; the next node to find the lease expired takes it over. Two writers can
//! never interleave even during a handover, because the log refuses a commit sealed after a
//! head that is no longer the last.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use yinling_ledger::LedgerError;
use yinling_nats_log::lease::{Acquired, Lease, LeaseBucket};
use yinling_nats_log::{Follower, NatsLog};

use crate::engine::Engine;

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

/// A node of the cluster.
pub struct Cluster {
    log: Arc<NatsLog>,
    engine: Arc<Engine>,
    config: ClusterConfig,
    /// The lease as last seen (held by us or another node).
    lease: RwLock<Option<Lease>>,
    stopping: AtomicBool,
    /// When the log last answered this node (see [`Cluster::heard_from_the_log`]).
    in_touch: RwLock<Instant>,
}

impl Cluster {
    /// A node on `log`, not yet running (see [`Cluster::run`]); checks that the lease
    /// bucket can be opened.
    pub fn open(
        log: Arc<NatsLog>,
        engine: Arc<Engine>,
        config: ClusterConfig,
    ) -> Result<Arc<Cluster>, LedgerError> {
        LeaseBucket::open(&log)?;
        Ok(Arc::new(Cluster {
            log,
            engine,
            config,
            lease: RwLock::new(None),
            stopping: AtomicBool::new(false),
            in_touch: RwLock::new(Instant::now()),
        }))
    }

    /// The engine this node runs.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The lease as last seen.
    pub fn lease(&self) -> Option<Lease> {
        self.lease.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Where writes go when this node is not the writer.
    pub fn writer_url(&self) -> Option<String> {
        self.lease()
            .filter(|l| l.node != self.config.node_id && l.is_live())
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
        Lease::new(
            &self.config.node_id,
            &self.config.advertise,
            self.config.lease_ttl,
        )
    }

    /// Folds whatever the writer appended since the last call.
    fn follow(&self, feed: Option<&Follower>) -> Result<(), LedgerError> {
        let segments = match feed {
            Some(f) => f.next_batch(&self.log, Duration::from_millis(200))?,
            None => self.log.catch_up()?,
        };
        // Called with none too: a log index ahead of the state is folded up to it.
        self.engine.follow(&segments)?;
        Ok(())
    }

    /// Notes that the log answered a request just now (the lease's key-value bucket, asked
    /// a few times per time to live after every read of the log that did not fail). A
    /// stream's subscription says nothing: cut off, it goes quiet like a quiet log.
    fn heard_from_the_log(&self) {
        if let Ok(mut at) = self.in_touch.write() {
            *at = Instant::now();
        }
    }

    /// How long a read replica has gone without the log answering it, once that is longer
    /// than a few leases' time to live (`OUT_OF_TOUCH_LEASES`, `OUT_OF_TOUCH_MIN_SECONDS` at
    /// least); `None` while in touch, and on the writer (which steps down when it cannot
    /// renew its lease). Its state may then trail the log by anything:
    /// a token stopped since, a hold handed over elsewhere. The API refuses to answer from
    /// it, and `/healthz` says so, so a load balancer sends people to another node.
    pub fn out_of_touch_for(&self) -> Option<Duration> {
        if self.engine.is_writer() {
            return None;
        }
        let since = self.in_touch.read().map(|at| at.elapsed()).ok()?;
        let bound = (self.config.lease_ttl * crate::limits::OUT_OF_TOUCH_LEASES)
            .max(Duration::from_secs(crate::limits::OUT_OF_TOUCH_MIN_SECONDS));
        (since > bound).then_some(since)
    }

    /// Runs the node's part until [`Cluster::stop`]: follow and try for the lease; once held,
    /// renew it and decide. Blocking: runs on its own thread; `runtime` runs the engine's
    /// async steps.
    pub fn run(self: Arc<Self>, runtime: tokio::runtime::Handle) {
        // Until the lease bucket opens (NATS busy, a leader being elected), the node follows
        // and asks again: a node that failed once must not stay a reader for good.
        let bucket = loop {
            match LeaseBucket::open(&self.log) {
                Ok(b) => break b,
                Err(e) => {
                    tracing::error!(error = %e, "cannot open the lease bucket; following and asking again");
                    if self.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Err(e) = self.follow(None) {
                        tracing::warn!(error = %e, "cannot follow the log");
                    }
                    std::thread::sleep(Duration::from_secs(2));
                }
            }
        };
        let ttl = self.config.lease_ttl;
        let mut feed: Option<Follower> = None;
        let mut held: Option<(u64, Instant)> = None;
        let mut lease_checked: Option<Instant> = None;
        while !self.stopping.load(Ordering::SeqCst) {
            if let Some((revision, renewed)) = held {
                held = self.keep_lease(&bucket, &runtime, revision, renewed);
                continue;
            }
            if feed.is_none() {
                // Catch up directly, then stream what comes next.
                if let Err(e) = self.follow(None) {
                    tracing::warn!(error = %e, "cannot follow the log");
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
                feed = match self.log.follower() {
                    Ok(f) => Some(f),
                    Err(e) => {
                        // Caught up by asking for each message instead; not in a tight loop.
                        tracing::warn!(error = %e, "cannot follow the stream as it grows");
                        std::thread::sleep(Duration::from_millis(500));
                        None
                    }
                };
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
            // And the log asked directly for what the subscription may have missed: after
            // every NATS server restarted, a subscription made before can stay silent for
            // good while the log grows. Anything found this way means the subscription is
            // made again.
            let before = self.engine.read().head.seq;
            match self.follow(None) {
                Ok(()) if self.engine.read().head.seq > before => {
                    tracing::warn!(
                        from = before,
                        "the log's subscription had missed events; made again"
                    );
                    feed = None;
                    continue;
                }
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cannot follow the log");
                    feed = None;
                    continue;
                }
            }
            let asked = bucket.try_acquire(&self.mine());
            if asked.is_ok() {
                self.heard_from_the_log();
            }
            match asked {
                Ok(Acquired::Yes(revision)) => {
                    // Catch up once more under the lease, then decide.
                    feed = None;
                    if let Err(e) = self.follow(None) {
                        tracing::warn!(error = %e, "cannot catch up after winning the lease");
                        bucket.release(revision, &self.mine());
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
                        Err(e) => {
                            // The lease goes back at once: another node, caught up, takes it.
                            tracing::error!(error = %e, "cannot start the writer");
                            bucket.release(revision, &self.mine());
                        }
                    }
                }
                Ok(Acquired::No(seen)) => self.set_lease(seen),
                Err(e) => tracing::debug!(error = %e, "lease check failed"),
            }
        }
        if let Some((revision, _)) = held {
            runtime.block_on(self.engine.step_down());
            bucket.release(revision, &self.mine());
        }
    }

    /// One turn of a writer: step down when fenced or when the lease could not be renewed
    /// in time; returns the lease still held.
    fn keep_lease(
        &self,
        bucket: &LeaseBucket<'_>,
        runtime: &tokio::runtime::Handle,
        revision: u64,
        renewed: Instant,
    ) -> Option<(u64, Instant)> {
        let ttl = self.config.lease_ttl;
        if self.log.take_fenced() {
            tracing::warn!("the log moved under this writer; stepping down to follow");
            runtime.block_on(self.engine.step_down());
            // Given back at once (a no-op if another node holds it now): otherwise no node
            // writes until it lapses.
            bucket.release(revision, &self.mine());
            return None;
        }
        let mut held = Some((revision, renewed));
        if renewed.elapsed() >= ttl / 3 {
            match bucket.renew(revision, &self.mine(), ttl / 3) {
                Ok(rev) => {
                    held = Some((rev, Instant::now()));
                    self.set_lease(Some(self.mine()));
                    self.heard_from_the_log();
                }
                Err(e) if renewed.elapsed() >= ttl * 2 / 3 => {
                    tracing::warn!(error = %e, "writer lease lost; no longer deciding");
                    runtime.block_on(self.engine.step_down());
                    return None;
                }
                Err(e) => tracing::debug!(error = %e, "lease renewal failed; retrying"),
            }
        }
        std::thread::sleep(ttl / 10);
        held
    }
}

/// The token key all nodes share (created by the first node), so a retried token request
/// gets the same secret whichever node answers it.
pub fn shared_mint_key(log: &NatsLog, new_key: bool) -> Result<[u8; 32], LedgerError> {
    let bucket = LeaseBucket::open(log)?;
    let events = yinling_ledger::EventLog::head(log).seq;
    // As on one node: a log with events whose key is gone (a bucket removed or renamed)
    // gets a new key only when the operator says so, since every card, PIN, pickup code
    // and checkpoint signature made under the old one stops working.
    if events > 0 && !new_key && !bucket.keeps_key()? {
        return Err(LedgerError::Storage(format!(
            "the cluster's shared token key is missing from its bucket but the log holds {events} events: restore the bucket (or migrate the key from the old data directory); to make a new key instead (every points card printed again, every PIN set again, vouchers and checkpoints signed before no longer checkable with it) start one node once with --new-token-key"
        )));
    }
    bucket.shared_key()
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node", &self.config.node_id)
            .field("writer", &self.engine.is_writer())
            .finish()
    }
}
