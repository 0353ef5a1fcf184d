//! Values typed by a person (a web form, a command-line flag) checked the same way the API
//! checks JSON: the same grammar for decimals and dates, the same category names, the same
//! ids. A value that does not parse is refused with its field named; nothing is silently
//! replaced by a default.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::{Category, CategoryRate};
use yinling_projections::{Rejection, State};

use crate::wire::{parse_decimal, Day};

/// A decimal such as `2.5` (no exponent, no spaces, no thousands separator).
pub fn decimal(field: &str, text: &str) -> Result<Decimal, Rejection> {
    parse_decimal(text.trim())
        .map_err(|why| Rejection::invalid("bad_number", format!("{field}: {why}")))
}

/// A date written `YYYY-MM-DD`.
pub fn date(field: &str, text: &str) -> Result<NaiveDate, Rejection> {
    Day::parse(text.trim())
        .map(|d| d.0)
        .map_err(|why| Rejection::invalid("bad_date", format!("{field}: {why}")))
}

/// A kind of service by its code (`mediation`, `eco_patrol`, a registered `garbage_sorting`),
/// as the registry in `state` knows it.
pub fn category(state: &State, field: &str, text: &str) -> Result<Category, Rejection> {
    let code = text.trim();
    state.categories.by_code(code).map(|r| r.id).ok_or_else(|| {
        let codes: Vec<&str> = state.categories.all().map(|r| r.code.as_str()).collect();
        Rejection::invalid(
            "bad_category",
            format!(
                "{field} {text:?} is not a kind of service; use one of {}",
                codes.join(", ")
            ),
        )
    })
}

/// Per-category rates keyed by code (`rates` in a rules body), each code checked against the
/// registry; `field` names the map in the refusal.
pub fn category_rates<'a>(
    state: &State,
    field: &str,
    rates: impl IntoIterator<Item = (&'a String, Decimal)>,
) -> Result<Vec<CategoryRate>, Rejection> {
    rates
        .into_iter()
        .map(|(code, points_per_hour)| {
            Ok(CategoryRate {
                category: category(state, &format!("{field} key"), code)?,
                points_per_hour,
            })
        })
        .collect()
}

/// A count of people or cases: a whole number, 0 when the field was left empty.
pub fn count(field: &str, text: &str) -> Result<u32, Rejection> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse().map_err(|_| {
        Rejection::invalid(
            "bad_count",
            format!("{field} {text:?} is not a whole number (0, 1, 2, ...)"),
        )
    })
}

/// An optional whole number (a year of birth): `None` when left empty.
pub fn optional_number<T: FromStr>(field: &str, text: &str) -> Result<Option<T>, Rejection> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Rejection::invalid(
            "bad_number",
            format!("{field} {text:?} is not a whole number"),
        )
    })
}

/// An id (a UUID) of a `what`.
pub fn id<T: FromStr>(field: &str, text: &str) -> Result<T, Rejection> {
    text.trim().parse().map_err(|_| {
        Rejection::invalid(
            "malformed_id",
            format!("{field} {text:?} is not a valid id (a UUID)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_refused_with_their_field_never_replaced() {
        assert_eq!(count("people_served", "").map_err(|e| e.code), Ok(0));
        assert_eq!(count("people_served", " 12 ").map_err(|e| e.code), Ok(12));
        for bad in ["-1", "3.5", "twelve", "1e3"] {
            let e = count("people_served", bad).expect_err(bad);
            assert!(e.detail.contains("people_served"), "{}", e.detail);
        }
        let state = State::new();
        assert!(category(&state, "category", "mediation").is_ok());
        assert_eq!(
            category(&state, "category", "cooking").map_err(|e| e.code),
            Err("bad_category")
        );
        assert!(decimal("hours", "2.5").is_ok());
        assert!(decimal("hours", "2,5").is_err());
        assert!(date("date", "2026-02-30").is_err());
        assert!(id::<yinling_ledger::VolunteerId>("participants[0]", "abc").is_err());
        assert_eq!(optional_number::<u16>("birth_year", ""), Ok(None));
        assert!(optional_number::<u16>("birth_year", "一九五零").is_err());
    }
}
