//! Races, crashes and shutdowns against the real binary.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_concurrent_redeemers_for_five_items_exactly_five_win() {
    let server = Server::start();
    let city = City::build(&server, 40).await;
    let scarce = city
        .admin
        .post("/v1/rewards", json!({"name": "松阳端午茶礼盒", "kind": "product", "origin": "松阳县", "cost_points": "10", "stock": 5}))
        .await
        .id();
    let mut tasks = Vec::new();
    for (client, volunteer) in city.volunteer_clients.iter().zip(&city.volunteers) {
        let (client, body) = (
            client.clone(),
            json!({"volunteer_id": volunteer, "reward_id": scarce, "quantity": 1}),
        );
        tasks.push(tokio::spawn(async move {
            client.post("/v1/redemptions", body).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        let reply = t.await.expect("task");
        match reply.status.as_u16() {
            201 => won += 1,
            409 => assert_eq!(reply.problem(409)["code"], "out_of_stock"),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(won, 5);
    let catalogue = city.admin.get("/v1/rewards").await.ok();
    let item = catalogue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == scarce)
        .expect("reward")
        .clone();
    assert_eq!(
        (item["stock"].as_u64(), item["held"].as_u64()),
        (Some(0), Some(5))
    );
}

async fn snapshot_of_balances(
    admin: &Client,
    volunteers: &[String],
) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for v in volunteers {
        out.insert(
            v.clone(),
            admin.get(&format!("/v1/volunteers/{v}")).await.ok()["balance"].clone(),
        );
    }
    out
}

#[tokio::test]
async fn after_sigkill_and_restart_the_head_and_every_balance_are_unchanged() {
    let mut server = Server::start();
    let city = City::build(&server, 6).await;
    for (i, client) in city.volunteer_clients.iter().enumerate().take(4) {
        let r = client
            .post("/v1/redemptions", json!({"volunteer_id": city.volunteers[i], "reward_id": city.reward, "quantity": 1}))
            .await
            .id();
        if i % 2 == 0 {
            city.admin
                .post_empty(&format!("/v1/redemptions/{r}/fulfil"))
                .await
                .ok();
        }
    }
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let balances = snapshot_of_balances(&city.admin, &city.volunteers).await;
    let dir = server.dir.clone();
    let _keep = server.take_tmp();
    server.kill();
    let restarted = Server::start_in(&dir, &[]);
    let admin = restarted.client(ADMIN);
    assert_eq!(admin.get("/v1/audit/head").await.ok(), head);
    assert_eq!(
        snapshot_of_balances(&admin, &city.volunteers).await,
        balances
    );
    assert_eq!(admin.get("/v1/audit/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_work_and_exits_zero() {
    let mut server = Server::start();
    let city = City::build(&server, 1).await;
    let head = city.auditor.get("/v1/audit/head").await.ok();
    assert_eq!(server.terminate(), Some(0));
    let dir = server.dir.clone();
    let _keep = server.take_tmp();
    let restarted = Server::start_in(&dir, &[]);
    assert_eq!(
        restarted.client(ADMIN).get("/v1/audit/head").await.ok(),
        head
    );
}

#[tokio::test]
async fn a_restart_from_a_snapshot_gives_the_same_state_as_a_full_replay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    // Snapshots every 10 events.
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10"]);
    let city = City::build(&server, 5).await;
    for c in city.volunteer_clients.iter().zip(&city.volunteers) {
        c.0.post(
            "/v1/redemptions",
            json!({"volunteer_id": c.1, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();
    }
    until_the_newest_snapshot_holds_changes(&city, &dir).await;
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let balances = snapshot_of_balances(&city.admin, &city.volunteers).await;
    let ranking = city
        .admin
        .get("/v1/rankings/volunteers?limit=100")
        .await
        .ok();
    assert_eq!(server.terminate(), Some(0));
    // The first snapshot of a run is whole; later ones hold what changed since it (format
    // byte 2), and the start below reads the newest, one of those, on its whole one.
    let kinds = snapshot_kinds(&dir);
    assert!(kinds.values().any(|k| *k == 1), "{kinds:?}");
    // A backup copies the newest snapshot with the whole one it was written against.
    let backup = tmp.path().join("backup");
    let yinling = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(args)
            .output()
            .expect("yinling");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    yinling(&[
        "backup".as_ref(),
        "--data".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        backup.as_os_str(),
    ]);
    let copied = snapshot_kinds(&backup);
    let newest = kinds.keys().next_back().copied().expect("a snapshot");
    assert_eq!(copied.get(&newest), kinds.get(&newest), "{copied:?}");
    assert!(copied.values().any(|k| *k == 1), "{copied:?}");
    // Every snapshot the service wrote, whole or of changes, is what the log folded from its
    // first event gives.
    // Each is found equal by its digest, one state held at a time: the snapshot's state,
    // decoded, hashes as the folded one did.
    let verified = yinling(&["verify".as_ref(), "--data".as_ref(), backup.as_os_str()]);
    let checked = verified
        .split("snapshots: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{verified}"));
    assert!(
        checked >= 1 && verified.contains(&format!("({checked} of them by digest")),
        "{verified}"
    );
    let replayed = yinling(&["replay".as_ref(), "--data".as_ref(), backup.as_os_str()]);
    assert!(
        replayed.contains(&format!("(snapshot {newest} + ")),
        "{replayed}"
    );
    let restarted = Server::start_in(&dir, &["--snapshot-every", "10"]);
    let admin = restarted.client(ADMIN);
    let health = admin.get("/healthz").await.ok();
    let snapshot = health["started_from_snapshot"]
        .as_u64()
        .expect("started from a snapshot");
    assert!(
        snapshot >= 10 && health["replayed_at_start"].as_u64() < Some(10),
        "{health}"
    );
    let kinds = snapshot_kinds(&dir);
    assert_eq!(kinds.get(&snapshot), Some(&2), "{kinds:?}");
    assert_eq!(admin.get("/v1/audit/head").await.ok(), head);
    assert_eq!(
        snapshot_of_balances(&admin, &city.volunteers).await,
        balances
    );
    assert_eq!(
        admin.get("/v1/rankings/volunteers?limit=100").await.ok(),
        ranking
    );
    // The Merkle tree the start took from the snapshot (the walk only checked the links) is
    // the tree of every event's hash, built here from the feed.
    let mut frontier = yinling_ledger::merkle::Frontier::default();
    for e in common::demo::feed(&admin).await {
        let hash = yinling_ledger::digest::Hash::from_hex(e["hash"].as_str().expect("hash"))
            .expect("a hash");
        frontier.push(&hash.0);
    }
    let tree = restarted.anonymous().get("/v1/log/tree").await.ok();
    assert_eq!(tree["size"].as_u64(), Some(frontier.len()));
    assert_eq!(tree["root"], frontier.root().to_hex(), "{tree}");
    // as_of a seq before the last snapshot replays from an older one.
    let seq = head["seq"].as_u64().expect("seq");
    let past = admin
        .get(&format!("/v1/stats?as_of={}", seq - 7))
        .await
        .ok();
    assert_eq!(past["as_of"], seq - 7);
}

/// Logs volunteers until the newest snapshot in `dir` holds the changes since a whole one (a
/// snapshot due while the one before is still being written is skipped, so a slow disk may
/// need a few more events).
async fn until_the_newest_snapshot_holds_changes(city: &City, dir: &std::path::Path) {
    for _ in 0..50 {
        // With `--snapshot-every 10`, the last snapshot due is at or after the last multiple
        // of ten the head passed; one at or after it is stored whole (files are listed once
        // renamed), and no later one is being written.
        let head = head_seq(city).await;
        let kinds = snapshot_kinds(dir);
        if let Some((seq, 2)) = kinds.iter().next_back() {
            if *seq >= head / 10 * 10 {
                return;
            }
        }
        city.admin
            .post(
                "/v1/volunteers",
                json!({"name": "又一位志愿者", "team_id": city.team}),
            )
            .await
            .id();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no snapshot of changes: {:?}", snapshot_kinds(dir));
}

/// A restart carries on from the snapshot it loaded: its first snapshot holds only what
/// changed since the whole one that snapshot was written against (a province's whole state,
/// over a gigabyte, was written again after every restart), and every snapshot of both runs
/// is what the log folded from its first event gives, the ranking index's rows included.
#[tokio::test]
async fn the_first_snapshot_after_a_restart_holds_the_changes_since_the_whole_one_loaded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10"]);
    // Enough volunteers that what ten events change is under half the whole state (a
    // snapshot of changes also writes the small tables whole).
    let city = City::build(&server, 80).await;
    // Two volunteers with rows in the ranking index before the whole snapshot below: the
    // first serves again before the snapshot of changes the start loads, the second only in
    // the tail after it, and neither in the second run (whose snapshot must still hold both).
    let second = city
        .other_coordinator
        .post(
            "/v1/volunteers",
            json!({"name": "沈阿姨", "team_id": city.other_team}),
        )
        .await
        .id();
    serve_once(&city, &city.outsider).await;
    serve_once(&city, &second).await;
    let served = head_seq(&city).await;
    // Stopped at a snapshot of changes under half the size of its whole one (a larger one
    // makes the next snapshot whole, after a restart as before).
    let size = |seq: u64| {
        let name = format!("{seq:020}.snapshot");
        std::fs::metadata(dir.join("snapshots").join(name)).map_or(0, |m| m.len())
    };
    // The first volunteer serves again between that whole snapshot and the one of changes.
    let mut served_again = Vec::new();
    let mut ready = false;
    for _ in 0..100 {
        until_the_newest_snapshot_holds_changes(&city, &dir).await;
        let kinds = snapshot_kinds(&dir);
        let newest = kinds.keys().next_back().copied().unwrap_or(0);
        let whole = kinds.iter().rev().find(|(_, k)| **k == 1).map(|(s, _)| *s);
        if whole.is_some_and(|whole| {
            whole > served
                && served_again.iter().any(|s| *s > whole && *s <= newest)
                && size(newest) * 2 < size(whole)
        }) {
            ready = true;
            break;
        }
        serve_once(&city, &city.outsider).await;
        served_again.push(head_seq(&city).await);
    }
    assert!(
        ready,
        "no small snapshot of changes: {:?}",
        snapshot_kinds(&dir)
    );
    // A tail after it: the start folds it, and the next snapshot must hold it too.
    serve_once(&city, &second).await;
    assert_eq!(server.terminate(), Some(0));
    let before = snapshot_kinds(&dir);
    let loaded = *before.keys().next_back().expect("a snapshot");
    let (&whole, _) = before
        .iter()
        .rev()
        .find(|(_, kind)| **kind == 1)
        .expect("a whole snapshot");

    // The second run: service of both teams, new volunteers and redemptions, until it has
    // stored a snapshot of its own.
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10"]);
    let admin = server.client(ADMIN);
    let coordinator = server.client(
        &token(
            &admin,
            json!({"role": "coordinator", "team_id": city.other_team}),
        )
        .await,
    );
    let mut volunteers = Vec::new();
    // A few events a round, so that the first snapshot of the run is seen before later ones
    // prune it.
    for v in city.volunteers.iter().take(3) {
        let own = token(&admin, json!({"role": "volunteer", "volunteer_id": v})).await;
        volunteers.push((server.client(&own), v));
    }
    let mut written = BTreeMap::new();
    for round in 0..60 {
        written = snapshot_kinds(&dir).split_off(&(loaded + 1));
        if !written.is_empty() {
            break;
        }
        let newcomer = coordinator
            .post(
                "/v1/volunteers",
                json!({"name": format!("新志愿者{round}"), "team_id": city.other_team}),
            )
            .await
            .id();
        let participants =
            [json!({"volunteer_id": newcomer, "hours": format!("{}", round % 3 + 1)})];
        let round = round as usize;
        coordinator
            .post("/v1/activities", json!({"team_id": city.other_team, "category": "eco_patrol", "date": days_ago(round as i64 % 5), "title": "巡河护绿", "participants": participants}))
            .await
            .id();
        let (client, volunteer) = &volunteers[round % volunteers.len()];
        client
            .post(
                "/v1/redemptions",
                json!({"volunteer_id": volunteer, "reward_id": city.reward, "quantity": 1}),
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (&first, &kind) = written.iter().next().expect("a snapshot in the second run");
    assert_eq!(
        kind, 2,
        "the second run's first snapshot (at {first}) is whole: {written:?}"
    );
    let head = admin.get("/v1/audit/head").await.ok();
    let balances = snapshot_of_balances(&admin, &city.volunteers).await;
    let ranking = admin.get("/v1/rankings/volunteers?limit=100").await.ok();
    assert_eq!(server.terminate(), Some(0));

    // Written against the whole snapshot of the first run, which is kept for it.
    let yinling = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(args)
            .output()
            .expect("yinling")
    };
    let kinds = snapshot_kinds(&dir);
    assert_eq!(kinds.get(&whole), Some(&1), "{kinds:?}");
    let verified = yinling(&["verify".as_ref(), "--data".as_ref(), dir.as_os_str()]);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success() && said.contains(" checked against the log"),
        "{verified:?}"
    );
    // A third start reads the newest snapshot on that whole one, to the same ledger.
    let third = Server::start_in(&dir, &["--snapshot-every", "1000"]);
    let admin = third.client(ADMIN);
    assert_eq!(admin.get("/v1/audit/head").await.ok(), head);
    assert_eq!(
        snapshot_of_balances(&admin, &city.volunteers).await,
        balances
    );
    assert_eq!(
        admin.get("/v1/rankings/volunteers?limit=100").await.ok(),
        ranking
    );
}

/// The seq of the log's last event.
async fn head_seq(city: &City) -> u64 {
    city.auditor.get("/v1/audit/head").await.ok()["seq"]
        .as_u64()
        .expect("seq")
}

/// An hour of service for a volunteer of the other team, which moves their row of the
/// ranking index.
async fn serve_once(city: &City, volunteer: &str) {
    // An hour a call, spread over the last week: a slow machine calls this often enough
    // before the snapshot it waits for that one day would pass the 24 hours a day allows.
    static CALLS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let participants = [json!({"volunteer_id": volunteer, "hours": "1"})];
    city.other_coordinator
        .post("/v1/activities", json!({"team_id": city.other_team, "category": "eco_patrol", "date": days_ago(1 + n % 7), "title": "巡河护绿", "participants": participants}))
        .await
        .id();
}

/// A snapshot of changes is only as good as the whole snapshot it was written against: with
/// that one damaged, a start passes over both and starts from an older snapshot (or the first
/// event), to the same balances.
#[tokio::test]
async fn a_snapshot_of_changes_whose_whole_one_is_damaged_is_passed_over() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10"]);
    let city = City::build(&server, 5).await;
    until_the_newest_snapshot_holds_changes(&city, &dir).await;
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let balances = snapshot_of_balances(&city.admin, &city.volunteers).await;
    assert_eq!(server.terminate(), Some(0));
    let kinds = snapshot_kinds(&dir);
    let newest = *kinds.keys().next_back().expect("a snapshot");
    let (&base, _) = kinds
        .range(..newest)
        .rev()
        .find(|(_, kind)| **kind == 1)
        .expect("a whole snapshot");
    let path = dir.join("snapshots").join(format!("{base:020}.snapshot"));
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&path, bytes).expect("write");

    let restarted = Server::start_in(&dir, &["--snapshot-every", "1000"]);
    let admin = restarted.client(ADMIN);
    let health = admin.get("/healthz").await.ok();
    let from = health["started_from_snapshot"].as_u64().unwrap_or(0);
    assert!(from < base, "started from {from} ({kinds:?}): {health}");
    assert_eq!(admin.get("/v1/audit/head").await.ok(), head);
    assert_eq!(
        snapshot_of_balances(&admin, &city.volunteers).await,
        balances
    );
}

/// `serve --whole-snapshots` writes every snapshot whole.
#[tokio::test]
async fn whole_snapshots_are_whole_every_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10", "--whole-snapshots"]);
    City::build(&server, 5).await;
    assert_eq!(server.terminate(), Some(0));
    let kinds = snapshot_kinds(&dir);
    assert!(kinds.len() >= 2, "{kinds:?}");
    assert!(kinds.values().all(|k| *k == 1), "{kinds:?}");
}

/// The format byte of each snapshot file in the data directory `dir`, by seq.
fn snapshot_kinds(dir: &std::path::Path) -> std::collections::BTreeMap<u64, u8> {
    std::fs::read_dir(dir.join("snapshots"))
        .expect("snapshots")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let seq = name.strip_suffix(".snapshot")?.parse().ok()?;
            Some((seq, *std::fs::read(&path).ok()?.first()?))
        })
        .collect()
}

