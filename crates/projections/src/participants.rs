//! An activity's participants, packed: each entry as the volunteer's registration number and
//! its three amounts in a few bytes each (`crate::packed`), instead of a 72-byte
//! [`Participation`]. At a province's density participants were the largest part of a node's
//! state (BENCHMARKS.md, "Statement lines, participants and hours per date packed"), and then
//! the volunteer's 16-byte id was three quarters of an entry ("Participants by registration
//! number"). Entries are read back in the order they were logged; an activity lists at most a
//! few hundred, so a change rewrites its entries.
//!
//! One entry, in order: the volunteer's number (`Volunteer::number`) as a varint; a varint
//! saying which team the entry credited (0 for the activity's own team and district, `i` for
//! the `i`-th of the activity's other credited teams, a joint activity's partner teams kept
//! once each beside the bytes) shifted left by three, its low bits saying which amounts
//! follow; then those of the hours, the rate and the points, as packed amounts. The first
//! entry writes all three; a later one leaves out hours and a rate that are the first entry's
//! and points that are its hours times its rate, exactly (scale and sign included): in an
//! activity most participants served the same hours at the same rate, so an entry is its
//! number and a byte (BENCHMARKS.md, "Statement lines and participants that write only
//! what differs").
//! `State::volunteer_id_of` turns a number back into the id.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::TeamId;

use crate::names::SharedName;
use crate::packed::{put_decimal, put_varint, same_exactly, Reader};

/// An entry's hours are written (not the first entry's).
const WRITES_HOURS: u8 = 1;
/// An entry's points are written (not its hours times its rate).
const WRITES_POINTS: u8 = 2;
/// An entry's rate is written (not the first entry's).
const WRITES_RATE: u8 = 4;
/// The bits above, below the credited team's index.
const WRITES_SHIFT: u32 = 3;

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
        Entries {
            read: Reader(&self.bytes),
            first: None,
        }
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
        let writes = match self.iter().next() {
            None => WRITES_HOURS | WRITES_POINTS | WRITES_RATE,
            Some(first) => {
                let written = |kept: bool, bit: u8| if kept { 0 } else { bit };
                let points = p.hours.checked_mul(p.points_per_hour);
                written(same_exactly(p.hours, first.hours), WRITES_HOURS)
                    | written(
                        same_exactly(p.points_per_hour, first.points_per_hour),
                        WRITES_RATE,
                    )
                    | written(
                        points.is_some_and(|x| same_exactly(x, p.points)),
                        WRITES_POINTS,
                    )
            }
        };
        put_varint(&mut self.bytes, u128::from(p.number));
        put_varint(
            &mut self.bytes,
            u128::from(p.credited) << WRITES_SHIFT | u128::from(writes),
        );
        for (bit, amount) in [
            (WRITES_HOURS, p.hours),
            (WRITES_RATE, p.points_per_hour),
            (WRITES_POINTS, p.points),
        ] {
            if writes & bit != 0 {
                put_decimal(&mut self.bytes, amount);
            }
        }
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
        let mut read = self.iter();
        let mut count = 0u32;
        while !read.read.0.is_empty() {
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
pub struct Entries<'a> {
    read: Reader<'a>,
    /// The first entry's hours and rate, once it is read: what a later entry leaves out.
    first: Option<(Decimal, Decimal)>,
}

