//! Crash under load: 32 clients write with Idempotency-Keys, the server is SIGKILLed at a
//! random moment, restarted, and checked: every acknowledged write is there with the same
//! seq and hash, the chain verifies, the invariants hold (the server refuses to start
//! otherwise), and every unacknowledged request, retried with its key, applies exactly once.
//!
//! The server takes a snapshot every [`SNAPSHOT_EVERY`] events, so kills land while
//! snapshots (whole ones and ones of the changes since) are written and restarts read them;
//! at the end the state the last restart loaded answers as one folded from the first event.
//! Its notices' runner passes every 50 ms, so kills land while notices are stored: at the
//! end every service logged in the cycles has been told to its volunteer exactly once, and
//! the outbox's counts equal the notices there are.
//!
//! `YINLING_CRASH_CYCLES` sets the number of kill/restart cycles (3 by default; the full run
//! in `scripts/reliability.sh` uses 25).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

const CLIENTS: usize = 32;

#[derive(Clone, Debug)]
struct Attempt {
    client: Client,
    key: String,
    method: Method,
    path: String,
    body: Option<Value>,
    outcome: Option<Acked>,
}

#[derive(Clone, Debug, PartialEq)]
struct Acked {
    status: u16,
    body: Value,
    receipt: Option<(u64, String)>,
}

