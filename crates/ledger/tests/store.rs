//! The sled store and the group-commit writer, tested through their public interface.

mod common;

use std::sync::Arc;

use common::*;
use yinling_ledger::log::{self, EventLog, VerifyDepth};
use yinling_ledger::writer::{self, Idempotency, Outcome, PassThrough, Submission};
use yinling_ledger::*;

fn open(dir: &std::path::Path) -> Arc<SledLog> {
    Arc::new(SledLog::open(dir, OpenMode::CreateIfMissing).expect("open log"))
}

fn submission(commits: Vec<Commit>) -> Submission<Vec<Commit>> {
    Submission {
        command: commits,
        actor: Actor::SYSTEM,
        idempotency: None,
    }
}

fn committed<R: std::fmt::Debug>(outcome: Outcome<R>) -> Vec<Envelope> {
    match outcome {
        Outcome::Committed { envelopes, .. } => envelopes,
        other => panic!("expected Committed, got {other:?}"),
    }
}

/// `n` service events on activity `activity`, each record longer than a commit cut into
/// pieces may hold (`limits::SEGMENT_PIECE_RECORD_MAX`): a commit of them stays one segment.
fn long_records(activity: u128, n: usize) -> Commit {
    let mut commit = service_commit(activity, n);
    for e in &mut commit.events {
        if let Event::ServiceLogged(s) = e {
            s.district = "x".repeat(yinling_ledger::limits::SEGMENT_PIECE_RECORD_MAX);
        }
    }
    commit
}

/// Commits `commit` through the writer; what it wrote.
fn commit_one(handle: &writer::HandleFor<PassThrough>, commit: Commit) -> Vec<Envelope> {
    committed(
        handle
            .submit_blocking(submission(vec![commit]))
            .expect("submit"),
    )
}

/// Commits `events` service events on activity `activity` through the writer; what it wrote.
fn commit_service(
    handle: &writer::HandleFor<PassThrough>,
    activity: u128,
    events: usize,
) -> Vec<Envelope> {
    commit_one(handle, service_commit(activity, events))
}

