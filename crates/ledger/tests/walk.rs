//! The chain walk spread over threads tells what the walk of one thread tells: the same
//! events in the same order, the same first damaged event in the same words, whatever the
//! number of workers and the size of their chunks, whether it checks links alone or also
//! decodes every record (an auditor's check), and whether the log is read through one handle
//! or in rounds, closed and opened again between them (a start's walk).

mod common;

use std::sync::Arc;

use common::{pass_through_writer, service_commit};
use proptest::prelude::*;
use yinling_ledger::codec;
use yinling_ledger::digest::Hash;
use yinling_ledger::envelope::Head;
use yinling_ledger::log::{self, EventLog, Segment, SegmentBytes, VerifyDepth, VerifyReport};
use yinling_ledger::merkle::leaf_hash;
use yinling_ledger::rounds::{
    round_bytes_for, verify_in_rounds, SegmentsInRounds, WALK_ROUND_BYTES,
};
use yinling_ledger::store::{OpenMode, SledLog};
use yinling_ledger::walk::{walk_hashes, walk_segments, WalkOptions};

/// A log of `groups` commits of one to nine events each: as many segments, of unequal sizes.
fn log_of(dir: &std::path::Path, sizes: &[usize]) -> Arc<SledLog> {
    let log = Arc::new(SledLog::open(dir, OpenMode::CreateIfMissing).expect("open"));
    let (handle, thread) = pass_through_writer(&log);
    for (i, n) in sizes.iter().enumerate() {
        let outcome = handle
            .submit_blocking(yinling_ledger::writer::Submission {
                command: vec![service_commit(i as u128 + 1, *n)],
                actor: yinling_ledger::envelope::Actor::SYSTEM,
                idempotency: None,
            })
            .expect("submit");
        assert!(
            matches!(outcome, yinling_ledger::writer::Outcome::Committed { .. }),
            "{outcome:?}"
        );
    }
    handle.shutdown_blocking();
    thread.join().expect("writer");
    log
}

/// The walk of one thread, links only: its report and the events it accepted.
fn one_thread(log: &dyn EventLog) -> (VerifyReport, Vec<Head>) {
    one_thread_at(log, VerifyDepth::Hashes)
}

/// The walk of one thread at `depth`: its report and the events it accepted.
fn one_thread_at(log: &dyn EventLog, depth: VerifyDepth) -> (VerifyReport, Vec<Head>) {
    let mut seen = Vec::new();
    let report = log::verify_each(log, depth, &mut |_| {}, &mut |h| seen.push(*h)).expect("walk");
    (report, seen)
}

/// The walk spread as `options` say: its report and the events it accepted, each leaf
/// checked against the event's hash.
fn spread(log: &dyn EventLog, options: WalkOptions) -> (VerifyReport, Vec<Head>) {
    let mut seen = Vec::new();
    let mut last_progress = 0;
    let report = walk_hashes(
        log,
        options,
        &mut |seq| {
            assert!(seq >= last_progress, "progress went back");
            last_progress = seq;
        },
        &mut |walked| {
            let leaf = if options.leaves {
                leaf_hash(&walked.head.hash.0)
            } else {
                yinling_ledger::digest::Hash::GENESIS
            };
            assert_eq!(walked.leaf, leaf, "leaf of seq {}", walked.head.seq);
            seen.push(walked.head);
        },
    )
    .expect("walk");
    (report, seen)
}

/// Every way of spreading a walk at `depth` the tests try: one to three workers, chunks of
/// one segment, a few, or all of them.
fn spreads(depth: VerifyDepth) -> Vec<WalkOptions> {
    let mut all = Vec::new();
    for threads in 1..=3 {
        for chunk_bytes in [1, 700, 1 << 20] {
            for leaves in [false, true] {
                all.push(WalkOptions {
                    threads,
                    chunk_bytes,
                    leaves,
                    depth,
                });
            }
        }
    }
    all
}

