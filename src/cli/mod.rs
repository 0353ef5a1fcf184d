//! The subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use yinling_api::limits::{
    DEFAULT_EXPIRY_INTERVAL_SECONDS, HEADER_READ_TIMEOUT_SECONDS, MAX_CONNECTIONS,
    REQUEST_TIMEOUT_SECONDS,
};
use yinling_api::{ConnectionLimits, ServeConfig};
use yinling_app::node::{StartPolicies, ADMIN_TOKEN_ENV};
use yinling_app::notices::{Adapter, NoticeConfig};
use yinling_app::{EngineConfig, NatsNode, NodeConfig, PublicUrl, StartCheck};

use limits::{MAX_HOLD_DAYS, MAX_LEASE_SECONDS, MAX_REPLICAS};
use yinling_app::limits::{
    DEFAULT_ACCESS_LOG_DAYS, DEFAULT_CHECKPOINT_INTERVAL_SECONDS, MAX_ACCESS_LOG_DAYS,
    MAX_CHECKPOINT_INTERVAL_SECONDS,
};
use yinling_projections::limits::{DEFAULT_HOLD_TTL_SECONDS, DEFAULT_SNAPSHOT_EVERY_EVENTS};
use yinling_projections::Policy;

/// A line on standard output, like `println!`, but a reader gone (`yinling replay ... |
/// head`) is not a panic: what is left to say is dropped and the command finishes its work.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod admin_token;
mod backup;
mod checkpoints;
mod copy;
mod demo;
mod export;
mod import;
mod limits;
mod logs;
mod migrate;
mod onboard;
mod progress;
mod replay;
mod seal;
mod verify;

/// Yinling: an event-sourced volunteer points and reward ledger.
#[derive(Debug, Parser)]
#[command(name = "yinling", version, about, long_about = None)]
pub struct Cli {
    /// Log more (repeat for even more): -v info, -vv debug.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service.
    Serve(ServeArgs),
    /// Check a data directory (or a NATS log with --log): walk the hash chain, check every
    /// key record and every stored snapshot against the log folded from its first event;
    /// exit 0 and print the head when sound, exit 1 and name the first damage otherwise.
    Verify(verify::VerifyArgs),
    /// Fill an empty data directory with a realistic city (湖州: 5 districts, 47 teams,
    /// about 10,000 volunteers, a year of activities and redemptions).
    Demo(demo::DemoArgs),
    /// Show balances, stars and rankings as they stood after a seq or an instant.
    Replay(replay::ReplayArgs),
    /// Write events, balances, rankings, a statement or the evaluation as NDJSON or CSV
    /// (Excel-ready), or the volunteers' data keys (for `import --keys`).
    Export(export::ExportArgs),
    /// Load an NDJSON event export into an empty data directory, re-verifying the chain.
    Import(import::ImportArgs),
    /// Import a city's districts, teams, volunteers and carried-over balances from its
    /// spreadsheets (.xlsx or CSV), checking every row first.
    Onboard(onboard::OnboardArgs),
    /// Copy a data directory consistently (no server may be running on it).
    Backup(backup::BackupArgs),
    /// Copy a log between sled and a NATS JetStream stream (either way), verifying the chain.
    Migrate(migrate::MigrateArgs),
    /// Migrate a log written before personal data was sealed into a new directory where every
    /// name, year of birth and phone digits is sealed under its person's key, with a statement
    /// linking the two (`--check` walks both and shows that nothing else changed).
    Seal(seal::SealArgs),
    /// Keep the log's signed checkpoints from a running service, each checked against the
    /// trusted key and, with a consistency proof, against the last one kept (a watcher's
    /// command: a rewritten history stops it with the reason).
    Checkpoints(checkpoints::CheckpointsArgs),
    /// Make a new administrator's token on a stopped service's data directory, when every
    /// administrator's token is lost: recorded in the log with the reason, printed once.
    AdminToken(admin_token::AdminTokenArgs),
}

