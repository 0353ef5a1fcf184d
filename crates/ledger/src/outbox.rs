//! The notices outbox: notices in plain words waiting to be delivered to a volunteer (and a
//! relative they named), kept in a store of their own beside the log. A notice is derived
//! from the log, never part of it: its key (the event's seq, its kind, the recipient) is the
//! same however often the log is read again, so a restart that reads an event twice stores
//! its notice once, and the gateway is told the key to drop a second delivery.
//!
//! Delivery is at least once: a notice is marked delivered only after the gateway said so,
//! and a crash in between sends it again with the same key.

use std::path::Path;

use bincode::Options;
use serde::{Deserialize, Serialize};
use sled::transaction::{TransactionError, Transactional};

use crate::error::LedgerError;
use crate::ids::VolunteerId;
use crate::limits::{MAX_OUTBOX_ENTRY_BYTES, OUTBOX_FLUSH_MILLIS};
use crate::time::Timestamp;

/// The directory of the outbox inside a data directory.
pub const OUTBOX_DIR: &str = "outbox";

const CURSOR: &[u8] = b"cursor";

/// When the outbox was last pruned, so that a restart does not prune it again.
const PRUNED_AT: &[u8] = b"pruned-at";

/// Where a notice stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The gateway took it.
    Delivered {
        /// When.
        at: Timestamp,
    },
    /// Given up on after the last attempt, or refused by the gateway for good.
    Failed {
        /// Why, as the gateway or the network said.
        reason: String,
    },
    /// Nobody to send it to (no phone recorded, or no gateway configured): it is kept for
    /// the volunteer's page and their printed statement.
    Paper,
}

impl DeliveryStatus {
    /// Every status's word, as [`DeliveryStatus::as_str`] gives it.
    pub const WORDS: [&'static str; 4] = ["pending", "delivered", "failed", "paper"];

    /// The word the API uses: `pending`, `delivered`, `failed` or `paper`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered { .. } => "delivered",
            DeliveryStatus::Failed { .. } => "failed",
            DeliveryStatus::Paper => "paper",
        }
    }
}

/// Who receives a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recipient {
    /// The volunteer.
    Volunteer,
    /// The relative they named.
    Relative,
}

impl Recipient {
    /// The word the API and the gateway use: `volunteer` or `relative`.
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Volunteer => "volunteer",
            Recipient::Relative => "relative",
        }
    }
}

/// One notice to one recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Unique and stable: the same event gives the same key, so the gateway can drop a
    /// second delivery.
    pub key: String,
    /// Whose notice.
    pub volunteer_id: VolunteerId,
    /// The volunteer or their relative.
    pub recipient: Recipient,
    /// What it is about (`points_credited`, `points_pending`, `points_available`,
    /// `reward_ready`, `hold_expiring`, `dispute_resolved`, `star_reached`, `pin_set`, `card_issued`).
    pub kind: String,
    /// The text in Chinese (what is sent).
    pub text_zh: String,
    /// The text in English.
    pub text_en: String,
    /// The event it came from (0 for a notice of the clock, like a hold about to lapse).
    pub seq: u64,
    /// When it was stored.
    pub created_at: Timestamp,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_at: Timestamp,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

/// How many notices stand where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Waiting for an attempt.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
    /// Given up on.
    pub failed: u64,
    /// Kept for paper.
    pub paper: u64,
}

/// The outbox: entries by key, an index of pending ones by when they are due, an index by
/// volunteer and time, and the seq of the last event turned into notices.
pub struct Outbox {
    db: sled::Db,
    entries: sled::Tree,
    due: sled::Tree,
    by_volunteer: sled::Tree,
    meta: sled::Tree,
}

fn codec() -> impl Options + Copy {
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .with_little_endian()
        .with_limit(MAX_OUTBOX_ENTRY_BYTES)
}

