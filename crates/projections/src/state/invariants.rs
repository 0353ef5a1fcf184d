//! The invariants of the folded state, checked at startup and after every step of the
//! property tests.

use std::collections::HashMap;

use rust_decimal::Decimal;
use yinling_ledger::{RewardId, StationId};

use super::State;
use crate::redemptions::RedemptionStatus;
use crate::volunteers::{Balance, Volunteer};

impl State {
    /// Checks every invariant of the design; returns the first violation in words.
    ///
    /// Used at startup, and by tests after every step.
    pub fn check_invariants(&self) -> Result<(), String> {
        let sum = self.check_volunteers()?;
        let t = &self.totals;
        if (
            sum.earned,
            sum.reversed,
            sum.held,
            sum.redeemed,
            sum.carried,
        ) != (
            t.points_earned,
            t.points_reversed,
            t.points_held,
            t.points_redeemed,
            t.points_carried,
        ) {
            return Err(format!(
                "points are not conserved: volunteers {sum:?}, ledger {t:?}"
            ));
        }
        // Issued = available + held + redeemed + pending follows from the sums above, since a
        // balance stores its parts and `available` is computed from them; what can go wrong
        // is a volunteer's `pending`, checked against their activities on notice.
        let mut held_units: HashMap<RewardId, u32> = HashMap::new();
        let mut held_at: HashMap<(StationId, RewardId), u32> = HashMap::new();
        let mut held_points = Decimal::ZERO;
        let mut redeemed_points = Decimal::ZERO;
        let mut held_count = 0usize;
        for r in self.redemptions.values() {
            match r.status {
                RedemptionStatus::Held => {
                    *held_units.entry(r.reward_id).or_default() += r.quantity;
                    *held_at.entry((r.station_id, r.reward_id)).or_default() += r.quantity;
                    held_points += r.points;
                    held_count += 1;
                    if !self.holds_by_expiry.contains(&(r.expires_at, r.id)) {
                        return Err(format!("hold {} is missing from the open holds", r.id));
                    }
                }
                RedemptionStatus::Fulfilled => redeemed_points += r.points,
                _ => {}
            }
        }
        // The open holds are exactly the held redemptions (the budget counts vouchers waiting
        // from them).
        if held_count != self.holds_by_expiry.len() {
            return Err(format!(
                "{} open holds listed, {held_count} redemptions held",
                self.holds_by_expiry.len()
            ));
        }
        // Each activity's and each volunteer's number turns back into its id (statement
        // lines and participants name them by it).
        self.activity_numbers
            .holds_exactly(
                self.activities.len(),
                self.activities.values().map(|a| (a.number, a.id)),
            )
            .map_err(|why| format!("activities: {why}"))?;
        self.volunteer_numbers
            .holds_exactly(
                self.volunteers.len(),
                self.volunteers.values().map(|v| (v.number, v.id)),
            )
            .map_err(|why| format!("volunteers: {why}"))?;
        if self.voucher_units_waiting != self.count_vouchers_waiting() {
            return Err("the vouchers waiting per bank disagree with the open holds".into());
        }
        if held_points != t.points_held || redeemed_points != t.points_redeemed {
            return Err("redemption records disagree with balances".into());
        }
        for r in self.rewards.values() {
            if u64::from(r.stock) + u64::from(r.held) + u64::from(r.redeemed) != r.supplied {
                return Err(format!("reward {} stock does not add up", r.id));
            }
            let (free, held) = self
                .stations
                .by_id
                .values()
                .fold((0u64, 0u64), |(f, h), s| {
                    let shelf = s.shelves.get(&r.id).copied().unwrap_or_default();
                    (f + u64::from(shelf.free), h + u64::from(shelf.held))
                });
            if free != u64::from(r.stock) || held != u64::from(r.held) {
                return Err(format!(
                    "reward {}: the stations' shelves ({free} free, {held} held) disagree with its stock ({} free, {} held)",
                    r.id, r.stock, r.held
                ));
            }
            if held_units.get(&r.id).copied().unwrap_or(0) != r.held {
                return Err(format!(
                    "reward {} held units disagree with redemptions",
                    r.id
                ));
            }
        }
        // Each station's shelf holds exactly the units of the holds to be picked up there:
        // a hand-over or a cancellation gives them back to the shelf they came from.
        for s in self.stations.by_id.values() {
            for (reward, shelf) in &s.shelves {
                let held = held_at.remove(&(s.id, *reward)).unwrap_or(0);
                if shelf.held != held {
                    return Err(format!(
                        "station {} holds {} units of reward {reward} for {held} units of holds to be picked up there",
                        s.id, shelf.held
                    ));
                }
            }
        }
        if let Some(((station, reward), units)) = held_at.into_iter().find(|(_, n)| *n > 0) {
            return Err(format!(
                "{units} units of reward {reward} are held for pickup at station {station}, which has no shelf of it"
            ));
        }
        Ok(())
    }

