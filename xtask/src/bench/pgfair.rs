//! A fair PostgreSQL baseline beside the one in the main report: the same durable appends
//! on sled (group commit) and on PostgreSQL in both schemas, the counter row and the identity
//! key an experienced PostgreSQL user would choose, with one event per commit and with
//! 100-row batches, all in one run on the same disk.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::appends::{self, AppendResult};
use super::postgres::{one_with, Cluster, Schema};

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:pgfair:start (written by `cargo xtask bench --only pgfair`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:pgfair:end -->";

/// Writers measured.
const WRITERS: [usize; 3] = [1, 16, 64];
/// Events per commit: one, and a batch of one hundred rows.
const EVENTS_PER_COMMIT: [usize; 2] = [1, 100];

/// One row of the table: sled, then PostgreSQL with the counter row, then with the identity key.
pub struct Row {
    sled: AppendResult,
    counter: AppendResult,
    identity: AppendResult,
}

/// Every combination, printed as it goes.
pub async fn measure(scratch: &Path, duration: Duration) -> Result<(String, Vec<Row>), String> {
    let cluster = Cluster::start(scratch)?;
    let version = cluster.version().await?;
    let mut rows = Vec::new();
    for events_per_commit in EVENTS_PER_COMMIT {
        for writers in WRITERS {
            let dir = scratch.join(format!("pgfair-sled-{writers}-{events_per_commit}"));
            let sled = appends::one(&dir, writers, events_per_commit, duration).await?;
            let counter = one_with(
                &cluster,
                Schema::CounterRow,
                writers,
                events_per_commit,
                duration,
            )
            .await?;
            let identity = one_with(
                &cluster,
                Schema::Identity,
                writers,
                events_per_commit,
                duration,
            )
            .await?;
            eprintln!(
                "  {writers:>3} writers x {events_per_commit:>3} events/commit: sled {:>8.0}/s  pg counter {:>8.0}/s  pg identity {:>8.0}/s",
                sled.events_per_second, counter.events_per_second, identity.events_per_second
            );
            rows.push(Row {
                sled,
                counter,
                identity,
            });
        }
    }
    Ok((version, rows))
}

/// The section, in Markdown.
pub fn section(version: &str, rows: &[Row], seconds: u64) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "### A fair PostgreSQL baseline: the identity key beside the counter row\n"
    );
    let _ = writeln!(
        t,
        "Measured {} on {}. Command: `cargo xtask bench --only pgfair` ({seconds} s per figure, every line \
         side by side in one run on the same disk). PostgreSQL {version}, `fsync=on`, `synchronous_commit=on`, \
         one tokio-postgres connection per writer, 294-byte payloads, each commit one multi-row `INSERT` in \
         its own transaction. *Counter row*: the gap-free seq from a row bumped in the same transaction (the \
         main table above). *Identity*: `seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY` and \
         `UNIQUE (stream, version)`, no counter row; the reader numbers the rows in key order itself \
         (`row_number() OVER (ORDER BY seq)`, checked after each run). Yinling: the same group-commit writer \
         and sled log as the main table.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        super::report::machine(),
    );
    let _ = writeln!(
        t,
        "| writers | events/commit | Yinling events/s | p99 ms | PG counter row events/s | p99 ms | PG identity events/s | p99 ms | Yinling / counter | Yinling / identity |"
    );
    let _ = writeln!(t, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} | {:.1}× | {:.1}× |",
            r.sled.writers,
            r.sled.events_per_commit,
            r.sled.events_per_second,
            r.sled.latency.p99 / 1000.0,
            r.counter.events_per_second,
            r.counter.latency.p99 / 1000.0,
            r.identity.events_per_second,
            r.identity.latency.p99 / 1000.0,
            r.sled.events_per_second / r.counter.events_per_second.max(1.0),
            r.sled.events_per_second / r.identity.events_per_second.max(1.0),
        );
    }
    t
}

/// Writes the section between its markers.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    super::report::write_section(path, START, END, text)
}
