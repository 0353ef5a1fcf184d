//! The benchmark run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

mod appends;
mod chainwalk;
mod changes;
mod cityload;
mod compare;
mod disk;
mod feed;
mod http;
mod journal_replay;
mod lean_client;
mod micro;
mod nats;
mod one_writer;
mod pgfair;
mod postgres;
mod rankings;
mod replay;
mod report;
mod resident;
mod scale;
mod snapshots;
mod starts;
mod tree;

pub use report::Report;

/// Options of `bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Shorter runs and a smaller replay log (a smoke test of the harness, not for numbers).
    #[arg(long)]
    pub quick: bool,
    /// Seconds each throughput measurement runs.
    #[arg(long, default_value_t = 4)]
    pub seconds: u64,
    /// Events in the replay and cold-start log.
    #[arg(long, default_value_t = 1_000_000)]
    pub replay_events: u64,
    /// Scratch directory on the disk to measure (default: target/bench-scratch).
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    /// Where to write the results.
    #[arg(long, default_value = "BENCHMARKS.md")]
    pub out: PathBuf,
    /// Skip the PostgreSQL comparison (e.g. where PostgreSQL is not installed).
    #[arg(long)]
    pub skip_postgres: bool,
    /// Run only these sections (disk, appends, postgres, replay, http, micro, nats, pgfair,
    /// tree, scale, snapshots, rankings, cityload, feed, chainwalk, starts) and print to the terminal without touching BENCHMARKS.md (for
    /// profiling one part); `nats` (the 3-node JetStream cluster beside sled), `pgfair` (PostgreSQL's
    /// identity-key schema beside its counter row and sled), `tree` (appends, the start's
    /// walk and proofs with and without the Merkle tree), `scale` (cities of 1,000 to
    /// 1,000,000 volunteers) and `snapshots` (writes while snapshots are taken, on the replay
    /// log's city) and `rankings` (volunteer rankings on populations of 10,000 to 1,000,000,
    /// in memory) write their own sections. `cityload` (HTTP writes and reads under load on
    /// the city `--city` names), `feed` (the auditors' feed of that city paged from the first
    /// event, twice, with the node's memory), `chainwalk` (that city started with
    /// `--verify-tail`, its whole chain walked after `listening`, with the node's memory and
    /// ranking reads beside it, then without the walk), `changes` (a snapshot of the changes of the last
    /// 100,000 events beside a whole one, on `--city` or the replay log), `journal` (an open that
    /// applies a journal of one-event commits, as after a power cut) and `onewriter` (one
    /// writer's commits and the disk's one-at-a-time syncs in alternating slices of
    /// `--seconds`) and `starts` (the city `--city` names started from scratch, from a snapshot
    /// with the whole chain checked and with the tail alone, each `--start-rounds` times, with
    /// the time, CPU and memory of each) only print.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// The largest city of `--only scale`, in volunteers (1,000 to 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub scale_volunteers: usize,
    /// Services a volunteer gives in a year in the cities of `--only scale` (`demo
    /// --services-per-volunteer`); without it, `demo`'s own default (5.5, the city's figures,
    /// about 11 events a volunteer). 45 is a province of weekly service, about 50 events a
    /// volunteer. Given, the cities' section is one of its own beside the default's.
    #[arg(long)]
    pub scale_services_per_volunteer: Option<f64>,
    /// The data directory `--only cityload`, `feed` and `chainwalk` serve and load; outside the
    /// scratch directory, which every run of `bench` empties first.
    #[arg(long, value_name = "DIR")]
    pub city: Option<PathBuf>,
    /// More options of `serve` for `--only cityload`, one per flag (for instance
    /// `--city-serve-arg=--snapshot-every=1000000000` to load the city with no snapshot due).
    #[arg(long, value_name = "OPTION", allow_hyphen_values = true)]
    pub city_serve_arg: Vec<String>,
    /// Starts of each kind `--only starts` measures.
    #[arg(long, default_value_t = 3)]
    pub start_rounds: usize,
    /// Seconds after `listening` that `--only starts` reads the node's memory at rest.
    #[arg(long, default_value_t = 10)]
    pub start_settle_seconds: u64,
    /// A second `yinling` binary whose starts `--only starts` alternates with the first's
    /// (an earlier commit's, copied aside), for two builds compared on one city in one run.
    #[arg(long, value_name = "BINARY")]
    pub start_beside: Option<PathBuf>,
    /// The largest population of `--only rankings`, in volunteers.
    #[arg(long, default_value_t = 1_000_000)]
    pub rankings_volunteers: usize,
    /// Compare this tree's release binary with another build, before and after, in one
    /// interleaved run: a source tree (its `target/release/yinling`, built there if missing)
    /// or a binary. Writes its own section of BENCHMARKS.md.
    #[arg(long, value_name = "TREE_OR_BINARY")]
    pub compare_with: Option<PathBuf>,
}

