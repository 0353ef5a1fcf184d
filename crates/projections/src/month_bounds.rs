//! Per-month upper bounds of each volunteer's service, for rankings over short windows.
//!
//! A window's ranking skips every volunteer who cannot reach the list. The all-time total is
//! that bound for long windows, but for "the last 90 days" nearly everyone's all-time total
//! exceeds the twentieth-best quarter, so a province-wide pass opened every series (246 ms
//! at a million). Here each of the latest [`KEPT_RANKING_MONTHS`] calendar months keeps, per
//! volunteer row, a rounded-up sum of the positive net of each (team, day) they served in
//! that month: a window's net is never more than the sum over the months it touches, whether
//! or not some day was reversed below zero. Two `u16` a volunteer-month: 4 bytes, 24 bytes a
//! volunteer for six months.

use std::collections::VecDeque;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::chunks::Chunks;
pub use crate::limits::KEPT_RANKING_MONTHS;
use crate::limits::{
    BOUND_HOUR_STEP_UNITS as HOUR_STEP_UNITS, BOUND_POINT_STEP_UNITS as POINT_STEP_UNITS,
};

/// Points and hours in the ranking index's fixed units (`rankings::Fixed`: ten-thousandths of
/// a point, hundredths of an hour), kept as a pair so that this module needs nothing of it.
pub type Units = [i64; 2];

/// A cell that has reached this stays there: its bound is "anything".
const SATURATED: u16 = u16::MAX;

/// A month as one number (year × 12 + month from 0), so months compare and count simply.
fn month_of(date: NaiveDate) -> i32 {
    date.year() * 12 + date.month0() as i32
}

/// Steps of `step` units covering the positive part of `units` (rounded up).
fn steps(units: i64, step: i64) -> i64 {
    if units <= 0 {
        0
    } else {
        units.saturating_add(step - 1) / step
    }
}

/// The bound's steps for one (team, day) net: points, hours.
fn cell_steps([points, hours]: Units) -> [i64; 2] {
    [
        steps(points, POINT_STEP_UNITS),
        steps(hours, HOUR_STEP_UNITS),
    ]
}

/// One month's bounds, a cell per volunteer row (rows past the end have none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct MonthColumn {
    month: i32,
    /// In chunks a snapshot's clone shares.
    cells: Chunks<[u16; 2]>,
}

/// The bounds of the latest months, by volunteer row of the ranking index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthBounds {
    /// Ascending by month, at most [`KEPT_RANKING_MONTHS`] of them; a month between two kept
    /// ones with no column had no service.
    columns: VecDeque<MonthColumn>,
    /// Every month up to this one is no longer kept (its column was dropped to make room),
    /// so a window reaching it gets no bound here.
    dropped_through: Option<i32>,
}

/// The columns a window touches, found once per query.
pub struct WindowColumns<'a> {
    columns: Vec<&'a MonthColumn>,
}

impl WindowColumns<'_> {
    /// An upper bound of the row's net points and hours within the window.
    pub fn bound(&self, row: usize) -> Units {
        let mut points: i64 = 0;
        let mut hours: i64 = 0;
        for column in &self.columns {
            let Some([p, h]) = column.cells.get(row).copied() else {
                continue;
            };
            if p == SATURATED || h == SATURATED {
                return [i64::MAX, i64::MAX];
            }
            points += i64::from(p);
            hours += i64::from(h);
        }
        [points * POINT_STEP_UNITS, hours * HOUR_STEP_UNITS]
    }
}

impl MonthBounds {
    /// Records that the net of one (team, day) series of `row` on `date` went from `before`
    /// to `after`.
    pub(crate) fn record(&mut self, row: usize, date: NaiveDate, before: Units, after: Units) {
        let [old_p, old_h] = cell_steps(before);
        let [new_p, new_h] = cell_steps(after);
        if old_p == new_p && old_h == new_h {
            return;
        }
        let Some(column) = self.column_mut(month_of(date)) else {
            return;
        };
        if column.cells.len() <= row {
            column.cells.resize(row + 1, [0, 0]);
        }
        let Some(cell) = column.cells.get_mut(row) else {
            return;
        };
        for (value, delta) in cell.iter_mut().zip([new_p - old_p, new_h - old_h]) {
            if *value != SATURATED {
                // A cell is the sum of its days' steps, so it never falls below zero.
                let next = (i64::from(*value) + delta).max(0);
                *value = u16::try_from(next).unwrap_or(SATURATED);
            }
        }
    }

