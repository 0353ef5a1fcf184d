//! A volunteer's service for one team, day by day, as the ranking index keeps it: packed
//! bytes rather than the two vectors a team's [`crate::daily_series::DailySeries`] holds. A
//! volunteer serves on a few dozen days a year; the vectors cost 20 bytes a day (a day number
//! and the cumulative points and hours) and up to as much again unused as they doubled, and
//! at a province's density they were most of the index's 1.1 KB a volunteer. Packed, a day is
//! its difference in days from the day before and that day's net points and hours, each a
//! varint of whole points or tenths of an hour when it is one: about three bytes.
//!
//! A window is summed over the days instead of read off two cumulative values: a few dozen
//! entries, and a ranking opens a row's series only when its bounds say it may take a place.
//! The teams' own series (hundreds of days, every team read for a team ranking) stay
//! cumulative.
//!
//! Service is mostly logged in date order, so adding to the last day or a later one writes at
//! the end; an earlier day rewrites the days.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yinling_ledger::time::day_number;

use crate::fixed::Fixed;
use crate::packed::{make_room, put_signed, Reader};

/// The units of a whole point (`Fixed::points` are ten-thousandths).
const POINT_STEP: i128 = 10_000;
/// The units of a tenth of an hour (`Fixed::hours` are hundredths).
const HOUR_STEP: i128 = 10;

/// Net points and hours per service day, keyed by day number
/// (`yinling_ledger::time::day_number`). Sorted by day, one entry a day; a day whose service
/// nets to zero keeps its entry, as the cumulative series does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackedSeries {
    /// Each day: its difference from the day before (from 0 for the first), then its net
    /// points and hours ([`put_units`]).
    bytes: Vec<u8>,
    /// The last day's number (0 when there is none).
    last_day: i32,
    /// Where the last day's entry starts in `bytes`.
    last_at: u32,
}

/// Appends `v` units: `2 × v / step` when `step` divides it (the usual whole point or tenth
/// of an hour, one byte for most days), else `2 × v + 1`, zigzagged.
fn put_units(out: &mut Vec<u8>, v: i64, step: i128) {
    let v = i128::from(v);
    if v % step == 0 {
        put_signed(out, (v / step) * 2);
    } else {
        put_signed(out, v * 2 + 1);
    }
}

/// Reads what [`put_units`] wrote; `None` past the end or outside i64.
fn units(r: &mut Reader<'_>, step: i128) -> Option<i64> {
    let z = r.signed()?;
    let v = if z & 1 == 0 {
        (z >> 1).checked_mul(step)?
    } else {
        z >> 1
    };
    i64::try_from(v).ok()
}

impl PackedSeries {
    /// Adds `amounts` (negative for a reversal) on `date`, and returns that date's net.
    pub fn add(&mut self, date: NaiveDate, amounts: Fixed) -> Fixed {
        self.add_day(day_number::of(date), amounts)
    }

    fn add_day(&mut self, day: i32, amounts: Fixed) -> Fixed {
        if self.bytes.is_empty() || day > self.last_day {
            let before = if self.bytes.is_empty() {
                0
            } else {
                self.last_day
            };
            self.push(i128::from(day) - i128::from(before), day, amounts);
            return amounts;
        }
        if day == self.last_day {
            let mut r = Reader(self.bytes.get(self.last_at as usize..).unwrap_or_default());
            if let Some((step, mut net)) = entry(&mut r) {
                net += amounts;
                self.bytes.truncate(self.last_at as usize);
                self.push(step, day, net);
                return net;
            }
        }
        let mut days: Vec<(i32, Fixed)> = self.iter().collect();
        let net = match days.binary_search_by_key(&day, |(d, _)| *d) {
            Ok(at) => {
                days[at].1 += amounts;
                days[at].1
            }
            Err(at) => {
                days.insert(at, (day, amounts));
                amounts
            }
        };
        *self = Self::from_sorted(&days);
        net
    }

