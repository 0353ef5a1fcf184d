//! Volunteer accounts: balance, hours, stars, the per-date hours of the 24-hour rule, team
//! history and the statement.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::time::day_number;
use yinling_ledger::{ActivityId, TeamId, Timestamp, VolunteerId};

use crate::stars::{StarLevel, StarStanding};

/// Where a volunteer's points are.
/// `available = carried + earned - reversed - redeemed - held - pending`.
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
    /// Points earned by activities still on public notice (公示): counted in `earned`, not
    /// yet spendable.
    #[serde(with = "yinling_ledger::amount", default)]
    pub pending: Decimal,
}

impl Balance {
    /// Points the volunteer can spend now.
    pub fn available(&self) -> Decimal {
        self.carried + self.earned - self.reversed - self.redeemed - self.held - self.pending
    }
}

pub use crate::statement::{EntryKind, EntryRef, StatementEntry};

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
    /// The registration's ordinal (1 for the first volunteer), shown in the label of someone
    /// erased.
    pub number: u32,
    /// Name, as revealed (never in a snapshot: see [`crate::personal`]).
    #[serde(skip)]
    pub name: String,
    /// Current team.
    pub team_id: TeamId,
    /// Current team's district.
    pub district: crate::names::SharedName,
    /// Year of birth, if known, as revealed.
    #[serde(skip)]
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
    pub hours_by_date: crate::day_hours::DayHours,
    /// Every team, in order (a thin vector, one pointer: so that a volunteer and its shared
    /// count fit the allocator's 448-byte blocks, asserted below).
    pub team_history: thin_vec::ThinVec<TeamStint>,
    /// Every change to points or hours, oldest first, packed.
    pub statement: crate::statement::Statement,
    /// Their stars as the log records them.
    pub star: StarStanding,
    /// What they brought from another platform, if anything (boxed: few have it, and the
    /// volunteer is what a province holds a million of).
    pub carried: Option<Box<Carried>>,
    /// The last four digits of their phone, if recorded (to find them at the counter), as
    /// revealed.
    #[serde(skip)]
    pub phone_last_four: Option<String>,
    /// How the personal fields above are kept, and consents.
    pub personal: crate::personal::PersonalRecord,
    /// Their activities still on public notice (their points are pending): a sorted thin
    /// vector, one pointer where a `BTreeSet` took three, and one small block where it took
    /// a node of eleven slots.
    #[serde(default)]
    pub on_notice: crate::sorted_set::SortedSet<ActivityId>,
    /// The hash of the PIN they confirm counter redemptions with, if they set one (boxed, as
    /// `carried`).
    pub pin_sha256: Option<Box<yinling_ledger::Hash>>,
}

// A province holds a million volunteers, each behind an `Arc` of one count (`maps`): kept
// within 448 bytes together with the allocator's slack for an aligned request, each takes a
// 448-byte block of the allocator (mimalloc's size classes step 384, 448, 512), not a
// 512-byte one.
const _: () = assert!(
    crate::limits::shared_value_request_bytes(std::mem::size_of::<Volunteer>())
        <= crate::limits::VOLUNTEER_BLOCK_BYTES
);

impl Volunteer {
    /// Sets the volunteer's name, year of birth and phone digits from how they are kept.
    pub fn reveal(&mut self, keys: &dyn yinling_ledger::personal::Keyring) {
        let v = self;
        if v.personal.erased {
            v.name = crate::personal::erased_label(v.number);
            v.birth_year = None;
            v.phone_last_four = None;
            return;
        }
        let mut fields = v.personal.plain.as_deref().cloned().unwrap_or_default();
        let mut unreadable = false;
        for blob in &v.personal.sealed {
            match keys.open(&v.id, blob) {
                Ok(Some(f)) => crate::personal::merge(&mut fields, f),
                Ok(None) => unreadable = true,
                // A damaged key or blob reads like a missing key here; `verify` names it.
                Err(_) => unreadable = true,
            }
        }
        // No name yet is no name (the registration's own blob follows it in the same commit).
        v.name = if unreadable {
            crate::personal::unreadable_label(v.number)
        } else {
            fields.name.unwrap_or_default()
        };
        v.birth_year = fields.birth_year.filter(|_| !unreadable);
        v.phone_last_four = fields
            .phone_last_four
            .filter(|d| !d.is_empty() && !unreadable);
    }

