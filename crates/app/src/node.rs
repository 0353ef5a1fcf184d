//! A node: the ledger opened from its configuration, the first administrator recorded on an
//! empty log, lapsed holds expired in the background, and on a replicated log the node's
//! part in the cluster. The front ends serve requests on it; the node itself serves nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yinling_ledger::access_log::AccessLog;
use yinling_ledger::{EventLog, LedgerError, PolicyChange, Role, Timestamp, TokenId};
use yinling_projections::{Command, NewToken, Principal};

use crate::answers::ExpiredHolds;
use crate::cluster::{shared_mint_key, Cluster, ClusterConfig};
use crate::engine::{Engine, EngineConfig, EngineError};
use crate::error::AppError;
use crate::limits::MIN_ADMIN_TOKEN_CHARS;
use crate::metrics::Metrics;
use crate::mint::{random_secret, secret_hash, TokenMint};
use crate::public_url::PublicUrl;
use crate::App;

/// The environment variable holding the first admin token.
pub const ADMIN_TOKEN_ENV: &str = "YINLING_ADMIN_TOKEN";

/// How a node runs.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The ledger.
    pub engine: EngineConfig,
    /// The first admin token (from the environment), used only on an empty log.
    pub admin_token: Option<String>,
    /// How often to expire lapsed holds.
    pub expiry_interval: Duration,
    /// Days the access log keeps an entry.
    pub access_log_days: u32,
    /// A replicated NATS JetStream log shared with other nodes, instead of sled in the data
    /// directory (which then only holds snapshots).
    pub nats: Option<NatsNode>,
    /// Where people reach the service (cards and absolute links are built from it).
    pub public_url: Option<PublicUrl>,
    /// The policies the operator started it with, checked against the log.
    pub start: StartPolicies,
    /// How notices are delivered.
    pub notices: crate::notices::NoticeConfig,
    /// How often the log's head is signed and published as a checkpoint (when it grew).
    pub checkpoint_interval: Duration,
    /// Make a new token key for a ledger that has events but no key file (every card, PIN,
    /// voucher code and checkpoint signature made with the lost one stops working).
    pub new_token_key: bool,
}

/// Policies given on the command line: recorded on a log that has none, checked against
/// one that has.
#[derive(Clone, Debug)]
pub struct StartPolicies {
    /// The zone the ledger keeps its calendar in, seconds east of UTC.
    pub utc_offset_seconds: i32,
    /// Set to change a recorded zone on purpose, with the reason.
    pub change_time_zone: Option<String>,
    /// Whether the hold time was given explicitly (otherwise the log's is used silently).
    pub hold_ttl_given: bool,
}

impl Default for StartPolicies {
    fn default() -> Self {
        StartPolicies {
            utc_offset_seconds: yinling_ledger::time::LOCAL_UTC_OFFSET_SECONDS,
            change_time_zone: None,
            hold_ttl_given: false,
        }
    }
}

/// How a node takes part in a cluster on a NATS JetStream log.
#[derive(Clone, Debug)]
pub struct NatsNode {
    /// The log.
    pub log: yinling_nats_log::NatsConfig,
    /// This node's name (default: a random one).
    pub node_id: Option<String>,
    /// The URL other nodes forward writes to (default: `http://` + the bound address).
    pub advertise: Option<String>,
    /// How long the writer lease lives without renewal.
    pub lease_ttl: Duration,
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The ledger would not open.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The token mint key could not be read or created.
    #[error("cannot use the token key in the data directory: {0}")]
    Mint(std::io::Error),
    /// The first admin token could not be recorded.
    #[error("cannot record the first admin token: {0}")]
    Bootstrap(AppError),
    /// The cluster's lease bucket or shared key could not be used.
    #[error("cannot join the cluster: {0}")]
    Cluster(LedgerError),
    /// The configured time zone is not the ledger's.
    #[error("{0}")]
    TimeZone(String),
    /// A start-up policy could not be recorded.
    #[error("cannot record the start-up policies: {0}")]
    Policies(AppError),
    /// The access log beside the ledger would not open.
    #[error("cannot open the access log: {0}")]
    AccessLog(LedgerError),
    /// The notices outbox beside the ledger would not open.
    #[error("cannot open the notices outbox: {0}")]
    Outbox(LedgerError),
    /// The store of published checkpoints beside the ledger would not open.
    #[error("cannot open the published checkpoints: {0}")]
    Checkpoints(LedgerError),
}

