//! Instants recorded in envelopes: microseconds since the Unix epoch (UTC).

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Offset of the service's civil calendar from UTC (China Standard Time). Activity dates and
/// "today" are judged in this zone, so a volunteer logging at 07:30 local time is not told
/// that today is yesterday.
pub const LOCAL_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// An instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current wall-clock instant.
    pub fn now() -> Self {
        Self(Utc::now().timestamp_micros())
    }

    /// From a chrono instant in any zone.
    pub fn from_datetime<Tz: TimeZone>(at: &DateTime<Tz>) -> Self {
        Self(at.timestamp_micros())
    }

    /// As a UTC chrono instant (saturating at chrono's range limits, which no real event reaches).
    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// RFC 3339 text in UTC with microseconds, e.g. `2026-11-25T13:05:33.123456Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// The civil date of this instant in the service's zone.
    pub fn local_date(self) -> NaiveDate {
        let shifted = self.plus_seconds(i64::from(LOCAL_UTC_OFFSET_SECONDS));
        shifted.to_datetime().date_naive()
    }

    /// This instant plus a number of seconds (saturating).
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}
