//! `yinling migrate`: copy a log from sled to a NATS JetStream stream or back, re-checking
//! every link of the chain, and verify the copy.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinling_app::mint::MINT_KEY_FILE;

use super::limits::MAX_REPLICAS;
use yinling_ledger::log::{self, EnvelopeIter, VerifyDepth};
use yinling_ledger::{EventLog, Head, OpenMode, SledLog};
use yinling_nats_log::lease::LeaseBucket;
use yinling_nats_log::NatsLog;

use super::copy::Copier;
use super::logs::{check_nats, nats_config};
use super::progress::Progress;

/// Options of `migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Copy from this sled data directory (no server may be running on it)...
    #[arg(long, conflicts_with = "from", required_unless_present = "from")]
    pub from_data: Option<PathBuf>,
    /// ...or from this NATS cluster, e.g. nats://127.0.0.1:4222.
    #[arg(long, value_name = "NATS_URLS")]
    pub from: Option<String>,
    /// Copy to this NATS cluster (the stream must be empty or absent, or hold what a
    /// migration that stopped copied: it is continued)...
    #[arg(
        long,
        value_name = "NATS_URLS",
        conflicts_with = "to_data",
        required_unless_present = "to_data"
    )]
    pub to: Option<String>,
    /// ...or to this sled data directory (must not exist yet, be empty, or hold what a
    /// migration that stopped copied: it is continued).
    #[arg(long)]
    pub to_data: Option<PathBuf>,
    /// The JetStream stream on the NATS side.
    #[arg(long, default_value = "yinling")]
    pub stream: String,
    /// Replicas of the stream when it is created.
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
}

/// Runs `migrate`.
pub fn run(args: MigrateArgs) -> Result<ExitCode, String> {
    let scratch = std::env::temp_dir().join("yinling-migrate");
    let mut cluster_key = None;
    let (source, source_dir): (Box<dyn EventLog>, Option<PathBuf>) =
        match (&args.from_data, &args.from) {
            (Some(dir), None) => (
                Box::new({
                    super::backup::refuse_unfinished(dir)?;
                    SledLog::open(dir, OpenMode::MustExist).map_err(|e| e.to_string())?
                }),
                Some(dir.clone()),
            ),
            (None, Some(urls)) => {
                check_nats(urls, &args.stream).map_err(|e| format!("--from: {e}"))?;
                let log = NatsLog::open(nats_config(
                    urls,
                    &args.stream,
                    &scratch,
                    false,
                    args.replicas,
                ))
                .map_err(|e| e.to_string())?;
                LeaseBucket::refuse_unfinished(&log).map_err(|e| e.to_string())?;
                cluster_key = yinling_nats_log::lease::LeaseBucket::open(&log)
                    .and_then(|b| b.existing_key())
                    .map_err(|e| format!("cannot read the cluster's token key: {e}"))?;
                (Box::new(log), None)
            }
            _ => return Err("name the source: --from-data DIR or --from nats://...".into()),
        };
    // The token key travels with the log: every card, PIN, pickup code and voucher code was
    // made under it. Read from the source, and placed on a cluster before anything is
    // copied: a cluster that keeps another key is refused before its stream is filled.
    let token_key = match &source_dir {
        Some(dir) => file_token_key(dir)?,
        None => cluster_key,
    };
    let (cluster, directory): (Option<NatsLog>, Option<(SledLog, &Path)>) = match (
        &args.to,
        &args.to_data,
    ) {
        (Some(urls), None) => {
            check_nats(urls, &args.stream).map_err(|e| format!("--to: {e}"))?;
            if args.from.as_deref() == Some(urls.as_str()) {
                return Err("--from and --to name the same stream".into());
            }
            if !(1..=MAX_REPLICAS).contains(&args.replicas) {
                return Err(format!(
                    "--replicas {} must be between 1 and {MAX_REPLICAS}",
                    args.replicas
                ));
            }
            let log = NatsLog::open(nats_config(
                urls,
                &args.stream,
                &scratch,
                true,
                args.replicas,
            ))
            .map_err(|e| e.to_string())?;
            let what = format!("stream {} on {urls}", args.stream);
            // Only a stream a migration marked is continued: one nodes serve (or a whole
            // copy) is never written on.
            let marked = LeaseBucket::existing(&log)
                .and_then(|b| b.map(|b| b.migrating()).transpose())
                .map_err(|e| e.to_string())?
                .unwrap_or(false);
            if log.head().seq > 0 && !marked {
                return Err(format!(
                        "{what} already holds {} events; migrate into an empty stream (a migration that stopped leaves its stream marked, and is continued by running it again)",
                        log.head().seq
                    ));
            }
            // Marked before anything else is written on it, as a directory is: no node
            // serves the stream and no tool reads it until the copy is whole and
            // verified.
            LeaseBucket::open(&log)
                .and_then(|b| b.mark_migrating())
                .map_err(|e| e.to_string())?;
            held_of(&*source, &log, &what)?;
            if let Some(key) = token_key {
                seed_cluster_key(&log, key)?;
            }
            (Some(log), None)
        }
        (None, Some(dir)) => {
            let log = target_dir(&*source, dir)?;
            if let Some(key) = token_key {
                keep_token_key(dir, key)?;
            }
            (None, Some((log, dir.as_path())))
        }
        _ => return Err("name the target: --to nats://... or --to-data DIR".into()),
    };
    // The volunteers' data keys travel with the log, from one key store to the other, before
    // its events: a copy that stops half way holds the keys of every event it holds.
    let target: &dyn EventLog = match (&cluster, &directory) {
        (Some(log), _) => log,
        (None, Some((log, _))) => log,
        (None, None) => return Err("name the target: --to nats://... or --to-data DIR".into()),
    };
    let keys = super::backup::copy_keys(&*source, target)?;
    let mut copier = Copier::resuming(target)?;
    let held = target.head();
    if held.seq > 0 {
        say!(
            "the target holds this log's first {} events (a migration that stopped): continuing from event {}",
            held.seq,
            held.seq + 1
        );
    }
    let mut progress = Progress::new("migrating", source.head().seq.saturating_sub(held.seq));
    for envelope in EnvelopeIter::checked(&*source, held) {
        copier.push(envelope.map_err(|e| e.to_string())?)?;
        progress.inc(1);
    }
    let head = copier.finish()?;
    progress.finish();
    let report = log::verify(target, VerifyDepth::Full, &mut |_| {}).map_err(|e| e.to_string())?;
    if !report.is_ok() || report.verified != source.head() {
        return Err("the copy does not verify against the source; do not rely on it".into());
    }
    if let Some(log) = &cluster {
        LeaseBucket::open(log)
            .and_then(|b| b.unmark_migrating())
            .map_err(|e| e.to_string())?;
    }
    if let Some((log, dir)) = directory {
        // Durable in sled's own files, then the mark taken away: only now is it a ledger.
        log.checkpoint()
            .map_err(|e| format!("cannot make the copy durable: {e}"))?;
        drop(log);
        super::backup::unmark(dir, "migration")?;
    }
    say!(
        "migrated {} events ({} copied now) and {keys} data keys; head seq {} hash {} verified on the target",
        head.seq,
        head.seq - held.seq,
        head.seq,
        head.hash
    );
    Ok(ExitCode::SUCCESS)
}

