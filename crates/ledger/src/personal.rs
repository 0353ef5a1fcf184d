//! Personal data in an immutable log: each volunteer's name, year of birth, phone digits and
//! notes about them are stored in events only as ciphertext under that person's own data key
//! (AES-256-GCM, the volunteer's id bound in as associated data so a blob cannot be
//! moved to another person). The keys live in a key store beside the log, never in the chain:
//! the chain hashes the ciphertext, so `verify` and replay need no key, and destroying one
//! person's key erases them from every copy of the log at once while their hours and points
//! stay as they were.
//!
//! A key record is the 32-byte key followed by an 8-byte check (SHA-256 of a label, the
//! volunteer's id and the key), so a damaged key store is named like a damaged log instead of
//! revealing garbage.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::VolunteerId;

use crate::limits::{DATA_KEY_BYTES, KEYS_REMEMBERED, KEY_CHECK_BYTES as CHECK_BYTES, NONCE_BYTES};

/// The sled tree of the key store on the default engine.
pub const KEY_TREE: &str = "personal-keys";

/// Ciphertext of some of one person's personal fields, as stored in an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The nonce, fresh for every blob.
    pub nonce: [u8; NONCE_BYTES],
    /// The fields ([`PersonalFields`], bincode) encrypted and authenticated.
    pub ciphertext: Vec<u8>,
}

/// The personal fields a sealed blob holds; `None` where the blob does not change the field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalFields {
    /// The name.
    pub name: Option<String>,
    /// The year of birth.
    pub birth_year: Option<u16>,
    /// The last four digits of the phone.
    pub phone_last_four: Option<String>,
    /// A free-text note about the person (why a correction was made, say).
    pub note: Option<String>,
}

/// One person's data key.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; DATA_KEY_BYTES]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> DataKey {
        DataKey(Aes256Gcm::generate_key(&mut OsRng).into())
    }

    /// The key as a store record: the key and its check.
    pub fn to_record(&self, id: &VolunteerId) -> Vec<u8> {
        let mut out = self.0.to_vec();
        out.extend_from_slice(&check(id, &self.0));
        out
    }

    /// The store record as hex, for a key file (`yinling export --what keys`).
    pub fn to_hex(&self, id: &VolunteerId) -> String {
        hex::encode(self.to_record(id))
    }

    /// A key read back from its hex record, checked.
    pub fn from_hex(id: &VolunteerId, text: &str) -> Result<DataKey, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Damaged {
            volunteer_id: *id,
            detail: "the key is not hex".into(),
        })?;
        DataKey::from_record(id, &bytes)
    }

    /// A key read back from a store record, checked.
    pub fn from_record(id: &VolunteerId, record: &[u8]) -> Result<DataKey, KeyError> {
        let damaged = || KeyError::Damaged {
            volunteer_id: *id,
            detail: "the key record fails its check".into(),
        };
        if record.len() != DATA_KEY_BYTES + CHECK_BYTES {
            return Err(damaged());
        }
        let mut key = [0u8; DATA_KEY_BYTES];
        key.copy_from_slice(&record[..DATA_KEY_BYTES]);
        if record[DATA_KEY_BYTES..] != check(id, &key) {
            return Err(damaged());
        }
        Ok(DataKey(key))
    }
}

fn check(id: &VolunteerId, key: &[u8; DATA_KEY_BYTES]) -> [u8; CHECK_BYTES] {
    let mut h = Sha256::new();
    h.update(b"yinling personal key v1");
    h.update(id.0.as_bytes());
    h.update(key);
    let digest = h.finalize();
    let mut out = [0u8; CHECK_BYTES];
    out.copy_from_slice(&digest[..CHECK_BYTES]);
    out
}

