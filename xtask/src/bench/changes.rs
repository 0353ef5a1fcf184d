//! A snapshot of the changes since a whole one beside the whole one, on a city already
//! generated (`--city`, the million-volunteer one say) or the replay log: the state is loaded
//! as it stood [`CHANGES_EVENTS`] events before the head, encoded whole; the rest of the log is
//! then folded as the service folds it (the readers' copy adopting the writer's batches) and
//! the changes encoded; both are read back, and the changes applied to the whole one must give
//! the state folded. Printed, not written to BENCHMARKS.md: the city is whatever `--city`
//! names.

use std::path::Path;
use std::time::Instant;

use yinling_app::load::load_state_with;
use yinling_ledger::log::EnvelopeIter;
use yinling_ledger::{EventLog, OpenMode, SledLog};
use yinling_projections::replay;

use super::replay::CHANGES_EVENTS;

/// Group commits of this many events each, as the writer's batches under load.
const BATCH_EVENTS: usize = 64;

/// Seconds since `started`.
fn since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

/// Measures and prints a whole snapshot and one of changes on the log at `dir`.
pub fn measure(dir: &Path) -> Result<(), String> {
    let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let head = log.head();
    let cut = head.seq.saturating_sub(CHANGES_EVENTS);
    let started = Instant::now();
    let (mut shared, from, folded) =
        load_state_with(&log, Some(cut), true).map_err(|e| e.to_string())?;
    eprintln!(
        "  loaded {} volunteers at seq {cut} in {:.1} s (snapshot {from:?} + {folded} events)",
        shared.volunteers.len(),
        since(started)
    );
    let keys = log.keyring().map_err(|e| e.to_string())?;
    let copy = shared.clone();
    let started = Instant::now();
    let whole = replay::encode_snapshot(&copy, None).map_err(|e| e.to_string())?;
    let whole_encode = since(started);
    drop(copy);
    let base = shared.head;
    shared.forget_changes();
    shared.rankings.track_rows();
    let mut working = shared.clone_for_writer();
    let mut changed = replay::ChangedSince::default();
    let mut batch = Vec::with_capacity(BATCH_EVENTS);
    let mut tail = EnvelopeIter::checked(&log, base);
    loop {
        batch.clear();
        for envelope in tail.by_ref().take(BATCH_EVENTS) {
            batch.push(envelope.map_err(|e| e.to_string())?);
        }
        if batch.is_empty() {
            break;
        }
        working.apply_all(&batch);
        shared.apply_all(&batch);
        shared.adopt(&mut working, Some(&mut changed));
    }
    drop(working);
    let copy = shared.clone();
    let started = Instant::now();
    let mut out = std::io::Cursor::new(Vec::new());
    replay::encode_changes_into(&mut out, copy, None, &base, &changed)
        .map_err(|e| e.to_string())?;
    let changes_encode = since(started);
    let changes = out.into_inner();
    let mut rest = std::io::Cursor::new(Vec::new());
    let nothing = replay::ChangedSince::default();
    replay::encode_changes_into(&mut rest, shared.clone(), None, &base, &nothing)
        .map_err(|e| e.to_string())?;
    let rest = rest.into_inner().len();

    let started = Instant::now();
    let read_whole = replay::decode_snapshot(&whole).map_err(|e| e.to_string())?;
    let whole_decode = since(started);
    let started = Instant::now();
    let mut read = replay::decode_any_from(&changes[..], changes.len() as u64)
        .and_then(|c| c.on(Some(read_whole)))
        .map_err(|e| e.to_string())?
        .state;
    let changes_decode = since(started);
    read.attach_keys(keys);
    if read != shared {
        return Err("the changes read on their whole snapshot are not the state folded".into());
    }
    let mb = |bytes: usize| bytes as f64 / 1e6;
    eprintln!(
        "  whole snapshot at seq {}: {:.1} MB, encode {whole_encode:.2} s, decode {whole_decode:.2} s",
        base.seq,
        mb(whole.len())
    );
    eprintln!(
        "  changes of the next {} events: {} volunteers, {} activities, {} redemptions; {:.1} MB \
         (the rest of the state, whole: {:.1} MB), encode {changes_encode:.2} s, decode and apply \
         {changes_decode:.2} s",
        shared.head.seq - base.seq,
        changed.volunteers.len(),
        changed.activities.len(),
        changed.redemptions.len(),
        mb(changes.len()),
        mb(rest),
    );
    Ok(())
}
