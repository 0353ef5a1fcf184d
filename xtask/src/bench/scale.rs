//! How the service grows with its population, point by point: demo cities of 1,000, 10,000,
//! 100,000 and 1,000,000 volunteers (a team per hundred, a year of service), each measured
//! for what a province needs to know: the resident memory of `serve`, the snapshot's size and
//! its encode and decode time, the cold start with a snapshot and from scratch, and the
//! whole-population volunteer ranking. `SCALE.md` fits its model to these points.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use yinling_ledger::{EventLog, OpenMode, SledLog};
use yinling_projections::replay;

use super::http::Server;
use super::replay::{cold_start, demo, rankings};
use super::Percentiles;

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:scale:start (written by `cargo xtask bench --only scale`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:scale:end -->";
/// Where the section of cities of another density goes (`--scale-services-per-volunteer`).
pub const DENSE_START: &str = "<!-- bench:scale-services:start (written by `cargo xtask bench --only scale --scale-services-per-volunteer N`; edit outside the markers) -->";
/// End of that section.
pub const DENSE_END: &str = "<!-- bench:scale-services:end -->";

/// Volunteers of the measured points.
pub const POINTS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
/// Seconds after `listening` that `serve`'s resident memory is read.
const RESIDENT_AFTER_SECONDS: u64 = 10;
/// Volunteers per team in the generated cities (the 47 teams of 湖州 hold about 200).
const PER_TEAM: usize = 100;

/// One measured point.
#[derive(Debug, Default)]
pub struct Point {
    /// Volunteers.
    pub volunteers: usize,
    /// Teams.
    pub teams: usize,
    /// Events in the log.
    pub events: u64,
    /// Seconds `demo` took.
    pub generate_seconds: f64,
    /// The log directory's size on disk, bytes.
    pub disk_bytes: u64,
    /// Resident memory of `serve` once listening, bytes (VmRSS), and its peak (VmHWM).
    pub rss_bytes: u64,
    /// Peak resident memory during the start.
    pub peak_bytes: u64,
    /// Snapshot size, bytes.
    pub snapshot_bytes: usize,
    /// Seconds to encode it.
    pub encode_seconds: f64,
    /// Seconds to decode it.
    pub decode_seconds: f64,
    /// Cold start with the newest snapshot, chain verified, seconds (median of three).
    pub start_snapshot: f64,
    /// Cold start from scratch, chain verified, seconds (median of three).
    pub start_scratch: f64,
    /// Whole-population volunteer ranking, top 20, in process.
    pub ranking: Percentiles,
    /// Team ranking.
    pub team_ranking: Percentiles,
}

fn du(dir: &Path) -> u64 {
    fn walk(p: &Path) -> u64 {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|it| it.filter_map(Result::ok).map(|e| walk(&e.path())).sum())
                .unwrap_or(0),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    walk(dir)
}

/// `serve` on `dir` until it listens; then its resident and peak memory (kB lines of
/// /proc/PID/status, in bytes).
fn resident(binary: &Path, dir: &Path) -> Result<(u64, u64), String> {
    let server = Server::start(binary, dir)?;
    // Let the background work of a fresh start (the first checkpoint, notices) settle, and
    // the memory of the start's chain walk be handed back: two seconds were too few at
    // 100,000 volunteers of fifty events (2.8 GB then, 1.5 GB at five seconds and at ten).
    std::thread::sleep(Duration::from_secs(RESIDENT_AFTER_SECONDS));
    let pid = server.pid().to_string();
    let measured = (
        super::proc_memory_bytes(&pid, "VmRSS:"),
        super::proc_memory_bytes(&pid, "VmHWM:"),
    );
    drop(server);
    Ok(measured)
}

/// One point: the city generated (or reused from an earlier run), then measured.
fn point(
    binary: &Path,
    scratch: &Path,
    volunteers: usize,
    services: Option<f64>,
) -> Result<Point, String> {
    let name = match services {
        None => format!("scale-{volunteers}"),
        Some(services) => format!("scale-{volunteers}-services-{services}"),
    };
    let dir = scratch.join(&name);
    let teams = (volunteers / PER_TEAM).clamp(10, 10_000);
    let mut p = Point {
        volunteers,
        teams,
        ..Point::default()
    };
    // A city is reused only when its generation finished (a stopped run leaves a partial one).
    let done = scratch.join(format!("{name}.done"));
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let mut options = vec![
            "--volunteers".to_owned(),
            volunteers.to_string(),
            "--teams".to_owned(),
            teams.to_string(),
            "--seed".to_owned(),
            "7".to_owned(),
        ];
        if let Some(services) = services {
            options.extend(["--services-per-volunteer".to_owned(), services.to_string()]);
        }
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        p.generate_seconds = demo(binary, &dir, &options)?;
        std::fs::write(&done, format!("{}\n", p.generate_seconds)).map_err(|e| e.to_string())?;
    }
    {
        let log = SledLog::open(&dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
        p.events = log.head().seq;
        let (state, _, _) = yinling_app::load::load_state(&log, None).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let bytes = replay::encode_snapshot(&state, None).map_err(|e| e.to_string())?;
        p.encode_seconds = started.elapsed().as_secs_f64();
        p.snapshot_bytes = bytes.len();
        let started = Instant::now();
        let decoded = replay::decode_snapshot(&bytes).map_err(|e| e.to_string())?;
        p.decode_seconds = started.elapsed().as_secs_f64();
        drop(decoded);
    }
    p.disk_bytes = du(&dir);
    (p.rss_bytes, p.peak_bytes) = resident(binary, &dir)?;
    p.start_snapshot = cold_start(binary, &dir, &[])?;
    p.start_scratch = cold_start(binary, &dir, &["--replay-from-scratch"])?;
    let ranked = rankings(&dir)?;
    p.ranking = ranked.first().map(|(_, r)| *r).unwrap_or_default();
    p.team_ranking = ranked.last().map(|(_, r)| *r).unwrap_or_default();
    eprintln!(
        "  {volunteers} volunteers: {} events, rss {} MB, snapshot {} MB ({:.2}s/{:.2}s), start {:.2}s/{:.2}s, ranking p99 {:.1} ms",
        p.events,
        p.rss_bytes >> 20,
        p.snapshot_bytes >> 20,
        p.encode_seconds,
        p.decode_seconds,
        p.start_snapshot,
        p.start_scratch,
        p.ranking.p99 / 1000.0
    );
    Ok(p)
}

/// Measures every point up to `--scale-volunteers` (10,000 with `--quick`) at
/// `--scale-services-per-volunteer` and writes the section into `--out` under `root` (its own
/// markers for another density than the default), or prints it with `--quick`.
pub fn run(
    binary: &Path,
    scratch: &Path,
    args: &super::BenchArgs,
    root: &Path,
) -> Result<(), String> {
    let largest = if args.quick {
        10_000
    } else {
        args.scale_volunteers
    };
    let services = args.scale_services_per_volunteer;
    let points = measure(binary, scratch, largest, services)?;
    let text = section(&points, services);
    if args.quick {
        println!("{text}");
        Ok(())
    } else {
        write(&root.join(&args.out), &text, services)
    }
}

/// Every point up to `largest` volunteers, smallest first.
pub fn measure(
    binary: &Path,
    scratch: &Path,
    largest: usize,
    services: Option<f64>,
) -> Result<Vec<Point>, String> {
    POINTS
        .iter()
        .filter(|v| **v <= largest)
        .map(|v| point(binary, scratch, *v, services))
        .collect()
}

fn mb(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / 1_048_576.0)
}