/// A running node.
pub struct Node {
    app: App,
    cluster_thread: Option<std::thread::JoinHandle<()>>,
    expiry: Option<tokio::task::JoinHandle<()>>,
    checkpoints: Option<tokio::task::JoinHandle<()>>,
    notices: Option<crate::notices::Runner>,
}

impl Node {
    /// Opens the ledger (blocking work runs off the runtime), joins the cluster on a shared
    /// log (writes are forwarded to `advertise`, by default this node's own address), and
    /// records the first administrator on an empty log. Returns the node and the admin
    /// secret when one was generated (to be shown once).
    pub async fn open(
        config: &NodeConfig,
        default_advertise: &str,
    ) -> Result<(Node, Option<String>), OpenError> {
        let metrics = Arc::new(Metrics::new());
        let engine_config = config.engine.clone();
        let engine_metrics = metrics.clone();
        let nats = config.nats.clone();
        // A start touches gigabytes of fresh memory at once: in small pages (`huge_pages`).
        let small_pages = crate::huge_pages::OffWhileLoading::begin();
        let opened = tokio::task::spawn_blocking(move || match nats {
            None => Engine::open(&engine_config, engine_metrics).map(|e| (e, None)),
            Some(n) => {
                let log = Arc::new(yinling_nats_log::NatsLog::open(n.log)?);
                // A stream a migration is still filling is refused before its state is
                // folded (the start of a province's log takes minutes).
                yinling_nats_log::lease::LeaseBucket::refuse_unfinished(&log)?;
                // The log checked every hash while it read the stream; a node starts as a
                // replica and becomes the writer only by winning the lease.
                let config = EngineConfig {
                    start_check: crate::engine::StartCheck::Off,
                    ..engine_config
                };
                let dyn_log: Arc<dyn EventLog> = log.clone();
                Engine::open_on(&config, dyn_log, None, engine_metrics, false)
                    .map(|e| (e, Some(log)))
            }
        })
        .await
        .map_err(|e| OpenError::Cluster(LedgerError::Storage(e.to_string())))?;
        let (engine, nats_log) = opened?;
        let engine = Arc::new(engine);
        let mint = match &nats_log {
            None => {
                // A ledger with events whose key file is gone (a directory copied without it,
                // a backup restored by hand) would silently get a new key: every card, PIN,
                // voucher code and checkpoint signature made before would stop working.
                let file = config.engine.data_dir.join(crate::mint::MINT_KEY_FILE);
                if !file.exists() && engine.log().head().seq > 0 && !config.new_token_key {
                    return Err(OpenError::Mint(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!(
                            "{} is missing but the ledger holds {} events: put back the file from the old data directory or a backup; to make a new key instead (every points card printed again, every PIN set again, vouchers and checkpoints signed before no longer checkable with it) start once with --new-token-key",
                            file.display(),
                            engine.log().head().seq
                        ),
                    )));
                }
                TokenMint::load_or_create(&config.engine.data_dir).map_err(OpenError::Mint)?
            }
            Some(log) => {
                let log = log.clone();
                let new_key = config.new_token_key;
                let key = tokio::task::spawn_blocking(move || shared_mint_key(&log, new_key))
                    .await
                    .map_err(|e| OpenError::Cluster(LedgerError::Storage(e.to_string())))?
                    .map_err(OpenError::Cluster)?;
                TokenMint::from_key(key)
            }
        };
        drop(small_pages);
        let report = engine.startup();
        tracing::info!(
            head = report.head.seq,
            snapshot = ?report.snapshot_seq,
            replayed = report.replayed_events,
            chain_checked_from = ?report.checked_from,
            verify_ms = report.verify.as_millis() as u64,
            load_ms = report.load.as_millis() as u64,
            "ledger open"
        );
        let mut app = App::new(engine, metrics, mint);
        app.parts_mut().public_url = config.public_url.clone();
        let dir = config.engine.data_dir.clone();
        let access_log = tokio::task::spawn_blocking(move || AccessLog::open(&dir))
            .await
            .map_err(|e| OpenError::AccessLog(LedgerError::Storage(e.to_string())))?
            .map_err(OpenError::AccessLog)?;
        app.parts_mut().access_log = Some(Arc::new(access_log));
        let dir = config.engine.data_dir.clone();
        let outbox =
            tokio::task::spawn_blocking(move || yinling_ledger::outbox::Outbox::open(&dir))
                .await
                .map_err(|e| OpenError::Outbox(LedgerError::Storage(e.to_string())))?
                .map_err(OpenError::Outbox)?;
        app.parts_mut().outbox = Some(Arc::new(outbox));
        let dir = config.engine.data_dir.clone();
        let published = tokio::task::spawn_blocking(move || {
            yinling_ledger::published::PublishedCheckpoints::open(&dir)
        })
        .await
        .map_err(|e| OpenError::Checkpoints(LedgerError::Storage(e.to_string())))?
        .map_err(OpenError::Checkpoints)?;
        check_published(&published, &app.engine.tree, &config.engine.data_dir)?;
        app.parts_mut().published = Some(Arc::new(published));
        let mut node = Node {
            app,
            cluster_thread: None,
            expiry: None,
            checkpoints: None,
            notices: None,
        };
        if let (Some(n), Some(log)) = (&config.nats, nats_log) {
            node.join_cluster(n, log, default_advertise).await?;
        }
        let mut generated = None;
        if node.app.engine.is_writer() {
            generated = bootstrap_admin(&node.app, config.admin_token.clone())
                .await
                .map_err(OpenError::Bootstrap)?;
            if let Some(n) = bootstrap_star_scale(&node.app)
                .await
                .map_err(OpenError::Bootstrap)?
            {
                tracing::info!(stars = n, "stars are recorded as events from now on");
            }
            bootstrap_policies(
                &node.app,
                &config.start,
                config.engine.policy.hold_ttl_seconds,
            )
            .await?;
        } else {
            check_time_zone(&node.app, &config.start)?;
        }
        node.expiry = Some(spawn_expiry(
            node.app.clone(),
            config.expiry_interval,
            config.access_log_days,
        ));
        node.checkpoints = Some(spawn_checkpoints(
            node.app.clone(),
            config.checkpoint_interval,
        ));
        if let Some(outbox) = node.app.outbox.clone() {
            node.notices = Some(crate::notices::spawn(
                node.app.clone(),
                outbox,
                config.notices.clone(),
            ));
        }
        Ok((node, generated))
    }

    async fn join_cluster(
        &mut self,
        n: &NatsNode,
        log: Arc<yinling_nats_log::NatsLog>,
        default_advertise: &str,
    ) -> Result<(), OpenError> {
        let cluster_config = ClusterConfig {
            node_id: n
                .node_id
                .clone()
                .unwrap_or_else(|| format!("node-{}", uuid::Uuid::now_v7().simple())),
            advertise: n
                .advertise
                .clone()
                .unwrap_or_else(|| default_advertise.to_owned()),
            lease_ttl: n.lease_ttl,
        };
        let engine = self.app.engine.clone();
        let cluster =
            tokio::task::spawn_blocking(move || Cluster::open(log, engine, cluster_config))
                .await
                .map_err(|e| OpenError::Cluster(LedgerError::Storage(e.to_string())))?
                .map_err(OpenError::Cluster)?;
        let runner = cluster.clone();
        let handle = tokio::runtime::Handle::current();
        let thread = std::thread::Builder::new()
            .name("cluster".into())
            .spawn(move || runner.run(handle))
            .map_err(|e| OpenError::Cluster(LedgerError::Storage(e.to_string())))?;
        // Someone must hold the writer role before the first admin can be recorded.
        let deadline = Instant::now() + n.lease_ttl * 3;
        while !self.app.engine.is_writer()
            && cluster.writer_url().is_none()
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.app.parts_mut().cluster = Some(cluster);
        self.cluster_thread = Some(thread);
        Ok(())
    }

    /// The application the front ends serve.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Stops the background work, gives up the writer lease, and stops the writer after
    /// what is queued is durable.
    pub async fn shutdown(mut self) {
        if let Some(expiry) = self.expiry.take() {
            expiry.abort();
        }
        if let Some(checkpoints) = self.checkpoints.take() {
            checkpoints.abort();
        }
        if let Some(notices) = self.notices.take() {
            notices.stop().await;
        }
        if let Some(cluster) = &self.app.cluster {
            cluster.stop();
        }
        if let Some(thread) = self.cluster_thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        self.app.engine.shutdown().await;
        tracing::info!(
            head = self.app.engine.log().head().seq,
            "stopped; every acknowledged event is on disk"
        );
    }
}

