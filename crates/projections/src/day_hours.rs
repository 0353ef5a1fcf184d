//! A volunteer's net hours per service date, for the 24-hours-a-day rule: packed bytes
//! rather than a B-tree or a vector of pairs. A volunteer serves on a few dozen dates a year;
//! a B-tree's smallest node holds eleven (about 300 bytes a volunteer), a vector of pairs 20
//! bytes a date, and packed a date takes about three: its difference in days from the date
//! before (a varint) and its hours (`crate::packed`). At a province's density hours per date
//! were 80 MB of a 100,000-volunteer state. A snapshot holds the packed bytes as they are
//! (read through once to check them); JSON shows the map of day numbers to hours, exactly as
//! the `BTreeMap<i32, Decimal>` it replaced.
//!
//! Service is mostly logged in date order, so adding to the last date or a later one writes
//! at the end; an earlier date writes again only the dates from it on, and finding a date
//! steps over the hours of the dates before it without reading them (BENCHMARKS.md, "A second
//! log of a day within its cap").

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::packed::{make_room, put_decimal, put_signed, Reader};

/// Net hours per service date, keyed by day number (`yinling_ledger::time::day_number`).
/// Sorted by day, one entry per day, and no day whose hours net to zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayHours {
    /// Each date: its day's difference from the date before (from 0 for the first), then
    /// its hours.
    bytes: Vec<u8>,
    /// The last date's day number (0 when there is none).
    last_day: i32,
    /// Where the last date's entry starts in `bytes`.
    last_at: u32,
}

/// A place in the packed dates: where an entry starts, and a day (see `DayHours::place_of`).
#[derive(Clone, Copy)]
struct Place {
    at: usize,
    day: i32,
}

impl DayHours {
    /// The net hours on `day`, if any were logged. The last date is read where it starts,
    /// without the dates before it: a volunteer's second log of a day asks for that day
    /// (the 24-hours rule, a version's daily cap), and reading every date of ten years of
    /// weekly service for it was most of deciding that log (BENCHMARKS.md, "A second log of
    /// a day within its cap").
    pub fn get(&self, day: i32) -> Option<Decimal> {
        if self.bytes.is_empty() || day > self.last_day {
            return None;
        }
        if day == self.last_day {
            let mut r = Reader(self.bytes.get(self.last_at as usize..)?);
            r.signed()?;
            return r.decimal();
        }
        // An earlier date: found by its steps, the hours before it stepped over.
        let (from, _) = self.place_of(day);
        self.iter_from(from)
            .next()
            .filter(|(found, _)| *found == day)
            .map(|(_, h)| h)
    }

    /// Adds `hours` (negative for a reversal) to `day`; a day netting to zero is dropped.
    pub fn add(&mut self, day: i32, hours: Decimal) {
        if hours.is_zero() {
            return;
        }
        if self.bytes.is_empty() || day > self.last_day {
            let before = if self.bytes.is_empty() {
                0
            } else {
                self.last_day
            };
            self.make_room();
            self.last_at = self.bytes.len() as u32;
            put_signed(&mut self.bytes, i128::from(day) - i128::from(before));
            put_decimal(&mut self.bytes, hours);
            self.last_day = day;
            return;
        }
        if day == self.last_day {
            // The last date's hours, written again in place unless they net to zero.
            let mut r = Reader(self.bytes.get(self.last_at as usize..).unwrap_or_default());
            if let (Some(step), Some(before)) = (r.signed(), r.decimal()) {
                let sum = before + hours;
                if !sum.is_zero() {
                    self.bytes.truncate(self.last_at as usize);
                    self.make_room();
                    put_signed(&mut self.bytes, step);
                    put_decimal(&mut self.bytes, sum);
                    return;
                }
            }
        }
        // An earlier date: the dates from it on are written again, the ones before it stay
        // where they are (service is mostly logged for recent dates, so that is a few).
        let (from, before) = self.place_of(day);
        let mut rest: Vec<(i32, Decimal)> = self.iter_from(from).collect();
        match rest.first_mut() {
            Some((d, h)) if *d == day => {
                *h += hours;
                if h.is_zero() {
                    rest.remove(0);
                }
            }
            _ => rest.insert(0, (day, hours)),
        }
        self.bytes.truncate(from.at);
        (self.last_day, self.last_at) = match before {
            Some(b) => (b.day, b.at as u32),
            None => (0, 0),
        };
        for (d, h) in rest {
            self.add(d, h);
        }
    }

