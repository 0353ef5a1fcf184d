//! `yinling-verify`: checks a Yinling log from outside, with no dependency on the service.
//!
//! Given the checkpoints a watcher collected over time (the file `yinling checkpoints pull`
//! keeps) and the key they trust, it checks every signature and that the log never shrank;
//! given as well a copy of the log (a data directory, e.g. from `yinling backup`), it walks
//! the hash chain, rebuilds the Merkle tree and checks that every checkpoint's root is the
//! root of the log of that size: a history rewritten after a checkpoint was collected does not
//! match it, however carefully the chain was re-hashed. It names exactly what fails and exits
//! 1; 0 when everything holds.
//!
//! ```text
//! yinling-verify --checkpoints checkpoints.txt --key "yinling+1a2b3c4d+AQ..." [--data DIR]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use yinling_ledger::checkpoint::{parse_verifier_key, Checkpoint};
use yinling_ledger::log::{verify_each, VerifyDepth};
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::{OpenMode, SledLog};

const USAGE: &str =
    "usage: yinling-verify --checkpoints FILE (--key KEY | --key-file FILE) [--data DIR]";

struct Args {
    checkpoints: PathBuf,
    key: String,
    data: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut checkpoints = None;
    let mut key = None;
    let mut data = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))
        };
        match flag.as_str() {
            "--checkpoints" => checkpoints = Some(PathBuf::from(value()?)),
            "--key" => key = Some(value()?),
            "--key-file" => {
                let path = value()?;
                key = Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read the key file {path}: {e}"))?,
                );
            }
            "--data" => data = Some(PathBuf::from(value()?)),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(Args {
        checkpoints: checkpoints.ok_or_else(|| format!("--checkpoints is required; {USAGE}"))?,
        key: key.ok_or_else(|| format!("--key or --key-file is required; {USAGE}"))?,
        data,
    })
}

/// Every check, with what it found; `Err` names the first thing that fails.
fn check(args: &Args) -> Result<Vec<String>, String> {
    let mut said = Vec::new();
    let (name, key) = parse_verifier_key(&args.key).map_err(|e| format!("--key: {e}"))?;
    let text = std::fs::read_to_string(&args.checkpoints)
        .map_err(|e| format!("cannot read {}: {e}", args.checkpoints.display()))?;
    let mut checkpoints = Vec::new();
    for (i, piece) in text
        .split("\n\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let c = Checkpoint::verify(&format!("{piece}\n"), &name, &key).map_err(|e| {
            format!(
                "checkpoint {} in {}: {e}",
                i + 1,
                args.checkpoints.display()
            )
        })?;
        checkpoints.push(c);
    }
    if checkpoints.is_empty() {
        return Err(format!(
            "{} holds no checkpoint",
            args.checkpoints.display()
        ));
    }
    said.push(format!(
        "{} checkpoints signed by {name}",
        checkpoints.len()
    ));
    for pair in checkpoints.windows(2) {
        if pair[1].size < pair[0].size {
            return Err(format!(
                "the log shrank: {} events at {}, {} at {}",
                pair[0].size, pair[0].time, pair[1].size, pair[1].time
            ));
        }
        if pair[1].size == pair[0].size && pair[1].root != pair[0].root {
            return Err(format!(
                "two histories of {} events: the checkpoints of {} and {} have different roots",
                pair[0].size, pair[0].time, pair[1].time
            ));
        }
    }
    let Some(dir) = &args.data else {
        said.push("no log given (--data): signatures and sizes checked only".to_owned());
        return Ok(said);
    };
    let log = SledLog::open(dir, OpenMode::MustExist)
        .map_err(|e| format!("cannot open the log in {}: {e}", dir.display()))?;
    let mut tree = MerkleTree::new();
    let report = verify_each(&log, VerifyDepth::Hashes, &mut |_| {}, &mut |h| {
        if h.seq == tree.len() + 1 {
            tree.push(&h.hash.0);
        }
    })
    .map_err(|e| format!("cannot read the log in {}: {e}", dir.display()))?;
    if let Some(bad) = &report.first_bad {
        return Err(format!(
            "the log's hash chain is broken at event {}: {}",
            bad.seq, bad.detail
        ));
    }
    said.push(format!("the hash chain holds: {} events", tree.len()));
    for c in &checkpoints {
        let root = tree.root_at(c.size).map_err(|_| {
            format!(
                "the log has {} events but the checkpoint of {} says {}: events were removed",
                tree.len(),
                c.time,
                c.size
            )
        })?;
        if root != c.root {
            return Err(format!(
                "the checkpoint of {} does not match the log: the log's first {} events have root {}, the checkpoint signed {}; the history was rewritten after it was collected",
                c.time,
                c.size,
                root.to_hex(),
                c.root.to_hex()
            ));
        }
    }
    said.push("every checkpoint's root is the root of the log of its size".to_owned());
    Ok(said)
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("yinling-verify: {e}");
            return ExitCode::from(2);
        }
    };
    match check(&args) {
        Ok(said) => {
            for line in said {
                println!("{line}");
            }
            println!("OK");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("yinling-verify: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
