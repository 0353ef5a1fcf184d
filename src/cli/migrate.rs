//! `yinling migrate`: copy a log from sled to a NATS JetStream stream or back, re-checking
//! every link of the chain, and verify the copy.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinling_app::mint::MINT_KEY_FILE;

use super::limits::MAX_REPLICAS;
use yinling_ledger::log::{self, EnvelopeIter, VerifyDepth};
use yinling_ledger::{EventLog, Head, OpenMode, SledLog};
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
    /// Copy to this NATS cluster (the stream must be empty or absent)...
    #[arg(
        long,
        value_name = "NATS_URLS",
        conflicts_with = "to_data",
        required_unless_present = "to_data"
    )]
    pub to: Option<String>,
    /// ...or to this sled data directory (must not exist yet, or be empty).
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
    let (target, target_dir): (Box<dyn EventLog>, Option<PathBuf>) = match (&args.to, &args.to_data)
    {
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
            if log.head().seq > 0 {
                return Err(format!(
                    "stream {} on {urls} already holds {} events; migrate into an empty stream",
                    args.stream,
                    log.head().seq
                ));
            }
            if let Some(key) = token_key {
                seed_cluster_key(&log, key)?;
            }
            (Box::new(log), None)
        }
        (None, Some(dir)) => {
            if dir.exists()
                && std::fs::read_dir(dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return Err(format!(
                    "--to-data {} already exists and is not empty; migrate into a new directory",
                    dir.display()
                ));
            }
            (
                Box::new(SledLog::open(dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?),
                Some(dir.clone()),
            )
        }
        _ => return Err("name the target: --to nats://... or --to-data DIR".into()),
    };
    let mut copier = Copier::new(&*target);
    let mut progress = Progress::new("migrating", source.head().seq);
    for envelope in EnvelopeIter::checked(&*source, Head::default()) {
        copier.push(envelope.map_err(|e| e.to_string())?)?;
        progress.inc(1);
    }
    let head = copier.finish()?;
    progress.finish();
    // The volunteers' data keys travel with the log, from one key store to the other.
    let keys = super::backup::copy_keys(&*source, &*target)?;
    if let (Some(key), Some(dir)) = (token_key, &target_dir) {
        yinling_ledger::keyfile::write_private(&dir.join(MINT_KEY_FILE), &key)
            .map_err(|e| format!("cannot write the token key: {e}"))?;
    }
    let report =
        log::verify(&*target, VerifyDepth::Full, &mut |_| {}).map_err(|e| e.to_string())?;
    if !report.is_ok() || report.verified != source.head() {
        return Err("the copy does not verify against the source; do not rely on it".into());
    }
    say!(
        "migrated {} events and {keys} data keys; head seq {} hash {} verified on the target",
        head.seq,
        head.seq,
        head.hash
    );
    Ok(ExitCode::SUCCESS)
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
