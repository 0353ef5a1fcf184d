//! A team's service day by day, cumulative: [`DailySeries`]. A team's window is two binary
//! searches, and a team ranking reads every team's series.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yinling_ledger::time::day_number;

use crate::fixed::Fixed;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::Amounts;
    use rust_decimal::Decimal;
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
}
