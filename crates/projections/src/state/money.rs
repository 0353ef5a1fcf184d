//! How the money side is folded: vouchers issued, used, refused and cancelled; the banks'
//! budgets; rewards' values and suppliers; stock receipts' costs.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::maps::FastMap;
use crate::redemptions::RedemptionStatus;
use crate::vouchers::{Budget, BudgetLeft, Voucher, VoucherUse};

impl State {
    /// A bank's voucher holds not yet handed over: they count against its budget. Read from
    /// the count kept as holds open and settle (`voucher_units_waiting`): each voucher hold
    /// asks this, and a province has millions of redemptions and thousands of open holds.
    pub fn vouchers_waiting(&self, bank: &str) -> u32 {
        self.voucher_units_waiting.get(bank).copied().unwrap_or(0)
    }

    /// [`State::vouchers_waiting`] counted from the open holds themselves, bank by bank
    /// (after a snapshot is decoded, and as the invariants' oracle).
    pub fn count_vouchers_waiting(&self) -> FastMap<String, u32> {
        let mut out: FastMap<String, u32> = FastMap::default();
        for r in self
            .holds_by_expiry
            .iter()
            .filter_map(|(_, id)| self.redemptions.get(id))
            .filter(|r| r.status == RedemptionStatus::Held)
        {
            if let Some(bank) = self.voucher_bank(&r.reward_id).filter(|_| r.quantity > 0) {
                *out.entry(bank.to_owned()).or_default() += r.quantity;
            }
        }
        out
    }

    /// The bank whose rate voucher `reward` is, if it is one.
    fn voucher_bank(&self, reward: &RewardId) -> Option<&str> {
        match &self.rewards.get(reward)?.kind {
            RewardKind::RateVoucher { bank, .. } => Some(bank),
            _ => None,
        }
    }

    /// Moves the count of vouchers waiting for `reward`'s bank up at a hold (`held`) or down
    /// when it settles.
    pub(super) fn voucher_wait(&mut self, reward: &RewardId, units: u32, held: bool) {
        let Some(bank) = self.voucher_bank(reward).map(str::to_owned) else {
            return;
        };
        let before = self.voucher_units_waiting.get(&bank).copied().unwrap_or(0);
        let after = if held {
            before.saturating_add(units)
        } else {
            before.saturating_sub(units)
        };
        // None waiting is no entry, as a count from the open holds has it.
        if after == 0 {
            self.voucher_units_waiting.remove(&bank);
        } else {
            self.voucher_units_waiting.insert(bank, after);
        }
    }

    /// The banks whose rate vouchers are on the catalogue, by name, in order.
    pub fn voucher_banks(&self) -> Vec<String> {
        let mut banks: Vec<String> = self
            .rewards
            .values()
            .filter_map(|r| match &r.kind {
                RewardKind::RateVoucher { bank, .. } => Some(bank.clone()),
                RewardKind::Product { .. } => None,
            })
            .collect();
        banks.sort();
        banks.dedup();
        banks
    }

    /// What a bank's budget for `year` has left, the holds waiting at a counter counted.
    pub fn budget_left(&self, bank: &str, year: i32) -> BudgetLeft {
        self.vouchers.left(bank, year, self.vouchers_waiting(bank))
    }

    pub(super) fn voucher_issued(&mut self, envelope: &Envelope, e: &VoucherIssued) {
        let voucher = self.voucher_recorded(
            envelope,
            (e.redemption_id, e.volunteer_id, e.reward_id),
            (&e.bank, e.basis_points),
            e.code_sha256,
            e.expires_on,
        );
        self.vouchers.put(voucher);
    }

    pub(super) fn voucher_handed_over(&mut self, envelope: &Envelope, e: &VoucherHandedOver) {
        let voucher = self.voucher_recorded(
            envelope,
            (e.redemption_id, e.volunteer_id, e.reward_id),
            (&e.bank, e.basis_points),
            e.code_digest,
            e.expires_on,
        );
        self.vouchers.put(voucher);
    }

    /// A voucher as either event records its hand-over; only the digest of its code differs.
    fn voucher_recorded(
        &self,
        envelope: &Envelope,
        (redemption_id, volunteer_id, reward_id): (RedemptionId, VolunteerId, RewardId),
        (bank, basis_points): (&str, u32),
        code_digest: Hash,
        expires_on: NaiveDate,
    ) -> Voucher {
        Voucher {
            redemption_id,
            volunteer_id,
            reward_id,
            bank: bank.to_owned(),
            basis_points,
            code_digest,
            issued_at: envelope.recorded_at,
            issued_seq: envelope.seq,
            issued_on: self.policies.date_of(envelope.recorded_at),
            expires_on,
            used: None,
            cancelled: None,
            cancelled_on: None,
            refusals: Vec::new(),
        }
    }