fn storage(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

fn due_key(at: Timestamp, key: &str) -> Vec<u8> {
    let mut k = at.0.to_be_bytes().to_vec();
    k.extend_from_slice(key.as_bytes());
    k
}

fn volunteer_key(e: &OutboxEntry) -> Vec<u8> {
    let mut k = e.volunteer_id.0.as_bytes().to_vec();
    k.extend_from_slice(&e.created_at.0.to_be_bytes());
    k.extend_from_slice(e.key.as_bytes());
    k
}

impl Outbox {
    /// Opens (or creates) the outbox in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Outbox, LedgerError> {
        let db = crate::store::open_sled(
            &sled::Config::new()
                .path(data_dir.join(OUTBOX_DIR))
                .cache_capacity(crate::limits::SIDE_STORE_CACHE_BYTES)
                .flush_every_ms(Some(OUTBOX_FLUSH_MILLIS)),
        )?;
        Ok(Outbox {
            entries: db.open_tree("entries")?,
            due: db.open_tree("due")?,
            by_volunteer: db.open_tree("by-volunteer")?,
            meta: db.open_tree("meta")?,
            db,
        })
    }

    /// The seq of the last event turned into notices (`None`: the outbox is new).
    pub fn cursor(&self) -> Result<Option<u64>, LedgerError> {
        Ok(match self.meta.get(CURSOR)? {
            Some(v) => Some(u64::from_be_bytes(
                v.as_ref()
                    .try_into()
                    .map_err(|_| storage("a damaged outbox cursor"))?,
            )),
            None => None,
        })
    }

    /// When [`Outbox::prune_before`] last finished (`None`: never, or an outbox from before
    /// this was recorded). Pruning reads every notice (they are kept by key, not by time):
    /// 4.8 s for a city's 1.8 million from a cold page cache, minutes at a province's year
    /// (BENCHMARKS.md, "The notices' outbox at a city's year"), so the service prunes when
    /// this is a day old, not again at every start.
    pub fn pruned_at(&self) -> Result<Option<Timestamp>, LedgerError> {
        Ok(match self.meta.get(PRUNED_AT)? {
            Some(v) => Some(Timestamp(i64::from_be_bytes(
                v.as_ref()
                    .try_into()
                    .map_err(|_| storage("a damaged outbox prune time"))?,
            ))),
            None => None,
        })
    }

    fn read(&self, value: &[u8]) -> Result<OutboxEntry, LedgerError> {
        codec().deserialize(value).map_err(storage)
    }

    fn encode(e: &OutboxEntry) -> Result<Vec<u8>, LedgerError> {
        codec().serialize(e).map_err(storage)
    }

    /// Stores new notices (a key already stored is left as it is: the same event read
    /// again), then moves the cursor to `cursor`, durably. Returns how many were new.
    ///
    /// One batch a tree, not a transaction over the four: sled's transaction cost the
    /// notices a third of their time under a load of logged activities (BENCHMARKS.md,
    /// "Where a logged activity's CPU goes"). The entries go first, their index keys next
    /// and the cursor last, so a crash before the flush leaves the cursor where it was and
    /// the same events are read again; an entry found stored then has its index keys put
    /// again (the same keys: its own time and key), so one that a crash left without them is
    /// still delivered and found by volunteer.
    pub fn enqueue(
        &self,
        entries: &[OutboxEntry],
        cursor: Option<u64>,
    ) -> Result<usize, LedgerError> {
        let mut stored = sled::Batch::default();
        let mut due = sled::Batch::default();
        let mut by_volunteer = sled::Batch::default();
        let mut added = 0;
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            if !seen.insert(e.key.as_str()) {
                continue;
            }
            let standing = match self.entries.get(e.key.as_bytes())? {
                Some(value) => self.read(&value)?,
                None => {
                    stored.insert(e.key.as_bytes(), Self::encode(e)?);
                    added += 1;
                    e.clone()
                }
            };
            if standing.status == DeliveryStatus::Pending {
                due.insert(due_key(standing.next_at, &standing.key), &[]);
            }
            by_volunteer.insert(volunteer_key(&standing), &[]);
        }
        // Entries before their index keys: an index key never names an entry that is not
        // stored (one left by a crash would name it under another time once its event is
        // read again and stamped anew, and the volunteer's list would show it twice).
        self.entries.apply_batch(stored)?;
        self.due.apply_batch(due)?;
        self.by_volunteer.apply_batch(by_volunteer)?;
        if let Some(seq) = cursor {
            self.meta.insert(CURSOR, &seq.to_be_bytes())?;
        }
        self.db.flush()?;
        Ok(added)
    }

    /// Whether a notice with this key was ever stored.
    pub fn contains(&self, key: &str) -> Result<bool, LedgerError> {
        Ok(self.entries.contains_key(key.as_bytes())?)
    }

    /// One notice by its key.
    pub fn get(&self, key: &str) -> Result<Option<OutboxEntry>, LedgerError> {
        self.entries
            .get(key.as_bytes())?
            .map(|v| self.read(&v))
            .transpose()
    }

    /// The entries an index range names (the entry's key follows `skip` bytes of each index
    /// key), at most `limit`, with the index keys that name nothing (or a damaged key).
    #[allow(clippy::type_complexity)]
    fn named(
        &self,
        range: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<(sled::IVec, OutboxEntry)>, Vec<sled::IVec>), LedgerError> {
        let mut out = Vec::new();
        let mut stale = Vec::new();
        for item in range {
            let (k, _) = item?;
            let found = match k.get(skip..) {
                Some(key) => self.entries.get(key)?,
                None => None,
            };
            match found {
                Some(v) => out.push((k, self.read(&v)?)),
                None => stale.push(k),
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok((out, stale))
    }

    /// Pending notices due at `now`, oldest due first, at most `limit`. An index key left
    /// behind for an entry that is no longer pending at that time is dropped, never sent.
    pub fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, LedgerError> {
        let range = self
            .due
            .range(..due_key(Timestamp(now.0.saturating_add(1)), ""));
        let (found, mut stale) = self.named(range, 8, limit)?;
        let mut out = Vec::new();
        for (k, e) in found {
            if e.status == DeliveryStatus::Pending && due_key(e.next_at, &e.key) == k.as_ref() {
                out.push(e);
            } else {
                stale.push(k);
            }
        }
        for k in stale {
            self.due.remove(k)?;
        }
        Ok(out)
    }

    /// Records the outcome of an attempt: the entry as it now stands (delivered, failed, or
    /// pending again with its next attempt), in one transaction, durably.
    pub fn settle(&self, before: &OutboxEntry, after: &OutboxEntry) -> Result<(), LedgerError> {
        let value = Self::encode(after)?;
        (&self.entries, &self.due)
            .transaction(|(stored, due)| {
                due.remove(due_key(before.next_at, &before.key))?;
                stored.insert(after.key.as_bytes(), value.as_slice())?;
                if after.status == DeliveryStatus::Pending {
                    due.insert(due_key(after.next_at, &after.key), &[])?;
                }
                Ok(())
            })
            .map_err(|e: TransactionError<LedgerError>| storage(e))?;
        self.db.flush()?;
        Ok(())
    }

    /// A volunteer's notices stored from `from` up to (not including) `to`: the newest
    /// `limit` of them (a page of "latest notices" shows today's pickup code, not a month's
    /// oldest), listed oldest first.
    pub fn of_volunteer(
        &self,
        volunteer: VolunteerId,
        (from, to): (Timestamp, Timestamp),
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, LedgerError> {
        let prefix = volunteer.0.as_bytes().to_vec();
        let mut start = prefix.clone();
        start.extend_from_slice(&from.0.to_be_bytes());
        let mut end = prefix;
        end.extend_from_slice(&to.0.to_be_bytes());
        let (found, _) = self.named(self.by_volunteer.range(start..end).rev(), 24, limit)?;
        Ok(found.into_iter().rev().map(|(_, e)| e).collect())
    }

    /// Removes the notices made before `before` that are settled (delivered, failed, kept
    /// for paper), with their volunteer's index key; a notice still waiting stays whatever
    /// its age. Without it the outbox grows by about a notice an event for as long as the
    /// service runs. Returns how many were removed.
    pub fn prune_before(&self, before: Timestamp) -> Result<usize, LedgerError> {
        let mut old = Vec::new();
        for item in self.entries.iter() {
            let (k, v) = item?;
            let e = self.read(&v)?;
            if e.created_at < before && e.status != DeliveryStatus::Pending {
                old.push((k, volunteer_key(&e)));
            }
        }
        for (k, by_volunteer) in &old {
            self.by_volunteer.remove(by_volunteer)?;
            self.entries.remove(k)?;
        }
        self.meta
            .insert(PRUNED_AT, &Timestamp::now().0.to_be_bytes())?;
        self.db.flush()?;
        Ok(old.len())
    }

    /// Every notice, in key order, of one status when `status` names one (its word, see
    /// [`DeliveryStatus::as_str`]), at most `limit`; and how many stand where.
    pub fn list(
        &self,
        status: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, OutboxCounts), LedgerError> {
        let mut out = Vec::new();
        let mut counts = OutboxCounts::default();
        for item in self.entries.iter() {
            let (_, v) = item?;
            let e = self.read(&v)?;
            match e.status {
                DeliveryStatus::Pending => counts.pending += 1,
                DeliveryStatus::Delivered { .. } => counts.delivered += 1,
                DeliveryStatus::Failed { .. } => counts.failed += 1,
                DeliveryStatus::Paper => counts.paper += 1,
            }
            let wanted = status.is_none_or(|s| s == e.status.as_str());
            if wanted && out.len() < limit {
                out.push(e);
            }
        }
        Ok((out, counts))
    }
}

/// Appends one line to the file of the file adapter and syncs it: a notice is in the file
/// before it is marked delivered.
pub fn append_line(path: &Path, line: &[u8]) -> Result<(), LedgerError> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| storage(format!("cannot open {}: {e}", path.display())))?;
    f.write_all(line)
        .and_then(|()| f.sync_data())
        .map_err(|e| storage(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, v: u128, at: i64) -> OutboxEntry {
        OutboxEntry {
            key: key.into(),
            volunteer_id: VolunteerId(uuid::Uuid::from_u128(v)),
            recipient: Recipient::Volunteer,
            kind: "points_credited".into(),
            text_zh: "积分已到账".into(),
            text_en: "Points credited".into(),
            seq: 7,
            created_at: Timestamp(at),
            attempts: 0,
            next_at: Timestamp(at),
            status: DeliveryStatus::Pending,
            last_error: None,
        }
    }

    /// A page of the latest notices gets the newest, not the month's oldest.
    #[test]
    fn a_volunteers_latest_notices_are_the_newest_listed_oldest_first() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let all: Vec<_> = (1..=6)
            .map(|i| entry(&format!("{i}:points_credited:v"), 1, i * 100))
            .collect();
        o.enqueue(&all, Some(6)).expect("enqueue");
        let latest = o
            .of_volunteer(
                VolunteerId(uuid::Uuid::from_u128(1)),
                (Timestamp(0), Timestamp(10_000)),
                3,
            )
            .expect("listed");
        let at: Vec<i64> = latest.iter().map(|e| e.created_at.0).collect();
        assert_eq!(at, vec![400, 500, 600]);
    }

    #[test]
    fn a_key_is_stored_once_and_the_cursor_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("dir");
        {
            let o = Outbox::open(dir.path()).expect("open");
            assert_eq!(o.cursor().expect("cursor"), None);
            let a = entry("7:points_credited:v", 1, 100);
            assert_eq!(
                o.enqueue(&[a.clone(), a.clone()], Some(7))
                    .expect("enqueue"),
                1
            );
            assert_eq!(o.enqueue(&[a], Some(8)).expect("enqueue"), 0);
        }
        let o = Outbox::open(dir.path()).expect("reopen");
        assert_eq!(o.cursor().expect("cursor"), Some(8));
        assert_eq!(o.due(Timestamp(100), 10).expect("due").len(), 1);
        assert!(o.due(Timestamp(99), 10).expect("due").is_empty());
    }

    /// A crash between the entries and their index keys (or a store that holds an entry
    /// without them for any reason): reading the same events again puts the keys back, so
    /// the notice is delivered and listed once.
    #[test]
    fn an_entry_stored_without_its_index_keys_gets_them_when_its_event_is_read_again() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let a = entry("3:points_credited:v", 3, 100);
        o.entries
            .insert(a.key.as_bytes(), Outbox::encode(&a).expect("encode"))
            .expect("insert");
        assert!(o.due(Timestamp(100), 10).expect("due").is_empty());
        assert_eq!(
            o.enqueue(std::slice::from_ref(&a), Some(3))
                .expect("enqueue"),
            0
        );
        assert_eq!(o.due(Timestamp(100), 10).expect("due"), vec![a.clone()]);
        let mine = o
            .of_volunteer(a.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
            .expect("mine");
        assert_eq!(mine, vec![a.clone()]);
        // Delivered since: read again, it is not due again.
        let mut done = a.clone();
        done.status = DeliveryStatus::Delivered { at: Timestamp(200) };
        o.settle(&a, &done).expect("settle");
        assert_eq!(o.enqueue(&[a], Some(3)).expect("enqueue"), 0);
        assert!(o.due(Timestamp(1000), 10).expect("due").is_empty());
    }

    #[test]
    fn a_settled_entry_leaves_the_due_index_and_is_found_by_volunteer() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let a = entry("1:a:v", 1, 100);
        let b = entry("2:a:v", 2, 200);
        o.enqueue(&[a.clone(), b.clone()], Some(2))
            .expect("enqueue");
        let mut retry = a.clone();
        retry.attempts = 1;
        retry.next_at = Timestamp(500);
        o.settle(&a, &retry).expect("settle");
        assert_eq!(o.due(Timestamp(300), 10).expect("due"), vec![b.clone()]);
        let mut done = b.clone();
        done.status = DeliveryStatus::Delivered { at: Timestamp(300) };
        o.settle(&b, &done).expect("settle");
        assert_eq!(o.due(Timestamp(1000), 10).expect("due"), vec![retry]);
        let mine = o
            .of_volunteer(b.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
            .expect("mine");
        assert_eq!(mine, vec![done]);
        let (_, counts) = o.list(None, 10).expect("list");
        assert_eq!((counts.pending, counts.delivered), (1, 1));
    }

    /// Settled notices older than the bound go, with their volunteer's index keys; one still
    /// waiting stays, and so do the newer.
    #[test]
    fn old_settled_notices_are_pruned_and_waiting_ones_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let mut delivered = entry("1:a:v", 1, 100);
        delivered.status = DeliveryStatus::Delivered { at: Timestamp(150) };
        let mut paper = entry("2:a:v", 1, 120);
        paper.status = DeliveryStatus::Paper;
        let waiting = entry("3:a:v", 1, 130);
        let mut newer = entry("4:a:v", 1, 300);
        newer.status = DeliveryStatus::Paper;
        o.enqueue(&[delivered, paper, waiting.clone(), newer.clone()], Some(4))
            .expect("enqueue");
        assert_eq!(o.prune_before(Timestamp(200)).expect("prune"), 2);
        let (left, _) = o.list(None, 10).expect("list");
        assert_eq!(left, vec![waiting.clone(), newer.clone()]);
        let mine = o
            .of_volunteer(waiting.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
            .expect("mine");
        assert_eq!(mine, vec![waiting, newer], "no index key left behind");
        assert!(o.contains("4:a:v").expect("contains"));
    }

    /// The time of the last pruning is kept with the outbox: a restart finds it.
    #[test]
    fn the_time_of_the_last_pruning_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("dir");
        let started = Timestamp::now();
        {
            let o = Outbox::open(dir.path()).expect("open");
            assert_eq!(o.pruned_at().expect("read"), None, "never pruned");
            o.prune_before(Timestamp(0)).expect("prune");
        }
        let o = Outbox::open(dir.path()).expect("reopen");
        let at = o.pruned_at().expect("read").expect("pruned");
        assert!(started <= at && at <= Timestamp::now(), "{at:?}");
    }
}
