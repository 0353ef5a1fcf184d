//! Rankings, answered from aggregates maintained on every event (never by scanning the log).
//!
//! Each team keeps a [`DailySeries`]: cumulative points and hours by service date, so a
//! team's window `[from, to]` is two binary searches. Each (volunteer, team) pair keeps a
//! [`PackedSeries`]: the net of each day of service, packed (a few dozen days a year, most of
//! the index's memory), summed over the days a window covers. Rankings open a row's series
//! only when its bounds say it may take a place, never a pass over a year of events.
//! Points are attributed to the team recorded in the event, so a volunteer who moved keeps
//! their old service with the old team. Reversals count at the date of the service they
//! undo; redemptions never enter, so spending points never lowers a rank.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yinling_ledger::{TeamId, VolunteerId};

use crate::chunks::Chunks;
pub use crate::daily_series::DailySeries;
pub use crate::fixed::{Amounts, Fixed, FIXED_HOUR_PLACES, FIXED_POINT_PLACES};
pub use crate::limits::DEFAULT_RANKING_LIMIT;
pub use crate::limits::MAX_RANKING_LIMIT;
use crate::maps::FastMap;
use crate::month_bounds::MonthBounds;
use crate::packed_series::PackedSeries;
use crate::shards::Shards;
use crate::shared_rows::SharedRows;

/// One change to the ranking index, as the fold made it: queued while the index is folded
/// on a thread of its own (`ranking_ops`), added there in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankingOp {
    pub(crate) team: TeamId,
    pub(crate) volunteer: VolunteerId,
    pub(crate) date: NaiveDate,
    pub(crate) amounts: Fixed,
}

/// The aggregates behind every ranking.
///
/// Volunteers are kept as rows of columns (`ids`, `all_time`, `series`), in the order they
/// first served: a whole-population ranking is one sequential pass over them, and the
/// all-time totals bound every window so that most rows are passed over without opening
/// their series.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingIndex {
    /// Per team, each behind an `Arc` (a snapshot's clone copies pointers).
    pub(crate) teams: FastMap<TeamId, Arc<DailySeries>>,
    /// Each volunteer's row in the columns below, in tables a snapshot's clone shares.
    pub(crate) rows: Shards<VolunteerId, usize>,
    /// Everyone who ever served for a team, each team's set behind an `Arc`.
    pub(crate) served_for: FastMap<TeamId, Arc<BTreeSet<VolunteerId>>>,
    /// Everyone who ever served, in the order they first did.
    pub(crate) ids: Chunks<VolunteerId>,
    /// Their all-time amounts over every team, row for row with `ids`.
    pub(crate) all_time: Chunks<Fixed>,
    /// Their service by the team it was credited to, row for row with `ids`: most of the
    /// index's memory, so each row sits behind its own `Arc` too.
    pub(crate) series: SharedRows<Vec<(TeamId, PackedSeries)>>,
    /// Whether some volunteer's net points or hours on some day ever fell below zero. While
    /// none has, every window of a volunteer's service is at most their all-time total, in
    /// points and in hours, and rankings use that bound to skip rows.
    pub(crate) dipped: bool,
    /// Per-month bounds of each row's service over the latest months, for short windows.
    pub(crate) months: MonthBounds,
    /// Whether this copy keeps no index ([`RankingIndex::keep_none`]): the writer's, whose
    /// decisions never read a ranking. Not in a snapshot: a decoded index is kept.
    #[serde(skip)]
    pub(crate) off: bool,
    /// The rows changed since the last whole snapshot, when the service tracks them (see
    /// `ranking_changes`, `touched_rows`). Not in a snapshot, and not part of the index's value.
    #[serde(skip)]
    pub(crate) touched: crate::touched_rows::TouchedRows,
    /// The changes queued while the index is folded on another thread
    /// (`ranking_ops`); `None` when they are made here. Not in a snapshot.
    #[serde(skip)]
    pub(crate) queued: Option<Vec<RankingOp>>,
    /// The whole population's best of all time, kept as the index folds (`leaders`). Not in
    /// a snapshot, and not part of the index's value.
    #[serde(skip)]
    pub(crate) leaders: crate::leaders::Leaders,
}

