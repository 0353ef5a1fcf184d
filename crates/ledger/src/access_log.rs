//! Who looked at whose record: staff reads of a person's account or statement, kept in a
//! store of their own beside the log (never in the points chain, whose events are forever),
//! pruned after the retention period the operator sets, readable by auditors.

use std::path::Path;

use bincode::Options;
use serde::{Deserialize, Serialize};

use crate::error::LedgerError;
use crate::ids::{TokenId, VolunteerId};
use crate::limits::{ACCESS_LOG_FLUSH_MILLIS, MAX_ACCESS_ENTRY_BYTES};
use crate::time::Timestamp;
use crate::Role;

/// The directory of the access log inside a data directory.
pub const ACCESS_LOG_DIR: &str = "access-log";

/// One look at one person's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// When.
    pub at: Timestamp,
    /// The token that looked.
    pub token_id: Option<TokenId>,
    /// Its role.
    pub role: Role,
    /// Whose record.
    pub volunteer_id: VolunteerId,
    /// From where: the route or page, e.g. `GET /v1/volunteers/{id}/statement`.
    pub from: String,
}

/// The access log: entries keyed by time, then a counter, so a period is one range scan.
pub struct AccessLog {
    db: sled::Db,
}

fn codec() -> impl Options + Copy {
    bincode::DefaultOptions::new()
        .with_varint_encoding()
        .with_little_endian()
        .with_limit(MAX_ACCESS_ENTRY_BYTES)
}

impl AccessLog {
    /// Opens (or creates) the access log in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<AccessLog, LedgerError> {
        let db = crate::store::open_sled(
            &sled::Config::new()
                .path(data_dir.join(ACCESS_LOG_DIR))
                .cache_capacity(crate::limits::SIDE_STORE_CACHE_BYTES)
                .flush_every_ms(Some(ACCESS_LOG_FLUSH_MILLIS)),
        )?;
        Ok(AccessLog { db })
    }

    /// Records one entry.
    pub fn record(&self, e: &AccessEntry) -> Result<(), LedgerError> {
        let mut key = e.at.0.to_be_bytes().to_vec();
        key.extend_from_slice(&self.db.generate_id()?.to_be_bytes());
        let value = codec()
            .serialize(e)
            .map_err(|err| LedgerError::Storage(err.to_string()))?;
        self.db.insert(key, value)?;
        Ok(())
    }

    /// Entries recorded from `from` up to (not including) `to`, oldest first, of one person
    /// when `volunteer` is named, at most `limit`.
    pub fn entries(
        &self,
        from: Timestamp,
        to: Timestamp,
        volunteer: Option<VolunteerId>,
        limit: usize,
    ) -> Result<Vec<AccessEntry>, LedgerError> {
        let mut out = Vec::new();
        for item in self
            .db
            .range(from.0.to_be_bytes().to_vec()..to.0.to_be_bytes().to_vec())
        {
            let (_, value) = item?;
            let e: AccessEntry = codec()
                .deserialize(&value)
                .map_err(|err| LedgerError::Storage(err.to_string()))?;
            if volunteer.is_none_or(|v| v == e.volunteer_id) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The newest entries recorded from `from` up to (not including) `to`, newest first, at
    /// most `limit`.
    pub fn latest(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<Vec<AccessEntry>, LedgerError> {
        let mut out = Vec::new();
        for item in self
            .db
            .range(from.0.to_be_bytes().to_vec()..to.0.to_be_bytes().to_vec())
            .rev()
            .take(limit)
        {
            let (_, value) = item?;
            out.push(
                codec()
                    .deserialize(&value)
                    .map_err(|err| LedgerError::Storage(err.to_string()))?,
            );
        }
        Ok(out)
    }

    /// Removes every entry recorded before `before`; returns how many.
    pub fn prune_before(&self, before: Timestamp) -> Result<usize, LedgerError> {
        let mut removed = 0;
        let old: Vec<sled::IVec> = self
            .db
            .range(..before.0.to_be_bytes().to_vec())
            .keys()
            .collect::<Result<_, _>>()?;
        for key in old {
            self.db.remove(key)?;
            removed += 1;
        }
        self.db.flush()?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: i64, v: u128, from: &str) -> AccessEntry {
        AccessEntry {
            at: Timestamp(at),
            token_id: None,
            role: Role::Admin,
            volunteer_id: VolunteerId(uuid::Uuid::from_u128(v)),
            from: from.into(),
        }
    }

    #[test]
    fn entries_come_back_by_time_and_person_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = AccessLog::open(dir.path()).expect("open");
        for (at, v) in [(300, 1), (100, 1), (200, 2), (400, 2)] {
            log.record(&entry(at, v, "GET /v1/volunteers/{id}"))
                .expect("record");
        }
        let all = log
            .entries(Timestamp(0), Timestamp(1_000), None, 10)
            .expect("read");
        let times: Vec<i64> = all.iter().map(|e| e.at.0).collect();
        assert_eq!(times, [100, 200, 300, 400]);
        let one = log
            .entries(
                Timestamp(0),
                Timestamp(1_000),
                Some(VolunteerId(uuid::Uuid::from_u128(2))),
                10,
            )
            .expect("read");
        assert_eq!(one.len(), 2);
        let newest = log.latest(Timestamp(0), Timestamp(1_000), 2).expect("read");
        assert_eq!(
            newest.iter().map(|e| e.at.0).collect::<Vec<_>>(),
            [400, 300]
        );
        assert_eq!(log.prune_before(Timestamp(250)).expect("prune"), 2);
        drop(log);
        // Kept across a reopen (sled's background flusher may hold the lock for a moment
        // after the store is closed).
        let reopened = (0..100).find_map(|_| {
            AccessLog::open(dir.path()).ok().or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            })
        });
        let log = reopened.expect("reopen");
        let left = log
            .entries(Timestamp(0), Timestamp(1_000), None, 10)
            .expect("read");
        assert_eq!(left.iter().map(|e| e.at.0).collect::<Vec<_>>(), [300, 400]);
    }
}
