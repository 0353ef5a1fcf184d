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

/// A `Decimal` in the representation of [`serialize`], for containers of amounts.
struct Wrapped(Decimal);

impl Serialize for Wrapped {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Wrapped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(Wrapped)
    }
}

/// The same representation for a list of amounts (a star scale's thresholds).
pub mod vec {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Wrapped;

    /// Serializes a list of amounts.
    pub fn serialize<S: Serializer>(value: &[Decimal], serializer: S) -> Result<S::Ok, S::Error> {
        value
            .iter()
            .map(|d| Wrapped(*d))
            .collect::<Vec<_>>()
            .serialize(serializer)
    }

    /// Inverse of [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Decimal>, D::Error> {
        Ok(Vec::<Wrapped>::deserialize(deserializer)?
            .into_iter()
            .map(|w| w.0)
            .collect())
    }
}

/// The same representation for an optional amount (`null` in JSON).
pub mod option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A `Decimal` in the representation of [`super::serialize`].
    struct Wrapped(Decimal);

    impl Serialize for Wrapped {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(&self.0, serializer)
        }
    }

    impl<'de> Deserialize<'de> for Wrapped {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::deserialize(deserializer).map(Wrapped)
        }
    }

    /// Serializes an optional amount.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.map(Wrapped).serialize(serializer)
    }

    /// Inverse of [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
    }
}
