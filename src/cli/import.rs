//! `yinling import`: an NDJSON event export into an empty data directory, re-verifying the
//! whole chain first (nothing is written from a broken file) and resuming after interruption.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinling_app::reports::events::envelope_from_json;
use yinling_ledger::{Envelope, EventLog, Head, OpenMode, SledLog};

use super::copy::Copier;
use super::progress::Progress;

/// Options of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The data directory to fill (new, empty, or holding an interrupted import of this file).
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// The NDJSON file written by `yinling export --what events`.
    pub file: PathBuf,
    /// The volunteers' data keys written by `yinling export --what keys`, so their names
    /// can be read here too (without it, every name reads "姓名无法读取").
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// The token key (`token-mint.key` of the data directory the events came from), so the
    /// points cards, PINs, pickup and voucher codes made there work here too. Without it
    /// a new key is made by the import itself, and every card must be printed again and
    /// every PIN set again.
    #[arg(long)]
    pub token_key: Option<PathBuf>,
}

/// Reads the file's envelopes in order.
fn envelopes(path: &Path) -> Result<impl Iterator<Item = Result<Envelope, String>>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let name = path.display().to_string();
    Ok(BufReader::new(file).lines().enumerate().filter_map(move |(i, line)| {
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some(Err(format!("{name} line {}: cannot be read as text ({e})", i + 1))),
        };
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            return None;
        }
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Some(Err(format!("{name} line {} is not JSON ({e}); expected NDJSON from `yinling export --what events`", i + 1))),
        };
        Some(envelope_from_json(&value).map_err(|e| format!("{name} line {}: {e}", i + 1)))
    }))
}