/// Refuses a start whose log is not the one the kept checkpoints signed (a data directory
/// restored from an older backup, or another log copied in): watchers holding those
/// checkpoints would see the log shrink or change, and every proof against them would fail.
fn check_published(
    store: &yinling_ledger::published::PublishedCheckpoints,
    tree: &crate::tree::LogTree,
    data_dir: &std::path::Path,
) -> Result<(), OpenError> {
    let Some(latest) = store.latest().map_err(OpenError::Checkpoints)? else {
        return Ok(());
    };
    let signed = yinling_ledger::checkpoint::Checkpoint::read_unchecked(&latest.text)
        .map_err(|e| OpenError::Checkpoints(LedgerError::Storage(e.to_string())))?;
    let (size, _) = tree.head();
    let same = match tree.root_at(signed.size) {
        Ok(root) => root == signed.root,
        // Events read back for an older root that could not be read, or no longer hash as
        // at the start's walk: not a replaced log, a log that cannot be read.
        Err(crate::AppError::Internal) => {
            return Err(OpenError::Checkpoints(LedgerError::Storage(format!(
                "the log's events could not be read back to check the checkpoint published at {} ({} events); see the log above",
                signed.time, signed.size
            ))))
        }
        Err(_) => false,
    };
    if same {
        return Ok(());
    }
    Err(OpenError::Checkpoints(LedgerError::Storage(format!(
        "the checkpoint published at {} signs a log of {} events that is not this one ({} events): the log was restored from an older copy or replaced. Watchers holding that checkpoint will see it. To start anew, move {} away and tell them",
        signed.time,
        signed.size,
        size,
        data_dir.join(yinling_ledger::published::PUBLISHED_DIR).display()
    ))))
}

