//! An activity's participants, packed: each entry as the volunteer's registration number and
//! its three amounts in a few bytes each (`crate::packed`), instead of a 72-byte
//! [`Participation`]. At a province's density participants were the largest part of a node's
//! state (BENCHMARKS.md, "Statement lines, participants and hours per date packed"), and then
//! the volunteer's 16-byte id was three quarters of an entry ("Participants by registration
//! number"). Entries are read back in the order they were logged; an activity lists at most a
//! few hundred, so a change rewrites its entries.
//!
//! One entry, in order: the volunteer's number (`Volunteer::number`) as a varint; the hours,
//! the points and the rate as packed amounts; and a varint saying which team the entry
//! credited: 0 for the activity's own team and district, `i` for the `i`-th of the activity's
//! other credited teams (a joint activity's partner teams, kept once each beside the bytes).
//! `State::volunteer_id_of` turns a number back into the id.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::TeamId;

use crate::names::SharedName;
use crate::packed::{put_decimal, put_varint, Reader};

/// One participant's part, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participation {
    /// Who: the volunteer's registration number (`Volunteer::number`), which
    /// `State::volunteer_id_of` turns into the id.
    pub number: u32,
    /// Hours.
    pub hours: Decimal,
    /// Points earned.
    pub points: Decimal,
    /// The rate the entry earned at (a correction of its hours earns at the same rate).
    pub points_per_hour: Decimal,
    /// Which team the entry credited: 0 for the activity's own, `i` for the `i`-th of
    /// [`Participants::elsewhere`]; read through `Activity::team_of` and `district_of`.
    pub credited: u32,
}

/// Every participant of one activity, in the order logged, packed. Read from a snapshot
/// through [`Participants::check`]: entries that do not read are refused there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct Participants {
    /// How many entries.
    count: u32,
    /// The entries' bytes.
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    /// The teams (and their districts) entries credited that are not the activity's own,
    /// each once: a thin vector (one pointer, no block while empty), as only a joint
    /// activity has any, so that an activity fits the allocator's 224-byte block
    /// (`activities`).
    elsewhere: thin_vec::ThinVec<(TeamId, SharedName)>,
}

/// [`Participants`] as a snapshot holds them, before they are checked.
#[derive(Deserialize)]
struct Unchecked {
    count: u32,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    elsewhere: thin_vec::ThinVec<(TeamId, SharedName)>,
}

impl TryFrom<Unchecked> for Participants {
    type Error = String;

    fn try_from(u: Unchecked) -> Result<Self, String> {
        let ps = Participants {
            count: u.count,
            bytes: u.bytes,
            elsewhere: u.elsewhere,
        };
        ps.check()?;
        Ok(ps)
    }
}

impl Participants {
    /// No entries, with room for `count` of a usual size.
    pub fn with_capacity(count: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(count.saturating_mul(crate::limits::PARTICIPANT_BYTES_USUAL)),
            ..Self::default()
        }
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes its entries take, and bytes reserved (for the memory count in `benches`).
    pub fn bytes(&self) -> (usize, usize) {
        (self.bytes.len(), self.bytes.capacity())
    }