#[test]
fn appends_survive_close_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = {
        let log = open(dir.path());
        let (handle, thread) = pass_through_writer(&log);
        for i in 0..5 {
            commit_service(&handle, i, 3);
        }
        handle.shutdown_blocking();
        let machine = thread.join().expect("writer thread");
        assert_eq!(machine.committed, 15);
        log.head()
    };
    assert_eq!(head.seq, 15);
    let log = open(dir.path());
    assert_eq!(log.head(), head, "head recovered from disk");
    let all = log::read(&*log, 0, 100).expect("read");
    assert_eq!(all.len(), 15);
    assert!(all.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    let report = log::verify(&*log, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_writers_yield_a_gap_free_sequence_with_a_valid_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    let mut tasks = Vec::new();
    for w in 0..16u128 {
        let handle = handle.clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..50u128 {
                let outcome = handle
                    .submit(submission(vec![service_commit(w * 1000 + i, 2)]))
                    .await
                    .expect("submit");
                seqs.extend(committed(outcome).iter().map(|e| e.seq));
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=16 * 50 * 2).collect::<Vec<u64>>(),
        "every seq once, no gaps"
    );
    handle.shutdown().await;
    tokio::task::spawn_blocking(move || thread.join().expect("writer"))
        .await
        .expect("join");
    let report = log::verify(&*log, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.verified.seq, 1600);
}

#[test]
fn a_version_conflict_appends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, _thread) = pass_through_writer(&log);
    let stream = TeamId(uuid(1)).stream();
    let events = || common::one_of_each()[..1].to_vec();
    committed(
        handle
            .submit_blocking(submission(vec![Commit::new_stream(
                stream.clone(),
                events(),
            )]))
            .expect("submit"),
    );
    let head = log.head();
    // A second "create" of the same stream, together with an innocent commit: all or nothing.
    let outcome = handle
        .submit_blocking(submission(vec![
            service_commit(7, 2),
            Commit::new_stream(stream.clone(), events()),
        ]))
        .expect("submit");
    match outcome {
        Outcome::Conflict {
            stream: s,
            expected,
            actual,
        } => {
            assert_eq!((s, expected, actual), (stream.clone(), 0, 1));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(log.head(), head, "nothing appended");
    let exact = Commit {
        stream: stream.clone(),
        expected_version: ExpectedVersion::Exact(1),
        events: events(),
    };
    let appended = committed(
        handle
            .submit_blocking(submission(vec![exact]))
            .expect("submit"),
    );
    assert_eq!(appended[0].stream_version, 2);
    assert_eq!(log.stream_version(&stream).expect("version"), 2);
    let stream_events = log::read_stream(&*log, &stream, 0, 10).expect("stream");
    assert_eq!(
        stream_events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
fn an_idempotent_reappend_returns_the_original_and_appends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    let keyed = |digest: u8| Submission {
        command: vec![service_commit(1, 3)],
        actor: Actor::SYSTEM,
        idempotency: Some(Idempotency {
            key: "coordinator-1/abc".into(),
            request_digest: Hash([digest; 32]),
        }),
    };
    let first = committed(handle.submit_blocking(keyed(1)).expect("submit"));
    let head = log.head();
    match handle.submit_blocking(keyed(1)).expect("submit") {
        Outcome::Replayed { envelopes } => assert_eq!(envelopes, first),
        other => panic!("expected Replayed, got {other:?}"),
    }
    assert!(matches!(
        handle.submit_blocking(keyed(2)).expect("submit"),
        Outcome::KeyReused
    ));
    assert_eq!(log.head(), head, "nothing appended by the retry");
    handle.shutdown_blocking();
    thread.join().expect("writer");
    drop(handle);
    drop(log);
    // The key survives a restart.
    let log = open(dir.path());
    let (handle, _thread) = pass_through_writer(&log);
    match handle.submit_blocking(keyed(1)).expect("submit") {
        Outcome::Replayed { envelopes } => assert_eq!(envelopes, first),
        other => panic!("expected Replayed after restart, got {other:?}"),
    }
    assert_eq!(log.head(), head);
}

#[test]
fn verify_names_the_seq_of_a_byte_flipped_in_the_sled_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, _thread) = pass_through_writer(&log);
    for i in 0..4 {
        commit_service(&handle, i, 5);
    }
    // Seq 13 is the third record of the group that starts at 11.
    let start = log.raw_segment_start(13).expect("lookup").expect("segment");
    assert_eq!(start, 11);
    let mut bytes = log.raw_segment(start).expect("raw").expect("segment");
    let mut reader = codec::SegmentReader::new(&bytes).expect("segment");
    let base = bytes.as_ptr() as usize;
    reader.next_record().expect("r1");
    reader.next_record().expect("r2");
    let third = reader.next_record().expect("r3").expect("r3");
    let offset = third.as_ptr() as usize - base + 40;
    bytes[offset] ^= 0x01;
    log.raw_overwrite_segment(start, &bytes).expect("overwrite");
    for depth in [VerifyDepth::Hashes, VerifyDepth::Full] {
        let report = log::verify(&*log, depth, &mut |_| {}).expect("verify");
        let bad = report.first_bad.expect("damage found");
        assert_eq!(bad.seq, 13, "{depth:?}: {}", bad.detail);
        assert_eq!(report.verified.seq, 12);
    }
    // Reading past the damage through a checked iterator stops at it, naming it.
    let trusted = log::get(&*log, 10).expect("read").expect("seq 10");
    let err = log::EnvelopeIter::checked(
        &*log,
        Head {
            seq: 10,
            hash: trusted.hash,
        },
    )
    .find_map(|r| r.err())
    .expect("damage reported");
    assert!(matches!(err, LedgerError::Corrupt { seq: 13, .. }), "{err}");
}

#[test]
fn a_damaged_tail_refuses_to_open_and_names_the_seq() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let log = open(dir.path());
        let (handle, thread) = pass_through_writer(&log);
        for i in 0..3 {
            commit_service(&handle, i, 4);
        }
        handle.shutdown_blocking();
        thread.join().expect("writer");
        let mut bytes = log.raw_segment(9).expect("raw").expect("last group");
        let len = bytes.len();
        bytes[len - 40] ^= 0xff;
        log.raw_overwrite_segment(9, &bytes).expect("overwrite");
    }
    let err = SledLog::open(dir.path(), OpenMode::MustExist)
        .err()
        .expect("refuses to open");
    match &err {
        LedgerError::Corrupt { seq, .. } => assert_eq!(*seq, 12),
        other => panic!("expected Corrupt, got {other}"),
    }
    assert!(err.to_string().contains("yinling verify"), "{err}");
}

/// Two service events on `activity`'s stream, sent with the idempotency `key` and a request
/// digest of `digest` bytes.
fn keyed_service(activity: u128, key: &str, digest: u8) -> Submission<Vec<Commit>> {
    Submission {
        command: vec![service_commit(activity, 2)],
        actor: Actor::SYSTEM,
        idempotency: Some(Idempotency {
            key: key.into(),
            request_digest: Hash([digest; 32]),
        }),
    }
}