/// On an empty log, records the first admin token. Returns the secret if it was generated
/// (to be printed once); `None` when the log already has tokens or the secret came from the
/// environment.
pub async fn bootstrap_admin(
    app: &App,
    from_env: Option<String>,
) -> Result<Option<String>, AppError> {
    if !app.engine.read().tokens.by_id.is_empty() {
        if from_env.is_some() {
            tracing::info!("{ADMIN_TOKEN_ENV} is ignored: the ledger already has tokens");
        }
        return Ok(None);
    }
    // As the API and the sign-in page read a presented token: without the spaces and line
    // end an environment file may add. Too short a secret is refused: its SHA-256 is in the
    // log every auditor reads, and a short one is found by trying.
    let from_env = from_env
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(t) = &from_env {
        let chars = t.chars().count();
        if chars < MIN_ADMIN_TOKEN_CHARS {
            return Err(AppError::invalid(
                "admin_token_too_short",
                format!(
                    "{ADMIN_TOKEN_ENV} is {chars} characters; the first administrator's token must be at least {MIN_ADMIN_TOKEN_CHARS} (a long secret you keep), or leave it unset and one is made and printed once"
                ),
            ));
        }
    }
    let generated = from_env.is_none();
    let secret = from_env.unwrap_or_else(random_secret);
    let command = Command::IssueToken(NewToken {
        token_id: TokenId::generate(),
        role: Role::Admin,
        team_id: None,
        volunteer_id: None,
        scope: None,
        secret_sha256: secret_hash(&secret),
        label: "first administrator".into(),
        last_day: None,
    });
    app.submit::<()>(&Principal::System, command, None).await?;
    Ok(generated.then_some(secret))
}