/// `serve --verify-tail`: the snapshot stores the Merkle tree beside the state, so a start
/// checks only the events after it and serves the tree head and proofs of the whole log, as a
/// start that walked every event does; it walks the events before the snapshot once it
/// serves, and says so on `/healthz`.
#[tokio::test]
async fn a_start_that_checks_only_the_tail_serves_the_same_tree_and_proofs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &["--snapshot-every", "10"]);
    let city = City::build(&server, 5).await;
    let anyone = server.anonymous();
    let tree = anyone.get("/v1/log/tree").await.ok();
    let size = tree["size"].as_u64().expect("size");
    let proofs = |client: Client| async move {
        let mut all = Vec::new();
        for seq in [1, size / 2, size] {
            let q = format!("/v1/log/proofs/inclusion?seq={seq}&size={size}");
            all.push(client.get(&q).await.ok());
        }
        let q = format!("/v1/log/proofs/consistency?from=3&to={size}");
        all.push(client.get(&q).await.ok());
        all
    };
    let before = proofs(anyone.clone()).await;
    let balances = snapshot_of_balances(&city.admin, &city.volunteers).await;
    assert_eq!(server.terminate(), Some(0));

    // A tail start, then (after one more write and its snapshot) a start that walks it all.
    for (flags, whole) in [(&["--verify-tail"][..], false), (&[][..], true)] {
        let mut again = Server::start_in(&dir, &[&["--snapshot-every", "10"][..], flags].concat());
        let admin = again.client(ADMIN);
        let health = admin.get("/healthz").await.ok();
        let snapshot = health["started_from_snapshot"]
            .as_u64()
            .expect("a snapshot");
        let from = health["chain_checked_from"].as_u64().expect("checked");
        assert_eq!(from, if whole { 1 } else { snapshot + 1 }, "{health}");
        // After a tail start the node walks the rest of the chain as it serves.
        if whole {
            assert!(health["chain_walk"].is_null(), "{health}");
        } else {
            let mut walk = health["chain_walk"].clone();
            for _ in 0..200 {
                if walk["state"] != "walking" {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
                walk = admin.get("/healthz").await.ok()["chain_walk"].clone();
            }
            assert_eq!(walk["state"], "done", "{walk}");
            assert!(walk["checked_through"].as_u64() >= Some(snapshot), "{walk}");
        }
        let anyone = again.anonymous();
        // The first round found the log as the first server left it; the second, one
        // volunteer longer.
        if !whole {
            assert_eq!(anyone.get("/v1/log/tree").await.ok(), tree);
        }
        assert_eq!(proofs(anyone.clone()).await, before);
        assert_eq!(
            snapshot_of_balances(&admin, &city.volunteers).await,
            balances
        );
        // The tree goes on growing from where the snapshot left it.
        admin
            .post(
                "/v1/volunteers",
                json!({"name": "新来的志愿者", "team_id": city.team}),
            )
            .await
            .id();
        let grown = anyone.get("/v1/log/tree").await.ok();
        assert!(grown["size"].as_u64() > Some(size), "{grown}");
        assert_eq!(again.terminate(), Some(0));
        // A start from the first event builds the same tree (the node may have appended
        // since: compare at the grown size).
        let check = Server::start_in(&dir, &["--replay-from-scratch"]);
        let q = format!("/v1/log/proofs/consistency?from={}", grown["size"]);
        let rebuilt = check.anonymous().get(&q).await.ok();
        assert_eq!(rebuilt["from_root"], grown["root"], "{rebuilt}");
        drop(check);
    }
}

