//! The key store of a JetStream cluster: each volunteer's data key in the cluster's key-value
//! bucket beside the log (`personal.<id>`), so every node reads the names the writer sealed,
//! and an erasure purges the key from the bucket for all of them.

use async_nats::jetstream::kv;
use async_nats::jetstream::stream::LastRawMessageErrorKind;
use bytes::Bytes;
use yinling_ledger::personal::{DataKey, KeyCheck, KeyError, Keyring};
use yinling_ledger::VolunteerId;

/// The data keys in the cluster's bucket.
pub struct NatsKeys {
    runtime: tokio::runtime::Handle,
    kv: kv::Store,
}

impl NatsKeys {
    pub(crate) fn new(runtime: tokio::runtime::Handle, kv: kv::Store) -> NatsKeys {
        NatsKeys { runtime, kv }
    }

    /// Runs `fut` on the log's runtime from a plain thread.
    fn run<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = Result<T, KeyError>> + Send + 'static,
    ) -> Result<T, KeyError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .map_err(|_| KeyError::Storage("the NATS log is closed".into()))?
    }
}

fn subject(id: &VolunteerId) -> String {
    format!("personal.{}", id.0)
}

fn failed(e: impl std::fmt::Display) -> KeyError {
    KeyError::Storage(format!("the cluster's key bucket: {e}"))
}

impl Keyring for NatsKeys {
    fn key(&self, id: &VolunteerId) -> Result<Option<DataKey>, KeyError> {
        let kv = self.kv.clone();
        let key = subject(id);
        let id = *id;
        self.run(async move {
            if let Some(record) = kv.get(key.clone()).await.map_err(failed)? {
                if !record.is_empty() {
                    return DataKey::from_record(&id, &record).map(Some);
                }
            }
            // The bucket answers reads from any of its replicas, and a replica may not yet
            // hold a key the writer has just made: the writer's own fold of the seal it has
            // just written would read the person as unreadable. A key said missing is asked
            // again of the bucket's leader, which holds every acknowledged write.
            let leader = kv
                .stream
                .get_last_raw_message_by_subject(&format!("{}{key}", kv.prefix))
                .await;
            match leader {
                Ok(message) if !message.payload.is_empty() => {
                    DataKey::from_record(&id, &message.payload).map(Some)
                }
                Ok(_) => Ok(None),
                Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
                Err(e) => Err(failed(e)),
            }
        })
    }

    fn key_or_create(&self, id: &VolunteerId) -> Result<DataKey, KeyError> {
        // A read that fails (the bucket's leader being elected) is tried again below.
        if let Ok(Some(key)) = self.key(id) {
            return Ok(key);
        }
        let kv = self.kv.clone();
        let subject = subject(id);
        let fresh = DataKey::generate();
        let record = Bytes::from(fresh.to_record(id));
        // Made meanwhile by another node: theirs counts (create fails, the read finds it).
        // A cluster electing a leader may refuse for a moment: try again for a while.
        let started = std::time::Instant::now();
        loop {
            let (kv, subject, record) = (kv.clone(), subject.clone(), record.clone());
            self.run(async move {
                let _ = kv.create(subject, record).await;
                Ok(())
            })?;
            let last = match self.key(id) {
                Ok(Some(key)) => return Ok(key),
                Ok(None) => "it was not there when read back".to_owned(),
                Err(e) => e.to_string(),
            };
            if started.elapsed() > crate::limits::READ_RETRY_FOR {
                return Err(KeyError::Storage(format!(
                    "the key of volunteer {id} could not be stored in the cluster's bucket ({last})"
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    fn destroy(&self, id: &VolunteerId) -> Result<(), KeyError> {
        let kv = self.kv.clone();
        let key = subject(id);
        self.run(async move { kv.purge(key).await.map_err(failed) })
    }

    fn put_all(&self, keys: &[(VolunteerId, DataKey)]) -> Result<(), KeyError> {
        for (id, key) in keys {
            let kv = self.kv.clone();
            let subject = subject(id);
            let record = Bytes::from(key.to_record(id));
            self.run(async move { kv.put(subject, record).await.map(|_| ()).map_err(failed) })?;
        }
        Ok(())
    }

    fn check_all(&self) -> Result<KeyCheck, KeyError> {
        let kv = self.kv.clone();
        let names: Vec<String> = self.run(async move {
            use futures_util::StreamExt;
            let mut keys = kv.keys().await.map_err(failed)?;
            let mut out = Vec::new();
            while let Some(k) = keys.next().await {
                out.push(k.map_err(failed)?);
            }
            Ok(out)
        })?;
        let mut out = Vec::new();
        for name in names {
            let Some(id) = name
                .strip_prefix("personal.")
                .and_then(|u| u.parse::<VolunteerId>().ok())
            else {
                continue;
            };
            out.push((id, self.key(&id).map(|_| ())));
        }
        Ok(out)
    }
}
