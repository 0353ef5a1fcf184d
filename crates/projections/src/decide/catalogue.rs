//! Decisions about the e-station: the catalogue of rewards and its stock, and redemptions
//! from hold to hand-over, cancellation or expiry.

use rust_decimal::Decimal;
use subtle::ConstantTimeEq as _;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::command::CounterProof;
use crate::limits::*;
use crate::policy::Policy;
use crate::principal::Principal;
use crate::redemptions::{PickupCode, RedemptionStatus};
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
pub(super) struct Hold<'a> {
    pub(super) redemption_id: RedemptionId,
    pub(super) volunteer_id: VolunteerId,
    pub(super) reward_id: RewardId,
    pub(super) quantity: u32,
    pub(super) station_id: Option<StationId>,
    pub(super) proof: Option<&'a CounterProof>,
    pub(super) pickup_code_digest: Option<[u8; 32]>,
}

/// The six-digit pickup code read off the random bits of a hold's id: only for a command
/// that brings no digest of its own (the projections' tests). Anyone who sees the id can
/// compute it, so the service draws its codes under its key (`TokenMint::pickup_code`).
pub fn unkeyed_pickup_code(id: &RedemptionId) -> String {
    let n = id.0.as_u128() % 10u128.pow(PICKUP_CODE_DIGITS);
    format!("{n:0width$}", width = PICKUP_CODE_DIGITS as usize)
}

/// The digest of a pickup code where no key is at hand (the projections' own tests): SHA-256
/// of the same parts the service's keyed digest takes (`TokenMint::pickup_code_digest`).
pub fn unkeyed_pickup_code_digest(id: &RedemptionId, code: &str) -> [u8; 32] {
    Hash::of(
        &[
            b"pickup-digest".as_slice(),
            id.0.as_bytes(),
            code.as_bytes(),
        ]
        .concat(),
    )
    .0
}

/// The pickup station of a hold: the one named; else a clerk's own; else the first station
/// with the units (the first station when none has them, so the refusal names it).
fn pickup_station(state: &State, who: &Principal, h: &Hold<'_>) -> StationId {
    if let Some(s) = h.station_id {
        return s;
    }
    if let Principal::StationClerk(_, mine) = who {
        return *mine;
    }
    if state
        .stations
        .get(&StationId::FIRST)
        .is_some_and(|s| s.free(&h.reward_id) >= h.quantity)
    {
        return StationId::FIRST;
    }
    state
        .stations
        .by_id
        .values()
        .find(|s| s.free(&h.reward_id) >= h.quantity)
        .map_or(StationId::FIRST, |s| s.id)
}

/// Reserves points and stock until the hand-over at the counter or the hold's expiry.
pub(super) fn hold(
    state: &State,
    who: &Principal,
    policy: &Policy,
    context: &Context,
    h: Hold<'_>,
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
    // Whether it is the volunteer's will comes before what the shelf or the balance allow.
    let confirmation = super::stations::confirmation(state, who, &h.volunteer_id, h.proof)?;
    if reward.retired {
        return Err(Rejection::conflict(
            "reward_retired",
            format!("{} is no longer offered", reward.name),
        ));
    }
    if let RewardKind::RateVoucher { bank, .. } = &reward.kind {
        // A hand-over issues one voucher a redemption: a hold of several would spend the
        // points of several for one code, and count several against the budget's check of
        // one.
        if quantity != 1 {
            return Err(Rejection::invalid(
                "one_voucher_a_hold",
                format!(
                    "a rate voucher is redeemed one at a time (quantity 1, not {quantity}): each is a code of its own at the bank"
                ),
            ));
        }
        super::money::within_budget(state, context, bank)?;
    }
    let station_id = pickup_station(state, who, &h);
    let station = checks::station(state, &station_id)?;
    let here = station.free(&h.reward_id);
    if here < quantity {
        let elsewhere: Vec<String> = state
            .stations
            .stocking(&h.reward_id)
            .into_iter()
            .filter(|(s, _)| s.id != station_id)
            .map(|(s, n)| format!("{} ({n})", s.name))
            .collect();
        let hint = if elsewhere.is_empty() {
            String::new()
        } else {
            format!("; in stock at {}", elsewhere.join(", "))
        };
        return Err(Rejection::conflict(
            "out_of_stock",
            format!(
                "{} has {here} left at {}, {quantity} requested{hint}",
                reward.name, station.name
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
                access::name_for(who, v),
                available.normalize(),
                (points - available).normalize()
            ),
        ));
    }
    let held = RedemptionHeld {
        redemption_id: h.redemption_id,
        volunteer_id: h.volunteer_id,
        team_id: v.team_id,
        district: v.district.to_string(),
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
    };
    Ok(vec![Commit::new_stream(
        h.redemption_id.stream(),
        vec![Event::RedemptionHeldForPickup(RedemptionHeldForPickup {
            held,
            station_id,
            pickup_code_digest: h.pickup_code_digest.unwrap_or_else(|| {
                unkeyed_pickup_code_digest(&h.redemption_id, &unkeyed_pickup_code(&h.redemption_id))
            }),
            confirmation,
        })],
    )])
}

