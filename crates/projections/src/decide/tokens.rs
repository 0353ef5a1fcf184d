//! Decisions about access tokens: issuing one (only the hash of its secret is recorded) and
//! revoking it.

use yinling_ledger::*;

use yinling_ledger::writer::Context;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::command::NewToken;
use crate::limits::{MAX_NAME_CHARS, MAX_REASON_CHARS};
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// A token for one role and scope.
pub(super) fn issue(
    state: &State,
    who: &Principal,
    context: &Context,
    t: &NewToken,
) -> Result<Vec<Commit>, Rejection> {
    let label = optional_text("label", &t.label, MAX_REASON_CHARS)?;
    let mut volunteer_team = None;
    let scope_role = match &t.scope {
        None => None,
        Some(TokenScope::Group(g)) => {
            checks::group(state, g)?;
            Some(Role::GroupCoordinator)
        }
        Some(TokenScope::Station(s)) => {
            checks::station(state, s)?;
            Some(Role::StationClerk)
        }
        Some(TokenScope::District(d)) => {
            if !state.districts.get(d).is_some_and(|x| x.registered) {
                return Err(Rejection::not_found(
                    "district_not_found",
                    format!("no district or county named {d:?} is registered"),
                ));
            }
            Some(Role::DistrictCoordinator)
        }
        Some(TokenScope::Bank(b)) => {
            text("bank", b, MAX_NAME_CHARS)?;
            Some(Role::BankOfficer)
        }
    };
    if scope_role.is_some_and(|r| r != t.role) {
        return Err(Rejection::invalid(
            "bad_scope",
            "only a group coordinator takes group_id, only a station clerk station_id, only a district coordinator district, only a bank officer bank",
        ));
    }
    match (t.role, t.team_id, t.volunteer_id) {
        (Role::Admin | Role::Auditor | Role::StationClerk, None, None) => {}
        (Role::GroupCoordinator | Role::DistrictCoordinator | Role::BankOfficer, None, None) => {
            if t.scope.is_none() {
                let needs = match t.role {
                    Role::GroupCoordinator => "a group coordinator token needs group_id",
                    Role::DistrictCoordinator => "a district coordinator token needs district",
                    _ => "a bank officer token needs bank",
                };
                return Err(Rejection::invalid("bad_scope", needs));
            }
        }
        (Role::GroupCoordinator | Role::DistrictCoordinator | Role::BankOfficer, ..) => {
            return Err(Rejection::invalid(
                "bad_scope",
                "group, district and bank tokens take their scope, and neither team_id nor volunteer_id",
            ))
        }
        (Role::Coordinator, Some(team), None) => {
            checks::team(state, &team)?;
        }
        (Role::Volunteer, None, Some(v)) => {
            volunteer_team = Some(checks::volunteer(state, &v)?.team_id);
        }
        (Role::System, ..) => {
            return Err(Rejection::invalid(
                "bad_role",
                "the system role cannot be given to a token",
            ))
        }
        (Role::Coordinator, ..) => {
            return Err(Rejection::invalid(
                "bad_scope",
                "a coordinator token needs team_id and no volunteer_id",
            ))
        }
        (Role::Volunteer, ..) => {
            return Err(Rejection::invalid(
                "bad_scope",
                "a volunteer token needs volunteer_id and no team_id",
            ))
        }
        (Role::Admin | Role::Auditor | Role::StationClerk, ..) => {
            return Err(Rejection::invalid(
                "bad_scope",
                "admin, auditor and station clerk tokens take neither team_id nor volunteer_id",
            ))
        }
    }
    access::may_write(who, &Write::IssueToken(t.role, volunteer_team))?;
    if state.tokens.get(&t.token_id).is_some() || state.tokens.secret_in_use(&t.secret_sha256) {
        return Err(Rejection::conflict(
            "duplicate_token",
            "this token already exists",
        ));
    }
    let mut events = vec![Event::TokenIssued(TokenIssued {
        token_id: t.token_id,
        role: t.role,
        team_id: t.team_id,
        volunteer_id: t.volunteer_id,
        secret_sha256: t.secret_sha256,
        label,
    })];
    if let Some(scope) = &t.scope {
        events.push(Event::TokenScoped(TokenScoped {
            token_id: t.token_id,
            scope: scope.clone(),
        }));
    }
    if let Some(last_day) = t.last_day {
        not_for_a_card(t.role)?;
        not_before_today(state, context, last_day)?;
        events.push(Event::TokenLastDaySet(TokenLastDaySet {
            token_id: t.token_id,
            last_day: Some(last_day),
        }));
    }
    Ok(vec![Commit::new_stream(t.token_id.stream(), events)])
}

/// Last days are for staff: a volunteer's token is their points card, which an old person
/// keeps for years and a counter checks by scanning, and it stops when it is lost.
fn not_for_a_card(role: Role) -> Result<(), Rejection> {
    if role == Role::Volunteer {
        return Err(Rejection::invalid(
            "bad_last_day",
            "a volunteer's points card has no last day; stop it (or replace it) when it is lost",
        ));
    }
    Ok(())
}

