//! What the service's allocator gives an activity and a volunteer behind an `Arc`: a million
//! of each allocated in a process of its own with the service's allocator (`yinling-alloc`,
//! mimalloc), the process's resident memory before and after divided by the count. The sizes
//! are the state's own types; the values are filled bytes (the block is what is measured, not
//! the value's heap parts).
//!
//! mimalloc 3's aligned entry, which the `mimalloc` crate calls for every request, serves a
//! request aligned to eight bytes whose size class has no free block ready by asking for the
//! size plus seven unless the size is a power of two (its `alloc-aligned.c`), so a value
//! exactly at a class's size took the class above: the standard library's `Arc` (two counts,
//! 16 bytes) over a 208-byte activity asked for 224 and got 256, `triomphe`'s (one count) 216
//! and 224. The service's allocator asks mimalloc's plain entry for such requests, so both
//! now get the class of their size. `limits::ALIGNED_REQUEST_SLACK` is that seven, still
//! counted in the asserts that keep an activity and a volunteer in their blocks.
//!
//! `cargo bench --bench blocks` prints a Markdown table.
#![allow(missing_docs)]

use std::process::Command;

use yinling_projections::limits::ARC_COUNT_BYTES;

#[global_allocator]
static ALLOCATOR: yinling_alloc::Allocator = yinling_alloc::Allocator;

/// How many values each row allocates.
const COUNT: usize = 1_000_000;

const ACTIVITY_WORDS: usize = std::mem::size_of::<yinling_projections::activities::Activity>() / 8;
const VOLUNTEER_WORDS: usize =
    std::mem::size_of::<yinling_projections::volunteers::Volunteer>() / 8;

/// The resident memory of this process, KiB.
fn resident_kib() -> Result<i64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

/// Allocates `COUNT` values made by `make` into slots already touched, and prints the bytes
/// each took.
fn measure<T>(make: impl Fn(usize) -> T) -> Result<(), String> {
    let mut slots: Vec<Option<T>> = (0..COUNT).map(|_| None).collect();
    let before = resident_kib()?;
    for (i, slot) in slots.iter_mut().enumerate() {
        *slot = Some(make(i));
    }
    let after = resident_kib()?;
    println!("{}", (after - before) * 1024 / COUNT as i64);
    drop(slots);
    Ok(())
}

/// One row, in this process.
fn row(name: &str) -> Result<(), String> {
    let byte = |i: usize| i as u64;
    match name {
        "activity-std" => measure(|i| std::sync::Arc::new([byte(i); ACTIVITY_WORDS])),
        "activity-triomphe" => measure(|i| triomphe::Arc::new([byte(i); ACTIVITY_WORDS])),
        "volunteer-std" => measure(|i| std::sync::Arc::new([byte(i); VOLUNTEER_WORDS])),
        "volunteer-triomphe" => measure(|i| triomphe::Arc::new([byte(i); VOLUNTEER_WORDS])),
        other => Err(format!("no row named {other:?}")),
    }
}

fn main() -> Result<(), String> {
    if let Some(name) = std::env::args().nth(1).filter(|a| !a.starts_with('-')) {
        return row(&name);
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    println!(
        "{COUNT} values each, the service's allocator; an activity is {} bytes, a volunteer {}\n",
        ACTIVITY_WORDS * 8,
        VOLUNTEER_WORDS * 8
    );
    println!("| value | `Arc` | bytes asked | resident bytes each |\n|---|---|---:|---:|");
    for (name, value, arc, asked) in [
        (
            "activity-std",
            "activity",
            "std",
            ACTIVITY_WORDS * 8 + 2 * ARC_COUNT_BYTES,
        ),
        (
            "activity-triomphe",
            "activity",
            "triomphe",
            ACTIVITY_WORDS * 8 + ARC_COUNT_BYTES,
        ),
        (
            "volunteer-std",
            "volunteer",
            "std",
            VOLUNTEER_WORDS * 8 + 2 * ARC_COUNT_BYTES,
        ),
        (
            "volunteer-triomphe",
            "volunteer",
            "triomphe",
            VOLUNTEER_WORDS * 8 + ARC_COUNT_BYTES,
        ),
    ] {
        let out = Command::new(&me)
            .arg(name)
            .output()
            .map_err(|e| e.to_string())?;
        let each = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        println!("| {value} | {arc} | {asked} | {each} |");
    }
    Ok(())
}
