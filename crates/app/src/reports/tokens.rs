//! Tokens and points cards as staff see them: whose, since when, last used, stopped or not.
//! Never the secret (only its hash is recorded, and the list does not show that either).

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::{Role, TeamId, Timestamp, TokenId, TokenScope};
use yinling_projections::{access, Principal, State};

/// One token or card.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// Token id (not secret).
    pub id: String,
    /// Role.
    #[schema(value_type = crate::wire::RoleName)]
    pub role: Role,
    /// The note given when it was issued, e.g. 积分卡.
    pub label: String,
    /// A coordinator's team, or a card holder's team.
    pub team_id: Option<String>,
    /// That team's name.
    pub team_name: Option<String>,
    /// A card's volunteer.
    pub volunteer_id: Option<String>,
    /// Their name.
    pub volunteer_name: Option<String>,
    /// A group coordinator's group.
    pub group_id: Option<String>,
    /// A station clerk's e-station.
    pub station_id: Option<String>,
    /// A district coordinator's district.
    pub district: Option<String>,
    /// A bank officer's bank.
    pub bank: Option<String>,
    /// When issued (RFC 3339).
    pub issued_at: String,
    /// When stopped, if it was (RFC 3339).
    pub revoked_at: Option<String>,
    /// Its last day, included, if it has one (`YYYY-MM-DD`); refused after it.
    pub last_day: Option<String>,
    /// When this node last saw it presented since it started (RFC 3339), if it did.
    pub last_used_at: Option<String>,
}

/// The tokens of one team's volunteers (their cards) or every token, newest first, as `who`
/// reads them (a card holder's name masked for whoever does not see their personal data:
/// an auditor); stopped ones only when `include_revoked`.
pub fn tokens_out(
    state: &State,
    who: &Principal,
    team: Option<TeamId>,
    include_revoked: bool,
    last_used: impl Fn(&TokenId) -> Option<Timestamp>,
) -> Vec<TokenOut> {
    let mut rows: Vec<TokenOut> = state
        .tokens
        .by_id
        .values()
        .filter(|t| include_revoked || t.revoked_at.is_none())
        .filter_map(|t| {
            let volunteer = t.volunteer_id.and_then(|v| state.volunteers.get(&v));
            let team_id = t.team_id.or(volunteer.map(|v| v.team_id));
            if team.is_some() && (t.role != Role::Volunteer || team_id != team) {
                return None;
            }
            Some(TokenOut {
                id: t.id.to_string(),
                role: t.role,
                label: t.label.clone(),
                team_id: team_id.map(|x| x.to_string()),
                team_name: team_id
                    .and_then(|x| state.teams.get(&x))
                    .map(|x| x.name.clone()),
                volunteer_id: t.volunteer_id.map(|v| v.to_string()),
                volunteer_name: volunteer.map(|v| access::name_for(who, v)),
                group_id: t.group_id().map(|g| g.to_string()),
                station_id: t.station_id().map(|g| g.to_string()),
                district: match &t.scope {
                    Some(TokenScope::District(d)) => Some(d.clone()),
                    _ => None,
                },
                bank: match &t.scope {
                    Some(TokenScope::Bank(b)) => Some(b.clone()),
                    _ => None,
                },
                issued_at: t.issued_at.to_rfc3339(),
                revoked_at: t.revoked_at.map(Timestamp::to_rfc3339),
                last_day: t.last_day.map(|d| d.to_string()),
                last_used_at: last_used(&t.id).map(Timestamp::to_rfc3339),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.issued_at.cmp(&a.issued_at).then(a.id.cmp(&b.id)));
    rows
}
