//! Writes while snapshots are taken: the same activity load on a copy of the replay log's
//! 50,000-volunteer city, once with no snapshot due during the run and once with one due every
//! few thousand events, alternated, so what a snapshot costs the requests around it shows as
//! the difference in the tail.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use yinling_ledger::{EventLog, OpenMode, SledLog};

use super::http::{self, HttpResult, Server};

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:snapshots:start (written by `cargo xtask bench --only snapshots`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:snapshots:end -->";

/// `--snapshot-every` of the runs with snapshots: at several thousand events a second, one is
/// due every second or two, and one is written at a time.
const OFTEN: u64 = 10_000;
/// `--snapshot-every` of the runs without: more events than a run can log.
const NEVER: u64 = 1_000_000_000;
/// Rounds of each, alternated.
const ROUNDS: usize = 2;

/// One run: the load's figures and the snapshots stored while it ran.
#[derive(Debug, Clone)]
pub struct Run {
    /// `--snapshot-every` it ran with.
    pub every: u64,
    /// The load.
    pub result: HttpResult,
    /// Snapshots stored during the run.
    pub snapshots: usize,
}

/// What the section reports.
#[derive(Debug, Clone, Default)]
pub struct SnapshotsResult {
    /// Events and volunteers of the city the runs start from.
    pub events: u64,
    /// Bytes of its newest snapshot (what each snapshot of the runs writes, roughly).
    pub snapshot_bytes: usize,
    /// Every run, in the order run.
    pub runs: Vec<Run>,
}

/// Copies the directory `from` to `to` (`cp -a`), whatever `to` held removed first.
pub(super) fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("copying {} failed", from.display()));
    }
    Ok(())
}

/// The seqs of the snapshots stored in the log at `dir` (no server running on it).
fn snapshot_seqs(dir: &Path) -> Result<Vec<u64>, String> {
    let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    log.snapshot_seqs().map_err(|e| e.to_string())
}

/// Runs the rounds on copies of `big` under `scratch`.
pub async fn measure(
    binary: &Path,
    scratch: &Path,
    big: &Path,
    duration: Duration,
) -> Result<SnapshotsResult, String> {
    let mut out = SnapshotsResult::default();
    {
        let log = SledLog::open(big, OpenMode::MustExist).map_err(|e| e.to_string())?;
        out.events = log.head().seq;
        if let Some(seq) = log.snapshot_seqs().map_err(|e| e.to_string())?.first() {
            out.snapshot_bytes = log
                .snapshot(*seq)
                .map_err(|e| e.to_string())?
                .map_or(0, |b| b.len());
        }
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(http::clients())
        .build()
        .map_err(|e| e.to_string())?;
    let dir = scratch.join("snapshots");
    for round in 0..ROUNDS * 2 {
        let every = if round % 2 == 0 { NEVER } else { OFTEN };
        copy_dir(big, &dir)?;
        let before = snapshot_seqs(&dir)?;
        let result = {
            let server =
                Server::start_with(binary, &dir, &["--snapshot-every", &every.to_string()])?;
            let (coordinator, make) = http::activity_load(&client, server.base(), "压测区").await?;
            let name = format!("POST /v1/activities, --snapshot-every {every}");
            http::load(&name, server.pid(), &coordinator, duration, make).await
        };
        // Counted by seq, not by the list's length: the log prunes older snapshots as new
        // ones arrive.
        let snapshots = snapshot_seqs(&dir)?
            .iter()
            .filter(|seq| !before.contains(seq))
            .count();
        eprintln!("  snapshots stored during the run: {snapshots}");
        out.runs.push(Run {
            every,
            result,
            snapshots,
        });
        super::replay::settle();
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// The section, in Markdown.
pub fn section(r: &SnapshotsResult, seconds: u64) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(t, "### Writes while snapshots are taken\n");
    let _ = writeln!(
        t,
        "Command: `cargo xtask bench --only snapshots` (each run {seconds} s after a warm-up, {} clients, on a fresh copy of the replay log: {} events, newest snapshot {:.1} MB; runs without and with snapshots alternated).\n",
        http::clients(),
        r.events,
        r.snapshot_bytes as f64 / 1e6
    );
    let _ = writeln!(
        t,
        "| --snapshot-every | snapshots stored | req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for run in &r.runs {
        let l = &run.result.latency;
        let _ = writeln!(
            t,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            run.every,
            run.snapshots,
            run.result.requests_per_second,
            l.p50 / 1000.0,
            l.p99 / 1000.0,
            l.p999 / 1000.0,
            l.max / 1000.0,
            run.result.errors
        );
    }
    let worst = |every: u64, pick: fn(&Run) -> f64| {
        r.runs
            .iter()
            .filter(|x| x.every == every)
            .map(pick)
            .fold(0.0, super::worst)
    };
    let p999 = |x: &Run| x.result.latency.p999;
    let max = |x: &Run| x.result.latency.max;
    let _ = writeln!(
        t,
        "\nThe worse round of each: p99.9 {:.1} ms with snapshots against {:.1} ms without ({:.2}×); the slowest write {:.0} ms against {:.0} ms.",
        worst(OFTEN, p999) / 1000.0,
        worst(NEVER, p999) / 1000.0,
        worst(OFTEN, p999) / worst(NEVER, p999).max(1.0),
        worst(OFTEN, max) / 1000.0,
        worst(NEVER, max) / 1000.0
    );
    t
}

/// Writes the section between its markers.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    super::report::write_section(path, START, END, text)
}
