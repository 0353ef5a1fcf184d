//! A commit's keys go into sled one by one, the segment first: a crash can leave sled's files
//! holding a commit's segment without some of its index entries. The open completes them,
//! from the journal's record when it has one, else from the segment's own events. Here the
//! crash is made by hand: the log is closed, the last commit's entries are removed from sled
//! directly, and the log is opened again.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use yinling_ledger::journal::JOURNAL_DIR;
use yinling_ledger::log::{self, EventLog, VerifyDepth};
use yinling_ledger::writer::{self, Idempotency, Outcome, PassThrough, Submission};
use yinling_ledger::*;

/// Activities committed, one commit each of [`EVENTS`] events; the last has an idempotency
/// key (every third does).
const COMMITS: u128 = 13;
const EVENTS: usize = 3;

fn open(dir: &Path) -> Arc<SledLog> {
    Arc::new(SledLog::open(dir, OpenMode::CreateIfMissing).expect("open log"))
}

fn idempotency(activity: u128) -> Option<Idempotency> {
    (activity % 3 == 0).then(|| Idempotency {
        key: format!("key-{activity}"),
        request_digest: Hash([activity as u8; 32]),
    })
}

fn submit(
    handle: &writer::HandleFor<PassThrough>,
    activity: u128,
) -> Outcome<std::convert::Infallible> {
    handle
        .submit_blocking(Submission {
            command: vec![service_commit(activity, EVENTS)],
            actor: Actor::SYSTEM,
            idempotency: idempotency(activity),
        })
        .expect("submit")
}

/// Commits every activity with the log open in `dir`; what the log answered for the last
/// activity's stream and key.
fn commit_all(dir: &Path) -> (u64, Vec<u64>, Option<log::IdempotencyEntry>) {
    let log = open(dir);
    let (handle, thread) = pass_through_writer(&log);
    for activity in 0..COMMITS {
        assert!(matches!(
            submit(&handle, activity),
            Outcome::Committed { .. }
        ));
    }
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
    let stream = last_stream();
    let answers = (
        log.stream_version(&stream).expect("version"),
        log.stream_seqs(&stream, 0, 100).expect("seqs"),
        log.idempotency(&last_key()).expect("key"),
    );
    assert_eq!(answers.0, EVENTS as u64);
    answers
}

fn last_stream() -> StreamId {
    service_commit(COMMITS - 1, EVENTS).stream
}

fn last_key() -> String {
    format!("key-{}", COMMITS - 1)
}

/// Removes the last commit's stream index entry and idempotency key from sled's files, the
/// segment kept: what a crash between the segment's insert and theirs leaves.
fn lose_the_last_commits_entries(dir: &Path) {
    let db = sled::Config::new()
        .path(dir)
        .mode(sled::Mode::HighThroughput)
        .open()
        .expect("open sled");
    let mut stream_key = vec![b's'];
    stream_key.extend_from_slice(last_stream().as_str().as_bytes());
    stream_key.push(0);
    stream_key.extend_from_slice(&1u64.to_be_bytes());
    let mut idempotency_key = vec![b'i'];
    idempotency_key.extend_from_slice(last_key().as_bytes());
    for key in [stream_key, idempotency_key] {
        assert!(
            db.remove(&key).expect("remove").is_some(),
            "the entry was there"
        );
    }
    db.flush().expect("flush");
}

fn assert_answers(log: &SledLog, answers: &(u64, Vec<u64>, Option<log::IdempotencyEntry>)) {
    let stream = last_stream();
    assert_eq!(log.stream_version(&stream).expect("version"), answers.0);
    assert_eq!(log.stream_seqs(&stream, 0, 100).expect("seqs"), answers.1);
    let report = log::verify(log, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(log.head().seq, COMMITS as u64 * EVENTS as u64);
}

#[test]
fn entries_a_crash_lost_are_put_again_from_the_journals_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = tempfile::tempdir().expect("tempdir");
    // The journal as the crash leaves it: every record, sled's files holding the segments.
    let answers = {
        let log = open(dir.path());
        let (handle, thread) = pass_through_writer(&log);
        for activity in 0..COMMITS {
            assert!(matches!(
                submit(&handle, activity),
                Outcome::Committed { .. }
            ));
        }
        handle.shutdown_blocking();
        thread.join().expect("writer thread");
        for entry in std::fs::read_dir(dir.path().join(JOURNAL_DIR)).expect("list") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), saved.path().join(entry.file_name())).expect("copy");
        }
        let stream = last_stream();
        (
            log.stream_version(&stream).expect("version"),
            log.stream_seqs(&stream, 0, 100).expect("seqs"),
            log.idempotency(&last_key()).expect("key"),
        )
    };
    lose_the_last_commits_entries(dir.path());
    for entry in std::fs::read_dir(saved.path()).expect("list") {
        let entry = entry.expect("entry");
        let to = dir.path().join(JOURNAL_DIR).join(entry.file_name());
        std::fs::copy(entry.path(), to).expect("restore");
    }
    let log = open(dir.path());
    assert_answers(&log, &answers);
    // From the record: the request's digest too.
    assert_eq!(log.idempotency(&last_key()).expect("key"), answers.2);
    assert!(answers.2.is_some());
}

#[test]
fn a_last_commit_without_its_journal_record_gets_its_entries_from_its_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let answers = commit_all(dir.path());
    lose_the_last_commits_entries(dir.path());
    let log = open(dir.path());
    assert_answers(&log, &answers);
    // The digest is not in the events: the key alone identifies the command, as in a copied
    // history, so a retry gets the first answer's events.
    let entry = log
        .idempotency(&last_key())
        .expect("key")
        .expect("an entry");
    let original = answers.2.expect("an entry");
    assert_eq!(
        (entry.first_seq, entry.count),
        (original.first_seq, original.count)
    );
    assert_eq!(entry.request_digest, Hash::GENESIS);
    let (handle, thread) = pass_through_writer(&log);
    match submit(&handle, COMMITS - 1) {
        Outcome::Replayed { envelopes } => assert_eq!(envelopes.len(), EVENTS),
        other => panic!("a retry should be answered with its events: {other:?}"),
    }
    // The log goes on: the next commit follows the head.
    assert!(matches!(
        submit(&handle, COMMITS),
        Outcome::Committed { .. }
    ));
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
    assert_eq!(log.head().seq, (COMMITS as u64 + 1) * EVENTS as u64);
}