    /// Where the first date on or after `day` starts, with the day before it (the day its
    /// step counts from: 0 for the first), and where the date before it starts, if any.
    fn place_of(&self, day: i32) -> (Place, Option<Place>) {
        let mut r = Reader(&self.bytes);
        let (mut at, mut d) = (0usize, 0i32);
        let mut before = None;
        loop {
            let start = self.bytes.len() - r.0.len();
            let next = r
                .signed()
                .and_then(|step| i32::try_from(step).ok())
                .and_then(|step| d.checked_add(step));
            match next {
                // Its hours are stepped over, not read (a scale byte and a varint).
                Some(next) if next < day && r.byte().and(r.varint()).is_some() => {
                    before = Some(Place {
                        at: start,
                        day: next,
                    });
                    (at, d) = (self.bytes.len() - r.0.len(), next);
                }
                _ => return (Place { at, day: d }, before),
            }
        }
    }

    /// Room for another date, grown by an eighth rather than doubled.
    fn make_room(&mut self) {
        let most = crate::limits::DAY_HOURS_ENTRY_BYTES_MAX;
        make_room(&mut self.bytes, most, most);
    }

    /// Packs days already sorted, each once, none zero.
    fn from_sorted(days: &[(i32, Decimal)]) -> Self {
        let mut packed = Self::default();
        for (day, hours) in days {
            packed.add(*day, *hours);
        }
        packed.bytes.shrink_to_fit();
        packed
    }

    /// Every (day, hours), oldest day first.
    pub fn iter(&self) -> impl Iterator<Item = (i32, Decimal)> + '_ {
        self.iter_from(Place { at: 0, day: 0 })
    }

    /// Every (day, hours) from the entry starting at `place.at`, whose step counts from
    /// `place.day` (as `place_of` gives them).
    fn iter_from(&self, place: Place) -> impl Iterator<Item = (i32, Decimal)> + '_ {
        let mut r = Reader(self.bytes.get(place.at..).unwrap_or_default());
        let mut day = place.day;
        std::iter::from_fn(move || {
            // Written only by `add`, so every entry reads; one that did not would end it.
            let step = i32::try_from(r.signed()?).ok()?;
            day = day.checked_add(step)?;
            Some((day, r.decimal()?))
        })
    }

    /// Days with hours.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// No hours on any day.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl DayHours {
    /// Checks bytes read from a snapshot: every entry reads, the days ascend strictly, no
    /// day's hours are zero, and nothing follows the last.
    fn from_packed(bytes: Vec<u8>) -> Result<Self, &'static str> {
        let mut r = Reader(&bytes);
        let (mut day, mut last_day, mut last_at) = (0i32, 0i32, 0u32);
        while !r.0.is_empty() {
            let at = (bytes.len() - r.0.len()) as u32;
            let step = r.signed().ok_or("a day of hours per date does not read")?;
            let step =
                i32::try_from(step).map_err(|_| "a day of hours per date is out of range")?;
            if at > 0 && step < 1 {
                return Err("the days of hours per date do not ascend");
            }
            day = day
                .checked_add(step)
                .ok_or("a day of hours per date is out of range")?;
            let hours = r.decimal().ok_or("hours of a date do not read")?;
            if hours.is_zero() {
                return Err("a date of hours per date has none");
            }
            (last_day, last_at) = (day, at);
        }
        Ok(DayHours {
            bytes,
            last_day,
            last_at,
        })
    }
}

impl Serialize for DayHours {
    /// The map of day numbers to hours in JSON; in a snapshot the packed bytes as they are.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return serde_bytes::Bytes::new(&self.bytes).serialize(serializer);
        }
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (day, hours) in self.iter() {
            map.serialize_entry(&day, &hours)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DayHours {
    /// Inverse of the above. A map is read into one short vector and packed, as a
    /// `BTreeMap` would read it: sorted by day, the last value of a day given twice kept, and
    /// days netting to zero dropped.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
            return Self::from_packed(bytes.into_vec()).map_err(serde::de::Error::custom);
        }
        deserializer.deserialize_map(DayHoursVisitor)
    }
}

/// Reads [`DayHours`] entry by entry.
struct DayHoursVisitor;