#[test]
fn a_failed_flush_keeps_nothing_and_the_log_recovers_when_the_fault_clears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let faults = log.faults();
    let (handle, thread) = pass_through_writer(&log);
    commit_service(&handle, 1, 2);
    let head = log.head();
    faults.fail_next_flushes(1);
    let keyed = keyed_service(2, "k", 1);
    let outcome = handle.submit_blocking(keyed).expect("submit");
    assert!(matches!(outcome, Outcome::Unavailable(_)), "{outcome:?}");
    assert_eq!(log.head(), head, "nothing of the failed batch is visible");
    assert_eq!(log::read(&*log, 0, 100).expect("read").len(), 2);
    assert_eq!(log.idempotency("k").expect("lookup"), None);
    // The fault cleared: the retry with the same key applies exactly once.
    let keyed = keyed_service(2, "k", 1);
    let again = committed(handle.submit_blocking(keyed).expect("submit"));
    assert_eq!(again.first().map(|e| e.seq), Some(3));
    handle.shutdown_blocking();
    let machine = thread.join().expect("writer");
    assert_eq!(machine.committed, 4);
    drop(log);
    let log = open(dir.path());
    assert_eq!(log.head().seq, 4);
    assert!(log::verify(&*log, VerifyDepth::Full, &mut |_| {})
        .expect("verify")
        .is_ok());
}

/// A commit whose callers were told it failed stays failed across a restart that comes
/// before any other commit: the journal's record of it, synced before sled refused the
/// commit, is taken back, not replayed at the next open.
#[test]
fn a_failed_commit_does_not_come_back_when_the_log_is_opened_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit_service(&handle, 1, 2);
    let head = log.head();
    log.faults().fail_next_flushes(1);
    let outcome = handle
        .submit_blocking(keyed_service(2, "k", 3))
        .expect("submit");
    assert!(matches!(outcome, Outcome::Unavailable(_)), "{outcome:?}");
    handle.shutdown_blocking();
    thread.join().expect("writer");
    drop(log);

    let log = open(dir.path());
    assert_eq!(log.head(), head, "the failed commit came back");
    assert_eq!(log.idempotency("k").expect("lookup"), None);
    assert!(log::verify(&*log, VerifyDepth::Full, &mut |_| {})
        .expect("verify")
        .is_ok());
    // The retry after the restart is the commit's only copy.
    let (handle, thread) = pass_through_writer(&log);
    let again = committed(
        handle
            .submit_blocking(keyed_service(2, "k", 3))
            .expect("submit"),
    );
    assert_eq!(again.first().map(|e| e.seq), Some(head.seq + 1));
    handle.shutdown_blocking();
    thread.join().expect("writer");
    drop(log);
    let log = open(dir.path());
    assert_eq!(log.head().seq, head.seq + 2);
}

/// No answer leaves before its batch is on disk, a refusal for a reused key included: when
/// the command that first used the key fails with its batch, the other request with that key
/// is answered as the failure, not refused on account of a command that never was.
#[test]
fn a_key_reused_within_a_batch_that_fails_is_answered_as_the_failure() {
    use std::future::Future;
    use std::sync::mpsc;
    use std::sync::Mutex;
    use std::task::{Context, Poll, Waker};

    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    // The first batch holds the writer until both requests below are queued behind it.
    let (entered, held) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let hook = Mutex::new(Some((entered, released)));
    let config = writer::WriterConfig {
        on_batch: Some(Arc::new(move |_: &writer::BatchReport| {
            let first = hook.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some((entered, released)) = first {
                let _ = entered.send(());
                let _ = released.recv();
            }
        })),
        ..writer::WriterConfig::default()
    };
    let (handle, thread) =
        writer::spawn(log.clone(), PassThrough::default(), config).expect("spawn");
    let first = {
        let handle = handle.clone();
        std::thread::spawn(move || handle.submit_blocking(submission(vec![service_commit(1, 2)])))
    };
    held.recv().expect("the first batch holds the writer");

    // A, then B with A's key and another body: queued in that order, taken as one batch.
    let mut a = Box::pin(handle.submit(keyed_service(2, "k", 1)));
    let mut b = Box::pin(handle.submit(keyed_service(3, "k", 2)));
    let mut context = Context::from_waker(Waker::noop());
    assert!(matches!(a.as_mut().poll(&mut context), Poll::Pending));
    assert!(matches!(b.as_mut().poll(&mut context), Poll::Pending));
    log.faults().fail_next_flushes(1);
    release.send(()).expect("release");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (a, b) = runtime.block_on(async { (a.await, b.await) });
    assert!(matches!(a, Ok(Outcome::Unavailable(_))), "{a:?}");
    assert!(matches!(b, Ok(Outcome::Unavailable(_))), "{b:?}");
    let first = first.join().expect("first");
    assert!(matches!(first, Ok(Outcome::Committed { .. })), "{first:?}");

    // With the disk back, the key is A's once A is durable, and B is refused for it.
    assert!(matches!(
        handle.submit_blocking(keyed_service(2, "k", 1)),
        Ok(Outcome::Committed { .. })
    ));
    assert!(matches!(
        handle.submit_blocking(keyed_service(3, "k", 2)),
        Ok(Outcome::KeyReused)
    ));
    handle.shutdown_blocking();
    thread.join().expect("writer");
}

