//! One writer against the disk, side by side: #21 asks one writer's one-event commits to
//! reach 80% of the disk's one-at-a-time `fdatasync` rate. The disk's rate on this kind of
//! virtual machine drifts by a third within a minute, so a probe measured once at the start
//! (as the main table's is) and commits measured a minute later make a loose ratio. Here the
//! two alternate in short slices, round after round, on one log kept open (its journal on a
//! spare, as a running service's is): each round gives a ratio of slices measured seconds
//! apart, and the median of those is the figure. Printed, not written to BENCHMARKS.md.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use yinling_ledger::{EventLog, OpenMode, SledLog};

use super::{appends, disk, median};

/// Rounds of the three slices.
const ROUNDS: usize = 7;

/// Runs the measurement under `scratch`, each slice `slice` long, and prints it.
pub async fn measure(scratch: &Path, slice: Duration) -> Result<(), String> {
    let dir = scratch.join("one-writer");
    let _ = std::fs::remove_dir_all(&dir);
    let log: Arc<dyn EventLog> =
        Arc::new(SledLog::open(&dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?);
    // Past the first journal file's 256 KiB, onto a spare, before anything is measured.
    appends::one_on(log.clone(), 1, 1, Duration::from_secs(1)).await?;
    println!(
        "| round | append + fdatasync /s | overwrite + fdatasync /s | one writer's commits /s | flush µs | p50 µs | commits / append | commits / overwrite |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut to_append, mut to_overwrite, mut commits) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let appending = disk::fsync_rate(scratch, slice)?;
        let overwriting = disk::overwrite_fsync_rate(scratch, slice)?;
        let r = appends::one_on(log.clone(), 1, 1, slice).await?;
        println!(
            "| {round} | {appending:.0} | {overwriting:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
            r.events_per_second,
            r.mean_flush_micros,
            r.latency.p50,
            r.events_per_second / appending,
            r.events_per_second / overwriting
        );
        to_append.push(r.events_per_second / appending);
        to_overwrite.push(r.events_per_second / overwriting);
        commits.push(r.events_per_second);
    }
    println!(
        "\nMedians of {ROUNDS} rounds: one writer {:.0} commits/s; {:.2} of appending + fdatasync, {:.2} of overwriting + fdatasync (goal 0.80 of the disk's one-at-a-time rate).",
        median(commits),
        median(to_append),
        median(to_overwrite)
    );
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