    /// The entries, in the order logged.
    pub fn iter(&self) -> Entries<'_> {
        Entries(Reader(&self.bytes))
    }

    /// The team and district of [`Participation::credited`] `i` (from 1).
    pub fn elsewhere(&self, i: u32) -> Option<&(TeamId, SharedName)> {
        self.elsewhere.get(usize::try_from(i).ok()?.checked_sub(1)?)
    }

    /// Adds an entry at the end; `credited` is `None` for the activity's own team and
    /// district, or the other team and district the entry credited.
    pub fn push(
        &mut self,
        number: u32,
        (hours, points, points_per_hour): (Decimal, Decimal, Decimal),
        credited: Option<(TeamId, &str)>,
    ) {
        let credited = match credited {
            None => 0,
            Some((team, district)) => {
                let at = self
                    .elsewhere
                    .iter()
                    .position(|(t, d)| *t == team && **d == *district)
                    .unwrap_or_else(|| {
                        self.elsewhere.push((team, SharedName::new(district)));
                        self.elsewhere.len() - 1
                    });
                at as u32 + 1
            }
        };
        self.put(&Participation {
            number,
            hours,
            points,
            points_per_hour,
            credited,
        });
    }

    fn put(&mut self, p: &Participation) {
        put_varint(&mut self.bytes, u128::from(p.number));
        for amount in [p.hours, p.points, p.points_per_hour] {
            put_decimal(&mut self.bytes, amount);
        }
        put_varint(&mut self.bytes, u128::from(p.credited));
        self.count += 1;
    }

    /// Changes the entry of the volunteer numbered `number` (the first, as there is one an
    /// activity), if any; the entries are written again in the same order.
    pub fn update(&mut self, number: u32, change: impl FnOnce(&mut Participation)) {
        let mut entries: Vec<Participation> = self.iter().collect();
        let Some(p) = entries.iter_mut().find(|p| p.number == number) else {
            return;
        };
        change(p);
        self.rewrite(&entries);
    }

    /// Whether the volunteer numbered `number` has an entry.
    pub fn has(&self, number: u32) -> bool {
        self.iter().any(|p| p.number == number)
    }

    /// Takes out every entry of the volunteer numbered `number`.
    pub fn remove(&mut self, number: u32) {
        let entries: Vec<Participation> = self.iter().filter(|p| p.number != number).collect();
        if entries.len() != self.len() {
            self.rewrite(&entries);
        }
    }

    fn rewrite(&mut self, entries: &[Participation]) {
        self.bytes.clear();
        self.count = 0;
        for p in entries {
            self.put(p);
        }
        self.bytes.shrink_to_fit();
    }

    /// Checks every entry reads and the count is right (after a snapshot is read).
    pub fn check(&self) -> Result<(), String> {
        let mut read = Entries(Reader(&self.bytes));
        let mut count = 0u32;
        while !read.0 .0.is_empty() {
            let p = read
                .next_entry()
                .ok_or_else(|| format!("participant {} does not read", count + 1))?;
            if p.credited as usize > self.elsewhere.len() {
                return Err(format!(
                    "participant {} names credited team {} of {}",
                    count + 1,
                    p.credited,
                    self.elsewhere.len()
                ));
            }
            count += 1;
        }
        if count != self.count {
            return Err(format!(
                "an activity of {} participants holds {count}",
                self.count
            ));
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Participants {
    type Item = Participation;
    type IntoIter = Entries<'a>;

    fn into_iter(self) -> Entries<'a> {
        self.iter()
    }
}

/// An activity's entries, in the order logged.
pub struct Entries<'a>(Reader<'a>);

impl Entries<'_> {
    fn next_entry(&mut self) -> Option<Participation> {
        let mut r = Reader(self.0 .0);
        let number = u32::try_from(r.varint()?).ok()?;
        let hours = r.decimal()?;
        let points = r.decimal()?;
        let points_per_hour = r.decimal()?;
        let credited = u32::try_from(r.varint()?).ok()?;
        self.0 = r;
        Some(Participation {
            number,
            hours,
            points,
            points_per_hour,
            credited,
        })
    }
}

