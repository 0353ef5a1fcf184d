//! The statement's packing read back against the lines written: every field, the last line
//! read alone, a snapshot's round trip, and what a line takes.

use super::*;
use rust_decimal_macros::dec;
use uuid::Uuid;

fn line(seq: u64, kind: EntryKind, points: Decimal, reference: EntryRef) -> StatementEntry {
    StatementEntry {
        seq,
        at: Timestamp(1_780_000_000_000_000 + seq as i64 * 86_400_000_000),
        kind,
        date: NaiveDate::from_ymd_opt(2026, 3, (seq % 28) as u32 + 1),
        points,
        hours: points / dec!(10),
        reference,
        available_after: points,
    }
}

#[test]
fn every_line_reads_back_exactly_as_written() {
    let a = EntryRef::Activity(ActivityId(Uuid::from_u128(7)));
    let r = EntryRef::Redemption(RedemptionId(Uuid::from_u128(u128::MAX)));
    let mut negative_zero = Decimal::ZERO;
    negative_zero.set_sign_negative(true);
    let mut lines = vec![
        line(
            5,
            EntryKind::CarriedOver,
            dec!(120.50),
            EntryRef::CarriedOver,
        ),
        line(9, EntryKind::Service, dec!(15), a),
        line(9, EntryKind::Notice, dec!(-15), a),
        line(3, EntryKind::Refund, Decimal::MAX, r),
        line(u64::MAX, EntryKind::Hold, Decimal::MIN, r),
        line(
            0,
            EntryKind::Expiry,
            dec!(0.0000000000000000000000000001),
            r,
        ),
    ];
    lines[1].date = None;
    lines[2].points = negative_zero;
    lines[3].at = Timestamp(i64::MIN);
    lines[4].at = Timestamp(i64::MAX);
    let none = Numbered::default();
    let packed: Statement = lines.iter().cloned().collect();
    let back: Vec<StatementEntry> = packed.iter(&none).collect();
    assert_eq!(back, lines);
    assert!(back[2].points.is_sign_negative(), "negative zero kept");
    assert_eq!(back[0].points.to_string(), "120.50", "scale kept");
    assert_eq!(packed.len(), lines.len());
    assert_eq!(packed.last(&none), lines.last().cloned());
    let newest: Vec<StatementEntry> = packed.newest_first(&none).collect();
    assert_eq!(newest, lines.iter().rev().cloned().collect::<Vec<_>>());
}

fn stamp(id: u128, seq: u64) -> ActivityStamp {
    ActivityStamp {
        id: ActivityId(Uuid::from_u128(id)),
        seq,
        at: Timestamp(1_780_000_000_000_000 + seq as i64 * 86_400_000_000),
        date: NaiveDate::from_ymd_opt(2026, 3, (seq % 28) as u32 + 1).expect("a date"),
    }
}

/// `last` reads the newest line alone, from where it starts; the oracle is reading every
/// line, after each push and after a snapshot's round trip, through extreme seqs, instants
/// and amounts, a line without a date after one with, and activities named by number
/// (counted from their stamp, and not, for a line before it) and by id.
#[test]
fn the_last_line_read_alone_is_the_last_line_read_in_order() {
    let a = EntryRef::Activity(ActivityId(Uuid::from_u128(7)));
    let mut numbers = Numbered::default();
    numbers.push(stamp(6, 2));
    let seven_stamp = stamp(7, 8);
    let seven = numbers.push(seven_stamp);
    let r = EntryRef::Redemption(RedemptionId(Uuid::from_u128(u128::MAX)));
    let mut lines = vec![
        line(5, EntryKind::CarriedOver, dec!(1), EntryRef::CarriedOver),
        line(9, EntryKind::Service, dec!(15), a),
        line(9, EntryKind::Notice, dec!(-15), a),
        line(7, EntryKind::Correction, dec!(1), a),
        line(3, EntryKind::Refund, Decimal::MAX, r),
        line(u64::MAX, EntryKind::Hold, Decimal::MIN, r),
        line(0, EntryKind::Expiry, dec!(0.5), r),
        line(12, EntryKind::Service, dec!(2), a),
    ];
    lines[1].at = Timestamp(i64::MIN);
    lines[1].date = NaiveDate::from_ymd_opt(1, 1, 1);
    lines[2].date = None;
    lines[4].at = Timestamp(i64::MIN);
    lines[5].at = Timestamp(i64::MAX);
    lines[6].date = NaiveDate::from_ymd_opt(1, 1, 1);
    let mut packed = Statement::new();
    assert_eq!(packed.last(&numbers), None);
    for (i, l) in lines.iter().enumerate() {
        // The activity's first lines by its number (counted from its stamp, but the one
        // at seq 7, before the stamp's 8), its last by its id.
        packed.push(l, (i < 7).then_some((seven, seven_stamp)));
        assert_eq!(packed.last(&numbers), packed.iter(&numbers).last());
        assert_eq!(packed.last(&numbers).as_ref(), Some(l));
        let bytes = bincode::serialize(&packed).expect("encode");
        let back: Statement = bincode::deserialize(&bytes).expect("decode");
        assert_eq!(back.last(&numbers).as_ref(), Some(l));
        assert_eq!(back, packed);
    }
    assert_eq!(packed.iter(&numbers).collect::<Vec<_>>(), lines);
}