/// The walk of the log in `dir` in rounds of `round_bytes`, spread as `options` say: its
/// report, the events it accepted, and how many handles it opened.
fn in_rounds(
    dir: &std::path::Path,
    round_bytes: usize,
    options: WalkOptions,
) -> (VerifyReport, Vec<Head>, usize) {
    let log = SledLog::open(dir, OpenMode::MustExist).expect("open");
    let mut rounds = SegmentsInRounds::new(log, dir, round_bytes);
    let mut seen = Vec::new();
    let report = walk_segments(
        rounds.claimed(),
        Box::new(&mut rounds),
        options,
        &mut |_| {},
        &mut |walked| seen.push(walked.head),
    )
    .expect("walk");
    (report, seen, rounds.rounds())
}

/// The log in `dir`, closed first (`log` must be its only handle), walked in rounds of one
/// segment, of a few and of all of them, on one worker and on two, reports what the walk of
/// one thread reported and accepted (`expected`); rounds of one byte open the log again for
/// every segment. `verify`'s check in rounds, of the links and of every record decoded,
/// reports what each depth reports through one handle, and hands back the log at its head.
fn assert_same_in_rounds(
    dir: &std::path::Path,
    log: Arc<SledLog>,
    expected: &(VerifyReport, Vec<Head>),
) {
    let segments = log.segments(0).count();
    let depths = [VerifyDepth::Hashes, VerifyDepth::Full];
    let through_one = depths.map(|depth| log::verify(&*log, depth, &mut |_| {}).expect("verify"));
    let head = log.head();
    assert_eq!(
        round_bytes_for(&log),
        WALK_ROUND_BYTES,
        "a small log's round"
    );
    drop(Arc::into_inner(log).expect("the only handle"));
    for round_bytes in [1, 2_000, 1 << 30] {
        for (depth, expected) in depths.into_iter().zip(&through_one) {
            let first = SledLog::open(dir, OpenMode::MustExist).expect("open");
            let report =
                verify_in_rounds(first, dir, depth, round_bytes).expect("verify in rounds");
            assert_eq!(
                &report, expected,
                "{depth:?} in rounds of {round_bytes} bytes"
            );
            // Every handle is closed: the log opens again, at the head walked.
            let again = SledLog::open_again(dir, report.claimed).expect("opened again");
            assert_eq!(again.head(), head);
        }
        for threads in [1, 2] {
            let options = WalkOptions {
                threads,
                chunk_bytes: 700,
                leaves: false,
                depth: VerifyDepth::Hashes,
            };
            let (report, seen, rounds) = in_rounds(dir, round_bytes, options);
            assert_eq!(&report, &expected.0, "rounds of {round_bytes} bytes");
            assert_eq!(&seen, &expected.1, "rounds of {round_bytes} bytes");
            if round_bytes == 1 && expected.0.first_bad.is_none() {
                assert_eq!(rounds, segments.max(1), "a handle a segment");
            }
        }
    }
}

/// Every spread walk of `log`, at each depth, reports and accepts what the walk of one
/// thread at that depth does; the report of links alone is returned.
fn assert_same_as_one_thread(log: &dyn EventLog) -> VerifyReport {
    for depth in [VerifyDepth::Full, VerifyDepth::Hashes] {
        let (expected, expected_seen) = one_thread_at(log, depth);
        for options in spreads(depth) {
            let (report, seen) = spread(log, options);
            assert_eq!(report, expected, "{options:?}");
            assert_eq!(seen, expected_seen, "{options:?}");
        }
    }
    one_thread(log).0
}

/// What is done to one stored segment.
#[derive(Clone, Debug)]
enum Damage {
    /// One byte of the segment changed.
    Flip { at: usize, by: u8 },
    /// The segment cut to a part of its length.
    Cut { keep: usize },
    /// The segment written again with only its first records: the next one no longer starts
    /// where the chain goes on.
    Fewer { keep: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, by)| Damage::Flip { at, by }),
        any::<usize>().prop_map(|keep| Damage::Cut { keep }),
        any::<usize>().prop_map(|keep| Damage::Fewer { keep }),
    ]
}

