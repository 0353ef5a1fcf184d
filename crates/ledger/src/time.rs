//! Instants recorded in envelopes: microseconds since the Unix epoch (UTC).

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Offset of the service's civil calendar from UTC when nothing else is said (China Standard
/// Time). Activity dates and "today" are judged in the ledger's zone, so a volunteer logging
/// at 07:30 local time is not told that today is yesterday.
pub const LOCAL_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The zone this process shows dates in: the ledger's, set once it is open (the node checks
/// its configuration against the zone the log records).
static PROCESS_OFFSET_SECONDS: std::sync::atomic::AtomicI32 =
    std::sync::atomic::AtomicI32::new(LOCAL_UTC_OFFSET_SECONDS);

/// Sets the zone [`Timestamp::local_date`] uses in this process.
pub fn set_local_offset(seconds: i32) {
    PROCESS_OFFSET_SECONDS.store(seconds, std::sync::atomic::Ordering::Relaxed);
}

/// The zone [`Timestamp::local_date`] uses in this process, in seconds east of UTC.
pub fn local_offset() -> i32 {
    PROCESS_OFFSET_SECONDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// An offset written as people write it: `UTC+08:00`, `+8`, `-05:30`.
pub fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// Parses `+08:00`, `+8`, `UTC+8`, `-05:30` into seconds east of UTC (whole quarter hours,
/// -12:00 to +14:00).
pub fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .unwrap_or(t);
    let (sign, rest) = match t.chars().next()? {
        '+' => (1, &t[1..]),
        '-' => (-1, &t[1..]),
        _ => return None,
    };
    // One or two digits each, nothing else (no second sign): so `+268435464` is refused
    // rather than wrapped round to an offset in range.
    let number = |part: &str| {
        let digits = (1..=crate::limits::UTC_OFFSET_PART_DIGITS).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| part.parse::<i32>().ok()).flatten()
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (number(h)?, number(m)?),
        None => (number(rest)?, 0),
    };
    let seconds = sign * (h * 3600 + m * 60);
    let ok = (0..60).contains(&m)
        && m % crate::limits::UTC_OFFSET_STEP_MINUTES == 0
        && crate::limits::UTC_OFFSET_RANGE_SECONDS.contains(&seconds);
    ok.then_some(seconds)
}

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

    /// The civil date of this instant in the zone of this process's ledger.
    pub fn local_date(self) -> NaiveDate {
        self.date_at(local_offset())
    }

    /// The ledger's local date and time to the minute, `2026-11-30 17:05`, for people.
    pub fn local_minute(self) -> String {
        self.minute_at(local_offset())
    }

    /// [`Timestamp::local_minute`] at `offset_seconds` east of UTC; an instant past the
    /// dates chrono shows is shown as the earliest it shows (as [`Timestamp::to_datetime`]
    /// gives it), without the offset when that would leave chrono's range.
    fn minute_at(self, offset_seconds: i32) -> String {
        let at = self.to_datetime();
        at.checked_add_signed(chrono::Duration::seconds(i64::from(offset_seconds)))
            .unwrap_or(at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The civil date of this instant at `offset_seconds` east of UTC.
    pub fn date_at(self, offset_seconds: i32) -> NaiveDate {
        let shifted = self.plus_seconds(i64::from(offset_seconds));
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

/// Serde for civil dates kept in snapshots: text (`2026-03-14`) for people, a day number for
/// the codec, which decodes without parsing text.
pub mod day_number {
    use chrono::{Datelike, NaiveDate};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// The day number of a date (days since 0001-01-01 counted from 1).
    pub fn of(date: NaiveDate) -> i32 {
        date.num_days_from_ce()
    }

    /// The date of a day number (saturating at chrono's range).
    pub fn date(day: i32) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(if day < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }

    /// Text in JSON, a day number in binary.
    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            date.serialize(serializer)
        } else {
            of(*date).serialize(serializer)
        }
    }

    /// Inverse of [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        if deserializer.is_human_readable() {
            NaiveDate::deserialize(deserializer)
        } else {
            let day = i32::deserialize(deserializer)?;
            NaiveDate::from_num_days_from_ce_opt(day)
                .ok_or_else(|| D::Error::custom(format!("day number {day} is out of range")))
        }
    }

    /// The same for `Option<NaiveDate>`.
    pub mod option {
        use super::*;

        /// See [`super::serialize`].
        pub fn serialize<S: Serializer>(
            date: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            if serializer.is_human_readable() {
                date.serialize(serializer)
            } else {
                date.map(of).serialize(serializer)
            }
        }

        /// See [`super::deserialize`].
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            if deserializer.is_human_readable() {
                Option::<NaiveDate>::deserialize(deserializer)
            } else {
                match Option::<i32>::deserialize(deserializer)? {
                    None => Ok(None),
                    Some(day) => NaiveDate::from_num_days_from_ce_opt(day)
                        .map(Some)
                        .ok_or_else(|| {
                            D::Error::custom(format!("day number {day} is out of range"))
                        }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets as people write them are read; anything else is refused, never wrapped round
    /// into range (`+268435464` hours times 3,600 seconds wraps to exactly +08:00 in 32 bits).
    #[test]
    fn an_offset_is_read_as_written_or_refused() {
        for (text, seconds) in [
            ("+08:00", 8 * 3600),
            ("UTC+8", 8 * 3600),
            ("utc+08", 8 * 3600),
            ("-05:30", -(5 * 3600 + 30 * 60)),
            ("+14:00", 14 * 3600),
            ("-12", -12 * 3600),
            ("+0", 0),
        ] {
            assert_eq!(parse_offset(text), Some(seconds), "{text}");
        }
        for text in [
            "+268435464",
            "+600000",
            "+-5",
            "++5",
            "+8:-30",
            "+8:",
            "+:30",
            "+15",
            "+08:20",
            "8",
            "",
            "+",
        ] {
            assert_eq!(parse_offset(text), None, "{text:?}");
        }
    }

    /// An instant at the edge of what dates can show (an imported event's timestamp is
    /// whatever its file says) is shown at the edge west of UTC too, not a panic.
    #[test]
    fn the_earliest_instant_shows_without_panicking() {
        for at in [i64::MIN, i64::MAX, 0] {
            for offset in [-12 * 3600, 0, 14 * 3600] {
                assert!(!Timestamp(at).minute_at(offset).is_empty());
            }
        }
        assert_eq!(Timestamp(0).minute_at(-5 * 3600), "1969-12-31 19:00");
    }
}