/// Why personal data could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key store could not be read or written.
    #[error("the key store failed: {0}")]
    Storage(String),
    /// A key record is damaged.
    #[error("the key store is damaged at volunteer {volunteer_id}: {detail}. Their name cannot be shown (their points are not affected); restore the key store from a backup")]
    Damaged {
        /// Whose key.
        volunteer_id: VolunteerId,
        /// What is wrong.
        detail: String,
    },
    /// A blob does not open with the person's key: the event or the key is not theirs.
    #[error("the personal data of volunteer {0} does not open with their key (the key store or the log is damaged)")]
    Unopenable(VolunteerId),
    /// The person was erased: nothing is sealed for them any more.
    #[error("volunteer {0} was erased")]
    Erased(VolunteerId),
}

/// Where a volunteer's notices go, sealed in `NoticeContactsSet`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeContacts {
    /// The volunteer's own mobile number (digits), for text messages.
    pub phone: Option<String>,
    /// A relative who receives the notices as well.
    pub relative: Option<Relative>,
}

/// A relative named to receive a volunteer's notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relative {
    /// Their name.
    pub name: String,
    /// How they are related (女儿, 儿子, 老伴).
    pub relation: String,
    /// Their mobile number (digits).
    pub phone: String,
}

/// Seals `fields` for `id` under `key`.
pub fn seal(key: &DataKey, id: &VolunteerId, fields: &PersonalFields) -> Result<Sealed, KeyError> {
    seal_value(key, id, fields)
}

/// Seals any personal value for `id` under `key` (AES-256-GCM, the id as associated data).
pub fn seal_value<T: Serialize>(
    key: &DataKey,
    id: &VolunteerId,
    value: &T,
) -> Result<Sealed, KeyError> {
    let plain = bincode::serialize(value).map_err(|e| KeyError::Storage(e.to_string()))?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: id.0.as_bytes(),
            },
        )
        .map_err(|_| KeyError::Unopenable(*id))?;
    Ok(Sealed {
        nonce: nonce.into(),
        ciphertext,
    })
}

/// Opens a blob sealed for `id`.
pub fn open(key: &DataKey, id: &VolunteerId, sealed: &Sealed) -> Result<PersonalFields, KeyError> {
    open_value(key, id, sealed)
}

/// Opens any personal value sealed for `id`.
pub fn open_value<T: serde::de::DeserializeOwned>(
    key: &DataKey,
    id: &VolunteerId,
    sealed: &Sealed,
) -> Result<T, KeyError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: id.0.as_bytes(),
            },
        )
        .map_err(|_| KeyError::Unopenable(*id))?;
    bincode::deserialize(&plain).map_err(|_| KeyError::Unopenable(*id))
}

/// Every key's owner with its record checked: `Err` for a damaged one.
pub type KeyCheck = Vec<(VolunteerId, Result<(), KeyError>)>;