#[test]
fn a_writer_that_dies_after_the_append_says_the_answer_was_lost_not_that_nothing_was_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    // The writer's thread dies between the durable append and the answers.
    let config = writer::WriterConfig {
        on_batch: Some(Arc::new(|report: &writer::BatchReport| {
            if report.ok {
                panic!("the writer dies after the append (on purpose)");
            }
        })),
        ..writer::WriterConfig::default()
    };
    let (handle, thread) =
        writer::spawn(log.clone(), PassThrough::default(), config).expect("spawn");
    let lost = handle.submit_blocking(submission(vec![service_commit(1, 2)]));
    assert_eq!(lost.err(), Some(writer::WriterClosed::AnswerLost));
    assert!(thread.join().is_err(), "the writer's thread panicked");
    let later = handle.submit_blocking(submission(vec![service_commit(2, 1)]));
    assert_eq!(later.err(), Some(writer::WriterClosed::NotTaken));
    drop(handle);

    // The change whose answer was lost is in the log; the one not taken is not.
    drop(log);
    let log = open(dir.path());
    assert_eq!(log.head().seq, 2, "the lost answer's change is durable");
}

#[test]
fn missing_and_foreign_directories_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let err = SledLog::open(&missing, OpenMode::MustExist)
        .err()
        .expect("refused");
    assert!(matches!(err, LedgerError::Missing { .. }), "{err}");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    let err = SledLog::open(dir.path(), OpenMode::MustExist)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("no Yinling log"), "{err}");
}

#[test]
fn snapshots_are_stored_and_listed_newest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    log.put_snapshot(100, b"a").expect("put");
    log.put_snapshot(300, b"c").expect("put");
    log.put_snapshot(200, b"b").expect("put");
    assert_eq!(log.snapshot_seqs().expect("list"), vec![300, 200, 100]);
    assert_eq!(log.snapshot(200).expect("get"), Some(b"b".to_vec()));
    // The newest few are kept, and older ones only one per power-of-two distance: a
    // snapshot is the whole state.
    for seq in (4..=40).map(|i| i * 100) {
        log.put_snapshot(seq, b"x").expect("put");
    }
    let kept = log.snapshot_seqs().expect("list");
    assert_eq!(&kept[..limits::SNAPSHOTS_KEPT], &[4000, 3900, 3800]);
    assert!(kept.len() <= limits::SNAPSHOTS_KEPT + 6, "{kept:?}");
    assert!(
        kept.iter().any(|s| *s <= 4000 - 2048),
        "the far past keeps a rung: {kept:?}"
    );
    assert!(kept.len() < 40, "not one per interval: {kept:?}");
    let state = vec![1u32, 2, 3];
    let bytes = codec::encode_snapshot(7, &Hash([9; 32]), &state).expect("encode");
    let snap: codec::Snapshot<Vec<u32>> = codec::decode_snapshot(&bytes).expect("decode");
    assert_eq!((snap.seq, snap.hash, snap.state), (7, Hash([9; 32]), state));
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert!(codec::decode_snapshot::<Vec<u32>>(&damaged).is_err());
}

