//! Wire formats of values that JSON cannot carry faithfully on its own.
//!
//! Decimal amounts (points, hours) travel as strings (`"2.5"`), never as floats. On input a
//! JSON number is accepted only if its text converts exactly (`2.5` yes, `1e3` no), and the
//! same strict grammar applies to strings: an optional minus, digits, an optional fraction.
//! Dates are `YYYY-MM-DD` in the service's calendar.

use crate::limits::MAX_DECIMAL_CHARS;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

/// A decimal amount as it travels in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Amount(pub Decimal);

/// Parses the strict decimal grammar: `-?[0-9]+(\.[0-9]+)?`, exactly.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let well_formed = text.len() <= MAX_DECIMAL_CHARS
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(format!(
            "{text:?} is not a decimal number; write it like \"2.5\" (digits, an optional point and fraction; no exponent, no spaces)"
        ));
    }
    Decimal::from_str_exact(text)
        .map_err(|_| format!("{text:?} has more digits than the ledger can keep exactly"))
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.normalize())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => {
                parse_decimal(&text).map(Amount).map_err(D::Error::custom)
            }
            // With arbitrary precision, a number keeps the exact text it was sent as.
            serde_json::Value::Number(n) => parse_decimal(&n.to_string())
                .map(Amount)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected a decimal written as a string like \"2.5\", found {}",
                json_kind(&other)
            ))),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Self {
        Amount(d)
    }
}

impl utoipa::PartialSchema for Amount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?[0-9]{1,20}(\.[0-9]{1,10})?$"))
            .description(Some("A decimal number written as a string, e.g. \"2.5\""))
            .examples(["2.5"])
            .into()
    }
}

impl utoipa::ToSchema for Amount {}

/// A civil date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl Day {
    /// Parses `YYYY-MM-DD` strictly.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        let date = shaped
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten();
        date.map(Day).ok_or_else(|| {
            format!("{text:?} is not a date; write it as YYYY-MM-DD, e.g. \"2026-03-14\"")
        })
    }
}

impl FromStr for Day {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Day::parse(s)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.format("%Y-%m-%d"))
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Day::parse(&text).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected a date written as \"YYYY-MM-DD\", found {}",
                json_kind(&other)
            ))),
        }
    }
}

impl utoipa::PartialSchema for Day {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .examples(["2026-03-14"])
            .into()
    }
}

impl utoipa::ToSchema for Day {}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(json: &str) -> Result<Decimal, String> {
        serde_json::from_str::<Amount>(json)
            .map(|a| a.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn amounts_accept_strings_and_exact_numbers_only() {
        assert_eq!(amount("\"2.5\""), Ok(Decimal::new(25, 1)));
        assert_eq!(amount("2.5"), Ok(Decimal::new(25, 1)));
        assert_eq!(amount("3"), Ok(Decimal::from(3)));
        assert_eq!(amount("0.1"), Ok(Decimal::new(1, 1)));
        for bad in [
            "\"NaN\"", "\"1e3\"", "1e3", "\"inf\"", "\" 2\"", "\"+2\"", "\"2.\"", "\".5\"", "true",
            "null", "[]", "\"\"",
        ] {
            assert!(amount(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn dates_are_strict_iso_days() {
        assert!(Day::parse("2026-03-14").is_ok());
        for bad in [
            "2026-3-14",
            "14/03/2026",
            "2026-02-30",
            "2026-03-14T00:00:00",
            "",
        ] {
            assert!(Day::parse(bad).is_err(), "{bad} must be refused");
        }
    }
}

/// A category of service by its code, as it appears on the wire (schema only): one of the
/// seven built in (`mediation`, `eco_patrol`, `lecture`, `elder_care`, `culture_tourism`,
/// `industry_aid`, `craft`) or one registered since (`GET /v1/categories` lists them).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, example = "mediation", pattern = "^[a-z][a-z0-9_]*$")]
#[allow(dead_code)]
pub struct CategoryCode(String);

/// Roles a token can carry (schema only).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleName {
    /// Station keeper / administrator.
    Admin,
    /// Coordinator of one team.
    Coordinator,
    /// A volunteer.
    Volunteer,
    /// Read-only auditor.
    Auditor,
    /// Coordinator of one group of teams (needs `group_id`).
    GroupCoordinator,
    /// A clerk at the counter of one e-station (`station_id`; none: the first station).
    StationClerk,
    /// Coordinator of one district's teams (needs `district`).
    DistrictCoordinator,
    /// An officer of one partner bank (needs `bank`).
    BankOfficer,
}
