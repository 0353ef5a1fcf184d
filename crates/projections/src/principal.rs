//! Who is asking, with their scope: derived from a token record, never from the request.

use std::collections::BTreeSet;
use std::sync::Arc;

use yinling_ledger::{Actor, GroupId, Role, StationId, TeamId, TokenId, TokenScope, VolunteerId};

use crate::state::State;
use crate::tokens::TokenRecord;

/// A district coordinator's reach: the district and its teams when the token was presented
/// (a team registered later in the district is in the next request's scope).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistrictScope {
    /// The district's name, e.g. 南浔区.
    pub name: String,
    /// Its teams.
    pub teams: BTreeSet<TeamId>,
}

impl DistrictScope {
    /// Whether the team is one of the district's.
    pub fn covers(&self, team: &TeamId) -> bool {
        self.teams.contains(team)
    }
}

/// An authenticated caller and what they may touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// The service itself.
    System,
    /// Station keeper / administrator.
    Admin(TokenId),
    /// Read-only auditor.
    Auditor(TokenId),
    /// Coordinator of one team.
    Coordinator(TokenId, TeamId),
    /// A volunteer, for themself.
    Volunteer(TokenId, VolunteerId),
    /// Coordinator of one group of teams: its memberships, projects and joint activities.
    GroupCoordinator(TokenId, GroupId),
    /// A clerk at the counter of one e-station.
    StationClerk(TokenId, StationId),
    /// Coordinator of the teams of one district.
    DistrictCoordinator(TokenId, Arc<DistrictScope>),
    /// An officer of one partner bank (the bank's name as its vouchers carry it).
    BankOfficer(TokenId, Arc<str>),
}

impl Principal {
    /// The principal a live token grants (`None` for a malformed record); a district's
    /// teams are read off `state`.
    pub fn from_token(token: &TokenRecord, state: &State) -> Option<Self> {
        match token.role {
            Role::Admin => Some(Principal::Admin(token.id)),
            Role::Auditor => Some(Principal::Auditor(token.id)),
            Role::Coordinator => token.team_id.map(|t| Principal::Coordinator(token.id, t)),
            Role::Volunteer => token
                .volunteer_id
                .map(|v| Principal::Volunteer(token.id, v)),
            Role::GroupCoordinator => token
                .group_id()
                .map(|g| Principal::GroupCoordinator(token.id, g)),
            // A clerk token from before stations were records works the first station.
            Role::StationClerk => Some(Principal::StationClerk(
                token.id,
                token.station_id().unwrap_or(StationId::FIRST),
            )),
            Role::DistrictCoordinator => match &token.scope {
                Some(TokenScope::District(name)) => Some(Principal::DistrictCoordinator(
                    token.id,
                    Arc::new(DistrictScope {
                        name: name.clone(),
                        teams: state
                            .districts
                            .get(name)
                            .map(|d| d.teams.clone())
                            .unwrap_or_default(),
                    }),
                )),
                _ => None,
            },
            Role::BankOfficer => match &token.scope {
                Some(TokenScope::Bank(bank)) => {
                    Some(Principal::BankOfficer(token.id, Arc::from(bank.as_str())))
                }
                _ => None,
            },
            Role::System => None,
        }
    }

    /// The actor recorded on the events this principal causes.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::System => Actor::SYSTEM,
            Principal::Admin(t) => Actor {
                token_id: Some(*t),
                role: Role::Admin,
            },
            Principal::Auditor(t) => Actor {
                token_id: Some(*t),
                role: Role::Auditor,
            },
            Principal::Coordinator(t, _) => Actor {
                token_id: Some(*t),
                role: Role::Coordinator,
            },
            Principal::Volunteer(t, _) => Actor {
                token_id: Some(*t),
                role: Role::Volunteer,
            },
            Principal::GroupCoordinator(t, _) => Actor {
                token_id: Some(*t),
                role: Role::GroupCoordinator,
            },
            Principal::StationClerk(t, _) => Actor {
                token_id: Some(*t),
                role: Role::StationClerk,
            },
            Principal::DistrictCoordinator(t, _) => Actor {
                token_id: Some(*t),
                role: Role::DistrictCoordinator,
            },
            Principal::BankOfficer(t, _) => Actor {
                token_id: Some(*t),
                role: Role::BankOfficer,
            },
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.actor().role
    }

    /// Admin or the service itself.
    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::System | Principal::Admin(_))
    }

    /// May read everything (admin, auditor, the service).
    pub fn reads_everything(&self) -> bool {
        matches!(
            self,
            Principal::System | Principal::Admin(_) | Principal::Auditor(_)
        )
    }
}
