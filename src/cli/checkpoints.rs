//! `yinling checkpoints pull`: a watcher's one command. It fetches every checkpoint a running
//! service published since the last one kept, then the log's head signed now, checks each
//! signature with the key the watcher trusts (given once, or taken from the service the
//! first time and kept), checks with a consistency proof that each extends the one before,
//! and appends each to the file as it is checked. Run it from cron; a rewritten history,
//! another key or a log that shrank stops it with the reason and a non-zero exit, and
//! nothing after the last good checkpoint is appended.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinling_ledger::checkpoint::{parse_verifier_key, Checkpoint};
use yinling_ledger::merkle::verify_consistency;
use yinling_ledger::Hash;

/// Options of `checkpoints`.
#[derive(Debug, clap::Args)]
pub struct CheckpointsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CheckpointsCommand,
}

/// The checkpoint commands.
#[derive(Debug, clap::Subcommand)]
pub enum CheckpointsCommand {
    /// Fetch every checkpoint published since the last one kept, then the head; check each
    /// against the key and the one before; append them.
    Pull(PullArgs),
}

/// Options of `checkpoints pull`.
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The service, e.g. https://points.example.gov.cn
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The file of checkpoints kept (created on first use; one checkpoint after another).
    #[arg(long, default_value = "checkpoints.txt")]
    pub file: PathBuf,
    /// The verifier key to trust (one line, as `/v1/log/checkpoint-key` gives it), for this
    /// run only: it is not kept, so pass it on every run or put it in `<file>.key`. Without
    /// it, the key kept in `<file>.key` is used, or the service's is taken and kept on first
    /// use (trust on first use).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
}

/// Runs a checkpoints command.
pub fn run(args: CheckpointsArgs) -> Result<ExitCode, String> {
    match args.command {
        CheckpointsCommand::Pull(p) => pull(p),
    }
}

fn get(base: &str, path: &str) -> Result<String, String> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(
            super::limits::SERVICE_ANSWER_TIMEOUT_SECONDS,
        ))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    super::runtime()?.block_on(async {
        let resp = client
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("{url} did not answer: {e}"))?;
        if !status.is_success() {
            return Err(format!("{url} answered {status}: {}", text.trim()));
        }
        Ok(text)
    })
}