/// A start decodes a snapshot as it reads it from its file: the same state as from its
/// bytes, and the same refusals of a damaged, cut or lengthened one.
#[test]
fn a_snapshot_read_as_a_stream_decodes_as_its_bytes_do_and_refuses_the_same_damage() {
    let state: Vec<String> = (0..50_000).map(|i| format!("志愿者{i}")).collect();
    let bytes = codec::encode_snapshot(9, &Hash([3; 32]), &state).expect("encode");
    let stream = |b: &[u8], len: u64| {
        codec::decode_snapshot_from::<Vec<String>>(std::io::Cursor::new(b.to_vec()), len)
    };
    let read = stream(&bytes, bytes.len() as u64).expect("decode");
    assert_eq!((read.seq, read.hash, read.state), (9, Hash([3; 32]), state));
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    for (case, b, len) in [
        ("a byte flipped", &damaged[..], bytes.len() as u64),
        (
            "cut short",
            &bytes[..bytes.len() - 10],
            bytes.len() as u64 - 10,
        ),
        ("a length that lies", &bytes[..], bytes.len() as u64 - 1),
        ("shorter than its header", &bytes[..20], 20),
        ("empty", &bytes[..0], 0),
    ] {
        let refused = stream(b, len).map(|s| s.state.len());
        assert!(refused.is_err(), "{case}: {refused:?}");
        if b.len() as u64 == len {
            assert!(codec::decode_snapshot::<Vec<String>>(b).is_err(), "{case}");
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let e = stream(&longer, longer.len() as u64).expect_err("a byte after the state");
    assert!(e.to_string().contains("bytes after its state"), "{e}");
}

/// The node encodes a snapshot straight into its file: what lands is the snapshot's bytes,
/// read back as a stream. A writer that fails leaves nothing listed and no partial file, and
/// the snapshots before it stay.
#[test]
fn a_snapshot_encoded_into_its_file_is_stored_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let state: Vec<String> = (0..100_000).map(|i| format!("志愿者{i}")).collect();
    let mut written = 0;
    log.put_snapshot_with(5, &mut |sink| {
        written = codec::encode_snapshot_into(sink, 5, &Hash([2; 32]), &state)?;
        Ok(())
    })
    .expect("put");
    let whole = codec::encode_snapshot(5, &Hash([2; 32]), &state).expect("encode");
    assert_eq!(written, whole.len() as u64);
    assert_eq!(log.snapshot(5).expect("get"), Some(whole));
    let (reader, len) = log.snapshot_reader(5).expect("open").expect("stored");
    let read: codec::Snapshot<Vec<String>> =
        codec::decode_snapshot_from(reader, len).expect("decode");
    assert_eq!((read.seq, read.state), (5, state));

    let refused = log.put_snapshot_with(9, &mut |sink| {
        std::io::Write::write_all(sink, b"half a snapshot").expect("write");
        Err(LedgerError::Storage("the disk is full".into()))
    });
    assert!(matches!(refused, Err(LedgerError::Storage(ref e)) if e == "the disk is full"));
    assert_eq!(log.snapshot_seqs().expect("list"), vec![5]);
    let left: Vec<_> = std::fs::read_dir(dir.path().join(snapshots::SNAPSHOT_DIR))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 1, "no partial file is left: {left:?}");
}

#[test]
fn a_snapshot_an_earlier_build_kept_in_the_tree_is_still_read_and_pruned() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(open(dir.path()));
    {
        // Earlier builds stored snapshots as values of the log's own tree, keyed 'n' + seq.
        let db = reopen_sled(dir.path());
        for seq in [50u64, 60] {
            let mut key = vec![b'n'];
            key.extend_from_slice(&seq.to_be_bytes());
            db.insert(key, b"old".to_vec()).expect("insert");
        }
        db.flush().expect("flush");
    }
    let log = open(dir.path());
    log.put_snapshot(100, b"new").expect("put");
    assert_eq!(log.snapshot_seqs().expect("list"), vec![100, 60, 50]);
    assert_eq!(log.snapshot(50).expect("get"), Some(b"old".to_vec()));
    assert_eq!(log.snapshot(100).expect("get"), Some(b"new".to_vec()));
    assert!(
        dir.path().join(snapshots::SNAPSHOT_DIR).is_dir(),
        "new snapshots are files beside the log"
    );
    // Newer ones climb the ladder: of the two old ones in the far rung the older stays, the
    // other is removed from the tree as it would be from the files.
    for seq in (2..=600).map(|i| i * 100) {
        log.put_snapshot(seq, b"x").expect("put");
    }
    let kept = log.snapshot_seqs().expect("list");
    assert!(kept.contains(&50) && !kept.contains(&60), "{kept:?}");
    assert_eq!(log.snapshot(60).expect("get"), None);
}

/// A snapshot of what changed since an earlier one names that one in its header; the ladder
/// that prunes old snapshots keeps it while the snapshot written against it is kept, and lets
/// it go once nothing kept needs it.
/// Stores a small snapshot at `seq` (its state `[seq; 3]`), whole or written against `base`.
fn put_snapshot(log: &SledLog, seq: u64, base: Option<u64>) -> Result<(), LedgerError> {
    log.put_snapshot_with(seq, &mut |sink| {
        codec::encode_snapshot_on(sink, seq, &Hash([3; 32]), base, &vec![seq; 3])?;
        Ok(())
    })
}

