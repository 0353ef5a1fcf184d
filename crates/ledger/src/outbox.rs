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
use crate::limits::{MAX_OUTBOX_ENTRY_BYTES, OUTBOX_CARRY_BATCH, OUTBOX_FLUSH_MILLIS};
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

/// The outbox: notices by their volunteer and key, an index of pending ones by when they are
/// due, and the seq of the last event turned into notices.
///
/// A notice is one key (two while it waits to be sent): its volunteer's id and its own key,
/// so that a volunteer's notices are one range of the tree. The first layout kept every
/// notice by key with a second key in a volunteer's index, and that index's inserts, each at
/// a random place in its tree, cost more than the entries themselves (BENCHMARKS.md, "The
/// notices' outbox at a city's year", "The notices' outbox by volunteer"); an outbox of that
/// layout is carried over when opened ([`Outbox::open`]).
pub struct Outbox {
    db: sled::Db,
    notices: sled::Tree,
    due: sled::Tree,
    meta: sled::Tree,
}

/// The trees of the first layout (notices by key; pending ones by time and key; a volunteer's
/// by id, time and key), read once to carry an outbox over, then dropped.
const FIRST_LAYOUT: [&str; 3] = ["entries", "due", "by-volunteer"];

fn codec() -> impl Options + Copy {
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .with_little_endian()
        .with_limit(MAX_OUTBOX_ENTRY_BYTES)
}

