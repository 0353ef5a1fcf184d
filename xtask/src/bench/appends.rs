//! Durable appends through the group-commit writer on sled: N concurrent writers, each
//! submitting commits of realistic `ServiceLogged` events and waiting until they are durable.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::writer::{self, Outcome, PassThrough, Submission, WriterConfig};
use yinling_ledger::*;

use super::{Percentiles, WRITERS};

/// Events per commit measured: one (the worst case) and an activity of fifteen participants.
pub const EVENTS_PER_COMMIT: [usize; 2] = [1, 15];

/// One measurement.
#[derive(Clone, Debug)]
pub struct AppendResult {
    /// Concurrent writers.
    pub writers: usize,
    /// Events in each commit.
    pub events_per_commit: usize,
    /// Durable events per second.
    pub events_per_second: f64,
    /// Commit latency (submit to durable answer), microseconds.
    pub latency: Percentiles,
    /// Mean events per flush (sled only).
    pub mean_batch_events: f64,
    /// Mean time of one append + flush, microseconds (sled only).
    pub mean_flush_micros: f64,
}

/// A realistic event: one volunteer's part in an activity.
pub fn service_logged(activity: ActivityId, i: usize) -> Event {
    Event::ServiceLogged(ServiceLogged {
        activity_id: activity,
        volunteer_id: VolunteerId::generate(),
        team_id: TeamId::generate(),
        district: "南浔区".into(),
        category: Category::Mediation,
        date: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap_or_default()
            + chrono::Days::new(i as u64 % 30),
        hours: Decimal::new(25, 1),
        points: Decimal::new(250, 1),
        points_per_hour: Decimal::TEN,
        rules_version: 3,
    })
}

/// The encoded size of one such event in its envelope, bytes.
pub fn record_bytes() -> usize {
    let mut chain = yinling_ledger::chain::Chain::after(Head::default());
    chain
        .seal(yinling_ledger::chain::Draft {
            stream: ActivityId::generate().stream(),
            stream_version: 2,
            recorded_at: Timestamp::now(),
            actor: Actor {
                token_id: Some(TokenId::generate()),
                role: Role::Coordinator,
            },
            idempotency_key: Some("0193a4c2-7b1e-7c3d-9f00-1a2b3c4d5e6f:0193a4c2-7b1e".into()),
            payload: service_logged(ActivityId::generate(), 0),
        })
        .map(|s| s.record.len())
        .unwrap_or(0)
}

