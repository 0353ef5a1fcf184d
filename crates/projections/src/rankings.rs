//! Rankings, answered from aggregates maintained on every event (never by scanning the log).
//!
//! Each team, and each (volunteer, team) pair, keeps a [`DailySeries`]: cumulative points and
//! hours by service date. A window `[from, to]` is two binary searches per series, so ranking
//! 10,000 volunteers costs a few thousand comparisons, not a pass over a year of events.
//! Points are attributed to the team recorded in the event, so a volunteer who moved keeps
//! their old service with the old team. Reversals count at the date of the service they
//! undo; redemptions never enter, so spending points never lowers a rank.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::time::day_number;
use yinling_ledger::{TeamId, VolunteerId};

use crate::chunks::Chunks;
pub use crate::limits::DEFAULT_RANKING_LIMIT;
pub use crate::limits::MAX_RANKING_LIMIT;
use crate::maps::FastMap;
use crate::month_bounds::MonthBounds;
use crate::shards::Shards;
use crate::shared_rows::SharedRows;

/// Points and hours together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    /// Points.
    #[serde(with = "yinling_ledger::amount")]
    pub points: Decimal,
    /// Hours.
    #[serde(with = "yinling_ledger::amount")]
    pub hours: Decimal,
}

impl std::ops::AddAssign for Amounts {
    fn add_assign(&mut self, other: Amounts) {
        self.points += other.points;
        self.hours += other.hours;
    }
}

impl std::ops::Sub for Amounts {
    type Output = Amounts;
    fn sub(self, other: Amounts) -> Amounts {
        Amounts {
            points: self.points - other.points,
            hours: self.hours - other.hours,
        }
    }
}

/// Decimal places of [`Fixed`] points: hours have at most 2 and rates at most 2, so every
/// points figure `decide` accepts is a whole number of ten-thousandths.
pub const FIXED_POINT_PLACES: u32 = 4;

/// Decimal places of [`Fixed`] hours.
pub const FIXED_HOUR_PLACES: u32 = 2;

// The month bounds count whole points and tenths of an hour in these units.
const _: () = assert!(crate::limits::BOUND_POINT_STEP_UNITS == 10i64.pow(FIXED_POINT_PLACES));
const _: () = assert!(crate::limits::BOUND_HOUR_STEP_UNITS == 10i64.pow(FIXED_HOUR_PLACES - 1));

/// Amounts as whole ten-thousandths of a point and hundredths of an hour: exact for every
/// value the ledger accepts, and a ranking over 10,000 volunteers compares integers instead
/// of decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fixed {
    /// Points × 10^4.
    pub points: i64,
    /// Hours × 10^2.
    pub hours: i64,
}

fn to_units(value: Decimal, places: u32) -> i64 {
    // The usual case, an amount with no more places than kept, is integer arithmetic on the
    // mantissa (Decimal multiplication and rounding were a measurable share of a replay).
    if let Some(factor) = places
        .checked_sub(value.scale())
        .and_then(|shift| 10i128.checked_pow(shift))
    {
        if let Some(units) = value
            .mantissa()
            .checked_mul(factor)
            .and_then(|u| i64::try_from(u).ok())
        {
            return units;
        }
    }
    let saturated = if value.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    };
    let Some(scaled) = value.checked_mul(Decimal::from(10i64.pow(places))) else {
        return saturated;
    };
    debug_assert!(
        scaled.fract().is_zero(),
        "{value} has more than {places} decimal places"
    );
    rust_decimal::prelude::ToPrimitive::to_i64(&scaled.round()).unwrap_or(saturated)
}

impl Fixed {
    /// From decimal amounts.
    pub fn of(a: Amounts) -> Self {
        Fixed {
            points: to_units(a.points, FIXED_POINT_PLACES),
            hours: to_units(a.hours, FIXED_HOUR_PLACES),
        }
    }

    /// Back to decimal amounts.
    pub fn amounts(self) -> Amounts {
        Amounts {
            points: Decimal::new(self.points, FIXED_POINT_PLACES).normalize(),
            hours: Decimal::new(self.hours, FIXED_HOUR_PLACES).normalize(),
        }
    }