/// Applies `damage` to the segment that starts at `first_seq`.
fn apply(log: &SledLog, first_seq: u64, damage: &Damage) {
    let mut bytes = log.raw_segment(first_seq).expect("raw").expect("segment");
    match damage {
        Damage::Flip { at, by } => {
            let i = at % bytes.len();
            bytes[i] ^= by;
        }
        Damage::Cut { keep } => bytes.truncate(keep % bytes.len()),
        Damage::Fewer { keep } => {
            let mut reader = codec::SegmentReader::new(&bytes).expect("segment");
            let mut records = Vec::new();
            while let Some(r) = reader.next_record().expect("record") {
                records.push(r.to_vec());
            }
            let keep = 1 + keep % records.len();
            bytes = codec::encode_segment(records[..keep].iter().map(|r| &r[..]));
        }
    }
    log.raw_overwrite_segment(first_seq, &bytes)
        .expect("overwrite");
}

#[test]
fn a_whole_log_walks_the_same_spread_or_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sizes: Vec<usize> = (0..40).map(|i| 1 + (i * 7) % 9).collect();
    let log = log_of(dir.path(), &sizes);
    let report = assert_same_as_one_thread(&*log);
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.verified.seq, sizes.iter().sum::<usize>() as u64);
    let expected = one_thread(&*log);
    assert_same_in_rounds(dir.path(), log, &expected);
}

