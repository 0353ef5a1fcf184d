//! Civil dates in events, as the log has stored them since its first event: the text chrono
//! writes (`2026-03-14`), read back without chrono's general parser.
//!
//! Every service an activity credits carries its date, so a rebuild parses one date an event;
//! chrono's parser walks a list of format items for each, a few percent of the reading
//! thread's time at a province. The bytes written are chrono's own, unchanged, so no stored
//! event reads differently; text in any other shape chrono accepts still goes to chrono.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{Error, Visitor};
use serde::{Deserializer, Serialize, Serializer};

/// Writes the date exactly as chrono does (the stored format).
pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    date.serialize(serializer)
}

/// Reads what [`serialize`] wrote: `YYYY-MM-DD` directly, anything else through chrono.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_str(DateText)
}

/// The same for an optional date (`null` in JSON, a tag byte in the codec).
pub mod option {
    use super::*;
    use serde::Deserialize;

    /// Writes the date exactly as chrono does (the stored format).
    pub fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        date.serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Ok(Option::<Dated>::deserialize(deserializer)?.map(|d| d.0))
    }

    /// A date read through [`super::deserialize`], for the `Option`'s own decoding.
    struct Dated(NaiveDate);

    impl<'de> Deserialize<'de> for Dated {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::deserialize(deserializer).map(Dated)
        }
    }
}

/// Parses a date as chrono's `FromStr` does, with `YYYY-MM-DD` (what chrono writes for
/// years 0 to 9999) taken apart by hand first.
pub fn parse(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    match plain(text.as_bytes()) {
        Some(date) => Ok(date),
        None => text.parse(),
    }
}

/// `YYYY-MM-DD` with ten ASCII bytes, or `None` for chrono to judge (other shapes, and
/// dates that do not exist, whose error chrono words).
fn plain(bytes: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *bytes else {
        return None;
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let year = digit(y0)? * 1000 + digit(y1)? * 100 + digit(y2)? * 10 + digit(y3)?;
    let month = digit(m0)? * 10 + digit(m1)?;
    let day = digit(d0)? * 10 + digit(d1)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Visits the text of a date.
struct DateText;

impl Visitor<'_> for DateText {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date such as 2026-03-14")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<NaiveDate, E> {
        parse(text).map_err(|e| E::custom(format!("invalid date {text:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every date chrono writes reads back as itself, and the same through the codec's
        /// bincode as through chrono's own serde.
        #[test]
        fn every_date_chrono_writes_reads_back_as_itself(day in -800_000i32..4_000_000) {
            let Some(date) = NaiveDate::from_num_days_from_ce_opt(day) else {
                return Ok(());
            };
            prop_assert_eq!(parse(&date.to_string()), Ok(date));
            let ours = bincode::serialize(&Wrapped(date)).expect("encode");
            prop_assert_eq!(&ours, &bincode::serialize(&date).expect("encode"));
            let back: Wrapped = bincode::deserialize(&ours).expect("decode");
            prop_assert_eq!(back.0, date);
        }

        /// Any text, dates or not, gets chrono's answer.
        #[test]
        fn any_text_gets_the_answer_chrono_gives(
            text in prop_oneof![
                "[0-9]{4}-[0-9]{2}-[0-9]{2}",
                "[0-9+-]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
                "\\PC{0,12}",
            ]
        ) {
            prop_assert_eq!(parse(&text).ok(), text.parse::<NaiveDate>().ok());
        }
    }

    #[test]
    fn a_date_that_does_not_exist_is_named_in_the_error() {
        let err = serde_json::from_str::<Wrapped>("\"2026-02-30\"").expect_err("no such day");
        assert!(err.to_string().contains("2026-02-30"), "{err}");
        let none: Wrapped = serde_json::from_str("\"2026-02-28\"").expect("a day");
        assert_eq!(none.0, NaiveDate::from_ymd_opt(2026, 2, 28).expect("a day"));
    }

    /// A date stored through this module.
    #[derive(Debug, Serialize, serde::Deserialize)]
    struct Wrapped(#[serde(with = "super")] NaiveDate);
}
