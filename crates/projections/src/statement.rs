//! A volunteer's statement, packed: every line as a few bytes of differences from the line
//! before it, instead of a 92-byte [`StatementEntry`] each. At a province's density (about
//! fifty lines a volunteer) the lines were a third of a node's state (BENCHMARKS.md, "A
//! province's density"); packed they take about a third of that, and the snapshot shrinks
//! with them. Lines are read back one at a time, oldest first; a statement is a few dozen
//! lines, so a reader who wants the newest first collects them.
//!
//! One line, in order (a varint is LEB128; a signed one zigzagged first):
//! - a tag byte: the kind (low four bits), whether it has a service date (bit 4), and what it
//!   refers to (bits 5 and 6: an activity, a redemption, or the carried-over balance);
//! - the seq, as the varint of its difference from the line before (wrapping);
//! - the instant, as the signed varint of its difference in microseconds;
//! - the service date if any, as the signed varint of its difference in days from the last
//!   line that had one;
//! - the points, the hours and the running balance, each a [`Decimal`] exactly: a byte of
//!   scale and sign, then the varint of its magnitude;
//! - an activity's number (`Activity::number`, the order it was logged in) as a varint, or a
//!   redemption's id, 16 bytes. An activity line pushed without its number (one built from
//!   lines, not folded into a state) holds the activity's id, 16 bytes, as every activity line
//!   did before numbers (BENCHMARKS.md, "Statement lines name activities by number").
//!
//! A line of an activity named by number (bit 7 of the tag) counts its seq, instant and
//! service date from the activity's own ([`ActivityStamp`]) rather than from the line before:
//! a volunteer's service is logged in the same commit as its activity, a few seqs after it,
//! at the same instant and on the same date, so the three take three bytes instead of about
//! ten (BENCHMARKS.md, "Statement lines counted from their activity"). The line before is
//! then the last line that was not of this form, so the lines can still be read through
//! without the activities (a snapshot's check).
//!
//! Such a line always names its activity by number, so the two bits that say what a line
//! refers to say instead what it writes: its instant and service date (bit 5) only when they
//! are not its activity's, and its running balance (bit 6) only when it is not the line
//! before's plus the line's points, exactly. A service line is then its tag, the seq's
//! difference, the points, the hours and the activity's number: about nine bytes instead of
//! fourteen (BENCHMARKS.md, "Statement lines and participants that write only what
//! differs"). The statement keeps the balance after its last line, so that line is still
//! read alone.
//!
//! The numbers are turned back into ids, seqs, instants and dates as the lines are read, so
//! every reader passes the state's activities (`State::stamps`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yinling_ledger::time::day_number;
use yinling_ledger::{ActivityId, RedemptionId, Timestamp};

use crate::numbers::Numbered;
use crate::packed::{make_room, put_decimal, put_signed, put_varint, same_exactly, Out, Reader};

/// What a statement line of an activity is written relative to: the activity's id, and the
/// seq, instant and service date of the event that logged it (`Activity::stamp`); none of
/// the four changes once the activity is logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityStamp {
    /// The activity.
    pub id: ActivityId,
    /// The seq of its `ActivityLogged` event.
    pub seq: u64,
    /// When that event was recorded.
    pub at: Timestamp,
    /// Its service date.
    pub date: NaiveDate,
}

/// Where a statement's reader finds the activities its lines name by number: the state
/// (`State::stamps`, its activities by number), or a column of stamps (a test's; an empty
/// one where lines are only checked, `Statement::from_packed`).
pub trait Stamps {
    /// The stamp of the activity numbered `number`, if one is.
    fn stamp(&self, number: u32) -> Option<ActivityStamp>;
}

