//! Damage on disk: a byte flipped in the log file, a truncated file, a missing file. `serve`
//! and `verify` both refuse with one line naming the seq or the file, and never serve.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn yinling(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(args)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .env("YINLING_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run yinling");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `serve` must exit with an error instead of listening.
fn serve_refuses(dir: &Path, needle: &str) {
    serve_refuses_with(dir, &[], needle);
}

/// [`serve_refuses`] with more flags.
fn serve_refuses_with(dir: &Path, flags: &[&str], needle: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir)
        .args(flags)
        .env("YINLING_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.try_wait().expect("wait");
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains("listening"),
        "serve started on a damaged directory: {stdout}"
    );
    assert!(
        status.is_some_and(|s| !s.success()),
        "serve must exit non-zero"
    );
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn verify_refuses(dir: &Path, needle: &str) {
    let (ok, stdout, stderr) = yinling(&["verify", "--data", dir.to_str().expect("utf-8")]);
    assert!(!ok, "verify must fail");
    assert!(
        format!("{stdout}{stderr}").contains(needle),
        "{needle:?} not in {stdout}{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn city(tmp: &Path) -> std::path::PathBuf {
    let dir = tmp.join("city");
    let (ok, _, stderr) = yinling(&[
        "demo",
        "--data",
        dir.to_str().expect("utf-8"),
        "--volunteers",
        "60",
        "--teams",
        "3",
        "--days",
        "20",
    ]);
    assert!(ok, "{stderr}");
    dir
}

#[test]
fn a_byte_flipped_in_the_log_file_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = city(tmp.path());
    let db = dir.join("db");
    let mut bytes = std::fs::read(&db).expect("db");
    let needle = "荻溪六老志愿服务队".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the team name is stored");
    bytes[at + 3] ^= 0x01;
    std::fs::write(&db, bytes).expect("write");
    verify_refuses(&dir, "head.witness");
    serve_refuses(&dir, "head.witness");
    // A start that checks only the tail refuses it too.
    serve_refuses_with(&dir, &["--verify-tail"], "head.witness");
}

#[test]
fn a_truncated_log_file_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = city(tmp.path());
    let db = dir.join("db");
    // sled may leave its segment's tail zero-filled (a log reopened after its start is): cut
    // inside the written bytes, not inside the padding after them.
    let bytes = std::fs::read(&db).expect("db");
    let written = bytes.iter().rposition(|b| *b != 0).map_or(0, |at| at + 1);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .expect("open")
        .set_len(written as u64 / 2)
        .expect("truncate");
    verify_refuses(&dir, "`db` file");
    serve_refuses(&dir, "`db` file");
}

#[test]
fn missing_files_are_refused_and_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = city(tmp.path());
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).expect("mkdir");
    for f in std::fs::read_dir(&dir).expect("dir") {
        let f = f.expect("entry");
        if f.file_type().expect("type").is_file() {
            std::fs::copy(f.path(), copy.join(f.file_name())).expect("copy");
        }
    }
    std::fs::remove_file(dir.join("db")).expect("rm db");
    verify_refuses(&dir, "`db` file is missing");
    serve_refuses(&dir, "`db` file is missing");
    std::fs::remove_file(copy.join("conf")).expect("rm conf");
    verify_refuses(&copy, "conf");
    serve_refuses(&copy, "conf");
}

