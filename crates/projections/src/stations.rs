//! E-stations (银领共富 e站): counters, each with its own stock of each reward.
//!
//! A log from before stations were records has one station, [`StationId::FIRST`], which
//! holds every unit listed or restocked without a station; it is in every state, opened or
//! not. For every reward, the free units of all stations add up to the reward's free stock
//! and the held units to its held units (`State::check_invariants`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use yinling_ledger::{RewardId, StationId, Timestamp};

/// The name of the first station until it is opened as a record.
pub const FIRST_STATION_NAME: &str = "银领共富 e站";

/// One station's units of one reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shelf {
    /// Free to redeem here.
    pub free: u32,
    /// Reserved by holds to be picked up here.
    pub held: u32,
}

/// An e-station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    /// Id.
    pub id: StationId,
    /// Name, e.g. 南浔 e站.
    pub name: String,
    /// District or county.
    pub district: String,
    /// Address.
    pub address: String,
    /// Opening hours, in words.
    pub opening_hours: String,
    /// When opened (`None`: the first station of an old log, never opened as a record).
    pub opened_at: Option<Timestamp>,
    /// Its shelves, by reward.
    pub shelves: BTreeMap<RewardId, Shelf>,
    /// The last stock receipt here of each reward: what a unit cost and who delivered it,
    /// what a hand-over here is settled with its supplier at (a receipt at another station
    /// from another supplier, or a typo there, does not reprice this one's).
    pub receipts: BTreeMap<RewardId, LastReceipt>,
}

/// The cost and supplier of a station's last receipt of a reward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastReceipt {
    /// What each unit cost, yuan.
    pub unit_cost_yuan: rust_decimal::Decimal,
    /// Who delivered them.
    pub supplier: String,
}

impl Station {
    /// The first station, as a log without station records knows it.
    pub fn first() -> Self {
        Station {
            id: StationId::FIRST,
            name: FIRST_STATION_NAME.to_owned(),
            district: String::new(),
            address: String::new(),
            opening_hours: String::new(),
            opened_at: None,
            shelves: BTreeMap::new(),
            receipts: BTreeMap::new(),
        }
    }

    /// Free units of a reward here.
    pub fn free(&self, reward: &RewardId) -> u32 {
        self.shelves.get(reward).map_or(0, |s| s.free)
    }
}

/// All stations, the first one always among them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stations {
    /// By id.
    pub by_id: BTreeMap<StationId, Station>,
}

impl Default for Stations {
    fn default() -> Self {
        let mut by_id = BTreeMap::new();
        by_id.insert(StationId::FIRST, Station::first());
        Stations { by_id }
    }
}

impl Stations {
    /// A station by id.
    pub fn get(&self, id: &StationId) -> Option<&Station> {
        self.by_id.get(id)
    }

    /// Every station with free units of the reward, with how many, in id order.
    pub fn stocking(&self, reward: &RewardId) -> Vec<(&Station, u32)> {
        self.by_id
            .values()
            .filter_map(|s| Some((s, s.free(reward))).filter(|(_, n)| *n > 0))
            .collect()
    }

    pub(crate) fn shelf_mut(&mut self, station: &StationId, reward: &RewardId) -> &mut Shelf {
        self.by_id
            .entry(*station)
            .or_insert_with(Station::first)
            .shelves
            .entry(*reward)
            .or_default()
    }
}

/// A stock receipt with its cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReceipt {
    /// When recorded.
    pub at: yinling_ledger::Timestamp,
    /// The reward.
    pub reward_id: RewardId,
    /// The station that received it.
    pub station_id: StationId,
    /// Units.
    pub quantity: u32,
    /// Cost per unit, yuan.
    pub unit_cost_yuan: rust_decimal::Decimal,
    /// Who delivered it.
    pub supplier: String,
}