    pub(super) fn voucher_used(&mut self, envelope: &Envelope, e: &VoucherUsed) {
        if let Some(v) = self.vouchers.by_redemption.get_mut(&e.redemption_id) {
            v.used = Some(VoucherUse {
                product: e.product,
                amount_yuan: e.amount_yuan,
                bonus_yuan: e.bonus_yuan,
                used_on: e.used_on,
                at: envelope.recorded_at,
            });
        }
    }

    pub(super) fn voucher_refused(&mut self, envelope: &Envelope, e: &VoucherRefused) {
        if let Some(v) = self.vouchers.by_redemption.get_mut(&e.redemption_id) {
            v.refusals.push((envelope.recorded_at, e.reason.clone()));
        }
    }

    pub(super) fn voucher_cancelled(&mut self, envelope: &Envelope, e: &VoucherCancelled) {
        let on = self.policies.date_of(envelope.recorded_at);
        if let Some(v) = self.vouchers.by_redemption.get_mut(&e.redemption_id) {
            v.cancelled = Some(e.reason.clone());
            v.cancelled_on = Some(on);
        }
    }

    /// The points of a redemption handed over go back to its volunteer: spent no more, the
    /// redemption on record as refunded; no stock returns.
    pub(super) fn redemption_refunded(&mut self, envelope: &Envelope, e: &RedemptionRefunded) {
        let mut team_and_district = None;
        if let Some(r) = self.redemptions.get_mut(&e.redemption_id) {
            r.status = RedemptionStatus::Refunded;
            r.refunded_at = Some(envelope.recorded_at);
            team_and_district = Some((r.team_id, r.district.clone()));
        }
        // The hand-over's count in its team's and district's figures is taken back, as the
        // volunteer's and the city's are.
        if let Some((team, district)) = team_and_district {
            if let Some(t) = self.teams.get_mut(&team) {
                t.tally.redemptions = t.tally.redemptions.saturating_sub(1);
                t.tally.redemption_points -= e.points;
            }
            let d = self.district_mut(&district);
            d.tally.redemptions = d.tally.redemptions.saturating_sub(1);
            d.tally.redemption_points -= e.points;
        }
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.redeemed -= e.points;
            v.record(
                envelope,
                crate::volunteers::EntryKind::Refund,
                None,
                e.points,
                Decimal::ZERO,
                crate::volunteers::EntryRef::Redemption(e.redemption_id),
            );
        }
        self.totals.points_redeemed -= e.points;
    }

    pub(super) fn bank_budget_set(&mut self, e: &BankBudgetSet) {
        self.vouchers.budgets.insert(
            (e.bank.clone(), e.year),
            Budget {
                vouchers: e.vouchers,
                bonus_yuan: e.bonus_yuan,
                note: e.note.clone(),
            },
        );
    }

    pub(super) fn opening_balance(&mut self, envelope: &Envelope, e: &OpeningBalanceRecorded) {
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.balance.carried += e.points;
            v.carried = Some(Box::new(crate::volunteers::Carried {
                hours: e.hours,
                points: e.points,
                star_level: e.star_level,
                as_of: e.as_of,
                source_system: e.source_system.clone(),
            }));
            v.record(
                envelope,
                crate::volunteers::EntryKind::CarriedOver,
                Some(e.as_of),
                e.points,
                Decimal::ZERO,
                crate::volunteers::EntryRef::CarriedOver,
            );
            self.totals.points_carried += e.points;
        }
    }

    pub(super) fn reward_valued(&mut self, e: &RewardValued) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.unit_value_yuan = Some(e.unit_value_yuan);
            r.supplier = e.supplier.clone();
        }
    }

    pub(super) fn stock_costed(&mut self, envelope: &Envelope, e: &StockCosted) {
        if let Some(r) = self.rewards.get_mut(&e.reward_id) {
            r.unit_cost_yuan = Some(e.unit_cost_yuan);
        }
        if let Some(station) = self.stations.by_id.get_mut(&e.station_id) {
            station.receipts.insert(
                e.reward_id,
                crate::stations::LastReceipt {
                    unit_cost_yuan: e.unit_cost_yuan,
                    supplier: e.supplier.clone(),
                },
            );
        }
        self.stock_receipts.push(crate::stations::StockReceipt {
            at: envelope.recorded_at,
            reward_id: e.reward_id,
            station_id: e.station_id,
            quantity: e.quantity,
            unit_cost_yuan: e.unit_cost_yuan,
            supplier: e.supplier.clone(),
        });
    }
}
