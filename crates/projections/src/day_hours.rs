//! A volunteer's net hours per service date, for the 24-hours-a-day rule: packed bytes
//! rather than a B-tree or a vector of pairs. A volunteer serves on a few dozen dates a year;
//! a B-tree's smallest node holds eleven (about 300 bytes a volunteer), a vector of pairs 20
//! bytes a date, and packed a date takes about three: its difference in days from the date
//! before (a varint) and its hours (`crate::packed`). At a province's density hours per date
//! were 80 MB of a 100,000-volunteer state. Encoded as a map, exactly as the
//! `BTreeMap<i32, Decimal>` it replaces, so snapshots read the same either way.
//!
//! Service is mostly logged in date order, so adding to the last date or a later one writes
//! at the end; an earlier date rewrites the dates (a few dozen).

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

impl DayHours {
    /// The net hours on `day`, if any were logged.
    pub fn get(&self, day: i32) -> Option<Decimal> {
        if self.bytes.is_empty() || day > self.last_day {
            return None;
        }
        self.iter()
            .take_while(|(d, _)| *d <= day)
            .find(|(d, _)| *d == day)
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
        let mut days: Vec<(i32, Decimal)> = self.iter().collect();
        match days.binary_search_by_key(&day, |(d, _)| *d) {
            Ok(at) => {
                days[at].1 += hours;
                if days[at].1.is_zero() {
                    days.remove(at);
                }
            }
            Err(at) => days.insert(at, (day, hours)),
        }
        *self = Self::from_sorted(&days);
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
        let mut r = Reader(&self.bytes);
        let mut day = 0i32;
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

impl Serialize for DayHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Counted first: a binary map says its length before its entries.
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (day, hours) in self.iter() {
            map.serialize_entry(&day, &hours)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DayHours {
    /// Read into one short vector and packed (a snapshot holds a million of these: no B-tree
    /// built and dropped for each), read as a `BTreeMap` would: sorted by day, the last value of a
    /// day given twice kept, and days netting to zero dropped.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
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

    proptest! {
        /// Any sequence of additions leaves what a B-tree map of net hours would hold, and it
        /// encodes to the same bytes.
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
            }
            let listed: BTreeMap<i32, Decimal> = hours.iter().collect();
            prop_assert_eq!(&listed, &model);
            for day in 0..40 {
                prop_assert_eq!(hours.get(day), model.get(&day).copied());
            }
            let bytes = bincode::serialize(&hours).expect("encode");
            prop_assert_eq!(&bytes, &bincode::serialize(&model).expect("encode"));
            let back: DayHours = bincode::deserialize(&bytes).expect("decode");
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
            let bytes = bincode::serialize(&raw).expect("encode");
            let read: DayHours = bincode::deserialize(&bytes).expect("decode");
            let model: BTreeMap<i32, Decimal> = bincode::deserialize(&bytes).expect("decode");
            let expected: Vec<(i32, Decimal)> =
                model.into_iter().filter(|(_, h)| !h.is_zero()).collect();
            prop_assert_eq!(read.iter().collect::<Vec<_>>(), expected);
        }
    }
}
