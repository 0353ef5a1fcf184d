//! The operators' tools, run as the real binary: demo, verify, replay, export, import,
//! backup, and every way they can be misused.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn yinling(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(args)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .env("YINLING_LOG", "warn")
        .output()
        .expect("run yinling")
}

fn ok(args: &[&str]) -> String {
    let out = yinling(args);
    assert!(
        out.status.success(),
        "yinling {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fails with exit code 1 or 2 and exactly one line of explanation, never a panic.
fn fails(args: &[&str], needle: &str) {
    let out = yinling(args);
    assert!(!out.status.success(), "yinling {args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
}

/// `yinling export --data DATA --what WHAT --out OUT`, which must succeed.
fn export(data: &str, what: &str, out: &str) {
    ok(&["export", "--data", data, "--what", what, "--out", out]);
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The figure after `label` in the demo's report (`activities     3600 (56300 ...`).
fn reported(report: &str, label: &str, after: &str) -> f64 {
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {report}"));
    let rest = line.split_once(after).map_or(line, |(_, r)| r);
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or_else(|_| panic!("{line}"))
}

/// A province where each volunteer serves about weekly: `--services-per-volunteer 45` gives
/// about 45 services a volunteer and about 50 events a volunteer in all, in activities of
/// the same size as the city's default (the count of activities grows, not their size).
#[test]
fn a_demo_of_weekly_service_gives_about_fifty_events_a_volunteer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let city = |dir: &str, services: &str| {
        ok(&[
            "demo",
            "--data",
            p(&tmp.path().join(dir)),
            "--volunteers",
            "1000",
            "--teams",
            "10",
            "--seed",
            "5",
            "--services-per-volunteer",
            services,
        ])
    };
    let weekly = city("weekly", "45");
    let default = city("default", "5.5");
    // No volunteer is given more hours in a day than the city's earning rules credit, so no
    // activity is refused for it, however often they serve.
    assert!(!weekly.contains("refused"), "{weekly}");
    let per_volunteer =
        |report: &str, label: &str, after: &str| reported(report, label, after) / 1000.0;
    let services = per_volunteer(&weekly, "activities", "(");
    assert!((40.0..=50.0).contains(&services), "{services}: {weekly}");
    let events = per_volunteer(&weekly, "events", "events");
    assert!((45.0..=58.0).contains(&events), "{events}: {weekly}");
    let size = |report: &str| {
        reported(report, "activities", "(") / reported(report, "activities", "activities")
    };
    let ratio = size(&weekly) / size(&default);
    assert!((0.8..=1.25).contains(&ratio), "{ratio}: {weekly} {default}");
    let verified = ok(&["verify", "--data", p(&tmp.path().join("weekly"))]);
    assert!(verified.starts_with("ok: "), "{verified}");
}

#[test]
fn a_small_demo_verifies_exports_imports_and_replays_consistently() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    let report = ok(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "500",
        "--seed",
        "7",
    ]);
    assert!(report.contains("volunteers     500"), "{report}");
    assert!(!report.contains("refused"), "{report}");
    let verified = ok(&["verify", "--data", p(&data)]);
    assert!(verified.starts_with("ok: "), "{verified}");

    // The same seed gives the same city (content; event timestamps are the run's).
    let again = tmp.path().join("again");
    ok(&[
        "demo",
        "--data",
        p(&again),
        "--volunteers",
        "500",
        "--seed",
        "7",
    ]);
    let summary = |dir: &Path| {
        let json: serde_json::Value = serde_json::from_str(&ok(&[
            "replay",
            "--data",
            p(dir),
            "--json",
            "--limit",
            "50",
        ]))
        .expect("json");
        (
            json["stats"]["totals"].clone(),
            json["volunteers"]["items"].clone(),
        )
    };
    assert_eq!(summary(&data), summary(&again));

    // Export -> import into a new directory: same head, same balances (the names travel
    // in the key file beside the events).
    let events = tmp.path().join("events.ndjson");
    export(p(&data), "events", p(&events));
    let keys = tmp.path().join("keys.ndjson");
    export(p(&data), "keys", p(&keys));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).expect("keys").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is its owner's only");
    }
    let imported = tmp.path().join("imported");
    let token_key = data.join("token-mint.key");
    ok(&[
        "import",
        "--data",
        p(&imported),
        "--keys",
        p(&keys),
        "--token-key",
        p(&token_key),
        p(&events),
    ]);
    // The token key came along: cards, PINs and codes made there work here.
    assert_eq!(
        std::fs::read(imported.join("token-mint.key")).expect("the imported key"),
        std::fs::read(&token_key).expect("the key")
    );
    let head = |dir: &Path| ok(&["verify", "--data", p(dir)]);
    assert_eq!(head(&data), head(&imported));
    let balances = |dir: &Path| {
        let file = dir.with_extension("balances.ndjson");
        export(p(dir), "balances", p(&file));
        std::fs::read_to_string(file).expect("read")
    };
    assert_eq!(balances(&data), balances(&imported));

    // Backup: a copy verify accepts, with the same head.
    let backup = tmp.path().join("backup");
    // A backup that fails half way (here a file beside the log it cannot copy) leaves
    // nothing at --out, nor its partial copy; the next one succeeds.
    let published = data.join("checkpoints");
    std::fs::create_dir_all(&published).expect("dir");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), published.join("dangling"))
        .expect("symlink");
    let failed = yinling(&["backup", "--data", p(&data), "--out", p(&backup)]);
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(
        !failed.status.success() && said.contains("cannot copy"),
        "{said}"
    );
    assert!(!backup.exists() && !tmp.path().join("backup.partial").exists());
    // Into an empty directory given (a mounted disk): written there under a mark that
    // `verify` refuses until the backup is whole.
    let mounted = tmp.path().join("mounted");
    std::fs::create_dir(&mounted).expect("dir");
    let failed = yinling(&["backup", "--data", p(&data), "--out", p(&mounted)]);
    assert!(!failed.status.success());
    fails(&["verify", "--data", p(&mounted)], "never finished");
    // Nor is it served, exported, backed up, sealed, replayed or written on.
    let elsewhere = tmp.path().join("from-the-unfinished");
    for args in [
        vec!["serve", "--data", p(&mounted)],
        vec![
            "export",
            "--data",
            p(&mounted),
            "--what",
            "balances",
            "--out",
            p(&elsewhere),
        ],
        vec!["backup", "--data", p(&mounted), "--out", p(&elsewhere)],
        vec![
            "seal",
            "--from-data",
            p(&mounted),
            "--to-data",
            p(&elsewhere),
        ],
        vec![
            "migrate",
            "--from-data",
            p(&mounted),
            "--to-data",
            p(&elsewhere),
        ],
        vec!["replay", "--data", p(&mounted)],
    ] {
        fails(&args, "never finished");
    }
    assert!(!elsewhere.exists());
    std::fs::remove_file(published.join("dangling")).expect("removed");
    let mounted = tmp.path().join("mounted-again");
    std::fs::create_dir(&mounted).expect("dir");
    ok(&["backup", "--data", p(&data), "--out", p(&mounted)]);
    assert!(!mounted.join("BACKUP-INCOMPLETE").exists());
    assert_eq!(head(&data), head(&mounted));
    ok(&["backup", "--data", p(&data), "--out", p(&backup)]);
    assert_eq!(head(&data), head(&backup));
    // Both hold every person's key: nothing of them is open to group or others.
    for dir in [&data, &backup] {
        for path in [dir.clone(), dir.join("db"), dir.join("token-mint.key")] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("there")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
        }
    }

    // CSV for Excel: a BOM and the expected headers, in English or Chinese.
    let csv = tmp.path().join("balances.csv");
    ok(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "balances",
        "--format",
        "csv",
        "--out",
        p(&csv),
    ]);
    let bytes = std::fs::read(&csv).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert_eq!(
        text.lines().next(),
        Some(
            "id,name,team_id,team,district,earned,reversed,held,redeemed,carried,pending,available,hours,stars"
        )
    );
    assert_eq!(text.lines().count(), 501);
    ok(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "rankings",
        "--format",
        "csv",
        "--lang",
        "zh",
        "--out",
        p(&csv),
    ]);
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(
        text.starts_with("\u{feff}名次,编号,名称,区县,积分,服务时长（小时）"),
        "{}",
        &text[..80]
    );
    let teams = text.lines().count() - 1;

    // The performance evaluation (绩效评价) as a spreadsheet: every team, best score first.
    let evaluation = tmp.path().join("evaluation.csv");
    ok(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "evaluation",
        "--format",
        "csv",
        "--lang",
        "zh",
        "--out",
        p(&evaluation),
    ]);
    let text = std::fs::read_to_string(&evaluation).expect("csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}名次,队伍编号,队伍,区县,绩效得分,活动次数,参与人次,活跃志愿者人数,服务时长（小时）,积分,服务人数,解决问题数,受理纠纷数,调解成功数,调解成功率,兑换次数,兑换积分,服务对象确认的活动数,服务对象确认比例,评分版本")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), teams);
    let scores: Vec<f64> = rows.iter().map(|r| r[4].parse().expect("score")).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(rows
        .iter()
        .enumerate()
        .all(|(i, r)| r[0] == (i + 1).to_string()));
    // A period narrows it; nonsense is named.
    ok(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "evaluation",
        "--since",
        "2026-01-01",
        "--until",
        "2026-06-30",
        "--out",
        p(&evaluation),
    ]);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&evaluation)
            .expect("ndjson")
            .lines()
            .next()
            .expect("a team"),
    )
    .expect("json");
    assert_eq!(first["rank"], 1);
    assert!(first["figures"]["hours"].is_string(), "{first}");
}

