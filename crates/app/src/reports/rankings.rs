//! Rankings of teams, volunteers, districts and groups over a window of service dates, and
//! the city's statistics: the rows the API answers, the web app shows and the CLI exports.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_projections::rankings::{Amounts, RankBy, RankingQuery};
use yinling_projections::State as LedgerState;

use super::teams::TallyOut;
use super::Table;
use crate::wire::{Amount, Day};

/// One ranked entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedOut {
    /// 1 for the best.
    pub rank: usize,
    /// Team or volunteer id (district name for districts).
    pub id: String,
    /// Name.
    pub name: String,
    /// Points earned in the window (net of reversals).
    pub points: Amount,
    /// Hours served in the window (net of reversals).
    pub hours: Amount,
    /// District (teams and volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Current team (volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Star level (volunteers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stars: Option<u8>,
}

/// A ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    /// Best first.
    pub items: Vec<RankedOut>,
    /// The order used.
    pub by: String,
    /// Window start.
    pub from: Option<Day>,
    /// Window end.
    pub to: Option<Day>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// The wire name of an order.
pub fn by_name(by: RankBy) -> String {
    match by {
        RankBy::Points => "points".into(),
        RankBy::Hours => "hours".into(),
    }
}

/// Teams ranked over the query's window.
pub fn team_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    let items = state
        .rank_teams(q)
        .into_iter()
        .map(|r| {
            let team = state.teams.get(&r.id);
            RankedOut {
                district: team.map(|t| t.district.clone()),
                ..RankedOut::row(
                    r.rank,
                    r.id.to_string(),
                    team.map(|t| t.name.clone()),
                    &r.amounts,
                )
            }
        })
        .collect();
    ranking(state, q, items)
}

/// Volunteers ranked over the query's window, in the query's scope.
pub fn volunteer_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    let items = state
        .rank_volunteers(q)
        .into_iter()
        .map(|r| {
            let v = state.volunteers.get(&r.id);
            RankedOut {
                district: v.map(|v| v.district.to_string()),
                team_id: v.map(|v| v.team_id.to_string()),
                stars: v.map(|v| v.stars().0),
                ..RankedOut::row(
                    r.rank,
                    r.id.to_string(),
                    v.map(|v| v.name.clone()),
                    &r.amounts,
                )
            }
        })
        .collect();
    ranking(state, q, items)
}

/// Districts ranked over the query's window (the sum of their teams).
pub fn district_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    let items = state
        .rank_districts(q)
        .into_iter()
        .map(|r| RankedOut::row(r.rank, r.id.to_owned(), Some(r.id.to_owned()), &r.amounts))
        .collect();
    ranking(state, q, items)
}

/// A district's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictOut {
    /// Name.
    pub name: String,
    /// Teams registered.
    pub teams: usize,
    /// Volunteers currently in its teams.
    pub volunteers: u64,
    /// Totals.
    pub tally: TallyOut,
}

/// Ledger-wide point totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsOut {
    /// Points ever earned.
    pub points_earned: Amount,
    /// Points taken back.
    pub points_reversed: Amount,
    /// Points held.
    pub points_held: Amount,
    /// Points spent.
    pub points_redeemed: Amount,
    /// Volunteers.
    pub volunteers: usize,
    /// Teams.
    pub teams: usize,
    /// Events.
    pub events: u64,
}

/// City statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsOut {
    /// Districts by name.
    pub districts: Vec<DistrictOut>,
    /// Totals.
    pub totals: TotalsOut,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// The statistics, as the API answers.
pub fn stats_out(state: &LedgerState) -> StatsOut {
    StatsOut {
        districts: state
            .districts
            .values()
            .map(|d| DistrictOut {
                name: d.name.clone(),
                teams: d.teams.len(),
                volunteers: d.volunteers,
                tally: (&d.tally).into(),
            })
            .collect(),
        totals: TotalsOut {
            points_earned: state.totals.points_earned.into(),
            points_reversed: state.totals.points_reversed.into(),
            points_held: state.totals.points_held.into(),
            points_redeemed: state.totals.points_redeemed.into(),
            volunteers: state.volunteers.len(),
            teams: state.teams.len(),
            events: state.totals.events,
        },
        as_of: state.head.seq,
    }
}

/// Groups and sub-groups ranked over a window: the service of their member teams on the days
/// each team was a member.
pub fn group_ranking(state: &LedgerState, q: &RankingQuery) -> RankingOut {
    let items = state
        .rank_groups(q)
        .into_iter()
        .map(|r| {
            let name = state.groups.get(&r.id).map(|g| g.name.clone());
            RankedOut::row(r.rank, r.id.to_string(), name, &r.amounts)
        })
        .collect();
    ranking(state, q, items)
}

impl RankedOut {
    /// A row with its rank, id, name and amounts, and no team, district or stars.
    fn row(rank: usize, id: String, name: Option<String>, amounts: &Amounts) -> RankedOut {
        RankedOut {
            rank,
            id,
            name: name.unwrap_or_default(),
            points: amounts.points.into(),
            hours: amounts.hours.into(),
            district: None,
            team_id: None,
            stars: None,
        }
    }
}

/// A ranking's answer: its rows and the query they answer.
fn ranking(state: &LedgerState, q: &RankingQuery, items: Vec<RankedOut>) -> RankingOut {
    RankingOut {
        items,
        by: by_name(q.by),
        from: q.from.map(Day),
        to: q.to.map(Day),
        as_of: state.head.seq,
    }
}

impl Table for RankedOut {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("rank", "名次"),
        ("id", "编号"),
        ("name", "名称"),
        ("district", "区县"),
        ("points", "积分"),
        ("hours", "服务时长（小时）"),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.rank.to_string(),
            self.id.clone(),
            self.name.clone(),
            self.district.clone().unwrap_or_default(),
            self.points.to_string(),
            self.hours.to_string(),
        ]
    }
}
