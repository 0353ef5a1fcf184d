//! `yinling verify`: walk the chain of a data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use yinling_ledger::log::{self, VerifyDepth};

use super::logs::{open_existing, LogArgs};

/// Options of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The data directory to check.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Only check hashes and placement (skip decoding every event; faster).
    #[arg(long)]
    pub hashes_only: bool,
    /// The log on NATS instead.
    #[command(flatten)]
    pub log: LogArgs,
}

/// Runs `verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode, String> {
    let log = open_existing(&args.data, &args.log)?;
    let depth = if args.hashes_only {
        VerifyDepth::Hashes
    } else {
        VerifyDepth::Full
    };
    let report = log::verify(&*log, depth, &mut |_| {}).map_err(|e| e.to_string())?;
    match report.first_bad {
        None if report.is_ok() => {
            println!(
                "ok: {} events, head seq {} hash {}",
                report.verified.seq, report.verified.seq, report.verified.hash
            );
            Ok(ExitCode::SUCCESS)
        }
        bad => {
            let (seq, detail) = bad
                .map(|b| (b.seq, b.detail))
                .unwrap_or((report.verified.seq + 1, "chain ends early".into()));
            println!("damaged: first bad seq {seq}: {detail}");
            println!(
                "verified up to seq {} hash {}; the log claims head seq {}",
                report.verified.seq,
                report.verified.hash,
                log.head().seq
            );
            Ok(ExitCode::from(1))
        }
    }
}