impl Stamps for Numbered<ActivityStamp> {
    fn stamp(&self, number: u32) -> Option<ActivityStamp> {
        self.id_of(number)
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
    /// Points of an activity on public notice (公示): set aside while it lasts (negative),
    /// released when it ends (positive); a correction during the notice moves the difference.
    Notice,
    /// The points of a redemption handed over, returned (its rate voucher cancelled unused).
    Refund,
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

/// Every change to a volunteer's points or hours, oldest first, packed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Statement {
    /// The lines' bytes: a thin vector (its length and room on the heap with the bytes), so
    /// that the balance below fits in the volunteer's block (`volunteers`).
    bytes: thin_vec::ThinVec<u8>,
    /// The balance after the last line (0 with no line): what a line that does not write its
    /// balance adds its points to, and the last line's balance when it is read alone.
    balance: Decimal,
    /// How many lines.
    lines: u32,
    /// Where the last line starts in `bytes` (0 with no line), so that [`Statement::last`]
    /// reads one line, not all of them.
    last_line: u32,
    /// What the next line is written as a difference from.
    last: Previous,
}

/// What a line is written relative to: the seq, instant and day of the last line not
/// written from its activity's (0 before any).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Previous {
    seq: u64,
    at: i64,
    day: i32,
}

impl Previous {
    /// What the next line is written from after a line written from this one (not from its
    /// activity's stamp): that line's seq and instant, and its day if it has one. The writer
    /// and the reader both move on through here, so they agree on which line is before.
    fn after(self, seq: u64, at: i64, day: Option<i32>) -> Self {
        Previous {
            seq,
            at,
            day: day.unwrap_or(self.day),
        }
    }
}

const KINDS: [EntryKind; 11] = [
    EntryKind::Service,
    EntryKind::Reversal,
    EntryKind::Hold,
    EntryKind::Fulfilment,
    EntryKind::Cancellation,
    EntryKind::Expiry,
    EntryKind::Correction,
    EntryKind::Rerating,
    EntryKind::CarriedOver,
    EntryKind::Notice,
    EntryKind::Refund,
];
const KIND_BITS: u8 = 0x0f;
const HAS_DATE: u8 = 0x10;
const REF_SHIFT: u8 = 5;
const REF_ACTIVITY: u8 = 0;
const REF_REDEMPTION: u8 = 1;
const REF_CARRIED: u8 = 2;
const REF_ACTIVITY_NUMBER: u8 = 3;
/// The line's seq, instant and date are counted from its activity's (`ActivityStamp`); it
/// names its activity by number, and the reference bits are the two below instead.
const FROM_ACTIVITY: u8 = 0x80;
/// With [`FROM_ACTIVITY`]: the differences of the line's instant and date from its
/// activity's are written (without it both are the activity's).
const WRITES_AT: u8 = 0x20;
/// With [`FROM_ACTIVITY`]: the running balance is written (without it, it is the line
/// before's plus the line's points).
const WRITES_BALANCE: u8 = 0x40;
const REF_BITS: u8 = 0x03;