/// Where the data keys are kept: beside the log, never in it.
pub trait Keyring: Send + Sync + 'static {
    /// The person's key, if it exists (`None`: never made, or destroyed).
    fn key(&self, id: &VolunteerId) -> Result<Option<DataKey>, KeyError>;
    /// The person's key, made now if they have none. It is written before it is returned;
    /// it is durable no later than the commit that first uses it (the default engine keeps
    /// it in the log's own database, whose flush makes both durable together).
    fn key_or_create(&self, id: &VolunteerId) -> Result<DataKey, KeyError>;
    /// Destroys the person's key, durably.
    fn destroy(&self, id: &VolunteerId) -> Result<(), KeyError>;
    /// Every key's owner with its record checked (`Err` for a damaged one), for `verify`
    /// and backups.
    fn check_all(&self) -> Result<KeyCheck, KeyError>;
    /// Stores keys copied from another key store (a backup, a restore), durably.
    fn put_all(&self, keys: &[(VolunteerId, DataKey)]) -> Result<(), KeyError>;

    /// Reads every key into memory at once, for a load about to open everyone's blobs: one
    /// pass in key order instead of a lookup per person (a million random lookups were most
    /// of a province's start). A record that fails its check is left out, for
    /// [`Keyring::key`] to report as it always did. The default does nothing: keys already
    /// in memory.
    fn warm(&self) -> Result<(), KeyError> {
        Ok(())
    }

    /// Lets go of what [`Keyring::warm`] read, once the load that needed everyone's key has
    /// revealed them: the store then reads a key when a blob is sealed or opened and keeps a
    /// bounded number of them. The default does nothing: nothing was read ahead.
    fn cool(&self) {}

    /// How many keys the store holds in memory: what a node keeps of it beside the state (on
    /// the default engine every key from [`Keyring::warm`] to [`Keyring::cool`], at most
    /// [`KEYS_REMEMBERED`] otherwise). The default holds none.
    fn held(&self) -> usize {
        0
    }

    /// Seals `fields` for `id`, making their key if needed.
    fn seal(&self, id: &VolunteerId, fields: &PersonalFields) -> Result<Sealed, KeyError> {
        seal(&self.key_or_create(id)?, id, fields)
    }

    /// Opens a blob: `Ok(None)` when the key is gone (erased, or the key store was lost).
    fn open(&self, id: &VolunteerId, sealed: &Sealed) -> Result<Option<PersonalFields>, KeyError> {
        match self.key(id)? {
            Some(key) => open(&key, id, sealed).map(Some),
            None => Ok(None),
        }
    }

    /// Seals where `id`'s notices go, making their key if needed.
    fn seal_contacts(
        &self,
        id: &VolunteerId,
        contacts: &NoticeContacts,
    ) -> Result<Sealed, KeyError> {
        seal_value(&self.key_or_create(id)?, id, contacts)
    }

    /// Opens where `id`'s notices go: `Ok(None)` when the key is gone.
    fn open_contacts(
        &self,
        id: &VolunteerId,
        sealed: &Sealed,
    ) -> Result<Option<NoticeContacts>, KeyError> {
        match self.key(id)? {
            Some(key) => open_value(&key, id, sealed).map(Some),
            None => Ok(None),
        }
    }
}

/// Keys in memory: for states folded without a data directory (tests, tools).
#[derive(Default)]
pub struct MemoryKeys(Mutex<HashMap<VolunteerId, DataKey>>);

impl MemoryKeys {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<VolunteerId, DataKey>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Keyring for MemoryKeys {
    fn key(&self, id: &VolunteerId) -> Result<Option<DataKey>, KeyError> {
        Ok(self.map().get(id).cloned())
    }
    fn key_or_create(&self, id: &VolunteerId) -> Result<DataKey, KeyError> {
        Ok(self
            .map()
            .entry(*id)
            .or_insert_with(DataKey::generate)
            .clone())
    }
    fn destroy(&self, id: &VolunteerId) -> Result<(), KeyError> {
        self.map().remove(id);
        Ok(())
    }
    fn check_all(&self) -> Result<KeyCheck, KeyError> {
        Ok(self.map().keys().map(|id| (*id, Ok(()))).collect())
    }
    fn put_all(&self, keys: &[(VolunteerId, DataKey)]) -> Result<(), KeyError> {
        let mut map = self.map();
        for (id, key) in keys {
            map.insert(*id, key.clone());
        }
        Ok(())
    }
    fn held(&self) -> usize {
        self.map().len()
    }
}

/// The key store on the default engine: a sled tree in the log's own database (so a backup
/// of the directory holds the keys, and the commit's flush makes a new key durable), with
/// the keys read so far kept in memory (a replay opens every person's blobs).
pub struct SledKeys {
    tree: sled::Tree,
    cache: KeyCache,
    /// Where the keys made are noted for the log's next commit to carry in its journal
    /// record (see `store`'s append); `None` outside a log.
    made: Option<MadeKeys>,
}

/// Keys made since the log's last commit, each with its owner: the tree holds them in
/// memory only until sled's files are synced, so the next commit's journal record carries
/// them, and an open after a crash puts them back.
pub type MadeKeys = Arc<Mutex<Vec<(VolunteerId, Vec<u8>)>>>;

/// Tables of the key cache: a start reveals a million names on two threads at once, and one
/// table behind one lock had both threads' reads take turns on the lock's counter.
const KEY_CACHE_SHARDS: usize = 64;

/// A table of the key cache.
type KeyTable = std::sync::RwLock<rustc_hash::FxHashMap<VolunteerId, DataKey>>;

/// The keys read so far, in [`KEY_CACHE_SHARDS`] tables by the owner's last byte, each with
/// its own lock and a hash cheaper than SipHash: the owners are the ledger's own ids, not a
/// caller's chosen keys. Owners are UUIDv7, whose first bytes are the time they were made (the
/// same for everyone made in the same years) and whose last bytes are random.
///
/// Bounded: a table holding its share of [`KEYS_REMEMBERED`] is emptied before it takes
/// another key, so a node that runs for months holds no more than that, whoever's notices it
/// sends (before, every key asked for since the start stayed: a province's million over
/// time). From [`Keyring::warm`] to [`Keyring::cool`] it holds every key, for a load that
/// reveals everyone.
struct KeyCache {
    tables: Vec<KeyTable>,
    /// Set from [`Keyring::warm`] to [`Keyring::cool`]: the tables hold every key.
    read_ahead: std::sync::atomic::AtomicBool,
}

/// Keys a table of the cache holds at most, except from [`Keyring::warm`] to [`Keyring::cool`].
const KEYS_A_TABLE: usize = KEYS_REMEMBERED / KEY_CACHE_SHARDS;

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            tables: (0..KEY_CACHE_SHARDS).map(|_| Default::default()).collect(),
            read_ahead: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl KeyCache {
    fn shard_of(id: &VolunteerId) -> usize {
        usize::from(id.0.as_bytes()[15]) % KEY_CACHE_SHARDS
    }

    fn shard(&self, id: &VolunteerId) -> &KeyTable {
        &self.tables[Self::shard_of(id)]
    }
}

impl SledKeys {
    /// The key tree of `db`.
    pub fn open(db: &sled::Db) -> Result<SledKeys, KeyError> {
        Self::open_inner(db, None)
    }