/// A week's service a line, a thousand events apart, the balance growing, each line of
/// an activity among a province's few million, logged in the same commit as its
/// activity (three seqs after it, the same instant and date): counted from the
/// activity's stamp, a line writes its tag, the seq's difference, the points, the hours
/// and the activity's number, nine bytes, about two fifths of one counted from the line
/// before.
#[test]
fn a_service_line_counted_from_its_activity_takes_nine_bytes() {
    let mut numbers = Numbered::default();
    for _ in 0..1_000_000 {
        numbers.push(stamp(0, 1));
    }
    let week = 7 * 86_400_000_000;
    let mut from_stamp = Statement::new();
    let mut from_line = Statement::new();
    for i in 1..=50u64 {
        let a = ActivityStamp {
            id: ActivityId(Uuid::now_v7()),
            seq: i * 1_000,
            at: Timestamp(1_780_000_000_000_000 + i as i64 * week),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date") + chrono::Days::new(i * 7),
        };
        let number = numbers.push(a);
        let e = StatementEntry {
            seq: a.seq + 3,
            at: a.at,
            date: Some(a.date),
            hours: dec!(1.5),
            available_after: Decimal::from(i) * dec!(4.5),
            ..line(0, EntryKind::Service, dec!(4.5), EntryRef::Activity(a.id))
        };
        from_stamp.push(&e, Some((number, a)));
        assert_eq!(from_stamp.last(&numbers), Some(e.clone()));
        // Its stamp from a later seq: written from the line before.
        from_line.push(
            &e,
            Some((
                number,
                ActivityStamp {
                    seq: e.seq + 1,
                    ..a
                },
            )),
        );
    }
    assert_eq!(
        from_stamp.iter(&numbers).collect::<Vec<_>>(),
        from_line.iter(&numbers).collect::<Vec<_>>()
    );
    let per_line = from_stamp.bytes().0 as f64 / from_stamp.len() as f64;
    let before = from_line.bytes().0 as f64 / from_line.len() as f64;
    assert!(per_line <= 9.0, "{per_line} bytes a line");
    assert!(per_line * 2.0 <= before, "{per_line} against {before}");
}

/// What a line counted from its activity leaves out is read back from what it stands for:
/// the instant and date of its activity, and the balance before plus the points, exactly
/// (a sum of another scale, or a balance the points do not give, is written); a line of
/// another instant or date than its activity's writes them.
#[test]
fn a_line_leaves_out_only_what_its_activity_and_the_line_before_give_exactly() {
    let mut numbers = Numbered::default();
    let s = stamp(7, 8);
    let n = numbers.push(s);
    let a = EntryRef::Activity(s.id);
    let service = |seq, points: Decimal, after: Decimal| StatementEntry {
        seq,
        at: s.at,
        date: Some(s.date),
        hours: dec!(2),
        available_after: after,
        ..line(seq, EntryKind::Service, points, a)
    };
    let mut later = service(11, dec!(1), dec!(13.0));
    later.at = Timestamp(s.at.0 + 1);
    let mut other_day = service(12, dec!(1), dec!(14.0));
    other_day.date = s.date.succ_opt();
    let mut dateless = service(13, dec!(-1), dec!(13.0));
    dateless.date = None;
    let lines = [
        service(9, dec!(4.5), dec!(4.5)),
        service(9, dec!(7.5), dec!(12.0)),
        service(10, dec!(0), dec!(12.00)),
        service(10, dec!(-0), dec!(12.00)),
        later,
        other_day,
        dateless,
        service(14, dec!(2), dec!(99)),
    ];
    let mut packed = Statement::new();
    let mut sizes = Vec::new();
    for l in &lines {
        let before = packed.bytes().0;
        packed.push(l, Some((n, s)));
        sizes.push(packed.bytes().0 - before);
        assert_eq!(packed.last(&numbers).as_ref(), Some(l));
    }
    let back: Vec<StatementEntry> = packed.iter(&numbers).collect();
    assert_eq!(back, lines);
    for (b, l) in back.iter().zip(&lines) {
        assert_eq!(b.available_after.serialize(), l.available_after.serialize());
        assert_eq!(b.points.serialize(), l.points.serialize());
    }
    // Tag, seq, points, hours, number (one byte each but the amounts' two): 7 bytes; a
    // balance written adds 2-3; an instant, and a date with it, 2-7.
    assert_eq!(sizes[0], 7, "{sizes:?}");
    assert_eq!(sizes[1], 7, "{sizes:?}");
    assert!(sizes[2] > 7, "12.0 + 0 is not 12.00: {sizes:?}");
    assert_eq!(sizes[3], 7, "{sizes:?}");
    assert!(sizes[4] > 7 && sizes[5] > 7, "{sizes:?}");
    assert_eq!(sizes[6], 7, "{sizes:?}");
    assert!(sizes[7] > 7, "{sizes:?}");
    let bytes = bincode::serialize(&packed).expect("encode");
    let read: Statement = bincode::deserialize(&bytes).expect("decode");
    assert_eq!(read, packed);
    assert_eq!(read.last(&numbers).as_ref(), lines.last());
}