fn kind_code(kind: EntryKind) -> u8 {
    // Position in `KINDS`: the list above is every kind, so one is always found.
    KINDS.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

impl Statement {
    /// No lines.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.lines as usize
    }

    /// Whether it has no line.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Bytes its lines take, and bytes reserved (for the memory count in `benches`).
    pub fn bytes(&self) -> (usize, usize) {
        (self.bytes.len(), self.bytes.capacity())
    }

    /// The lines, oldest first, their activities' numbers turned into ids (and seqs, instants
    /// and dates) through `activities` (`State::stamps`).
    pub fn iter<'a>(&'a self, activities: &'a dyn Stamps) -> Lines<'a> {
        Lines {
            rest: &self.bytes,
            last: Previous::default(),
            balance: Decimal::ZERO,
            activities,
        }
    }

    /// The lines, newest first (read oldest first, then turned round).
    pub fn newest_first(
        &self,
        activities: &dyn Stamps,
    ) -> std::iter::Rev<std::vec::IntoIter<StatementEntry>> {
        self.iter(activities).collect::<Vec<_>>().into_iter().rev()
    }

    /// The newest line, read alone. A line written from its activity's stamp needs nothing
    /// else; any other's seq, instant and date are differences from the line before, whose
    /// values are what `last` less those differences gives (the start checks every
    /// volunteer's last line against the balance).
    pub fn last(&self, activities: &dyn Stamps) -> Option<StatementEntry> {
        if self.lines == 0 {
            return None;
        }
        let rest = self.bytes.get(usize::try_from(self.last_line).ok()?..)?;
        let mut r = Reader(rest);
        let tag = r.byte()?;
        let before = if tag & FROM_ACTIVITY != 0 {
            self.last
        } else {
            let seq = self.last.seq.wrapping_sub(u64::try_from(r.varint()?).ok()?);
            let at = i64::try_from(i128::from(self.last.at) - r.signed()?).ok()?;
            let day = if tag & HAS_DATE != 0 {
                i32::try_from(i128::from(self.last.day) - r.signed()?).ok()?
            } else {
                self.last.day
            };
            Previous { seq, at, day }
        };
        let mut line = Lines {
            rest,
            last: before,
            balance: Decimal::ZERO,
            activities,
        }
        .next_line()?;
        // The balance before this line is not kept; the one after it is.
        line.available_after = self.balance;
        Some(line)
    }

    /// Adds a line at the end, written straight into the statement's bytes. Room grows by an
    /// eighth of what the lines take, not double: a volunteer's lines are most of their bytes.
    /// An activity's line is written with its number and stamp when given (the activity's
    /// `number` and `stamp`), with its id otherwise.
    pub fn push(&mut self, e: &StatementEntry, activity: Option<(u32, ActivityStamp)>) {
        make_room(
            &mut self.bytes,
            crate::limits::STATEMENT_LINE_BYTES_MAX,
            crate::limits::STATEMENT_GROWTH_MIN_BYTES,
        );
        // A statement of four gigabytes (a hundred million lines) is not met; if it were,
        // `last` would answer nothing rather than a wrong line.
        self.last_line = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        let line = &mut self.bytes;
        let activity = match (e.reference, activity) {
            (EntryRef::Activity(_), Some(a)) => Some(a),
            _ => None,
        };
        // Counted from the activity's stamp when the line is at or after it (always, for a
        // folded state: an activity's lines follow its logging).
        let from = activity.filter(|(_, stamp)| e.seq >= stamp.seq);
        let day = e.date.map(day_number::of);
        // What a line counted from its activity's stamp leaves out: the instant and date
        // when they are the activity's, the balance when the points give it exactly (its
        // scale and the sign of a zero included).
        let (writes, refers) = match from {
            Some((_, stamp)) => {
                let at = e.at != stamp.at || e.date.is_some_and(|d| d != stamp.date);
                let balance = self
                    .balance
                    .checked_add(e.points)
                    .is_none_or(|b| !same_exactly(b, e.available_after));
                let writes =
                    (if at { WRITES_AT } else { 0 }) | if balance { WRITES_BALANCE } else { 0 };
                (writes, writes)
            }
            None => {
                let refers = match (e.reference, activity) {
                    (EntryRef::Activity(_), Some(_)) => REF_ACTIVITY_NUMBER,
                    (EntryRef::Activity(_), None) => REF_ACTIVITY,
                    (EntryRef::Redemption(_), _) => REF_REDEMPTION,
                    (EntryRef::CarriedOver, _) => REF_CARRIED,
                };
                (WRITES_AT | WRITES_BALANCE, refers << REF_SHIFT)
            }
        };
        // Bits 5 and 6: what the line writes when counted from its activity, what it
        // refers to otherwise.
        let tag = kind_code(e.kind)
            | if e.date.is_some() { HAS_DATE } else { 0 }
            | if from.is_some() { FROM_ACTIVITY } else { 0 }
            | refers;
        line.put(tag);
        let (seq, at, day_before) = match from {
            Some((_, stamp)) => (stamp.seq, stamp.at.0, day_number::of(stamp.date)),
            None => (self.last.seq, self.last.at, self.last.day),
        };
        put_varint(line, u128::from(e.seq.wrapping_sub(seq)));
        if writes & WRITES_AT != 0 {
            put_signed(line, i128::from(e.at.0) - i128::from(at));
            if let Some(d) = day {
                put_signed(line, i128::from(d) - i128::from(day_before));
            }
        }
        put_decimal(line, e.points);
        put_decimal(line, e.hours);
        if writes & WRITES_BALANCE != 0 {
            put_decimal(line, e.available_after);
        }
        match (e.reference, activity) {
            (EntryRef::Activity(_), Some((number, _))) => put_varint(line, u128::from(number)),
            (EntryRef::Activity(ActivityId(id)), None)
            | (EntryRef::Redemption(RedemptionId(id)), _) => line.put_all(id.as_bytes()),
            (EntryRef::CarriedOver, _) => {}
        }
        self.lines += 1;
        self.balance = e.available_after;
        if from.is_none() {
            self.last = self.last.after(e.seq, e.at.0, day);
        }
    }

    /// Reads packed lines back, checking every one (a snapshot's bytes are checked by its
    /// checksum, but a statement that does not read is refused here, not met later). An
    /// activity's number is read, not turned into its id: the activities are not read yet.
    fn from_packed(bytes: thin_vec::ThinVec<u8>, lines: u32) -> Result<Self, String> {
        let mut read = Lines {
            rest: &bytes,
            last: Previous::default(),
            balance: Decimal::ZERO,
            activities: &Numbered::<ActivityStamp>::default(),
        };
        let mut count = 0u32;
        let mut last_line = 0;
        while !read.rest.is_empty() {
            last_line = u32::try_from(bytes.len() - read.rest.len()).unwrap_or(u32::MAX);
            read.next_raw()
                .ok_or_else(|| format!("statement line {} does not read", count + 1))?;
            count += 1;
        }
        if count != lines {
            return Err(format!("a statement of {lines} lines holds {count}"));
        }
        let (last, balance) = (read.last, read.balance);
        Ok(Self {
            bytes,
            balance,
            lines,
            last_line,
            last,
        })
    }
}