    /// The key tree of `db`, noting every key made in `made`.
    pub fn open_noting(db: &sled::Db, made: MadeKeys) -> Result<SledKeys, KeyError> {
        Self::open_inner(db, Some(made))
    }

    fn open_inner(db: &sled::Db, made: Option<MadeKeys>) -> Result<SledKeys, KeyError> {
        let tree = db
            .open_tree(KEY_TREE)
            .map_err(|e| KeyError::Storage(e.to_string()))?;
        Ok(SledKeys {
            tree,
            cache: KeyCache::default(),
            made,
        })
    }

    fn cached(&self, id: &VolunteerId) -> Option<DataKey> {
        self.cache
            .shard(id)
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn remember(&self, id: &VolunteerId, key: &DataKey) {
        let mut table = self
            .cache
            .shard(id)
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let read_ahead = self
            .cache
            .read_ahead
            .load(std::sync::atomic::Ordering::Relaxed);
        if !read_ahead && table.len() >= KEYS_A_TABLE && !table.contains_key(id) {
            table.clear();
        }
        table.insert(*id, key.clone());
    }
}

fn storage(e: sled::Error) -> KeyError {
    KeyError::Storage(e.to_string())
}

impl Keyring for SledKeys {
    fn warm(&self) -> Result<(), KeyError> {
        self.cache
            .read_ahead
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut found = Vec::new();
        for item in self.tree.iter() {
            let (owner, record) = item.map_err(storage)?;
            let Ok(uuid) = uuid::Uuid::from_slice(&owner) else {
                continue; // `check_all` names it; no volunteer's blob can ask for it
            };
            let id = VolunteerId(uuid);
            if let Ok(key) = DataKey::from_record(&id, &record) {
                found.push((id, key));
            }
        }
        let mut shards: Vec<Vec<(VolunteerId, DataKey)>> = vec![Vec::new(); KEY_CACHE_SHARDS];
        for (id, key) in found {
            shards[KeyCache::shard_of(&id)].push((id, key));
        }
        for (shard, found) in self.cache.tables.iter().zip(shards) {
            let mut cache = shard.write().unwrap_or_else(|p| p.into_inner());
            cache.reserve(found.len());
            for (id, key) in found {
                cache.entry(id).or_insert(key);
            }
        }
        Ok(())
    }

