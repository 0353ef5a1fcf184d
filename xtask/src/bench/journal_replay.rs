//! What the log's journal costs an open after a power cut, at its worst: sled's files as the
//! last checkpoint left them, and every record appended since to apply again. A log is
//! checkpointed and its directory copied (sled's files whole, the journal just renewed); one
//! writer then appends one-event commits (one record each, the most records a journal of its
//! size can hold) for a while, short of the journal's 16 MiB rotation; the journal file is
//! copied over the copy's, and the copy opened, timed, beside an open of the same copy with
//! nothing to apply. Printed, not written to BENCHMARKS.md.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use yinling_ledger::{EventLog, OpenMode, SledLog};

/// Seconds of one-event commits after the checkpoint: at 2,300–3,000 a second 10–13 MB of
/// journal (about 370 bytes a record), under the 16 MiB at which the log checkpoints again.
const APPEND_SECONDS: u64 = 12;

/// Bytes of a journal file before its trailing zeros (a spare is made of zeros).
fn used_bytes(path: &Path) -> Result<usize, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    Ok(bytes.iter().rposition(|b| *b != 0).map_or(0, |at| at + 1))
}

/// Opens the log at `dir`, timed: seconds, and journal records applied.
fn open(dir: &Path) -> Result<(f64, u64), String> {
    let started = Instant::now();
    let log = SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    Ok((seconds, log.journal_records_applied_at_open()))
}

/// Runs the measurement under `scratch` and prints it.
pub async fn measure(scratch: &Path) -> Result<(), String> {
    let dir = scratch.join("journal-live");
    let image = scratch.join("journal-image");
    for d in [&dir, &image] {
        let _ = std::fs::remove_dir_all(d);
    }
    let log = Arc::new(SledLog::open(&dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?);
    let dyn_log: Arc<dyn EventLog> = log.clone();
    super::appends::one_on(dyn_log.clone(), 16, 1, Duration::from_secs(1)).await?;
    log.checkpoint().map_err(|e| e.to_string())?;
    let journal_files = |d: &Path| -> Result<Vec<std::path::PathBuf>, String> {
        Ok(std::fs::read_dir(d.join("journal"))
            .map_err(|e| e.to_string())?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "journal"))
            .collect())
    };
    let before = journal_files(&dir)?;
    super::snapshots::copy_dir(&dir, &image)?;
    let appended =
        super::appends::one_on(dyn_log, 1, 1, Duration::from_secs(APPEND_SECONDS)).await?;
    let after = journal_files(&dir)?;
    if after != before {
        return Err(format!(
            "the journal rotated while appending ({before:?} then {after:?}): shorten the run"
        ));
    }
    let mut used = 0;
    for file in &after {
        used += used_bytes(file)?;
        let name = file.file_name().ok_or("a journal file without a name")?;
        std::fs::copy(file, image.join("journal").join(name)).map_err(|e| e.to_string())?;
    }
    drop(log);
    let (seconds, records) = open(&image)?;
    let (again, _) = open(&image)?;
    eprintln!(
        "  one writer appended {:.0} one-event commits a second for {APPEND_SECONDS} s after a checkpoint: \
         {:.1} MB of journal; the log's files as the checkpoint left them, that journal beside them",
        appended.events_per_second,
        used as f64 / 1e6
    );
    eprintln!(
        "  open applying {records} records: {seconds:.3} s; the same log opened again (nothing to apply): {again:.3} s"
    );
    for d in [&dir, &image] {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}
