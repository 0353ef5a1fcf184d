//! The writer lease and the key the nodes share, in a JetStream key-value bucket beside the
//! log's stream.
//!
//! One node at a time holds the lease: a key it creates, or takes over once the holder's
//! time is up, and renews before it lapses. Every change is a compare-and-set on the key's
//! revision, so two nodes can never both believe they took it. The bucket also keeps the
//! token key all nodes derive secrets from, created once by whichever node comes first.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::kv;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use yinling_ledger::LedgerError;

use crate::{storage, NatsLog, READ_RETRY_FOR};

/// The key of the writer lease in the bucket.
pub const LEASE_KEY: &str = "writer";

/// The key of the shared token key in the bucket.
pub const SHARED_KEY: &str = "token-key";

/// The key that marks a stream a migration is still filling (`yinling migrate --to`), as
/// `BACKUP-INCOMPLETE` marks a directory: while it is there no node serves the stream and no
/// tool reads it as a whole log.
pub const MIGRATING_KEY: &str = "migration-unfinished";

/// Who holds the writer role, where it takes writes, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The holder's node name.
    pub node: String,
    /// Where it takes writes (other nodes forward there).
    pub url: String,
    /// Unix milliseconds after which the lease is free.
    pub expires_ms: u64,
}

impl Lease {
    /// A lease for `node` at `url` that lasts `ttl` from now.
    pub fn new(node: &str, url: &str, ttl: Duration) -> Lease {
        Lease {
            node: node.to_owned(),
            url: url.to_owned(),
            expires_ms: now_ms().saturating_add(ttl.as_millis() as u64),
        }
    }

    /// Whether the lease is still in force.
    pub fn is_live(&self) -> bool {
        self.expires_ms > now_ms()
    }

    fn bytes(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }
}

/// The outcome of an attempt to take the lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// Taken: renew it at this revision.
    Yes(u64),
    /// Held by someone else (as last seen, if readable).
    No(Option<Lease>),
}

/// Milliseconds since the Unix epoch (leases compare wall clocks: the nodes' clocks must be
/// synchronised, as the README says).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The bucket of one log's cluster.
pub struct LeaseBucket<'a> {
    log: &'a NatsLog,
    kv: kv::Store,
}

