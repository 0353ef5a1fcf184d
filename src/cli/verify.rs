//! `yinling verify`: walk the chain of a data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use yinling_app::snapshot_check::{self, ReadInRounds, CHECK_ROUND_EVENTS};
use yinling_ledger::log::{VerifyDepth, VerifyReport};
use yinling_ledger::rounds::{round_bytes_for, verify_at, verify_in_rounds};
use yinling_ledger::{EventLog, Head, SledLog};

use super::logs::{open_existing, open_existing_sled, LogArgs};

/// Options of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The data directory to check.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Only check hashes and placement (skip decoding every event and refolding the log to
    /// check each stored snapshot; faster).
    #[arg(long)]
    pub hashes_only: bool,
    /// The log on NATS instead.
    #[command(flatten)]
    pub log: LogArgs,
}

/// Runs `verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode, String> {
    let depth = if args.hashes_only {
        VerifyDepth::Hashes
    } else {
        VerifyDepth::Full
    };
    let (log, report) = walk(&args, depth)?;
    let keys = check_keys(&*log)?;
    match report.first_bad {
        None if report.is_ok() && keys.damaged.is_empty() => {
            say!(
                "ok: {} events, head seq {} hash {}",
                report.verified.seq,
                report.verified.seq,
                report.verified.hash
            );
            say!("key store: {} data keys whole", keys.whole);
            if args.hashes_only {
                return Ok(ExitCode::SUCCESS);
            }
            check_snapshots(log, &args)
        }
        None if report.is_ok() => {
            say!(
                "the log is whole ({} events, head seq {} hash {}), but the key store is damaged:",
                report.verified.seq,
                report.verified.seq,
                report.verified.hash
            );
            for d in &keys.damaged {
                say!("damaged: {d}");
            }
            say!(
                "those volunteers' names cannot be shown (their points are not affected); restore the key store from a backup"
            );
            Ok(ExitCode::from(1))
        }
        bad => {
            let (seq, detail) = bad
                .map(|b| (b.seq, b.detail))
                .unwrap_or((report.verified.seq + 1, "chain ends early".into()));
            say!("damaged: first bad seq {seq}: {detail}");
            say!(
                "verified up to seq {} hash {}; the log claims head seq {}",
                report.verified.seq,
                report.verified.hash,
                log.head().seq
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// The chain walked at `depth`, and the log to read on. The embedded log is walked in rounds,
/// each through a handle of its own, as a start walks it (`yinling_ledger::rounds`). A NATS
/// stream is walked through its one handle.
fn walk(
    args: &VerifyArgs,
    depth: VerifyDepth,
) -> Result<(Box<dyn EventLog>, VerifyReport), String> {
    if args.log.log.is_none() {
        let first = open_existing_sled(&args.data)?;
        let round_bytes = round_bytes_for(&first);
        let report =
            verify_in_rounds(first, &args.data, depth, round_bytes).map_err(|e| e.to_string())?;
        let log = SledLog::open_again(&args.data, report.claimed).map_err(|e| e.to_string())?;
        return Ok((Box::new(log), report));
    }
    let log = open_existing(&args.data, &args.log)?;
    let report = verify_at(log.head(), log.segments(0), depth).map_err(|e| e.to_string())?;
    Ok((log, report))
}

/// Every stored snapshot against the log folded from its first event (the start trusts the
/// newest; nothing else ties its contents to the chain). The embedded log is read in rounds,
/// as the walk was.
fn check_snapshots(log: Box<dyn EventLog>, args: &VerifyArgs) -> Result<ExitCode, String> {
    let mut reopen = |head: Head| {
        SledLog::open_again(&args.data, head).map(|l| Box::new(l) as Box<dyn EventLog>)
    };
    let rounds = args.log.log.is_none().then_some(ReadInRounds {
        events: CHECK_ROUND_EVENTS,
        reopen: &mut reopen,
    });
    let checks = snapshot_check::check_snapshots(log, rounds).map_err(|e| e.to_string())?;
    let bad: Vec<_> = checks.iter().filter(|c| c.outcome.is_err()).collect();
    if bad.is_empty() {
        let by_digest = checks.iter().filter(|c| c.by_digest).count();
        say!(
            "snapshots: {} checked against the log folded from its first event ({by_digest} of them by digest, one state held at a time)",
            checks.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for c in &bad {
        if let Err(why) = &c.outcome {
            say!("damaged: the snapshot at seq {}: {why}", c.seq);
        }
    }
    say!(
        "the log itself is whole; start the service with --replay-from-scratch (it then writes a new snapshot from the log) and keep the damaged snapshot files for whoever looks into it"
    );
    Ok(ExitCode::from(1))
}

/// What the key store holds: whole keys, and the damaged ones in words.
struct KeyCheck {
    whole: usize,
    damaged: Vec<String>,
}

/// Checks every record of the key store beside the log.
fn check_keys(log: &dyn yinling_ledger::EventLog) -> Result<KeyCheck, String> {
    let keys = log.keyring().map_err(|e| e.to_string())?;
    let mut out = KeyCheck {
        whole: 0,
        damaged: Vec::new(),
    };
    match keys.check_all() {
        Ok(all) => {
            for (_, checked) in all {
                match checked {
                    Ok(()) => out.whole += 1,
                    Err(e) => out.damaged.push(e.to_string()),
                }
            }
        }
        Err(e) => out.damaged.push(e.to_string()),
    }
    Ok(out)
}
