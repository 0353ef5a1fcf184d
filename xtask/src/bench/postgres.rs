//! The same appends on PostgreSQL 15, started by the benchmark in a scratch directory with
//! `fsync=on` and `synchronous_commit=on`, one connection per writer, through tokio-postgres,
//! in two schemas: the gap-free seq taken from a counter row updated in the same transaction
//! (every writer waits on that row), and the schema an experienced PostgreSQL user would
//! write instead: an identity key and `UNIQUE (stream, version)`, no counter row, the
//! gap-free order recovered by the reader.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::appends::{AppendResult, EVENTS_PER_COMMIT};
use super::{Percentiles, WRITERS};

/// A scratch PostgreSQL server.
pub struct Cluster {
    data: PathBuf,
    socket: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn pg_command(as_postgres: bool, program: &str) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

impl Cluster {
    /// Starts one in `scratch`.
    pub fn start(scratch: &Path) -> Result<Cluster, String> {
        let root = scratch.join("postgres");
        let data = root.join("data");
        let socket = root.join("socket");
        std::fs::create_dir_all(&socket).map_err(|e| e.to_string())?;
        // PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&root)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("cannot hand the scratch directory to the postgres user".into());
            }
        }
        let out = pg_command(as_postgres, "initdb")
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = 20_000 + (std::process::id() % 10_000) as u16;
        let options = format!(
            "-c port={port} -c listen_addresses='' -c unix_socket_directories={} -c fsync=on -c synchronous_commit=on \
             -c wal_sync_method=fdatasync -c max_connections=300 -c shared_buffers=256MB",
            socket.display()
        );
        let out = pg_command(as_postgres, "pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(root.join("log"))
            .args(["-w", "start"])
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "pg_ctl start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Cluster {
            data,
            socket,
            port,
            as_postgres,
        })
    }

    /// The server's version, as it reports it.
    pub async fn version(&self) -> Result<String, String> {
        Ok(self
            .connect()
            .await?
            .query_one("SHOW server_version", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0))
    }

    /// A connection.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, String> {
        let config = format!(
            "host={} port={} user=postgres dbname=postgres",
            self.socket.display(),
            self.port
        );
        let (client, connection) = tokio_postgres::connect(&config, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = pg_command(self.as_postgres, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// How the events table numbers its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// A gap-free seq from a counter row bumped in the same transaction.
    CounterRow,
    /// `GENERATED ALWAYS AS IDENTITY`, no counter row: gaps possible (a rolled-back
    /// transaction burns its numbers), so a reader numbers the rows it sees itself.
    Identity,
}

const COUNTER_SCHEMA: &str = "DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS head;
     CREATE TABLE events (seq bigint PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL,
                          recorded_at timestamptz NOT NULL DEFAULT now(), payload bytea NOT NULL,
                          UNIQUE (stream, version));
     CREATE TABLE head (id int PRIMARY KEY, seq bigint NOT NULL); INSERT INTO head VALUES (1, 0);";

const IDENTITY_SCHEMA: &str = "DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS head;
     CREATE TABLE events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream text NOT NULL,
                          version bigint NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
                          payload bytea NOT NULL, UNIQUE (stream, version));";