/// Runs `import`.
pub fn run(args: ImportArgs) -> Result<ExitCode, String> {
    // The key files named must read before anything is read or written.
    let here = args.data.join(yinling_app::mint::MINT_KEY_FILE);
    let keys = match &args.keys {
        Some(file) => Some(read_keys(file)?),
        None => None,
    };
    let token_key = match &args.token_key {
        Some(file) => {
            let key = read_token_key(file)?;
            if std::fs::read(&here).is_ok_and(|kept| kept[..] != key[..]) {
                return Err(format!(
                    "{} already holds another token key; import into a new directory",
                    args.data.display()
                ));
            }
            Some(key)
        }
        None => None,
    };
    // Pass 1: the whole chain, every stream's versions too, must verify before anything is
    // written.
    let mut head = Head::default();
    let mut versions: std::collections::HashMap<yinling_ledger::StreamId, u64> =
        std::collections::HashMap::new();
    let mut progress = Progress::new("verifying", 0);
    for envelope in envelopes(&args.file)? {
        let envelope = envelope?;
        let refuse = |e: String| {
            format!(
                "refusing {}: {e}; nothing was imported",
                args.file.display()
            )
        };
        Copier::check(&head, &envelope).map_err(refuse)?;
        let last = versions.entry(envelope.stream.clone()).or_default();
        if last.checked_add(1) != Some(envelope.stream_version) {
            return Err(refuse(format!(
                "seq {}: stream {} is at version {last}, the event says {}; the file was altered",
                envelope.seq, envelope.stream, envelope.stream_version
            )));
        }
        *last = envelope.stream_version;
        head = Head {
            seq: envelope.seq,
            hash: envelope.hash,
        };
        progress.inc(1);
    }
    progress.finish();
    if head.seq == 0 {
        return Err(format!("{} holds no events", args.file.display()));
    }
    drop(versions);
    // Pass 2: append, skipping what an interrupted run already wrote.
    super::backup::refuse_unfinished(&args.data)?;
    let log = SledLog::open(&args.data, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    let start = log.head();
    if start.seq > head.seq {
        return Err(format!(
            "the data directory {} already holds {} events, more than the file's {}; import only into an empty directory",
            args.data.display(),
            start.seq,
            head.seq
        ));
    }
    let mut copier = Copier::resuming(&log)?;
    let mut progress = Progress::new("importing", head.seq - start.seq);
    for envelope in envelopes(&args.file)? {
        let envelope = envelope?;
        if envelope.seq < start.seq {
            continue;
        }
        if envelope.seq == start.seq {
            if envelope.hash != start.hash {
                return Err(format!(
                    "the data directory {} holds a different history (seq {} differs); import only into an empty directory",
                    args.data.display(),
                    start.seq
                ));
            }
            continue;
        }
        copier.push(envelope)?;
        progress.inc(1);
    }
    let end = copier.finish()?;
    progress.finish();
    if start.seq > 0 {
        say!("resumed after seq {}", start.seq);
    }
    if let Some(keys) = keys {
        let erased = erased_in(&args.file)?;
        let keys: Vec<_> = keys
            .into_iter()
            .filter(|(id, _)| !erased.contains(id))
            .collect();
        log.keyring()
            .map_err(|e| e.to_string())?
            .put_all(&keys)
            .map_err(|e| e.to_string())?;
        log.checkpoint()
            .map_err(|e| format!("cannot make the data keys durable: {e}"))?;
        say!("imported {} data keys", keys.len());
    }
    match token_key {
        Some(key) => {
            let kept = yinling_ledger::keyfile::load_or_create(&here, key)
                .map_err(|e| format!("cannot write the token key: {e}"))?;
            if kept != key {
                return Err(format!(
                    "{} already holds another token key; import into a new directory",
                    args.data.display()
                ));
            }
            say!("imported the token key");
        }
        None if !here.exists() => {
            // Made now, on purpose: a start that finds events without a key refuses (the
            // key of a copied directory may simply have been left behind).
            yinling_app::mint::TokenMint::load_or_create(&args.data)
                .map_err(|e| format!("cannot write the token key: {e}"))?;
            eprintln!(
                "no --token-key: a new one was made, so points cards must be printed again and PINs set again"
            );
        }
        None => {}
    }
    say!(
        "imported {} events; head seq {} hash {}",
        end.seq - start.seq,
        end.seq,
        end.hash
    );
    Ok(ExitCode::SUCCESS)
}

/// The volunteers erased in the events file: their keys are never imported.
fn erased_in(
    path: &Path,
) -> Result<std::collections::BTreeSet<yinling_ledger::VolunteerId>, String> {
    super::backup::erased_among(envelopes(path)?)
}

/// The token key of a `--token-key` file: exactly its length of bytes.
fn read_token_key(file: &Path) -> Result<[u8; yinling_ledger::keyfile::KEY_LEN], String> {
    let key = std::fs::read(file).map_err(|e| format!("--token-key {}: {e}", file.display()))?;
    <[u8; yinling_ledger::keyfile::KEY_LEN]>::try_from(key.as_slice()).map_err(|_| {
        format!(
            "--token-key {} is not a token key ({} bytes, not {})",
            file.display(),
            key.len(),
            yinling_ledger::keyfile::KEY_LEN
        )
    })
}

/// The keys of a key file, each checked (those of people erased are left out when they
/// are put in the key store).
fn read_keys(path: &Path) -> Result<super::backup::DataKeys, String> {
    use yinling_ledger::personal::DataKey;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--keys {}: cannot be read: {e}", path.display()))?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            format!(
                "{} line {}: {what}; expected a file from `yinling export --what keys`",
                path.display(),
                i + 1
            )
        };
        let value: serde_json::Value = serde_json::from_str(line).map_err(|_| bad("not JSON"))?;
        let id: yinling_ledger::VolunteerId = value["volunteer_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no volunteer_id"))?;
        let key = DataKey::from_hex(&id, value["key"].as_str().unwrap_or_default())
            .map_err(|e| bad(&e.to_string()))?;
        keys.push((id, key));
    }
    Ok(keys)
}