    /// The month's column, made if the month is still kept; `None` for a month already
    /// dropped (or dropped now, being older than every kept one when there is no room).
    fn column_mut(&mut self, month: i32) -> Option<&mut MonthColumn> {
        if self.dropped_through.is_some_and(|d| month <= d) {
            return None;
        }
        let at = match self.columns.binary_search_by_key(&month, |c| c.month) {
            Ok(at) => at,
            Err(at) => {
                self.columns.insert(
                    at,
                    MonthColumn {
                        month,
                        cells: Chunks::default(),
                    },
                );
                let mut at = at;
                while self.columns.len() > KEPT_RANKING_MONTHS {
                    if let Some(oldest) = self.columns.pop_front() {
                        self.dropped_through = Some(oldest.month);
                    }
                    if at == 0 {
                        return None;
                    }
                    at -= 1;
                }
                at
            }
        };
        self.columns.get_mut(at)
    }

    /// The columns of the months `[from, to]` touches, or `None` when some of those months
    /// are no longer kept (an open start reaches back to the first).
    pub fn window(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Option<WindowColumns<'_>> {
        let first = month_of(from?);
        if self.dropped_through.is_some_and(|d| first <= d) {
            return None;
        }
        let last = to.map_or(i32::MAX, month_of);
        Some(WindowColumns {
            columns: self
                .columns
                .iter()
                .filter(|c| c.month >= first && c.month <= last)
                .collect(),
        })
    }

    /// Whether the columns are in order, within their number, and no longer than `rows`
    /// (checked on a snapshot as it is decoded).
    pub fn is_consistent(&self, rows: usize) -> bool {
        self.columns.len() <= KEPT_RANKING_MONTHS
            && self.columns.iter().all(|c| c.cells.len() <= rows)
            && self
                .columns
                .iter()
                .zip(self.columns.iter().skip(1))
                .all(|(a, b)| a.month < b.month)
            && self
                .columns
                .front()
                .zip(self.dropped_through)
                .is_none_or(|(c, d)| c.month > d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn fixed(points: i64, hours: i64) -> Units {
        [points, hours]
    }

    const NOTHING: Units = [0, 0];

    #[test]
    fn a_bound_rounds_up_to_a_whole_point_and_a_tenth_of_an_hour() {
        let mut bounds = MonthBounds::default();
        bounds.record(0, date(2026, 3, 5), NOTHING, fixed(12_345, 101));
        let window = bounds.window(Some(date(2026, 3, 1)), Some(date(2026, 3, 31)));
        let got = window.map(|w| w.bound(0));
        assert_eq!(got, Some(fixed(2 * POINT_STEP_UNITS, 11 * HOUR_STEP_UNITS)));
    }

    #[test]
    fn a_reversed_day_counts_as_nothing_never_below_nothing() {
        let mut bounds = MonthBounds::default();
        bounds.record(0, date(2026, 3, 5), NOTHING, fixed(30_000, 200));
        bounds.record(
            0,
            date(2026, 3, 5),
            fixed(30_000, 200),
            fixed(-10_000, -100),
        );
        bounds.record(0, date(2026, 3, 6), NOTHING, fixed(10_000, 100));
        let window = bounds.window(Some(date(2026, 3, 1)), None);
        assert_eq!(window.map(|w| w.bound(0)), Some(fixed(10_000, 100)));
    }

    #[test]
    fn only_the_latest_months_are_kept_and_a_window_reaching_older_ones_has_no_bound() {
        let mut bounds = MonthBounds::default();
        for month in 1..=12 {
            bounds.record(3, date(2025, month, 1), NOTHING, fixed(10_000, 10));
        }
        assert!(bounds.is_consistent(4));
        assert_eq!(bounds.columns.len(), KEPT_RANKING_MONTHS);
        let kept_from = 12 - KEPT_RANKING_MONTHS as u32 + 1;
        assert!(bounds
            .window(Some(date(2025, kept_from - 1, 28)), None)
            .is_none());
        let recent = bounds.window(Some(date(2025, kept_from, 1)), None);
        let months = KEPT_RANKING_MONTHS as i64;
        assert_eq!(
            recent.map(|w| w.bound(3)),
            Some(fixed(months * 10_000, months * 10))
        );
        // A late entry for a dropped month is not kept, and does not bring the month back.
        bounds.record(3, date(2025, 1, 9), NOTHING, fixed(10_000, 10));
        assert!(bounds.window(Some(date(2025, 1, 1)), None).is_none());
        assert!(bounds.is_consistent(4));
    }

    #[test]
    fn a_month_past_what_a_cell_holds_bounds_nothing_from_then_on() {
        let mut bounds = MonthBounds::default();
        let huge = fixed(i64::from(u16::MAX) * POINT_STEP_UNITS, 10);
        bounds.record(0, date(2026, 3, 5), NOTHING, huge);
        bounds.record(0, date(2026, 3, 5), huge, NOTHING);
        let window = bounds.window(Some(date(2026, 3, 1)), None);
        assert_eq!(window.map(|w| w.bound(0)[0]), Some(i64::MAX));
    }
}