impl<'de> serde::de::Visitor<'de> for DayHoursVisitor {
    type Value = DayHours;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of day numbers to hours")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DayHours, A::Error> {
        let mut days = Vec::new();
        while let Some(entry) = map.next_entry::<i32, Decimal>()? {
            days.push(entry);
        }
        // Written sorted, so this is one pass; anything else is put in order as a map would.
        if !days.windows(2).all(|w| w[0].0 < w[1].0) {
            days.sort_by_key(|(d, _)| *d);
            days.reverse();
            days.dedup_by_key(|(d, _)| *d);
            days.reverse();
        }
        days.retain(|(_, h)| !h.is_zero());
        Ok(DayHours::from_sorted(&days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Packed bytes from a snapshot whose days do not ascend, whose last entry is cut or
    /// whose date has no hours do not decode.
    #[test]
    fn packed_bytes_out_of_order_cut_or_empty_do_not_decode() {
        let raw = |entries: &[(i128, i64)]| {
            let mut bytes = Vec::new();
            for (step, hours) in entries {
                put_signed(&mut bytes, *step);
                put_decimal(&mut bytes, Decimal::new(*hours, 1));
            }
            bytes
        };
        let good = DayHours::from_packed(raw(&[(740_000, 15), (6, 20)])).expect("reads");
        assert_eq!(good.get(740_006), Some(Decimal::new(20, 1)));
        let mut cut = raw(&[(740_000, 15), (6, 20)]);
        cut.pop();
        assert!(DayHours::from_packed(cut).is_err());
        assert!(DayHours::from_packed(raw(&[(740_000, 15), (0, 20)])).is_err());
        assert!(DayHours::from_packed(raw(&[(740_000, 15), (-1, 20)])).is_err());
        assert!(DayHours::from_packed(raw(&[(740_000, 0)])).is_err());
        assert!(DayHours::from_packed(raw(&[(i128::from(i32::MAX), 1), (1, 1)])).is_err());
    }

    proptest! {
        /// Any sequence of additions leaves what a B-tree map of net hours would hold, shows
        /// as the same JSON, and a snapshot reads it back.
        #[test]
        fn it_holds_and_encodes_what_a_map_would(adds in prop::collection::vec((0i32..40, -8i64..9), 0..200)) {
            let mut hours = DayHours::default();
            let mut model = BTreeMap::<i32, Decimal>::new();
            for (day, h) in adds {
                let h = Decimal::from(h);
                hours.add(day, h);
                let entry = model.entry(day).or_default();
                *entry += h;
                if entry.is_zero() {
                    model.remove(&day);
                }
                // The last date is read where it starts: after every addition, not only
                // at the end.
                let last = model.keys().next_back().copied();
                for day in [Some(day), last].into_iter().flatten() {
                    prop_assert_eq!(hours.get(day), model.get(&day).copied());
                }
            }
            let listed: BTreeMap<i32, Decimal> = hours.iter().collect();
            prop_assert_eq!(&listed, &model);
            for day in 0..40 {
                prop_assert_eq!(hours.get(day), model.get(&day).copied());
            }
            let json = serde_json::to_string(&hours).expect("encode");
            prop_assert_eq!(&json, &serde_json::to_string(&model).expect("encode"));
            let bytes = bincode::serialize(&hours).expect("encode");
            let back: DayHours = bincode::deserialize(&bytes).expect("decode");
            prop_assert_eq!(&back, &hours);
            let back: DayHours = serde_json::from_str(&json).expect("decode");
            prop_assert_eq!(back, hours);
        }

        /// Entries in any order, days repeated, zeros among them: read as a map reads them.
        #[test]
        fn any_encoded_map_reads_as_a_btree_map_would(entries in prop::collection::vec((0i32..20, -3i64..4), 0..40)) {
            struct Raw(Vec<(i32, Decimal)>);
            impl Serialize for Raw {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_map(self.0.iter().map(|(d, h)| (d, h)))
                }
            }
            let raw = Raw(entries.into_iter().map(|(d, h)| (d, Decimal::from(h))).collect());
            let json = serde_json::to_string(&raw).expect("encode");
            let read: DayHours = serde_json::from_str(&json).expect("decode");
            let model: BTreeMap<i32, Decimal> = serde_json::from_str(&json).expect("decode");
            let expected: Vec<(i32, Decimal)> =
                model.into_iter().filter(|(_, h)| !h.is_zero()).collect();
            prop_assert_eq!(read.iter().collect::<Vec<_>>(), expected);
        }
    }
}
