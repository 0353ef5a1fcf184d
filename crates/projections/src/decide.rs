//! `decide`: every command checked against the state before anything is appended.
//!
//! Pure: the same state, command and context always give the same events or the same
//! rejection. The checks follow one order so a caller gets the most useful error first:
//! who is asking (a revoked token is refused), the shape of the input (422), whether the
//! things it names exist (404), whether this caller may touch them (403), and finally
//! whether the state allows it (409: insufficient points, out of stock, already settled).

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::command::{Command, ParticipantHours};
use crate::limits::*;
use crate::principal::Principal;
use crate::redemptions::RedemptionStatus;
use crate::state::State;
use crate::volunteers::Volunteer;

/// The kind of a rejection, which the HTTP layer maps to a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// The input breaks a rule (422).
    Invalid,
    /// Something it names does not exist (404).
    NotFound,
    /// The state does not allow it now (409).
    Conflict,
    /// The caller may not do this (403).
    Forbidden,
}

/// Why a command was refused, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Rejection {
    /// The kind.
    pub kind: RejectionKind,
    /// A stable machine-readable code, e.g. `insufficient_points`.
    pub code: &'static str,
    /// The explanation.
    pub detail: String,
}

impl Rejection {
    /// A 422.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Rejection {
            kind: RejectionKind::Invalid,
            code,
            detail: detail.into(),
        }
    }
    /// A 404.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Rejection {
            kind: RejectionKind::NotFound,
            code,
            detail: detail.into(),
        }
    }
    /// A 409.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Rejection {
            kind: RejectionKind::Conflict,
            code,
            detail: detail.into(),
        }
    }
    /// A 403.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Rejection {
            kind: RejectionKind::Forbidden,
            code,
            detail: detail.into(),
        }
    }
}

/// Settings that shape decisions (not state: they are copied into the events they affect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// How long a hold waits before it lapses.
    pub hold_ttl_seconds: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            hold_ttl_seconds: DEFAULT_HOLD_TTL_SECONDS,
        }
    }
}

/// Resolves the actor of a command into a principal, refusing unknown and revoked tokens.
pub fn principal(state: &State, actor: &Actor) -> Result<Principal, Rejection> {
    let Some(token_id) = actor.token_id else {
        return if actor.role == Role::System {
            Ok(Principal::System)
        } else {
            Err(Rejection::forbidden(
                "no_token",
                "this request carries no access token",
            ))
        };
    };
    let token = state.tokens.get(&token_id).ok_or_else(|| {
        Rejection::forbidden(
            "unknown_token",
            "this access token is not known to the ledger",
        )
    })?;
    if token.revoked_at.is_some() {
        return Err(Rejection::forbidden(
            "token_revoked",
            "this access token has been revoked; ask an administrator for a new one",
        ));
    }
    Principal::from_token(token).ok_or_else(|| {
        Rejection::forbidden("unknown_token", "this access token has no usable role")
    })
}

