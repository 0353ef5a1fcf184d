//! Amounts as the rankings add them: [`Amounts`] in decimals as the API shows them, and
//! [`Fixed`], the same in whole ten-thousandths of a point and hundredths of an hour, so a
//! ranking over a million volunteers adds and compares integers instead of decimals.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Points and hours together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    /// Points.
    #[serde(with = "yinling_ledger::amount")]
    pub points: Decimal,
    /// Hours.
    #[serde(with = "yinling_ledger::amount")]
    pub hours: Decimal,
}

impl std::ops::AddAssign for Amounts {
    fn add_assign(&mut self, other: Amounts) {
        self.points += other.points;
        self.hours += other.hours;
    }
}

impl std::ops::Sub for Amounts {
    type Output = Amounts;
    fn sub(self, other: Amounts) -> Amounts {
        Amounts {
            points: self.points - other.points,
            hours: self.hours - other.hours,
        }
    }
}

/// Decimal places of [`Fixed`] points: hours have at most 2 and rates at most 2, so every
/// points figure `decide` accepts is a whole number of ten-thousandths.
pub const FIXED_POINT_PLACES: u32 = 4;

/// Decimal places of [`Fixed`] hours.
pub const FIXED_HOUR_PLACES: u32 = 2;

// The month bounds count whole points and tenths of an hour in these units.
const _: () = assert!(crate::limits::BOUND_POINT_STEP_UNITS == 10i64.pow(FIXED_POINT_PLACES));
const _: () = assert!(crate::limits::BOUND_HOUR_STEP_UNITS == 10i64.pow(FIXED_HOUR_PLACES - 1));

/// Amounts as whole ten-thousandths of a point and hundredths of an hour: exact for every
/// value the ledger accepts, and a ranking over 10,000 volunteers compares integers instead
/// of decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fixed {
    /// Points × 10^4.
    pub points: i64,
    /// Hours × 10^2.
    pub hours: i64,
}

fn to_units(value: Decimal, places: u32) -> i64 {
    // The usual case, an amount with no more places than kept, is integer arithmetic on the
    // mantissa (Decimal multiplication and rounding were a measurable share of a replay).
    if let Some(factor) = places
        .checked_sub(value.scale())
        .and_then(|shift| 10i128.checked_pow(shift))
    {
        if let Some(units) = value
            .mantissa()
            .checked_mul(factor)
            .and_then(|u| i64::try_from(u).ok())
        {
            return units;
        }
    }
    let saturated = if value.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    };
    let Some(scaled) = value.checked_mul(Decimal::from(10i64.pow(places))) else {
        return saturated;
    };
    debug_assert!(
        scaled.fract().is_zero(),
        "{value} has more than {places} decimal places"
    );
    rust_decimal::prelude::ToPrimitive::to_i64(&scaled.round()).unwrap_or(saturated)
}

impl Fixed {
    /// From decimal amounts.
    pub fn of(a: Amounts) -> Self {
        Fixed {
            points: to_units(a.points, FIXED_POINT_PLACES),
            hours: to_units(a.hours, FIXED_HOUR_PLACES),
        }
    }

    /// Back to decimal amounts.
    pub fn amounts(self) -> Amounts {
        Amounts {
            points: Decimal::new(self.points, FIXED_POINT_PLACES).normalize(),
            hours: Decimal::new(self.hours, FIXED_HOUR_PLACES).normalize(),
        }
    }

    pub(crate) fn is_zero(self) -> bool {
        self.points == 0 && self.hours == 0
    }
}

// Saturating: an honest ledger is nowhere near i64's bound (9.2 × 10^14 points), but a log
// holds what anyone with write access to it wrote (a cluster's subject, a file given to
// `import`), and a fold must not panic (a debug build) or wrap to a negative total on it.
impl std::ops::AddAssign for Fixed {
    fn add_assign(&mut self, other: Fixed) {
        self.points = self.points.saturating_add(other.points);
        self.hours = self.hours.saturating_add(other.hours);
    }
}

impl std::ops::Sub for Fixed {
    type Output = Fixed;
    fn sub(self, other: Fixed) -> Fixed {
        Fixed {
            points: self.points.saturating_sub(other.points),
            hours: self.hours.saturating_sub(other.hours),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The mantissa shortcut gives what Decimal arithmetic gives, for every scale and sign,
    /// and saturates where the units do not fit.
    #[test]
    fn fixed_units_agree_with_decimal_arithmetic() {
        let slow = |value: Decimal, places: u32| {
            let scaled = (value * Decimal::from(10i64.pow(places))).round();
            rust_decimal::prelude::ToPrimitive::to_i64(&scaled)
        };
        for text in [
            "0",
            "1",
            "1.5",
            "-2.25",
            "0.0001",
            "12.3400",
            "-0.01",
            "1.50000",
            "99999.99",
            "-7.000000",
        ] {
            let value = Decimal::from_str(text).expect("a decimal");
            for places in [FIXED_POINT_PLACES, FIXED_HOUR_PLACES] {
                if value.normalize().scale() <= places {
                    assert_eq!(Some(to_units(value, places)), slow(value, places), "{text}");
                }
            }
        }
        assert_eq!(to_units(Decimal::MAX, FIXED_POINT_PLACES), i64::MAX);
        assert_eq!(to_units(Decimal::MIN, FIXED_POINT_PLACES), i64::MIN);
    }
}
