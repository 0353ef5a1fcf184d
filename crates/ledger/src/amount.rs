//! Serde representation of decimal amounts (points, hours).
//!
//! Binary formats (the codec) store the exact 96-bit mantissa and scale, so nothing is ever
//! rounded through text; human-readable formats (JSON) use a string such as `"2.5"`, never a
//! float. Decoding validates the scale so arbitrary bytes cannot build an invalid `Decimal`.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serializes a `Decimal` as a string (JSON) or as (mantissa, scale) (binary).
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.collect_str(value)
    } else {
        (value.mantissa(), value.scale()).serialize(serializer)
    }
}

/// Inverse of [`serialize`]; rejects scales over 28 and malformed text.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    if deserializer.is_human_readable() {
        let text = String::deserialize(deserializer)?;
        text.parse::<Decimal>()
            .map_err(|e| D::Error::custom(format!("invalid decimal {text:?}: {e}")))
    } else {
        let (mantissa, scale) = <(i128, u32)>::deserialize(deserializer)?;
        Decimal::try_from_i128_with_scale(mantissa, scale)
            .map_err(|e| D::Error::custom(format!("invalid decimal: {e}")))
    }
}