#[test]
fn a_snapshot_written_against_another_keeps_that_one_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let put = |seq: u64, base: Option<u64>| put_snapshot(&log, seq, base).expect("put");
    put(100, None);
    for seq in (2..=40).map(|i| i * 100) {
        put(seq, Some(100));
    }
    let kept = log.snapshot_seqs().expect("list");
    assert!(kept.contains(&100), "the base went: {kept:?}");
    assert_eq!(log.snapshot_base(4000).expect("header"), Some(100));
    assert_eq!(log.snapshot_base(100).expect("header"), None);
    assert_eq!(log.snapshot_base(1).expect("not stored"), None);
    let (reader, len) = log.snapshot_reader(3900).expect("open").expect("kept");
    let read: codec::Snapshot<Vec<u64>> = codec::decode_snapshot_from(reader, len).expect("decode");
    assert_eq!(
        (read.seq, read.base, read.state),
        (3900, Some(100), vec![3900; 3])
    );
    let bytes = log.snapshot(3900).expect("get").expect("kept");
    let read: codec::Snapshot<Vec<u64>> = codec::decode_snapshot(&bytes).expect("decode");
    assert_eq!(read.base, Some(100));

    // A whole snapshot later, and its own deltas: the old base is a snapshot like any other.
    put(5000, None);
    for seq in (51..=200).map(|i| i * 100) {
        put(seq, Some(5000));
    }
    let kept = log.snapshot_seqs().expect("list");
    assert!(kept.contains(&5000), "{kept:?}");
    assert!(kept.len() < 20, "the ladder still prunes: {kept:?}");
}

/// A snapshot is stored once its file is in place. An older one that will not go (a file the
/// system holds on to) is left for the next snapshot to remove: the new one is not reported
/// failed (the writer would take it for lost and write no snapshot of changes against it), and
/// the other old ones still go.
#[test]
fn an_older_snapshot_that_will_not_go_does_not_fail_the_one_just_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let put = |seq: u64| put_snapshot(&log, seq, None);
    log.faults().fail_next_snapshot_removals(u32::MAX);
    for seq in (1..=40).map(|i| i * 100) {
        put(seq).expect("stored, though no older one could be removed");
    }
    let all = log.snapshot_seqs().expect("list");
    assert_eq!(all.len(), 40, "nothing could be removed: {all:?}");

    // The disk lets go again, but for one file: the others go now, that one next time.
    log.faults().fail_next_snapshot_removals(1);
    put(4100).expect("stored");
    let newest_first: Vec<u64> = (1..=41).rev().map(|i| i * 100).collect();
    let due = log::snapshots_to_prune(&newest_first, &|_| None);
    assert!(
        due.len() > 1,
        "the test prunes more than one at once: {due:?}"
    );
    let kept = log.snapshot_seqs().expect("list");
    assert_eq!(kept.len(), 41 - due.len() + 1, "{kept:?}");
    assert!(
        kept.contains(&due[0]),
        "the one that would not go: {kept:?}"
    );

    // The next snapshot prunes as if nothing had failed.
    log.faults().fail_next_snapshot_removals(0);
    put(4200).expect("stored");
    let mut before = vec![4200];
    before.extend(kept);
    let due = log::snapshots_to_prune(&before, &|_| None);
    before.retain(|seq| !due.contains(seq));
    let kept = log.snapshot_seqs().expect("list");
    assert_eq!(kept, before);
    for seq in kept {
        let bytes = log.snapshot(seq).expect("read").expect("kept");
        let read: codec::Snapshot<Vec<u64>> = codec::decode_snapshot(&bytes).expect("decode");
        assert_eq!(read.state, vec![seq; 3]);
    }
}

/// A snapshot whose header cannot be read is not taken for a whole one: it could be a
/// snapshot of changes whose base must stay, so nothing is pruned while it cannot be read.
#[test]
fn a_snapshot_whose_header_cannot_be_read_holds_the_pruning_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let put = |seq: u64| put_snapshot(&log, seq, None).expect("put");
    put(100);
    // Opens, but every read fails (as a failing disk's file would): a directory by the name.
    std::fs::create_dir(
        dir.path()
            .join(yinling_ledger::snapshots::SNAPSHOT_DIR)
            .join("00000000000000000150.snapshot"),
    )
    .expect("mkdir");
    let err = log.snapshot_base(150).expect_err("unreadable");
    assert!(err.to_string().contains("150"), "{err}");
    for seq in (2..=40).map(|i| i * 100) {
        put(seq);
    }
    let kept = log.snapshot_seqs().expect("list");
    assert_eq!(kept.len(), 41, "nothing pruned: {kept:?}");
}

/// sled writes a tree node's image as a blob file of its own once it is over a quarter of its
/// 512 KiB segment, with no sync; a leaf holds up to sixteen segments of the log, so commits of
/// about 25 KB each (eighty service events) make node images of that size as they go. The log
/// must have synced every one of them before an append returns: a power cut would otherwise
/// leave the tree pointing at a file the disk never kept.
#[test]
fn every_blob_file_sled_writes_is_synced_before_an_append_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    for activity in 0..24 {
        commit_one(&handle, long_records(activity, 8));
        let unsynced = log.unsynced_blobs().expect("list blobs");
        assert!(
            unsynced.is_empty(),
            "after commit {activity}: blob files {unsynced:?} acknowledged unsynced"
        );
    }
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
    assert!(
        log.blobs_synced() > 0,
        "the commits were meant to make sled write segments as blob files"
    );
}