/// Options of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The data directory (created on first start).
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The address people reach this service at, e.g. https://points.example.gov.cn:
    /// printed points cards and their QR codes link there. Without it, cards cannot be
    /// printed (a link built from whatever address a request came in on would point
    /// somewhere else behind a proxy). Session cookies are Secure when it is https.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Days a held redemption waits at the counter before it lapses, recorded on a new
    /// ledger (default 14); a ledger keeps its own, changed at /policies.
    #[arg(long)]
    pub hold_days: Option<i64>,
    /// The time zone the ledger keeps its calendar in, e.g. +08:00 (China Standard Time,
    /// the default). Recorded on a new ledger; a ledger recorded in another zone refuses to
    /// start unless --change-time-zone says why.
    #[arg(long, default_value = "+08:00", value_parser = parse_utc_offset, allow_hyphen_values = true)]
    pub utc_offset: i32,
    /// Change the ledger's recorded time zone to --utc-offset, with this reason.
    #[arg(long, value_name = "REASON")]
    pub change_time_zone: Option<String>,
    /// Make a new token key for a ledger whose `token-mint.key` is gone (refused otherwise:
    /// every points card must then be printed again and every PIN set again).
    #[arg(long)]
    pub new_token_key: bool,
    /// Days the access log (who looked at whose record) keeps an entry, 1 to 3650.
    #[arg(long, default_value_t = DEFAULT_ACCESS_LOG_DAYS)]
    pub access_log_days: u32,
    /// Events between snapshots of the projections (startup replays at most this many).
    #[arg(long, default_value_t = DEFAULT_SNAPSHOT_EVERY_EVENTS)]
    pub snapshot_every: u64,
    /// Write every snapshot whole. By default only the first of a run is, and each later one
    /// holds what changed since it (a tenth of the bytes and a twentieth of the time at a
    /// million volunteers) until the changes pass half its size; a start then reads both.
    #[arg(long)]
    pub whole_snapshots: bool,
    /// Seconds between runs of hold expiry.
    #[arg(long, default_value_t = DEFAULT_EXPIRY_INTERVAL_SECONDS)]
    pub expiry_interval: u64,
    /// Seconds between signed checkpoints of the log (one is published at start and then
    /// whenever the log grew), 1 to 86400.
    #[arg(long, default_value_t = DEFAULT_CHECKPOINT_INTERVAL_SECONDS)]
    pub checkpoint_interval: u64,
    /// Skip the hash-chain walk at startup (faster start on huge logs; `verify` still checks).
    #[arg(long, conflicts_with = "verify_tail")]
    pub skip_verify: bool,
    /// At startup check only the events after the newest snapshot (and that the snapshot's
    /// last event is in the log with its hash) instead of the whole chain: a start in seconds
    /// on a province-sized log. The events before it are then walked while the service runs
    /// (`/healthz` says how far, in `chain_walk`); damage found there refuses every change
    /// from then on. Reads go on meanwhile.
    #[arg(long)]
    pub verify_tail: bool,
    /// With --verify-tail: do not walk the events before the snapshot while the service
    /// runs. A walk through the service's own handle leaves up to about half a gigabyte of
    /// what it read in memory until a restart; without it, run `yinling verify` on a
    /// schedule for those events (on a backup, or with the service stopped).
    #[arg(long, requires = "verify_tail")]
    pub no_chain_walk: bool,
    /// Ignore stored snapshots and fold the whole log from the first event.
    #[arg(long)]
    pub replay_from_scratch: bool,
    /// Seconds a client has to send a request's headers before the connection is closed.
    #[arg(long, default_value_t = HEADER_READ_TIMEOUT_SECONDS)]
    pub header_timeout: u64,
    /// Seconds a whole request (body included) may take before it is answered with 408.
    #[arg(long, default_value_t = REQUEST_TIMEOUT_SECONDS)]
    pub request_timeout: u64,
    /// Connections served at once; more are refused.
    #[arg(long, default_value_t = MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Keep the log on a NATS JetStream cluster instead of sled under --data, e.g.
    /// nats://10.0.0.1:4222,nats://10.0.0.2:4222 (--data then holds this node's snapshots,
    /// access log, notices' outbox and published checkpoints).
    #[arg(long, value_name = "NATS_URLS")]
    pub log: Option<String>,
    /// The JetStream stream of the log (with --log).
    #[arg(long, default_value = "yinling", requires = "log")]
    pub stream: String,
    /// Replicas of the stream when it is first created (with --log; 3 in a cluster).
    #[arg(long, default_value_t = 3, requires = "log")]
    pub replicas: usize,
    /// This node's name in the cluster (with --log; default: random).
    #[arg(long, requires = "log")]
    pub node_id: Option<String>,
    /// The URL other nodes forward writes to (with --log; default: http:// + --addr).
    #[arg(long, requires = "log")]
    pub advertise: Option<String>,
    /// Seconds the writer lease lives without renewal; failover takes about this long
    /// (with --log).
    #[arg(long, default_value_t = 5, requires = "log")]
    pub lease_seconds: u64,
    /// Deliver notices (points credited, rewards ready, disputes answered...) to this
    /// gateway: one JSON POST per notice, its key in Idempotency-Key. Without it (or
    /// --notify-file) notices are kept for the volunteers' pages and printed statements.
    #[arg(long, value_name = "URL", conflicts_with = "notify_file")]
    pub notify_webhook: Option<String>,
    /// Append notices as JSON lines to this file instead of a gateway.
    #[arg(long, value_name = "PATH")]
    pub notify_file: Option<PathBuf>,
    /// Milliseconds before a failed notice is tried again (doubling each time, up to an hour).
    #[arg(long, default_value_t = yinling_app::limits::NOTICE_RETRY_BASE_SECONDS * 1000)]
    pub notify_retry_ms: u64,
    /// Attempts at a notice before it is given up on.
    #[arg(long, default_value_t = yinling_app::limits::NOTICE_MAX_ATTEMPTS)]
    pub notify_attempts: u32,
    /// Milliseconds between passes of the notices outbox.
    #[arg(long, default_value_t = yinling_app::limits::NOTICE_INTERVAL_SECONDS * 1000)]
    pub notify_interval_ms: u64,
}