/// A backup is a working copy: a server started on it serves the same ledger to the same
/// tokens, keeps the access log of who read whose account, and accepts the copy against the
/// checkpoints it had published.
#[tokio::test]
async fn a_backup_restored_serves_the_same_ledger_with_its_access_log() {
    let mut server = Server::start();
    let city = City::build(&server, 2).await;
    city.coordinator
        .get(&format!("/v1/volunteers/{}", city.volunteers[0]))
        .await
        .ok();
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let reads = |log: Value| log["items"].as_array().map_or(0, Vec::len);
    let before = reads(city.auditor.get("/v1/access-log").await.ok());
    assert!(before > 0, "the coordinator's look is in the access log");
    assert_eq!(server.terminate(), Some(0));
    let _keep = server.take_tmp();
    let out = tempfile::tempdir().expect("tempdir");
    let backup = out.path().join("backup");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
        .arg("backup")
        .arg("--data")
        .arg(&server.dir)
        .arg("--out")
        .arg(&backup)
        .status()
        .expect("backup");
    assert!(status.success());
    for dir in ["access-log", "checkpoints"] {
        assert!(backup.join(dir).is_dir(), "{dir} was not copied");
    }
    let restored = Server::start_in(&backup, &[]);
    let auditor = restored.client(&city.auditor.token.clone().expect("token"));
    assert_eq!(auditor.get("/v1/audit/head").await.ok(), head);
    assert!(reads(auditor.get("/v1/access-log").await.ok()) >= before);
}
