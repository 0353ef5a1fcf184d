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

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_nats::jetstream::{self, context::Publish, stream};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use yinling_ledger::chain::ChainCheck;
use yinling_ledger::codec::{self, SegmentReader};
use yinling_ledger::log::{AppendBatch, IdempotencyEntry, Segment, SegmentBytes};
use yinling_ledger::{EventLog, Hash, Head, LedgerError, StreamId};

/// Marks a message written by this engine (and the version of its layout).
const MAGIC: &[u8; 4] = b"YLN1";

/// The largest message a group commit may need (the writer batches up to 8,192 events).
pub const NEEDED_MAX_PAYLOAD: usize = 8 * 1024 * 1024;

/// How long a request to the cluster may take before it is retried or reported.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long reads keep retrying while the cluster elects a new stream leader.
pub const READ_RETRY_FOR: Duration = Duration::from_secs(30);

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

/// The index part of a message: what sled keeps in its index trees.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct IndexHeader {
    runs: Vec<(StreamId, u64, u64, u32)>,
    idempotency: Vec<(String, u64, u32, [u8; 32])>,
}

/// One message taken apart.
struct Decoded {
    index: IndexHeader,
    segment: Bytes,
}

fn encode_message(batch: &AppendBatch) -> Result<Vec<u8>, LedgerError> {
    let index = IndexHeader {
        runs: batch
            .stream_runs
            .iter()
            .map(|r| (r.stream.clone(), r.first_version, r.first_seq, r.count))
            .collect(),
        idempotency: batch
            .idempotency
            .iter()
            .map(|(k, e)| (k.clone(), e.first_seq, e.count, e.request_digest.0))
            .collect(),
    };
    let index = bincode::serialize(&index)
        .map_err(|e| LedgerError::Storage(format!("cannot encode a commit's index: {e}")))?;
    let index_len = u32::try_from(index.len())
        .map_err(|_| LedgerError::Storage("a commit's index is larger than 4 GiB".into()))?;
    let segment = codec::encode_segment(batch.events.iter().map(|s| s.record.as_slice()));
    let mut out = Vec::with_capacity(8 + index.len() + segment.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&index_len.to_le_bytes());
    out.extend_from_slice(&index);
    out.extend_from_slice(&segment);
    Ok(out)
}

fn decode_message(payload: Bytes, msg_seq: u64) -> Result<Decoded, String> {
    if payload.len() < 8 || &payload[..4] != MAGIC {
        return Err(format!(
            "message {msg_seq} of the stream was not written by Yinling (no {} marker)",
            String::from_utf8_lossy(MAGIC)
        ));
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&payload[4..8]);
    let index_len = u32::from_le_bytes(len) as usize;
    let end = 8usize
        .checked_add(index_len)
        .filter(|e| *e <= payload.len())
        .ok_or_else(|| format!("message {msg_seq}: index runs past the end"))?;
    let index: IndexHeader = bincode::deserialize(&payload[8..end])
        .map_err(|e| format!("message {msg_seq}: index does not decode: {e}"))?;
    Ok(Decoded {
        index,
        segment: payload.slice(end..),
    })
}

/// What this node knows of the log.
#[derive(Default)]
struct Index {
    head: Head,
    /// The stream sequence of the last message applied.
    last_msg: u64,
    /// First event seq of each message -> its stream sequence.
    messages: BTreeMap<u64, u64>,
    /// Stream -> runs (first version, first seq, count), in version order.
    streams: HashMap<StreamId, Vec<(u64, u64, u32)>>,
    idempotency: HashMap<String, IdempotencyEntry>,
}