    /// Writes an entry at the end: `step` days after the one before, for `day`.
    fn push(&mut self, step: i128, day: i32, net: Fixed) {
        let most = crate::limits::PACKED_SERIES_ENTRY_BYTES_MAX;
        make_room(&mut self.bytes, most, most);
        self.last_at = self.bytes.len() as u32;
        put_signed(&mut self.bytes, step);
        put_units(&mut self.bytes, net.points, POINT_STEP);
        put_units(&mut self.bytes, net.hours, HOUR_STEP);
        self.last_day = day;
    }

    /// Packs days already sorted, each once.
    fn from_sorted(days: &[(i32, Fixed)]) -> Self {
        let mut packed = Self::default();
        for (day, net) in days {
            let before = if packed.bytes.is_empty() {
                0
            } else {
                packed.last_day
            };
            packed.push(i128::from(*day) - i128::from(before), *day, *net);
        }
        packed.bytes.shrink_to_fit();
        packed
    }

    /// Every (day number, net), oldest day first.
    fn iter(&self) -> impl Iterator<Item = (i32, Fixed)> + '_ {
        let mut r = Reader(&self.bytes);
        let mut day = 0i32;
        std::iter::from_fn(move || {
            // Written only by `push` or checked by `from_bytes`, so every entry reads.
            let (step, net) = entry(&mut r)?;
            day = day.checked_add(i32::try_from(step).ok()?)?;
            Some((day, net))
        })
    }

    /// Net amounts of service dated within `[from, to]` (either end open when `None`).
    /// An empty window (`from` after `to`) holds nothing.
    pub fn window(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Fixed {
        let mut total = Fixed::default();
        let from = from.map(day_number::of);
        let to = to.map(day_number::of);
        if from.zip(to).is_some_and(|(from, to)| from > to) {
            return total;
        }
        for (day, net) in self.iter() {
            if to.is_some_and(|to| day > to) {
                break;
            }
            if from.is_none_or(|from| day >= from) {
                total += net;
            }
        }
        total
    }

    /// True when nothing was ever added.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Checks bytes read from a snapshot: every entry reads, the days ascend strictly, and
    /// nothing follows the last.
    fn from_bytes(bytes: Vec<u8>) -> Result<Self, &'static str> {
        let mut r = Reader(&bytes);
        let (mut day, mut last_day, mut last_at) = (0i32, 0i32, 0u32);
        let mut first = true;
        while !r.0.is_empty() {
            let at = (bytes.len() - r.0.len()) as u32;
            let (step, _) = entry(&mut r).ok_or("a ranking series' entry does not read")?;
            let step = i32::try_from(step).map_err(|_| "a ranking series' day is out of range")?;
            if !first && step < 1 {
                return Err("a ranking series' days do not ascend");
            }
            day = day
                .checked_add(step)
                .ok_or("a ranking series' day is out of range")?;
            (last_day, last_at, first) = (day, at, false);
        }
        Ok(PackedSeries {
            bytes,
            last_day,
            last_at,
        })
    }
}

/// One entry's step in days and its net, as [`PackedSeries::push`] wrote them.
fn entry(r: &mut Reader<'_>) -> Option<(i128, Fixed)> {
    let step = r.signed()?;
    let points = units(r, POINT_STEP)?;
    let hours = units(r, HOUR_STEP)?;
    Some((step, Fixed { points, hours }))
}