/// The multi-row insert of one commit: with the seq as a parameter (counter row) or not.
fn insert_statement(schema: Schema, events_per_commit: usize) -> String {
    let per_row = if schema == Schema::CounterRow { 4 } else { 3 };
    let values: Vec<String> = (0..events_per_commit)
        .map(|i| {
            let params: Vec<String> = (1..=per_row)
                .map(|k| format!("${}", i * per_row + k))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    match schema {
        Schema::CounterRow => format!(
            "INSERT INTO events (seq, stream, version, payload) VALUES {}",
            values.join(", ")
        ),
        Schema::Identity => format!(
            "INSERT INTO events (stream, version, payload) VALUES {}",
            values.join(", ")
        ),
    }
}

async fn one(
    cluster: &Cluster,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String> {
    one_with(
        cluster,
        Schema::CounterRow,
        writers,
        events_per_commit,
        duration,
    )
    .await
}

/// One measurement in one schema.
pub async fn one_with(
    cluster: &Cluster,
    schema: Schema,
    writers: usize,
    events_per_commit: usize,
    duration: Duration,
) -> Result<AppendResult, String> {
    let admin = cluster.connect().await?;
    admin
        .batch_execute(match schema {
            Schema::CounterRow => COUNTER_SCHEMA,
            Schema::Identity => IDENTITY_SCHEMA,
        })
        .await
        .map_err(|e| e.to_string())?;
    let insert = insert_statement(schema, events_per_commit);
    let payload = vec![0x42u8; super::appends::record_bytes()];
    // Connect everyone first: with 256 writers connecting takes longer than a measurement.
    let mut clients = Vec::with_capacity(writers);
    for _ in 0..writers {
        clients.push(cluster.connect().await?);
    }
    // The clock starts once every writer has prepared its statements and is waiting.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(writers + 1));
    let mut tasks = Vec::new();
    for mut client in clients {
        let (insert, payload) = (insert.clone(), payload.clone());
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let bump = match schema {
                Schema::CounterRow => Some(
                    client
                        .prepare("UPDATE head SET seq = seq + $1 WHERE id = 1 RETURNING seq")
                        .await
                        .map_err(|e| e.to_string())?,
                ),
                Schema::Identity => None,
            };
            let insert = client.prepare(&insert).await.map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            let mut events = 0u64;
            start.wait().await;
            let deadline = Instant::now() + duration;
            while Instant::now() < deadline {
                let started = Instant::now();
                let stream = format!("activity-{}", uuid::Uuid::now_v7());
                let tx = client.transaction().await.map_err(|e| e.to_string())?;
                let n = events_per_commit as i64;
                let last: i64 = match &bump {
                    Some(bump) => tx
                        .query_one(bump, &[&n])
                        .await
                        .map_err(|e| e.to_string())?
                        .get(0),
                    None => 0,
                };
                let seqs: Vec<i64> = (0..n).map(|i| last - n + 1 + i).collect();
                let versions: Vec<i64> = (1..=n).collect();
                let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    Vec::with_capacity(events_per_commit * 4);
                for i in 0..events_per_commit {
                    if bump.is_some() {
                        params.push(&seqs[i]);
                    }
                    params.push(&stream);
                    params.push(&versions[i]);
                    params.push(&payload);
                }
                tx.execute(&insert, &params)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
                latencies.push(started.elapsed().as_micros() as u64);
                events += n as u64;
            }
            Ok::<_, String>((latencies, events))
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
    // The counter row's sequence really is gap-free; the identity table's order is
    // recovered by the reader, numbering the rows as it reads them in key order.
    let row = admin
        .query_one("SELECT count(*), coalesce(max(seq), 0) FROM events", &[])
        .await
        .map_err(|e| e.to_string())?;
    let (count, max): (i64, i64) = (row.get(0), row.get(1));
    if schema == Schema::CounterRow && count != max {
        return Err(format!(
            "PostgreSQL sequence has gaps: {count} rows, max seq {max}"
        ));
    }
    if schema == Schema::Identity {
        let numbered: i64 = admin
            .query_one(
                "SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY seq) AS position FROM events) r",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        if numbered != count {
            return Err(format!("the reader numbered {numbered} of {count} rows"));
        }
    }
    Ok(AppendResult {
        writers,
        events_per_commit,
        events_per_second: events as f64 / elapsed,
        latency: Percentiles::of(latencies),
        mean_batch_events: 0.0,
        mean_flush_micros: 0.0,
    })
}

/// PostgreSQL's results and its version.
pub struct PgResults {
    /// Server version.
    pub version: String,
    /// Every combination.
    pub results: Vec<AppendResult>,
}

/// Every combination of commit size and concurrency.
pub async fn measure(scratch: &Path, duration: Duration) -> Result<PgResults, String> {
    let cluster = Cluster::start(scratch)?;
    let version = cluster.version().await?;
    let mut out = Vec::new();
    for events_per_commit in EVENTS_PER_COMMIT {
        for writers in WRITERS {
            let r = one(&cluster, writers, events_per_commit, duration).await?;
            eprintln!(
                "  pg    {writers:>3} writers x {events_per_commit:>2} events/commit: {:>9.0} events/s  p50 {:>7.0} us  p99 {:>7.0} us",
                r.events_per_second, r.latency.p50, r.latency.p99
            );
            out.push(r);
        }
    }
    Ok(PgResults {
        version,
        results: out,
    })
}