impl Entries<'_> {
    fn next_entry(&mut self) -> Option<Participation> {
        let mut r = Reader(self.read.0);
        let number = u32::try_from(r.varint()?).ok()?;
        let head = r.varint()?;
        let writes = (head & ((1 << WRITES_SHIFT) - 1)) as u8;
        let credited = u32::try_from(head >> WRITES_SHIFT).ok()?;
        // The first entry writes all three; a later one what is not the first's.
        let mut amount = |bit: u8, otherwise: Option<Decimal>| {
            if writes & bit != 0 {
                r.decimal()
            } else {
                otherwise
            }
        };
        let hours = amount(WRITES_HOURS, self.first.map(|f| f.0))?;
        let points_per_hour = amount(WRITES_RATE, self.first.map(|f| f.1))?;
        let points = amount(WRITES_POINTS, hours.checked_mul(points_per_hour))?;
        self.first.get_or_insert((hours, points_per_hour));
        self.read = r;
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
        debug_assert!(
            p.is_some() || self.read.0.is_empty(),
            "a packed entry reads"
        );
        if p.is_none() {
            self.read = Reader(&[]);
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

    /// Sixteen participants at the first one's hours and rate, among a province's million
    /// volunteers: each after the first is its number and a byte; one at other hours adds
    /// them, one at another rate adds it, and points that are not the hours times the rate
    /// are written.
    #[test]
    fn an_entry_at_the_first_ones_hours_and_rate_takes_its_number_and_a_byte() {
        let mut ps = Participants::with_capacity(16);
        for i in 0..16 {
            ps.push(1_000_000 + i, (dec!(2.5), dec!(25.0), dec!(10)), None);
        }
        // Number, head, hours and rate of two bytes, points of 250 tenths three.
        let first = 3 + 1 + 2 + 2 + 3;
        assert_eq!(ps.bytes().0, first + 15 * 4);
        let each = ps.bytes().0 / ps.len();
        assert!(
            each <= crate::limits::PARTICIPANT_BYTES_USUAL,
            "{each} bytes an entry"
        );
        let sizes: Vec<usize> = [
            (dec!(3), dec!(30), dec!(10)),
            (dec!(2.5), dec!(30.0), dec!(12)),
            (dec!(2.5), dec!(25), dec!(10)),
        ]
        .into_iter()
        .map(|amounts| {
            let before = ps.bytes().0;
            ps.push(7, amounts, None);
            ps.bytes().0 - before
        })
        .collect();
        assert_eq!(sizes, [1 + 1 + 2, 1 + 1 + 2, 1 + 1 + 2], "{sizes:?}");
        let read: Vec<Participation> = ps.iter().collect();
        assert_eq!(read[16].points.to_string(), "30");
        assert_eq!(read[17].points.to_string(), "30.0");
        assert_eq!(read[18].points.to_string(), "25", "not 25.0");
    }

    /// One of the operations an activity's entries meet.
    #[derive(Clone, Debug)]
    enum Op {
        Push(u32, (i64, u32), (i64, u32), (i64, u32), bool),
        Update(u32, i64),
        Remove(u32),
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// Entries pushed, changed and taken out read back as a list of them does (the
        /// model), every amount to its scale, and through a snapshot the same.
        #[test]
        fn entries_read_back_as_a_list_of_them(
            ops in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => (0u32..8, (0i64..40, 0u32..3), (-400i64..400, 0u32..3), (0i64..20, 0u32..2), proptest::bool::ANY)
                        .prop_map(|(n, h, p, r, c)| Op::Push(n, h, p, r, c)),
                    1 => (0u32..8, -50i64..50).prop_map(|(n, h)| Op::Update(n, h)),
                    1 => (0u32..8).prop_map(Op::Remove),
                ],
                0..30,
            )
        ) {
            let partner = TeamId(Uuid::from_u128(3));
            let mut ps = Participants::default();
            let mut model: Vec<Participation> = Vec::new();
            for op in ops {
                match op {
                    Op::Push(number, h, p, r, credited) => {
                        let amounts = (
                            Decimal::new(h.0, h.1),
                            Decimal::new(p.0, p.1),
                            Decimal::new(r.0, r.1),
                        );
                        ps.push(number, amounts, credited.then_some((partner, "德清县")));
                        model.push(Participation {
                            number,
                            hours: amounts.0,
                            points: amounts.1,
                            points_per_hour: amounts.2,
                            credited: u32::from(credited),
                        });
                    }
                    Op::Update(number, h) => {
                        ps.update(number, |p| p.hours = Decimal::new(h, 1));
                        if let Some(p) = model.iter_mut().find(|p| p.number == number) {
                            p.hours = Decimal::new(h, 1);
                        }
                    }
                    Op::Remove(number) => {
                        ps.remove(number);
                        model.retain(|p| p.number != number);
                    }
                }
                let read: Vec<Participation> = ps.iter().collect();
                proptest::prop_assert_eq!(&read, &model);
                for (a, b) in read.iter().zip(&model) {
                    proptest::prop_assert_eq!(a.hours.serialize(), b.hours.serialize());
                    proptest::prop_assert_eq!(a.points.serialize(), b.points.serialize());
                    proptest::prop_assert_eq!(
                        a.points_per_hour.serialize(),
                        b.points_per_hour.serialize()
                    );
                }
            }
            proptest::prop_assert!(ps.check().is_ok());
            let bytes = bincode::serialize(&ps).expect("encode");
            let back: Participants = bincode::deserialize(&bytes).expect("decode");
            proptest::prop_assert_eq!(back.iter().collect::<Vec<_>>(), model);
        }
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
