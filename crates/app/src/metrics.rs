//! Prometheus metrics of the running ledger (events appended, group-commit batch size, flush
//! latency, head seq), in one registry that the front ends add their own metrics to.

use std::any::Any;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};
use yinling_ledger::writer::BatchReport;

/// Every metric the service exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Metric sets front ends registered, one per type (so a router built twice registers
    /// its metrics once).
    front_ends: Mutex<Vec<Box<dyn Any + Send + Sync>>>,
    /// Events made durable.
    pub events_appended: Counter<u64, AtomicU64>,
    /// Events per group commit.
    pub batch_events: Histogram,
    /// Time to append and flush one group commit, seconds.
    pub flush_seconds: Histogram,
    /// Group commits that failed (nothing of them was kept).
    pub batches_failed: Counter<u64, AtomicU64>,
    /// The durable head seq.
    pub head_seq: Gauge,
}

impl Metrics {
    /// Registers the ledger's metrics.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("yinling");
        let events_appended = Counter::<u64, AtomicU64>::default();
        let batch_events = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        let flush_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        let batches_failed = Counter::<u64, AtomicU64>::default();
        let head_seq = Gauge::default();
        registry.register(
            "ledger_events_appended",
            "Events made durable",
            events_appended.clone(),
        );
        registry.register(
            "ledger_group_commit_events",
            "Events per group commit",
            batch_events.clone(),
        );
        registry.register(
            "ledger_group_commit_flush_seconds",
            "Append and flush time of one group commit",
            flush_seconds.clone(),
        );
        registry.register(
            "ledger_group_commits_failed",
            "Group commits that could not be made durable",
            batches_failed.clone(),
        );
        registry.register(
            "ledger_head_seq",
            "The durable head sequence number",
            head_seq.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            front_ends: Mutex::new(Vec::new()),
            events_appended,
            batch_events,
            flush_seconds,
            batches_failed,
            head_seq,
        }
    }

    /// Adds a front end's own metric (HTTP requests, say) to the same exposition.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        self.registry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .register(name, help, metric);
    }

    /// A front end's metric set: registered by `register` the first time it is asked for,
    /// the same set every time after.
    pub fn front_end<T: Clone + Send + Sync + 'static>(
        &self,
        register: impl FnOnce(&Metrics) -> T,
    ) -> T {
        let mut sets = self.front_ends.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(set) = sets.iter().find_map(|s| s.downcast_ref::<T>()) {
            return set.clone();
        }
        let set = register(self);
        sets.push(Box::new(set.clone()));
        set
    }

    /// Records one group commit.
    pub fn record_batch(&self, report: &BatchReport) {
        if report.ok {
            self.events_appended.inc_by(report.events as u64);
            self.batch_events.observe(report.events as f64);
            self.flush_seconds.observe(report.append.as_secs_f64());
        } else {
            self.batches_failed.inc();
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