impl Serialize for PackedSeries {
    /// The packed bytes as they are.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_bytes::Bytes::new(&self.bytes).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PackedSeries {
    /// Read through once: a series whose days did not ascend would be summed wrongly and
    /// written over at its next fold, so such a snapshot fails to decode and is set aside
    /// like any other that does not, the log folded instead.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
        Self::from_bytes(bytes.into_vec()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daily_series::DailySeries;
    use proptest::prelude::*;

    fn date(day: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(i64::from(day))))
            .unwrap_or_default()
    }

    fn amounts() -> impl Strategy<Value = Fixed> {
        // Whole points and tenths of an hour (the short form), and any units (the long one).
        prop_oneof![
            (-5i64..40, -8i64..30).prop_map(|(p, h)| Fixed {
                points: p * 10_000,
                hours: h * 10
            }),
            (-500_000i64..500_000, -5_000i64..5_000)
                .prop_map(|(points, hours)| Fixed { points, hours }),
        ]
    }

    proptest! {
        /// Any additions, in any order of days, leave the nets and windows the cumulative
        /// series gives, and a snapshot reads back the same series.
        #[test]
        fn it_sums_what_the_cumulative_series_sums(
            adds in prop::collection::vec((0i32..400, amounts()), 0..120),
            windows in prop::collection::vec((prop::option::of(0i32..400), prop::option::of(0i32..400)), 1..8),
        ) {
            let (mut packed, mut model) = (PackedSeries::default(), DailySeries::default());
            for (day, a) in adds {
                prop_assert_eq!(packed.add(date(day), a), model.add(date(day), a));
            }
            prop_assert_eq!(packed.is_empty(), model.is_empty());
            for (from, to) in windows {
                let (from, to) = (from.map(date), to.map(date));
                prop_assert_eq!(packed.window(from, to), model.window(from, to));
            }
            prop_assert_eq!(packed.window(None, None), model.window(None, None));
            let bytes = bincode::serialize(&packed).expect("encodes");
            let back: PackedSeries = bincode::deserialize(&bytes).expect("decodes");
            prop_assert_eq!(&back, &packed);
            let mut again = back;
            let mut more = packed.clone();
            prop_assert_eq!(again.add(date(401), Fixed::default()), more.add(date(401), Fixed::default()));
            prop_assert_eq!(again, more);
        }
    }

    /// A weekly service of two hours and twenty points takes three bytes a day (the first
    /// day five: its day number whole).
    #[test]
    fn a_usual_day_takes_three_bytes() {
        let mut series = PackedSeries::default();
        let two_hours = Fixed {
            points: 20 * 10_000,
            hours: 200,
        };
        for week in 1..=52 {
            series.add(date(week * 7), two_hours);
        }
        assert!(series.bytes.len() <= 51 * 3 + 5, "{}", series.bytes.len());
        assert_eq!(
            series.window(None, None).points,
            52 * 20 * 10_000,
            "every week counted"
        );
    }

    /// A snapshot's series whose days do not ascend, or whose last entry is cut, does not
    /// decode.
    #[test]
    fn a_series_that_would_be_summed_wrongly_does_not_decode() {
        let raw = |steps: &[i128]| {
            let mut bytes = Vec::new();
            for step in steps {
                put_signed(&mut bytes, *step);
                put_units(&mut bytes, 10_000, POINT_STEP);
                put_units(&mut bytes, 150, HOUR_STEP);
            }
            bytes
        };
        let good = PackedSeries::from_bytes(raw(&[740_000, 6])).expect("reads");
        assert_eq!(
            (good.last_day, good.window(None, None).hours),
            (740_006, 300)
        );
        let mut cut = raw(&[740_000, 6]);
        cut.pop();
        assert!(PackedSeries::from_bytes(cut).is_err());
        assert!(PackedSeries::from_bytes(raw(&[740_000, 0])).is_err());
        assert!(PackedSeries::from_bytes(raw(&[740_000, -2])).is_err());
        assert!(PackedSeries::from_bytes(raw(&[i128::from(i32::MAX), 1])).is_err());
    }

    /// The largest amount an event may hold, added more times than i64 can sum, leaves the
    /// day at its bound instead of panicking or wrapping to a negative total.
    #[test]
    fn sums_past_the_integers_bound_saturate() {
        let most = Fixed::of(crate::fixed::Amounts {
            points: yinling_ledger::limits::MAX_EVENT_AMOUNT,
            hours: yinling_ledger::limits::MAX_EVENT_AMOUNT,
        });
        let mut series = PackedSeries::default();
        for _ in 0..100_000 {
            series.add(date(40), most);
        }
        series.add(date(41), most);
        let whole = series.window(None, None);
        assert_eq!((whole.points, whole.hours), (i64::MAX, i64::MAX));
    }
}