#[test]
fn a_writer_that_forgot_a_stream_asks_the_log_and_numbers_on_from_its_last_version() {
    // The writer remembers two streams a generation: every other stream it used is
    // forgotten and its version read back from the log's index, which must give the same
    // numbering, the same conflicts and the same stream as a writer that forgot nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = writer::spawn(
        log.clone(),
        writer::PassThrough::default(),
        writer::WriterConfig {
            streams_remembered: Some(2),
            ..writer::WriterConfig::default()
        },
    )
    .expect("spawn the writer");
    let mut model: std::collections::HashMap<u128, u64> = std::collections::HashMap::new();
    for round in 0..6u64 {
        for activity in 0..12u128 {
            let n = 1 + (activity as usize + round as usize) % 3;
            let version = model.entry(activity).or_insert(0);
            let commit = Commit {
                expected_version: ExpectedVersion::Exact(*version),
                ..service_commit(activity, n)
            };
            let appended = committed(
                handle
                    .submit_blocking(submission(vec![commit]))
                    .expect("submit"),
            );
            let versions: Vec<u64> = appended.iter().map(|e| e.stream_version).collect();
            assert_eq!(
                versions,
                (*version + 1..=*version + n as u64).collect::<Vec<_>>(),
                "activity {activity}, round {round}"
            );
            *version += n as u64;
            // A stale expectation is refused, forgotten stream or not.
            let stale = Commit {
                expected_version: ExpectedVersion::Exact(*version - 1),
                ..service_commit(activity, 1)
            };
            match handle
                .submit_blocking(submission(vec![stale]))
                .expect("submit")
            {
                Outcome::Conflict { actual, .. } => assert_eq!(actual, *version),
                other => panic!("expected a conflict, got {other:?}"),
            }
        }
    }
    for (activity, version) in &model {
        let stream = ActivityId(uuid(*activity)).stream();
        assert_eq!(log.stream_version(&stream).expect("version"), *version);
        let seqs = log::read_stream(&*log, &stream, 0, 1000).expect("stream");
        assert_eq!(seqs.len() as u64, *version, "activity {activity}");
    }
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
    let report = log::verify(&*log, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
}

#[test]
fn a_failed_commit_that_cannot_be_taken_back_stops_the_log_until_it_is_opened_again() {
    // The disk fails twice: the commit's flush, then the undo of its keys. Had the log gone
    // on, the next commit would take the same seqs and the failed one's index entries
    // would name its events. It refuses instead; opened again, every stream reads its own
    // events, the chain verifies, and commits go on.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let faults = log.faults();
    let (handle, thread) = pass_through_writer(&log);
    commit_service(&handle, 1, 2);
    faults.fail_next_flushes(1);
    faults.fail_next_undo();
    let keyed = |activity: u128| keyed_service(activity, &format!("k{activity}"), activity as u8);
    let outcome = handle.submit_blocking(keyed(2)).expect("submit");
    assert!(matches!(outcome, Outcome::Unavailable(_)), "{outcome:?}");
    match handle.submit_blocking(keyed(3)).expect("submit") {
        Outcome::Unavailable(why) => {
            assert!(why.contains("restarted"), "{why}");
        }
        other => panic!("the log took a commit after a failed undo: {other:?}"),
    }
    handle.shutdown_blocking();
    thread.join().expect("writer");
    drop(log);

    let log = open(dir.path());
    let head = log.head().seq;
    assert!(
        head == 2 || head == 4,
        "the failed commit whole or not at all: {head}"
    );
    assert!(log::verify(&*log, VerifyDepth::Full, &mut |_| {})
        .expect("verify")
        .is_ok());
    let (handle, thread) = pass_through_writer(&log);
    // A retry of the failed command gets its events once, whichever way the open found it.
    let retried = match handle.submit_blocking(keyed(2)).expect("submit") {
        Outcome::Committed { envelopes, .. } if head == 2 => envelopes,
        Outcome::Replayed { envelopes } if head == 4 => envelopes,
        other => panic!("a retry with the open at {head} answered {other:?}"),
    };
    assert_eq!(retried.first().map(|e| e.seq), Some(3));
    let next = committed(handle.submit_blocking(keyed(3)).expect("submit"));
    assert_eq!(next.first().map(|e| e.seq), Some(5));
    handle.shutdown_blocking();
    thread.join().expect("writer");
    for activity in 1..=3u128 {
        let stream = ActivityId(uuid(activity)).stream();
        let events = log::read_stream(&*log, &stream, 0, 100).expect("stream");
        assert_eq!(events.len(), 2, "activity {activity}");
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.stream, stream, "activity {activity} reads its own events");
            assert_eq!(e.stream_version, i as u64 + 1);
        }
    }
    assert_eq!(log.head().seq, 6);
}