/// Refuses a start whose configured zone is not the one the ledger records (unless the
/// operator is changing it on purpose), and shows dates in the ledger's zone from then on.
pub fn check_time_zone(app: &App, start: &StartPolicies) -> Result<(), OpenError> {
    let policies = app.engine.read().policies.clone();
    let recorded = policies.utc_offset_seconds();
    if policies.time_zone_recorded()
        && recorded != start.utc_offset_seconds
        && start.change_time_zone.is_none()
    {
        use yinling_ledger::time::offset_text;
        return Err(OpenError::TimeZone(format!(
            "this ledger keeps its calendar in {} but the service was started with --utc-offset {}; start it with --utc-offset {} or, to change the ledger's zone on purpose, add --change-time-zone \"<reason>\"",
            offset_text(recorded),
            offset_text(start.utc_offset_seconds),
            offset_text(recorded)
        )));
    }
    yinling_ledger::time::set_local_offset(recorded);
    Ok(())
}

/// Records the start-up policies a log does not have yet (its time zone, the hold time) and
/// checks those it has: a different zone refuses the start unless it is changed on purpose;
/// a different hold time given on the command line is ignored with a warning (the log's
/// history wins; it is changed at `/policies`).
pub async fn bootstrap_policies(
    app: &App,
    start: &StartPolicies,
    hold_ttl_seconds: i64,
) -> Result<(), OpenError> {
    check_time_zone(app, start)?;
    let policies = app.engine.read().policies.clone();
    let set = |change, note: String| Command::SetPolicy { change, note };
    let zone = start.utc_offset_seconds;
    let mut commands = Vec::new();
    if !policies.time_zone_recorded() || policies.utc_offset_seconds() != zone {
        let note = start
            .change_time_zone
            .clone()
            .filter(|_| policies.time_zone_recorded())
            .unwrap_or_else(|| "首次启动时按 --utc-offset 记录".into());
        commands.push(set(
            PolicyChange::TimeZone {
                utc_offset_seconds: zone,
            },
            note,
        ));
    }
    match policies.hold_ttl_seconds() {
        None => commands.push(set(
            PolicyChange::HoldTtl {
                seconds: hold_ttl_seconds,
            },
            "首次启动时按 --hold-days 记录".into(),
        )),
        Some(s) if s != hold_ttl_seconds && start.hold_ttl_given => tracing::warn!(
            ledger_days = s / 86_400,
            "--hold-days is ignored: the ledger records its own hold time; change it at /policies"
        ),
        Some(_) => {}
    }
    for command in commands {
        app.submit::<()>(&Principal::System, command, None)
            .await
            .map_err(OpenError::Policies)?;
    }
    yinling_ledger::time::set_local_offset(app.engine.read().policies.utc_offset_seconds());
    Ok(())
}

/// Records stars as events from the first start on: a log without a star scale (a new one,
/// or one written before stars were recorded) adopts the national scale, and the same commit
/// records the stars every volunteer already holds. Returns how many it recorded (`None`
/// when the log already had a scale).
pub async fn bootstrap_star_scale(app: &App) -> Result<Option<usize>, AppError> {
    if app.engine.read().star_scale.recorded() {
        return Ok(None);
    }
    let command = Command::AdoptStarScale {
        thresholds_hours: yinling_projections::stars::national(),
        review: false,
        note: "全国志愿服务星级标准（100/300/600/1000/1500 小时），自本记录起星级按事件记录".into(),
    };
    let w = app
        .submit::<crate::answers::ScaleAdopted>(&Principal::System, command, None)
        .await?;
    Ok(Some(w.answer.awarded.len()))
}

