//! Personal data under the Personal Information Protection Law: personal fields sealed per
//! person, erasure, consent and the privacy notice it refers to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::VolunteerId;
use crate::personal::Sealed;

/// Some of a volunteer's personal fields (name, year of birth, phone digits, a note about
/// them), recorded or changed, sealed under their own data key. Follows
/// `VolunteerRegistered` in the same commit when a volunteer joins; a correction or new
/// phone digits is another one. Without the key it reads as nothing; with it destroyed,
/// as nothing for ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDataSealed {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The fields, sealed.
    pub sealed: Sealed,
}

/// A volunteer's personal data was erased at their request: their key is destroyed, so
/// every sealed field of theirs is unreadable in every copy of the log; their hours, points,
/// redemptions and team figures stay as they were, shown under "已注销志愿者 #N".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerErased {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// Who asked, as a role (本人, 监护人, 法定代理人), never a name.
    pub requested_by: String,
    /// The day of the request.
    #[serde(with = "super::dates")]
    pub requested_on: NaiveDate,
    /// The legal basis, e.g. 《个人信息保护法》第四十七条.
    pub legal_basis: String,
}

/// A volunteer consented to the processing of their personal data for a purpose, under a
/// version of the privacy notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecorded {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// What for, e.g. 志愿服务积分记录.
    pub purpose: String,
    /// The version of the privacy notice shown to them.
    pub notice_version: u32,
    /// The day.
    #[serde(with = "super::dates")]
    pub given_on: NaiveDate,
    /// Who collected it, as a role or desk (e.g. 荻溪六老调解队协调员).
    pub collected_by: String,
}

/// A volunteer withdrew a consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentWithdrawn {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// Which purpose.
    pub purpose: String,
    /// The day.
    #[serde(with = "super::dates")]
    pub withdrawn_on: NaiveDate,
}

/// A version of the privacy notice was published: the text volunteers are shown when their
/// consent is asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyNoticePublished {
    /// Its version, one more than the last.
    pub version: u32,
    /// The text in Chinese.
    pub text_zh: String,
    /// The text in English.
    pub text_en: String,
    /// From when it applies.
    #[serde(with = "super::dates")]
    pub published_on: NaiveDate,
}

/// Where a volunteer's notices go (their own mobile number, a relative who receives them as
/// well), set or changed by the volunteer or their coordinator; sealed under the volunteer's
/// own key like every personal field, so an erasure takes it with the rest. Each one
/// replaces the one before; an empty set means paper only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeContactsSet {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The [`crate::personal::NoticeContacts`], sealed.
    pub sealed: Sealed,
}