#[test]
fn sled_writes_a_blob_file_only_for_a_segment_longer_than_the_log_puts_in_alone() {
    // The log puts a segment of SLED_BLOB_SAFE_BYTES or more into sled alone and syncs sled's
    // blob files before its index keys: that is safe only if no shorter segment ever becomes
    // a blob file. A commit just under the bound makes none; one well over sled's own
    // threshold makes one, synced before the append returns.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    let event_bytes = {
        commit_service(&handle, 1, 10);
        log.raw_segment(1).expect("read").expect("segment").len() / 10
    };
    let under = yinling_ledger::limits::SLED_BLOB_SAFE_BYTES / event_bytes - 1;
    let blobs = log.blobs_synced();
    commit_service(&handle, 2, under);
    assert!(
        log.raw_segment(11).expect("read").expect("segment").len()
            < yinling_ledger::limits::SLED_BLOB_SAFE_BYTES
    );
    assert_eq!(
        log.blobs_synced(),
        blobs,
        "a segment under the bound is no blob"
    );
    // A commit four times over is cut into pieces, none of them a blob.
    commit_service(&handle, 3, 4 * under);
    assert_eq!(
        log.blobs_synced(),
        blobs,
        "a long commit in pieces is no blob"
    );
    // A commit with a record too long for a piece stays one segment: over sled's own
    // threshold, a blob, synced before the append returns.
    commit_one(&handle, long_records(4, 8));
    assert!(
        log.blobs_synced() > blobs,
        "a segment of long records four times over is a blob"
    );
    assert!(log.unsynced_blobs().expect("list").is_empty());
    handle.shutdown_blocking();
    thread.join().expect("writer");
}

/// A commit longer than a piece is stored as several segments, each at most a piece long
/// (`keys::segment_pieces`), and reads back, verifies and reopens as one commit does.
#[test]
fn a_long_commit_is_stored_in_pieces_and_reads_back_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = {
        let log = open(dir.path());
        let (handle, thread) = pass_through_writer(&log);
        commit_service(&handle, 1, 2);
        let written = commit_service(&handle, 2, 600);
        commit_service(&handle, 3, 2);
        handle.shutdown_blocking();
        thread.join().expect("writer");
        assert_eq!(written.len(), 600);
        // The pieces: every one starts where the one before ends, and none is longer than
        // a piece.
        let mut starts = vec![3u64];
        while let Some(&at) = starts.last() {
            let piece = log.raw_segment(at).expect("read").expect("piece");
            assert!(
                piece.len() <= yinling_ledger::limits::SEGMENT_PIECE_BYTES,
                "{} bytes",
                piece.len()
            );
            let events = (at..=602)
                .take_while(|s| log.raw_segment_start(*s).expect("start") == Some(at))
                .count() as u64;
            if at + events > 602 {
                break;
            }
            starts.push(at + events);
        }
        assert!(starts.len() > 10, "{} pieces", starts.len());
        assert_eq!(log.raw_segment_start(603).expect("start"), Some(603));
        log.head()
    };
    let log = open(dir.path());
    assert_eq!(log.head(), head, "the head found again in the last segment");
    assert_eq!(head.seq, 604);
    let all = log::read(&*log, 0, 1_000).expect("read");
    assert_eq!(all.len(), 604);
    assert!(all.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    let stream = log::read_stream(&*log, &ActivityId(uuid(2)).stream(), 0, 1_000).expect("stream");
    assert_eq!(stream.len(), 600);
    let report = log::verify(&*log, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok() && report.verified == head, "{report:?}");
}

/// A data directory another user owns is refused before anything is written into it: a
/// backup or a check run as root would leave files there the service's user cannot read.
#[test]
fn a_directory_another_user_owns_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let me = rustix::process::getuid().as_raw();
    let dir = if me == 0 {
        let dir = tmp.path().join("theirs");
        std::fs::create_dir(&dir).expect("mkdir");
        std::os::unix::fs::chown(&dir, Some(12_345), None).expect("chown");
        dir
    } else {
        // Not root: the root directory is another user's, and nothing may be written there.
        std::path::PathBuf::from("/")
    };
    let before: Vec<_> = std::fs::read_dir(&dir)
        .expect("listing")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let refused = match SledLog::open(&dir, OpenMode::CreateIfMissing) {
        Ok(_) => panic!("opened a directory another user owns"),
        Err(e) => e.to_string(),
    };
    assert!(
        refused.contains("belongs to user") && refused.contains("runuser"),
        "{refused}"
    );
    let after: Vec<_> = std::fs::read_dir(&dir)
        .expect("listing")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(before, after, "something was written");
}
