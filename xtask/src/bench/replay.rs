//! Replay speed, snapshots and cold start on a large log; ranking latency on the demo city.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use yinling_app::load::load_state_with;
use yinling_ledger::log::EnvelopeIter;
use yinling_ledger::{EventLog, Head, OpenMode, SledLog};
use yinling_projections::rankings::{RankBy, RankingQuery};
use yinling_projections::{replay, State};

use super::changes::{changes_after, ChangesResult, BATCH_EVENTS, CHANGES_EVENTS};
use super::Percentiles;

/// Rebuilds timed for the median.
const REBUILD_RUNS: usize = 3;

/// Results of the replay section.
#[derive(Debug, Default)]
pub struct ReplayResult {
    /// Events in the log.
    pub events: u64,
    /// Volunteers in the log's city.
    pub volunteers: usize,
    /// Seconds to generate it through decide + group commit.
    pub generate_seconds: f64,
    /// Events per second read, decoded and chain-checked.
    pub read_per_second: f64,
    /// Events per second folded into all projections (decoded already).
    pub apply_per_second: f64,
    /// Events per second for both one after the other (the sum of the two steps' times).
    pub serial_per_second: f64,
    /// Events per second for a rebuild from scratch as the service and `replay` run it: one
    /// thread reads, decodes and checks while another folds (median of three).
    pub rebuild_per_second: f64,
    /// Seconds to clone the folded state (the writer's pause before each snapshot), median of
    /// three.
    pub clone_seconds: f64,
    /// Snapshot size in bytes, encode and decode seconds.
    pub snapshot_bytes: usize,
    /// Seconds to encode the snapshot.
    pub snapshot_encode_seconds: f64,
    /// Seconds to decode it.
    pub snapshot_decode_seconds: f64,
    /// The snapshot of what the log's last [`CHANGES_EVENTS`] events changed, against a
    /// whole one before them: events it covers, bytes, encode seconds, and seconds to decode
    /// it and apply it to its whole one (the whole one's decode not counted).
    pub changes: Option<ChangesResult>,
    /// Cold starts of `serve` (median of 3, seconds): (what, seconds).
    pub cold_starts: Vec<(String, f64)>,
    /// In-process ranking latency on the 10,000-volunteer city: (query, percentiles in us).
    pub rankings: Vec<(String, Percentiles)>,
}

/// A snapshot of the changes of the last [`CHANGES_EVENTS`] of `envelopes` against a whole
/// one before them (see [`super::changes::changes_after`]), read back and checked against
/// `straight`, the state folded straight through.
fn measure_changes(
    envelopes: &[yinling_ledger::Envelope],
    straight: &State,
    keys: &yinling_ledger::personal::SharedKeyring,
) -> Result<ChangesResult, String> {
    let cut = envelopes.len().saturating_sub(CHANGES_EVENTS as usize);
    let mut shared = State::new();
    shared.attach_keys(keys.clone());
    shared.apply_all(&envelopes[..cut]);
    let whole = replay::encode_snapshot(&shared, None).map_err(|e| e.to_string())?;
    let whole = || replay::decode_snapshot(&whole).map_err(|e| e.to_string());
    let batches = envelopes[cut..]
        .chunks(BATCH_EVENTS)
        .map(|batch| Ok(batch.to_vec()));
    changes_after(shared, whole, batches, keys, Some(straight))
}