impl std::fmt::Debug for Statement {
    /// How many lines and bytes: the lines name activities by number, which only the state
    /// turns back into ids.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statement")
            .field("lines", &self.lines)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl FromIterator<StatementEntry> for Statement {
    /// A statement of these lines, each activity's named by its id.
    fn from_iter<I: IntoIterator<Item = StatementEntry>>(lines: I) -> Self {
        let mut s = Self::new();
        for e in lines {
            s.push(&e, None);
        }
        s
    }
}

/// What a line refers to as its bytes hold it: an activity's number not yet turned into
/// its id.
enum RawRef {
    Ref(EntryRef),
    ActivityNumber(u32),
}

/// A line's seq, instant and day as differences from its activity's, not yet added to them.
struct FromActivity {
    seq: u64,
    at: i128,
    day: Option<i128>,
}

/// A line as its bytes hold it: its seq, instant and date are the line's own unless `from`
/// says they are still to be counted from its activity's.
struct RawLine {
    entry: StatementEntry,
    reference: RawRef,
    from: Option<FromActivity>,
}

/// A statement's lines, oldest first.
pub struct Lines<'a> {
    rest: &'a [u8],
    last: Previous,
    /// The balance after the line before (0 before the first).
    balance: Decimal,
    activities: &'a dyn Stamps,
}

