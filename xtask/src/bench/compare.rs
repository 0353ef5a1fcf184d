//! Before and after: the release binary of this tree against another build of Yinling (an
//! earlier commit's `target/release/yinling`), on the same data, in one run, interleaved
//! round by round so that the machine's drift hits both alike. Each figure is the median of
//! the rounds, and the ratio is after / before.
//!
//! What it compares is what a change to the layers above the ledger can slow down: appends
//! through the whole application (the demo generator submits through the same `submit` as the
//! API, 512 commands in flight), replay (cold starts that fold the whole log, with and
//! without the chain walk, and from the newest snapshot), and HTTP (the load tests of the
//! `http` section). Both builds read the same files: the log format did not change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use yinling_ledger::{EventLog, OpenMode, SledLog};

use super::{http, median, replay};

/// Rounds of the comparison (each runs both builds).
pub const ROUNDS: usize = 5;

/// One figure of one build.
#[derive(Debug, Default, Clone)]
struct Figures {
    /// (name, value, unit, higher is better)
    values: Vec<(String, f64, &'static str, bool)>,
}

impl Figures {
    fn push(&mut self, name: &str, value: f64, unit: &'static str, higher_is_better: bool) {
        self.values
            .push((name.to_owned(), value, unit, higher_is_better));
    }
}

/// Appends through the application: a small demo city generated from nothing.
fn demo_appends(binary: &Path, scratch: &Path, round: usize) -> Result<f64, String> {
    let dir = scratch.join(format!("compare-demo-{round}-{}", binary_tag(binary)));
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let out = Command::new(binary)
        .args([
            "demo",
            "--volunteers",
            "2000",
            "--teams",
            "20",
            "--days",
            "200",
            "--seed",
            "7",
            "--data",
        ])
        .arg(&dir)
        .env("YINLING_ADMIN_TOKEN", super::http::ADMIN)
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.success() {
        return Err(format!("{} demo failed", binary.display()));
    }
    let events = SledLog::open(&dir, OpenMode::MustExist)
        .map_err(|e| e.to_string())?
        .head()
        .seq;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(events as f64 / seconds)
}

fn binary_tag(binary: &Path) -> String {
    binary
        .to_string_lossy()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .rev()
        .take(12)
        .collect()
}

/// One round of one build.
async fn round(
    binary: &Path,
    scratch: &Path,
    big: &Path,
    city: &Path,
    duration: Duration,
    n: usize,
) -> Result<Figures, String> {
    let mut f = Figures::default();
    f.push(
        "appends through the application (demo generator), events/s",
        demo_appends(binary, scratch, n)?,
        "events/s",
        true,
    );
    for (what, extra) in [
        (
            "cold start, from scratch, no chain walk (read + fold)",
            &["--replay-from-scratch", "--skip-verify"][..],
        ),
        (
            "cold start, from scratch, chain verified",
            &["--replay-from-scratch"][..],
        ),
        (
            "cold start, newest snapshot + tail, chain verified",
            &[][..],
        ),
    ] {
        let (seconds, resident) = replay::cold_start_measured(binary, big, extra)?;
        f.push(what, seconds, "s", false);
        f.push(
            &format!("{what}: serve's resident memory once listening, MB"),
            resident,
            "MB",
            false,
        );
    }
    replay::settle();
    let _ = std::fs::remove_dir_all(scratch.join("http"));
    for r in http::measure(binary, scratch, city, duration).await? {
        f.push(
            &format!("{}, req/s", r.name),
            r.requests_per_second,
            "req/s",
            true,
        );
        f.push(
            &format!("{}, p99", r.name),
            r.latency.p99 / 1000.0,
            "ms",
            false,
        );
    }
    replay::settle();
    Ok(f)
}

/// Runs the comparison and returns the Markdown section.
pub async fn measure(
    before: &Path,
    after: &Path,
    scratch: &Path,
    replay_events: u64,
    duration: Duration,
) -> Result<String, String> {
    let started = Instant::now();
    eprintln!("building the demo city and the {replay_events}-event log (with the new build)");
    let city = replay::make_city(after, scratch)?;
    let (big, _) = replay::make_log(after, scratch, replay_events)?;
    let events = SledLog::open(&big, OpenMode::MustExist)
        .map_err(|e| e.to_string())?
        .head()
        .seq;
    let mut rounds: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
    for n in 0..ROUNDS {
        // Alternate which build goes first.
        let order: [(usize, &Path); 2] = if n % 2 == 0 {
            [(0, before), (1, after)]
        } else {
            [(1, after), (0, before)]
        };
        for (i, binary) in order {
            eprintln!("round {}/{ROUNDS}: {}", n + 1, binary.display());
            rounds[i].push(round(binary, scratch, &big, &city, duration, n).await?);
        }
    }
    let mut t = String::new();
    let _ = writeln!(t, "## Before and after the application layer\n");
    let _ = writeln!(
        t,
        "`cargo xtask bench --compare-with {}` on {}: {ROUNDS} rounds, the two builds interleaved (alternating which goes first), each figure the median of its rounds; {}-second load tests; a {events}-event log and the 10,000-volunteer demo city, both read by both builds. Run took {:.0} s.\n",
        before.display(),
        super::report::machine(),
        duration.as_secs(),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        t,
        "| measure | before (median, range) | after (median, range) | after / before |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|");
    let names = rounds[0]
        .first()
        .map(|f| f.values.clone())
        .unwrap_or_default();
    for (k, (name, _, unit, higher)) in names.iter().enumerate() {
        let values = |i: usize| -> Vec<f64> {
            rounds[i]
                .iter()
                .filter_map(|f| f.values.get(k).map(|v| v.1))
                .collect()
        };
        let range = |i: usize| {
            let v = values(i);
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (b, a) = (median(values(0)), median(values(1)));
        let ratio = if b > 0.0 { a / b } else { 0.0 };
        let better = if (ratio >= 1.0) == *higher {
            ""
        } else {
            " ↓"
        };
        let fmt = |v: f64| match *unit {
            "s" => format!("{v:.3} s"),
            "ms" => format!("{v:.2} ms"),
            _ => format!("{v:.0}"),
        };
        let ((bl, bh), (al, ah)) = (range(0), range(1));
        let _ = writeln!(
            t,
            "| {name} | {} ({}–{}) | {} ({}–{}) | {ratio:.2}{better} |",
            fmt(b),
            fmt(bl),
            fmt(bh),
            fmt(a),
            fmt(al),
            fmt(ah)
        );
    }
    let _ = writeln!(
        t,
        "\n↓ marks a median that moved the wrong way; read it against the two ranges beside it, which are what this machine's noise looks like.\n"
    );
    let _ = writeln!(t, "<details><summary>every round</summary>\n");
    for (label, i) in [("before", 0), ("after", 1)] {
        for (n, f) in rounds[i].iter().enumerate() {
            let cells: Vec<String> = f
                .values
                .iter()
                .map(|(name, v, _, _)| format!("{name}: {v:.3}"))
                .collect();
            let _ = writeln!(t, "- {label}, round {}: {}", n + 1, cells.join("; "));
        }
    }
    let _ = writeln!(t, "\n</details>");
    Ok(t)
}

/// The release binary of another tree (built there if missing).
pub fn other_binary(root: &Path) -> Result<PathBuf, String> {
    let binary = root.join("target/release/yinling");
    if binary.exists() {
        return Ok(binary);
    }
    http::build_binary(root)
}