/// Generates a log of about `events` events with the demo city generator.
pub fn make_log(binary: &Path, scratch: &Path, events: u64) -> Result<(PathBuf, f64), String> {
    let dir = scratch.join("big");
    // Profiling runs (`--only`) keep the scratch directory: reuse a log that is big enough.
    if let Ok(log) = SledLog::open(&dir, OpenMode::MustExist) {
        if log.head().seq >= events * 9 / 10 {
            return Ok((dir.clone(), 0.0));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    // ~5.9 events per volunteer-year (participations, activities), plus one registration each.
    let volunteers = (events / 20).clamp(1_000, 50_000);
    let days = (((events.saturating_sub(volunteers)) as f64 / (volunteers as f64 * 5.88 / 365.0))
        .round() as u64)
        .clamp(30, 3650);
    let teams = (volunteers / 250).clamp(47, 1_000);
    let seconds = demo(
        binary,
        &dir,
        &[
            "--volunteers",
            &volunteers.to_string(),
            "--teams",
            &teams.to_string(),
            "--days",
            &days.to_string(),
            "--seed",
            "1",
        ],
    )?;
    Ok((dir, seconds))
}

/// Runs `yinling demo --data DIR` with `args`, as every generated city of the harness is
/// made; the seconds it took.
pub fn demo(binary: &Path, dir: &Path, args: &[&str]) -> Result<f64, String> {
    let started = Instant::now();
    let out = Command::new(binary)
        .args(["demo", "--data"])
        .arg(dir)
        .args(args)
        .env("YINLING_ADMIN_TOKEN", super::http::ADMIN)
        .stderr(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "demo {args:?} failed: {}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Time from spawning `serve` to its "listening" line, median of three.
pub fn cold_start(binary: &Path, dir: &Path, extra: &[&str]) -> Result<f64, String> {
    cold_start_measured(binary, dir, extra).map(|(seconds, _)| seconds)
}

/// [`cold_start`] and the median resident memory of `serve` once it listens (MB): the state,
/// both its copies, and the Merkle tree.
pub fn cold_start_measured(
    binary: &Path,
    dir: &Path,
    extra: &[&str],
) -> Result<(f64, f64), String> {
    let mut times = Vec::new();
    let mut resident = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut child = super::http::serve_command(binary, dir, extra, "warn")
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let listening = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.starts_with("listening on"));
        let elapsed = started.elapsed().as_secs_f64();
        resident.push(resident_mb_of(child.id()));
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let _ = child.wait();
        if !listening {
            return Err(format!("serve {extra:?} did not start"));
        }
        times.push(elapsed);
    }
    Ok((super::median(times), super::median(resident)))
}

/// The resident memory of process `pid` in MB (0 where /proc does not say).
fn resident_mb_of(pid: u32) -> f64 {
    super::proc_memory_bytes(&pid.to_string(), "VmRSS:") as f64 / (1 << 20) as f64
}

fn time_query(state: &State, query: &RankingQuery, volunteers: bool) -> Percentiles {
    let mut micros = Vec::with_capacity(300);
    for _ in 0..300 {
        let started = Instant::now();
        let n = if volunteers {
            state.rank_volunteers(query).len()
        } else {
            state.rank_teams(query).len()
        };
        micros.push(started.elapsed().as_micros() as u64);
        std::hint::black_box(n);
    }
    Percentiles::of(micros)
}

/// Ranking latency on a city (in process, the state already loaded).
pub fn rankings(dir: &Path) -> Result<Vec<(String, Percentiles)>, String> {
    let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let (state, _, _) = yinling_app::load::load_state(&log, None).map_err(|e| e.to_string())?;
    let team = state.teams.keys().next().copied();
    let district = state.districts.keys().next().cloned();
    let today = yinling_ledger::Timestamp::now().local_date();
    let quarter = Some(today - chrono::Days::new(90));
    let base = RankingQuery {
        limit: 20,
        ..RankingQuery::default()
    };
    Ok(vec![
        (
            format!(
                "volunteers, whole city ({} volunteers)",
                state.volunteers.len()
            ),
            time_query(&state, &base, true),
        ),
        (
            "volunteers, whole city, last 90 days".into(),
            time_query(
                &state,
                &RankingQuery {
                    from: quarter,
                    ..base.clone()
                },
                true,
            ),
        ),
        (
            "volunteers, one district, by hours".into(),
            time_query(
                &state,
                &RankingQuery {
                    district,
                    by: RankBy::Hours,
                    ..base.clone()
                },
                true,
            ),
        ),
        (
            "volunteers, one team".into(),
            time_query(
                &state,
                &RankingQuery {
                    team_id: team,
                    ..base.clone()
                },
                true,
            ),
        ),
        (
            format!("teams ({} teams)", state.teams.len()),
            time_query(&state, &base, false),
        ),
    ])
}

/// Replay, snapshot and cold-start measurements on the big log.
pub fn measure(binary: &Path, big: &(PathBuf, f64), city: &Path) -> Result<ReplayResult, String> {
    let (dir, generate_seconds) = big;
    let mut result = ReplayResult {
        generate_seconds: *generate_seconds,
        ..ReplayResult::default()
    };
    {
        let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
        result.events = log.head().seq;
        // Read + decode + chain check.
        let started = Instant::now();
        let mut envelopes = Vec::with_capacity(result.events as usize);
        for e in EnvelopeIter::checked(&log, Head::default()) {
            envelopes.push(e.map_err(|e| e.to_string())?);
        }
        let read = started.elapsed().as_secs_f64();
        // Personal fields are revealed with the key store as a start does, so the state
        // decoded from the snapshot (which holds only the sealed blobs) can be compared.
        let keys = log.keyring().map_err(|e| e.to_string())?;
        // Apply only.
        let started = Instant::now();
        let mut state = State::new();
        state.attach_keys(keys.clone());
        for e in &envelopes {
            state.apply(e);
        }
        let apply = started.elapsed().as_secs_f64();
        result.changes = Some(measure_changes(&envelopes, &state, &keys)?);
        drop(envelopes);
        result.volunteers = state.volunteers.len();
        result.read_per_second = result.events as f64 / read;
        result.apply_per_second = result.events as f64 / apply;
        result.serial_per_second = result.events as f64 / (read + apply);
        let mut rebuilds = Vec::new();
        for _ in 0..REBUILD_RUNS {
            let started = Instant::now();
            let (rebuilt, _, folded) =
                load_state_with(&log, None, false).map_err(|e| e.to_string())?;
            rebuilds.push(started.elapsed().as_secs_f64());
            if folded != result.events || rebuilt.head != state.head {
                return Err("the pipelined rebuild does not give the folded state".into());
            }
        }
        result.rebuild_per_second = result.events as f64 / super::median(rebuilds);
        let mut clones = Vec::new();
        for _ in 0..REBUILD_RUNS {
            let started = Instant::now();
            let copy = state.clone();
            clones.push(started.elapsed().as_secs_f64());
            drop(copy);
        }
        result.clone_seconds = super::median(clones);
        let started = Instant::now();
        let bytes = replay::encode_snapshot(&state, None).map_err(|e| e.to_string())?;
        result.snapshot_encode_seconds = started.elapsed().as_secs_f64();
        result.snapshot_bytes = bytes.len();
        let started = Instant::now();
        let mut decoded = replay::decode_snapshot(&bytes)
            .map_err(|e| e.to_string())?
            .state;
        result.snapshot_decode_seconds = started.elapsed().as_secs_f64();
        decoded.attach_keys(keys);
        if decoded != state {
            return Err("the snapshot does not decode to the same state".into());
        }
        let newest = log
            .snapshot_seqs()
            .map_err(|e| e.to_string())?
            .first()
            .copied();
        // Without one, the "snapshot + tail" starts below would be starts from scratch
        // under another name.
        let Some(newest) = newest else {
            return Err(format!(
                "the demo city of {} events has no stored snapshot: its \"snapshot + tail\" starts would measure starts from scratch",
                result.events
            ));
        };
        eprintln!(
            "  {} events, newest stored snapshot at seq {newest}",
            result.events
        );
    }
    for (what, extra) in [
        ("snapshot + tail, chain verified", &[][..]),
        (
            "snapshot + tail, only the tail checked (`--verify-tail`)",
            &["--verify-tail"][..],
        ),
        (
            "snapshot + tail, chain not verified (`--skip-verify`)",
            &["--skip-verify"][..],
        ),
        (
            "from scratch, chain verified (`--replay-from-scratch`)",
            &["--replay-from-scratch"][..],
        ),
        (
            "from scratch, chain not verified",
            &["--replay-from-scratch", "--skip-verify"][..],
        ),
    ] {
        let seconds = cold_start(binary, dir, extra)?;
        eprintln!("  cold start {what}: {seconds:.3}s");
        result.cold_starts.push((what.to_owned(), seconds));
    }
    result.rankings = rankings(city)?;
    Ok(result)
}

/// Makes the 10,000-volunteer demo city (the default options).
pub fn make_city(binary: &Path, scratch: &Path) -> Result<PathBuf, String> {
    let dir = scratch.join("city");
    if SledLog::open(&dir, OpenMode::MustExist).is_ok() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    demo(binary, &dir, &[])?;
    Ok(dir)
}

/// Waits a moment so a just-killed server's lock is released.
pub fn settle() {
    std::thread::sleep(Duration::from_millis(200));
}
