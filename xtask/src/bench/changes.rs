//! A snapshot of the changes since a whole one beside the whole one, on a city already
//! generated (`--city`, the million-volunteer one say) or the replay log: the state is loaded
//! as it stood [`CHANGES_EVENTS`] events before the head, encoded whole; the rest of the log is
//! then folded as the service folds it (the readers' copy adopting the writer's batches) and
//! the changes encoded; both are read back, and the changes applied to the whole one must give
//! the state folded. Printed, not written to BENCHMARKS.md: the city is whatever `--city`
//! names. The replay section measures the same on its log with [`changes_after`].

use std::path::Path;
use std::time::Instant;

use yinling_app::load::load_state_with;
use yinling_ledger::log::EnvelopeIter;
use yinling_ledger::personal::SharedKeyring;
use yinling_ledger::{Envelope, EventLog, OpenMode, SledLog};
use yinling_projections::{replay, State};

/// Events a snapshot of changes covers: the service's default interval between snapshots.
pub const CHANGES_EVENTS: u64 = yinling_projections::limits::DEFAULT_SNAPSHOT_EVERY_EVENTS;

/// Group commits of this many events each, as the writer's batches under load.
pub const BATCH_EVENTS: usize = 64;

/// A snapshot of changes measured beside its whole one.
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

/// Seconds since `started`.
fn since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

/// Folds `batches` into `shared` as the service folds them (the readers' copy adopting the
/// writer's batches, the ranking rows marked from here), encodes the changes since `shared`
/// stood where its whole snapshot does, reads them back on that snapshot (decoded by `whole`
/// once they are encoded, so that the encoding runs beside no second state) and checks the
/// result against the state folded, and against `straight` when given (the same events
/// folded straight through).
pub fn changes_after(
    mut shared: State,
    whole: impl FnOnce() -> Result<replay::Snapshotted, String>,
    batches: impl Iterator<Item = Result<Vec<Envelope>, String>>,
    keys: &SharedKeyring,
    straight: Option<&State>,
) -> Result<ChangesResult, String> {
    let base = shared.head;
    shared.forget_changes();
    shared.rankings.track_rows();
    let mut working = shared.clone_for_writer();
    let mut changed = replay::ChangedSince::default();
    for batch in batches {
        let batch = batch?;
        working.apply_all(&batch);
        shared.apply_all(&batch);
        shared.adopt(&mut working, Some(&mut changed));
    }
    drop(working);
    // The service encodes a clone of the readers' copy, which shares every value with it:
    // encoded from one here too, so that the time is not that of freeing a whole state.
    let mut out = std::io::Cursor::new(Vec::new());
    let copy = shared.clone();
    let started = Instant::now();
    replay::encode_changes_into(&mut out, copy, None, &base, &changed)
        .map_err(|e| e.to_string())?;
    let encode_seconds = since(started);
    let bytes = out.into_inner();
    let mut rest = std::io::Cursor::new(Vec::new());
    let nothing = replay::ChangedSince::default();
    replay::encode_changes_into(&mut rest, shared.clone(), None, &base, &nothing)
        .map_err(|e| e.to_string())?;
    let whole = whole()?;
    let started = Instant::now();
    let mut read = replay::decode_any_from(&bytes[..], bytes.len() as u64)
        .and_then(|c| c.on(Some(whole)))
        .map_err(|e| e.to_string())?
        .state;
    let decode_seconds = since(started);
    read.attach_keys(keys.clone());
    if read != shared || straight.is_some_and(|s| &read != s) {
        return Err("the changes read on their whole snapshot are not the state folded".into());
    }
    Ok(ChangesResult {
        events: shared.head.seq - base.seq,
        bytes: bytes.len(),
        rest_bytes: rest.into_inner().len(),
        keys_each: (
            changed.volunteers.len(),
            changed.activities.len(),
            changed.redemptions.len(),
        ),
        encode_seconds,
        decode_seconds,
    })
}

/// Measures and prints a whole snapshot and one of changes on the log at `dir`.
pub fn measure(dir: &Path) -> Result<(), String> {
    let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let head = log.head();
    let cut = head.seq.saturating_sub(CHANGES_EVENTS);
    let started = Instant::now();
    let (shared, from, folded) =
        load_state_with(&log, Some(cut), true).map_err(|e| e.to_string())?;
    eprintln!(
        "  loaded {} volunteers at seq {cut} in {:.1} s (snapshot {from:?} + {folded} events)",
        shared.volunteers.len(),
        since(started)
    );
    let keys = log.keyring().map_err(|e| e.to_string())?;
    let base = shared.head;
    let copy = shared.clone();
    let started = Instant::now();
    let whole = replay::encode_snapshot(&copy, None).map_err(|e| e.to_string())?;
    let whole_encode = since(started);
    drop(copy);
    let mut whole_decode = 0.0;
    let read_whole = || {
        let started = Instant::now();
        let read = replay::decode_snapshot(&whole).map_err(|e| e.to_string());
        whole_decode = since(started);
        read
    };
    let mut tail = EnvelopeIter::checked(&log, base);
    let batches = std::iter::from_fn(|| {
        let batch: Result<Vec<Envelope>, String> = tail
            .by_ref()
            .take(BATCH_EVENTS)
            .map(|e| e.map_err(|e| e.to_string()))
            .collect();
        match batch {
            Ok(batch) if batch.is_empty() => None,
            other => Some(other),
        }
    });
    let c = changes_after(shared, read_whole, batches, &keys, None)?;
    let mb = |bytes: usize| bytes as f64 / 1e6;
    eprintln!(
        "  whole snapshot at seq {}: {:.1} MB, encode {whole_encode:.2} s, decode {whole_decode:.2} s",
        base.seq,
        mb(whole.len())
    );
    eprintln!(
        "  changes of the next {} events: {} volunteers, {} activities, {} redemptions; {:.1} MB \
         (the rest of the state, whole: {:.1} MB), encode {:.2} s, decode and apply {:.2} s",
        c.events,
        c.keys_each.0,
        c.keys_each.1,
        c.keys_each.2,
        mb(c.bytes),
        mb(c.rest_bytes),
        c.encode_seconds,
        c.decode_seconds,
    );
    Ok(())
}
