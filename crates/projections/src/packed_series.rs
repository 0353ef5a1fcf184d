//! A volunteer's service for one team, day by day, as the ranking index keeps it: packed
//! bytes rather than the two vectors a team's [`crate::daily_series::DailySeries`] holds. A
//! volunteer serves on a few dozen days a year; the vectors cost 20 bytes a day (a day number
//! and the cumulative points and hours) and up to as much again unused as they doubled, and
//! at a province's density they were most of the index's 1.1 KB a volunteer. Packed, a day is
//! its distance in days from the day after it and that day's net points and hours, each a
//! varint of whole points or tenths of an hour when it is one: about three bytes.
//!
//! The newest day comes first. The windows people ask for end now or lately (this month,
//! the last 90 days, this year), so a window is summed over its own days and the one before
//! it, read from the front, and a window holding every day is read off the kept total. A
//! window long past passes over the days after it. The teams' own series (hundreds of days,
//! every team read for a team ranking) stay cumulative.
//!
//! Service is mostly logged in date order, so adding to the newest day or a later one
//! rewrites the front (a hundred bytes or so moved); an earlier day rewrites the days.

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
/// (`yinling_ledger::time::day_number`). One entry a day, the newest first; a day whose
/// service nets to zero keeps its entry, as the cumulative series does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackedSeries {
    /// The newest day: its day number, then its net points and hours ([`put_units`]); each
    /// day before it: its distance in days from the day after it, then its net.
    bytes: Vec<u8>,
    /// The newest day's number (0 when there is none).
    last_day: i32,
    /// The oldest day's number (0 when there is none).
    first_day: i32,
    /// Every day's net summed: a window that holds every day (all time, this year for most)
    /// is read here without passing over the days.
    total: Fixed,
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

/// Appends one entry: `step` (the newest day's number, or the distance from the day after)
/// and the day's net.
fn put_entry(out: &mut Vec<u8>, step: i128, net: Fixed) {
    put_signed(out, step);
    put_units(out, net.points, POINT_STEP);
    put_units(out, net.hours, HOUR_STEP);
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
        if self.bytes.is_empty() {
            put_entry(&mut self.bytes, i128::from(day), amounts);
            (self.last_day, self.first_day, self.total) = (day, day, amounts);
            return amounts;
        }
        if day >= self.last_day {
            let mut r = Reader(&self.bytes);
            if let Some((_, newest)) = entry(&mut r) {
                let newest_len = self.bytes.len() - r.0.len();
                let mut front =
                    Vec::with_capacity(2 * crate::limits::PACKED_SERIES_ENTRY_BYTES_MAX);
                let net = if day > self.last_day {
                    // A later day: it comes first, and the day that was newest is written
                    // as its distance from it.
                    put_entry(&mut front, i128::from(day), amounts);
                    let step = i128::from(day) - i128::from(self.last_day);
                    put_entry(&mut front, step, newest);
                    amounts
                } else {
                    let mut net = newest;
                    net += amounts;
                    put_entry(&mut front, i128::from(day), net);
                    net
                };
                let more = front.len().saturating_sub(newest_len);
                make_room(&mut self.bytes, more, more);
                self.bytes.splice(..newest_len, front);
                self.last_day = day;
                self.total += amounts;
                return net;
            }
        }
        let mut days: Vec<(i32, Fixed)> = self.iter().collect();
        days.reverse();
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

    /// Packs days sorted oldest first, each once.
    fn from_sorted(days: &[(i32, Fixed)]) -> Self {
        let mut packed = Self::default();
        let mut after: Option<i32> = None;
        for (day, net) in days.iter().rev() {
            let step = match after {
                None => i128::from(*day),
                Some(after) => i128::from(after) - i128::from(*day),
            };
            put_entry(&mut packed.bytes, step, *net);
            packed.total += *net;
            after = Some(*day);
        }
        if let (Some((first, _)), Some((last, _))) = (days.first(), days.last()) {
            (packed.first_day, packed.last_day) = (*first, *last);
        }
        packed.bytes.shrink_to_fit();
        packed
    }

    /// Every (day number, net), the newest day first.
    fn iter(&self) -> impl Iterator<Item = (i32, Fixed)> + '_ {
        let mut r = Reader(&self.bytes);
        let mut day: Option<i32> = None;
        std::iter::from_fn(move || {
            // Written only by `add` or checked by `from_packed`, so every entry reads.
            let (step, net) = entry(&mut r)?;
            let step = i32::try_from(step).ok()?;
            let this = match day {
                None => step,
                Some(after) => after.checked_sub(step)?,
            };
            day = Some(this);
            Some((this, net))
        })
    }

    /// Net amounts of service dated within `[from, to]` (either end open when `None`).
    /// An empty window (`from` after `to`) holds nothing.
    pub fn window(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Fixed {
        let from = from.map_or(i64::MIN, |d| i64::from(day_number::of(d)));
        let to = to.map_or(i64::MAX, |d| i64::from(day_number::of(d)));
        let (first, last) = (i64::from(self.first_day), i64::from(self.last_day));
        if from > to || self.bytes.is_empty() || last < from || first > to {
            return Fixed::default();
        }
        if first >= from && last <= to {
            return self.total;
        }
        // Amounts past nine bytes' varints (near i64's bound) are read the long way.
        self.window_quick(from, to)
            .unwrap_or_else(|| self.window_slow(from, to))
    }

    /// [`PackedSeries::window`] over the bytes read in place: the days after the window
    /// passed over unread, the loop stopped at the first day before it. `None` for a varint
    /// past nine bytes.
    fn window_quick(&self, from: i64, to: i64) -> Option<Fixed> {
        let (bytes, mut at) = (self.bytes.as_slice(), 0usize);
        let mut total = Fixed::default();
        let mut day = unzigzag(quick_varint(bytes, &mut at)?);
        loop {
            if day < from {
                break;
            }
            if day > to {
                skip_varint(bytes, &mut at)?;
                skip_varint(bytes, &mut at)?;
            } else {
                let points = quick_units(bytes, &mut at, POINT_STEP as i64)?;
                let hours = quick_units(bytes, &mut at, HOUR_STEP as i64)?;
                total += Fixed { points, hours };
            }
            if at >= bytes.len() {
                break;
            }
            day -= unzigzag(quick_varint(bytes, &mut at)?);
        }
        Some(total)
    }

    /// [`PackedSeries::window`] entry by entry, for any amounts.
    fn window_slow(&self, from: i64, to: i64) -> Fixed {
        let mut total = Fixed::default();
        for (day, net) in self.iter() {
            let day = i64::from(day);
            if day < from {
                break;
            }
            if day <= to {
                total += net;
            }
        }
        total
    }

    /// True when nothing was ever added.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Checks bytes read from a snapshot: every entry reads, the days descend strictly, and
    /// nothing follows the last.
    fn from_packed(bytes: Vec<u8>) -> Result<Self, &'static str> {
        let mut r = Reader(&bytes);
        let mut day: Option<i32> = None;
        let (mut last_day, mut total) = (0i32, Fixed::default());
        while !r.0.is_empty() {
            let (step, net) = entry(&mut r).ok_or("a ranking series' entry does not read")?;
            let step = i32::try_from(step).map_err(|_| "a ranking series' day is out of range")?;
            let this = match day {
                None => {
                    last_day = step;
                    step
                }
                Some(_) if step < 1 => return Err("a ranking series' days are not in order"),
                Some(after) => after
                    .checked_sub(step)
                    .ok_or("a ranking series' day is out of range")?,
            };
            day = Some(this);
            total += net;
        }
        Ok(PackedSeries {
            bytes,
            last_day,
            first_day: day.unwrap_or_default(),
            total,
        })
    }
}

