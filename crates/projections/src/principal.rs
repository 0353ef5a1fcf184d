//! Who is asking, with their scope: derived from a token record, never from the request.

use yinling_ledger::{Actor, GroupId, Role, TeamId, TokenId, VolunteerId};

use crate::tokens::TokenRecord;

/// An authenticated caller and what they may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// A clerk at the e-station counter.
    StationClerk(TokenId),
}

impl Principal {
    /// The principal a live token grants (`None` for a malformed record).
    pub fn from_token(token: &TokenRecord) -> Option<Self> {
        match token.role {
            Role::Admin => Some(Principal::Admin(token.id)),
            Role::Auditor => Some(Principal::Auditor(token.id)),
            Role::Coordinator => token.team_id.map(|t| Principal::Coordinator(token.id, t)),
            Role::Volunteer => token
                .volunteer_id
                .map(|v| Principal::Volunteer(token.id, v)),
            Role::GroupCoordinator => token
                .group_id
                .map(|g| Principal::GroupCoordinator(token.id, g)),
            Role::StationClerk => Some(Principal::StationClerk(token.id)),
            Role::System => None,
        }
    }

    /// The actor recorded on the events this principal causes.
    pub fn actor(&self) -> Actor {
        match *self {
            Principal::System => Actor::SYSTEM,
            Principal::Admin(t) => Actor {
                token_id: Some(t),
                role: Role::Admin,
            },
            Principal::Auditor(t) => Actor {
                token_id: Some(t),
                role: Role::Auditor,
            },
            Principal::Coordinator(t, _) => Actor {
                token_id: Some(t),
                role: Role::Coordinator,
            },
            Principal::Volunteer(t, _) => Actor {
                token_id: Some(t),
                role: Role::Volunteer,
            },
            Principal::GroupCoordinator(t, _) => Actor {
                token_id: Some(t),
                role: Role::GroupCoordinator,
            },
            Principal::StationClerk(t) => Actor {
                token_id: Some(t),
                role: Role::StationClerk,
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
