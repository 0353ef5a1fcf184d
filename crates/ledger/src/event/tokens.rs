//! Access tokens (only the hash of a secret is ever recorded).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::kinds::*;
use crate::ids::{GroupId, StationId, TeamId, TokenId, VolunteerId};

/// An access token was issued. Only the SHA-256 of the secret is recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenIssued {
    /// The token's id (not secret).
    pub token_id: TokenId,
    /// Its role.
    pub role: Role,
    /// The team a coordinator token is scoped to.
    pub team_id: Option<TeamId>,
    /// The volunteer a volunteer token is scoped to.
    pub volunteer_id: Option<VolunteerId>,
    /// SHA-256 of the secret token text.
    #[serde(with = "crate::digest::bytes32")]
    pub secret_sha256: [u8; 32],
    /// A note for people, e.g. "counter at 南浔 e站".
    pub label: String,
}

/// An access token was revoked; every later request with it is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    /// The token.
    pub token_id: TokenId,
}

/// What a token of a role beyond the first ones is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// A group of teams (a group coordinator's).
    Group(GroupId),
    /// One e-station (a station clerk's).
    Station(StationId),
    /// One district or county, by name (a district coordinator's).
    District(String),
    /// One partner bank, by name as its rate vouchers name it (a bank officer's).
    Bank(String),
}

/// A token just issued is bound to a scope its `TokenIssued` has no field for; recorded
/// right after it, in the same commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenScoped {
    /// The token.
    pub token_id: TokenId,
    /// What it is bound to.
    pub scope: TokenScope,
}

/// A token's last day: from the day after it (the ledger's calendar) every request with the
/// token is refused, as if it were revoked, without anyone having to remember to stop it (a
/// bank officer's for the year of the bank's agreement, a stand-in clerk's for a month).
/// Recorded in the commit that issues the token when it is issued with one, or later to
/// move the day; `None` takes the last day away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLastDaySet {
    /// The token.
    pub token_id: TokenId,
    /// Its last day, included; `None`: none.
    #[serde(with = "super::dates::option")]
    pub last_day: Option<NaiveDate>,
}
