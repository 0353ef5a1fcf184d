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
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use crate::error::LedgerError;
use crate::ids::VolunteerId;
use crate::limits::{
    MAX_OUTBOX_ENTRY_BYTES, OUTBOX_CARRY_BATCH, OUTBOX_FLUSH_MILLIS, OUTBOX_UNMARKED_MARGIN,
};
use crate::outbox_status::{is_notice_key, COUNTS};
use crate::time::Timestamp;

pub use crate::outbox_status::{DeliveryStatus, OutboxCounts};

/// The directory of the outbox inside a data directory.
pub const OUTBOX_DIR: &str = "outbox";

const CURSOR: &[u8] = b"cursor";

/// The highest event seq any stored notice may have, kept in the tree of notices (so in the
/// same batch as the notices it covers): a notice of a later event, keyed by that event's
/// seq, cannot be stored yet, and is stored without reading its key first.
const STORED_TO: &[u8] = b"stored-to";

/// When the outbox was last pruned, so that a restart does not prune it again.
const PRUNED_AT: &[u8] = b"pruned-at";

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

/// The outbox: notices by their volunteer and key, an index of pending ones by when they are
/// due, and the seq of the last event turned into notices.
///
/// A notice is one key (two while it waits to be sent): its volunteer's id and its own key,
/// so that a volunteer's notices are one range of the tree. The first layout kept every
/// notice by key with a second key in a volunteer's index, and that index's inserts, each at
/// a random place in its tree, cost more than the entries themselves (BENCHMARKS.md, "The
/// notices' outbox at a city's year", "The notices' outbox by volunteer"); an outbox of that
/// layout is carried over when opened ([`Outbox::open`]).
///
/// Beside them: the counts of each status, kept in the tree of notices as they change
/// ([`crate::outbox_status`]), and an index of the failed ones, so that the operators' list
/// of what failed, and the counts, read what they show and not every notice.
pub struct Outbox {
    db: sled::Db,
    notices: sled::Tree,
    due: sled::Tree,
    failed: sled::Tree,
    meta: sled::Tree,
    /// Held while the counts are read, changed and written (the runner's stores and a
    /// pruning on another thread would otherwise lose one another's changes).
    tally: std::sync::Mutex<()>,
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

/// The eight bytes stored under `key` in `tree` (a seq or a time, big-endian), `None` when
/// nothing is; anything of another length is the damaged `what`.
fn eight_bytes(tree: &sled::Tree, key: &[u8], what: &str) -> Result<Option<[u8; 8]>, LedgerError> {
    tree.get(key)?
        .map(|v| {
            v.as_ref()
                .try_into()
                .map_err(|_| storage(format!("a damaged {what}")))
        })
        .transpose()
}

/// The counts as stored (`None`: none kept yet, so none counted).
fn counts_in(value: Option<&[u8]>) -> Result<OutboxCounts, LedgerError> {
    value.map_or(Ok(OutboxCounts::default()), OutboxCounts::from_bytes)
}

/// Where a notice is kept: its volunteer's id, then its key.
fn notice_key(volunteer: &VolunteerId, key: &str) -> Vec<u8> {
    let mut k = volunteer.0.as_bytes().to_vec();
    k.extend_from_slice(key.as_bytes());
    k
}

/// Whether a notice's key begins with its event's seq (`{seq}:…`), so that no notice of
/// another event has it.
fn names_its_event(e: &OutboxEntry) -> bool {
    e.seq > 0
        && e.key
            .split_once(':')
            .is_some_and(|(seq, _)| seq.parse::<u64>().is_ok_and(|s| s == e.seq))
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
    /// over to this one first (once, logged: 7.8 s for 418,384 notices from a cold page
    /// cache; BENCHMARKS.md, "The outbox's counts kept").
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
            failed: db.open_tree("failed-notices")?,
            meta: db.open_tree("meta")?,
            db,
            tally: std::sync::Mutex::new(()),
        };
        outbox.carry_over()?;
        outbox.count_once()?;
        outbox.mark_stored_to_once()?;
        Ok(outbox)
    }

    /// Counts the notices, and makes the index of the failed ones, when the counts are not
    /// kept yet (an outbox carried over, or one stored before they were): once, then they
    /// change with the notices.
    fn count_once(&self) -> Result<(), LedgerError> {
        if self.notices.contains_key(COUNTS)? {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut counts = OutboxCounts::default();
        let mut failed = sled::Batch::default();
        for item in self.notices.iter() {
            let (k, v) = item?;
            if !is_notice_key(&k) {
                continue;
            }
            let e = self.read(&v)?;
            counts.add(&e.status);
            if matches!(e.status, DeliveryStatus::Failed { .. }) {
                failed.insert(k, &[]);
            }
        }
        self.failed.apply_batch(failed)?;
        self.notices.insert(COUNTS, &counts.to_bytes())?;
        self.db.flush()?;
        if counts.of_word(None).is_some_and(|n| n > 0) {
            tracing::info!(
                notices = counts.of_word(None),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "the notices' outbox counted, once"
            );
        }
        Ok(())
    }

    /// Keeps the highest seq stored when the outbox does not yet (a new outbox, or one
    /// stored before it did): none for an outbox without notices; for one with notices, its
    /// cursor and [`OUTBOX_UNMARKED_MARGIN`] more, past anything a pass of the service that
    /// wrote it stored before it moved the cursor.
    fn mark_stored_to_once(&self) -> Result<(), LedgerError> {
        if self.notices.contains_key(STORED_TO)? {
            return Ok(());
        }
        let mut any = false;
        for key in self.notices.iter().keys() {
            if is_notice_key(&key?) {
                any = true;
                break;
            }
        }
        let to = if any {
            self.cursor()?
                .unwrap_or(0)
                .saturating_add(OUTBOX_UNMARKED_MARGIN)
        } else {
            0
        };
        self.notices.insert(STORED_TO, &to.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// The highest event seq any stored notice may have.
    fn stored_to(&self) -> Result<u64, LedgerError> {
        Ok(
            eight_bytes(&self.notices, STORED_TO, "outbox mark of the seq stored")?
                .map_or(u64::MAX, u64::from_be_bytes),
        )
    }

    /// The counts as kept.
    fn counts(&self) -> Result<OutboxCounts, LedgerError> {
        counts_in(self.notices.get(COUNTS)?.as_deref())
    }

    /// The lock over the counts (a thread that panicked holding it changed nothing stored).
    fn tally(&self) -> std::sync::MutexGuard<'_, ()> {
        self.tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Carries the notices of the first layout over (each under its volunteer, its place
    /// among the pending or the failed made again, counted as they go), then drops its
    /// trees, durably, before the outbox is
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
        // Notices there before (the first layout's carried again after a crash, or written
        // by this layout before an older build ran): counted again after, not as carried.
        let alone = self.notices.is_empty();
        let old = self.db.open_tree(FIRST_LAYOUT[0])?;
        let mut carried = 0usize;
        let mut counts = OutboxCounts::default();
        let mut notices = sled::Batch::default();
        let mut due = sled::Batch::default();
        let mut failed = sled::Batch::default();
        let mut in_batch = 0;
        for item in old.iter() {
            let (_, value) = item?;
            let e = self.read(&value)?;
            let at = notice_key(&e.volunteer_id, &e.key);
            match e.status {
                DeliveryStatus::Pending => due.insert(due_key(&e), &[]),
                DeliveryStatus::Failed { .. } => failed.insert(at.as_slice(), &[]),
                _ => {}
            }
            notices.insert(at, value);
            counts.add(&e.status);
            carried += 1;
            in_batch += 1;
            if in_batch == OUTBOX_CARRY_BATCH {
                self.notices.apply_batch(std::mem::take(&mut notices))?;
                self.due.apply_batch(std::mem::take(&mut due))?;
                self.failed.apply_batch(std::mem::take(&mut failed))?;
                in_batch = 0;
            }
        }
        self.notices.apply_batch(notices)?;
        self.due.apply_batch(due)?;
        self.failed.apply_batch(failed)?;
        if alone {
            self.notices.insert(COUNTS, &counts.to_bytes())?;
        } else {
            self.notices.remove(COUNTS)?;
        }
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
        Ok(eight_bytes(&self.meta, CURSOR, "outbox cursor")?.map(u64::from_be_bytes))
    }

    /// When [`Outbox::prune_before`] last finished (`None`: never, or an outbox from before
    /// this was recorded). Pruning reads every notice (they are kept by volunteer, not by time):
    /// 4.8 s for a city's 1.8 million from a cold page cache, minutes at a province's year
    /// (BENCHMARKS.md, "The notices' outbox at a city's year"), so the service prunes when
    /// this is a day old, not again at every start.
    pub fn pruned_at(&self) -> Result<Option<Timestamp>, LedgerError> {
        Ok(eight_bytes(&self.meta, PRUNED_AT, "outbox prune time")?
            .map(|b| Timestamp(i64::from_be_bytes(b))))
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
    ///
    /// A notice is looked for before it is stored only when it could be there: the tree of
    /// notices keeps, in the batch of the notices, the highest seq stored, and a notice
    /// keyed by a later event's seq is new (reading every key first was a third of the
    /// notices' store under a load of logged activities; BENCHMARKS.md, "A notice of a new
    /// event stored without a read").
    pub fn enqueue(
        &self,
        entries: &[OutboxEntry],
        cursor: Option<u64>,
    ) -> Result<usize, LedgerError> {
        let _tally = self.tally();
        let mut counts = self.counts()?;
        let stored_to = self.stored_to()?;
        let mut highest = stored_to;
        let mut stored = sled::Batch::default();
        let mut due = sled::Batch::default();
        let mut failed = sled::Batch::default();
        let mut added = 0;
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            if !seen.insert(e.key.as_str()) {
                continue;
            }
            let at = notice_key(&e.volunteer_id, &e.key);
            // A notice keyed by an event past every one stored is new: not read first.
            let unseen = e.seq > stored_to && names_its_event(e);
            highest = highest.max(e.seq);
            let standing = match if unseen { None } else { self.notices.get(&at)? } {
                Some(value) => self.read(&value)?,
                None => {
                    if matches!(e.status, DeliveryStatus::Failed { .. }) {
                        failed.insert(at.as_slice(), &[]);
                    }
                    stored.insert(at, Self::encode(e)?);
                    counts.add(&e.status);
                    added += 1;
                    e.clone()
                }
            };
            if standing.status == DeliveryStatus::Pending {
                due.insert(due_key(&standing), &[]);
            }
        }
        // Notices (with their counts) before their places among the pending: a due key
        // never names a notice that is not stored.
        if added > 0 {
            stored.insert(COUNTS, &counts.to_bytes());
        }
        if highest > stored_to {
            stored.insert(STORED_TO, &highest.to_be_bytes());
        }
        self.notices.apply_batch(stored)?;
        self.due.apply_batch(due)?;
        self.failed.apply_batch(failed)?;
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
        let (out, stale) = self.pending_in(self.due.range(..due_after(now)), limit)?;
        for k in stale {
            self.due.remove(k)?;
        }
        Ok(out)
    }

    /// The pending notices a range of due keys names, at most `limit`, and the keys in it
    /// left behind (for a notice gone, settled, or due at another time, which a key of its
    /// own names).
    #[allow(clippy::type_complexity)]
    fn pending_in(
        &self,
        range: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, Vec<sled::IVec>), LedgerError> {
        let mut out = Vec::new();
        let mut stale = Vec::new();
        for item in range {
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
        Ok((out, stale))
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
        let _tally = self.tally();
        (&self.notices, &self.due, &self.failed)
            .transaction(|(stored, due, failed)| {
                let was = match stored.get(at.as_slice())? {
                    Some(v) => Some(self.read(&v).map_err(ConflictableTransactionError::Abort)?),
                    None => None,
                };
                let mut counts = counts_in(stored.get(COUNTS)?.as_deref())
                    .map_err(ConflictableTransactionError::Abort)?;
                if let Some(was) = &was {
                    counts.remove(&was.status);
                }
                counts.add(&after.status);
                due.remove(due_key(before))?;
                stored.insert(at.as_slice(), value.as_slice())?;
                stored.insert(COUNTS, &counts.to_bytes())?;
                if matches!(after.status, DeliveryStatus::Failed { .. }) {
                    failed.insert(at.as_slice(), &[])?;
                } else {
                    failed.remove(at.as_slice())?;
                }
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
            if !is_notice_key(&k) {
                continue;
            }
            let e = self.read(&v)?;
            // A settled notice never changes again, so it is removed as it was read here.
            if e.created_at < before && e.status != DeliveryStatus::Pending {
                old.push((k, e.status));
            }
        }
        for chunk in old.chunks(OUTBOX_CARRY_BATCH) {
            let _tally = self.tally();
            let mut counts = self.counts()?;
            let mut gone = sled::Batch::default();
            let mut failed = sled::Batch::default();
            for (k, status) in chunk {
                counts.remove(status);
                gone.remove(k);
                failed.remove(k);
            }
            gone.insert(COUNTS, &counts.to_bytes());
            self.notices.apply_batch(gone)?;
            self.failed.apply_batch(failed)?;
        }
        self.meta
            .insert(PRUNED_AT, &Timestamp::now().0.to_be_bytes())?;
        self.db.flush()?;
        Ok(old.len())
    }

    /// Notices of one status when `status` names one (its word, see
    /// [`DeliveryStatus::as_str`]), else of any, at most `limit`; and how many stand where.
    /// Pending ones are listed by when they are due and failed ones by volunteer, each from
    /// an index of their own; the others by volunteer, read until `limit` are found or the
    /// count says there are no more.
    pub fn list(
        &self,
        status: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, OutboxCounts), LedgerError> {
        let counts = self.counts()?;
        let wanted = counts.of_word(status).unwrap_or(0);
        let goal = usize::try_from(wanted).unwrap_or(usize::MAX).min(limit);
        let mut out = Vec::new();
        if goal == 0 {
            return Ok((out, counts));
        }
        match status {
            // Read only: a key left behind is dropped by the next delivery pass.
            Some("pending") => return Ok((self.pending_in(self.due.iter(), goal)?.0, counts)),
            Some("failed") => {
                for item in self.failed.iter() {
                    let (k, _) = item?;
                    if let Some(v) = self.notices.get(k)? {
                        let e = self.read(&v)?;
                        if matches!(e.status, DeliveryStatus::Failed { .. }) {
                            out.push(e);
                        }
                    }
                    if out.len() >= goal {
                        break;
                    }
                }
                return Ok((out, counts));
            }
            _ => {}
        }
        for item in self.notices.iter() {
            let (k, v) = item?;
            if !is_notice_key(&k) {
                continue;
            }
            let e = self.read(&v)?;
            if status.is_none_or(|s| s == e.status.as_str()) {
                out.push(e);
                if out.len() >= goal {
                    break;
                }
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
mod tests;