    pub(crate) fn is_zero(self) -> bool {
        self.points == 0 && self.hours == 0
    }
}

// Saturating: an honest ledger is nowhere near i64's bound (9.2 × 10^14 points), but a log
// holds what anyone with write access to it wrote (a cluster's subject, a file given to
// `import`), and a fold must not panic (a debug build) or wrap to a negative total on it.
impl std::ops::AddAssign for Fixed {
    fn add_assign(&mut self, other: Fixed) {
        self.points = self.points.saturating_add(other.points);
        self.hours = self.hours.saturating_add(other.hours);
    }
}

impl std::ops::Sub for Fixed {
    type Output = Fixed;
    fn sub(self, other: Fixed) -> Fixed {
        Fixed {
            points: self.points.saturating_sub(other.points),
            hours: self.hours.saturating_sub(other.hours),
        }
    }
}

/// Cumulative amounts by date. Adding at the latest date (the usual case) is O(1); a
/// back-dated entry shifts the cumulative values after it.
///
/// Read from a snapshot only when its days ascend and each has its cumulative value: a
/// series that does not would panic at the next fold of its volunteer, so such a snapshot
/// fails to decode and is set aside like any other that does not, the log folded instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SeriesAsStored")]
pub struct DailySeries {
    /// Day numbers (`yinling_ledger::time::day_number`), strictly ascending.
    days: Vec<i32>,
    /// The amounts through each day, one a day.
    cumulative: Vec<Fixed>,
}

/// [`DailySeries`] as a snapshot holds it, before its shape is checked.
#[derive(Deserialize)]
struct SeriesAsStored {
    days: Vec<i32>,
    cumulative: Vec<Fixed>,
}

impl TryFrom<SeriesAsStored> for DailySeries {
    type Error = &'static str;

    fn try_from(s: SeriesAsStored) -> Result<Self, Self::Error> {
        if s.days.len() != s.cumulative.len() {
            return Err("a ranking series has not one amount a day");
        }
        if !s.days.windows(2).all(|w| w[0] < w[1]) {
            return Err("a ranking series' days do not ascend");
        }
        Ok(DailySeries {
            days: s.days,
            cumulative: s.cumulative,
        })
    }
}

impl DailySeries {
    /// Adds `amounts` (negative for a reversal) on `date`, and returns that date's net.
    pub fn add(&mut self, date: NaiveDate, amounts: Fixed) -> Fixed {
        let date = day_number::of(date);
        let index = match self.days.binary_search(&date) {
            Ok(i) => i,
            Err(i) => {
                let before = if i == 0 {
                    Fixed::default()
                } else {
                    self.cumulative[i - 1]
                };
                self.days.insert(i, date);
                self.cumulative.insert(i, before);
                i
            }
        };
        for c in &mut self.cumulative[index..] {
            *c += amounts;
        }
        let before = match index {
            0 => Fixed::default(),
            i => self.cumulative[i - 1],
        };
        self.cumulative[index] - before
    }

    fn through(&self, date: NaiveDate) -> Fixed {
        let date = day_number::of(date);
        let n = self.days.partition_point(|d| *d <= date);
        if n == 0 {
            Fixed::default()
        } else {
            self.cumulative[n - 1]
        }
    }

    /// Everything ever added.
    pub(crate) fn total(&self) -> Fixed {
        self.cumulative.last().copied().unwrap_or_default()
    }

    fn before(&self, date: NaiveDate) -> Fixed {
        let date = day_number::of(date);
        let n = self.days.partition_point(|d| *d < date);
        if n == 0 {
            Fixed::default()
        } else {
            self.cumulative[n - 1]
        }
    }