impl Index {
    /// Takes in one message after checking that its records continue the chain; returns the
    /// segment it carried.
    fn apply(&mut self, msg_seq: u64, payload: Bytes) -> Result<Segment, LedgerError> {
        let decoded = decode_message(payload, msg_seq).map_err(|detail| LedgerError::Corrupt {
            seq: self.head.seq + 1,
            detail,
        })?;
        let first_seq = self.head.seq + 1;
        let mut check = ChainCheck::after(self.head);
        let mut reader =
            SegmentReader::new(&decoded.segment).map_err(|e| LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq}: {e}"),
            })?;
        while let Some(record) = reader.next_record().map_err(|e| LedgerError::Corrupt {
            seq: check.head().seq + 1,
            detail: format!("message {msg_seq}: {e}"),
        })? {
            check.check_hash(record).map_err(|b| LedgerError::Corrupt {
                seq: b.seq,
                detail: b.detail,
            })?;
        }
        let head = check.head();
        if head.seq < first_seq {
            return Err(LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq} holds no event"),
            });
        }
        for (stream, first_version, seq, count) in decoded.index.runs {
            self.streams
                .entry(stream)
                .or_default()
                .push((first_version, seq, count));
        }
        for (key, seq, count, digest) in decoded.index.idempotency {
            self.idempotency.insert(
                key,
                IdempotencyEntry {
                    first_seq: seq,
                    count,
                    request_digest: Hash(digest),
                },
            );
        }
        self.messages.insert(first_seq, msg_seq);
        self.head = head;
        self.last_msg = msg_seq;
        Ok(Segment {
            first_seq,
            bytes: SegmentBytes::new(decoded.segment),
        })
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
        log.catch_up()?;
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
                    out.push(lock(&self.index).apply(seq, payload)?);
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
            out.push(segment);
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

    /// The JetStream context (for the writer lease's key-value bucket).
    pub fn jetstream(&self) -> jetstream::Context {
        self.js.clone()
    }

    /// Runs a future on the log's runtime (for callers that hold JetStream objects).
    pub fn block_on<F>(&self, fut: F) -> Result<F::Output, LedgerError>
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

/// A live feed of the stream for a read replica.
pub struct Follower {
    /// `Some` until dropped.
    messages: Option<Arc<tokio::sync::Mutex<async_nats::jetstream::consumer::pull::Ordered>>>,
    handle: tokio::runtime::Handle,
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _inside = self.handle.enter();
        self.messages.take();
    }
}

/// Most messages taken in one [`Follower::next_batch`].
pub const FOLLOW_BATCH: usize = 512;

/// Messages behind from which reads stream through an ordered consumer.
pub const BULK_READ_FROM: u64 = 16;

impl Follower {
    /// Waits up to `wait` for a first message, then takes what else is already here (up to
    /// [`FOLLOW_BATCH`]): (stream sequence, payload) in order.
    fn take(&self, log: &NatsLog, wait: Duration) -> Result<Vec<(u64, Bytes)>, LedgerError> {
        let Some(messages) = self.messages.clone() else {
            return Ok(Vec::new());
        };
        log.run(async move {
            use futures_util::StreamExt;
            let mut feed = messages.lock().await;
            let mut out = Vec::new();
            let mut first = true;
            while out.len() < FOLLOW_BATCH {
                // After the first message, take only what is already here: a replica should
                // fold what arrived now rather than wait to fill a batch.
                let limit = if first { wait } else { Duration::ZERO };
                first = false;
                match tokio::time::timeout(limit, feed.next()).await {
                    Ok(Some(Ok(m))) => {
                        let Ok(info) = m.info() else { continue };
                        let seq = info.stream_sequence;
                        out.push((seq, m.message.payload.clone()));
                    }
                    Ok(Some(Err(_))) | Ok(None) | Err(_) => break,
                }
            }
            out
        })
    }

    /// Waits up to `wait` for new messages, applies them in order (checking the chain), and
    /// returns their segments. A gap in what the consumer delivered is filled by reading the
    /// stream directly.
    pub fn next_batch(&self, log: &NatsLog, wait: Duration) -> Result<Vec<Segment>, LedgerError> {
        let received = self.take(log, wait)?;
        let mut segments = Vec::new();
        for (seq, payload) in received {
            let last = lock(&log.index).last_msg;
            if seq <= last {
                continue;
            }
            if seq > last + 1 {
                segments.extend(log.catch_up()?);
                if seq <= lock(&log.index).last_msg {
                    continue;
                }
            }
            segments.push(lock(&log.index).apply(seq, payload)?);
        }
        Ok(segments)
    }
}

