//! Where a loaded state's bytes go, counted by the allocator (live bytes, not resident pages):
//! the start's chain walk through sled, the load, the readers' copy, the state's parts added
//! up, and then each part of the state dropped in turn, so each line is what that part holds
//! in memory and in a whole snapshot (the state encoded as a snapshot encodes it, before and
//! after the part is dropped).
//!
//! `cargo bench --bench state_bytes` generates a demo city of `YINLING_BYTES_VOLUNTEERS`
//! volunteers (10,000 unless set) in a temporary directory; `YINLING_BYTES_DATA=DIR` reads an
//! existing data directory instead (a scale city under `target/bench-scratch`, say). The
//! figures go to standard output as a Markdown table.
#![allow(missing_docs)]

use std::alloc::System;
use std::path::PathBuf;
use std::process::Command;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use yinling_ledger::{OpenMode, SledLog};
use yinling_projections::State;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes now. `stats_alloc` counts a reallocation's growth in `bytes_allocated`
/// (and its shrinking in `bytes_deallocated`) as well as in `bytes_reallocated`, so the
/// latter is not added again: it counted every vector's growth twice, never taken back
/// (778 MB for a walk whose vectors grew on one thread and were dropped on another).
fn live() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

fn mb(bytes: i64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

/// A part of the state, named, and how to drop it.
type Part = (&'static str, fn(&mut State));

/// Drops one part of the state and returns what that freed.
fn freed(state: &mut State, part: fn(&mut State)) -> i64 {
    let before = live();
    part(state);
    before - live()
}

/// Bytes of the state encoded with a snapshot's options.
fn encoded(state: &State) -> Result<i64, String> {
    yinling_ledger::codec::encode_part(state)
        .map(|bytes| bytes.len() as i64)
        .map_err(|e| e.to_string())
}

fn main() -> Result<(), String> {
    let _tmp;
    let dir = match std::env::var_os("YINLING_BYTES_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let volunteers = std::env::var("YINLING_BYTES_VOLUNTEERS").unwrap_or("10000".into());
            _tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            let dir = _tmp.path().join("city");
            let teams = (volunteers.parse::<usize>().map_err(|e| e.to_string())? / 100).max(3);
            let status = Command::new(env!("CARGO_BIN_EXE_yinling"))
                .args([
                    "demo",
                    "--volunteers",
                    &volunteers,
                    "--teams",
                    &teams.to_string(),
                ])
                .arg("--data")
                .arg(&dir)
                .env("YINLING_ADMIN_TOKEN", "state-bytes-admin-token")
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("yinling demo failed: {status}"));
            }
            dir
        }
    };
    let opened = live();
    let log = SledLog::open(&dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let walk_start = live();
    let tree = yinling_app::tree::LogTree::walk(&log).map_err(|e| e.to_string())?;
    let walked = live() - walk_start;
    drop(tree);
    let before = live();
    let (mut state, _, _) = yinling_app::load::load_state(&log, None).map_err(|e| e.to_string())?;
    let loaded = live() - before;
    let copy = state.clone();
    let copied = live() - before - loaded;
    drop(copy);
    let volunteers = state.volunteers.len();
    let events = state.head.seq;
    let lines: usize = state.volunteers.values().map(|v| v.statement.len()).sum();
    let room: usize = state
        .volunteers
        .values()
        .map(|v| v.statement.bytes().1)
        .sum();
    let mut encoded_now = encoded(&state)?;
    let whole = encoded_now;
    let mut rows: Vec<(&str, i64, Option<i64>)> = vec![
        (
            "the chain walk, held by sled until the database closes",
            walked,
            None,
        ),
        (
            "the load: the state, and what sled took or let go of meanwhile",
            loaded,
            None,
        ),
        ("the readers' copy (a clone)", copied, None),
    ];
    // Where the state's parts begin among the rows, added up below.
    let first_part = rows.len();
    let parts: Vec<Part> = vec![
        ("volunteers' statement lines", |s| {
            s.volunteers
                .values_mut()
                .for_each(|v| v.statement = Default::default())
        }),
        ("volunteers' hours per date", |s| {
            s.volunteers
                .values_mut()
                .for_each(|v| v.hours_by_date = Default::default())
        }),
        ("volunteers' sealed personal fields", |s| {
            s.volunteers
                .values_mut()
                .for_each(|v| v.personal = Default::default())
        }),
        ("volunteers, the rest", |s| {
            s.volunteers = Default::default()
        }),
        ("activities' participants", |s| {
            s.activities
                .values_mut()
                .for_each(|a| a.participants = Default::default())
        }),
        ("activities, the rest", |s| {
            s.activities = Default::default()
        }),
        ("the ranking index", |s| s.rankings = Default::default()),
        ("redemptions", |s| s.redemptions = Default::default()),
        ("teams", |s| s.teams = Default::default()),
        ("vouchers", |s| s.vouchers = Default::default()),
        ("the key store's handle and cache", |s| {
            s.keys = Default::default()
        }),
    ];
    for (name, part) in parts {
        let bytes = freed(&mut state, part);
        let encoded_after = encoded(&state)?;
        rows.push((name, bytes, Some(encoded_now - encoded_after)));
        encoded_now = encoded_after;
    }
    let rest = live();
    drop(state);
    rows.push((
        "everything else in the state",
        rest - live(),
        Some(encoded_now),
    ));
    // The state's own bytes, its parts added up: the load's row is a difference of the
    // whole process's live bytes, in which sled letting go of what the walk held can outweigh
    // the state (it read negative at 100,000 volunteers).
    let parts_total: i64 = rows[first_part..].iter().map(|(_, bytes, _)| bytes).sum();
    rows.insert(
        first_part,
        (
            "the state, its parts below added up",
            parts_total,
            Some(whole),
        ),
    );
    let before_close = live();
    drop(log);
    rows.push((
        "sled, freed when the log closes",
        before_close - live(),
        None,
    ));
    println!(
        "{} volunteers, {events} events, {lines} statement lines in room for {room}; \
         sled opened at {} MB\n",
        volunteers,
        mb(walk_start - opened)
    );
    println!(
        "| part | MB | bytes a volunteer | snapshot MB | snapshot bytes a volunteer |\n|---|---:|---:|---:|---:|"
    );
    let per_volunteer = |bytes: i64| bytes / volunteers.max(1) as i64;
    for (name, bytes, snapshot) in rows {
        let (snapshot_mb, snapshot_each) = snapshot.map_or((String::new(), String::new()), |b| {
            (mb(b), per_volunteer(b).to_string())
        });
        println!(
            "| {name} | {} | {} | {snapshot_mb} | {snapshot_each} |",
            mb(bytes),
            per_volunteer(bytes)
        );
    }
    Ok(())
}
