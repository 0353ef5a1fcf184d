//! The e-stations as people read them: where each reward is in stock, a station's shelf
//! and queue, what the counter shows about a volunteer, and a bank's rate vouchers.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_ledger::{RewardId, RewardKind, StationId};
use yinling_projections::redemptions::{Redemption, RedemptionStatus};
use yinling_projections::stations::Station;
use yinling_projections::volunteers::Volunteer;
use yinling_projections::{access, Principal, State};

use crate::wire::Amount;

/// One station's units of one reward.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ShelfOut {
    /// The station.
    pub station_id: String,
    /// Its name.
    pub station_name: String,
    /// The reward.
    pub reward_id: String,
    /// The reward's name.
    pub reward_name: String,
    /// Free to redeem there.
    pub free: u32,
    /// Held for pickup there.
    pub held: u32,
}

/// An e-station with its shelf.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StationOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// District or county (empty for the first station of an old log).
    pub district: String,
    /// Address.
    pub address: String,
    /// Opening hours, in words.
    pub opening_hours: String,
    /// Each reward it has or had units of.
    pub shelf: Vec<ShelfOut>,
}

/// A station's shelf, rewards by name.
pub fn shelf_out(state: &State, station: &Station) -> Vec<ShelfOut> {
    let mut shelf: Vec<ShelfOut> = station
        .shelves
        .iter()
        .filter_map(|(reward, s)| {
            let r = state.rewards.get(reward)?;
            Some(ShelfOut {
                station_id: station.id.to_string(),
                station_name: station.name.clone(),
                reward_id: reward.to_string(),
                reward_name: r.name.clone(),
                free: s.free,
                held: s.held,
            })
        })
        .collect();
    shelf.sort_by(|a, b| (&a.reward_name, &a.reward_id).cmp(&(&b.reward_name, &b.reward_id)));
    shelf
}

/// A station as people read it.
pub fn station_out(state: &State, station: &Station) -> StationOut {
    StationOut {
        id: station.id.to_string(),
        name: station.name.clone(),
        district: station.district.clone(),
        address: station.address.clone(),
        opening_hours: station.opening_hours.clone(),
        shelf: shelf_out(state, station),
    }
}

/// Every station, the first one first, then by name.
pub fn stations_out(state: &State) -> Vec<StationOut> {
    let mut all: Vec<&Station> = state.stations.by_id.values().collect();
    all.sort_by_key(|s| (s.id != StationId::FIRST, s.name.clone()));
    all.into_iter().map(|s| station_out(state, s)).collect()
}

/// Where a reward has free units, station by station.
pub fn in_stock_at(state: &State, reward: &RewardId) -> Vec<ShelfOut> {
    let name = state
        .rewards
        .get(reward)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    state
        .stations
        .stocking(reward)
        .into_iter()
        .map(|(s, free)| ShelfOut {
            station_id: s.id.to_string(),
            station_name: s.name.clone(),
            reward_id: reward.to_string(),
            reward_name: name.clone(),
            free,
            held: s.shelves.get(reward).map_or(0, |x| x.held),
        })
        .collect()
}

/// A station's name (the first station's, for an unknown id).
pub fn station_name(state: &State, id: &StationId) -> String {
    state
        .stations
        .get(id)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// A volunteer as the counter shows them: enough to be sure it is the person standing
/// there, and their balance.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CounterMatch {
    /// Id.
    pub volunteer_id: String,
    /// Name.
    pub name: String,
    /// Their team.
    pub team_name: String,
    /// Year of birth, if recorded.
    pub birth_year: Option<u16>,
    /// Points they can spend now.
    pub available: Amount,
    /// Whether they set a counter PIN.
    pub has_pin: bool,
}

/// The counter's view of a volunteer.
pub fn counter_match(state: &State, v: &Volunteer) -> CounterMatch {
    CounterMatch {
        volunteer_id: v.id.to_string(),
        name: v.name.clone(),
        team_name: state
            .teams
            .get(&v.team_id)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        birth_year: v.birth_year,
        available: v.balance.available().into(),
        has_pin: v.pin_sha256.is_some(),
    }
}

/// One rate voucher as its bank reads it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VoucherOut {
    /// The redemption.
    pub redemption_id: String,
    /// The voucher's name.
    pub reward_name: String,
    /// The rate bonus in basis points.
    pub basis_points: u32,
    /// Whose.
    pub volunteer_name: String,
    /// Units.
    pub quantity: u32,
    /// The redemption's: held, fulfilled, cancelled or expired.
    pub status: String,
    /// The voucher's, once handed over: valid, used, cancelled or expired (on the day read).
    pub voucher_status: Option<String>,
    /// The voucher's last day at the bank, once handed over.
    pub voucher_expires_on: Option<String>,
    /// When redeemed (RFC 3339).
    pub held_at: String,
    /// When handed over, cancelled or lapsed (RFC 3339).
    pub settled_at: Option<String>,
}

/// A bank's rate vouchers, newest first, each holder named as `who` may see them (masked to
/// a bank officer: a voucher is checked by its code, not by the name), each voucher's status
/// as it stands on `today` (a redemption handed over may be a voucher used, cancelled or
/// expired since, and the bank needs to tell which).
pub fn bank_vouchers(
    state: &State,
    who: &Principal,
    bank: &str,
    today: chrono::NaiveDate,
) -> Vec<VoucherOut> {
    let mut rows: Vec<(&Redemption, String, u32)> = state
        .redemptions
        .values()
        .filter_map(|r| {
            let reward = state.rewards.get(&r.reward_id)?;
            match &reward.kind {
                RewardKind::RateVoucher {
                    bank: b,
                    basis_points,
                } if b == bank => Some((r, reward.name.clone(), *basis_points)),
                _ => None,
            }
        })
        .collect();
    rows.sort_by_key(|(r, ..)| std::cmp::Reverse((r.held_at, r.id)));
    rows.into_iter()
        .map(|(r, reward_name, basis_points)| {
            let voucher = state.vouchers.by_redemption.get(&r.id);
            VoucherOut {
                redemption_id: r.id.to_string(),
                reward_name,
                basis_points,
                volunteer_name: state
                    .volunteers
                    .get(&r.volunteer_id)
                    .map(|v| access::name_for(who, v))
                    .unwrap_or_default(),
                quantity: r.quantity,
                status: r.status.as_str().to_owned(),
                voucher_status: voucher.map(|v| v.status(today).as_str().to_owned()),
                voucher_expires_on: voucher.map(|v| v.expires_on.to_string()),
                held_at: r.held_at.to_rfc3339(),
                settled_at: r.settled_at.map(|t| t.to_rfc3339()),
            }
        })
        .collect()
}

/// The holds waiting for pickup at a station, oldest first.
pub fn queue<'a>(state: &'a State, station: &StationId) -> Vec<&'a Redemption> {
    let mut held: Vec<&Redemption> = state
        .redemptions
        .values()
        .filter(|r| r.status == RedemptionStatus::Held && r.station_id == *station)
        .collect();
    held.sort_by_key(|r| (r.held_at, r.id));
    held
}

/// The banks whose rate vouchers are on the catalogue, by name.
pub fn banks(state: &State) -> Vec<String> {
    state.voucher_banks()
}