    /// Reveals one new blob on top of the fields already revealed (each blob is opened once
    /// as the log is folded; [`Volunteer::reveal`] reopens them all, after a snapshot).
    pub fn reveal_blob(
        &mut self,
        blob: &yinling_ledger::personal::Sealed,
        keys: &dyn yinling_ledger::personal::Keyring,
    ) {
        if self.personal.erased || crate::personal::is_label(&self.name) {
            return self.reveal(keys);
        }
        match keys.open(&self.id, blob) {
            Ok(Some(f)) => {
                if let Some(name) = f.name {
                    self.name = name;
                }
                if f.birth_year.is_some() {
                    self.birth_year = f.birth_year;
                }
                if let Some(digits) = f.phone_last_four {
                    self.phone_last_four = Some(digits).filter(|d| !d.is_empty());
                }
            }
            _ => {
                self.name = crate::personal::unreadable_label(self.number);
                self.birth_year = None;
                self.phone_last_four = None;
            }
        }
    }

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

    /// The teams the volunteer was a member of at some time on `date` (the ledger's calendar,
    /// by `date_of`), the latest first: service logged late by the team they served with is
    /// that team's, though they have moved since. A date before they were registered is the
    /// first team's (service carried over from before).
    pub fn teams_on(
        &self,
        date: NaiveDate,
        date_of: impl Fn(Timestamp) -> NaiveDate,
    ) -> Vec<TeamId> {
        let mut teams = Vec::new();
        for (i, stint) in self.team_history.iter().enumerate().rev() {
            let began = date_of(stint.since);
            let ended = self.team_history.get(i + 1).map(|next| date_of(next.since));
            if began <= date && ended.is_none_or(|e| e >= date) {
                teams.push(stint.team_id);
            }
            // A stint begun before the date: the older ones ended before it too.
            if began < date {
                break;
            }
        }
        if teams.is_empty() {
            teams.extend(self.team_history.first().map(|s| s.team_id));
        }
        teams
    }

    /// Net hours already logged on a date.
    pub fn hours_on(&self, date: NaiveDate) -> Decimal {
        self.hours_by_date
            .get(day_number::of(date))
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
        self.record_line(envelope, (kind, date), (points, hours), reference, None);
    }

    /// [`Volunteer::record`] of a line about an activity, named by its number
    /// (`Activity::number`) and written from its stamp (`Activity::stamp`) when it has them.
    pub(crate) fn record_activity(
        &mut self,
        envelope: &yinling_ledger::Envelope,
        (kind, date): (EntryKind, Option<NaiveDate>),
        (points, hours): (Decimal, Decimal),
        (activity, stamp): (ActivityId, Option<(u32, crate::statement::ActivityStamp)>),
    ) {
        self.record_line(
            envelope,
            (kind, date),
            (points, hours),
            EntryRef::Activity(activity),
            stamp,
        );
    }

    fn record_line(
        &mut self,
        envelope: &yinling_ledger::Envelope,
        (kind, date): (EntryKind, Option<NaiveDate>),
        (points, hours): (Decimal, Decimal),
        reference: EntryRef,
        activity: Option<(u32, crate::statement::ActivityStamp)>,
    ) {
        self.statement.push(
            &StatementEntry {
                seq: envelope.seq,
                at: envelope.recorded_at,
                kind,
                date,
                points,
                hours,
                reference,
                available_after: self.balance.available(),
            },
            activity,
        );
    }

    pub(crate) fn add_hours_on(&mut self, date: NaiveDate, hours: Decimal) {
        self.hours_by_date.add(day_number::of(date), hours);
    }
}
