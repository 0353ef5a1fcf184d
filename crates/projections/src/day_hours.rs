//! A volunteer's net hours per service date, for the 24-hours-a-day rule: a sorted vector
//! rather than a B-tree, because a volunteer serves on a few dozen dates a year and a B-tree's
//! smallest node holds eleven (about 300 bytes a volunteer against 20 a date, measured on a
//! demo city of 300,000). Encoded as a map, exactly as the `BTreeMap<i32, Decimal>` it
//! replaces, so snapshots read the same either way.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Net hours per service date, keyed by day number (`yinling_ledger::time::day_number`).
/// Sorted by day, one entry per day, and no day whose hours net to zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayHours(Vec<(i32, Decimal)>);

impl DayHours {
    /// The net hours on `day`, if any were logged.
    pub fn get(&self, day: i32) -> Option<Decimal> {
        self.0
            .binary_search_by_key(&day, |(d, _)| *d)
            .ok()
            .map(|at| self.0[at].1)
    }

    /// Adds `hours` (negative for a reversal) to `day`; a day netting to zero is dropped.
    pub fn add(&mut self, day: i32, hours: Decimal) {
        match self.0.binary_search_by_key(&day, |(d, _)| *d) {
            Ok(at) => {
                self.0[at].1 += hours;
                if self.0[at].1.is_zero() {
                    self.0.remove(at);
                }
            }
            Err(at) if !hours.is_zero() => self.0.insert(at, (day, hours)),
            Err(_) => {}
        }
    }

    /// Every (day, hours), oldest day first.
    pub fn iter(&self) -> impl Iterator<Item = (i32, Decimal)> + '_ {
        self.0.iter().copied()
    }

    /// Days with hours.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No hours on any day.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for DayHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(d, h)| (d, h)))
    }
}

impl<'de> Deserialize<'de> for DayHours {
    /// Read straight into the vector (a snapshot holds a million of these: no B-tree built
    /// and dropped for each), read as a `BTreeMap` would: sorted by day, the last value of a
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
        days.shrink_to_fit();
        Ok(DayHours(days))
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
