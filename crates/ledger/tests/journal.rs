//! The journal: an append is durable once its record is synced, before sled's own files hold
//! it. A crash here is a copy of the data directory taken while the log is open and idle:
//! what sled kept only in memory is not in the copy, exactly as after a kill or a power cut
//! (the journal's records are synced before an append returns, so the copy holds them).

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use yinling_ledger::journal::{JOURNAL_DIR, JOURNAL_ROTATE_BYTES};
use yinling_ledger::log::{self, EventLog, VerifyDepth};
use yinling_ledger::writer::{self, Idempotency, Outcome, PassThrough, Submission};
use yinling_ledger::*;

fn open(dir: &Path) -> Arc<SledLog> {
    Arc::new(SledLog::open(dir, OpenMode::CreateIfMissing).expect("open log"))
}

/// A copy of `dir` as a crash leaves it, in `crashed`, opened: the open applied records of
/// the journal, for commits sled had not written to its files yet.
fn open_crashed(dir: &Path, crashed: &Path) -> SledLog {
    crash_copy(dir, crashed);
    let copy = SledLog::open(crashed, OpenMode::MustExist).expect("open the crashed copy");
    assert!(
        copy.journal_records_applied_at_open() > 0,
        "the crash was meant to lose commits sled had not written to its files"
    );
    copy
}

/// Copies the directory as a crash leaves it.
fn crash_copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            crash_copy(&entry.path(), &target);
        } else if let Err(e) = std::fs::copy(entry.path(), &target) {
            // A file removed between the listing and its copy (a spare being renamed, a blob
            // sled let go of) is one the crash would not have found either.
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "copy: {e}");
        }
    }
}

/// The journal files of the log in `dir` with their sizes, oldest first (not the spare).
fn journal_files(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir.join(JOURNAL_DIR))
        .expect("list")
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            name.ends_with(".journal")
                .then(|| (name, e.metadata().map(|m| m.len()).unwrap_or(0)))
        })
        .collect();
    files.sort();
    files
}

/// Commits `count` group commits of `events` service events each, every third with an
/// idempotency key; returns the head after them.
fn commit(handle: &writer::HandleFor<PassThrough>, first: u128, count: u128, events: usize) {
    for activity in first..first + count {
        let idempotency = (activity % 3 == 0).then(|| Idempotency {
            key: format!("key-{activity}"),
            request_digest: Hash([activity as u8; 32]),
        });
        let outcome = handle
            .submit_blocking(Submission {
                command: vec![service_commit(activity, events)],
                actor: Actor::SYSTEM,
                idempotency,
            })
            .expect("submit");
        assert!(matches!(outcome, Outcome::Committed { .. }), "{outcome:?}");
    }
}

/// Everything the original log answers, the copy answers the same: every event with its
/// chain, the head, the idempotency keys.
fn assert_same(copy: &SledLog, original: &SledLog, activities: u128) {
    assert_eq!(copy.head(), original.head());
    let head = original.head().seq;
    assert_eq!(
        log::read(copy, 0, head as usize + 1).expect("read copy"),
        log::read(original, 0, head as usize + 1).expect("read original")
    );
    let report = log::verify(copy, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
    for activity in (0..activities).filter(|a| a % 3 == 0) {
        let key = format!("key-{activity}");
        assert_eq!(
            copy.idempotency(&key).expect("lookup"),
            original.idempotency(&key).expect("lookup"),
            "{key}"
        );
    }
}

/// Commits too long for one segment are cut into pieces (`keys::segment_pieces`): the
/// journal's record holds them all, and an open that applies it again counts the events of
/// every piece, so the commits after it still continue the log.
#[test]
fn acknowledged_commits_in_pieces_only_the_journal_holds_survive_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 0, 6, 2);
    commit(&handle, 6, 3, 300);
    commit(&handle, 9, 3, 2);
    assert!(
        log.raw_segment_start(912).expect("start") > Some(613),
        "the long commits were meant to be in pieces"
    );
    let copy = open_crashed(dir.path(), crashed.path());
    assert_same(&copy, &log, 12);
    handle.shutdown_blocking();
    thread.join().expect("writer");
}

#[test]
fn acknowledged_commits_only_the_journal_holds_survive_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 0, 40, 3);
    let copy = open_crashed(dir.path(), crashed.path());
    assert_same(&copy, &log, 40);
    // The copy goes on from where the crash left it, and opens again with nothing to apply.
    drop(copy);
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open again");
    assert_eq!(copy.journal_records_applied_at_open(), 0);
    assert_same(&copy, &log, 40);
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}

#[test]
fn a_record_torn_by_the_crash_is_ignored_and_the_acknowledged_ones_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 0, 12, 2);
    crash_copy(dir.path(), crashed.path());
    // A commit the crash cut short: its record half-written at the end of the journal.
    let journal = crashed.path().join(JOURNAL_DIR);
    let last = std::fs::read_dir(&journal)
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .max()
        .expect("a journal file");
    let mut bytes = std::fs::read(&last).expect("read");
    let whole = bytes.clone();
    bytes.extend_from_slice(&whole[..whole.len().min(40) / 2]);
    std::fs::write(&last, &bytes).expect("write");
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open the crashed copy");
    assert_same(&copy, &log, 12);
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}

#[test]
fn a_full_journal_file_is_checkpointed_into_sled_and_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    // Commits of eighty events (about 25 KB each) until the journal has filled a file twice.
    let per_commit = 80 * 300;
    let commits = (2 * JOURNAL_ROTATE_BYTES / per_commit + 1) as u128;
    commit(&handle, 0, commits, 80);
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
    // The thread that checkpoints runs beside the appends: give it a moment to finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while journal_files(dir.path()).len() > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let files = journal_files(dir.path());
    assert_eq!(
        files.len(),
        1,
        "the full journal files were not removed: {files:?}"
    );
    let crashed = tempfile::tempdir().expect("tempdir");
    crash_copy(dir.path(), crashed.path());
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open the crashed copy");
    assert_same(&copy, &log, commits);
}

