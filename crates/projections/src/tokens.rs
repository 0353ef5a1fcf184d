//! Access tokens as recorded in the log: only the SHA-256 of each secret is kept.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use yinling_ledger::{
    GroupId, Role, StationId, TeamId, Timestamp, TokenId, TokenScope, VolunteerId,
};

use crate::maps::FastMap;

/// A token's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Id.
    pub id: TokenId,
    /// Role.
    pub role: Role,
    /// Team scope of a coordinator.
    pub team_id: Option<TeamId>,
    /// Volunteer scope of a volunteer.
    pub volunteer_id: Option<VolunteerId>,
    /// What a group coordinator, station clerk, district coordinator or bank officer is
    /// bound to.
    pub scope: Option<TokenScope>,
    /// SHA-256 of the secret.
    pub secret_sha256: [u8; 32],
    /// A note for people.
    pub label: String,
    /// When issued.
    pub issued_at: Timestamp,
    /// When revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// Its last day, included (the ledger's calendar), if it has one.
    pub last_day: Option<NaiveDate>,
}

impl TokenRecord {
    /// Whether it works on `today`: not stopped, and not past its last day.
    pub fn live_on(&self, today: NaiveDate) -> bool {
        self.revoked_at.is_none() && !self.past_last_day(today)
    }

    /// Whether `today` is after its last day.
    pub fn past_last_day(&self, today: NaiveDate) -> bool {
        self.last_day.is_some_and(|last| today > last)
    }

    /// The group of a group coordinator's token.
    pub fn group_id(&self) -> Option<GroupId> {
        match self.scope {
            Some(TokenScope::Group(g)) => Some(g),
            _ => None,
        }
    }

    /// The station of a station clerk's token (`None`: a clerk token from before stations
    /// were records, which works the first station).
    pub fn station_id(&self) -> Option<StationId> {
        match self.scope {
            Some(TokenScope::Station(s)) => Some(s),
            _ => None,
        }
    }
}

/// All tokens, findable by the hash of a presented secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// By id.
    pub by_id: FastMap<TokenId, TokenRecord>,
    /// Token ids by the first 8 bytes of their secret hash (a lookup hint; the full hash is
    /// compared in constant time).
    by_hint: FastMap<u64, Vec<TokenId>>,
}

fn hint(hash: &[u8; 32]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash[..8]);
    u64::from_le_bytes(bytes)
}

impl Tokens {
    /// The live (not revoked) token whose secret hashes to `secret_sha256`.
    pub fn authenticate(&self, secret_sha256: &[u8; 32]) -> Option<&TokenRecord> {
        self.find(secret_sha256).filter(|t| t.revoked_at.is_none())
    }

    /// The token, live or not, whose secret hashes to `secret_sha256`: to say why a
    /// presented secret is refused (stopped, or past its last day).
    pub fn find(&self, secret_sha256: &[u8; 32]) -> Option<&TokenRecord> {
        let candidates = self.by_hint.get(&hint(secret_sha256))?;
        candidates
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .find(|t| bool::from(t.secret_sha256.ct_eq(secret_sha256)))
    }

    /// A token by id, revoked or not.
    pub fn get(&self, id: &TokenId) -> Option<&TokenRecord> {
        self.by_id.get(id)
    }

    /// True if some token, live or revoked, already has this secret hash.
    pub fn secret_in_use(&self, secret_sha256: &[u8; 32]) -> bool {
        self.by_hint.get(&hint(secret_sha256)).is_some_and(|ids| {
            ids.iter()
                .filter_map(|id| self.by_id.get(id))
                .any(|t| bool::from(t.secret_sha256.ct_eq(secret_sha256)))
        })
    }

    pub(crate) fn insert(&mut self, record: TokenRecord) {
        self.by_hint
            .entry(hint(&record.secret_sha256))
            .or_default()
            .push(record.id);
        self.by_id.insert(record.id, record);
    }

    pub(crate) fn scope(&mut self, id: &TokenId, scope: &TokenScope) {
        if let Some(t) = self.by_id.get_mut(id) {
            t.scope = Some(scope.clone());
        }
    }

    pub(crate) fn set_last_day(&mut self, id: &TokenId, last_day: Option<NaiveDate>) {
        if let Some(t) = self.by_id.get_mut(id) {
            t.last_day = last_day;
        }
    }

    pub(crate) fn revoke(&mut self, id: &TokenId, at: Timestamp) {
        if let Some(t) = self.by_id.get_mut(id) {
            t.revoked_at.get_or_insert(at);
        }
    }
}