/// The checkpoints kept in the file, oldest first (each ends with its signature lines).
///
/// A last one that does not verify (`verifies`), in a file that does not end as `keep` ends
/// each one, is one whose write was cut short (a full disk, a power cut, two runs at once):
/// dropped, said, and the file cut back to the one before, rather than stop every later run
/// with a failure that reads like tampering. One that ends whole and does not verify is
/// left for the caller to refuse.
fn kept(file: &Path, verifies: impl Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let mut kept = Checkpoint::split_collected(&text);
    let Some(last) = kept.last() else {
        return Ok(kept);
    };
    if text.ends_with(KEPT_END) || verifies(last) {
        return Ok(kept);
    }
    let Some(at) = text.rfind(last.trim_end()) else {
        return Ok(kept);
    };
    eprintln!(
        "warning: the end of {} is a checkpoint whose write was cut short ({} bytes); it is dropped and pulled again",
        file.display(),
        text.len() - at
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .and_then(|f| {
            f.set_len(at as u64)?;
            f.sync_all()
        })
        .map_err(|e| {
            format!(
                "cannot cut {} back to its last whole checkpoint: {e}",
                file.display()
            )
        })?;
    kept.pop();
    Ok(kept)
}

/// How each checkpoint kept ends.
const KEPT_END: &str = "\n\n\n";

fn key_file(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn pull(args: PullArgs) -> Result<ExitCode, String> {
    let key_path = key_file(&args.file);
    let key_line = match (&args.key, std::fs::read_to_string(&key_path)) {
        (Some(k), _) => k.trim().to_owned(),
        (None, Ok(k)) => k.trim().to_owned(),
        (None, Err(e)) if key_path.exists() => {
            return Err(format!(
                "the key kept in {} cannot be read: {e}",
                key_path.display()
            ))
        }
        (None, Err(_)) => {
            let k = get(&args.from, "/v1/log/checkpoint-key")?.trim().to_owned();
            // Whole or not at all: a key file cut short would be read as a bad key.
            let partial = key_path.with_extension("key.partial");
            std::fs::write(&partial, format!("{k}\n"))
                .and_then(|()| std::fs::File::open(&partial)?.sync_all())
                .and_then(|()| std::fs::rename(&partial, &key_path))
                .map_err(|e| format!("cannot keep the key in {}: {e}", key_path.display()))?;
            say!("trusting the key {k} (kept in {})", key_path.display());
            k
        }
    };
    let (name, key) = parse_verifier_key(&key_line).map_err(|e| match &args.key {
        Some(_) => format!("--key: {e}"),
        None => format!("the key kept in {}: {e}", key_path.display()),
    })?;
    let previous = kept(&args.file, |text| {
        Checkpoint::verify(text, &name, &key).is_ok()
    })?;
    let mut last = match previous.last() {
        Some(text) => Some(Checkpoint::verify(text, &name, &key).map_err(|e| {
            format!(
                "the last checkpoint kept in {} does not verify: {e}",
                args.file.display()
            )
        })?),
        None => None,
    };
    // Every checkpoint published since the last one kept comes from the list, oldest first
    // (those are what statements are proven against); then the log's head, signed now, asked
    // after the list: asked before, a checkpoint published in between would make the head
    // look like a log that shrank. A head no further than the list (a replica behind a load
    // balancer, a moment behind the writer) adds nothing and is left out; one behind the
    // checkpoints kept from earlier pulls is still checked, and a log that shrank is named.
    let mut fresh = published_since(&args.from, last.as_ref().map_or(0, |c| c.size))?;
    let head = get(&args.from, "/v1/log/checkpoint")?;
    let head_size = Checkpoint::verify(&head, &name, &key)
        .map_err(|e| format!("the checkpoint of {} does not verify: {e}", args.from))?
        .size;
    let kept_size = last.as_ref().map(|c| c.size);
    let listed = match fresh.last() {
        Some(text) => Some(
            Checkpoint::verify(text, &name, &key)
                .map_err(|e| format!("a checkpoint of {} does not verify: {e}", args.from))?
                .size,
        ),
        None => None,
    };
    let behind_the_list = listed.is_some_and(|l| head_size <= l);
    let behind_what_was_kept = kept_size.is_some_and(|k| head_size < k);
    if !behind_the_list || behind_what_was_kept {
        fresh.push(head);
    }
    let mut new_kept = 0;
    for text in fresh {
        let new = Checkpoint::verify(&text, &name, &key)
            .map_err(|e| format!("a checkpoint of {} does not verify: {e}", args.from))?;
        if let Some(last) = &last {
            consistent(&args, last, &new)?;
            if new.size == last.size {
                continue;
            }
        }
        keep(&args.file, &text)?;
        say!(
            "kept the checkpoint of {}: {} events, root {}{}",
            new.time,
            new.size,
            new.root.to_hex(),
            if last.is_some() {
                ", consistent with the one before"
            } else {
                ""
            }
        );
        new_kept += 1;
        last = Some(new);
    }
    if new_kept == 0 {
        if let Some(last) = &last {
            say!(
                "no new events since {} ({} events); nothing kept",
                last.time,
                last.size
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The texts of the checkpoints the service published with more than `after` events.
fn published_since(base: &str, after: u64) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut after = after;
    loop {
        let page = get(base, &format!("/v1/log/checkpoints?after={after}"))?;
        let page: serde_json::Value = serde_json::from_str(&page)
            .map_err(|e| format!("the list of checkpoints is not JSON: {e}"))?;
        let items = page["items"].as_array().map_or(&[][..], Vec::as_slice);
        // A page of none ends the list, whatever it says comes next: a service that kept
        // naming a next page of nothing would otherwise keep the watcher asking.
        if items.is_empty() {
            return Ok(out);
        }
        for item in items {
            let text = item["text"]
                .as_str()
                .ok_or_else(|| format!("{base} listed a checkpoint without its text: {item}"))?;
            out.push(text.to_owned());
        }
        match page["next_after"].as_u64() {
            Some(next) if next > after => after = next,
            _ => return Ok(out),
        }
    }
}

/// Checks with the service's consistency proof that the log of `last` is a prefix of the
/// log of `new`: the log only grew.
fn consistent(args: &PullArgs, last: &Checkpoint, new: &Checkpoint) -> Result<(), String> {
    if new.size < last.size {
        return Err(format!(
            "the log shrank: {} events in the checkpoint of {}, {} in the checkpoint of {} kept in {}",
            new.size,
            new.time,
            last.size,
            last.time,
            args.file.display()
        ));
    }
    let proof = get(
        &args.from,
        &format!(
            "/v1/log/proofs/consistency?from={}&to={}",
            last.size, new.size
        ),
    )?;
    let proof: serde_json::Value =
        serde_json::from_str(&proof).map_err(|e| format!("the proof is not JSON: {e}"))?;
    // A garbled answer is the service's or the network's fault, not evidence of a rewrite:
    // named as what it is, before any hash is compared.
    let malformed = || {
        format!(
            "the service's consistency proof from {} to {} events is malformed (not a list of SHA-256 hashes in hex): {proof}",
            last.size, new.size
        )
    };
    let path: Vec<Hash> = proof["proof"]
        .as_array()
        .ok_or_else(malformed)?
        .iter()
        .map(|h| h.as_str().and_then(Hash::from_hex).ok_or_else(malformed))
        .collect::<Result<_, _>>()?;
    verify_consistency((last.size, &last.root), (new.size, &new.root), &path).map_err(|e| {
        format!(
            "THE LOG WAS REWRITTEN: the checkpoint of {} ({} events) is not a prefix of the checkpoint of {} ({} events): {e}",
            last.time, last.size, new.time, new.size
        )
    })
}

/// Appends one checkpoint to the file, synced.
fn keep(file: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    f.write_all(format!("{}{KEPT_END}", text.trim_end()).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}
