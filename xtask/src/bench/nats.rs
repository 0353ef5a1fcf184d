//! Durable appends on a 3-node NATS JetStream cluster (replicas=3) beside sled, and how far
//! behind a read replica follows. Both engines run the same group-commit writer in the same
//! run, so the ratio is what to compare across machines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yinling_ledger::codec::{decode_record, SegmentReader};
use yinling_ledger::{EventLog, Timestamp};
use yinling_nats_log::{NatsConfig, NatsLog};

use super::appends::{self, AppendResult};
use super::Percentiles;

/// Writers measured on both engines.
pub const WRITERS: [usize; 3] = [1, 16, 64];

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:nats:start (written by `cargo xtask bench --only nats`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:nats:end -->";

/// A 3-node cluster on loopback.
pub struct Cluster {
    nodes: Vec<Child>,
    ports: Vec<u16>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            let _ = n.kill();
            let _ = n.wait();
        }
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

impl Cluster {
    /// Starts three `nats-server`s with JetStream (file storage under `dir`), syncing every
    /// write before acknowledging it (`sync_interval: always`) or on the server's own
    /// schedule (its default, every two minutes).
    pub fn start(dir: &Path, sync_always: bool) -> Result<Cluster, String> {
        let binary: PathBuf =
            yinling_nats_log::server::find().ok_or_else(yinling_nats_log::server::missing)?;
        let sync = if sync_always {
            ", sync_interval: always"
        } else {
            ""
        };
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let mut client = Vec::new();
        let mut route = Vec::new();
        let mut monitor = Vec::new();
        for _ in 0..3 {
            client.push(free_port()?);
            route.push(free_port()?);
            monitor.push(free_port()?);
        }
        let routes: Vec<String> = route
            .iter()
            .map(|p| format!("nats-route://127.0.0.1:{p}"))
            .collect();
        let mut nodes = Vec::new();
        for i in 0..3 {
            let conf = dir.join(format!("n{i}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{}\nmax_payload: 8MB\n\
                     jetstream {{ store_dir: \"{}\"{sync} }}\n\
                     cluster {{ name: yinling-bench, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                    client[i],
                    monitor[i],
                    dir.join(format!("n{i}")).display(),
                    route[i],
                    routes.join(", ")
                ),
            )
            .map_err(|e| e.to_string())?;
            nodes.push(
                Command::new(&binary)
                    .arg("-c")
                    .arg(&conf)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("cannot start nats-server: {e}"))?,
            );
        }
        let cluster = Cluster {
            nodes,
            ports: client,
        };
        for port in &monitor {
            let started = Instant::now();
            loop {
                let ok = std::net::TcpStream::connect(("127.0.0.1", *port)).is_ok();
                if ok {
                    break;
                }
                if started.elapsed() > Duration::from_secs(30) {
                    return Err("nats-server did not start".into());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(cluster)
    }

    /// The client URL of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.ports[i])
    }
}

/// Results of the NATS section.
pub struct NatsResults {
    /// nats-server's version.
    pub version: String,
    /// sled, the cluster syncing every write, the cluster on its default schedule.
    pub rows: Vec<(AppendResult, AppendResult, AppendResult)>,
    /// Age of an event when a replica on another NATS node has folded it, microseconds.
    pub replica_age: Percentiles,
    /// The commit latency measured in that same run, microseconds.
    pub replica_commit: Percentiles,
}

fn open(cluster: &Cluster, node: usize, stream: &str, scratch: &Path) -> Result<NatsLog, String> {
    NatsLog::open(NatsConfig {
        urls: cluster.url(node),
        stream: stream.into(),
        replicas: 3,
        snapshot_dir: scratch.join(format!("snapshots-{stream}")),
        create: true,
    })
    .map_err(|e| e.to_string())
}

/// Runs every combination on sled and on both clusters, then the replica lag (on the one
/// that syncs every write, as deployed).
pub async fn measure(scratch: &Path, duration: Duration) -> Result<NatsResults, String> {
    let synced = Cluster::start(&scratch.join("nats-sync"), true)?;
    let unsynced = Cluster::start(&scratch.join("nats-default"), false)?;
    let version = yinling_nats_log::server::find()
        .and_then(|b| Command::new(b).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for events_per_commit in appends::EVENTS_PER_COMMIT {
        for writers in WRITERS {
            let dir = scratch.join(format!("nats-sled-{writers}-{events_per_commit}"));
            let _ = std::fs::remove_dir_all(&dir);
            let sled: Arc<dyn EventLog> = Arc::new(
                yinling_ledger::SledLog::open(&dir, yinling_ledger::OpenMode::CreateIfMissing)
                    .map_err(|e| e.to_string())?,
            );
            let s = appends::one_on(sled, writers, events_per_commit, duration).await?;
            let _ = std::fs::remove_dir_all(&dir);
            let stream = format!("bench-{writers}-{events_per_commit}");
            let mut on_cluster = Vec::new();
            for cluster in [&synced, &unsynced] {
                let scratch2 = scratch.to_path_buf();
                let log: Arc<dyn EventLog> = Arc::new(tokio::task::block_in_place(|| {
                    open(cluster, 0, &stream, &scratch2)
                })?);
                on_cluster.push(appends::one_on(log, writers, events_per_commit, duration).await?);
            }
            let (n, d) = (on_cluster.remove(0), on_cluster.remove(0));
            eprintln!(
                "  {writers:>3} writers x {events_per_commit:>2} events: sled {:>8.0}/s | NATS R3 synced {:>8.0}/s p99 {:>6.0} us | default {:>8.0}/s p99 {:>6.0} us",
                s.events_per_second, n.events_per_second, n.latency.p99, d.events_per_second, d.latency.p99
            );
            rows.push((s, n, d));
        }
    }
    drop(unsynced);
    let (replica_age, replica_commit) = replica_lag(&synced, scratch, duration).await?;
    eprintln!(
        "  replica: event age when folded p50 {:.0} us p99 {:.0} us (commit p50 {:.0} us)",
        replica_age.p50, replica_age.p99, replica_commit.p50
    );
    Ok(NatsResults {
        version,
        rows,
        replica_age,
        replica_commit,
    })
}

/// 16 writers append through node 0 while a replica connected to node 2 follows the log;
/// for every event the replica folds: now minus the event's recorded_at (sealed just before
/// the commit was published).
async fn replica_lag(
    cluster: &Cluster,
    scratch: &Path,
    duration: Duration,
) -> Result<(Percentiles, Percentiles), String> {
    let scratch = scratch.to_path_buf();
    let writer = Arc::new(tokio::task::block_in_place(|| {
        open(cluster, 0, "bench-replica", &scratch)
    })?);
    let follower = Arc::new(tokio::task::block_in_place(|| {
        open(cluster, 2, "bench-replica", &scratch)
    })?);
    let stop = Arc::new(AtomicBool::new(false));
    let (f, s) = (follower.clone(), stop.clone());
    let watcher = std::thread::spawn(move || -> Result<Vec<u64>, String> {
        let feed = f.follower().map_err(|e| e.to_string())?;
        let mut ages = Vec::new();
        while !s.load(Ordering::SeqCst) {
            for segment in feed
                .next_batch(&f, Duration::from_millis(50))
                .map_err(|e| e.to_string())?
            {
                let now = Timestamp::now().0;
                let mut reader = SegmentReader::new(&segment.bytes).map_err(|e| e.to_string())?;
                while let Some(record) = reader.next_record().map_err(|e| e.to_string())? {
                    let e = decode_record(record).map_err(|e| e.to_string())?;
                    ages.push(now.saturating_sub(e.recorded_at.0).max(0) as u64);
                }
            }
        }
        Ok(ages)
    });
    let dyn_writer: Arc<dyn EventLog> = writer;
    let commit = appends::one_on(dyn_writer, 16, 1, duration).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let ages = watcher
        .join()
        .map_err(|_| "the replica watcher panicked".to_owned())??;
    Ok((Percentiles::of(ages), commit.latency))
}

/// The section of BENCHMARKS.md.
pub fn section(r: &NatsResults, seconds: u64) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "### Scale-out: the log on a 3-node NATS JetStream cluster\n"
    );
    let _ = writeln!(
        t,
        "Measured {} on {}. Command: `cargo xtask bench --only nats` ({seconds} s per figure). \
         Three `{}` processes on loopback on the same 2 cores, JetStream file storage, the stream with replicas=3; \
         the same group-commit writer as above, appending `ServiceLogged` envelopes, on sled and on two clusters in the same run: \
         one with `sync_interval: always` (each node syncs a write to disk before acknowledging it: what the README deploys), \
         one on the server's default (writes reach the disk on the server's own schedule, every two minutes). \
         A commit on a cluster is acknowledged once a majority of the three nodes has it.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        super::report::machine(),
        r.version
    );
    let _ = writeln!(t, "| writers | events/commit | sled events/s | sled p99 ms | NATS R3 synced events/s | p50 / p99 ms | NATS R3 default events/s | p50 / p99 ms | sled / synced | default / synced |");
    let _ = writeln!(t, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (s, n, d) in &r.rows {
        let _ = writeln!(
            t,
            "| {} | {} | {:.0} | {:.2} | {:.0} | {:.2} / {:.2} | {:.0} | {:.2} / {:.2} | {:.1}× | {:.1}× |",
            s.writers,
            s.events_per_commit,
            s.events_per_second,
            s.latency.p99 / 1000.0,
            n.events_per_second,
            n.latency.p50 / 1000.0,
            n.latency.p99 / 1000.0,
            d.events_per_second,
            d.latency.p50 / 1000.0,
            d.latency.p99 / 1000.0,
            s.events_per_second / n.events_per_second.max(1.0),
            d.events_per_second / n.events_per_second.max(1.0)
        );
    }
    let _ = writeln!(
        t,
        "\nA read replica connected to another NATS node, following while 16 writers append one-event commits: \
         an event is folded on the replica {:.2} ms (p50) / {:.2} ms (p99) after it was sealed; \
         the writer's own commit latency in the same run was {:.2} ms (p50) / {:.2} ms (p99), so the replica trails the \
         acknowledgement by roughly the difference.",
        r.replica_age.p50 / 1000.0,
        r.replica_age.p99 / 1000.0,
        r.replica_commit.p50 / 1000.0,
        r.replica_commit.p99 / 1000.0
    );
    t
}

/// Replaces the NATS section between its markers (or appends it).
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    super::report::write_section(path, START, END, text)
}