#[test]
fn a_snapshot_reads_back_the_same_statement_and_refuses_one_that_does_not_read() {
    let a = EntryRef::Activity(ActivityId(Uuid::from_u128(1)));
    let packed: Statement = (1..=3u64)
        .map(|i| line(i, EntryKind::Service, dec!(2), a))
        .collect();
    let bytes = bincode::serialize(&packed).expect("encode");
    let back: Statement = bincode::deserialize(&bytes).expect("decode");
    assert_eq!(back, packed);
    let none = Numbered::default();
    let mut more = back.clone();
    more.push(&line(4, EntryKind::Reversal, dec!(-2), a), None);
    let mut expected: Vec<_> = packed.iter(&none).collect();
    expected.push(line(4, EntryKind::Reversal, dec!(-2), a));
    assert_eq!(
        more.iter(&none).collect::<Vec<_>>(),
        expected,
        "appends after a read"
    );

    let json = serde_json::to_string(&packed).expect("json");
    assert_eq!(
        serde_json::from_str::<Statement>(&json).expect("json"),
        packed
    );

    let mut cut = bytes.clone();
    cut.truncate(bytes.len() - 3);
    // The byte string's length, the eight bytes after the count, is shortened too.
    let declared = packed.bytes().0 as u64 - 3;
    cut[4..12].copy_from_slice(&declared.to_le_bytes());
    let err = bincode::deserialize::<Statement>(&cut).expect_err("cut line");
    assert!(err.to_string().contains("does not read"), "{err}");
    let mut miscounted = bytes.clone();
    miscounted[0] = 4;
    let err = bincode::deserialize::<Statement>(&miscounted).expect_err("count");
    assert!(err.to_string().contains("of 4 lines holds 3"), "{err}");
}

proptest::proptest! {
    /// Any lines, pushed with or without their activity's stamp, read back as written, every
    /// amount to its scale; the last alone as the last in order; a snapshot's round trip the
    /// same statement. The oracle is the lines themselves.
    #[test]
    fn any_lines_read_back_as_written(
        specs in proptest::collection::vec(
            (0usize..11, -5_000i64..5_000, 0u32..3, 0u8..4, 0u8..3, 0u8..3, proptest::bool::ANY),
            0..40,
        )
    ) {
        let mut numbers = Numbered::default();
        let stamps: Vec<(u32, ActivityStamp)> = (0..3u64)
            .map(|i| {
                let st = stamp(100 + u128::from(i), 50 * i + 10);
                (numbers.push(st), st)
            })
            .collect();
        let mut balance = Decimal::ZERO;
        let mut packed = Statement::new();
        let mut written = Vec::new();
        for (i, (kind, mantissa, scale, refers, when, date, running)) in specs.into_iter().enumerate() {
            let points = Decimal::new(mantissa, scale);
            let (number, st) = stamps[i % stamps.len()];
            let reference = match refers {
                0 | 1 => EntryRef::Activity(st.id),
                2 => EntryRef::Redemption(RedemptionId(Uuid::from_u128(i as u128))),
                _ => EntryRef::CarriedOver,
            };
            balance = if running {
                balance.checked_add(points).unwrap_or(points)
            } else {
                Decimal::new(mantissa * 3 + 1, scale + 1)
            };
            let e = StatementEntry {
                seq: st.seq + u64::from(when),
                at: if when == 2 { Timestamp(st.at.0 - 7) } else { st.at },
                kind: KINDS[kind],
                date: match date {
                    0 => Some(st.date),
                    1 => st.date.succ_opt(),
                    _ => None,
                },
                points,
                hours: Decimal::new(mantissa / 7, scale),
                reference,
                available_after: balance,
            };
            // A line of its activity with the stamp (refers 0), or by its id (refers 1);
            // `when` 0 puts it at the stamp's seq, 1 after, 2 after at another instant.
            packed.push(&e, (refers == 0).then_some((number, st)));
            written.push(e);
            proptest::prop_assert_eq!(packed.last(&numbers), written.last().cloned());
        }
        let back: Vec<StatementEntry> = packed.iter(&numbers).collect();
        proptest::prop_assert_eq!(&back, &written);
        for (b, w) in back.iter().zip(&written) {
            proptest::prop_assert_eq!(b.available_after.serialize(), w.available_after.serialize());
            proptest::prop_assert_eq!(b.points.serialize(), w.points.serialize());
            proptest::prop_assert_eq!(b.hours.serialize(), w.hours.serialize());
        }
        let bytes = bincode::serialize(&packed).expect("encode");
        let read: Statement = bincode::deserialize(&bytes).expect("decode");
        proptest::prop_assert_eq!(read.last(&numbers), written.last().cloned());
        proptest::prop_assert_eq!(read, packed);
    }
}
