//! Which log a tool works on: sled in a data directory (the default) or a stream on a NATS
//! JetStream cluster.

use std::path::Path;

use yinling_ledger::{EventLog, OpenMode, SledLog};
use yinling_nats_log::{NatsConfig, NatsLog};

/// `--log` and `--stream`, shared by the tools that read a log.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Read the log from a NATS JetStream cluster instead of sled under --data, e.g.
    /// nats://10.0.0.1:4222,nats://10.0.0.2:4222.
    #[arg(long, value_name = "NATS_URLS")]
    pub log: Option<String>,
    /// The JetStream stream of the log (with --log).
    #[arg(long, default_value = "yinling")]
    pub stream: String,
}

/// Checks a `nats://` address list and a stream name, naming the bad value.
pub fn check_nats(urls: &str, stream: &str) -> Result<(), String> {
    if let Some(bad) = urls.split(',').find(|u| !u.trim().starts_with("nats://")) {
        return Err(format!("{bad:?} is not a nats:// address"));
    }
    if stream.is_empty()
        || !stream
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "--stream {stream:?} must be letters, digits, - or _"
        ));
    }
    Ok(())
}

/// A NATS log's configuration for a tool (snapshots go beside `data`).
pub fn nats_config(
    urls: &str,
    stream: &str,
    data: &Path,
    create: bool,
    replicas: usize,
) -> NatsConfig {
    NatsConfig {
        urls: urls.to_owned(),
        stream: stream.to_owned(),
        replicas,
        snapshot_dir: yinling_nats_log::default_snapshot_dir(data, stream),
        create,
    }
}

/// Opens an existing log for reading: the NATS stream with `--log`, sled under `data`
/// otherwise.
pub fn open_existing(data: &Path, args: &LogArgs) -> Result<Box<dyn EventLog>, String> {
    match &args.log {
        None => open_existing_sled(data).map(|l| Box::new(l) as Box<dyn EventLog>),
        Some(urls) => {
            super::backup::refuse_unfinished(data)?;
            check_nats(urls, &args.stream)?;
            let log = NatsLog::open(nats_config(urls, &args.stream, data, false, 1))
                .map_err(|e| e.to_string())?;
            yinling_nats_log::lease::LeaseBucket::refuse_unfinished(&log)
                .map_err(|e| e.to_string())?;
            Ok(Box::new(log))
        }
    }
}

/// Opens the embedded log under `data` for reading, as [`open_existing`] does without `--log`
/// (for a tool that closes and opens it again as it reads, `verify`).
pub fn open_existing_sled(data: &Path) -> Result<SledLog, String> {
    super::backup::refuse_unfinished(data)?;
    SledLog::open(data, OpenMode::MustExist).map_err(|e| e.to_string())
}