/// Decides a command: the commits to append, or why not.
pub fn decide(
    state: &State,
    policy: &Policy,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    let who = principal(state, &context.actor)?;
    if matches!(who, Principal::Auditor(_)) {
        return Err(Rejection::forbidden(
            "read_only",
            "auditors have read-only access and cannot change anything",
        ));
    }
    match command {
        Command::RegisterTeam {
            team_id,
            name,
            district,
            category,
        } => {
            require_admin(&who, "register teams")?;
            let name = text("name", name, MAX_NAME_CHARS)?;
            let district = text("district", district, MAX_NAME_CHARS)?;
            if !state.districts.get(&district).is_some_and(|d| d.registered) {
                return Err(Rejection::not_found(
                    "district_not_found",
                    format!(
                        "no district or county named {district:?} is registered; register it first"
                    ),
                ));
            }
            if state.teams.contains_key(team_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("team {team_id} already exists"),
                ));
            }
            if let Some(t) = state
                .teams
                .values()
                .find(|t| t.name == name && t.district == district)
            {
                return Err(Rejection::conflict(
                    "duplicate_team",
                    format!("{district} already has a team named {name:?} (id {})", t.id),
                ));
            }
            Ok(vec![Commit::new_stream(
                team_id.stream(),
                vec![Event::TeamRegistered(TeamRegistered {
                    team_id: *team_id,
                    name,
                    district,
                    category: *category,
                })],
            )])
        }
        Command::RegisterVolunteer {
            volunteer_id,
            name,
            team_id,
            birth_year,
        } => {
            let name = text("name", name, MAX_NAME_CHARS)?;
            if let Some(year) = birth_year {
                let this_year = chrono::Datelike::year(&context.now.local_date());
                if i32::from(*year) < 1900 || i32::from(*year) > this_year {
                    return Err(Rejection::invalid(
                        "bad_birth_year",
                        format!("birth_year {year} must be between 1900 and {this_year}"),
                    ));
                }
            }
            require_team_scope(&who, team_id, "register volunteers")?;
            let team = state
                .teams
                .get(team_id)
                .ok_or_else(|| team_not_found(team_id))?;
            if state.volunteers.contains_key(volunteer_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("volunteer {volunteer_id} already exists"),
                ));
            }
            Ok(vec![Commit::new_stream(
                volunteer_id.stream(),
                vec![Event::VolunteerRegistered(VolunteerRegistered {
                    volunteer_id: *volunteer_id,
                    name,
                    team_id: *team_id,
                    district: team.district.clone(),
                    birth_year: *birth_year,
                })],
            )])
        }
        Command::MoveVolunteer {
            volunteer_id,
            to_team_id,
        } => {
            require_admin(&who, "move volunteers between teams")?;
            let volunteer = volunteer(state, volunteer_id)?;
            let team = state
                .teams
                .get(to_team_id)
                .ok_or_else(|| team_not_found(to_team_id))?;
            if volunteer.team_id == *to_team_id {
                return Err(Rejection::conflict(
                    "already_member",
                    format!("{} is already in {}", volunteer.name, team.name),
                ));
            }
            Ok(vec![Commit::any(
                volunteer_id.stream(),
                vec![Event::VolunteerMovedTeam(VolunteerMovedTeam {
                    volunteer_id: *volunteer_id,
                    from_team_id: volunteer.team_id,
                    to_team_id: *to_team_id,
                    district: team.district.clone(),
                })],
            )])
        }
        Command::LogActivity {
            activity_id,
            team_id,
            category,
            date,
            title,
            participants,
            outcomes,
            project_id,
        } => decide_log_activity(
            state,
            &who,
            context,
            *activity_id,
            *team_id,
            *category,
            *date,
            title,
            participants,
            outcomes,
            *project_id,
        ),
        Command::RegisterDistrict { .. }
        | Command::FoundGroup { .. }
        | Command::AddSubGroup { .. }
        | Command::JoinGroup { .. }
        | Command::LeaveGroup { .. }
        | Command::RegisterProject { .. }
        | Command::ChangeProjectStatus { .. }
        | Command::ChangeScoring { .. } => crate::planning::decide(state, &who, command, context),
        Command::ReverseActivity {
            activity_id,
            reason,
        } => {
            let reason = text("reason", reason, MAX_REASON_CHARS)?;
            let activity = state.activities.get(activity_id).ok_or_else(|| {
                Rejection::not_found(
                    "activity_not_found",
                    format!("no activity has id {activity_id}"),
                )
            })?;
            match who {
                Principal::Coordinator(_, team) if team != activity.team_id => {
                    return Err(Rejection::forbidden(
                        "other_team",
                        "coordinators can only reverse their own team's activities",
                    ))
                }
                Principal::Volunteer(..) => {
                    return Err(Rejection::forbidden(
                        "not_allowed",
                        "only the team's coordinator or an administrator can reverse an activity",
                    ))
                }
                _ => {}
            }
            if let Some(r) = &activity.reversal {
                return Err(Rejection::conflict(
                    "already_reversed",
                    format!(
                        "this activity was already reversed at {} ({})",
                        r.at, r.reason
                    ),
                ));
            }
            let mut events = Vec::with_capacity(activity.participants.len());
            for p in &activity.participants {
                let v = volunteer(state, &p.volunteer_id)?;
                let available = v.balance.available();
                if available < p.points {
                    return Err(Rejection::conflict(
                        "insufficient_points",
                        format!(
                            "reversing would leave {} ({}) with {} available points: they have {} available but this activity gave them {}, so they are {} short. Cancel their held redemptions first, or reverse only after they earn more",
                            v.name,
                            v.id,
                            (available - p.points).normalize(),
                            available.normalize(),
                            p.points.normalize(),
                            (p.points - available).normalize()
                        ),
                    ));
                }
                events.push(Event::ServiceReversed(ServiceReversed {
                    activity_id: *activity_id,
                    volunteer_id: p.volunteer_id,
                    team_id: activity.team_id,
                    district: activity.district.clone(),
                    category: activity.category,
                    date: activity.date,
                    hours: p.hours,
                    points: p.points,
                    reason: reason.clone(),
                }));
            }
            Ok(vec![Commit::any(activity_id.stream(), events)])
        }
        Command::ChangeRules {
            default_points_per_hour,
            rates,
        } => {
            require_admin(&who, "change the point rules")?;
            rate("default_points_per_hour", *default_points_per_hour)?;
            let mut seen = HashSet::new();
            for r in rates {
                rate(&format!("rates.{}", r.category.as_str()), r.points_per_hour)?;
                if !seen.insert(r.category) {
                    return Err(Rejection::invalid(
                        "duplicate_category",
                        format!("category {} is listed twice", r.category.as_str()),
                    ));
                }
            }
            let mut rates = rates.clone();
            rates.sort_by_key(|r| r.category);
            Ok(vec![Commit::any(
                StreamId::rules(),
                vec![Event::RulesChanged(RulesChanged {
                    version: state.rules.version + 1,
                    default_points_per_hour: default_points_per_hour.normalize(),
                    rates: rates
                        .into_iter()
                        .map(|r| CategoryRate {
                            category: r.category,
                            points_per_hour: r.points_per_hour.normalize(),
                        })
                        .collect(),
                })],
            )])
        }
        Command::ListReward {
            reward_id,
            name,
            kind,
            cost_points,
            stock,
        } => {
            require_admin(&who, "list rewards")?;
            let name = text("name", name, MAX_NAME_CHARS)?;
            let kind = match kind {
                RewardKind::Product { origin } => RewardKind::Product {
                    origin: text("origin", origin, MAX_NAME_CHARS)?,
                },
                RewardKind::RateVoucher { bank, basis_points } => {
                    if *basis_points == 0 || *basis_points > MAX_BASIS_POINTS {
                        return Err(Rejection::invalid(
                            "bad_basis_points",
                            format!("basis_points must be between 1 and {MAX_BASIS_POINTS}, got {basis_points}"),
                        ));
                    }
                    RewardKind::RateVoucher {
                        bank: text("bank", bank, MAX_NAME_CHARS)?,
                        basis_points: *basis_points,
                    }
                }
            };
            cost("cost_points", *cost_points)?;
            if *stock > MAX_STOCK_UNITS {
                return Err(Rejection::invalid(
                    "bad_stock",
                    format!("stock must be between 0 and {MAX_STOCK_UNITS}, got {stock}"),
                ));
            }
            if state.rewards.contains_key(reward_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("reward {reward_id} already exists"),
                ));
            }
            Ok(vec![Commit::new_stream(
                reward_id.stream(),
                vec![Event::RewardListed(RewardListed {
                    reward_id: *reward_id,
                    name,
                    kind,
                    cost_points: cost_points.normalize(),
                    stock: *stock,
                })],
            )])
        }
        Command::RestockReward {
            reward_id,
            quantity,
        } => {
            require_admin(&who, "restock rewards")?;
            if *quantity == 0 || *quantity > MAX_STOCK_UNITS {
                return Err(Rejection::invalid(
                    "bad_quantity",
                    format!("quantity must be between 1 and {MAX_STOCK_UNITS}, got {quantity}"),
                ));
            }
            let reward = reward(state, reward_id)?;
            let stock_after = reward
                .stock
                .checked_add(*quantity)
                .filter(|s| *s <= MAX_STOCK_UNITS);
            let Some(stock_after) = stock_after else {
                return Err(Rejection::invalid(
                    "bad_quantity",
                    format!("stock would exceed {MAX_STOCK_UNITS} units"),
                ));
            };
            Ok(vec![Commit::any(
                reward_id.stream(),
                vec![Event::RewardRestocked(RewardRestocked {
                    reward_id: *reward_id,
                    quantity: *quantity,
                    stock_after,
                })],
            )])
        }
        Command::RepriceReward {
            reward_id,
            cost_points,
        } => {
            require_admin(&who, "reprice rewards")?;
            cost("cost_points", *cost_points)?;
            let reward = reward(state, reward_id)?;
            Ok(vec![Commit::any(
                reward_id.stream(),
                vec![Event::RewardRepriced(RewardRepriced {
                    reward_id: *reward_id,
                    cost_points_before: reward.cost_points,
                    cost_points: cost_points.normalize(),
                })],
            )])
        }
        Command::RetireReward { reward_id } => {
            require_admin(&who, "retire rewards")?;
            let reward = reward(state, reward_id)?;
            if reward.retired {
                return Err(Rejection::conflict(
                    "already_retired",
                    format!("{} is already retired", reward.name),
                ));
            }
            Ok(vec![Commit::any(
                reward_id.stream(),
                vec![Event::RewardRetired(RewardRetired {
                    reward_id: *reward_id,
                })],
            )])
        }
        Command::HoldRedemption {
            redemption_id,
            volunteer_id,
            reward_id,
            quantity,
        } => {
            if *quantity == 0 || *quantity > MAX_REDEMPTION_QUANTITY {
                return Err(Rejection::invalid(
                    "bad_quantity",
                    format!(
                        "quantity must be between 1 and {MAX_REDEMPTION_QUANTITY}, got {quantity}"
                    ),
                ));
            }
            match who {
                Principal::Volunteer(_, me) if me != *volunteer_id => {
                    return Err(Rejection::forbidden(
                        "other_volunteer",
                        "volunteers can only redeem their own points",
                    ))
                }
                Principal::Coordinator(..) => {
                    return Err(Rejection::forbidden(
                        "not_allowed",
                        "coordinators cannot redeem for volunteers; the volunteer or the station keeper does",
                    ))
                }
                _ => {}
            }
            let v = volunteer(state, volunteer_id)?;
            let reward = reward(state, reward_id)?;
            if state.redemptions.contains_key(redemption_id) {
                return Err(Rejection::conflict(
                    "duplicate_id",
                    format!("redemption {redemption_id} already exists"),
                ));
            }
            if reward.retired {
                return Err(Rejection::conflict(
                    "reward_retired",
                    format!("{} is no longer offered", reward.name),
                ));
            }
            if reward.stock < *quantity {
                return Err(Rejection::conflict(
                    "out_of_stock",
                    format!(
                        "{} has {} left in stock, {quantity} requested",
                        reward.name, reward.stock
                    ),
                ));
            }
            let points = (reward.cost_points * Decimal::from(*quantity)).normalize();
            let available = v.balance.available();
            if available < points {
                return Err(Rejection::conflict(
                    "insufficient_points",
                    format!(
                        "{} needs {} points but {} has {} available ({} short)",
                        reward.name,
                        points,
                        v.name,
                        available.normalize(),
                        (points - available).normalize()
                    ),
                ));
            }
            Ok(vec![Commit::new_stream(
                redemption_id.stream(),
                vec![Event::RedemptionHeld(RedemptionHeld {
                    redemption_id: *redemption_id,
                    volunteer_id: *volunteer_id,
                    team_id: v.team_id,
                    district: v.district.clone(),
                    reward_id: *reward_id,
                    quantity: *quantity,
                    cost_points: reward.cost_points,
                    points,
                    expires_at: context.now.plus_seconds(policy.hold_ttl_seconds),
                })],
            )])
        }
        Command::FulfilRedemption { redemption_id } => {
            let r = redemption(state, redemption_id)?;
            require_admin(&who, "hand over redemptions at the counter")?;
            held(r.status, "fulfilled")?;
            Ok(vec![Commit::any(
                redemption_id.stream(),
                vec![Event::RedemptionFulfilled(RedemptionFulfilled {
                    redemption_id: *redemption_id,
                    volunteer_id: r.volunteer_id,
                    reward_id: r.reward_id,
                    quantity: r.quantity,
                    points: r.points,
                })],
            )])
        }
        Command::CancelRedemption {
            redemption_id,
            reason,
        } => {
            let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
            let r = redemption(state, redemption_id)?;
            match who {
                Principal::Volunteer(_, me) if me != r.volunteer_id => {
                    return Err(Rejection::forbidden(
                        "other_volunteer",
                        "volunteers can only cancel their own redemptions",
                    ))
                }
                Principal::Coordinator(..) => {
                    return Err(Rejection::forbidden(
                        "not_allowed",
                        "only the volunteer or the station keeper can cancel a redemption",
                    ))
                }
                _ => {}
            }
            held(r.status, "cancelled")?;
            Ok(vec![Commit::any(
                redemption_id.stream(),
                vec![Event::RedemptionCancelled(RedemptionCancelled {
                    redemption_id: *redemption_id,
                    volunteer_id: r.volunteer_id,
                    reward_id: r.reward_id,
                    quantity: r.quantity,
                    points: r.points,
                    reason,
                })],
            )])
        }
        Command::ExpireHolds => {
            require_admin(&who, "expire holds")?;
            let due = state
                .holds_by_expiry
                .iter()
                .take_while(|(at, _)| *at <= context.now)
                .take(MAX_EXPIRED_PER_COMMAND);
            let mut commits = Vec::new();
            for (_, id) in due {
                let Some(r) = state.redemptions.get(id) else {
                    continue;
                };
                if r.status != RedemptionStatus::Held {
                    continue;
                }
                commits.push(Commit::any(
                    id.stream(),
                    vec![Event::RedemptionExpired(RedemptionExpired {
                        redemption_id: *id,
                        volunteer_id: r.volunteer_id,
                        reward_id: r.reward_id,
                        quantity: r.quantity,
                        points: r.points,
                    })],
                ));
            }
            Ok(commits)
        }
        Command::IssueToken {
            token_id,
            role,
            team_id,
            volunteer_id,
            secret_sha256,
            label,
        } => {
            let label = optional_text("label", label, MAX_REASON_CHARS)?;
            match (role, team_id, volunteer_id) {
                (Role::Admin | Role::Auditor, None, None) => {}
                (Role::Coordinator, Some(t), None) => {
                    state.teams.get(t).ok_or_else(|| team_not_found(t))?;
                }
                (Role::Volunteer, None, Some(v)) => {
                    volunteer(state, v)?;
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
                (Role::Admin | Role::Auditor, ..) => {
                    return Err(Rejection::invalid(
                        "bad_scope",
                        "admin and auditor tokens take neither team_id nor volunteer_id",
                    ))
                }
            }
            match who {
                Principal::System | Principal::Admin(_) => {}
                Principal::Coordinator(_, team)
                    if *role == Role::Volunteer
                        && volunteer_id
                            .and_then(|v| state.volunteers.get(&v))
                            .is_some_and(|v| v.team_id == team) => {}
                _ => {
                    return Err(Rejection::forbidden(
                        "not_allowed",
                        "only administrators issue tokens (coordinators may issue sign-in cards for their own volunteers)",
                    ))
                }
            }
            if state.tokens.get(token_id).is_some() || state.tokens.secret_in_use(secret_sha256) {
                return Err(Rejection::conflict(
                    "duplicate_token",
                    "this token already exists",
                ));
            }
            Ok(vec![Commit::new_stream(
                token_id.stream(),
                vec![Event::TokenIssued(TokenIssued {
                    token_id: *token_id,
                    role: *role,
                    team_id: *team_id,
                    volunteer_id: *volunteer_id,
                    secret_sha256: *secret_sha256,
                    label,
                })],
            )])
        }
        Command::RevokeToken { token_id } => {
            require_admin(&who, "revoke tokens")?;
            let token = state.tokens.get(token_id).ok_or_else(|| {
                Rejection::not_found("token_not_found", format!("no token has id {token_id}"))
            })?;
            if token.revoked_at.is_some() {
                return Err(Rejection::conflict(
                    "already_revoked",
                    "this token is already revoked",
                ));
            }
            Ok(vec![Commit::any(
                token_id.stream(),
                vec![Event::TokenRevoked(TokenRevoked {
                    token_id: *token_id,
                })],
            )])
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn decide_log_activity(
    state: &State,
    who: &Principal,
    context: &Context,
    activity_id: ActivityId,
    team_id: TeamId,
    category: Category,
    date: NaiveDate,
    title: &str,
    participants: &[ParticipantHours],
    outcomes: &Outcomes,
    project_id: Option<ProjectId>,
) -> Result<Vec<Commit>, Rejection> {
    let title = text("title", title, MAX_TITLE_CHARS)?;
    let earliest = NaiveDate::from_ymd_opt(EARLIEST_ACTIVITY_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
    let tomorrow = context
        .now
        .local_date()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    if date > tomorrow {
        return Err(Rejection::invalid(
            "date_in_future",
            format!(
                "date {date} is in the future; the latest date accepted is tomorrow, {tomorrow}"
            ),
        ));
    }
    if date < earliest {
        return Err(Rejection::invalid(
            "date_too_old",
            format!("date {date} is before {earliest}, the earliest date the ledger accepts"),
        ));
    }
    if participants.is_empty() {
        return Err(Rejection::invalid(
            "no_participants",
            "an activity needs at least one participant",
        ));
    }
    if participants.len() > MAX_PARTICIPANTS {
        return Err(Rejection::invalid(
            "too_many_participants",
            format!(
                "an activity can list at most {MAX_PARTICIPANTS} participants, this one lists {}; split it into several activities",
                participants.len()
            ),
        ));
    }
    if outcomes.disputes_settled > outcomes.disputes_handled {
        return Err(Rejection::invalid(
            "bad_outcomes",
            format!(
                "disputes_settled ({}) cannot exceed disputes_handled ({})",
                outcomes.disputes_settled, outcomes.disputes_handled
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(participants.len());
    for (i, p) in participants.iter().enumerate() {
        hours(&format!("participants[{i}].hours"), p.hours)?;
        if !seen.insert(p.volunteer_id) {
            return Err(Rejection::invalid(
                "duplicate_participant",
                format!(
                    "volunteer {} is listed twice (participants[{i}]); list each person once with their total hours",
                    p.volunteer_id
                ),
            ));
        }
    }
    match who {
        Principal::Coordinator(_, mine) if *mine == team_id => {}
        Principal::System => {}
        Principal::Coordinator(..) => {
            return Err(Rejection::forbidden(
                "other_team",
                "coordinators can only log activities for their own team",
            ))
        }
        _ => {
            return Err(Rejection::forbidden(
                "not_allowed",
                "only the team's coordinator logs activities",
            ))
        }
    }
    let team = state
        .teams
        .get(&team_id)
        .ok_or_else(|| team_not_found(&team_id))?;
    if state.activities.contains_key(&activity_id) {
        return Err(Rejection::conflict(
            "duplicate_id",
            format!("activity {activity_id} already exists"),
        ));
    }
    if let Some(project_id) = project_id {
        crate::planning::check_project_for_activity(state, project_id, team_id, date)?;
    }
    let rate = state.rules.rate(category);
    let mut events = Vec::with_capacity(participants.len() + 2);
    let mut hours_total = Decimal::ZERO;
    let mut points_total = Decimal::ZERO;
    for (i, p) in participants.iter().enumerate() {
        let v = volunteer(state, &p.volunteer_id)?;
        if v.team_id != team_id {
            return Err(Rejection::invalid(
                "not_a_member",
                format!(
                    "{} (participants[{i}], {}) is not a member of {}",
                    v.name, v.id, team.name
                ),
            ));
        }
        let already = v.hours_on(date);
        if already + p.hours > MAX_HOURS_PER_DAY {
            return Err(Rejection::invalid(
                "day_over_24_hours",
                format!(
                    "{} already has {} hours on {date}; adding {} would make {}, over the 24 hours a day allows",
                    v.name,
                    already.normalize(),
                    p.hours.normalize(),
                    (already + p.hours).normalize()
                ),
            ));
        }
        let hours = p.hours.normalize();
        let points = (hours * rate).normalize();
        hours_total += hours;
        points_total += points;
        events.push(Event::ServiceLogged(ServiceLogged {
            activity_id,
            volunteer_id: p.volunteer_id,
            team_id,
            district: team.district.clone(),
            category,
            date,
            hours,
            points,
            points_per_hour: rate,
            rules_version: state.rules.version,
        }));
    }
    events.insert(
        0,
        Event::ActivityLogged(ActivityLogged {
            activity_id,
            team_id,
            district: team.district.clone(),
            category,
            date,
            title,
            participants: participants.len() as u32,
            hours_total,
            points_total,
            outcomes: *outcomes,
        }),
    );
    if let Some(project_id) = project_id {
        events.insert(
            1,
            Event::ActivityInProject(ActivityInProject {
                activity_id,
                project_id,
            }),
        );
    }
    Ok(vec![Commit::new_stream(activity_id.stream(), events)])
}

pub(crate) fn require_admin(who: &Principal, action: &str) -> Result<(), Rejection> {
    if who.is_admin() {
        Ok(())
    } else {
        Err(Rejection::forbidden(
            "admin_only",
            format!("only administrators can {action}"),
        ))
    }
}

pub(crate) fn require_team_scope(
    who: &Principal,
    team: &TeamId,
    action: &str,
) -> Result<(), Rejection> {
    match who {
        Principal::System | Principal::Admin(_) => Ok(()),
        Principal::Coordinator(_, mine) if mine == team => Ok(()),
        Principal::Coordinator(..) => Err(Rejection::forbidden(
            "other_team",
            format!("coordinators can only {action} for their own team"),
        )),
        _ => Err(Rejection::forbidden(
            "not_allowed",
            format!("only coordinators and administrators can {action}"),
        )),
    }
}

/// Trims and checks a required text field.
pub(crate) fn text(field: &str, value: &str, max_chars: usize) -> Result<String, Rejection> {
    let value = optional_text(field, value, max_chars)?;
    if value.is_empty() {
        return Err(Rejection::invalid(
            "empty_text",
            format!("{field} must not be empty"),
        ));
    }
    Ok(value)
}

/// Trims and checks an optional text field (may be empty).
pub(crate) fn optional_text(
    field: &str,
    value: &str,
    max_chars: usize,
) -> Result<String, Rejection> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(Rejection::invalid(
            "text_too_long",
            format!("{field} is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Rejection::invalid(
            "control_characters",
            format!("{field} contains control characters (such as line breaks or tabs)"),
        ));
    }
    Ok(value.to_owned())
}

pub(crate) fn hours(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value <= Decimal::ZERO || value > MAX_HOURS_PER_DAY {
        return Err(Rejection::invalid(
            "bad_hours",
            format!(
                "{field} must be more than 0 and at most 24, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > HOURS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_hours",
            format!(
                "{field} may have at most {HOURS_DECIMAL_PLACES} decimal places, got {}",
                value.normalize()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn rate(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value < Decimal::ZERO || value > MAX_POINTS_PER_HOUR {
        return Err(Rejection::invalid(
            "bad_rate",
            format!(
                "{field} must be between 0 and {MAX_POINTS_PER_HOUR} points per hour, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > POINTS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_rate",
            format!("{field} may have at most {POINTS_DECIMAL_PLACES} decimal places"),
        ));
    }
    Ok(())
}

pub(crate) fn cost(field: &str, value: Decimal) -> Result<(), Rejection> {
    if value <= Decimal::ZERO || value > MAX_COST_POINTS {
        return Err(Rejection::invalid(
            "bad_cost",
            format!(
                "{field} must be more than 0 and at most {MAX_COST_POINTS}, got {}",
                value.normalize()
            ),
        ));
    }
    if value.normalize().scale() > POINTS_DECIMAL_PLACES {
        return Err(Rejection::invalid(
            "bad_cost",
            format!("{field} may have at most {POINTS_DECIMAL_PLACES} decimal places"),
        ));
    }
    Ok(())
}

pub(crate) fn team_not_found(id: &TeamId) -> Rejection {
    Rejection::not_found("team_not_found", format!("no team has id {id}"))
}

pub(crate) fn volunteer<'a>(
    state: &'a State,
    id: &VolunteerId,
) -> Result<&'a Volunteer, Rejection> {
    state.volunteers.get(id).ok_or_else(|| {
        Rejection::not_found("volunteer_not_found", format!("no volunteer has id {id}"))
    })
}

pub(crate) fn reward<'a>(
    state: &'a State,
    id: &RewardId,
) -> Result<&'a crate::catalog::Reward, Rejection> {
    state
        .rewards
        .get(id)
        .ok_or_else(|| Rejection::not_found("reward_not_found", format!("no reward has id {id}")))
}

pub(crate) fn redemption<'a>(
    state: &'a State,
    id: &RedemptionId,
) -> Result<&'a crate::redemptions::Redemption, Rejection> {
    state.redemptions.get(id).ok_or_else(|| {
        Rejection::not_found("redemption_not_found", format!("no redemption has id {id}"))
    })
}

pub(crate) fn held(status: RedemptionStatus, action: &str) -> Result<(), Rejection> {
    if status == RedemptionStatus::Held {
        Ok(())
    } else {
        Err(Rejection::conflict(
            "not_held",
            format!(
                "this redemption is {} and can no longer be {action}; only held redemptions can",
                status.as_str()
            ),
        ))
    }
}