impl RankingIndex {
    pub(crate) fn add(
        &mut self,
        team: TeamId,
        volunteer: VolunteerId,
        date: NaiveDate,
        amounts: Amounts,
    ) {
        if self.off {
            return;
        }
        let amounts = Fixed::of(amounts);
        match self.queued.as_mut() {
            Some(queued) => queued.push(RankingOp {
                team,
                volunteer,
                date,
                amounts,
            }),
            None => self.add_fixed(team, volunteer, date, amounts),
        }
    }

    /// [`RankingIndex::add`] of amounts already in fixed point.
    pub(crate) fn add_fixed(
        &mut self,
        team: TeamId,
        volunteer: VolunteerId,
        date: NaiveDate,
        amounts: Fixed,
    ) {
        Arc::make_mut(self.teams.entry(team).or_default()).add(date, amounts);
        let row = match self.rows.get(&volunteer) {
            Some(row) => *row,
            None => {
                let next = self.ids.len();
                self.rows.insert(volunteer, next);
                self.ids.push(volunteer);
                self.all_time.push(Fixed::default());
                self.series.push(Vec::new());
                next
            }
        };
        self.touched.mark(row);
        // Rows are only ever made above, and a decoded snapshot is checked by `is_consistent`.
        if let Some(total) = self.all_time.get_mut(row) {
            let before = *total;
            *total += amounts;
            self.leaders.moved(
                volunteer,
                [before.points, before.hours],
                [total.points, total.hours],
            );
        }
        // The windows' boards move by the row's total within each window (and district)
        // before this.
        if let Some(series) = self.series.get(row) {
            self.leaders.moved_within(
                volunteer,
                team,
                date,
                [amounts.points, amounts.hours],
                |span, teams| {
                    let mut total = Fixed::default();
                    for (t, s) in series.iter() {
                        if teams.is_none_or(|set| set.contains(t)) {
                            total += s.window(span.from, span.to);
                        }
                    }
                    [total.points, total.hours]
                },
            );
        }
        let Some(series) = self.series.get_mut(row) else {
            debug_assert!(false, "row {row} has no series");
            return;
        };
        let day_net = match series.iter_mut().find(|(t, _)| *t == team) {
            Some((_, s)) => s.add(date, amounts),
            None => {
                let mut s = PackedSeries::default();
                let net = s.add(date, amounts);
                // Room for this one team, not the four a first push makes room for: most
                // volunteers serve one team, and a folded row would otherwise hold 256 bytes
                // where a decoded one holds 64 (a rebuilt province, 190 MB more).
                series.reserve_exact(1);
                series.push((team, s));
                Arc::make_mut(self.served_for.entry(team).or_default()).insert(volunteer);
                net
            }
        };
        if day_net.points < 0 || day_net.hours < 0 {
            self.dipped = true;
        }
        let before = day_net - amounts;
        self.months.record(
            row,
            date,
            [before.points, before.hours],
            [day_net.points, day_net.hours],
        );
    }

    /// A team was registered: the rankings of a district kept on boards (`leaders`), which
    /// count the teams the district had when they were filled, are counted again.
    pub(crate) fn team_registered(&mut self) {
        self.leaders.forget_districts();
    }

    /// Whether the columns line up: one row per volunteer, every row in range (checked on a
    /// snapshot as it is decoded).
    pub fn is_consistent(&self) -> bool {
        let n = self.ids.len();
        self.all_time.len() == n
            && self.series.len() == n
            && self.rows.len() == n
            && self.months.is_consistent(n)
            && self
                .ids
                .iter()
                .enumerate()
                .all(|(row, v)| self.rows.get(v) == Some(&row))
    }

    /// Drops the index and keeps none from now on: for the writer's copy of the state, whose
    /// decisions never read a ranking, so a node holds one index (the readers'), not two.
    /// The rows that are not shared (ids, all-time totals, months, who served for a team) were
    /// a third of a kilobyte a volunteer in the second copy.
    pub(crate) fn keep_none(&mut self) {
        *self = RankingIndex {
            off: true,
            ..RankingIndex::default()
        };
    }