#[test]
fn a_clean_close_leaves_sled_holding_everything_and_nothing_to_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = {
        let log = open(dir.path());
        let (handle, thread) = pass_through_writer(&log);
        commit(&handle, 0, 5, 4);
        // A checkpoint while the log is open: sled holds everything, one empty file is left.
        log.checkpoint().expect("checkpoint");
        let files = journal_files(dir.path());
        assert!(files.len() == 1 && files[0].1 == 0, "{files:?}");
        commit(&handle, 5, 4, 4);
        handle.shutdown_blocking();
        thread.join().expect("writer thread");
        log.head()
    };
    let left = journal_files(dir.path());
    assert!(
        left.is_empty(),
        "a clean close removes the journal: {left:?}"
    );
    let log = open(dir.path());
    assert_eq!(log.journal_records_applied_at_open(), 0);
    assert_eq!(log.head(), head);
}

#[test]
fn a_log_being_written_moves_to_a_spare_file_of_zeros_and_its_commits_survive_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    // A little over the bytes after which a spare is made: the thread makes it beside the
    // appends, and the next append after it is ready moves to it.
    commit(&handle, 0, 12, 80);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let preallocated = || {
        journal_files(dir.path())
            .iter()
            .any(|(_, len)| *len >= JOURNAL_ROTATE_BYTES)
    };
    let mut next = 12;
    while !preallocated() && std::time::Instant::now() < deadline {
        commit(&handle, next, 1, 2);
        next += 1;
    }
    assert!(
        preallocated(),
        "no spare was taken: {:?}",
        journal_files(dir.path())
    );
    commit(&handle, next, 30, 3);
    let crashed = tempfile::tempdir().expect("tempdir");
    crash_copy(dir.path(), crashed.path());
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open the crashed copy");
    assert!(copy.journal_records_applied_at_open() > 0);
    assert_same(&copy, &log, next + 30);
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}

#[test]
fn a_key_the_key_store_made_survives_a_kill_with_the_commit_after_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 0, 3, 1);
    // As a decision sealing someone's fields does: the key is made, then the commit follows.
    let someone = VolunteerId(uuid::Uuid::from_u128(77));
    let key = log
        .keyring()
        .expect("keyring")
        .key_or_create(&someone)
        .expect("a key");
    commit(&handle, 3, 1, 1);
    crash_copy(dir.path(), crashed.path());
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open the crashed copy");
    let kept = copy
        .keyring()
        .expect("keyring")
        .key(&someone)
        .expect("read the key store");
    assert_eq!(
        kept.map(|k| k.to_hex(&someone)),
        Some(key.to_hex(&someone)),
        "the key was lost with the process"
    );
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}

#[test]
fn a_key_made_for_a_commit_survives_a_power_cut_that_loses_sleds_writes_since_the_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 0, 3, 1);
    log.checkpoint().expect("checkpoint");
    // sled's files as the checkpoint left them: everything after it is in the journal only.
    crash_copy(dir.path(), image.path());
    let someone = VolunteerId(uuid::Uuid::from_u128(78));
    let key = log
        .keyring()
        .expect("keyring")
        .key_or_create(&someone)
        .expect("a key");
    commit(&handle, 3, 1, 1);
    let journal = image.path().join(JOURNAL_DIR);
    for entry in std::fs::read_dir(dir.path().join(JOURNAL_DIR)).expect("list") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), journal.join(entry.file_name())).expect("copy");
    }
    let copy = SledLog::open(image.path(), OpenMode::MustExist).expect("open the image");
    assert!(
        copy.journal_records_applied_at_open() > 0,
        "the commit came from the journal"
    );
    let kept = copy
        .keyring()
        .expect("keyring")
        .key(&someone)
        .expect("read the key store");
    assert_eq!(
        kept.map(|k| k.to_hex(&someone)),
        Some(key.to_hex(&someone)),
        "the key was lost with sled's unsynced writes"
    );
    assert_same(&copy, &log, 4);
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}

/// The checkpoint thread flushes sled's files whenever a journal file fills, and such a flush
/// can land after a failing commit's writes went into sled and before their undo. Once the
/// callers are told the commit failed, a crash must not bring it back from sled's files.
#[test]
fn a_failed_commit_that_a_checkpoint_flushed_does_not_come_back_after_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crashed = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path());
    let (handle, thread) = pass_through_writer(&log);
    commit(&handle, 1, 3, 2);
    let head = log.head();
    log.faults().fail_next_flushes(1);
    log.faults().flush_sled_before_next_failure();
    let outcome = handle
        .submit_blocking(Submission {
            command: vec![service_commit(9, 2)],
            actor: Actor::SYSTEM,
            idempotency: Some(Idempotency {
                key: "the-failed-one".into(),
                request_digest: Hash([9; 32]),
            }),
        })
        .expect("submit");
    assert!(matches!(outcome, Outcome::Unavailable(_)), "{outcome:?}");
    assert_eq!(log.head(), head);
    crash_copy(dir.path(), crashed.path());
    let copy = SledLog::open(crashed.path(), OpenMode::MustExist).expect("open the crashed copy");
    assert_eq!(copy.head(), head, "the failed commit came back");
    assert_eq!(copy.idempotency("the-failed-one").expect("lookup"), None);
    let report = log::verify(&copy, VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok(), "{report:?}");
    handle.shutdown_blocking();
    thread.join().expect("writer thread");
}