/// The section, in Markdown.
pub fn section(points: &[Point], services: Option<f64>) -> String {
    let mut t = String::new();
    if let Some(services) = services {
        let _ = writeln!(
            t,
            "### Scale at {services} services a volunteer a year (#21)\n\nThe cities below are \
             generated with `demo --services-per-volunteer {services}` (`cargo xtask bench --only \
             scale --scale-services-per-volunteer {services}`); the method is that of \
             \"Scale: the same service at 1,000 to 1,000,000 volunteers\".\n"
        );
    } else {
        let _ = writeln!(
            t,
            "### Scale: the same service at 1,000 to 1,000,000 volunteers (#21)\n"
        );
    }
    let _ = writeln!(
        t,
        "Measured {} on {}. Command: `cargo xtask bench --only scale` (each city generated by `yinling \
         demo --volunteers N --teams N/100 --seed 7`, a year of service, through the same decide and \
         group-commit path as the API; generated again by every run, which empties its scratch directory first). Resident memory is `serve`'s VmRSS \
         {RESIDENT_AFTER_SECONDS} seconds after it listens (two seconds in runs before 2026-12-05 03:45 UTC; peak VmHWM beside it); snapshot encode and decode in process; cold \
         starts to the `listening` line, chain verified, median of three; rankings in process, 300 \
         queries of the top 20 over everyone.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        super::report::machine(),
    );
    let _ = writeln!(
        t,
        "| volunteers | teams | events | demo s | log on disk MB | serve RSS MB (peak) | snapshot MB | encode s | decode s | start, snapshot s | start, scratch s | volunteer ranking p50 / p99 ms | team ranking p99 ms |"
    );
    let _ = writeln!(
        t,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for p in points {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} ({}) | {:.1} | {:.3} | {:.3} | {:.2} | {:.2} | {:.2} / {:.2} | {:.2} |",
            p.volunteers,
            p.teams,
            p.events,
            if p.generate_seconds > 0.0 { format!("{:.0}", p.generate_seconds) } else { "reused".into() },
            mb(p.disk_bytes),
            mb(p.rss_bytes),
            mb(p.peak_bytes),
            p.snapshot_bytes as f64 / 1_048_576.0,
            p.encode_seconds,
            p.decode_seconds,
            p.start_snapshot,
            p.start_scratch,
            p.ranking.p50 / 1000.0,
            p.ranking.p99 / 1000.0,
            p.team_ranking.p99 / 1000.0,
        );
    }
    t
}

/// Writes the section between its markers.
pub fn write(path: &Path, text: &str, services: Option<f64>) -> Result<(), String> {
    match services {
        None => super::report::write_section(path, START, END, text),
        Some(_) => super::report::write_section(path, DENSE_START, DENSE_END, text),
    }
}
