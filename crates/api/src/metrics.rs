//! Prometheus metrics: requests by route and status, latency, and the ledger's own figures
//! (events appended, group-commit batch size, flush latency, head seq).

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use yinling_ledger::writer::BatchReport;

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route template, e.g. `/v1/volunteers/{id}` (never the raw path, which holds ids).
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// Status code.
    pub status: u16,
}

/// Labels of the latency histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route template.
    pub route: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

/// Every metric the service exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Requests by route, method and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency by route, seconds.
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
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
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("yinling");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let events_appended = Counter::<u64, AtomicU64>::default();
        let batch_events = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        let flush_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        let batches_failed = Counter::<u64, AtomicU64>::default();
        let head_seq = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
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
            requests,
            latency,
            events_appended,
            batch_events,
            flush_seconds,
            batches_failed,
            head_seq,
        }
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

/// Middleware counting every request by its route template.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