/// A last day is today or later: a token issued or moved to a day already gone would be
/// refused at once, which nobody means.
fn not_before_today(
    state: &State,
    context: &Context,
    last_day: chrono::NaiveDate,
) -> Result<(), Rejection> {
    let today = state.policies.date_of(context.now);
    if last_day < today {
        return Err(Rejection::invalid(
            "bad_last_day",
            format!("last_day is today ({today}) or later, got {last_day}; to stop a token now, revoke it"),
        ));
    }
    Ok(())
}

/// The administrator tokens that work today and have no last day: the ones that keep the
/// service from locking its administrators out on a date.
fn lasting_admins(state: &State, context: &Context) -> usize {
    let today = state.policies.date_of(context.now);
    state
        .tokens
        .by_id
        .values()
        .filter(|t| t.role == Role::Admin && t.live_on(today) && t.last_day.is_none())
        .count()
}

/// A live token's last day moves, or goes (administrators; a coordinator for their
/// volunteers' cards). The last administrator token without a last day keeps none.
pub(super) fn set_last_day(
    state: &State,
    who: &Principal,
    context: &Context,
    token_id: &TokenId,
    last_day: Option<chrono::NaiveDate>,
) -> Result<Vec<Commit>, Rejection> {
    let token = live_token(state, who, token_id)?;
    if let Some(day) = last_day {
        not_for_a_card(token.role)?;
        not_before_today(state, context, day)?;
        if token.role == Role::Admin
            && token.last_day.is_none()
            && lasting_admins(state, context) == 1
        {
            return Err(Rejection::conflict(
                "last_admin",
                "this is the last administrator token without a last day; issue another administrator first, or the service would lock its administrators out on that day",
            ));
        }
    }
    Ok(vec![Commit::any(
        token_id.stream(),
        vec![Event::TokenLastDaySet(TokenLastDaySet {
            token_id: *token_id,
            last_day,
        })],
    )])
}

/// A live token the caller may stop: administrators any, a coordinator their volunteers'
/// cards.
fn live_token<'a>(
    state: &'a State,
    who: &Principal,
    token_id: &TokenId,
) -> Result<&'a crate::tokens::TokenRecord, Rejection> {
    let token = state.tokens.get(token_id).ok_or_else(|| {
        Rejection::not_found("token_not_found", format!("no token has id {token_id}"))
    })?;
    let team = token
        .volunteer_id
        .and_then(|v| state.volunteers.get(&v))
        .map(|v| v.team_id);
    access::may_write(who, &Write::ManageToken(token.role, team))?;
    if token.revoked_at.is_some() {
        return Err(Rejection::conflict(
            "already_revoked",
            "this token is already revoked",
        ));
    }
    Ok(token)
}

/// A token stops working (a lost card, a staff member leaving).
pub(super) fn revoke(
    state: &State,
    who: &Principal,
    context: &Context,
    token_id: &TokenId,
) -> Result<Vec<Commit>, Rejection> {
    let token = live_token(state, who, token_id)?;
    // Stopping the last administrator would leave nobody able to issue tokens again; nor
    // may the last one without a last day stop while the others run out on a date.
    if token.role == Role::Admin && token.last_day.is_none() && lasting_admins(state, context) == 1
    {
        return Err(Rejection::conflict(
            "last_admin",
            "this is the last administrator token (the last without a last day); issue another administrator first (or replace this one)",
        ));
    }
    Ok(vec![Commit::any(
        token_id.stream(),
        vec![Event::TokenRevoked(TokenRevoked {
            token_id: *token_id,
        })],
    )])
}

/// A lost card stops and its replacement, of the same role and scope, starts: both in the
/// one commit, so no request sees the old card working after the new one exists.
pub(super) fn replace(
    state: &State,
    who: &Principal,
    token_id: &TokenId,
    (new_token_id, secret_sha256): (TokenId, [u8; 32]),
    label: &str,
) -> Result<Vec<Commit>, Rejection> {
    let label = optional_text("label", label, MAX_REASON_CHARS)?;
    let old = live_token(state, who, token_id)?;
    if state.tokens.get(&new_token_id).is_some() || state.tokens.secret_in_use(&secret_sha256) {
        return Err(Rejection::conflict(
            "duplicate_token",
            "this token already exists",
        ));
    }
    let mut issued = vec![Event::TokenIssued(TokenIssued {
        token_id: new_token_id,
        role: old.role,
        team_id: old.team_id,
        volunteer_id: old.volunteer_id,
        secret_sha256,
        label: if label.is_empty() {
            old.label.clone()
        } else {
            label
        },
    })];
    if let Some(scope) = &old.scope {
        issued.push(Event::TokenScoped(TokenScoped {
            token_id: new_token_id,
            scope: scope.clone(),
        }));
    }
    // The replacement ends when the old one would have.
    if let Some(last_day) = old.last_day {
        issued.push(Event::TokenLastDaySet(TokenLastDaySet {
            token_id: new_token_id,
            last_day: Some(last_day),
        }));
    }
    Ok(vec![
        Commit::any(
            token_id.stream(),
            vec![Event::TokenRevoked(TokenRevoked {
                token_id: *token_id,
            })],
        ),
        Commit::new_stream(new_token_id.stream(), issued),
    ])
}
