//! Where a notice of the outbox stands, and how many stand where, kept as they change: the
//! operators' page of the outbox shows the counts, and counting a province's year of notices
//! would read tens of millions of them. The counts live in the outbox's tree of notices under
//! a key no notice has ([`COUNTS`], shorter than a volunteer's id), so that they change in
//! the same sled batch or transaction as the notices they count.

use serde::{Deserialize, Serialize};

use crate::error::LedgerError;
use crate::time::Timestamp;

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

/// The key of the counts in the tree of notices. A notice's key begins with its volunteer's
/// 16-byte id and has its own key after it, so no notice's key is this short.
pub(crate) const COUNTS: &[u8] = b"counts";

/// Whether a key of the tree of notices is a notice's (not the counts').
pub(crate) fn is_notice_key(key: &[u8]) -> bool {
    key.len() > std::mem::size_of::<uuid::Bytes>()
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

impl OutboxCounts {
    /// The count of a status's word (`None`: every notice); `None` for a word that names no
    /// status.
    pub fn of_word(&self, word: Option<&str>) -> Option<u64> {
        Some(match word {
            None => self.pending + self.delivered + self.failed + self.paper,
            Some("pending") => self.pending,
            Some("delivered") => self.delivered,
            Some("failed") => self.failed,
            Some("paper") => self.paper,
            Some(_) => return None,
        })
    }

    fn slot(&mut self, status: &DeliveryStatus) -> &mut u64 {
        match status {
            DeliveryStatus::Pending => &mut self.pending,
            DeliveryStatus::Delivered { .. } => &mut self.delivered,
            DeliveryStatus::Failed { .. } => &mut self.failed,
            DeliveryStatus::Paper => &mut self.paper,
        }
    }

    /// One more notice of `status`.
    pub(crate) fn add(&mut self, status: &DeliveryStatus) {
        *self.slot(status) += 1;
    }

    /// One notice of `status` fewer. A count never goes below zero: one that would is a
    /// count that missed a notice (a notice stored by hand, a store damaged), logged and
    /// left at zero; the notices themselves are not concerned, and delivering them goes on.
    pub(crate) fn remove(&mut self, status: &DeliveryStatus) {
        let slot = self.slot(status);
        match slot.checked_sub(1) {
            Some(n) => *slot = n,
            None => tracing::warn!(
                status = status.as_str(),
                "the outbox's count of a status is below the notices it holds; left at zero"
            ),
        }
    }

    /// As stored: four big-endian counts.
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let mut out = [0; 32];
        for (i, n) in [self.pending, self.delivered, self.failed, self.paper]
            .into_iter()
            .enumerate()
        {
            out[i * 8..(i + 1) * 8].copy_from_slice(&n.to_be_bytes());
        }
        out
    }

    /// As [`OutboxCounts::to_bytes`] stored them.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<OutboxCounts, LedgerError> {
        let n = |i: usize| -> Result<u64, LedgerError> {
            bytes
                .get(i * 8..(i + 1) * 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| LedgerError::Storage("a damaged count of the outbox".into()))
        };
        if bytes.len() != 32 {
            return Err(LedgerError::Storage("a damaged count of the outbox".into()));
        }
        Ok(OutboxCounts {
            pending: n(0)?,
            delivered: n(1)?,
            failed: n(2)?,
            paper: n(3)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_back_as_stored_and_a_short_value_is_damage() {
        let c = OutboxCounts {
            pending: 1,
            delivered: 2,
            failed: 3,
            paper: u64::MAX,
        };
        assert_eq!(OutboxCounts::from_bytes(&c.to_bytes()).expect("read"), c);
        assert!(OutboxCounts::from_bytes(&c.to_bytes()[..31]).is_err());
    }

    #[test]
    fn a_count_does_not_go_below_zero() {
        let mut c = OutboxCounts::default();
        c.add(&DeliveryStatus::Paper);
        c.remove(&DeliveryStatus::Paper);
        c.remove(&DeliveryStatus::Paper);
        assert_eq!(c.paper, 0);
        assert_eq!(c.of_word(None), Some(0));
        assert_eq!(c.of_word(Some("sent")), None);
    }
}