/// Markers of the before-and-after section.
const COMPARE_START: &str = "<!-- bench:compare:start (written by `cargo xtask bench --compare-with`; edit outside the markers) -->";
const COMPARE_END: &str = "<!-- bench:compare:end -->";

/// Concurrency levels of the append benchmarks.
pub const WRITERS: [usize; 4] = [1, 16, 64, 256];

/// Latency percentiles of a sample, in microseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// The slowest.
    pub max: f64,
}

impl Percentiles {
    /// From latencies in microseconds.
    pub fn of(mut micros: Vec<u64>) -> Self {
        // No sample is no figure: a table shows NaN, never a latency of 0 ms.
        if micros.is_empty() {
            return Percentiles {
                p50: f64::NAN,
                p99: f64::NAN,
                p999: f64::NAN,
                max: f64::NAN,
            };
        }
        micros.sort_unstable();
        let at = |q: f64| micros[((micros.len() as f64 - 1.0) * q).round() as usize] as f64;
        Percentiles {
            p50: at(0.5),
            p99: at(0.99),
            p999: at(0.999),
            max: at(1.0),
        }
    }
}

/// A memory field of a process's /proc status (`"VmRSS:"`, `"VmHWM:"`) in bytes, for
/// `process` "self" or a pid (0 where /proc does not say).
pub fn proc_memory_bytes(process: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The larger of two figures, NaN (a section with no sample) winning: a worst case over
/// figures one of which is missing is missing, never the largest of the others.
pub fn worst(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The median of a few repeated measurements.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Names a `yinling` binary for `--only cityload` and `--only feed` to start instead of
/// building this tree's.
const CITYLOAD_BINARY_ENV: &str = "YINLING_CITYLOAD_BINARY";

/// The binary and the city `--only cityload` and `--only feed` start `serve` with: the city
/// `--city` names, which must exist (the load signs in as the benchmarks' administrator, so
/// the city must know its token), and a binary built elsewhere when
/// [`CITYLOAD_BINARY_ENV`] names one (an earlier commit's, copied aside: side-by-side runs
/// on the same city without rebuilding between them), else this tree's.
fn city_and_binary(
    root: &std::path::Path,
    args: &BenchArgs,
    section: &str,
) -> Result<(PathBuf, PathBuf), String> {
    let generate = |dir: &str| {
        format!(
            "generate one with `YINLING_ADMIN_TOKEN={} yinling demo --data {dir}`",
            http::ADMIN
        )
    };
    let city = args.city.clone().ok_or_else(|| {
        format!(
            "--only {section} needs --city DIR, a data directory outside the scratch directory \
             (which every run empties): {}",
            generate("DIR")
        )
    })?;
    if !city.exists() {
        return Err(format!(
            "no city at {}: {}",
            city.display(),
            generate(&city.display().to_string())
        ));
    }
    let binary = match std::env::var_os(CITYLOAD_BINARY_ENV) {
        Some(path) => PathBuf::from(path),
        None => http::build_binary(root)?,
    };
    Ok((binary, city))
}

/// The sections `--only` chooses from.
const SECTIONS: &[&str] = &[
    "appends",
    "chainwalk",
    "changes",
    "cityload",
    "disk",
    "feed",
    "http",
    "journal",
    "micro",
    "nats",
    "onewriter",
    "pgfair",
    "postgres",
    "rankings",
    "replay",
    "scale",
    "snapshots",
    "starts",
    "tree",
];

/// Runs the chosen sections, printing as it goes.
fn run_only(
    args: &BenchArgs,
    root: &std::path::Path,
    scratch: &std::path::Path,
    duration: Duration,
    replay_events: u64,
) -> Result<(), String> {
    // A misspelt section would otherwise run nothing and say nothing.
    if let Some(unknown) = args.only.iter().find(|o| !SECTIONS.contains(&o.as_str())) {
        return Err(format!(
            "--only {unknown}: no such section; the sections are {}",
            SECTIONS.join(", ")
        ));
    }
    let wants = |s: &str| args.only.iter().any(|o| o == s);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    if wants("disk") {
        eprintln!("{:?}", disk::measure(scratch, duration)?);
    }
    if wants("appends") {
        runtime.block_on(appends::measure(scratch, duration))?;
    }
    if wants("postgres") {
        runtime.block_on(postgres::measure(scratch, duration))?;
    }
    if wants("replay") || wants("http") {
        let binary = http::build_binary(root)?;
        let city = replay::make_city(&binary, scratch)?;
        if wants("replay") {
            let big = replay::make_log(&binary, scratch, replay_events)?;
            let r = replay::measure(&binary, &big, &city)?;
            eprintln!(
                "read {:.0}/s apply {:.0}/s serial {:.0}/s rebuild {:.0}/s clone {:.2}s snapshot {} bytes encode {:.2}s decode {:.2}s rankings {:?}",
                r.read_per_second, r.apply_per_second, r.serial_per_second, r.rebuild_per_second, r.clone_seconds, r.snapshot_bytes, r.snapshot_encode_seconds, r.snapshot_decode_seconds, r.rankings
            );
            eprintln!("changes {:?}", r.changes);
        }
        if wants("http") {
            runtime.block_on(http::measure(&binary, scratch, &city, duration))?;
        }
    }
    if wants("micro") {
        for (id, ns) in micro::measure(root, args.quick)? {
            eprintln!("{id}: {ns:.0} ns");
        }
    }
    if wants("pgfair") {
        let (version, rows) = runtime.block_on(pgfair::measure(scratch, duration))?;
        let text = pgfair::section(&version, &rows, duration.as_secs());
        if args.quick {
            println!("{text}");
        } else {
            pgfair::write(&root.join(&args.out), &text)?;
        }
    }
    if wants("scale") {
        scale::run(&http::build_binary(root)?, scratch, args, root)?;
    }
    if wants("cityload") {
        let (binary, city) = city_and_binary(root, args, "cityload")?;
        runtime.block_on(cityload::measure(
            &binary,
            &city,
            &args.city_serve_arg,
            duration,
        ))?;
    }
    if wants("chainwalk") {
        let (binary, city) = city_and_binary(root, args, "chainwalk")?;
        runtime.block_on(chainwalk::measure(&binary, &city))?;
    }
    if wants("feed") {
        let (binary, city) = city_and_binary(root, args, "feed")?;
        runtime.block_on(feed::measure(&binary, &city))?;
    }
    if wants("starts") {
        let (binary, city) = city_and_binary(root, args, "starts")?;
        starts::measure(
            &binary,
            args.start_beside.as_deref(),
            &city,
            args.start_rounds,
            Duration::from_secs(args.start_settle_seconds),
        )?;
    }
    if wants("onewriter") {
        runtime.block_on(one_writer::measure(scratch, duration))?;
    }
    if wants("journal") {
        runtime.block_on(journal_replay::measure(scratch))?;
    }
    if wants("changes") {
        let dir = match &args.city {
            Some(city) => city.clone(),
            None => replay::make_log(&http::build_binary(root)?, scratch, replay_events)?.0,
        };
        changes::measure(&dir)?;
    }
    if wants("snapshots") {
        let binary = http::build_binary(root)?;
        let big = replay::make_log(&binary, scratch, replay_events)?;
        let r = runtime.block_on(snapshots::measure(&binary, scratch, &big.0, duration))?;
        let text = snapshots::section(&r, duration.as_secs());
        if args.quick {
            println!("{text}");
        } else {
            snapshots::write(&root.join(&args.out), &text)?;
        }
    }
    if wants("rankings") {
        let largest = if args.quick {
            10_000
        } else {
            args.rankings_volunteers
        };
        let text = rankings::section(&rankings::measure(largest)?);
        if args.quick {
            println!("{text}");
        } else {
            rankings::write(&root.join(&args.out), &text)?;
        }
    }
    if wants("tree") {
        let events = if args.quick { 100_000 } else { replay_events };
        let r = runtime.block_on(tree::measure(scratch, duration, events))?;
        let text = tree::section(&r, duration.as_secs());
        if args.quick {
            println!("{text}");
        } else {
            tree::write(&root.join(&args.out), &text)?;
        }
    }
    if wants("nats") {
        let r = runtime.block_on(nats::measure(scratch, duration))?;
        // The cluster section has its own markers; a quick run only prints.
        let text = nats::section(&r, duration.as_secs());
        if args.quick {
            println!("{text}");
        } else {
            nats::write(&root.join(&args.out), &text)?;
        }
    }
    Ok(())
}

/// Runs every benchmark.
pub fn run(args: BenchArgs) -> Result<(), String> {
    let started = Instant::now();
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let scratch = args
        .scratch
        .clone()
        .unwrap_or_else(|| root.join("target/bench-scratch"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let seconds = if args.quick { 1 } else { args.seconds };
    let duration = Duration::from_secs(seconds);
    let replay_events = if args.quick {
        50_000
    } else {
        args.replay_events
    };
    if let Some(other) = &args.compare_with {
        let before = if other.is_dir() {
            compare::other_binary(other)?
        } else {
            other.clone()
        };
        let after = http::build_binary(&root)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let text = runtime.block_on(compare::measure(
            &before,
            &after,
            &scratch,
            replay_events,
            duration,
        ))?;
        report::write_section(&root.join(&args.out), COMPARE_START, COMPARE_END, &text)?;
        let _ = std::fs::remove_dir_all(&scratch);
        return Ok(());
    }
    let mut report = Report::new(&args, &scratch, seconds, replay_events);
    if !args.only.is_empty() {
        return run_only(&args, &root, &scratch, duration, replay_events);
    }

    eprintln!("[1/7] disk limits");
    let disk = disk::measure(&scratch, duration)?;
    report.disk(&disk);

    eprintln!("[2/7] group-commit appends on sled");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sled = runtime.block_on(appends::measure(&scratch, duration))?;

    eprintln!("[3/7] the same appends on PostgreSQL 15");
    let pg = if args.skip_postgres {
        None
    } else {
        match runtime.block_on(postgres::measure(&scratch, duration)) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("  PostgreSQL comparison skipped: {e}");
                report.note(&format!("PostgreSQL comparison could not run: {e}"));
                None
            }
        }
    };
    report.appends(&sled, pg.as_ref(), &disk);

    eprintln!("[4/7] building the release binary, the demo city and the {replay_events}-event log");
    let binary = http::build_binary(&root)?;
    let city = replay::make_city(&binary, &scratch)?;
    let big = replay::make_log(&binary, &scratch, replay_events)?;

    eprintln!("[5/7] replay, cold start, ranking latency");
    let replayed = replay::measure(&binary, &big, &city)?;
    report.replay(&replayed);

    eprintln!("[6/7] HTTP load");
    let load = runtime.block_on(http::measure(&binary, &scratch, &city, duration))?;
    report.http(&load);

    eprintln!("[7/7] criterion micro-benchmarks");
    let micro = micro::measure(&root, args.quick)?;
    report.micro(&micro);

    report.finish(started.elapsed());
    report.write(&root.join(&args.out))?;
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "done in {:.0}s; results in {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