    /// Whether this index is kept (see [`RankingIndex::keep_none`]).
    pub fn is_kept(&self) -> bool {
        !self.off
    }

    /// A team's amounts within a window.
    pub fn team_window(
        &self,
        team: &TeamId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Amounts {
        self.teams
            .get(team)
            .map(|s| s.window(from, to))
            .unwrap_or_default()
            .amounts()
    }

    pub(crate) fn team_fixed(
        &self,
        team: &TeamId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Fixed {
        self.teams
            .get(team)
            .map(|s| s.window(from, to))
            .unwrap_or_default()
    }
}

/// What to order by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Points, then hours, then id.
    #[default]
    Points,
    /// Hours, then points, then id.
    Hours,
}

/// A ranking request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RankingQuery {
    /// First service date counted (inclusive).
    pub from: Option<NaiveDate>,
    /// Last service date counted (inclusive).
    pub to: Option<NaiveDate>,
    /// Only teams of this district (for volunteers: service for teams of this district).
    pub district: Option<String>,
    /// Only service for this team (volunteer rankings).
    pub team_id: Option<TeamId>,
    /// Order.
    pub by: RankBy,
    /// How many entries.
    pub limit: usize,
}

/// One entry of a ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ranked<K> {
    /// 1 for the best.
    pub rank: usize,
    /// Who.
    pub id: K,
    /// Amounts in the window.
    pub amounts: Amounts,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    /// The writer's copy keeps no index: it holds nothing, and the readers' copy builds
    /// exactly the index a copy folding alone does. A snapshot's clone taken halfway keeps
    /// what it saw while the readers' copy goes on changing the rows and tables it shares.
    #[test]
    fn a_writer_that_keeps_no_index_leaves_the_readers_their_own() {
        let teams = [TeamId::generate(), TeamId::generate()];
        let people = [VolunteerId::generate(), VolunteerId::generate()];
        let mut writer = RankingIndex::default();
        writer.keep_none();
        let (mut readers, mut alone) = (RankingIndex::default(), RankingIndex::default());
        let mut halfway = None;
        for day in 1..=20u32 {
            let date = NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default();
            let (team, who) = (teams[day as usize % 2], people[(day as usize / 3) % 2]);
            let amounts = Amounts {
                points: Decimal::from(day),
                hours: Decimal::new(i64::from(day) * 5, 1),
            };
            for index in [&mut writer, &mut readers, &mut alone] {
                index.add(team, who, date, amounts);
            }
            if day == 10 {
                halfway = Some((readers.clone(), alone.clone()));
                // The copy folding alone stops sharing anything with its clone.
                alone = serde_json::from_value(serde_json::to_value(&alone).unwrap_or_default())
                    .unwrap_or_default();
            }
        }
        assert!(!writer.is_kept() && writer.ids.is_empty() && writer.teams.is_empty());
        assert!(readers.is_kept() && readers.is_consistent());
        assert_eq!(readers, alone);
        assert!(!alone.ids.is_empty());
        let (snapshot, then) = halfway.unwrap_or_default();
        assert!(snapshot.is_consistent());
        assert_eq!(snapshot, then);
        assert_ne!(snapshot, readers);
    }

    /// A row folded holds room for the teams it served, as a decoded row does: a first
    /// team's push would otherwise make room for four (256 bytes a volunteer, not 64).
    #[test]
    fn a_folded_row_holds_room_for_its_teams_only() {
        let (teams, who) = (
            [TeamId::generate(), TeamId::generate()],
            VolunteerId::generate(),
        );
        let mut index = RankingIndex::default();
        let amounts = Amounts {
            points: Decimal::from(3),
            hours: Decimal::from(1),
        };
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        for (i, team) in [teams[0], teams[0], teams[1]].into_iter().enumerate() {
            index.add(team, who, date, amounts);
            let row = index.series.get(0).map(|r| (r.len(), r.capacity()));
            assert_eq!(
                row,
                Some((1 + i / 2, 1 + i / 2)),
                "after {} services",
                i + 1
            );
        }
    }
}
