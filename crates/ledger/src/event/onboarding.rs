//! Onboarding a city from its spreadsheets: where each imported record came from, and the
//! balances carried over from another platform (kept apart from service logged here).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::kinds::{Category, DistrictKind};
use crate::digest::Hash;
use crate::ids::{TeamId, VolunteerId};

/// What an imported row became.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedRecord {
    /// A district or county, by name.
    District(String),
    /// A team.
    Team(TeamId),
    /// A volunteer.
    Volunteer(VolunteerId),
    /// A volunteer's opening balance.
    OpeningBalance(VolunteerId),
}

/// A record was imported from a row of a file: follows the events that made it, in the
/// same commit, so every imported record remembers its source row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordImported {
    /// What the row became.
    pub record: ImportedRecord,
    /// The file's name as the operator gave it.
    pub file_name: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: Hash,
    /// The sheet (a CSV file has one, named after its kind).
    pub sheet: String,
    /// The row, counted as Excel counts it (the header is row 1).
    pub row: u32,
    /// The day the volunteer joined, as the source says (volunteers only).
    #[serde(with = "super::dates::option")]
    pub joined_on: Option<NaiveDate>,
}

/// Hours, points and stars a volunteer brought from another platform, as of a day. Kept
/// apart from what is served here: the points can be spent, the hours and stars are shown
/// as carried over, nothing of it counts as service in this ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningBalanceRecorded {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// Hours served there.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// Points held there.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// Star level there.
    pub star_level: u8,
    /// The day the figures are as of.
    #[serde(with = "super::dates")]
    pub as_of: NaiveDate,
    /// The platform they come from (e.g. 志愿汇).
    pub source_system: String,
}

/// A volunteer's name or year of birth was corrected (a typo in a roster, a name written
/// another way); the person, their points and their history stay the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerCorrected {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The name from now on.
    pub name: String,
    /// The year of birth from now on.
    pub birth_year: Option<u16>,
    /// Why, e.g. 名册导入更正.
    pub note: String,
}

/// A team's name or main category was corrected (a roster edited in Excel, a team that
/// renamed itself); the team, its members and its figures stay the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamCorrected {
    /// Which team.
    pub team_id: TeamId,
    /// The name from now on.
    pub name: String,
    /// The main category from now on.
    pub category: Category,
    /// Why, e.g. 名册导入更正.
    pub note: String,
}

/// A district's kind or region was corrected (its name is how it is known, so a different
/// name is a different district).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictCorrected {
    /// Which district, by name.
    pub name: String,
    /// 区 or 县 from now on.
    pub kind: DistrictKind,
    /// The region from now on.
    pub region: String,
    /// Why.
    pub note: String,
}