/// Sets up logging: warnings and the service's own info lines by default.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn,yinling=info,yinling_app=info,yinling_api=info",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("YINLING_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only for a person at a terminal: a log piped to a file, journald or a tool
    // reads as plain text (`key=value`, no escape codes between them).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Verify(args) => verify::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Onboard(args) => onboard::run(args),
        Command::Backup(args) => backup::run(args),
        Command::AdminToken(args) => admin_token::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Checkpoints(args) => checkpoints::run(args),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn parse_utc_offset(text: &str) -> Result<i32, String> {
    yinling_ledger::time::parse_offset(text).ok_or_else(|| {
        format!("{text:?} is not a UTC offset; write it like +08:00, +8 or -05:30 (whole quarter hours, -12:00 to +14:00)")
    })
}

fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    backup::refuse_unfinished(&args.data)?;
    if !(1..=MAX_ACCESS_LOG_DAYS).contains(&args.access_log_days) {
        return Err(format!(
            "--access-log-days {} must be between 1 and {MAX_ACCESS_LOG_DAYS}",
            args.access_log_days
        ));
    }
    let hold_days = args.hold_days.unwrap_or(DEFAULT_HOLD_TTL_SECONDS / 86_400);
    if !(1..=MAX_HOLD_DAYS).contains(&hold_days) {
        return Err(format!(
            "--hold-days {hold_days} must be between 1 and {MAX_HOLD_DAYS}"
        ));
    }
    if !(1..=MAX_CHECKPOINT_INTERVAL_SECONDS).contains(&args.checkpoint_interval) {
        return Err(format!(
            "--checkpoint-interval {} must be between 1 and {MAX_CHECKPOINT_INTERVAL_SECONDS} seconds",
            args.checkpoint_interval
        ));
    }
    if args.snapshot_every == 0 {
        return Err("--snapshot-every must be at least 1".into());
    }
    let nats = match &args.log {
        None => None,
        Some(urls) => {
            logs::check_nats(urls, &args.stream)
                .map_err(|e| format!("--log: {e} (sled is the default; omit --log for it)"))?;
            if !(1..=MAX_REPLICAS).contains(&args.replicas) {
                return Err(format!(
                    "--replicas {} must be between 1 and {MAX_REPLICAS}",
                    args.replicas
                ));
            }
            if !(1..=MAX_LEASE_SECONDS).contains(&args.lease_seconds) {
                return Err(format!(
                    "--lease-seconds {} must be between 1 and {MAX_LEASE_SECONDS}",
                    args.lease_seconds
                ));
            }
            // Other nodes forward writes to this address: one that means "every interface"
            // would send them to their own machine.
            if args.advertise.is_none() && args.addr.ip().is_unspecified() {
                return Err(format!(
                    "--addr {} listens on every interface, so other nodes cannot reach this one by it: give --advertise http://HOST:{} with the address they use",
                    args.addr,
                    args.addr.port()
                ));
            }
            Some(NatsNode {
                log: logs::nats_config(urls, &args.stream, &args.data, true, args.replicas),
                node_id: args.node_id.clone(),
                advertise: args.advertise.clone(),
                lease_ttl: Duration::from_secs(args.lease_seconds),
            })
        }
    };
    let public_url = args
        .public_url
        .as_deref()
        .map(PublicUrl::parse)
        .transpose()?;
    let adapter = match (&args.notify_webhook, &args.notify_file) {
        (Some(url), _) => Adapter::webhook(url).map_err(|e| format!("--notify-webhook: {e}"))?,
        (None, Some(path)) => {
            // Tried now, not at the first notice: a path that cannot be written would
            // otherwise fail each notice forty times over a day and a half, silently.
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("--notify-file {}: cannot be written: {e}", path.display()))?;
            Adapter::File(path.clone())
        }
        (None, None) => Adapter::None,
    };
    if args.notify_attempts == 0 {
        return Err("--notify-attempts must be at least 1".into());
    }
    // A value below what works is refused, named, rather than quietly raised (a
    // `--max-connections 0` served one request at a time without a word).
    for (flag, value, least) in [
        ("--max-connections", args.max_connections as u64, 1),
        ("--request-timeout", args.request_timeout, 1),
        ("--header-timeout", args.header_timeout, 1),
        ("--expiry-interval", args.expiry_interval, 1),
        ("--notify-interval-ms", args.notify_interval_ms, 10),
        ("--notify-retry-ms", args.notify_retry_ms, 1),
    ] {
        if value < least {
            return Err(format!(
                "{flag} {value} is too small: it must be at least {least}"
            ));
        }
    }
    let notices = NoticeConfig {
        adapter,
        interval: Duration::from_millis(args.notify_interval_ms),
        retry_base: Duration::from_millis(args.notify_retry_ms),
        max_attempts: args.notify_attempts,
        ..NoticeConfig::default()
    };
    let config = ServeConfig {
        node: NodeConfig {
            engine: EngineConfig {
                data_dir: args.data,
                policy: Policy {
                    hold_ttl_seconds: hold_days * 86_400,
                },
                snapshot_every_events: args.snapshot_every,
                whole_snapshots: args.whole_snapshots,
                start_check: match (args.skip_verify, args.verify_tail) {
                    (true, _) => StartCheck::Off,
                    (false, true) => StartCheck::Tail,
                    (false, false) => StartCheck::WholeChain,
                },
                use_snapshots: !args.replay_from_scratch,
                chain_walk_after_start: !args.no_chain_walk,
            },
            admin_token: std::env::var(ADMIN_TOKEN_ENV)
                .ok()
                .filter(|t| !t.trim().is_empty()),
            expiry_interval: Duration::from_secs(args.expiry_interval),
            access_log_days: args.access_log_days,
            checkpoint_interval: Duration::from_secs(args.checkpoint_interval),
            new_token_key: args.new_token_key,
            nats,
            public_url,
            start: StartPolicies {
                utc_offset_seconds: args.utc_offset,
                change_time_zone: args.change_time_zone.clone(),
                hold_ttl_given: args.hold_days.is_some(),
            },
            notices,
        },
        addr: args.addr,
        connections: ConnectionLimits {
            header_read_timeout: Duration::from_secs(args.header_timeout),
            request_timeout: Duration::from_secs(args.request_timeout),
            max_connections: args.max_connections,
        },
    };
    runtime()?
        .block_on(yinling_api::serve_with(
            config,
            yinling_api::shutdown_signal(),
            yinling_web::router(),
        ))
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
