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

/// Events a snapshot of changes covers in the replay section: the service's default interval
/// between snapshots.
pub const CHANGES_EVENTS: u64 = yinling_projections::limits::DEFAULT_SNAPSHOT_EVERY_EVENTS;

/// A snapshot of changes measured beside the whole one (see [`ReplayResult::changes`]).
#[derive(Debug, Default, Clone)]
pub struct ChangesResult {
    /// Events folded since its whole snapshot.
    pub events: u64,
    /// Its bytes.
    pub bytes: usize,
    /// Of those, the rest of the state (all but volunteers, activities and redemptions),
    /// written whole in every snapshot.
    pub rest_bytes: usize,
    /// Volunteers, activities and redemptions it writes again, each.
    pub keys_each: (usize, usize, usize),
    /// Seconds to encode it.
    pub encode_seconds: f64,
    /// Seconds to decode it and apply it to its whole snapshot's state.
    pub decode_seconds: f64,
}

/// The state after `envelopes`, and a snapshot of the changes of their last [`CHANGES_EVENTS`]
/// folded as the service folds them (the readers' copy adopting the writer's batches of 64
/// events), read back on its whole snapshot and compared with `whole`, the state folded
/// straight through.
fn measure_changes(
    envelopes: &[yinling_ledger::Envelope],
    whole: &State,
    keys: &yinling_ledger::personal::SharedKeyring,
) -> Result<ChangesResult, String> {
    let cut = envelopes.len().saturating_sub(CHANGES_EVENTS as usize);
    let mut shared = State::new();
    shared.attach_keys(keys.clone());
    shared.apply_all(&envelopes[..cut]);
    let base = replay::encode_snapshot(&shared, None).map_err(|e| e.to_string())?;
    let base_head = shared.head;
    shared.forget_changes();
    shared.rankings.track_rows();
    let mut working = shared.clone();
    let mut since = replay::ChangedSince::default();
    for batch in envelopes[cut..].chunks(64) {
        working.apply_all(batch);
        shared.apply_all(batch);
        shared.adopt(&mut working, Some(&mut since));
    }
    drop(working);
    let mut rest = std::io::Cursor::new(Vec::new());
    let nothing = replay::ChangedSince::default();
    replay::encode_changes_into(&mut rest, shared.clone(), None, &base_head, &nothing)
        .map_err(|e| e.to_string())?;
    // The service encodes a clone of the readers' copy, which shares every value with it:
    // encoded from one here too, so that the time is not that of freeing a whole state.
    let mut out = std::io::Cursor::new(Vec::new());
    let copy = shared.clone();
    let started = Instant::now();
    replay::encode_changes_into(&mut out, copy, None, &base_head, &since)
        .map_err(|e| e.to_string())?;
    let encode_seconds = started.elapsed().as_secs_f64();
    drop(shared);
    let bytes = out.into_inner();
    let base = replay::decode_snapshot(&base).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let decoded = replay::decode_any_from(&bytes[..], bytes.len() as u64)
        .and_then(|changes| changes.on(Some(base)))
        .map_err(|e| e.to_string())?;
    let decode_seconds = started.elapsed().as_secs_f64();
    let mut state = decoded.state;
    state.attach_keys(keys.clone());
    if &state != whole {
        return Err("the snapshot of changes does not read back to the folded state".into());
    }
    Ok(ChangesResult {
        events: (envelopes.len() - cut) as u64,
        keys_each: (
            since.volunteers.len(),
            since.activities.len(),
            since.redemptions.len(),
        ),
        bytes: bytes.len(),
        rest_bytes: rest.into_inner().len(),
        encode_seconds,
        decode_seconds,
    })
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
        let mut child = Command::new(binary)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir)
            .args(extra)
            .env("YINLING_LOG", "warn")
            .stdout(Stdio::piped())
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
        eprintln!(
            "  {} events, newest stored snapshot at seq {newest:?}",
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
