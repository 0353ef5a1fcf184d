//! Teams and the tallies kept per team and per district.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::{Category, DistrictKind, TeamId, Timestamp, VolunteerId};

/// Activity and redemption totals of a team or a district (net of reversals).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Activities logged and not reversed.
    pub activities: u64,
    /// Participations (one per volunteer per activity).
    pub participant_times: u64,
    /// Net hours served.
    #[serde(with = "yinling_ledger::amount")]
    pub hours: Decimal,
    /// Net points earned.
    #[serde(with = "yinling_ledger::amount")]
    pub points: Decimal,
    /// Redemptions fulfilled.
    pub redemptions: u64,
    /// Points spent on them.
    #[serde(with = "yinling_ledger::amount")]
    pub redemption_points: Decimal,
    /// People served by its activities.
    pub people_served: u64,
    /// Problems resolved.
    pub problems_resolved: u64,
    /// Disputes handled.
    pub disputes_handled: u64,
    /// Disputes settled.
    pub disputes_settled: u64,
}

/// A team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Id.
    pub id: TeamId,
    /// Name.
    pub name: String,
    /// District or county.
    pub district: String,
    /// Main kind of service.
    pub category: Category,
    /// When registered.
    pub registered_at: Timestamp,
    /// Current members.
    pub members: BTreeSet<VolunteerId>,
    /// Totals.
    pub tally: Tally,
}

/// A district (区/县) as seen through its teams.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// Name, e.g. 南浔区.
    pub name: String,
    /// 区 or 县 (`None` until registered).
    pub kind: Option<DistrictKind>,
    /// The region it belongs to, e.g. 湖州市.
    pub region: String,
    /// Whether it was registered (teams may only join registered districts).
    pub registered: bool,
    /// Teams registered in it.
    pub teams: BTreeSet<TeamId>,
    /// Volunteers currently in its teams.
    pub volunteers: u64,
    /// Totals.
    pub tally: Tally,
}