impl Lines<'_> {
    fn next_line(&mut self) -> Option<StatementEntry> {
        let RawLine {
            mut entry,
            reference,
            from,
        } = self.next_raw()?;
        if let RawRef::ActivityNumber(number) = reference {
            let stamp = self.activities.stamp(number)?;
            entry.reference = EntryRef::Activity(stamp.id);
            if let Some(from) = from {
                entry.seq = stamp.seq.wrapping_add(from.seq);
                entry.at = Timestamp(i64::try_from(i128::from(stamp.at.0) + from.at).ok()?);
                entry.date = match from.day {
                    Some(d) => Some(NaiveDate::from_num_days_from_ce_opt(
                        i32::try_from(i128::from(day_number::of(stamp.date)) + d).ok()?,
                    )?),
                    None => None,
                };
            }
        }
        Some(entry)
    }

    /// The next line as its bytes hold it (see [`RawLine`]): an activity's number is returned
    /// as it is (its line's reference then stands for nothing), and so are the differences
    /// of a line counted from its activity's stamp.
    fn next_raw(&mut self) -> Option<RawLine> {
        let mut r = Reader(self.rest);
        let tag = r.byte()?;
        let kind = *KINDS.get(usize::from(tag & KIND_BITS))?;
        let writes = if tag & FROM_ACTIVITY != 0 {
            tag
        } else {
            WRITES_AT | WRITES_BALANCE
        };
        let refers = if tag & FROM_ACTIVITY != 0 {
            REF_ACTIVITY_NUMBER
        } else {
            (tag >> REF_SHIFT) & REF_BITS
        };
        let seq_diff = u64::try_from(r.varint()?).ok()?;
        let has_date = tag & HAS_DATE != 0;
        let (at_diff, day_diff) = if writes & WRITES_AT != 0 {
            let at = r.signed()?;
            (at, if has_date { Some(r.signed()?) } else { None })
        } else {
            (0, has_date.then_some(0))
        };
        let points = r.decimal()?;
        let hours = r.decimal()?;
        let available_after = if writes & WRITES_BALANCE != 0 {
            r.decimal()?
        } else {
            self.balance.checked_add(points)?
        };
        let raw = match refers {
            REF_ACTIVITY => RawRef::Ref(EntryRef::Activity(ActivityId(r.uuid()?))),
            REF_REDEMPTION => RawRef::Ref(EntryRef::Redemption(RedemptionId(r.uuid()?))),
            REF_CARRIED => RawRef::Ref(EntryRef::CarriedOver),
            _ => RawRef::ActivityNumber(u32::try_from(r.varint()?).ok()?),
        };
        let (seq, at, date, from) = if tag & FROM_ACTIVITY != 0 {
            let from = FromActivity {
                seq: seq_diff,
                at: at_diff,
                day: day_diff,
            };
            (0, 0, None, Some(from))
        } else {
            let seq = self.last.seq.wrapping_add(seq_diff);
            let at = i64::try_from(i128::from(self.last.at) + at_diff).ok()?;
            let day = match day_diff {
                Some(d) => Some(i32::try_from(i128::from(self.last.day) + d).ok()?),
                None => None,
            };
            let date = match day {
                Some(day) => Some(NaiveDate::from_num_days_from_ce_opt(day)?),
                None => None,
            };
            self.last = self.last.after(seq, at, day);
            (seq, at, date, None)
        };
        self.rest = r.0;
        self.balance = available_after;
        let reference = match raw {
            RawRef::Ref(reference) => reference,
            RawRef::ActivityNumber(_) => EntryRef::CarriedOver,
        };
        Some(RawLine {
            entry: StatementEntry {
                seq,
                at: Timestamp(at),
                kind,
                date,
                points,
                hours,
                reference,
                available_after,
            },
            reference: raw,
            from,
        })
    }
}

impl Iterator for Lines<'_> {
    type Item = StatementEntry;

    fn next(&mut self) -> Option<StatementEntry> {
        // Every statement was checked when it was read or built, and an activity's number is
        // given as it is logged and never taken back, so a line that does not read is not
        // met; if it were, the lines would end there.
        let line = self.next_line();
        debug_assert!(
            line.is_some() || self.rest.is_empty(),
            "a packed line reads"
        );
        if line.is_none() {
            self.rest = &[];
        }
        line
    }
}

impl Serialize for Statement {
    /// The count and the packed bytes, in a snapshot and in JSON alike: the lines name
    /// activities by number, which only the state turns back into ids.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.lines, serde_bytes::Bytes::new(&self.bytes[..])).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Statement {
    /// Inverse of the above; packed bytes are read through once to check them.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (lines, bytes) = <(u32, serde_bytes::ByteBuf)>::deserialize(deserializer)?;
        // Copied once into a block of exactly its size, with the length and room before it.
        let mut packed = thin_vec::ThinVec::with_capacity(bytes.len());
        packed.extend_from_slice(&bytes);
        Self::from_packed(packed, lines).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