async fn send(
    client: &Client,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Option<Acked> {
    let mut req = client
        .http
        .request(method, format!("{}{}", client.base, path))
        .timeout(Duration::from_secs(10))
        .header("Idempotency-Key", key);
    if let Some(t) = &client.token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.ok()?;
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let receipt = match (header("ledger-seq"), header("ledger-hash")) {
        (Some(seq), Some(hash)) if !seq.is_empty() => Some((seq.parse().ok()?, hash)),
        _ => None,
    };
    let text = resp.text().await.ok()?;
    Some(Acked {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        receipt,
    })
}

fn with_base(client: &Client, base: &str) -> Client {
    Client {
        base: base.to_owned(),
        ..client.clone()
    }
}

/// `--snapshot-every` of the servers: a few snapshots a cycle.
const SNAPSHOT_EVERY: &str = "200";

/// The servers' flags: a few snapshots a cycle, and a pass of the notices every 50 ms, so
/// that kills land while notices are stored too.
const FLAGS: [&str; 4] = [
    "--snapshot-every",
    SNAPSHOT_EVERY,
    "--notify-interval-ms",
    "50",
];

/// Every service logged after `after` told to its volunteer by exactly one notice, once the
/// notices' runner has read the log to its head; and the outbox's counts equal the notices
/// its volunteers find (a notice stored twice would be counted twice). Returns how many
/// services were checked.
async fn every_service_told_once(admin: &Client, volunteers: &[String], after: u64) -> usize {
    let mut services: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in common::demo::feed(admin).await {
        let seq = e["seq"].as_u64().expect("seq");
        if seq > after && e["type"] == "ServiceLogged" {
            let v = e["data"]["volunteer_id"].as_str().expect("volunteer");
            services.entry(v.to_owned()).or_default().push(seq);
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut missing = Vec::new();
        let mut listed = 0u64;
        for v in volunteers {
            let page = admin
                .get(&format!("/v1/volunteers/{v}/notices?days=400&limit=1000"))
                .await
                .ok();
            let items = page["items"].as_array().cloned().unwrap_or_default();
            assert!(items.len() < 1000, "a volunteer's notices fit a page");
            listed += items.len() as u64;
            for seq in services.get(v).into_iter().flatten() {
                let told = items
                    .iter()
                    .filter(|n| {
                        n["recipient"] == "volunteer"
                            && n["key"]
                                .as_str()
                                .is_some_and(|k| k.starts_with(&format!("{seq}:")))
                    })
                    .count();
                assert!(told <= 1, "the service of event {seq} told {told} times");
                if told == 0 {
                    missing.push(*seq);
                }
            }
        }
        let outbox = admin.get("/v1/notices/outbox?limit=1").await.ok();
        let kept: u64 = ["pending", "delivered", "failed", "paper"]
            .iter()
            .map(|s| outbox[*s].as_u64().expect("count"))
            .sum();
        if missing.is_empty() {
            assert_eq!(
                kept, listed,
                "the outbox's counts and its volunteers' notices"
            );
            return services.values().map(Vec::len).sum();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "services never told: {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_unacknowledged_ones_apply_exactly_once() {
    let cycles: usize = std::env::var("YINLING_CRASH_CYCLES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("YINLING_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("crash test: {cycles} cycles, seed {seed}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &FLAGS);
    let city = City::build(&server, CLIENTS).await;
    let cheap = city
        .admin
        .post("/v1/rewards", json!({"name": "松阳端午茶", "kind": "product", "origin": "松阳县", "cost_points": "2", "stock": 1000000}))
        .await
        .id();
    let (mut acknowledged, mut lost_retried, mut verified_events) = (0usize, 0usize, 0u64);
    // The notices' runner reads from the head it found at its first pass: the services of
    // the cycles are all after it.
    let before_cycles = city.admin.head_seq().await;

    for cycle in 0..cycles {
        let base = server.base.clone();
        let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for t in 0..CLIENTS {
            let (attempts, stop) = (attempts.clone(), stop.clone());
            let me = with_base(&city.volunteer_clients[t], &base);
            let coordinator = with_base(&city.coordinator, &base);
            let admin = with_base(&city.admin, &base);
            let (team, volunteer, cheap) =
                (city.team.clone(), city.volunteers[t].clone(), cheap.clone());
            let mut rng =
                rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ ((cycle * 1000 + t) as u64));
            tasks.push(tokio::spawn(async move {
                let mut held: Vec<String> = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let key = format!("c{cycle}-t{t}-{n}");
                    let roll: f64 = rng.gen();
                    // 0: log an activity, 1: hold, 2: cancel a hold, 3: fulfil a hold.
                    let op = match (held.is_empty(), roll) {
                        (true, r) if r < 0.5 => 0,
                        (true, _) => 1,
                        (false, r) if r < 0.4 => 0,
                        (false, r) if r < 0.7 => 1,
                        (false, r) if r < 0.85 => 2,
                        _ => 3,
                    };
                    let (client, method, path, body) = if op == 0 {
                        let day = rng.gen_range(2..400);
                        (coordinator.clone(), Method::POST, "/v1/activities".to_owned(), Some(json!({
                            "team_id": team, "category": "eco_patrol", "date": days_ago(day), "title": format!("巡河 {key}"),
                            "participants": [{"volunteer_id": volunteer, "hours": "0.5"}]})))
                    } else if op == 1 {
                        (me.clone(), Method::POST, "/v1/redemptions".to_owned(), Some(json!({"volunteer_id": volunteer, "reward_id": cheap, "quantity": 1})))
                    } else if op == 2 {
                        let r = held.swap_remove(rng.gen_range(0..held.len()));
                        (me.clone(), Method::POST, format!("/v1/redemptions/{r}/cancel"), None)
                    } else {
                        let r = held.swap_remove(rng.gen_range(0..held.len()));
                        (admin.clone(), Method::POST, format!("/v1/redemptions/{r}/fulfil"), None)
                    };
                    let outcome = send(&client, &key, method.clone(), &path, body.clone()).await;
                    if let Some(a) = &outcome {
                        if a.status == 201 && path == "/v1/redemptions" {
                            if let Some(id) = a.body["id"].as_str() {
                                held.push(id.to_owned());
                            }
                        }
                    }
                    let lost = outcome.is_none();
                    attempts.lock().expect("attempts").push(Attempt { client, key, method, path, body, outcome });
                    if lost {
                        break; // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1500))).await;
        server.kill();
        stop.store(true, Ordering::SeqCst);
        for t in tasks {
            t.await.expect("client task");
        }

        // Restart on the same data.
        let _keep = server.take_tmp();
        server = Server::start_in(&dir, &FLAGS);
        let base = server.base.clone();
        let admin = with_base(&city.admin, &base);
        assert_eq!(
            admin.get("/v1/audit/verify").await.ok()["ok"],
            true,
            "cycle {cycle}: the chain verifies"
        );
        let attempts = attempts.lock().expect("attempts").clone();

        // Every acknowledged write is there, with the same seq and hash.
        let receipts: BTreeMap<u64, String> = attempts
            .iter()
            .filter_map(|a| a.outcome.as_ref().and_then(|o| o.receipt.clone()))
            .collect();
        acknowledged += attempts.iter().filter(|a| a.outcome.is_some()).count();
        let mut after = receipts.keys().next().map_or(0, |s| s - 1);
        let last = receipts.keys().last().copied().unwrap_or(0);
        let mut stored: BTreeMap<u64, String> = BTreeMap::new();
        while after < last {
            let page = admin
                .get(&format!("/v1/events?after={after}&limit=1000"))
                .await
                .ok();
            let events = page["events"].as_array().cloned().unwrap_or_default();
            assert!(
                !events.is_empty(),
                "cycle {cycle}: acknowledged seq {last} is missing after a crash"
            );
            for e in events {
                stored.insert(
                    e["seq"].as_u64().expect("seq"),
                    e["hash"].as_str().expect("hash").to_owned(),
                );
            }
            after = page["next_after"].as_u64().expect("next_after");
        }
        for (seq, hash) in &receipts {
            assert_eq!(
                stored.get(seq),
                Some(hash),
                "cycle {cycle}: acknowledged event {seq} changed or vanished"
            );
            verified_events += 1;
        }

        // Every unacknowledged request, retried with its key, applies exactly once; and every
        // acknowledged one, retried, gets its first answer back.
        for a in &attempts {
            let client = with_base(&a.client, &base);
            let first = send(&client, &a.key, a.method.clone(), &a.path, a.body.clone())
                .await
                .expect("retry answered");
            assert!(
                first.status < 500,
                "cycle {cycle}: retry of {} got {}: {}",
                a.key,
                first.status,
                first.body
            );
            let head = admin.head_seq().await;
            let second = send(&client, &a.key, a.method.clone(), &a.path, a.body.clone())
                .await
                .expect("retry answered");
            if first.status < 300 {
                assert_eq!(
                    second, first,
                    "cycle {cycle}: a second retry of {} returns the same answer",
                    a.key
                );
                assert_eq!(
                    admin.head_seq().await,
                    head,
                    "cycle {cycle}: a second retry of {} appends nothing",
                    a.key
                );
            }
            match &a.outcome {
                Some(acked) if acked.status < 300 => assert_eq!(
                    &first, acked,
                    "cycle {cycle}: retry of acknowledged {}",
                    a.key
                ),
                Some(_) => {}
                None => lost_retried += 1,
            }
        }
        let health = admin.get("/healthz").await.ok();
        eprintln!(
            "cycle {cycle}: {} attempts, head {}",
            attempts.len(),
            health["seq"]
        );
    }
    // Notices stored by passes the kills cut short: each service told once, none lost.
    let admin = with_base(&city.admin, &server.base);
    let everyone: Vec<String> = city
        .volunteers
        .iter()
        .chain([&city.outsider])
        .cloned()
        .collect();
    let told = every_service_told_once(&admin, &everyone, before_cycles).await;
    eprintln!("{told} services logged in the cycles, each told to its volunteer once");
    // The state the last restart loaded (from a snapshot, whole or of changes, and the tail)
    // answers as the state folded from the first event.
    let answers = |admin: Client| async move {
        let mut all = Vec::new();
        for path in [
            "/v1/audit/head",
            "/v1/stats",
            "/v1/rankings/volunteers?limit=100",
            "/v1/rankings/teams",
        ] {
            all.push(admin.get(path).await.ok());
        }
        all
    };
    let loaded = answers(admin).await;
    let health = with_base(&city.admin, &server.base)
        .get("/healthz")
        .await
        .ok();
    assert_eq!(server.terminate(), Some(0));
    let _keep = server.take_tmp();
    let scratch = Server::start_in(&dir, &["--replay-from-scratch"]);
    let folded = answers(with_base(&city.admin, &scratch.base)).await;
    assert_eq!(
        loaded, folded,
        "the last start ({health}) and a fold from the first event"
    );
    let kinds: Vec<String> = std::fs::read_dir(dir.join("snapshots"))
        .map(|d| {
            d.filter_map(|e| {
                let path = e.ok()?.path();
                let kind = *std::fs::read(&path).ok()?.first()?;
                let name = path.file_name()?.to_str()?.to_owned();
                Some(format!("{}:{kind}", name.trim_start_matches('0')))
            })
            .collect()
        })
        .unwrap_or_default();
    eprintln!("last start {health}; snapshots (format 2: changes) {kinds:?}");
    eprintln!(
        "crash test done: {cycles} cycles survived, {acknowledged} requests acknowledged, {verified_events} acknowledged writes re-verified by the seq and hash of their receipt, {lost_retried} unacknowledged requests retried"
    );
}
