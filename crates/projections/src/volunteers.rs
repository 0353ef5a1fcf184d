//! Volunteer accounts: balance, hours, stars, the per-date hours of the 24-hour rule, team
//! history and the statement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::time::day_number;
use yinling_ledger::{ActivityId, RedemptionId, TeamId, Timestamp, VolunteerId};

use crate::stars::{StarLevel, StarStanding};

/// Where a volunteer's points are. `available = earned - reversed - redeemed - held`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Points ever earned by service.
    #[serde(with = "yinling_ledger::amount")]
    pub earned: Decimal,
    /// Points taken back by reversals.
    #[serde(with = "yinling_ledger::amount")]
    pub reversed: Decimal,
    /// Points reserved by held redemptions.
    #[serde(with = "yinling_ledger::amount")]
    pub held: Decimal,
    /// Points spent on fulfilled redemptions.
    #[serde(with = "yinling_ledger::amount")]
    pub redeemed: Decimal,
    /// Points carried over from another platform (not earned here).
    #[serde(with = "yinling_ledger::amount", default)]
    pub carried: Decimal,
}

impl Balance {
    /// Points the volunteer can spend now.
    pub fn available(&self) -> Decimal {
        self.carried + self.earned - self.reversed - self.redeemed - self.held
    }
}

/// What a statement line records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points earned by service.
    Service,
    /// A service taken back.
    Reversal,
    /// Points reserved for a redemption.
    Hold,
    /// A hold handed over at the counter (points spent; available unchanged).
    Fulfilment,
    /// A hold cancelled (points return).
    Cancellation,
    /// A hold lapsed (points return).
    Expiry,
    /// One participant's hours of an activity corrected, up or down.
    Correction,
    /// A credit re-rated under the rules in force on its service date.
    Rerating,
    /// Points carried over from another platform when the city moved here.
    CarriedOver,
}

/// One line of a volunteer's statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEntry {
    /// The event's seq.
    pub seq: u64,
    /// When it was recorded.
    pub at: Timestamp,
    /// What happened.
    pub kind: EntryKind,
    /// The service date, for service and reversal lines.
    #[serde(with = "yinling_ledger::time::day_number::option")]
    pub date: Option<NaiveDate>,
    /// Change to available points (negative for holds and reversals).
    #[serde(with = "yinling_ledger::amount")]
    pub points: Decimal,
    /// Change to net hours.
    #[serde(with = "yinling_ledger::amount")]
    pub hours: Decimal,
    /// The activity or redemption concerned.
    pub reference: EntryRef,
    /// Available points after this line (the running balance).
    #[serde(with = "yinling_ledger::amount")]
    pub available_after: Decimal,
}

/// What a statement line refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryRef {
    /// An activity.
    Activity(ActivityId),
    /// A redemption.
    Redemption(RedemptionId),
    /// The opening balance brought from another platform.
    CarriedOver,
}

/// An opening balance from another platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    /// Hours served there.
    pub hours: Decimal,
    /// Points held there.
    pub points: Decimal,
    /// Star level there.
    pub star_level: u8,
    /// As of.
    pub as_of: NaiveDate,
    /// The platform.
    pub source_system: String,
}

/// A period in one team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamStint {
    /// The team.
    pub team_id: TeamId,
    /// The seq of the event that put the volunteer there.
    pub since_seq: u64,
    /// When.
    pub since: Timestamp,
}

/// A volunteer's account as folded from the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volunteer {
    /// Id.
    pub id: VolunteerId,
    /// Name.
    pub name: String,
    /// Current team.
    pub team_id: TeamId,
    /// Current team's district.
    pub district: String,
    /// Year of birth, if known.
    pub birth_year: Option<u16>,
    /// When registered.
    pub registered_at: Timestamp,
    /// Points.
    pub balance: Balance,
    /// Hours served, before reversals.
    #[serde(with = "yinling_ledger::amount")]
    pub hours_served: Decimal,
    /// Hours taken back by reversals.
    #[serde(with = "yinling_ledger::amount")]
    pub hours_reversed: Decimal,
    /// Net hours per service date (for the 24-hours-a-day rule), keyed by day number
    /// (`yinling_ledger::time::day_number`); see [`Volunteer::hours_on`].
    pub hours_by_date: BTreeMap<i32, Decimal>,
    /// Every team, in order.
    pub team_history: Vec<TeamStint>,
    /// Every change to points or hours, oldest first.
    pub statement: Vec<StatementEntry>,
    /// Their stars as the log records them.
    pub star: StarStanding,
    /// What they brought from another platform, if anything.
    pub carried: Option<Carried>,
    /// The last four digits of their phone, if recorded (to find them at the counter).
    pub phone_last_four: Option<String>,
    /// The hash of the PIN they confirm counter redemptions with, if they set one.
    pub pin_sha256: Option<yinling_ledger::Hash>,
}

impl Volunteer {
    /// Net hours: served minus reversed.
    pub fn hours_net(&self) -> Decimal {
        self.hours_served - self.hours_reversed
    }

    /// The stars that count: as recorded once the log has a star scale, read off the net
    /// hours on the national scale before that.
    pub fn stars(&self) -> StarLevel {
        if self.star.recorded {
            StarLevel(self.star.level)
        } else {
            StarLevel::for_hours(self.hours_net())
        }
    }

    /// Net hours already logged on a date.
    pub fn hours_on(&self, date: NaiveDate) -> Decimal {
        self.hours_by_date
            .get(&day_number::of(date))
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn record(
        &mut self,
        envelope: &yinling_ledger::Envelope,
        kind: EntryKind,
        date: Option<NaiveDate>,
        points: Decimal,
        hours: Decimal,
        reference: EntryRef,
    ) {
        self.statement.push(StatementEntry {
            seq: envelope.seq,
            at: envelope.recorded_at,
            kind,
            date,
            points,
            hours,
            reference,
            available_after: self.balance.available(),
        });
    }

    pub(crate) fn add_hours_on(&mut self, date: NaiveDate, hours: Decimal) {
        let day = day_number::of(date);
        let entry = self.hours_by_date.entry(day).or_default();
        *entry += hours;
        if entry.is_zero() {
            self.hours_by_date.remove(&day);
        }
    }
}