/// Signs and publishes the log's head as a checkpoint at start and then every `interval`,
/// whenever the log grew since the last one published, until aborted: the history a watcher
/// pulls and that statements are proven against.
pub fn spawn_checkpoints(app: App, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let (size, _) = app.engine.tree.head();
            match app.latest_published().await {
                Ok(latest) if latest.as_ref().is_some_and(|l| l.size >= size) => {}
                Ok(_) => match app.publish_now().await {
                    Ok(p) => tracing::info!(size = p.size, "checkpoint published"),
                    Err(e) => tracing::warn!("checkpoint not published: {e}"),
                },
                Err(e) => tracing::warn!("the published checkpoints cannot be read: {e}"),
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// Whether the outbox's settled notices are due to be pruned ([`prune_due`], by the clock
/// and the ledger's zone). A store that cannot say is left for the next round.
fn notices_prune_due(outbox: &yinling_ledger::outbox::Outbox) -> bool {
    match outbox.pruned_at() {
        Ok(last) => prune_due(last, Timestamp::now(), yinling_ledger::time::local_offset()),
        Err(e) => {
            tracing::warn!("the outbox's last pruning cannot be read: {e}");
            false
        }
    }
}

/// Whether a store last pruned at `last` is due at `now`: never pruned (a store of before
/// the time was kept: once, at the start), at a time after now (a clock set back since), a
/// day ago or more when `now` is in the night's hours of the ledger's zone
/// ([`NOTICES_PRUNE_HOURS`](crate::limits::NOTICES_PRUNE_HOURS), at `offset` seconds east
/// of UTC), or two days ago at any hour.
fn prune_due(last: Option<Timestamp>, now: Timestamp, offset: i32) -> bool {
    use crate::limits::{NOTICES_PRUNE_HOURS, NOTICES_PRUNE_OVERDUE_SECONDS, PRUNE_SECONDS};
    use chrono::Timelike;
    let ago = |seconds: u64| now.plus_seconds(-i64::try_from(seconds).unwrap_or(i64::MAX));
    let night =
        NOTICES_PRUNE_HOURS.contains(&now.plus_seconds(i64::from(offset)).to_datetime().hour());
    last.is_none_or(|at| {
        at > now || at <= ago(NOTICES_PRUNE_OVERDUE_SECONDS) || (night && at <= ago(PRUNE_SECONDS))
    })
}

/// Expires lapsed holds every `interval`, and once a day removes access log entries older
/// than `access_log_days` (at the start too: a range of keys by time) and settled notices
/// older than `NOTICES_KEPT_DAYS` (when the outbox's last pruning is a day old, by the time
/// it keeps, and the night has come: pruning reads every notice), until aborted.
pub fn spawn_expiry(
    app: App,
    interval: Duration,
    access_log_days: u32,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut pruned_at: Option<std::time::Instant> = None;
        let mut notices_tried: Option<std::time::Instant> = None;
        let a_day_since = |at: Option<std::time::Instant>| {
            at.is_none_or(|at| at.elapsed() >= Duration::from_secs(crate::limits::PRUNE_SECONDS))
        };
        loop {
            if let (true, Some(log)) = (a_day_since(pruned_at), app.access_log.clone()) {
                pruned_at = Some(std::time::Instant::now());
                let before = Timestamp::now().plus_seconds(-i64::from(access_log_days) * 86_400);
                match tokio::task::spawn_blocking(move || log.prune_before(before)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(removed = n, "access log pruned"),
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!("access log pruning failed: {e}"),
                    Err(e) => tracing::warn!("access log pruning failed: {e}"),
                }
            }
            // Settled notices older than any page or statement reads back; tried once a day
            // in this run whatever came of it, as the access log is.
            let may_try = a_day_since(notices_tried);
            if let Some(outbox) = app
                .outbox
                .clone()
                .filter(|o| may_try && notices_prune_due(o))
            {
                notices_tried = Some(std::time::Instant::now());
                let before =
                    Timestamp::now().plus_seconds(-crate::limits::NOTICES_KEPT_DAYS * 86_400);
                let started = std::time::Instant::now();
                match tokio::task::spawn_blocking(move || outbox.prune_before(before)).await {
                    Ok(Ok(removed)) => tracing::info!(
                        removed,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "old notices pruned"
                    ),
                    Ok(Err(e)) => tracing::warn!("notices pruning failed: {e}"),
                    Err(e) => tracing::warn!("notices pruning failed: {e}"),
                }
            }
            match app
                .submit::<ExpiredHolds>(&Principal::System, Command::ExpireHolds, None)
                .await
            {
                Ok(w) if !w.answer.0.is_empty() => {
                    tracing::info!(count = w.answer.0.len(), "holds expired")
                }
                Ok(_) => {}
                Err(AppError::Unavailable(why)) => tracing::debug!("expiry paused: {why}"),
                Err(e) => tracing::warn!("expiry failed: {e}"),
            }
            // Public notices whose last day has passed end: their points become available.
            match app
                .submit::<()>(&Principal::System, Command::EndNotices, None)
                .await
            {
                Ok(w) if w.receipt.seq > 0 => tracing::info!(
                    count = w.receipt.seq + 1 - w.receipt.first_seq,
                    "public notices ended"
                ),
                Ok(_) => {}
                Err(AppError::Unavailable(why)) => tracing::debug!("notices paused: {why}"),
                Err(e) => tracing::warn!("ending notices failed: {e}"),
            }
            tokio::time::sleep(interval).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new outbox is pruned at the start; one pruned since is not pruned again until a
    /// day has passed, whatever the restarts in between.
    #[test]
    fn an_outbox_pruned_within_the_day_is_not_pruned_again_at_a_start() {
        let dir = tempfile::tempdir().expect("dir");
        {
            let outbox = yinling_ledger::outbox::Outbox::open(dir.path()).expect("open");
            assert!(notices_prune_due(&outbox), "never pruned");
            outbox.prune_before(Timestamp(0)).expect("prune");
            assert!(!notices_prune_due(&outbox), "pruned just now");
        }
        let outbox = yinling_ledger::outbox::Outbox::open(dir.path()).expect("reopen");
        assert!(
            !notices_prune_due(&outbox),
            "pruned just now, before the restart"
        );
    }

    /// A pruning a day old waits for the night (the ledger's zone, UTC+8 here), one two days
    /// old does not, and a clock set back since prunes at once.
    #[test]
    fn pruning_is_due_in_the_night_a_day_after_the_last_or_at_once_when_late() {
        // 2026-12-01 02:30 and 14:30 in UTC+8 (18:30 and 06:30 UTC).
        let night = Timestamp(1_796_063_400_000_000);
        let afternoon = night.plus_seconds(12 * 3600);
        let day = 86_400;
        const UTC8: i32 = 8 * 3600;
        assert!(prune_due(None, afternoon, UTC8), "never pruned: at once");
        for now in [night, afternoon] {
            assert!(!prune_due(Some(now), now, UTC8), "pruned just now");
            assert!(!prune_due(Some(now.plus_seconds(1 - day)), now, UTC8));
            assert!(
                prune_due(Some(now.plus_seconds(1)), now, UTC8),
                "a clock set back since"
            );
            assert!(
                prune_due(Some(now.plus_seconds(-2 * day)), now, UTC8),
                "late"
            );
        }
        assert!(prune_due(Some(night.plus_seconds(-day)), night, UTC8));
        assert!(
            !prune_due(Some(afternoon.plus_seconds(-day)), afternoon, UTC8),
            "a day old in the afternoon: waits for the night"
        );
        assert!(!prune_due(
            Some(afternoon.plus_seconds(1 - 2 * day)),
            afternoon,
            UTC8
        ));
        // The night's hours are the ledger's zone's: 02:30 at UTC+8 is 18:30 at UTC.
        assert!(!prune_due(Some(night.plus_seconds(-day)), night, 0));
    }
}