impl<'a> LeaseBucket<'a> {
    /// Opens the bucket beside the log's stream, creating it on first use.
    pub fn open(log: &'a NatsLog) -> Result<LeaseBucket<'a>, LedgerError> {
        let js = log.js.clone();
        let bucket = format!("{}-cluster", log.config().stream);
        let replicas = log.config().replicas;
        let kv = log.block_on(async move {
            if let Ok(store) = js.get_key_value(bucket.clone()).await {
                return Ok(store);
            }
            // Nodes starting together race to create it, and a cluster under load may be
            // slow to answer: retry both steps for a while before giving up.
            let config = kv::Config {
                bucket: bucket.clone(),
                history: 1,
                storage: async_nats::jetstream::stream::StorageType::File,
                num_replicas: replicas,
                ..Default::default()
            };
            let started = Instant::now();
            while let Err(e) = js.create_key_value(config.clone()).await {
                if js.get_key_value(bucket.clone()).await.is_ok() {
                    break;
                }
                if started.elapsed() > READ_RETRY_FOR {
                    return Err(storage(&format!("cannot create the bucket {bucket}"), e));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            loop {
                match js.get_key_value(bucket.clone()).await {
                    Ok(store) => return Ok(store),
                    Err(e) if started.elapsed() > READ_RETRY_FOR => {
                        return Err(storage(&format!("cannot open the bucket {bucket}"), e))
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
                }
            }
        })??;
        Ok(LeaseBucket { log, kv })
    }

    /// Opens the bucket if it exists, without creating it: a tool that only reads a stream
    /// leaves nothing behind on the cluster. Only JetStream's own "stream not found" means
    /// there is none; any other failure (no leader yet, a timeout) is asked again for a
    /// while and then reported, never taken for an absent bucket.
    pub fn existing(log: &'a NatsLog) -> Result<Option<LeaseBucket<'a>>, LedgerError> {
        use async_nats::jetstream::context::GetStreamErrorKind;
        use async_nats::jetstream::ErrorCode;
        let js = log.js.clone();
        let bucket = format!("{}-cluster", log.config().stream);
        let kv = log.block_on(async move {
            let started = Instant::now();
            loop {
                match js.get_stream(format!("KV_{bucket}")).await {
                    Err(e) if matches!(e.kind(), GetStreamErrorKind::JetStream(j) if j.error_code() == ErrorCode::STREAM_NOT_FOUND) => {
                        break Ok(None);
                    }
                    Ok(_) => match js.get_key_value(bucket.clone()).await {
                        Ok(kv) => break Ok(Some(kv)),
                        Err(e) if started.elapsed() > READ_RETRY_FOR => {
                            break Err(storage(&format!("cannot open the bucket {bucket}"), e))
                        }
                        Err(_) => {}
                    },
                    Err(e) if started.elapsed() > READ_RETRY_FOR => {
                        break Err(storage(&format!("cannot look for the bucket {bucket}"), e))
                    }
                    Err(_) => {}
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })??;
        Ok(kv.map(|kv| LeaseBucket { log, kv }))
    }

    /// Marks the stream as a migration's target until [`LeaseBucket::unmark_migrating`];
    /// written and read back (a bucket created a moment ago may not take writes until its
    /// replicas have elected a leader).
    pub fn mark_migrating(&self) -> Result<(), LedgerError> {
        let kv = self.kv.clone();
        self.log.block_on(async move {
            let started = Instant::now();
            loop {
                let _ = kv
                    .put(
                        MIGRATING_KEY,
                        Bytes::from_static(b"a migration is filling this stream"),
                    )
                    .await;
                match kv.get(MIGRATING_KEY).await {
                    Ok(Some(_)) => break Ok(()),
                    Ok(None) | Err(_) if started.elapsed() < READ_RETRY_FOR => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Ok(None) => {
                        break Err(LedgerError::Storage(
                            "cannot mark the stream as a migration's target".into(),
                        ))
                    }
                    Err(e) => {
                        break Err(storage("cannot mark the stream as a migration's target", e))
                    }
                }
            }
        })?
    }

    /// Takes the mark away once the migrated stream is whole and verified.
    pub fn unmark_migrating(&self) -> Result<(), LedgerError> {
        let kv = self.kv.clone();
        self.log.block_on(async move {
            kv.delete(MIGRATING_KEY)
                .await
                .map_err(|e| storage("cannot take the migration's mark away", e))
        })?
    }

    /// Whether a migration into the stream began and has not finished.
    pub fn migrating(&self) -> Result<bool, LedgerError> {
        self.holds(MIGRATING_KEY, "cannot read the migration's mark")
    }

    /// Whether the bucket holds `key`, without writing it. A bucket that does not answer is
    /// asked again for a while, then `failed` is reported with the error.
    fn holds(&self, key: &'static str, failed: &'static str) -> Result<bool, LedgerError> {
        let kv = self.kv.clone();
        self.log.block_on(async move {
            let started = Instant::now();
            loop {
                match kv.get(key).await {
                    Ok(value) => break Ok(value.is_some()),
                    Err(_) if started.elapsed() < READ_RETRY_FOR => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(e) => break Err(storage(failed, e)),
                }
            }
        })?
    }

    /// Tries to take the lease for `mine`: creates the key when absent, replaces it when the
    /// holder's time is up.
    pub fn try_acquire(&self, mine: &Lease) -> Result<Acquired, LedgerError> {
        let kv = self.kv.clone();
        let value = mine.bytes();
        let now = now_ms();
        self.log.block_on(async move {
            match kv.entry(LEASE_KEY).await {
                Ok(None) => match kv.create(LEASE_KEY, value).await {
                    Ok(rev) => Ok(Acquired::Yes(rev)),
                    Err(_) => Ok(Acquired::No(None)),
                },
                Ok(Some(entry)) => {
                    let current: Option<Lease> = serde_json::from_slice(&entry.value).ok();
                    let free = entry.operation != kv::Operation::Put
                        || current.as_ref().is_none_or(|l| l.expires_ms <= now);
                    if !free {
                        return Ok(Acquired::No(current));
                    }
                    match kv.update(LEASE_KEY, value, entry.revision).await {
                        Ok(rev) => Ok(Acquired::Yes(rev)),
                        Err(_) => Ok(Acquired::No(current)),
                    }
                }
                Err(e) => Err(storage("cannot read the writer lease", e)),
            }
        })?
    }

    /// Renews the lease held at `revision`; fails when another node took it, the bucket
    /// cannot be written, or no answer came `within` (a renewal must not outlast the lease:
    /// the writer would go on deciding after another node may have taken it).
    pub fn renew(
        &self,
        revision: u64,
        mine: &Lease,
        within: std::time::Duration,
    ) -> Result<u64, LedgerError> {
        let kv = self.kv.clone();
        let value = mine.bytes();
        self.log.block_on(async move {
            match tokio::time::timeout(within, kv.update(LEASE_KEY, value, revision)).await {
                Ok(renewed) => renewed.map_err(|e| storage("cannot renew the writer lease", e)),
                Err(_) => Err(LedgerError::Storage(format!(
                    "the writer lease was not renewed within {} ms",
                    within.as_millis()
                ))),
            }
        })?
    }

    /// Gives the lease up at once (on a clean stop), so another node takes over without
    /// waiting for it to lapse.
    pub fn release(&self, revision: u64, mine: &Lease) {
        let kv = self.kv.clone();
        let mut expired = mine.clone();
        expired.expires_ms = 0;
        let value = expired.bytes();
        let _ = self
            .log
            .block_on(async move { kv.update(LEASE_KEY, value, revision).await });
    }

    /// The volunteers' data keys, in this bucket.
    pub fn keyring(&self) -> Result<crate::keys::NatsKeys, LedgerError> {
        let handle = self.log.runtime_handle()?;
        Ok(crate::keys::NatsKeys::new(handle, self.kv.clone()))
    }

    /// Whether the bucket keeps the shared key, without making one (a node opening a log
    /// that holds events refuses to make a new key unless told to). A bucket that does not
    /// answer is asked again for a while, as a read of the key is.
    pub fn keeps_key(&self) -> Result<bool, LedgerError> {
        self.holds(SHARED_KEY, "cannot read the shared token key")
    }

    /// The 32-byte key all nodes share, created by the first node to ask.
    pub fn shared_key(&self) -> Result<[u8; 32], LedgerError> {
        let mut fresh = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut fresh);
        self.shared_key_or(fresh)
    }

    /// The 32-byte key all nodes share, `seed` if none is kept yet: a log migrated from one
    /// node brings its token key, or every card, PIN and pickup code made under it would
    /// stop working on the cluster. Returns the key kept, which is another one when the
    /// bucket already held a key.
    pub fn shared_key_or(&self, seed: [u8; 32]) -> Result<[u8; 32], LedgerError> {
        let kv = self.kv.clone();
        self.log.block_on(async move {
            let fresh = seed;
            // A bucket created a moment ago may not take writes until its replicas have
            // elected a leader: create and read again for a while before giving up.
            let started = Instant::now();
            let stored = loop {
                let _ = kv.create(SHARED_KEY, Bytes::copy_from_slice(&fresh)).await;
                match kv.get(SHARED_KEY).await {
                    Ok(Some(stored)) => break stored,
                    Ok(None) | Err(_) if started.elapsed() < READ_RETRY_FOR => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Ok(None) => {
                        return Err(LedgerError::Storage(
                            "the shared token key is missing".into(),
                        ))
                    }
                    Err(e) => return Err(storage("cannot read the shared token key", e)),
                }
            };
            <[u8; 32]>::try_from(stored.as_ref())
                .map_err(|_| LedgerError::Storage("the shared token key is not 32 bytes".into()))
        })?
    }

    /// Refuses a stream a migration has not finished filling (its mark is in the bucket).
    pub fn refuse_unfinished(log: &NatsLog) -> Result<(), LedgerError> {
        match LeaseBucket::existing(log)? {
            Some(bucket) if bucket.migrating()? => Err(LedgerError::Storage(format!(
                "stream {} holds a migration that never finished (the key {MIGRATING_KEY} is in its bucket): do not rely on it; run the same `yinling migrate` again to finish it",
                log.config().stream
            ))),
            _ => Ok(()),
        }
    }

    /// The key all nodes share if one is kept, without making one: a migration reading a
    /// cluster must not leave a key behind in it.
    pub fn existing_key(&self) -> Result<Option<[u8; 32]>, LedgerError> {
        let kv = self.kv.clone();
        self.log.block_on(async move {
            match kv.get(SHARED_KEY).await {
                Ok(Some(stored)) => <[u8; 32]>::try_from(stored.as_ref())
                    .map(Some)
                    .map_err(|_| {
                        LedgerError::Storage("the shared token key is not 32 bytes".into())
                    }),
                Ok(None) => Ok(None),
                Err(e) => Err(storage("cannot read the shared token key", e)),
            }
        })?
    }
}
