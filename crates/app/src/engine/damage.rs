//! Damage found in the log while the node serves, by whichever check found it.
//!
//! Two checks read the whole chain while the node serves: the walk after a start that
//! checked only its tail (`chain_walk`), and an auditor's `GET /v1/audit/verify` (or the web
//! app's audit page). Either one finding an event that does not read or link means the log
//! can no longer be trusted to extend: a start that walked the chain first would have
//! refused to start. So from the first finding on, every change is refused (reads go on),
//! whoever found it, until the log is restored from a backup and the node started again.

use std::sync::Mutex;

/// Which check found the damage: named in the refusal so an operator knows where to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoundBy {
    /// The walk of the whole chain after a tail start (`serve --verify-tail`).
    ChainWalk,
    /// An auditor's walk of the whole chain (`GET /v1/audit/verify`, the audit page).
    Audit,
}

impl FoundBy {
    fn words(self) -> &'static str {
        match self {
            FoundBy::ChainWalk => "the check of the whole chain after this start",
            FoundBy::Audit => "an audit's check of the whole chain",
        }
    }
}

/// The first damaged event a check found, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundDamage {
    /// The first damaged event.
    pub seq: u64,
    /// What is wrong with it.
    pub detail: String,
    /// Which check found it.
    pub by: FoundBy,
}

/// The damage found so far, shared by the checks and every writer that asks.
#[derive(Debug, Default)]
pub(super) struct Damage(Mutex<Option<FoundDamage>>);

impl Damage {
    /// Records damage found at `seq`. The earliest event found damaged is kept: both checks
    /// stop at the first bad event they meet, so a lower one is the better pointer.
    pub(super) fn found(&self, seq: u64, detail: &str, by: FoundBy) {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if held.as_ref().is_some_and(|d| d.seq <= seq) {
            return;
        }
        tracing::error!(
            seq,
            %detail,
            by = by.words(),
            "the log is damaged; every change is refused until it is restored"
        );
        *held = Some(FoundDamage {
            seq,
            detail: detail.to_owned(),
            by,
        });
    }

    /// The damage found, if any.
    pub(super) fn get(&self) -> Option<FoundDamage> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Why every change is refused, once damage was found: a sentence for the caller.
    pub(super) fn refusal(&self) -> Option<String> {
        let d = self.get()?;
        Some(format!(
            "the log is damaged at event {} ({}), found by {}; nothing was saved, and the \
             ledger takes no changes until it is restored from a backup (docs/OPERATIONS.md, \
             \"Restore\")",
            d.seq,
            d.detail,
            d.by.words()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing found, nothing refused; once found, refused with the event named; a later
    /// finding further on does not move the pointer, an earlier one does.
    #[test]
    fn the_earliest_damage_found_is_kept_and_named() {
        let damage = Damage::default();
        assert_eq!(damage.refusal(), None);
        damage.found(9, "its hash does not match", FoundBy::Audit);
        damage.found(12, "it does not decode", FoundBy::ChainWalk);
        assert_eq!(
            damage.get().map(|d| (d.seq, d.by)),
            Some((9, FoundBy::Audit))
        );
        damage.found(4, "it does not link", FoundBy::ChainWalk);
        let why = damage.refusal().unwrap_or_default();
        assert!(
            why.contains("damaged at event 4 (it does not link)"),
            "{why}"
        );
        assert!(why.contains("after this start"), "{why}");
    }
}