#[tokio::test]
async fn replay_as_of_equals_the_apis_as_of() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    ok(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "300",
        "--teams",
        "10",
        "--seed",
        "3",
    ]);
    let head: u64 = ok(&["verify", "--data", p(&data)])
        .split("head seq ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .expect("head");
    let as_of = head * 2 / 3;
    let as_of_text = as_of.to_string();
    let state: serde_json::Value = serde_json::from_str(&ok(&[
        "replay",
        "--data",
        p(&data),
        "--as-of",
        &as_of_text,
        "--json",
    ]))
    .expect("json");
    let top = state["volunteers"]["items"][0]["id"]
        .as_str()
        .expect("a ranked volunteer")
        .to_owned();
    let replayed: serde_json::Value = serde_json::from_str(&ok(&[
        "replay",
        "--data",
        p(&data),
        "--as-of",
        &as_of_text,
        "--volunteer",
        &top,
        "--json",
    ]))
    .expect("json");
    let server = Server::start_in(&data, &[]);
    let admin = server.client(ADMIN);
    let api = admin
        .get(&format!("/v1/volunteers/{top}?as_of={as_of}"))
        .await
        .ok();
    assert_eq!(api, replayed);
    let api_stats = admin.get(&format!("/v1/stats?as_of={as_of}")).await.ok();
    assert_eq!(api_stats, state["stats"]);
    let api_teams = admin
        .get(&format!("/v1/rankings/teams?as_of={as_of}&limit=10"))
        .await
        .ok();
    assert_eq!(api_teams, state["teams"]);
    // A running server holds the directory: the tools say so in one line.
    fails(&["verify", "--data", p(&data)], "in use by another process");
    fails(&["replay", "--data", p(&data)], "in use by another process");
    // ...and export reads a running server through its API instead.
    let token = common::token(&admin, serde_json::json!({"role": "auditor"})).await;
    let feed = tmp.path().join("feed.ndjson");
    let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args([
            "export",
            "--from",
            &server.base,
            "--what",
            "events",
            "--out",
            p(&feed),
        ])
        .env("YINLING_TOKEN", &token)
        .output()
        .expect("export --from");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    let imported = tmp.path().join("from-server");
    ok(&["import", "--data", p(&imported), p(&feed)]);
    assert_eq!(
        chain_line(&ok(&["verify", "--data", p(&imported)])),
        chain_line(&ok(&["verify", "--data", p(&data)]))
    );
}