fn storage(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

/// Where a notice is kept: its volunteer's id, then its key.
fn notice_key(volunteer: &VolunteerId, key: &str) -> Vec<u8> {
    let mut k = volunteer.0.as_bytes().to_vec();
    k.extend_from_slice(key.as_bytes());
    k
}

/// Its place among the pending: when it is due, then where it is kept.
fn due_key(e: &OutboxEntry) -> Vec<u8> {
    let mut k = e.next_at.0.to_be_bytes().to_vec();
    k.extend_from_slice(&notice_key(&e.volunteer_id, &e.key));
    k
}

/// The first due key after everything due at `at`.
fn due_after(at: Timestamp) -> Vec<u8> {
    at.0.saturating_add(1).to_be_bytes().to_vec()
}

impl Outbox {
    /// Opens (or creates) the outbox in `data_dir`, carrying an outbox of the first layout
    /// over to this one first (once, logged: 7.7 s for half a million notices from a cold
    /// page cache; BENCHMARKS.md, "The notices' outbox by volunteer").
    pub fn open(data_dir: &Path) -> Result<Outbox, LedgerError> {
        let db = crate::store::open_sled(
            &sled::Config::new()
                .path(data_dir.join(OUTBOX_DIR))
                .cache_capacity(crate::limits::SIDE_STORE_CACHE_BYTES)
                .flush_every_ms(Some(OUTBOX_FLUSH_MILLIS)),
        )?;
        let outbox = Outbox {
            notices: db.open_tree("notices")?,
            due: db.open_tree("due-notices")?,
            meta: db.open_tree("meta")?,
            db,
        };
        outbox.carry_over()?;
        Ok(outbox)
    }

    /// Carries the notices of the first layout over (each under its volunteer, its place
    /// among the pending made again), then drops its trees, durably, before the outbox is
    /// used: a crash on the way leaves the first layout's notices where they were, and the
    /// next open carries them again (the same keys and values).
    fn carry_over(&self) -> Result<(), LedgerError> {
        let names = self.db.tree_names();
        if !names
            .iter()
            .any(|n| n.as_ref() == FIRST_LAYOUT[0].as_bytes())
        {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let old = self.db.open_tree(FIRST_LAYOUT[0])?;
        let mut carried = 0usize;
        let mut notices = sled::Batch::default();
        let mut due = sled::Batch::default();
        let mut in_batch = 0;
        for item in old.iter() {
            let (_, value) = item?;
            let e = self.read(&value)?;
            notices.insert(notice_key(&e.volunteer_id, &e.key), value);
            if e.status == DeliveryStatus::Pending {
                due.insert(due_key(&e), &[]);
            }
            carried += 1;
            in_batch += 1;
            if in_batch == OUTBOX_CARRY_BATCH {
                self.notices.apply_batch(std::mem::take(&mut notices))?;
                self.due.apply_batch(std::mem::take(&mut due))?;
                in_batch = 0;
            }
        }
        self.notices.apply_batch(notices)?;
        self.due.apply_batch(due)?;
        self.db.flush()?;
        drop(old);
        // The first tree last: while it stands, an open carries the notices again.
        for name in FIRST_LAYOUT.iter().rev() {
            self.db.drop_tree(name)?;
        }
        self.db.flush()?;
        tracing::info!(
            carried,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "the notices' outbox carried over to its layout by volunteer"
        );
        Ok(())
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
    /// this was recorded). Pruning reads every notice (they are kept by volunteer, not by time):
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
    /// One batch a tree, not a transaction over them: sled's transaction cost the notices a
    /// third of their time under a load of logged activities (BENCHMARKS.md, "Where a logged
    /// activity's CPU goes"). The notices go first, their places among the pending next and
    /// the cursor last, so a crash before the flush leaves the cursor where it was and the
    /// same events are read again; a notice found stored then has its place among the
    /// pending put again (the same key), so one that a crash left without it is still
    /// delivered.
    pub fn enqueue(
        &self,
        entries: &[OutboxEntry],
        cursor: Option<u64>,
    ) -> Result<usize, LedgerError> {
        let mut stored = sled::Batch::default();
        let mut due = sled::Batch::default();
        let mut added = 0;
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            if !seen.insert(e.key.as_str()) {
                continue;
            }
            let at = notice_key(&e.volunteer_id, &e.key);
            let standing = match self.notices.get(&at)? {
                Some(value) => self.read(&value)?,
                None => {
                    stored.insert(at, Self::encode(e)?);
                    added += 1;
                    e.clone()
                }
            };
            if standing.status == DeliveryStatus::Pending {
                due.insert(due_key(&standing), &[]);
            }
        }
        // Notices before their places among the pending: a due key never names a notice
        // that is not stored.
        self.notices.apply_batch(stored)?;
        self.due.apply_batch(due)?;
        if let Some(seq) = cursor {
            self.meta.insert(CURSOR, &seq.to_be_bytes())?;
        }
        self.db.flush()?;
        Ok(added)
    }

    /// Whether a notice with this key was ever stored for `volunteer`.
    pub fn contains(&self, volunteer: &VolunteerId, key: &str) -> Result<bool, LedgerError> {
        Ok(self.notices.contains_key(notice_key(volunteer, key))?)
    }

    /// One notice of `volunteer` by its key.
    pub fn get(
        &self,
        volunteer: &VolunteerId,
        key: &str,
    ) -> Result<Option<OutboxEntry>, LedgerError> {
        self.notices
            .get(notice_key(volunteer, key))?
            .map(|v| self.read(&v))
            .transpose()
    }

    /// Pending notices due at `now`, oldest due first, at most `limit`. A due key left
    /// behind for a notice that is gone or no longer pending at that time is dropped, never
    /// sent.
    pub fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, LedgerError> {
        let mut out = Vec::new();
        let mut stale = Vec::new();
        for item in self.due.range(..due_after(now)) {
            let (k, _) = item?;
            let found = match k.get(8..) {
                Some(at) => self.notices.get(at)?,
                None => None,
            };
            match found.map(|v| self.read(&v)).transpose()? {
                Some(e) if e.status == DeliveryStatus::Pending && due_key(&e) == k.as_ref() => {
                    out.push(e)
                }
                _ => stale.push(k),
            }
            if out.len() >= limit {
                break;
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
        assert_eq!(
            (&before.volunteer_id, &before.key),
            (&after.volunteer_id, &after.key),
            "an attempt's outcome is recorded on the notice attempted"
        );
        let value = Self::encode(after)?;
        let at = notice_key(&after.volunteer_id, &after.key);
        (&self.notices, &self.due)
            .transaction(|(stored, due)| {
                due.remove(due_key(before))?;
                stored.insert(at.as_slice(), value.as_slice())?;
                if after.status == DeliveryStatus::Pending {
                    due.insert(due_key(after), &[])?;
                }
                Ok(())
            })
            .map_err(|e: TransactionError<LedgerError>| storage(e))?;
        self.db.flush()?;
        Ok(())
    }

    /// A volunteer's notices stored from `from` up to (not including) `to`: the newest
    /// `limit` of them (a page of "latest notices" shows today's pickup code, not a month's
    /// oldest), listed oldest first. Reads all the volunteer's notices kept (about one an
    /// event of theirs, for the days the outbox keeps them).
    pub fn of_volunteer(
        &self,
        volunteer: VolunteerId,
        (from, to): (Timestamp, Timestamp),
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, LedgerError> {
        let mut found = Vec::new();
        for item in self.notices.scan_prefix(volunteer.0.as_bytes()) {
            let (_, v) = item?;
            let e = self.read(&v)?;
            if from <= e.created_at && e.created_at < to {
                found.push(e);
            }
        }
        found.sort_by(|a, b| (a.created_at, &a.key).cmp(&(b.created_at, &b.key)));
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
        Ok(found)
    }

    /// Removes the notices made before `before` that are settled (delivered, failed, kept
    /// for paper); a notice still waiting stays whatever its age. Without it the outbox
    /// grows by about a notice an event for as long as the service runs. Returns how many
    /// were removed.
    pub fn prune_before(&self, before: Timestamp) -> Result<usize, LedgerError> {
        let mut old = Vec::new();
        for item in self.notices.iter() {
            let (k, v) = item?;
            let e = self.read(&v)?;
            if e.created_at < before && e.status != DeliveryStatus::Pending {
                old.push(k);
            }
        }
        for k in &old {
            self.notices.remove(k)?;
        }
        self.meta
            .insert(PRUNED_AT, &Timestamp::now().0.to_be_bytes())?;
        self.db.flush()?;
        Ok(old.len())
    }

    /// Every notice, by volunteer, of one status when `status` names one (its word, see
    /// [`DeliveryStatus::as_str`]), at most `limit`; and how many stand where.
    pub fn list(
        &self,
        status: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, OutboxCounts), LedgerError> {
        let mut out = Vec::new();
        let mut counts = OutboxCounts::default();
        for item in self.notices.iter() {
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

    /// A crash between the notices and their places among the pending (or a store that
    /// holds a notice without its place for any reason): reading the same events again puts
    /// the place back, so the notice is delivered and listed once.
    #[test]
    fn a_notice_stored_without_its_due_key_gets_it_when_its_event_is_read_again() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let a = entry("3:points_credited:v", 3, 100);
        o.notices
            .insert(
                notice_key(&a.volunteer_id, &a.key),
                Outbox::encode(&a).expect("encode"),
            )
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

    /// Settled notices older than the bound go; one still waiting stays, and so do the
    /// newer.
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
        assert!(o.contains(&newer.volunteer_id, "4:a:v").expect("contains"));
        assert!(!o.contains(&newer.volunteer_id, "1:a:v").expect("contains"));
        assert_eq!(mine, vec![waiting, newer], "nothing pruned is listed");
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

    /// An outbox of the first layout (notices by key; pending ones by time and key; a
    /// volunteer's by id, time and key) is carried over when opened: every notice found by
    /// its volunteer and key, a pending one still due, the first layout's trees gone; a
    /// second open finds nothing to carry.
    #[test]
    fn an_outbox_of_the_first_layout_is_carried_over_when_opened() {
        let dir = tempfile::tempdir().expect("dir");
        let waiting = entry("1:a:v", 1, 100);
        let mut paper = entry("2:a:v", 1, 200);
        paper.status = DeliveryStatus::Paper;
        let mut other = entry("3:a:v", 2, 300);
        other.status = DeliveryStatus::Delivered { at: Timestamp(310) };
        {
            let db = sled::Config::new()
                .path(dir.path().join(OUTBOX_DIR))
                .cache_capacity(1 << 20)
                .open()
                .expect("sled");
            let entries = db.open_tree(FIRST_LAYOUT[0]).expect("tree");
            let due = db.open_tree(FIRST_LAYOUT[1]).expect("tree");
            let by_volunteer = db.open_tree(FIRST_LAYOUT[2]).expect("tree");
            for e in [&waiting, &paper, &other] {
                entries
                    .insert(e.key.as_bytes(), Outbox::encode(e).expect("encode"))
                    .expect("insert");
                let mut v = e.volunteer_id.0.as_bytes().to_vec();
                v.extend_from_slice(&e.created_at.0.to_be_bytes());
                v.extend_from_slice(e.key.as_bytes());
                by_volunteer.insert(v, &[]).expect("insert");
            }
            let mut d = waiting.next_at.0.to_be_bytes().to_vec();
            d.extend_from_slice(waiting.key.as_bytes());
            due.insert(d, &[]).expect("insert");
            db.open_tree("meta")
                .expect("meta")
                .insert(CURSOR, &3u64.to_be_bytes())
                .expect("cursor");
            db.flush().expect("flush");
        }
        for _ in 0..2 {
            let o = Outbox::open(dir.path()).expect("open");
            assert_eq!(o.cursor().expect("cursor"), Some(3));
            let names = o.db.tree_names();
            for old in FIRST_LAYOUT {
                assert!(
                    !names.iter().any(|n| n.as_ref() == old.as_bytes()),
                    "{old} left"
                );
            }
            let everyone = (Timestamp(0), Timestamp(1000));
            let one = o
                .of_volunteer(waiting.volunteer_id, everyone, 10)
                .expect("listed");
            assert_eq!(one, vec![waiting.clone(), paper.clone()]);
            let two = o
                .of_volunteer(other.volunteer_id, everyone, 10)
                .expect("listed");
            assert_eq!(two, vec![other.clone()]);
            assert_eq!(
                o.due(Timestamp(1000), 10).expect("due"),
                vec![waiting.clone()]
            );
            assert!(o
                .contains(&other.volunteer_id, &other.key)
                .expect("contains"));
            assert!(!o
                .contains(&waiting.volunteer_id, &other.key)
                .expect("contains"));
        }
    }

    /// A volunteer's notices are theirs alone, and the window and the limit are kept: the
    /// newest within it, oldest first.
    #[test]
    fn a_volunteers_notices_are_read_within_the_window_asked_for() {
        let dir = tempfile::tempdir().expect("dir");
        let o = Outbox::open(dir.path()).expect("open");
        let mine: Vec<_> = (1..=9)
            .map(|i| entry(&format!("{}:a:v", 10 - i), 5, i * 100))
            .collect();
        let theirs: Vec<_> = (1..=3)
            .map(|i| entry(&format!("{i}:a:v"), 6, i * 100))
            .collect();
        o.enqueue(&[mine.clone(), theirs].concat(), None)
            .expect("enqueue");
        let read = o
            .of_volunteer(mine[0].volunteer_id, (Timestamp(200), Timestamp(800)), 3)
            .expect("listed");
        assert_eq!(read, mine[4..7].to_vec());
    }
}