/// A snapshot edited on the disk (a volunteer's points raised, re-encoded under the same seq
/// and hash) matches the log's hash at its seq, so a start would trust it: the full `verify`
/// refolds the log from its first event and names it.
#[test]
fn an_edited_snapshot_is_named_by_verify() {
    use yinling_ledger::{EventLog, OpenMode, SledLog};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = city(tmp.path());
    let snapshot = |edit: bool| {
        let log = SledLog::open(&dir, OpenMode::MustExist).expect("the log");
        let (mut state, _, _) = yinling_app::load::load_state(&log, None).expect("the state");
        let head = state.head.seq;
        if edit {
            let id = *state.volunteers.iter().next().expect("a volunteer").0;
            let v = state.volunteers.get_mut(&id).expect("the volunteer");
            v.balance.earned += rust_decimal::Decimal::from(1000);
        }
        let bytes = yinling_projections::replay::encode_snapshot(&state, None).expect("encode");
        log.put_snapshot(head, &bytes).expect("stored");
    };
    snapshot(false);
    let (ok, stdout, stderr) = yinling(&["verify", "--data", dir.to_str().expect("utf-8")]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("snapshots: 1 checked"), "{stdout}");

    snapshot(true);
    verify_refuses(&dir, "the snapshot at seq");
    verify_refuses(
        &dir,
        "differs from the log folded from its first event: volunteer",
    );
    // Checking hashes only does not refold.
    let (ok, stdout, _) = yinling(&[
        "verify",
        "--data",
        dir.to_str().expect("utf-8"),
        "--hashes-only",
    ]);
    assert!(ok && !stdout.contains("snapshots"), "{stdout}");
}

/// `verify`'s refold reads the embedded log in rounds, a new handle each (a province's
/// refold through one would keep gigabytes in sled): in rounds of a fifth of the log it
/// finds what the refold through one handle finds, a snapshot edited between two whole
/// ones included, and opens the log again between rounds.
#[test]
fn a_refold_in_rounds_finds_what_one_handle_finds() {
    use yinling_app::snapshot_check::{check_snapshots, ReadInRounds};
    use yinling_ledger::{EventLog, Head, OpenMode, SledLog};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = city(tmp.path());
    let open = || Box::new(SledLog::open(&dir, OpenMode::MustExist).expect("the log"));
    let head = open().head().seq;
    let snapshot_at = |seq: u64, edit: bool| {
        let log = open();
        let (mut state, _, _) = yinling_app::load::load_state(&*log, Some(seq)).expect("state");
        if edit {
            let id = *state.volunteers.iter().next().expect("a volunteer").0;
            let v = state.volunteers.get_mut(&id).expect("the volunteer");
            v.balance.earned += rust_decimal::Decimal::from(1000);
        }
        let bytes = yinling_projections::replay::encode_snapshot(&state, None).expect("encode");
        log.put_snapshot(state.head.seq, &bytes).expect("stored");
    };
    // Each state is loaded from the snapshots stored before it: the edited one goes last.
    snapshot_at(head / 3, false);
    snapshot_at(head, false);
    snapshot_at(head * 2 / 3, true);
    let outcomes = |checks: Vec<yinling_app::snapshot_check::SnapshotCheck>| {
        checks
            .into_iter()
            .map(|c| (c.seq, c.outcome.map_err(|why| why.contains("differs"))))
            .collect::<Vec<_>>()
    };
    let checks = check_snapshots(open(), None).expect("checked");
    // The first is found equal by its digest alone; from the edited one on, both states are
    // held (the edited one compared in full, to say what differs).
    let by_digest: Vec<bool> = checks.iter().map(|c| c.by_digest).collect();
    assert_eq!(by_digest, [true, false, false], "{checks:?}");
    let through_one = outcomes(checks);
    assert_eq!(through_one.len(), 3, "{through_one:?}");
    assert_eq!(
        through_one.iter().filter(|(_, o)| *o == Err(true)).count(),
        1,
        "the edited snapshot alone differs: {through_one:?}"
    );

    let mut opened = 0;
    let mut reopen = |at: Head| {
        opened += 1;
        SledLog::open_again(&dir, at).map(|l| Box::new(l) as Box<dyn EventLog>)
    };
    let rounds = ReadInRounds {
        events: head / 5,
        reopen: &mut reopen,
    };
    let in_rounds = outcomes(check_snapshots(open(), Some(rounds)).expect("checked"));
    assert_eq!(in_rounds, through_one);
    assert!(opened >= 4, "opened again {opened} times");
}
