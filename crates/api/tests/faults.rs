//! Disk trouble and stored damage, in process: the real engine on a temp directory, the real
//! router, requests through `tower::ServiceExt::oneshot`.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{open, open_with, send};
use yinling_app::metrics::Metrics;
use yinling_app::{Engine, EngineConfig, EngineError, StartCheck};
use yinling_ledger::{EventLog, OpenMode, SledLog};

fn team(name: &str) -> Option<serde_json::Value> {
    Some(serde_json::json!({"name": name, "district": "安吉县", "category": "eco_patrol"}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_io_error_during_append_is_a_503_keeps_nothing_and_the_service_recovers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = open(tmp.path()).await;
    assert_eq!(
        send(&app, "POST", "/v1/teams", team("灵峰护绿队")).await.0,
        StatusCode::CREATED
    );
    let head = app.engine.log().head();

    app.engine
        .store()
        .expect("sled")
        .faults()
        .fail_next_flushes(3);
    for attempt in 0..3 {
        let (status, headers, body) = send(&app, "POST", "/v1/teams", team("孝源护绿队")).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "attempt {attempt}: {body}"
        );
        assert_eq!(headers["content-type"], "application/problem+json");
        assert!(headers.contains_key("retry-after"));
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("same Idempotency-Key")),
            "{body}"
        );
        // The disk's own words are for the operator's log, not for the caller.
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| !d.contains("injected") && !d.contains("no space")),
            "{body}"
        );
        assert_eq!(app.engine.log().head(), head, "nothing partial is written");
        // Reads go on meanwhile, and never show the failed write.
        let (status, _, teams) = send(&app, "GET", "/v1/teams", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(teams["items"].as_array().map(Vec::len), Some(1));
    }
    // The fault cleared: the same request now succeeds, exactly once.
    let (status, headers, _) = send(&app, "POST", "/v1/teams", team("孝源护绿队")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        headers["ledger-seq"].to_str().ok(),
        Some((head.seq + 1).to_string().as_str())
    );
    let (_, _, verify) = send(&app, "GET", "/v1/audit/verify", None).await;
    assert_eq!(verify["ok"], true);
    app.engine.shutdown().await;
    drop(app);

    // After a restart: the chain verifies, the failed writes left no trace.
    let app = open(tmp.path()).await;
    let (_, _, teams) = send(&app, "GET", "/v1/teams", None).await;
    assert_eq!(teams["items"].as_array().map(Vec::len), Some(2));
    app.engine.read().check_invariants().expect("invariants");
    app.engine.shutdown().await;
}

/// A monitor that only reads the health check's status code sees a log that refuses
/// writes: a failed commit whose undo failed too leaves it so until a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_is_503_while_the_log_refuses_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = open(tmp.path()).await;
    let (status, _, health) = send(&app, "GET", "/healthz", None).await;
    assert_eq!(
        (status, &health["status"]),
        (StatusCode::OK, &serde_json::json!("ok"))
    );
    let faults = app.engine.store().expect("sled").faults();
    faults.fail_next_flushes(1);
    faults.fail_next_undo();
    let (status, _, body) = send(&app, "POST", "/v1/teams", team("孝源护绿队")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    // The fault is gone, but the log takes nothing more until it is restarted.
    let (status, _, _) = send(&app, "POST", "/v1/teams", team("灵峰护绿队")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, health) = send(&app, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "writes_refused", "{health}");
    app.engine.shutdown().await;
}

/// Logs `n` teams (`第0队`, `第1队`, …) and stops the engine.
async fn teams_then_stop(app: yinling_app::App, n: usize) {
    for i in 0..n {
        assert_eq!(
            send(&app, "POST", "/v1/teams", team(&format!("第{i}队")))
                .await
                .0,
            StatusCode::CREATED
        );
    }
    app.engine.shutdown().await;
}

/// The default start (the whole chain) refuses the log in `dir`, naming seq 4.
fn refused_at_seq_4(dir: &std::path::Path) {
    match Engine::open(&EngineConfig::new(dir), Arc::new(Metrics::new())) {
        Err(EngineError::Damaged { seq, detail, .. }) => {
            assert_eq!(seq, 4, "{detail}");
        }
        Err(other) => panic!("expected Damaged, got {other}"),
        Ok(_) => panic!("the engine opened a damaged log"),
    }
}