/// A varint of at most nine bytes from `bytes` at `*at`, moving `*at` past it; `None` past
/// the end or for a longer one. Most of a series' varints are one byte.
#[inline]
fn quick_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let first = *bytes.get(*at)?;
    if first < 0x80 {
        *at += 1;
        return Some(u64::from(first));
    }
    let mut v = u64::from(first & 0x7f);
    for k in 1..9 {
        let b = *bytes.get(*at + k)?;
        v |= u64::from(b & 0x7f) << (7 * k);
        if b < 0x80 {
            *at += k + 1;
            return Some(v);
        }
    }
    None
}

/// Moves `*at` past one varint.
#[inline]
fn skip_varint(bytes: &[u8], at: &mut usize) -> Option<()> {
    let len = bytes.get(*at..)?.iter().position(|b| b & 0x80 == 0)?;
    *at += len + 1;
    Some(())
}

/// A zigzagged varint's value.
#[inline]
fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

/// What [`put_units`] wrote, read as [`units`] reads it when it fits nine bytes.
#[inline]
fn quick_units(bytes: &[u8], at: &mut usize, step: i64) -> Option<i64> {
    let v = unzigzag(quick_varint(bytes, at)?);
    if v & 1 == 0 {
        (v >> 1).checked_mul(step)
    } else {
        Some(v >> 1)
    }
}

/// One entry's step in days and its net, as [`put_entry`] wrote them.
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
    /// Read through once: a series whose days were out of order would be summed wrongly
    /// and written over at its next fold, so such a snapshot fails to decode and is set
    /// aside like any other that does not, the log folded instead.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
        Self::from_packed(bytes.into_vec()).map_err(serde::de::Error::custom)
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

    /// A weekly service of two hours and twenty points takes three bytes a day (the newest
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

    /// A snapshot's series whose days are not newest first, or whose last entry is cut,
    /// does not decode.
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
        let good = PackedSeries::from_packed(raw(&[740_006, 6])).expect("reads");
        assert_eq!((good.first_day, good.last_day), (740_000, 740_006));
        assert_eq!(good.window(None, None).hours, 300);
        let mut cut = raw(&[740_006, 6]);
        cut.pop();
        assert!(PackedSeries::from_packed(cut).is_err());
        assert!(PackedSeries::from_packed(raw(&[740_006, 0])).is_err());
        assert!(PackedSeries::from_packed(raw(&[740_006, -2])).is_err());
        assert!(PackedSeries::from_packed(raw(&[i128::from(i32::MIN), 1])).is_err());
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
        // A window that is not the whole series reads the days; a day's varints past nine
        // bytes are read the long way.
        let one = Fixed {
            points: 1,
            hours: 1,
        };
        series.add(date(42), one);
        assert_eq!(series.window(Some(date(42)), None), one);
        assert_eq!(series.window(Some(date(41)), Some(date(41))), most);
        let day_40 = series.window(Some(date(39)), Some(date(40)));
        assert_eq!((day_40.points, day_40.hours), (i64::MAX, i64::MAX));
    }
}