    fn cool(&self) {
        self.cache
            .read_ahead
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let mut let_go = 0;
        for table in &self.cache.tables {
            // A new table, not a cleared one: a cleared table keeps its room for everyone.
            let held = std::mem::take(&mut *table.write().unwrap_or_else(|p| p.into_inner()));
            let_go += held.len();
        }
        tracing::debug!(keys = let_go, "the key store's keys read ahead let go");
    }

    fn held(&self) -> usize {
        self.cache
            .tables
            .iter()
            .map(|t| t.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }

    fn key(&self, id: &VolunteerId) -> Result<Option<DataKey>, KeyError> {
        if let Some(key) = self.cached(id) {
            return Ok(Some(key));
        }
        match self.tree.get(id.0.as_bytes()).map_err(storage)? {
            Some(record) => {
                let key = DataKey::from_record(id, &record)?;
                self.remember(id, &key);
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }
    fn key_or_create(&self, id: &VolunteerId) -> Result<DataKey, KeyError> {
        if let Some(key) = self.key(id)? {
            return Ok(key);
        }
        let key = DataKey::generate();
        let made = self
            .tree
            .compare_and_swap(
                id.0.as_bytes(),
                None as Option<&[u8]>,
                Some(key.to_record(id)),
            )
            .map_err(storage)?;
        match made {
            Ok(()) => {
                if let Some(made) = &self.made {
                    made.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((*id, key.to_record(id)));
                }
                self.remember(id, &key);
                Ok(key)
            }
            // Made meanwhile by another caller: theirs counts.
            Err(_) => self.key(id)?.ok_or(KeyError::Erased(*id)),
        }
    }
    fn destroy(&self, id: &VolunteerId) -> Result<(), KeyError> {
        self.cache
            .shard(id)
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        if self
            .tree
            .remove(id.0.as_bytes())
            .map_err(storage)?
            .is_some()
        {
            self.tree.flush().map_err(storage)?;
        }
        Ok(())
    }
    fn check_all(&self) -> Result<KeyCheck, KeyError> {
        let mut out = Vec::new();
        for item in self.tree.iter() {
            let (k, v) = item.map_err(storage)?;
            let Ok(uuid) = uuid::Uuid::from_slice(&k) else {
                return Err(KeyError::Storage(format!(
                    "a key record has a malformed owner ({} bytes)",
                    k.len()
                )));
            };
            let id = VolunteerId(uuid);
            out.push((id, DataKey::from_record(&id, &v).map(|_| ())));
        }
        Ok(out)
    }
    fn put_all(&self, keys: &[(VolunteerId, DataKey)]) -> Result<(), KeyError> {
        for (id, key) in keys {
            self.remember(id, key);
            self.tree
                .insert(id.0.as_bytes(), key.to_record(id))
                .map_err(storage)?;
        }
        self.tree.flush().map_err(storage)?;
        Ok(())
    }
}

/// A shared handle on a keyring, as a folded state carries it.
pub type SharedKeyring = Arc<dyn Keyring>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids made the same day share their first bytes (UUIDv7 begins with the time), so a
    /// cache split by those would put a whole city in one table behind one lock.
    #[test]
    fn the_key_cache_spreads_volunteers_made_together_over_its_tables() {
        let mut used = [0usize; KEY_CACHE_SHARDS];
        for _ in 0..KEY_CACHE_SHARDS * 100 {
            used[KeyCache::shard_of(&VolunteerId::generate())] += 1;
        }
        let empty = used.iter().filter(|n| **n == 0).count();
        let fullest = used.iter().max().copied().unwrap_or(0);
        assert_eq!(empty, 0, "tables left empty: {used:?}");
        assert!(
            fullest < 300,
            "one table holds {fullest} of 6,400: {used:?}"
        );
    }
}
