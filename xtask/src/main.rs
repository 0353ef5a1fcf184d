//! `cargo xtask ...`: project chores written in Rust so everyone runs the same thing.
//!
//! `cargo xtask bench` runs every benchmark of BENCHMARKS.md side by side on this machine
//! (disk limits, the group-commit writer, PostgreSQL 15, HTTP load, replay and cold start,
//! ranking latency, criterion micro-benchmarks) and rewrites the measured section of
//! BENCHMARKS.md with medians and ratios.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;

#[global_allocator]
static ALLOCATOR: yinling_alloc::Allocator = yinling_alloc::Allocator;

/// Project chores.
#[derive(Debug, Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the benchmarks side by side and write the results into BENCHMARKS.md.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    match Cli::parse().task {
        Task::Bench(args) => match bench::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask bench: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
