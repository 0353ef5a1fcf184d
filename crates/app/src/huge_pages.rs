//! Transparent huge pages off while a node loads its state.
//!
//! The allocator asks the kernel for huge pages (2 MiB instead of 4 KiB), and the kernel
//! compacts memory for one and zeroes it whole when it is first touched. A start touches its
//! whole state at once, gigabytes at a province, and there the huge pages cost more than they
//! give: on the million-volunteer city a start took 15.0–16.6 s with them and 12.2–12.9 s
//! with them off for the load, and the node was smaller after it (BENCHMARKS.md, "Huge pages,
//! measured"). Off for good they cost every write 4–11% more CPU, so they are turned back on
//! once the state is loaded: what is allocated after the start gets them again.

/// Huge pages off for the process until this is dropped, then as they were found. Pages
/// already off (an operator's `MIMALLOC_ALLOW_THP=0`, a parent's `prctl`) stay off.
#[must_use = "huge pages come back on when this is dropped"]
pub struct OffWhileLoading {
    /// Whether this turned them off, and so turns them back on.
    restore: bool,
}

impl OffWhileLoading {
    /// Turns huge pages off for the process, when they were on. Where the kernel refuses (an
    /// old kernel, another system), nothing changes and the load runs as before.
    pub fn begin() -> Self {
        #[cfg(target_os = "linux")]
        {
            let were_off = rustix::thread::transparent_huge_pages_are_disabled().unwrap_or(true);
            if !were_off && rustix::thread::disable_transparent_huge_pages(true).is_ok() {
                return OffWhileLoading { restore: true };
            }
        }
        OffWhileLoading { restore: false }
    }
}

impl Drop for OffWhileLoading {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.restore {
            if let Err(e) = rustix::thread::disable_transparent_huge_pages(false) {
                tracing::warn!(error = %e, "huge pages could not be turned back on after the load");
            }
        }
    }
}