#[test]
fn import_refuses_a_broken_chain_and_resumes_an_interrupted_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    ok(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "50",
        "--teams",
        "5",
        "--days",
        "30",
    ]);
    let events = tmp.path().join("events.ndjson");
    export(p(&data), "events", p(&events));
    let text = std::fs::read_to_string(&events).expect("read");
    let lines: Vec<&str> = text.lines().collect();

    // One changed value anywhere: refused, nothing written.
    let mut tampered = lines.clone();
    let changed = tampered[40].replacen("\"hours\":\"", "\"hours\":\"1", 1);
    let changed = if changed == tampered[40] {
        tampered[40].replacen("\"name\":\"", "\"name\":\"假", 1)
    } else {
        changed
    };
    assert_ne!(changed, tampered[40], "the test changed something");
    tampered[40] = &changed;
    let bad = tmp.path().join("tampered.ndjson");
    std::fs::write(&bad, tampered.join("\n")).expect("write");
    let target = tmp.path().join("target");
    fails(
        &["import", "--data", p(&target), p(&bad)],
        "nothing was imported",
    );
    assert!(!target.join("conf").exists(), "nothing written");
    // A file re-hashed after its last event was given a stream version out of step: the
    // chain holds, the versions do not; refused in the first pass.
    let mut envelopes: Vec<_> = lines
        .iter()
        .map(|l| {
            yinling_app::reports::events::envelope_from_json(
                &serde_json::from_str(l.trim_start_matches('\u{feff}')).expect("json"),
            )
            .expect("an event")
        })
        .collect();
    let prev = envelopes[envelopes.len() - 2].hash;
    let last = envelopes.last_mut().expect("events");
    last.stream_version += 1;
    last.hash = yinling_ledger::Hash::link(
        &prev,
        &yinling_ledger::codec::canonical_bytes(last).expect("bytes"),
    );
    let skipped = tmp.path().join("skipped-version.ndjson");
    let text: Vec<String> = envelopes
        .iter()
        .map(|e| serde_json::to_string(&yinling_app::reports::events::event_out(e)).expect("json"))
        .collect();
    std::fs::write(&skipped, text.join("\n")).expect("write");
    fails(
        &["import", "--data", p(&target), p(&skipped)],
        "the event says",
    );
    assert!(!target.join("conf").exists(), "nothing written");
    // Key files that do not read are found before anything is written, too.
    let short_key = tmp.path().join("short.key");
    std::fs::write(&short_key, b"not 32 bytes").expect("write");
    fails(
        &[
            "import",
            "--data",
            p(&target),
            "--keys",
            p(&tmp.path().join("no-such.ndjson")),
            p(&events),
        ],
        "--keys",
    );
    fails(
        &[
            "import",
            "--data",
            p(&target),
            "--token-key",
            p(&short_key),
            p(&events),
        ],
        "is not a token key",
    );
    assert!(!target.join("conf").exists(), "nothing written");

    // Interrupted after 100 events, then resumed with the whole file.
    let part = tmp.path().join("part.ndjson");
    std::fs::write(&part, lines[..100].join("\n")).expect("write");
    ok(&["import", "--data", p(&target), p(&part)]);
    let resumed = ok(&["import", "--data", p(&target), p(&events)]);
    assert!(resumed.contains("resumed after seq 100"), "{resumed}");
    assert_eq!(
        chain_line(&ok(&["verify", "--data", p(&target)])),
        chain_line(&ok(&["verify", "--data", p(&data)]))
    );
}