/// One measurement on sled in `dir` (removed afterwards).
pub async fn one(
    dir: &Path,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String> {
    one_with(
        dir,
        PassThrough::default(),
        writers,
        events_per_commit,
        duration,
    )
    .await
}

/// [`one`] with the writer's state `machine` (see [`one_on_with`]).
pub async fn one_with<M>(
    dir: &Path,
    machine: M,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String>
where
    M: writer::StateMachine<Command = Vec<Commit>, Rejection = std::convert::Infallible>,
{
    let _ = std::fs::remove_dir_all(dir);
    let log: Arc<dyn EventLog> =
        Arc::new(SledLog::open(dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?);
    let result = one_on_with(log, machine, writers, events_per_commit, duration).await;
    let _ = std::fs::remove_dir_all(dir);
    result
}

/// One measurement on any log engine.
pub async fn one_on(
    log: Arc<dyn EventLog>,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String> {
    one_on_with(
        log,
        PassThrough::default(),
        writers,
        events_per_commit,
        duration,
    )
    .await
}

/// One measurement on any log engine with the writer's state `machine` (the benchmark's
/// pass-through, or one that does more per durable batch, to measure what that costs).
pub async fn one_on_with<M>(
    log: Arc<dyn EventLog>,
    machine: M,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String>
where
    M: writer::StateMachine<Command = Vec<Commit>, Rejection = std::convert::Infallible>,
{
    let batches = Arc::new(AtomicU64::new(0));
    let batched = Arc::new(AtomicU64::new(0));
    let flushing = Arc::new(AtomicU64::new(0));
    let (b, e, f) = (batches.clone(), batched.clone(), flushing.clone());
    let config = WriterConfig {
        on_batch: Some(Arc::new(move |r| {
            b.fetch_add(1, Ordering::Relaxed);
            e.fetch_add(r.events as u64, Ordering::Relaxed);
            f.fetch_add(r.append.as_micros() as u64, Ordering::Relaxed);
        })),
        ..WriterConfig::default()
    };
    let (handle, thread) =
        writer::spawn(log.clone(), machine, config).map_err(|e| e.to_string())?;
    let actor = Actor {
        token_id: Some(TokenId::generate()),
        role: Role::Coordinator,
    };
    // Every writer is running before the clock starts: on 2 busy cores, spawning 256 tasks
    // can take long enough to distort a short measurement.
    let start = Arc::new(tokio::sync::Barrier::new(writers + 1));
    let mut tasks = Vec::with_capacity(writers);
    for _ in 0..writers {
        let handle = handle.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut events = 0u64;
            start.wait().await;
            let deadline = Instant::now() + duration;
            while Instant::now() < deadline {
                let activity = ActivityId::generate();
                let commit = Commit::new_stream(
                    activity.stream(),
                    (0..events_per_commit)
                        .map(|i| service_logged(activity, i))
                        .collect(),
                );
                let started = Instant::now();
                match handle
                    .submit(Submission {
                        command: vec![commit],
                        actor,
                        idempotency: None,
                    })
                    .await
                {
                    Ok(Outcome::Committed { envelopes, .. }) => {
                        latencies.push(started.elapsed().as_micros() as u64);
                        events += envelopes.len() as u64;
                    }
                    other => return Err(format!("append failed: {other:?}")),
                }
            }
            Ok((latencies, events))
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), start.wait())
        .await
        .map_err(|_| "the writers did not all start within two minutes".to_owned())?;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut events = 0u64;
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        events += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    handle.shutdown().await;
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|_| "writer thread panicked")?;
    drop(log);
    let batch_count = batches.load(Ordering::Relaxed).max(1);
    Ok(AppendResult {
        writers,
        events_per_commit,
        events_per_second: events as f64 / elapsed,
        latency: Percentiles::of(latencies),
        mean_batch_events: batched.load(Ordering::Relaxed) as f64 / batch_count as f64,
        mean_flush_micros: flushing.load(Ordering::Relaxed) as f64 / batch_count as f64,
    })
}

/// Every combination of commit size and concurrency, or only those `YINLING_APPENDS_SHAPES`
/// names (`64x1,256x15`: writers x events a commit), to profile one shape alone.
pub async fn measure(scratch: &Path, duration: Duration) -> Result<Vec<AppendResult>, String> {
    let shapes = std::env::var("YINLING_APPENDS_SHAPES").ok();
    let wanted = |writers: usize, events: usize| {
        shapes.as_deref().is_none_or(|s| {
            s.split(',')
                .any(|shape| shape.trim() == format!("{writers}x{events}"))
        })
    };
    let mut out = Vec::new();
    for events_per_commit in EVENTS_PER_COMMIT {
        for writers in WRITERS {
            if !wanted(writers, events_per_commit) {
                continue;
            }
            let r = one(
                &scratch.join(format!("sled-{writers}-{events_per_commit}")),
                writers,
                events_per_commit,
                duration,
            )
            .await?;
            eprintln!(
                "  sled  {writers:>3} writers x {events_per_commit:>2} events/commit: {:>9.0} events/s  p50 {:>7.0} us  p99 {:>7.0} us  ({:.0} events per flush of {:.0} us)",
                r.events_per_second, r.latency.p50, r.latency.p99, r.mean_batch_events, r.mean_flush_micros
            );
            out.push(r);
        }
    }
    Ok(out)
}