/// The segment a message carries.
fn segment_of(first_seq: u64, msg_seq: u64, payload: Bytes) -> Result<Segment, LedgerError> {
    let decoded = decode_message(payload, msg_seq).map_err(|detail| LedgerError::Corrupt {
        seq: first_seq,
        detail,
    })?;
    Ok(Segment {
        first_seq,
        bytes: SegmentBytes::new(decoded.segment),
    })
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

impl EventLog for NatsLog {
    fn head(&self) -> Head {
        lock(&self.index).head
    }

    fn append(&self, batch: &AppendBatch) -> Result<Head, LedgerError> {
        let _one_at_a_time = lock(&self.appending);
        let (head, last_msg) = {
            let index = lock(&self.index);
            (index.head, index.last_msg)
        };
        if head != batch.expected_head {
            return Err(LedgerError::HeadMoved {
                expected: batch.expected_head.seq,
                actual: head.seq,
            });
        }
        let Some(first) = batch.events.first() else {
            return Ok(head);
        };
        let payload = Bytes::from(encode_message(batch)?);
        let msg_id = format!("{}-{}", first.envelope.seq, first.envelope.hash);
        let js = self.js.clone();
        let stream = self.stream.clone();
        let subject = self.config.subject();
        let body = payload.clone();
        let outcome = self.run(async move {
            let started = tokio::time::Instant::now();
            loop {
                let publish = Publish::build()
                    .payload(body.clone())
                    .message_id(&msg_id)
                    .expected_last_sequence(last_msg);
                let attempt = async {
                    js.send_publish(subject.clone(), publish)
                        .await
                        .map_err(|e| (e.kind(), e.to_string()))?
                        .await
                        .map_err(|e| (e.kind(), e.to_string()))
                };
                match attempt.await {
                    Ok(ack) => return Ok(ack.sequence),
                    Err((jetstream::context::PublishErrorKind::WrongLastSequence, text)) => {
                        // Our own earlier attempt may be what moved the stream (its ack was
                        // lost): then the message after ours carries our id.
                        if let Ok(m) = stream.get_raw_message(last_msg + 1).await {
                            let id = m
                                .headers
                                .get(async_nats::header::NATS_MESSAGE_ID)
                                .map(|v| v.as_str().to_owned());
                            if id.as_deref() == Some(msg_id.as_str()) {
                                return Ok(last_msg + 1);
                            }
                        }
                        return Err(Err(text));
                    }
                    Err((_, text)) => {
                        // The ack may have been lost: the same Nats-Msg-Id makes the retry
                        // harmless, and a new leader needs a moment to be elected.
                        if started.elapsed() > READ_RETRY_FOR {
                            return Err(Ok(text));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })?;
        let sequence = match outcome {
            Ok(sequence) => sequence,
            Err(Err(_wrong_last)) => {
                self.fenced.store(true, std::sync::atomic::Ordering::SeqCst);
                let actual = self.last_sequence().unwrap_or(last_msg);
                return Err(LedgerError::HeadMoved {
                    expected: batch.expected_head.seq,
                    actual: actual.max(head.seq),
                });
            }
            Err(Ok(text)) => {
                return Err(LedgerError::Storage(format!(
                    "the NATS cluster did not confirm the commit: {text}"
                )))
            }
        };
        if sequence != last_msg + 1 {
            self.fenced.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(LedgerError::Storage(format!(
                "the commit landed at stream sequence {sequence} instead of {}; another writer is active",
                last_msg + 1
            )));
        }
        let mut index = lock(&self.index);
        index.apply(sequence, payload)?;
        Ok(index.head)
    }

    fn segments(
        &self,
        after: u64,
    ) -> Box<dyn Iterator<Item = Result<Segment, LedgerError>> + Send + '_> {
        let messages: Vec<(u64, u64)> = {
            let index = lock(&self.index);
            let start = index
                .messages
                .range(..=after.saturating_add(1))
                .next_back()
                .map(|(first, _)| *first)
                .unwrap_or(0);
            index
                .messages
                .range(start..)
                .map(|(first, msg)| (*first, *msg))
                .collect()
        };
        // Long reads (startup, as-of replays, verify) stream through an ordered consumer;
        // anything it does not deliver in order is read directly.
        let feed = match messages.first() {
            Some((_, first_msg)) if messages.len() as u64 >= BULK_READ_FROM => {
                self.follower_from(*first_msg).ok()
            }
            _ => None,
        };
        let mut pending: std::collections::VecDeque<(u64, Bytes)> = Default::default();
        Box::new(messages.into_iter().map(move |(first_seq, msg_seq)| {
            if let Some(feed) = &feed {
                loop {
                    while pending.front().is_some_and(|(seq, _)| *seq < msg_seq) {
                        pending.pop_front();
                    }
                    if pending.front().is_some_and(|(seq, _)| *seq == msg_seq) {
                        if let Some((_, payload)) = pending.pop_front() {
                            return segment_of(first_seq, msg_seq, payload);
                        }
                    }
                    if !pending.is_empty() {
                        break;
                    }
                    let batch = feed.take(self, Duration::from_secs(5))?;
                    if batch.is_empty() {
                        break;
                    }
                    pending.extend(batch);
                }
            }
            let payload = self.message(msg_seq)?.ok_or_else(|| LedgerError::Corrupt {
                seq: first_seq,
                detail: format!("message {msg_seq} of the stream is missing"),
            })?;
            segment_of(first_seq, msg_seq, payload)
        }))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, LedgerError> {
        Ok(lock(&self.index)
            .streams
            .get(stream)
            .and_then(|runs| runs.last())
            .map(|(first_version, _, count)| first_version + u64::from(*count) - 1)
            .unwrap_or(0))
    }

    fn stream_seqs(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, LedgerError> {
        let index = lock(&self.index);
        let mut out = Vec::new();
        for (first_version, first_seq, count) in index.streams.get(stream).into_iter().flatten() {
            for i in 0..u64::from(*count) {
                if out.len() >= limit {
                    return Ok(out);
                }
                if first_version + i > after_version {
                    out.push(first_seq + i);
                }
            }
        }
        Ok(out)
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyEntry>, LedgerError> {
        Ok(lock(&self.index).idempotency.get(key).copied())
    }

    fn put_snapshot(&self, seq: u64, bytes: &[u8]) -> Result<(), LedgerError> {
        let path = self.snapshot_path(seq);
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&self.config.snapshot_dir)?.sync_all()
        };
        write().map_err(|e| storage(&format!("cannot write {}", path.display()), e))
    }

    fn snapshot_seqs(&self) -> Result<Vec<u64>, LedgerError> {
        let head = self.head().seq;
        let mut seqs: Vec<u64> = std::fs::read_dir(&self.config.snapshot_dir)
            .map_err(|e| storage("cannot list snapshots", e))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_prefix("snapshot-")?
                    .strip_suffix(".bin")?
                    .parse()
                    .ok()
            })
            // A snapshot of another log, or of events this stream does not hold, is not ours.
            .filter(|seq| *seq <= head)
            .collect();
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        Ok(seqs)
    }

    fn snapshot(&self, seq: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        match std::fs::read(self.snapshot_path(seq)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage("cannot read a snapshot", e)),
        }
    }
}

/// Whether a data directory path is a `nats://` address list rather than a directory.
pub fn is_nats_url(text: &str) -> bool {
    text.starts_with("nats://")
}

/// The directory snapshots of a NATS log go to by default: beside the data directory.
pub fn default_snapshot_dir(data: &Path, stream: &str) -> PathBuf {
    data.join(format!("nats-{stream}-snapshots"))
}