/// Each command's idempotency entry in the log in `dir` (its first seq and count), for
/// every key the events carry.
fn idempotency_entries(dir: &Path, keys: &[String]) -> Vec<(String, Option<(u64, u32)>)> {
    use yinling_ledger::EventLog as _;
    let log = yinling_ledger::SledLog::open(dir, yinling_ledger::OpenMode::MustExist).expect("log");
    keys.iter()
        .map(|k| {
            let entry = log.idempotency(k).expect("index");
            (k.clone(), entry.map(|e| (e.first_seq, e.count)))
        })
        .collect()
}

/// A migration that stopped is finished by running it again: the target holding the log's
/// first events (here cut inside a command, whose idempotency entry then covers only the
/// events held) is continued after its last event, and ends as a straight migration does:
/// the same chain, and every command's entry whole. A migration stopped at any moment is
/// marked unfinished, refused by every tool until it is run again.
#[tokio::test]
async fn a_migration_that_stopped_is_finished_by_running_it_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    ok(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "60",
        "--teams",
        "6",
        "--days",
        "40",
    ]);
    // Commands of several events, each under its idempotency key, as coordinators send them.
    let mut server = Server::start_in(&data, &[]);
    let admin = server.client(ADMIN);
    // 吴兴区 is one of the demo city's districts.
    let team = admin
        .post(
            "/v1/teams",
            serde_json::json!({"name": "织里银发调解队", "district": "吴兴区", "category": "mediation"}),
        )
        .await
        .id();
    let coordinator = server.client(
        &token(
            &admin,
            serde_json::json!({"role": "coordinator", "team_id": team}),
        )
        .await,
    );
    let mut participants = Vec::new();
    for name in ["沈阿大", "钱菊英", "姚根宝", "朱美娣", "陆志明", "吴秀兰"] {
        let id = coordinator
            .post(
                "/v1/volunteers",
                serde_json::json!({"name": name, "team_id": team, "birth_year": 1952}),
            )
            .await
            .id();
        participants.push(serde_json::json!({"volunteer_id": id, "hours": "2"}));
    }
    for i in 0..12 {
        coordinator
            .send(
                reqwest::Method::POST,
                "/v1/activities",
                Some(serde_json::json!({"team_id": team, "category": "mediation",
                    "date": days_ago(2), "title": format!("第{i}次邻里调解"),
                    "participants": participants})),
                &[("Idempotency-Key", &format!("activity-{i}"))],
            )
            .await
            .ok();
    }
    server.terminate();
    let events = tmp.path().join("events.ndjson");
    export(p(&data), "events", p(&events));
    let text = std::fs::read_to_string(&events).expect("read");
    let keys_of: Vec<Option<String>> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l.trim_start_matches('\u{feff}')).expect("json");
            v["idempotency_key"].as_str().map(str::to_owned)
        })
        .collect();
    // A cut between two events of one command.
    let cut = (1..keys_of.len())
        .find(|&n| keys_of[n - 1].is_some() && keys_of[n - 1] == keys_of[n])
        .expect("a command of several events");
    let mut keys: Vec<String> = keys_of.iter().flatten().cloned().collect();
    keys.dedup();
    let lines: Vec<&str> = text.lines().collect();
    let part = tmp.path().join("part.ndjson");
    std::fs::write(&part, lines[..cut].join("\n")).expect("write");
    let token = data.join("token-mint.key");
    let stopped = tmp.path().join("stopped");
    // The first run copied every data key before its events, as a migration does.
    let keys_file = tmp.path().join("keys.ndjson");
    export(p(&data), "keys", p(&keys_file));
    ok(&[
        "import",
        "--data",
        p(&stopped),
        "--keys",
        p(&keys_file),
        "--token-key",
        p(&token),
        p(&part),
    ]);
    let keys_in = |dir: &Path| {
        let out = tmp.path().join("keys-now.ndjson");
        let _ = std::fs::remove_file(&out);
        export(p(dir), "keys", p(&out));
        std::fs::read_to_string(&out).expect("keys")
    };
    // Someone is erased on the source before the migration is run again: their key, which
    // the first run copied, goes from the target too.
    let erased = participants[0]["volunteer_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert!(keys_in(&stopped).contains(&erased));
    let mut server = Server::start_in(&data, &[]);
    server
        .client(ADMIN)
        .post(
            &format!("/v1/volunteers/{erased}/erasure"),
            serde_json::json!({"requested_by": "本人", "requested_on": today(), "legal_basis": "《个人信息保护法》第四十七条"}),
        )
        .await
        .ok();
    server.terminate();
    // Without the mark a stopped migration leaves, a directory holding a log is a ledger of
    // its own and is never written on.
    fails(
        &["migrate", "--from-data", p(&data), "--to-data", p(&stopped)],
        "already exists and is not empty",
    );
    // With it (as a migration stopped after event `cut` leaves it), it is continued.
    std::fs::write(
        stopped.join("BACKUP-INCOMPLETE"),
        b"a migration is being written here; it is not whole\n",
    )
    .expect("mark");

    let said = ok(&["migrate", "--from-data", p(&data), "--to-data", p(&stopped)]);
    assert!(
        said.contains(&format!("continuing from event {}", cut + 1)),
        "{said}"
    );
    assert_eq!(
        chain_line(&ok(&["verify", "--data", p(&stopped)])),
        chain_line(&ok(&["verify", "--data", p(&data)]))
    );
    assert!(!stopped.join("BACKUP-INCOMPLETE").exists());
    // Not only left out of an export (which skips the erased): gone from the key store.
    let id = yinling_ledger::VolunteerId(erased.parse().expect("a uuid"));
    let kept = {
        use yinling_ledger::EventLog as _;
        let log = yinling_ledger::SledLog::open(&stopped, yinling_ledger::OpenMode::MustExist)
            .expect("log");
        log.keyring().expect("keys").key(&id).expect("read")
    };
    assert!(kept.is_none(), "the erased volunteer's key is gone");
    assert_eq!(keys_in(&stopped), keys_in(&data));
    assert_eq!(
        idempotency_entries(&stopped, &keys),
        idempotency_entries(&data, &keys)
    );
    // The finished copy is a ledger: run again, the migration refuses to write on it.
    fails(
        &["migrate", "--from-data", p(&data), "--to-data", p(&stopped)],
        "already exists and is not empty",
    );
    // Another log is not continued, even marked: a city of its own, refused before anything
    // is written.
    let other = tmp.path().join("other");
    ok(&[
        "demo",
        "--data",
        p(&other),
        "--volunteers",
        "5",
        "--teams",
        "1",
        "--days",
        "3",
    ]);
    let before = chain_line(&ok(&["verify", "--data", p(&other)]));
    std::fs::write(other.join("BACKUP-INCOMPLETE"), b"marked by hand\n").expect("mark");
    fails(
        &["migrate", "--from-data", p(&data), "--to-data", p(&other)],
        "are not this log's first ones",
    );
    std::fs::remove_file(other.join("BACKUP-INCOMPLETE")).expect("unmarked");
    assert_eq!(chain_line(&ok(&["verify", "--data", p(&other)])), before);

    // Stopped at any moment (killed): marked until it is run again, then whole.
    let straight = std::time::Instant::now();
    ok(&[
        "migrate",
        "--from-data",
        p(&data),
        "--to-data",
        p(&tmp.path().join("timed")),
    ]);
    let took = straight.elapsed();
    for (n, tenths) in [2u32, 4, 5, 6, 7, 8].into_iter().enumerate() {
        let target = tmp.path().join(format!("killed-{n}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["migrate", "--from-data", p(&data), "--to-data", p(&target)])
            .env("YINLING_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(took * tenths / 10);
        let _ = child.kill();
        let _ = child.wait();
        let empty = std::fs::read_dir(&target).map_or(true, |mut d| d.next().is_none());
        if target.join("BACKUP-INCOMPLETE").exists() {
            fails(&["verify", "--data", p(&target)], "never finished");
            fails(&["serve", "--data", p(&target)], "never finished");
            ok(&["migrate", "--from-data", p(&data), "--to-data", p(&target)]);
        } else if empty {
            // Killed before it wrote anything.
            ok(&["migrate", "--from-data", p(&data), "--to-data", p(&target)]);
        }
        // Whole either way: finished by the second run, or before the kill.
        assert_eq!(
            chain_line(&ok(&["verify", "--data", p(&target)])),
            chain_line(&ok(&["verify", "--data", p(&data)])),
            "killed after {tenths} tenths of a migration, then run again"
        );
        assert_eq!(
            idempotency_entries(&target, &keys),
            idempotency_entries(&data, &keys)
        );
    }
}

/// A feed that ends short of the head the server named (a replica behind a load balancer that
/// has not caught up) is an error with nothing written, not a file that looks whole.
#[test]
fn export_from_a_feed_that_ends_short_writes_nothing() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let n = stream.read(&mut request).unwrap_or(0);
            let line = String::from_utf8_lossy(&request[..n]).into_owned();
            let body = if line.starts_with("GET /v1/audit/head") {
                r#"{"seq":5,"hash":"00"}"#
            } else {
                r#"{"events":[]}"#
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let feed = tmp.path().join("feed.ndjson");
    let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args([
            "export",
            "--from",
            &base,
            "--what",
            "events",
            "--out",
            p(&feed),
        ])
        .env("YINLING_TOKEN", "any")
        .output()
        .expect("export --from");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("short of event 5"),
        "{said}"
    );
    assert!(!feed.exists(), "no file that looks whole");
}

/// A ledger with events whose token key is gone does not start with a new one by itself:
/// every card, PIN and voucher code made with the old key would stop working. It says which
/// file is missing; `--new-token-key` makes one on purpose.
#[test]
fn a_ledger_without_its_token_key_does_not_start_with_a_new_one_unasked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let template = tmp.path().join("模板.xlsx");
    ok(&["onboard", "--template", p(&template)]);
    let data = tmp.path().join("data");
    ok(&[
        "onboard",
        "--data",
        p(&data),
        "--skip-bad-rows",
        p(&template),
    ]);
    std::fs::remove_file(data.join("token-mint.key")).expect("removed");
    let serve = |extra: &[&str]| {
        let port = common::free_port().to_string();
        let addr = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args([&["serve", "--data", p(&data), "--addr", &addr][..], extra].concat())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve");
        // Refused at once, or listening.
        for _ in 0..200 {
            if let Ok(Some(status)) = child.try_wait() {
                let mut said = String::new();
                use std::io::Read;
                let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut said));
                return (Some(status), said);
            }
            // Answering healthy, not only bound: the listener may be up before the node opens.
            let answered = std::net::TcpStream::connect(&addr).ok().and_then(|mut s| {
                use std::io::{Read, Write};
                s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").ok()?;
                let mut head = [0u8; 12];
                s.read_exact(&mut head).ok()?;
                head.ends_with(b"200").then_some(())
            });
            if answered.is_some() {
                let _ = child.kill();
                let _ = child.wait();
                return (None, String::new());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        panic!("serve neither refused nor listened");
    };
    let (exited, said) = serve(&[]);
    assert!(
        exited.is_some_and(|s| !s.success()) && said.contains("token-mint.key is missing"),
        "{exited:?} {said}"
    );
    fails(
        &["onboard", "--data", p(&data), p(&template)],
        "token-mint.key is missing",
    );
    let (exited, said) = serve(&["--new-token-key"]);
    assert!(exited.is_none(), "it starts when asked: {said}");
    assert!(data.join("token-mint.key").exists());
}

#[test]
fn misuse_gets_one_line_naming_the_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing");
    fails(&["verify", "--data", p(&missing)], "does not exist");
    fails(&["replay", "--data", p(&missing)], "does not exist");
    fails(
        &[
            "export",
            "--data",
            p(&missing),
            "--what",
            "events",
            "--out",
            "-",
        ],
        "does not exist",
    );
    let not_json = tmp.path().join("notes.txt");
    std::fs::write(&not_json, "hello, this is not NDJSON\n").expect("write");
    fails(
        &["import", "--data", p(&tmp.path().join("x")), p(&not_json)],
        "is not JSON",
    );
    fails(
        &["import", "--data", p(&tmp.path().join("x")), p(&missing)],
        "cannot open",
    );
    let data = tmp.path().join("city");
    ok(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "20",
        "--teams",
        "3",
        "--days",
        "10",
    ]);
    fails(
        &[
            "demo",
            "--data",
            p(&data),
            "--volunteers",
            "20",
            "--teams",
            "3",
        ],
        "already holds",
    );
    fails(
        &["replay", "--data", p(&data), "--as-of", "99999999"],
        "beyond the last event",
    );
    fails(
        &["replay", "--data", p(&data), "--at", "yesterday"],
        "not an RFC 3339 instant",
    );
    fails(
        &["replay", "--data", p(&data), "--volunteer", "nobody"],
        "not a volunteer id",
    );
    fails(
        &[
            "export",
            "--data",
            p(&data),
            "--what",
            "statement",
            "--out",
            "-",
        ],
        "needs --volunteer",
    );
    fails(
        &["backup", "--data", p(&data), "--out", p(&data)],
        "not empty",
    );
    fails(
        &[
            "export",
            "--data",
            p(&data),
            "--what",
            "evaluation",
            "--since",
            "2026-02-30",
            "--out",
            "-",
        ],
        "--since \"2026-02-30\" is not a date",
    );
    fails(
        &[
            "export",
            "--data",
            p(&data),
            "--what",
            "evaluation",
            "--district",
            "火星区",
            "--out",
            "-",
        ],
        "--district \"火星区\"",
    );
    fails(
        &[
            "demo",
            "--data",
            p(&tmp.path().join("y")),
            "--volunteers",
            "0",
        ],
        "--volunteers 0",
    );
    for services in ["0", "NaN", "401"] {
        fails(
            &[
                "demo",
                "--data",
                p(&tmp.path().join("y")),
                "--services-per-volunteer",
                services,
            ],
            &format!("--services-per-volunteer {services}"),
        );
    }
    // A refused export leaves a file of the name it was given as it was.
    let earlier = tmp.path().join("balances.csv");
    std::fs::write(&earlier, "last week's balances\r\n").expect("write");
    fails(
        &[
            "export",
            "--data",
            p(&data),
            "--what",
            "statement",
            "--out",
            p(&earlier),
        ],
        "needs --volunteer",
    );
    fails(
        &[
            "export",
            "--data",
            p(&data),
            "--what",
            "balances",
            "--as-of",
            "99999999",
            "--out",
            p(&earlier),
        ],
        "--as-of 99999999 is beyond the last event",
    );
    assert_eq!(
        std::fs::read_to_string(&earlier).expect("read"),
        "last week's balances\r\n"
    );
    assert!(!tmp.path().join("balances.csv.partial").exists());
    fails(
        &["replay", "--data", p(&data), "--limit", "0"],
        "--limit 0 is not a number of rows",
    );
    fails(
        &["serve", "--data", p(&data), "--max-connections", "0"],
        "--max-connections 0 is too small",
    );
    fails(
        &[
            "serve",
            "--data",
            p(&data),
            "--notify-file",
            "/no/such/dir/notices.ndjson",
        ],
        "--notify-file /no/such/dir/notices.ndjson: cannot be written",
    );
    fails(
        &[
            "serve",
            "--data",
            p(&data),
            "--log",
            "nats://127.0.0.1:1",
            "--addr",
            "0.0.0.0:8080",
        ],
        "give --advertise",
    );
    let out = yinling(&["serve", "--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("--hold-days"));
}

/// The chain's line of `verify` (the key store's line differs after an import: an NDJSON
/// export carries no data keys).
fn chain_line(out: &str) -> String {
    out.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn serve_keeps_running_when_whoever_reads_its_first_lines_stops_reading() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(tmp.path().join("data"))
        .env("YINLING_ADMIN_TOKEN", "a-script-reads-one-line")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    // A script that waits for the address and closes the pipe: the lines after it (the
    // checkpoint key) meet a closed pipe.
    let base = {
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
            .expect("listening")
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (status, _, _) = raw_http(
        &base,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "serve is still answering");
    assert!(
        child.try_wait().expect("wait").is_none(),
        "serve is still running"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The first administrator's token from the environment is read as a presented token is
/// (an environment file's line end or spaces do not lock the operator out), and one too
/// short to keep its hash in the auditors' log safe is refused, naming the variable.
#[test]
fn the_first_administrators_token_is_trimmed_and_refused_when_short() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let short = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(tmp.path().join("short"))
        .env("YINLING_ADMIN_TOKEN", "admin")
        .env("YINLING_LOG", "warn")
        .output()
        .expect("serve");
    assert!(!short.status.success(), "a five-character token was taken");
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(
        stderr.contains("YINLING_ADMIN_TOKEN is 5 characters") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let padded = format!("  {ADMIN}\r\n");
    let server = Server::start_in_env(
        &tmp.path().join("padded"),
        &[],
        &[("YINLING_ADMIN_TOKEN", &padded)],
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        server.client(ADMIN).get("/v1/teams").await.ok();
    });
}

/// Every administrator's token lost: a new one is made on the stopped service's directory,
/// recorded in the log with the reason, and works once the service runs again. Not on a
/// running service, not on a directory that holds no ledger, not without a reason.
#[test]
fn a_lost_administrators_token_is_replaced_at_the_command_line_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let running = yinling(&["admin-token", "--data", p(&data), "--reason", "王科长调走"]);
    assert!(!running.status.success(), "made on a running service");
    server.terminate();
    fails(
        &[
            "admin-token",
            "--data",
            p(&tmp.path().join("nothing")),
            "--reason",
            "x",
        ],
        "nothing",
    );
    fails(
        &["admin-token", "--data", p(&data), "--reason", " "],
        "--reason",
    );

    let out = ok(&[
        "admin-token",
        "--data",
        p(&data),
        "--reason",
        "王科长调走，令牌遗失",
    ]);
    let secret = out
        .trim()
        .rsplit(' ')
        .next()
        .expect("the secret")
        .to_owned();
    assert!(secret.starts_with("yl_"), "{out}");
    let server = Server::start_in(&data, &[]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let feed = server
            .client(&secret)
            .get("/v1/events?limit=1000")
            .await
            .ok();
        let issued = feed["events"]
            .as_array()
            .expect("events")
            .iter()
            .rfind(|e| e["type"] == "TokenIssued")
            .expect("the new token")
            .clone();
        assert_eq!(issued["data"]["role"], "admin", "{issued}");
        assert!(
            issued["data"]["label"]
                .as_str()
                .is_some_and(|l| l.contains("王科长调走，令牌遗失")),
            "{issued}"
        );
    });
}

/// A tool whose reader is gone (`yinling replay ... | head -1`) finishes without a panic:
/// what it had left to say is dropped.
#[test]
fn a_tool_whose_reader_is_gone_finishes_quietly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    server.terminate();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["replay", "--data", p(&data)])
        .env("YINLING_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("replay");
    // The reader closes its end before the first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(out.status.success(), "{stderr}");
}