/// What the target (`what`, for the messages) already holds of `source`: nothing, or the
/// source's first events, which a migration that stopped left and this one continues after
/// (the last one's hash is the source's at the same seq, so every event before it is too).
/// Anything else is another log, refused before anything is written.
fn held_of(source: &dyn EventLog, target: &dyn EventLog, what: &str) -> Result<Head, String> {
    let held = target.head();
    if held.seq == 0 {
        return Ok(held);
    }
    let theirs = source.head().seq;
    let another = |why: String| {
        Err(format!(
            "{what} already holds {} events and they are not this log's first ones ({why}); migrate into an empty one",
            held.seq
        ))
    };
    if held.seq > theirs {
        return another(format!("the source has only {theirs}"));
    }
    let same = log::read_range(source, held.seq, 1)
        .map_err(|e| e.to_string())?
        .first()
        .is_some_and(|e| e.hash == held.hash);
    if !same {
        return another(format!("its event {} has another hash", held.seq));
    }
    Ok(held)
}

/// The sled directory a migration writes: a new or empty one, or one a migration that
/// stopped left (marked, holding the source's first events). Marked unfinished until the
/// copy is whole and verified, so no tool serves or reads the part it holds. A directory
/// without the mark that holds anything is refused: a ledger a service ran on (the one a
/// cluster was migrated from, say) is never written on.
fn target_dir(source: &dyn EventLog, dir: &Path) -> Result<SledLog, String> {
    let empty = !dir.exists()
        || std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    let marked = dir.join(super::backup::INCOMPLETE_MARK).exists();
    if !empty && !marked {
        return Err(format!(
            "--to-data {} already exists and is not empty; migrate into a new directory (a migration that stopped leaves its directory marked, and is continued by running it again)",
            dir.display()
        ));
    }
    if empty {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot make --to-data {}: {e}", dir.display()))?;
        super::backup::mark_unfinished(dir, "a migration")?;
    }
    // A marked directory may hold nothing yet (stopped before its log was made).
    let log = SledLog::open(dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    held_of(source, &log, &format!("--to-data {}", dir.display()))?;
    Ok(log)
}

/// Keeps the source's token key in the target directory: written before anything is
/// copied, or found there from a migration that stopped; another key is refused (cards,
/// PINs and pickup codes made on the source would not work).
fn keep_token_key(dir: &Path, key: [u8; 32]) -> Result<(), String> {
    let kept = yinling_ledger::keyfile::load_or_create(&dir.join(MINT_KEY_FILE), key)
        .map_err(|e| format!("cannot write the token key: {e}"))?;
    if kept != key {
        return Err(format!(
            "{} already keeps another token key: cards, PINs and pickup codes made on the source would not work there; migrate into a new directory",
            dir.display()
        ));
    }
    Ok(())
}

/// A sled directory's token key; `None` where no service ever ran on it, so nothing was
/// made under one.
fn file_token_key(dir: &Path) -> Result<Option<[u8; 32]>, String> {
    match std::fs::read(dir.join(MINT_KEY_FILE)) {
        Ok(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
            .map(Some)
            .map_err(|_| format!("{} is not a 32-byte key", dir.join(MINT_KEY_FILE).display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read the token key: {e}")),
    }
}

/// Keeps `key` as the shared token key of the cluster `log` is on; refused when it already
/// keeps another.
fn seed_cluster_key(log: &NatsLog, key: [u8; 32]) -> Result<(), String> {
    let kept = yinling_nats_log::lease::LeaseBucket::open(log)
        .and_then(|b| b.shared_key_or(key))
        .map_err(|e| format!("cannot store the token key on the cluster: {e}"))?;
    if kept != key {
        return Err(
            "the cluster already keeps another token key (a node was started on it before the migration): cards, PINs and pickup codes made on the source would not work there; migrate into a fresh cluster".into(),
        );
    }
    Ok(())
}