#[test]
fn an_empty_log_walks_to_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log_of(dir.path(), &[]);
    let report = assert_same_as_one_thread(&*log);
    assert!(report.is_ok());
    assert_eq!(report.verified, Head::default());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Damage anywhere but in the last segment (the log refuses to open on a damaged last
    /// one, and the walk is never reached).
    #[test]
    fn damage_is_named_the_same_spread_or_not(
        sizes in prop::collection::vec(1usize..10, 3..25),
        which in any::<prop::sample::Index>(),
        damage in damage(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = log_of(dir.path(), &sizes);
        let group = which.index(sizes.len() - 1);
        let first_seq = 1 + sizes[..group].iter().sum::<usize>() as u64;
        apply(&log, first_seq, &damage);
        let report = assert_same_as_one_thread(&*log);
        let changed = log.raw_segment(first_seq).expect("raw").expect("segment");
        let expected = one_thread(&*log);
        assert_same_in_rounds(dir.path(), log, &expected);
        let whole = match &damage {
            Damage::Flip { .. } | Damage::Cut { .. } => false,
            Damage::Fewer { keep } => 1 + keep % sizes[group] == sizes[group],
        };
        prop_assert_eq!(report.is_ok(), whole, "{:?} {} bytes: {:?}", damage, changed.len(), report);
        if let Some(bad) = &report.first_bad {
            prop_assert!(bad.seq >= first_seq, "{:?}", bad);
        }
    }
}

/// What is forged into one event, every link after it hashed again so that the chain holds:
/// damage that only decoding the records finds (an auditor's check, not a start's).
#[derive(Clone, Debug)]
enum Forgery {
    /// The record names a seq other than its place.
    Seq,
    /// The record names a previous hash other than the event before's.
    PrevHash,
    /// The record's body cut to half: it does not decode.
    Body,
}

fn forgery() -> impl Strategy<Value = Forgery> {
    prop_oneof![
        Just(Forgery::Seq),
        Just(Forgery::PrevHash),
        Just(Forgery::Body)
    ]
}

/// The segments of `log` read back and hashed again from the first, `forgery` done to the
/// event at `seq`, each segment as long as it was; and the head of the new chain.
fn forged(log: &SledLog, seq: u64, forgery: &Forgery) -> (Vec<Segment>, Head) {
    let mut head = Head::default();
    let mut out = Vec::new();
    for segment in log.segments(0) {
        let segment = segment.expect("segment");
        let mut reader = codec::SegmentReader::new(&segment.bytes).expect("segment");
        let mut records = Vec::new();
        while let Some(record) = reader.next_record().expect("record") {
            let mut envelope = codec::decode_record(record).expect("decodes");
            let place = envelope.seq;
            envelope.prev_hash = head.hash;
            match forgery {
                Forgery::Seq if place == seq => envelope.seq += 7,
                Forgery::PrevHash if place == seq => {
                    envelope.prev_hash = Hash::link(&head.hash, b"another event")
                }
                _ => {}
            }
            let mut record = codec::canonical_bytes(&envelope).expect("canonical");
            if matches!(forgery, Forgery::Body) && place == seq {
                record.truncate(record.len() / 2);
            }
            let hash = Hash::link(&head.hash, &record);
            record.extend_from_slice(&hash.0);
            records.push(record);
            head = Head { seq: place, hash };
        }
        out.push(Segment {
            first_seq: segment.first_seq,
            bytes: SegmentBytes::new(codec::encode_segment(records.iter().map(|r| &r[..]))),
        });
    }
    (out, head)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A forged event whose link holds passes the check of links and is named by the check
    /// that decodes, in the same words whether that check is spread over workers or not.
    #[test]
    fn what_only_decoding_finds_is_named_the_same_spread_or_not(
        sizes in prop::collection::vec(1usize..10, 1..20),
        which in any::<prop::sample::Index>(),
        forgery in forgery(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = log_of(dir.path(), &sizes);
        let seq = 1 + which.index(sizes.iter().sum::<usize>()) as u64;
        let (segments, claimed) = forged(&log, seq, &forgery);
        let one_thread = |depth| {
            let mut seen = Vec::new();
            let report = log::verify_segments(
                claimed,
                segments.clone().into_iter().map(Ok),
                depth,
                &mut |_| {},
                &mut |h| seen.push(*h),
            )
            .expect("walk");
            (report, seen)
        };
        let (links, _) = one_thread(VerifyDepth::Hashes);
        prop_assert!(links.is_ok(), "{:?}: {:?}", forgery, links);
        let (expected, expected_seen) = one_thread(VerifyDepth::Full);
        let bad = expected.first_bad.clone().expect("the forgery is found");
        prop_assert_eq!(bad.seq, seq);
        let words = match forgery {
            Forgery::Seq => bad.detail == format!("record says seq {}", seq + 7),
            Forgery::PrevHash => bad.detail == "record's prev_hash does not match the previous event",
            Forgery::Body => bad.detail.starts_with("does not decode: "),
        };
        prop_assert!(words, "{:?}: {}", forgery, bad.detail);
        // The forged event is not counted as verified, though its link held.
        prop_assert_eq!(expected.verified.seq, seq - 1);
        prop_assert_eq!(expected_seen.len() as u64, seq - 1);
        for options in spreads(VerifyDepth::Full) {
            let mut seen = Vec::new();
            let report = walk_segments(
                claimed,
                Box::new(segments.clone().into_iter().map(Ok)),
                options,
                &mut |_| {},
                &mut |walked| seen.push(walked.head),
            )
            .expect("walk");
            prop_assert_eq!(&report, &expected, "{:?}", options);
            prop_assert_eq!(&seen, &expected_seen, "{:?}", options);
        }
    }
}

/// What sled kept of a walk is let go of by reads alone: the newest segments, one in
/// sixteen, read sixty-four times (every shard of sled's cache handles its queue of accesses
/// at 64), and nothing stored changes: the same head, the same events in the same walk.
#[test]
fn letting_go_of_a_walks_reads_reads_the_newest_segments_and_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sizes: Vec<usize> = (0..100).map(|i| 1 + i % 9).collect();
    let log = log_of(tmp.path(), &sizes);
    let (before, seen) = one_thread(&*log);
    assert_eq!(before.first_bad, None);
    // A hundred segments, one in sixteen read (the first of each sixteen from the newest):
    // seven, sixty-four times over.
    assert_eq!(log.let_go_of_reads().expect("read"), 7 * 64);
    assert_eq!(log.head(), before.claimed);
    assert_eq!(one_thread(&*log), (before, seen));
}
