//! Volunteers' personal fields in the folded state: how each is kept (fields of events
//! written before sealing, sealed blobs, erased), revealed with the key store, and the labels
//! shown for someone erased or whose key is lost.
//!
//! The fold stays a function of the log and the key store: with a key the sealed fields read
//! as written, without one (erased, or the key store lost) the person shows under a label
//! and every figure of theirs stays. The revealed name, year of birth and phone digits are
//! never part of a snapshot: a snapshot keeps the sealed blobs and is revealed again when it
//! is loaded.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yinling_ledger::personal::{MemoryKeys, PersonalFields, Sealed, SharedKeyring};

/// The key store a state reveals personal fields with. Two handles always compare equal:
/// the keys are not part of what the state says.
#[derive(Clone)]
pub struct KeyringHandle(pub SharedKeyring);

impl Default for KeyringHandle {
    /// Keys in memory, for a state folded without a data directory.
    fn default() -> Self {
        KeyringHandle(Arc::new(MemoryKeys::default()))
    }
}

impl PartialEq for KeyringHandle {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for KeyringHandle {}

impl std::fmt::Debug for KeyringHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyringHandle")
    }
}

/// A consent as the log records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// What for (one of a few purposes, shared: `shared_text`).
    pub purpose: crate::shared_text::SharedText,
    /// The notice version shown.
    pub notice_version: u32,
    /// When given.
    pub given_on: NaiveDate,
    /// Who collected it (a team's coordinator for everyone they registered, shared).
    pub collected_by: crate::shared_text::SharedText,
    /// When withdrawn, if it was.
    pub withdrawn_on: Option<NaiveDate>,
}

/// What the consent collected at registration is for: recording volunteer service points.
pub const POINTS_PURPOSE: &str = "志愿服务积分记录";

/// Consents whose withdrawal stops a volunteer's notices by text message (to them and to a
/// relative they named): the points record's, and one collected for the messages alone.
/// Notices stay on their page and their printed statement, which are the record itself.
pub const NOTICE_PURPOSES: [&str; 2] = [POINTS_PURPOSE, "短信通知"];

/// How a volunteer's personal fields are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalRecord {
    /// Fields from events written before personal data was sealed (in plain text in the log
    /// itself until it is migrated). Boxed, as `contacts`: few volunteers have them, and the
    /// record is held for each of a province's million (a snapshot encodes a box as its value).
    pub plain: Option<Box<PersonalFields>>,
    /// The sealed blobs, oldest first (a thin vector, one pointer: so that a volunteer fits
    /// the allocator's 448-byte block, asserted in `volunteers`).
    pub sealed: thin_vec::ThinVec<Sealed>,
    /// Whether the person was erased.
    pub erased: bool,
    /// Consents, oldest first (a thin vector, as `sealed`).
    pub consents: thin_vec::ThinVec<Consent>,
    /// Where their notices go, sealed (the latest `NoticeContactsSet`); opened only when a
    /// notice is delivered.
    #[serde(default)]
    pub contacts: Option<Box<Sealed>>,
}

impl PersonalRecord {
    /// Whether consent for `purpose` was given and every such consent withdrawn since
    /// (consent given again after a withdrawal counts again). Nobody recorded without a
    /// consent for it (registered before consents were recorded, imported) has withdrawn.
    pub fn withdrew(&self, purpose: &str) -> bool {
        let mut given = false;
        for c in self.consents.iter().filter(|c| c.purpose == purpose) {
            if c.withdrawn_on.is_none() {
                return false;
            }
            given = true;
        }
        given
    }
}

/// The label of an erased volunteer.
pub fn erased_label(number: u32) -> String {
    format!("已注销志愿者 #{number}")
}

/// The label of a volunteer whose key is missing without an erasure (the key store was lost
/// or damaged): their points stand, their name cannot be read.
pub fn unreadable_label(number: u32) -> String {
    format!("姓名无法读取 #{number}")
}

/// Whether a name is one of the labels above rather than a person's name.
pub fn is_label(name: &str) -> bool {
    name.starts_with("已注销志愿者 #") || name.starts_with("姓名无法读取 #")
}

/// Later fields over earlier ones.
pub(crate) fn merge(into: &mut PersonalFields, later: PersonalFields) {
    if later.name.is_some() {
        into.name = later.name;
    }
    if later.birth_year.is_some() {
        into.birth_year = later.birth_year;
    }
    if later.phone_last_four.is_some() {
        into.phone_last_four = later.phone_last_four;
    }
    if later.note.is_some() {
        into.note = later.note;
    }
}

/// A name as shown to someone outside the person's scope: the first and last characters
/// kept, the rest starred (王建法 → 王*法, 王法 → 王*, 欧阳淑珍 → 欧**珍); a label (erased,
/// unreadable) stays as it is.
pub fn masked(name: &str) -> String {
    if is_label(name) {
        return name.to_owned();
    }
    let chars: Vec<char> = name.chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => "*".into(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => {
            format!("{first}{}{last}", "*".repeat(middle.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Withdrawn means given and every time withdrawn since; given again, it counts again;
    /// never given, nothing was withdrawn.
    #[test]
    fn a_consent_is_withdrawn_only_when_every_one_given_was() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 14).expect("a date");
        let consent = |withdrawn| Consent {
            purpose: POINTS_PURPOSE.into(),
            notice_version: 1,
            given_on: day,
            collected_by: "协调员".into(),
            withdrawn_on: withdrawn,
        };
        let mut record = PersonalRecord::default();
        assert!(!record.withdrew(POINTS_PURPOSE), "never given");
        record.consents.push(consent(Some(day)));
        assert!(record.withdrew(POINTS_PURPOSE));
        assert!(!record.withdrew("短信通知"), "another purpose");
        record.consents.push(consent(None));
        assert!(!record.withdrew(POINTS_PURPOSE), "given again");
    }
}
