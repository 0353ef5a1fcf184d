//! The physical limits of the disk under the scratch directory: how many small writes with
//! an fdatasync each it takes per second (the ceiling of unbatched durable commits), and
//! sequential write bandwidth with one sync at the end (the ceiling of batched ones).

use std::fs::OpenOptions;
use std::io::{Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the disk can do.
#[derive(Clone, Copy, Debug)]
pub struct DiskLimits {
    /// Writes of 256 bytes each followed by fdatasync, per second (median of 3).
    pub fsyncs_per_second: f64,
    /// Sequential write bandwidth with a final fsync, MB/s (median of 3).
    pub sequential_mb_per_second: f64,
}

/// Writes of 256 bytes each followed by `fdatasync`, appended to a file that grows (each
/// sync writes the file's size too), per second over `duration`.
pub(super) fn fsync_rate(dir: &Path, duration: Duration) -> Result<f64, String> {
    let path = dir.join("fsync-probe");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    let record = [7u8; 256];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < duration {
        file.write_all(&record).map_err(|e| e.to_string())?;
        file.sync_data().map_err(|e| e.to_string())?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    Ok(rate)
}

/// The same writes overwriting a file of zeros written and synced first (as the log's
/// journal overwrites a spare): each sync writes the record's block only.
pub(super) fn overwrite_fsync_rate(dir: &Path, duration: Duration) -> Result<f64, String> {
    let path = dir.join("fsync-overwrite-probe");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    file.write_all(&vec![0u8; 16 << 20])
        .and_then(|()| file.sync_all())
        .and_then(|()| file.rewind())
        .map_err(|e| e.to_string())?;
    let record = [7u8; 256];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < duration && n < 60_000 {
        file.write_all(&record).map_err(|e| e.to_string())?;
        file.sync_data().map_err(|e| e.to_string())?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    Ok(rate)
}

fn bandwidth(dir: &Path) -> Result<f64, String> {
    let path = dir.join("bandwidth-probe");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    let chunk = vec![0x5au8; 1 << 20];
    let total_mb = 256;
    let started = Instant::now();
    for _ in 0..total_mb {
        file.write_all(&chunk).map_err(|e| e.to_string())?;
    }
    file.sync_all().map_err(|e| e.to_string())?;
    let rate = f64::from(total_mb) / started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    Ok(rate)
}

/// Measures both limits, three times each.
pub fn measure(dir: &Path, duration: Duration) -> Result<DiskLimits, String> {
    let each = duration.div_f64(2.0).max(Duration::from_millis(500));
    let fsyncs = (0..3)
        .map(|_| fsync_rate(dir, each))
        .collect::<Result<Vec<_>, _>>()?;
    let bandwidths = (0..3)
        .map(|_| bandwidth(dir))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DiskLimits {
        fsyncs_per_second: super::median(fsyncs),
        sequential_mb_per_second: super::median(bandwidths),
    })
}
