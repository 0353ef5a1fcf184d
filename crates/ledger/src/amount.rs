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

/// Amounts as events hold them: the representation above, and nothing larger in size than
/// [`MAX_EVENT_AMOUNT`](crate::limits::MAX_EVENT_AMOUNT) is read.
///
/// Every limit `decide` applies keeps an honest amount under a billion, but a fold adds up
/// whatever the log holds, and `Decimal`'s addition panics on overflow. An event written by
/// anyone but this service (a message put on a cluster's subject, a file given to `import`)
/// could carry `Decimal::MAX` points and stop every node that folds it; refused here, it is
/// an event that does not decode, named as such. Ten to the twelfth added once for every
/// event a log could ever hold stays far under `Decimal::MAX` (about 7.9 × 10^28).
pub mod bounded {
    use rust_decimal::Decimal;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::limits::MAX_EVENT_AMOUNT;

    /// Why an amount is refused, or `None` when an event may hold it.
    fn too_large(value: &Decimal) -> Option<String> {
        (value.abs() > MAX_EVENT_AMOUNT).then(|| {
            format!("amount {value} is larger than any event may hold ({MAX_EVENT_AMOUNT})")
        })
    }

    /// As [`super::serialize`]; refuses what [`deserialize`] would refuse, so the service
    /// never writes an event it could not read back.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(why) = too_large(value) {
            return Err(serde::ser::Error::custom(why));
        }
        super::serialize(value, serializer)
    }

    /// Inverse of [`serialize`]; refuses an amount larger in size than [`MAX_EVENT_AMOUNT`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let value = super::deserialize(deserializer)?;
        match too_large(&value) {
            Some(why) => Err(D::Error::custom(why)),
            None => Ok(value),
        }
    }

    /// A `Decimal` in the representation of [`serialize`], bounded, for containers of amounts.
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

    /// The same for a list of amounts (a star scale's thresholds).
    pub mod vec {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        use super::Wrapped;

        /// Serializes a list of amounts.
        pub fn serialize<S: Serializer>(
            value: &[Decimal],
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
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

    /// The same for an optional amount (`null` in JSON).
    pub mod option {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        use super::Wrapped;

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
}