impl Iterator for Entries<'_> {
    type Item = Participation;

    fn next(&mut self) -> Option<Participation> {
        // Every activity's entries were checked when read or built, so an entry that does
        // not read is not met; if it were, the entries would end there.
        let p = self.next_entry();
        debug_assert!(p.is_some() || self.0 .0.is_empty(), "a packed entry reads");
        if p.is_none() {
            self.0 = Reader(&[]);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    #[test]
    fn entries_read_back_in_order_and_change_in_place() {
        let partner = TeamId(Uuid::from_u128(99));
        let mut ps = Participants::with_capacity(3);
        ps.push(1, (dec!(2.5), dec!(25), dec!(10)), None);
        ps.push(
            2,
            (dec!(3), dec!(30.00), dec!(10)),
            Some((partner, "德清县")),
        );
        ps.push(
            3,
            (Decimal::MAX, Decimal::MIN, dec!(0.0001)),
            Some((partner, "德清县")),
        );
        let read: Vec<Participation> = ps.iter().collect();
        assert_eq!(read.len(), 3);
        assert_eq!(read[1].points.to_string(), "30.00", "scale kept");
        assert_eq!(read[2].hours, Decimal::MAX);
        assert_eq!(
            (read[0].credited, read[1].credited, read[2].credited),
            (0, 1, 1)
        );
        assert_eq!(
            ps.elsewhere(1).map(|e| (e.0, e.1.to_string())),
            Some((partner, "德清县".into()))
        );
        assert!(ps.elsewhere(0).is_none() && ps.elsewhere(2).is_none());

        ps.update(2, |p| {
            p.hours = dec!(1);
            p.points = dec!(10);
        });
        let read: Vec<Participation> = ps.iter().collect();
        assert_eq!(
            (read[1].hours, read[1].points, read[1].credited),
            (dec!(1), dec!(10), 1)
        );
        assert_eq!(read[2].hours, Decimal::MAX, "the others unchanged");
        ps.remove(1);
        let who: Vec<u32> = ps.iter().map(|p| p.number).collect();
        assert_eq!(who, [2, 3]);
        assert!(ps.has(2) && !ps.has(1));
        assert_eq!(ps.len(), 2);
        assert!(ps.check().is_ok());
    }

    #[test]
    fn a_usual_entry_takes_a_seventh_of_its_unpacked_size() {
        let mut ps = Participants::with_capacity(16);
        for i in 0..16 {
            ps.push(1_000_000 + i, (dec!(2.5), dec!(25), dec!(10)), None);
        }
        let each = ps.bytes().0 / ps.len();
        assert!(
            each <= crate::limits::PARTICIPANT_BYTES_USUAL,
            "{each} bytes an entry"
        );
    }

    #[test]
    fn a_snapshot_reads_back_the_same_entries_and_a_damaged_one_is_refused() {
        let mut ps = Participants::default();
        ps.push(
            7,
            (dec!(4), dec!(40), dec!(10)),
            Some((TeamId(Uuid::from_u128(5)), "南浔区")),
        );
        let bytes = bincode::serialize(&ps).expect("encode");
        let back: Participants = bincode::deserialize(&bytes).expect("decode");
        assert_eq!(back, ps);
        assert!(back.check().is_ok());
        // The other teams in a thin vector encode as the vector they were held in before,
        // so a snapshot written by an earlier build reads the same.
        let as_before = bincode::serialize(&(
            ps.count,
            serde_bytes::Bytes::new(&ps.bytes),
            ps.elsewhere.iter().cloned().collect::<Vec<_>>(),
        ))
        .expect("encode");
        assert_eq!(bytes, as_before);
        let json = serde_json::to_string(&ps).expect("json");
        assert_eq!(
            serde_json::from_str::<Participants>(&json).expect("json"),
            ps
        );

        let mut damaged = bytes.clone();
        damaged[0] = 3;
        let err = bincode::deserialize::<Participants>(&damaged).expect_err("count");
        assert!(
            err.to_string().contains("of 3 participants holds 1"),
            "{err}"
        );

        let mut miscounted = ps.clone();
        miscounted.count = 2;
        assert!(miscounted
            .check()
            .expect_err("count")
            .contains("of 2 participants holds 1"));
        let mut cut = ps.clone();
        let len = cut.bytes.len();
        cut.bytes.truncate(len - 1);
        assert!(cut.check().expect_err("cut").contains("does not read"));
        let mut lost = ps;
        lost.elsewhere.clear();
        assert!(lost
            .check()
            .expect_err("team")
            .contains("credited team 1 of 0"));
    }
}
