//! A served process's resident memory, read from /proc: now, and the highest seen while a
//! load runs (sampled, since `VmHWM` would also hold the start's peak).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Resident memory of process `pid`, in MB of 10^6 bytes (0 where /proc does not say).
pub fn resident_mb(pid: u32) -> f64 {
    super::proc_memory_bytes(&pid.to_string(), "VmRSS:") as f64 / 1e6
}

/// The highest resident memory of a process, sampled on the runtime every `every` from
/// [`Peak::start`] until [`Peak::stop`] (or until dropped).
pub struct Peak {
    highest: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

impl Peak {
    /// Starts sampling `pid`.
    pub fn start(pid: u32, every: Duration) -> Peak {
        let highest = Arc::new(AtomicU64::new(0));
        let sampler = {
            let highest = Arc::clone(&highest);
            tokio::spawn(async move {
                loop {
                    highest.fetch_max(resident_mb(pid) as u64, Ordering::Relaxed);
                    tokio::time::sleep(every).await;
                }
            })
        };
        Peak { highest, sampler }
    }

    /// The highest so far, in MB.
    pub fn highest(&self) -> u64 {
        self.highest.load(Ordering::Relaxed)
    }

    /// Stops sampling; the highest seen, in MB.
    pub fn stop(self) -> u64 {
        self.sampler.abort();
        self.highest()
    }
}

impl Drop for Peak {
    fn drop(&mut self) {
        self.sampler.abort();
    }
}
