//! Decisions about the e-station: the catalogue of rewards and its stock, and redemptions
//! from hold to hand-over, cancellation or expiry.

use rust_decimal::Decimal;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::limits::*;
use crate::policy::Policy;
use crate::principal::Principal;
use crate::redemptions::RedemptionStatus;
use crate::rejection::Rejection;
use crate::state::State;

/// A reward on the catalogue with its first stock.
pub(super) fn list(
    state: &State,
    who: &Principal,
    reward_id: RewardId,
    name: &str,
    kind: &RewardKind,
    cost_points: Decimal,
    stock: u32,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("list rewards"))?;
    let name = text("name", name, MAX_NAME_CHARS)?;
    let kind = match kind {
        RewardKind::Product { origin } => RewardKind::Product {
            origin: text("origin", origin, MAX_NAME_CHARS)?,
        },
        RewardKind::RateVoucher { bank, basis_points } => {
            if *basis_points == 0 || *basis_points > MAX_BASIS_POINTS {
                return Err(Rejection::invalid(
                    "bad_basis_points",
                    format!(
                        "basis_points must be between 1 and {MAX_BASIS_POINTS}, got {basis_points}"
                    ),
                ));
            }
            RewardKind::RateVoucher {
                bank: text("bank", bank, MAX_NAME_CHARS)?,
                basis_points: *basis_points,
            }
        }
    };
    checks::cost("cost_points", cost_points)?;
    if stock > MAX_STOCK_UNITS {
        return Err(Rejection::invalid(
            "bad_stock",
            format!("stock must be between 0 and {MAX_STOCK_UNITS}, got {stock}"),
        ));
    }
    if state.rewards.contains_key(&reward_id) {
        return Err(checks::duplicate_id("reward", reward_id));
    }
    Ok(vec![Commit::new_stream(
        reward_id.stream(),
        vec![Event::RewardListed(RewardListed {
            reward_id,
            name,
            kind,
            cost_points: cost_points.normalize(),
            stock,
        })],
    )])
}

/// More units of a reward.
pub(super) fn restock(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    quantity: u32,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Restock)?;
    if quantity == 0 || quantity > MAX_STOCK_UNITS {
        return Err(Rejection::invalid(
            "bad_quantity",
            format!("quantity must be between 1 and {MAX_STOCK_UNITS}, got {quantity}"),
        ));
    }
    let reward = checks::reward(state, reward_id)?;
    let stock_after = reward
        .stock
        .checked_add(quantity)
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
            quantity,
            stock_after,
        })],
    )])
}

/// A new price (holds already made keep theirs).
pub(super) fn reprice(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    cost_points: Decimal,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("reprice rewards"))?;
    checks::cost("cost_points", cost_points)?;
    let reward = checks::reward(state, reward_id)?;
    Ok(vec![Commit::any(
        reward_id.stream(),
        vec![Event::RewardRepriced(RewardRepriced {
            reward_id: *reward_id,
            cost_points_before: reward.cost_points,
            cost_points: cost_points.normalize(),
        })],
    )])
}

/// A reward no longer offered (its history stays).
pub(super) fn retire(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("retire rewards"))?;
    let reward = checks::reward(state, reward_id)?;
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

/// What a hold asks for.
pub(super) struct Hold {
    pub(super) redemption_id: RedemptionId,
    pub(super) volunteer_id: VolunteerId,
    pub(super) reward_id: RewardId,
    pub(super) quantity: u32,
}

/// Reserves points and stock until the hand-over at the counter or the hold's expiry.
pub(super) fn hold(
    state: &State,
    who: &Principal,
    policy: &Policy,
    context: &Context,
    h: Hold,
) -> Result<Vec<Commit>, Rejection> {
    let quantity = h.quantity;
    if quantity == 0 || quantity > MAX_REDEMPTION_QUANTITY {
        return Err(Rejection::invalid(
            "bad_quantity",
            format!("quantity must be between 1 and {MAX_REDEMPTION_QUANTITY}, got {quantity}"),
        ));
    }
    access::may_write(who, &Write::Redeem(h.volunteer_id))?;
    let v = checks::volunteer(state, &h.volunteer_id)?;
    let reward = checks::reward(state, &h.reward_id)?;
    if state.redemptions.contains_key(&h.redemption_id) {
        return Err(checks::duplicate_id("redemption", h.redemption_id));
    }
    if reward.retired {
        return Err(Rejection::conflict(
            "reward_retired",
            format!("{} is no longer offered", reward.name),
        ));
    }
    if reward.stock < quantity {
        return Err(Rejection::conflict(
            "out_of_stock",
            format!(
                "{} has {} left in stock, {quantity} requested",
                reward.name, reward.stock
            ),
        ));
    }
    let points = (reward.cost_points * Decimal::from(quantity)).normalize();
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
        h.redemption_id.stream(),
        vec![Event::RedemptionHeld(RedemptionHeld {
            redemption_id: h.redemption_id,
            volunteer_id: h.volunteer_id,
            team_id: v.team_id,
            district: v.district.clone(),
            reward_id: h.reward_id,
            quantity,
            cost_points: reward.cost_points,
            points,
            expires_at: context.now.plus_seconds(
                state
                    .policies
                    .hold_ttl_seconds()
                    .unwrap_or(policy.hold_ttl_seconds),
            ),
        })],
    )])
}

/// The reward changes hands; the held points are spent.
pub(super) fn fulfil(
    state: &State,
    who: &Principal,
    redemption_id: &RedemptionId,
) -> Result<Vec<Commit>, Rejection> {
    let r = checks::redemption(state, redemption_id)?;
    access::may_write(who, &Write::HandOver)?;
    checks::held(r.status, "fulfilled")?;
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

/// A hold given up: points and stock come back.
pub(super) fn cancel(
    state: &State,
    who: &Principal,
    redemption_id: &RedemptionId,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
    let r = checks::redemption(state, redemption_id)?;
    access::may_write(who, &Write::CancelRedemption(r.volunteer_id))?;
    checks::held(r.status, "cancelled")?;
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

/// Every hold whose time is up lapses (at most [`MAX_EXPIRED_PER_COMMAND`] at a time).
pub(super) fn expire(
    state: &State,
    who: &Principal,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("expire holds"))?;
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
