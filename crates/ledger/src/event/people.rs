//! Teams and their volunteers.

use serde::{Deserialize, Serialize};

use super::kinds::*;
use crate::ids::{TeamId, VolunteerId};

/// A team was registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRegistered {
    /// The new team.
    pub team_id: TeamId,
    /// Its name, e.g. 荻溪六老调解队.
    pub name: String,
    /// The district or county it belongs to, e.g. 南浔区.
    pub district: String,
    /// Its main kind of service.
    pub category: Category,
}

/// A volunteer joined a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerRegistered {
    /// The new volunteer.
    pub volunteer_id: VolunteerId,
    /// Their name.
    pub name: String,
    /// The team they joined.
    pub team_id: TeamId,
    /// That team's district at the time.
    pub district: String,
    /// Year of birth, if given (used for age statistics only).
    pub birth_year: Option<u16>,
}

/// A volunteer moved from one team to another. Earlier service stays with the old team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerMovedTeam {
    /// Who moved.
    pub volunteer_id: VolunteerId,
    /// The team they left.
    pub from_team_id: TeamId,
    /// The team they joined.
    pub to_team_id: TeamId,
    /// The new team's district.
    pub district: String,
}

/// The last four digits of a volunteer's phone number were recorded, so a clerk can find
/// them at the counter (the rest of the number is not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerPhoneRecorded {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// Four digits, or empty to forget them.
    pub last_four: String,
}

/// A volunteer set (or cleared) the PIN they confirm counter redemptions with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerPinSet {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// The PIN's keyed digest: HMAC-SHA256 under a key derived from the mint key, of the
    /// volunteer id and the digits (`None`: the PIN was cleared). A PIN set before PINs were
    /// keyed holds SHA-256 of the id and the digits, which whoever reads the log can reverse
    /// by trying every PIN: such PINs are to be set again. The field keeps its name, as the
    /// encoding of every event does.
    pub pin_sha256: Option<crate::digest::Hash>,
}