/// What a hand-over is shown: the hold, the code the volunteer shows (and its digest under
/// the service's key, which the application computes: `None` where no key is at hand, and
/// then the unkeyed digest is compared), or their points card scanned instead.
type Shown<'a> = (
    &'a RedemptionId,
    Option<&'a str>,
    Option<[u8; 32]>,
    Option<&'a [u8; 32]>,
);

/// The reward changes hands; the held points are spent.
pub(super) fn fulfil(
    state: &State,
    who: &Principal,
    context: &Context,
    (redemption_id, shown, digest, card): Shown<'_>,
    voucher_code_digest: Option<Hash>,
) -> Result<Vec<Commit>, Rejection> {
    let r = checks::redemption(state, redemption_id)?;
    access::may_write(who, &Write::HandOver(r.station_id))?;
    checks::held(r.status, "fulfilled")?;
    // Lapsed, though the sweep that gives its points back has not come by yet: it is not
    // handed over (the sweep would find it fulfilled; the volunteer can redeem again).
    if r.expires_at <= context.now {
        return Err(Rejection::conflict(
            "hold_lapsed",
            format!(
                "this hold lapsed at {}; its points go back to the volunteer, who can redeem again",
                r.expires_at.local_minute()
            ),
        ));
    }
    let shown = shown.map(str::trim).filter(|c| !c.is_empty());
    if let Some(code) = &r.pickup_code {
        let matches = |s: &str| match code {
            PickupCode::Written(written) => bool::from(s.as_bytes().ct_eq(written.as_bytes())),
            PickupCode::Digest(d) => {
                let typed = digest.unwrap_or_else(|| unkeyed_pickup_code_digest(redemption_id, s));
                bool::from(d.ct_eq(&typed))
            }
        };
        match shown {
            Some(s) if matches(s) => {}
            Some(s) => {
                return Err(Rejection::forbidden(
                    "wrong_pickup_code",
                    format!(
                        "pickup code {s:?} is not this hold's; ask the volunteer to show it again"
                    ),
                ))
            }
            // The slip lost: the volunteer's own live card, scanned, shows it is them.
            None if card.is_some() => {
                let proof = card.map(|h| CounterProof::Card(*h));
                super::stations::confirmation(state, who, &r.volunteer_id, proof.as_ref())?;
            }
            None if matches!(who, Principal::StationClerk(..)) => {
                return Err(Rejection::invalid(
                    "pickup_code_needed",
                    "type the six-digit pickup code the volunteer shows (pickup_code), or scan their points card (card)",
                ))
            }
            None => {}
        }
    }
    let mut events = vec![Event::RedemptionFulfilled(RedemptionFulfilled {
        redemption_id: *redemption_id,
        volunteer_id: r.volunteer_id,
        reward_id: r.reward_id,
        quantity: r.quantity,
        points: r.points,
    })];
    if r.pickup_code.is_some() {
        events.push(Event::RedemptionPickedUp(RedemptionPickedUp {
            redemption_id: *redemption_id,
            station_id: r.station_id,
            pickup_code: shown.unwrap_or_default().to_owned(),
        }));
    }
    // A rate voucher changes hands with its code.
    if let Some(RewardKind::RateVoucher { bank, basis_points }) =
        state.rewards.get(&r.reward_id).map(|w| &w.kind)
    {
        events.push(super::money::issue(
            state,
            context,
            r,
            (bank, *basis_points),
            voucher_code_digest,
        )?);
    }
    Ok(vec![Commit::any(redemption_id.stream(), events)])
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
    access::may_write(who, &Write::CancelRedemption(r.volunteer_id, r.station_id))?;
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