/// Flips one byte inside the stored name of the team `第1队` (seq 4 on a log whose first
/// commands were the admin token, the county and `第0队`), leaving sled's framing intact.
fn flip_a_byte_of_seq_4(dir: &std::path::Path) {
    let log = SledLog::open(dir, OpenMode::MustExist).expect("log");
    let start = log.raw_segment_start(4).expect("lookup").expect("segment");
    let mut bytes = log.raw_segment(start).expect("raw").expect("segment");
    let needle = "第1队".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("stored name");
    bytes[at] ^= 0x02;
    log.raw_overwrite_segment(start, &bytes).expect("overwrite");
}

/// A start of the whole chain from a snapshot walks the events the snapshot holds too (first,
/// in rounds, each through a handle of its own): a byte flipped there is refused and named,
/// where a start that checks only the tail opens on the same log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_from_a_snapshot_refuses_a_byte_flipped_in_an_event_the_snapshot_holds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = EngineConfig {
        snapshot_every_events: 3,
        ..EngineConfig::new(tmp.path())
    };
    let app = open_with(tmp.path(), config).await;
    teams_then_stop(app, 8).await;
    {
        let log = SledLog::open(tmp.path(), OpenMode::MustExist).expect("log");
        let newest = log.snapshot_seqs().expect("snapshots").into_iter().max();
        assert!(
            newest.is_some_and(|seq| seq > 4),
            "a snapshot past seq 4: {newest:?}"
        );
    }
    flip_a_byte_of_seq_4(tmp.path());
    let tail = EngineConfig {
        start_check: StartCheck::Tail,
        ..EngineConfig::new(tmp.path())
    };
    let opened = Engine::open(&tail, Arc::new(Metrics::new()))
        .expect("a start that checks only the tail does not read seq 4");
    opened.shutdown().await;
    drop(opened);
    refused_at_seq_4(tmp.path());
}