    /// The volunteers' own invariants, and the sum of their balances: on a thread a core at
    /// a province (a start checks a million volunteers, 0.4 s on one thread), in order on one
    /// for a small state. The first violation found is returned.
    fn check_volunteers(&self) -> Result<Balance, String> {
        let all: Vec<&Volunteer> = self.volunteers.values().collect();
        let Some(share) = super::volunteers_per_thread(all.len()) else {
            return check_volunteers_of(self, &all);
        };
        let sums: Vec<Result<Balance, String>> = std::thread::scope(|scope| {
            let parts: Vec<_> = all
                .chunks(share)
                .map(|part| {
                    let spawned = std::thread::Builder::new()
                        .name("yinling-invariants".into())
                        .spawn_scoped(scope, move || check_volunteers_of(self, part));
                    (part, spawned)
                })
                .collect();
            parts
                .into_iter()
                .map(|(part, spawned)| match spawned {
                    Ok(thread) => thread
                        .join()
                        .unwrap_or_else(|_| Err("the volunteers' check panicked".into())),
                    // No thread to spare: this part is checked here.
                    Err(_) => check_volunteers_of(self, part),
                })
                .collect()
        });
        let mut sum = Balance::default();
        for part in sums {
            add_counted(&mut sum, &part?);
        }
        Ok(sum)
    }
}

/// [`State::check_volunteers`] over one part of the volunteers.
fn check_volunteers_of(state: &State, part: &[&Volunteer]) -> Result<Balance, String> {
    let mut sum = Balance::default();
    for v in part {
        let b = &v.balance;
        // What is pending is their points in the activities of theirs still on notice, not
        // reversed: `available` subtracts it, so a stale figure would hide or invent points.
        let on_notice = state.points_on_notice(v);
        if b.pending != on_notice {
            return Err(format!(
                "volunteer {} has {} points pending but {} in the activities of theirs on notice",
                v.id, b.pending, on_notice
            ));
        }
        if b.available() < Decimal::ZERO {
            return Err(format!(
                "volunteer {} has {} available points",
                v.id,
                b.available()
            ));
        }
        if b.held < Decimal::ZERO || b.earned < b.reversed {
            return Err(format!(
                "volunteer {} has an impossible balance {b:?}",
                v.id
            ));
        }
        for (day, hours) in v.hours_by_date.iter() {
            if hours < Decimal::ZERO || hours > crate::limits::MAX_HOURS_PER_DAY {
                let date = yinling_ledger::time::day_number::date(day);
                return Err(format!("volunteer {} has {hours} hours on {date}", v.id));
            }
        }
        // A star stands only on the hours it needs; one waiting for review is above it.
        let star = &v.star;
        if star.recorded
            && (v.hours_net() < star.threshold_hours
                || star
                    .pending
                    .as_ref()
                    .is_some_and(|p| p.level <= star.level || v.hours_net() < p.threshold_hours))
        {
            return Err(format!(
                "volunteer {} holds stars their {} net hours do not support: {star:?}",
                v.id,
                v.hours_net()
            ));
        }
        match v.statement.last(state.stamps()) {
            None if !v.statement.is_empty() => {
                return Err(format!(
                    "volunteer {}'s last statement line does not read",
                    v.id
                ));
            }
            Some(last) if last.available_after != b.available() => {
                return Err(format!(
                    "volunteer {}'s statement does not end at the balance",
                    v.id
                ));
            }
            _ => {}
        }
        add_counted(&mut sum, b);
    }
    Ok(sum)
}

/// Adds to `sum` the parts of `b` the ledger's totals count (not the points still on
/// notice, which the totals hold within `earned`).
fn add_counted(sum: &mut Balance, b: &Balance) {
    sum.earned += b.earned;
    sum.reversed += b.reversed;
    sum.held += b.held;
    sum.redeemed += b.redeemed;
    sum.carried += b.carried;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A start clones the writer's copy and checks the invariants at once: a broken state is
    /// still refused, the copy keeps no ranking index, and the state keeps its own.
    #[test]
    fn the_writers_clone_is_checked_beside_it() {
        let mut state = State::new();
        let (copy, checked) = state.clone_for_writer_checked();
        assert_eq!(checked, Ok(()));
        assert!(!copy.rankings.is_kept() && state.rankings.is_kept());
        state.totals.points_earned = Decimal::ONE;
        let (_, checked) = state.clone_for_writer_checked();
        assert!(
            checked.is_err(),
            "a total no volunteer accounts for is refused"
        );
        assert!(state.rankings.is_kept());
    }
}
