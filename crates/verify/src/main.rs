//! `yinling-verify`: checks a Yinling log from outside, with no dependency on the service.
//!
//! Given the checkpoints a watcher collected over time (the file `yinling checkpoints pull`
//! keeps) and the key they trust, it checks every signature and that the log never shrank;
//! given as well a copy of the log (a data directory, e.g. from `yinling backup`), it walks
//! the hash chain, rebuilds the Merkle tree and checks that every checkpoint's root is the
//! root of the log of that size: a history rewritten after a checkpoint was collected does not
//! match it, however carefully the chain was re-hashed. Given a volunteer's statement or a
//! bank's voucher check (`--statement`, repeatable), it checks each line's proof that its
//! event is in a checkpoint. It names exactly what fails and exits 1; 0 when everything holds.
//!
//! ```text
//! yinling-verify --checkpoints checkpoints.txt --key "yinling+1a2b3c4d+AQ..." \
//!     [--data DIR] [--statement statement.csv]...
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use yinling_verify::{check, Args};

const USAGE: &str = "usage: yinling-verify --checkpoints FILE (--key KEY | --key-file FILE) [--data DIR] [--statement FILE]...";

fn args() -> Result<Args, String> {
    let mut checkpoints = None;
    let mut key = None;
    let mut data = None;
    let mut statements = Vec::new();
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
            "--statement" => statements.push(PathBuf::from(value()?)),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(Args {
        checkpoints: checkpoints.ok_or_else(|| format!("--checkpoints is required; {USAGE}"))?,
        key: key.ok_or_else(|| format!("--key or --key-file is required; {USAGE}"))?,
        data,
        statements,
    })
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
