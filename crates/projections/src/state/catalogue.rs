//! How the e-station is folded: the catalogue and its stock, and redemptions from hold to
//! hand-over, cancellation or expiry.

use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::catalog::Reward;
use crate::redemptions::{PickupCode, Redemption, RedemptionStatus};
use crate::stations::Station;
use crate::volunteers::{EntryKind, EntryRef};

impl State {
    pub(super) fn reward_listed(&mut self, envelope: &Envelope, e: &RewardListed) {
        let at = envelope.recorded_at;
        self.rewards.insert(
            e.reward_id,
            Reward {
                id: e.reward_id,
                name: e.name.clone(),
                kind: e.kind.clone(),
                cost_points: e.cost_points,
                stock: e.stock,
                held: 0,
                redeemed: 0,
                supplied: u64::from(e.stock),
                retired: false,
                listed_at: at,
                unit_value_yuan: None,
                supplier: String::new(),
                unit_cost_yuan: None,
            },
        );
        self.stations
            .shelf_mut(&StationId::FIRST, &e.reward_id)
            .free += e.stock;
    }

    pub(super) fn reward_restocked(&mut self, e: &RewardRestocked) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.stock = r.stock.saturating_add(e.quantity);
            r.supplied += u64::from(e.quantity);
        }
        let shelf = self.stations.shelf_mut(&StationId::FIRST, &e.reward_id);
        shelf.free = shelf.free.saturating_add(e.quantity);
    }

    pub(super) fn station_opened(&mut self, envelope: &Envelope, e: &StationOpened) {
        let shelves = self
            .stations
            .by_id
            .remove(&e.station_id)
            .map(|s| (s.shelves, s.receipts))
            .unwrap_or_default();
        self.stations.by_id.insert(
            e.station_id,
            Station {
                id: e.station_id,
                name: e.name.clone(),
                district: e.district.clone(),
                address: e.address.clone(),
                opening_hours: e.opening_hours.clone(),
                opened_at: Some(envelope.recorded_at),
                shelves: shelves.0,
                receipts: shelves.1,
            },
        );
    }

    pub(super) fn station_stocked(&mut self, e: &StationStocked) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.stock = r.stock.saturating_add(e.quantity);
            r.supplied += u64::from(e.quantity);
        }
        let shelf = self.stations.shelf_mut(&e.station_id, &e.reward_id);
        shelf.free = shelf.free.saturating_add(e.quantity);
        debug_assert_eq!(shelf.free, e.stock_after);
    }

    /// Units that left the shelf without a redemption are no longer supplied: stock and
    /// supply go down together, so free + held + handed over still adds up to supplied.
    pub(super) fn stock_written_off(&mut self, e: &StockWrittenOff) {
        let shelf = self.stations.shelf_mut(&e.station_id, &e.reward_id);
        let taken = e.quantity.min(shelf.free);
        shelf.free -= taken;
        debug_assert_eq!(shelf.free, e.stock_after);
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.stock = r.stock.saturating_sub(taken);
            r.supplied = r.supplied.saturating_sub(u64::from(taken));
        }
    }

    pub(super) fn stock_transferred(&mut self, e: &StockTransferred) {
        let from = self.stations.shelf_mut(&e.from_station, &e.reward_id);
        debug_assert!(
            from.free >= e.quantity,
            "decide never moves what is not there"
        );
        from.free = from.free.saturating_sub(e.quantity);
        let to = self.stations.shelf_mut(&e.to_station, &e.reward_id);
        to.free = to.free.saturating_add(e.quantity);
    }

    pub(super) fn redemption_held_at(&mut self, envelope: &Envelope, e: &RedemptionHeldAt) {
        self.hold_at(envelope, &e.held, e.station_id);
        if let Some(r) = self.redemptions.get_mut(&e.held.redemption_id) {
            r.pickup_code = Some(PickupCode::Written(e.pickup_code.clone()));
            r.confirmation = Some(e.confirmation);
        }
    }

    pub(super) fn redemption_held_for_pickup(
        &mut self,
        envelope: &Envelope,
        e: &RedemptionHeldForPickup,
    ) {
        self.hold_at(envelope, &e.held, e.station_id);
        if let Some(r) = self.redemptions.get_mut(&e.held.redemption_id) {
            r.pickup_code = Some(PickupCode::Digest(e.pickup_code_digest));
            r.confirmation = Some(e.confirmation);
        }
    }

    pub(super) fn redemption_picked_up(&mut self, e: &RedemptionPickedUp) {
        if let Some(r) = self.redemptions.get_mut(&e.redemption_id) {
            r.picked_up_with = Some(e.pickup_code.clone()).filter(|c| !c.is_empty());
        }
    }

    pub(super) fn reward_repriced(&mut self, e: &RewardRepriced) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.cost_points = e.cost_points;
        }
    }

    pub(super) fn reward_retired(&mut self, e: &RewardRetired) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.retired = true;
        }
    }

    pub(super) fn redemption_held(&mut self, envelope: &Envelope, e: &RedemptionHeld) {
        self.hold_at(envelope, e, StationId::FIRST);
    }

    /// Reserves points, and the units on the pickup station's shelf.
    fn hold_at(&mut self, envelope: &Envelope, e: &RedemptionHeld, station: StationId) {
        let at = envelope.recorded_at;
        let shelf = self.stations.shelf_mut(&station, &e.reward_id);
        debug_assert!(shelf.free >= e.quantity, "decide never oversells a station");
        shelf.free = shelf.free.saturating_sub(e.quantity);
        shelf.held += e.quantity;
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            debug_assert!(r.stock >= e.quantity, "decide never oversells");
            r.stock = r.stock.saturating_sub(e.quantity);
            r.held += e.quantity;
        }
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.held += e.points;
            debug_assert!(
                v.balance.available() >= Decimal::ZERO,
                "decide never overdraws"
            );
            v.record(
                envelope,
                EntryKind::Hold,
                None,
                -e.points,
                Decimal::ZERO,
                EntryRef::Redemption(e.redemption_id),
            );
        }
        self.redemptions.insert(
            e.redemption_id,
            Redemption {
                id: e.redemption_id,
                volunteer_id: e.volunteer_id,
                team_id: e.team_id,
                district: e.district.clone(),
                reward_id: e.reward_id,
                quantity: e.quantity,
                cost_points: e.cost_points,
                points: e.points,
                status: RedemptionStatus::Held,
                held_at: at,
                held_by: envelope.actor,
                expires_at: e.expires_at,
                settled_at: None,
                settled_by: None,
                reason: None,
                station_id: station,
                pickup_code: None,
                confirmation: None,
                picked_up_with: None,
                unit_value_yuan: None,
                unit_cost_yuan: None,
                supplier: String::new(),
                refunded_at: None,
            },
        );
        self.holds_by_expiry.insert((e.expires_at, e.redemption_id));
        self.voucher_wait(&e.reward_id, e.quantity, true);
        self.totals.points_held += e.points;
    }

    pub(super) fn redemption_fulfilled(&mut self, envelope: &Envelope, e: &RedemptionFulfilled) {
        let at = envelope.recorded_at;
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.held -= e.points;
            v.balance.redeemed += e.points;
            v.record(
                envelope,
                EntryKind::Fulfilment,
                None,
                Decimal::ZERO,
                Decimal::ZERO,
                EntryRef::Redemption(e.redemption_id),
            );
        }
        let mut priced = (None, None, String::new());
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.held = r.held.saturating_sub(e.quantity);
            r.redeemed += e.quantity;
            priced = (r.unit_value_yuan, r.unit_cost_yuan, r.supplier.clone());
        }
        // Settled with the supplier of the last receipt at the station it left, at that
        // receipt's cost; the reward's own (its valuation's supplier, the last receipt
        // anywhere) only when the station never received it (stock moved in, or listed).
        if let Some(last) = self
            .redemptions
            .get(&e.redemption_id)
            .and_then(|r| self.stations.get(&r.station_id))
            .and_then(|s| s.receipts.get(&e.reward_id))
        {
            priced.1 = Some(last.unit_cost_yuan);
            if !last.supplier.is_empty() {
                priced.2 = last.supplier.clone();
            }
        }
        if let Some(r) = self.redemptions.get_mut(&e.redemption_id) {
            (r.unit_value_yuan, r.unit_cost_yuan, r.supplier) = priced;
        }
        if let Some(station) = self.redemptions.get(&e.redemption_id).map(|r| r.station_id) {
            let shelf = self.stations.shelf_mut(&station, &e.reward_id);
            shelf.held = shelf.held.saturating_sub(e.quantity);
        }
        let team_and_district = self.settle(
            &e.redemption_id,
            RedemptionStatus::Fulfilled,
            at,
            envelope.actor,
            None,
        );
        if let Some((team, district)) = team_and_district {
            if let Some(t) = self.teams.get_mut(&team) {
                t.tally.redemptions += 1;
                t.tally.redemption_points += e.points;
            }
            let d = self.district_mut(&district);
            d.tally.redemptions += 1;
            d.tally.redemption_points += e.points;
        }
        self.totals.points_held -= e.points;
        self.totals.points_redeemed += e.points;
    }

    pub(super) fn redemption_cancelled(&mut self, envelope: &Envelope, e: &RedemptionCancelled) {
        let at = envelope.recorded_at;
        self.release(
            envelope,
            &e.redemption_id,
            &e.volunteer_id,
            &e.reward_id,
            e.quantity,
            e.points,
            EntryKind::Cancellation,
        );
        self.settle(
            &e.redemption_id,
            RedemptionStatus::Cancelled,
            at,
            envelope.actor,
            Some(e.reason.clone()),
        );
    }

    pub(super) fn redemption_expired(&mut self, envelope: &Envelope, e: &RedemptionExpired) {
        let at = envelope.recorded_at;
        self.release(
            envelope,
            &e.redemption_id,
            &e.volunteer_id,
            &e.reward_id,
            e.quantity,
            e.points,
            EntryKind::Expiry,
        );
        self.settle(
            &e.redemption_id,
            RedemptionStatus::Expired,
            at,
            envelope.actor,
            None,
        );
    }

    /// Returns points and stock of a hold that ended without fulfilment.
    #[allow(clippy::too_many_arguments)]
    fn release(
        &mut self,
        envelope: &Envelope,
        redemption: &RedemptionId,
        volunteer: &VolunteerId,
        reward: &RewardId,
        quantity: u32,
        points: Decimal,
        kind: EntryKind,
    ) {
        if let Some(v) = self.volunteers.get_mut(volunteer) {
            v.balance.held -= points;
            v.record(
                envelope,
                kind,
                None,
                points,
                Decimal::ZERO,
                EntryRef::Redemption(*redemption),
            );
        }
        if let Some(r) = self.rewards.get_mut(reward) {
            r.held = r.held.saturating_sub(quantity);
            r.stock = r.stock.saturating_add(quantity);
        }
        if let Some(station) = self.redemptions.get(redemption).map(|r| r.station_id) {
            let shelf = self.stations.shelf_mut(&station, reward);
            shelf.held = shelf.held.saturating_sub(quantity);
            shelf.free = shelf.free.saturating_add(quantity);
        }
        self.totals.points_held -= points;
    }

    /// Moves a redemption out of `Held`; returns its team and district.
    fn settle(
        &mut self,
        id: &RedemptionId,
        status: RedemptionStatus,
        at: Timestamp,
        by: Actor,
        reason: Option<String>,
    ) -> Option<(TeamId, String)> {
        let r = self.redemptions.get_mut(id)?;
        let was_open = self.holds_by_expiry.remove(&(r.expires_at, *id));
        r.status = status;
        r.settled_at = Some(at);
        r.settled_by = Some(by);
        r.reason = reason;
        let (team, district, reward, units) =
            (r.team_id, r.district.clone(), r.reward_id, r.quantity);
        if was_open {
            self.voucher_wait(&reward, units, false);
        }
        Some((team, district))
    }
}