/// What `/healthz` says of the walk after a tail start, once it has ended.
async fn walked(app: &yinling_app::App) -> (StatusCode, serde_json::Value) {
    for _ in 0..400 {
        let (status, _, health) = send(app, "GET", "/healthz", None).await;
        if health["chain_walk"]["state"] != "walking" {
            return (status, health);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the walk after the start did not end");
}

/// Eight teams logged with a snapshot every three events, the service stopped: returns the
/// configuration of a start that checks only the tail after the newest snapshot.
async fn snapshotted_then_stopped(dir: &std::path::Path) -> EngineConfig {
    let config = EngineConfig {
        snapshot_every_events: 3,
        ..EngineConfig::new(dir)
    };
    teams_then_stop(open_with(dir, config.clone()).await, 8).await;
    EngineConfig {
        start_check: StartCheck::Tail,
        ..config
    }
}

/// The service opened on `dir` as `config` says, without `open_with`'s county (a change the
/// log may already refuse).
fn served(dir: &std::path::Path, config: &EngineConfig) -> yinling_app::App {
    let engine = Engine::open(config, Arc::new(Metrics::new())).expect("a start");
    yinling_app::App::new(
        Arc::new(engine),
        Arc::new(Metrics::new()),
        yinling_app::mint::TokenMint::load_or_create(dir).expect("mint"),
    )
}

/// A team registered on a log found damaged at seq 4 is refused: a 503 problem of its own
/// code that names the event and the check that found it (`found_by` words) and says nothing
/// was saved, without Retry-After (waiting does not mend it), and nothing is appended.
async fn a_change_is_refused_naming_seq_4(app: &yinling_app::App, name: &str, found_by: &str) {
    let head = app.engine.log().head();
    let (status, headers, body) = send(app, "POST", "/v1/teams", team(name)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("damaged at event 4")
                && d.contains(found_by)
                && d.contains("nothing was saved")),
        "{body}"
    );
    assert_eq!(body["code"], "log_damaged", "{body}");
    assert!(!headers.contains_key("retry-after"));
    assert_eq!(app.engine.log().head(), head, "nothing appended");
}

/// A start that checks only the tail serves at once, and then walks the events the snapshot
/// holds: a byte flipped there is found and named, and from then on every change is refused
/// (nothing appended) while reads go on; the health check says so to a monitor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_start_walks_the_whole_chain_after_it_and_refuses_changes_on_damage() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tail = snapshotted_then_stopped(tmp.path()).await;

    // A sound log: the walk goes to the head, and changes are taken.
    let app = open_with(tmp.path(), tail.clone()).await;
    let (status, health) = walked(&app).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    let head = app.engine.log().head().seq;
    assert_eq!(health["chain_walk"]["state"], "done", "{health}");
    assert_eq!(health["chain_walk"]["checked_through"], head, "{health}");
    assert!(health["chain_checked_from"].as_u64() > Some(4), "{health}");
    assert_eq!(
        send(&app, "POST", "/v1/teams", team("第8队")).await.0,
        StatusCode::CREATED
    );
    app.engine.shutdown().await;
    drop(app);

    // Seq 4, inside the snapshot: the start serves, the walk finds it. (Opened without
    // `open_with`'s county, a change the walk may already refuse.)
    flip_a_byte_of_seq_4(tmp.path());
    let app = served(tmp.path(), &tail);
    let (status, health) = walked(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "writes_refused", "{health}");
    assert_eq!(health["chain_walk"]["state"], "damaged", "{health}");
    assert_eq!(health["chain_walk"]["damaged_at"], 4, "{health}");
    assert_eq!(health["chain_walk"]["checked_through"], 3, "{health}");
    assert_eq!(health["log_damage"]["seq"], 4, "{health}");
    assert_eq!(health["log_damage"]["found_by"], "chain_walk", "{health}");
    a_change_is_refused_naming_seq_4(&app, "第9队", "after this start").await;
    let (status, _, teams) = send(&app, "GET", "/v1/teams", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(teams["items"].as_array().map(Vec::len), Some(9));
    app.engine.shutdown().await;
    drop(app);

    // Told not to walk (`serve --no-chain-walk`), the node walks nothing and says so.
    let unwalked = EngineConfig {
        chain_walk_after_start: false,
        ..tail
    };
    let engine = Engine::open(&unwalked, Arc::new(Metrics::new())).expect("a tail start");
    assert_eq!(engine.chain_walk(), None);
    engine.shutdown().await;
}

/// An auditor's walk of the whole chain (`GET /v1/audit/verify`) that finds an event
/// damaged refuses every change from then on, as the walk after a tail start does: reads go
/// on, nothing is appended, and the health check names the event and who found it. On a
/// sound log the same audit changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_that_finds_the_log_damaged_refuses_changes_from_then_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A tail start that does not walk the rest itself: only the audit reads seq 4.
    let unwalked = EngineConfig {
        chain_walk_after_start: false,
        ..snapshotted_then_stopped(tmp.path()).await
    };

    let app = served(tmp.path(), &unwalked);
    let (_, _, verify) = send(&app, "GET", "/v1/audit/verify", None).await;
    assert_eq!(verify["ok"], true, "{verify}");
    let (status, _, health) = send(&app, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert!(health["log_damage"].is_null(), "{health}");
    assert_eq!(
        send(&app, "POST", "/v1/teams", team("第8队")).await.0,
        StatusCode::CREATED
    );
    app.engine.shutdown().await;
    drop(app);

    flip_a_byte_of_seq_4(tmp.path());
    let app = served(tmp.path(), &unwalked);
    assert_eq!(
        send(&app, "POST", "/v1/teams", team("第9队")).await.0,
        StatusCode::CREATED,
        "nothing has read seq 4 yet"
    );
    let (status, _, verify) = send(&app, "GET", "/v1/audit/verify", None).await;
    assert_eq!(status, StatusCode::OK, "{verify}");
    assert_eq!(verify["ok"], false, "{verify}");
    assert_eq!(verify["first_bad_seq"], 4, "{verify}");
    let (status, _, health) = send(&app, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "writes_refused", "{health}");
    assert_eq!(health["log_damage"]["seq"], 4, "{health}");
    assert_eq!(health["log_damage"]["found_by"], "audit", "{health}");
    a_change_is_refused_naming_seq_4(&app, "第10队", "an audit").await;
    let (status, _, teams) = send(&app, "GET", "/v1/teams", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(teams["items"].as_array().map(Vec::len), Some(10));
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_log_with_a_byte_flipped_inside_an_event_and_names_the_seq() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = open(tmp.path()).await;
    teams_then_stop(app, 5).await;
    flip_a_byte_of_seq_4(tmp.path());
    refused_at_seq_4(tmp.path());
}