    /// Net amounts of service dated within `[from, to]` (either end open when `None`).
    /// An empty window (`from` after `to`) holds nothing.
    pub fn window(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Fixed {
        if from.zip(to).is_some_and(|(from, to)| from > to) {
            return Fixed::default();
        }
        let upper = match to {
            Some(to) => self.through(to),
            None => self.total(),
        };
        let lower = match from {
            Some(from) => self.before(from),
            None => Fixed::default(),
        };
        upper - lower
    }

    /// True when nothing was ever added.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

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
    pub(crate) series: SharedRows<Vec<(TeamId, DailySeries)>>,
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
                let mut s = DailySeries::default();
                let net = s.add(date, amounts);
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
    use std::str::FromStr;

    /// A series read back from a snapshot is the one written; one whose days and amounts do
    /// not pair up, or whose days do not ascend, does not decode (it would panic at the
    /// next fold of its volunteer).
    #[test]
    fn a_series_that_would_panic_at_its_next_fold_does_not_decode() {
        let mut series = DailySeries::default();
        for (d, h) in [(14, "2"), (3, "1.5"), (20, "4")] {
            let day = NaiveDate::from_ymd_opt(2026, 3, d).expect("a date");
            let amount = Decimal::from_str(h).expect("a number");
            series.add(
                day,
                Fixed::of(Amounts {
                    points: amount,
                    hours: amount,
                }),
            );
        }
        let bytes = bincode::serialize(&series).expect("encodes");
        let back: DailySeries = bincode::deserialize(&bytes).expect("decodes");
        assert_eq!(back, series);

        #[derive(Serialize)]
        struct Stored {
            days: Vec<i32>,
            cumulative: Vec<Fixed>,
        }
        let one = Fixed::of(Amounts {
            points: Decimal::ONE,
            hours: Decimal::ONE,
        });
        for (days, cumulative) in [
            (vec![1, 2], vec![one]),
            (vec![1], vec![one, one]),
            (vec![2, 1], vec![one, one]),
            (vec![1, 1], vec![one, one]),
        ] {
            let bytes = bincode::serialize(&Stored { days, cumulative }).expect("encodes");
            assert!(bincode::deserialize::<DailySeries>(&bytes).is_err());
        }
    }

    /// The largest amount an event may hold, added more times than i64 can sum, leaves the
    /// series at its bound instead of panicking or wrapping to a negative total.
    #[test]
    fn sums_past_the_integers_bound_saturate() {
        let most = Fixed::of(Amounts {
            points: yinling_ledger::limits::MAX_EVENT_AMOUNT,
            hours: yinling_ledger::limits::MAX_EVENT_AMOUNT,
        });
        let mut series = DailySeries::default();
        let day = NaiveDate::from_ymd_opt(2026, 3, 14).expect("a date");
        for _ in 0..100_000 {
            series.add(day, most);
        }
        let whole = series.window(None, None);
        assert_eq!((whole.points, whole.hours), (i64::MAX, i64::MAX));
        let mut total = Fixed::default();
        total += whole;
        total += most;
        assert_eq!(total.points, i64::MAX);
        assert_eq!((Fixed::default() - whole).points, -i64::MAX);
    }

    /// The mantissa shortcut gives what Decimal arithmetic gives, for every scale and sign,
    /// and saturates where the units do not fit.
    #[test]
    fn fixed_units_agree_with_decimal_arithmetic() {
        let slow = |value: Decimal, places: u32| {
            let scaled = (value * Decimal::from(10i64.pow(places))).round();
            rust_decimal::prelude::ToPrimitive::to_i64(&scaled)
        };
        for text in [
            "0",
            "1",
            "1.5",
            "-2.25",
            "0.0001",
            "12.3400",
            "-0.01",
            "1.50000",
            "99999.99",
            "-7.000000",
        ] {
            let value = Decimal::from_str(text).expect("a decimal");
            for places in [FIXED_POINT_PLACES, FIXED_HOUR_PLACES] {
                if value.normalize().scale() <= places {
                    assert_eq!(Some(to_units(value, places)), slow(value, places), "{text}");
                }
            }
        }
        assert_eq!(to_units(Decimal::MAX, FIXED_POINT_PLACES), i64::MAX);
        assert_eq!(to_units(Decimal::MIN, FIXED_POINT_PLACES), i64::MIN);
    }

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
}
