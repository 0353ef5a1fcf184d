//! Security properties: secrets never stored or logged, no personal names in logs at the
//! default level, and slow clients cannot hold the server.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_only_as_hashes_and_neither_tokens_nor_names_reach_the_log() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    // Default log level: no YINLING_LOG.
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(&dir)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .env_remove("YINLING_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 256];
    let mut seen = String::new();
    while !seen.contains('\n') {
        let n = stdout.read(&mut first).expect("read");
        assert!(n > 0, "server exited");
        seen.push_str(&String::from_utf8_lossy(&first[..n]));
    }
    let base = seen
        .lines()
        .find_map(|l| l.strip_prefix("listening on "))
        .expect("listening")
        .trim()
        .to_owned();
    let admin = Client {
        base: base.clone(),
        token: Some(ADMIN.into()),
        http: reqwest::Client::new(),
    };
    admin
        .post(
            "/v1/districts",
            json!({"name": "吴兴区", "kind": "district", "region": "湖州市"}),
        )
        .await
        .ok();
    let team = admin
        .post(
            "/v1/teams",
            json!({"name": "机密调解队", "district": "吴兴区", "category": "mediation"}),
        )
        .await
        .id();
    let issued = admin
        .post(
            "/v1/tokens",
            json!({"role": "coordinator", "team_id": team}),
        )
        .await
        .ok();
    let secret = issued["token"].as_str().expect("token").to_owned();
    let coordinator = Client {
        token: Some(secret.clone()),
        ..admin.clone()
    };
    let v = coordinator
        .post(
            "/v1/volunteers",
            json!({"name": "隐私保护姓名", "team_id": team}),
        )
        .await
        .id();
    coordinator
        .post(
            "/v1/activities",
            json!({"team_id": team, "category": "mediation", "date": days_ago(1), "title": "调解",
                                       "participants": [{"volunteer_id": v, "hours": "30"}]}),
        )
        .await
        .problem(422);
    let wrong = Client {
        token: Some("yl_wrong-secret-that-must-not-be-logged".into()),
        ..admin.clone()
    };
    wrong.get("/v1/teams").await.problem(401);
    admin.get("/v1/nothing").await.problem(404);
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("ledger open"),
        "the default level logs the service's own lines: {log}"
    );
    for needle in [
        ADMIN,
        secret.as_str(),
        "yl_wrong-secret-that-must-not-be-logged",
        "隐私保护姓名",
        "机密调解队",
    ] {
        assert!(
            !log.contains(needle),
            "{needle:?} appears in the log:\n{log}"
        );
    }
    // No file of the data directory holds a token secret.
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            for secret in [ADMIN.as_bytes(), secret.as_bytes()] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret),
                    "a token secret is stored in {}",
                    path.display()
                );
            }
        }
    }
}

/// At the debug level the service traces every request, by the route it matched: a card's
/// link and a confirmation's carry their secret in the path, and neither reaches the log.
#[test]
fn requests_are_traced_by_their_route_never_by_a_path_that_holds_a_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(tmp.path().join("data"))
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .env("YINLING_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains('\n') {
        let n = stdout.read(&mut buf).expect("read");
        assert!(n > 0, "server exited");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let addr = seen
        .lines()
        .find_map(|l| l.strip_prefix("listening on http://"))
        .expect("listening")
        .trim()
        .to_owned();
    let card = "yl_a-card-secret-that-must-not-be-logged";
    let code = "987654321098";
    for path in [format!("/card/{card}"), format!("/confirm/{code}")] {
        let mut s = TcpStream::connect(&addr).expect("connect");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        assert!(!answer.is_empty(), "{path}: no answer");
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let out = child.wait_with_output().expect("wait");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("route=\"/card/{token}\""),
        "requests are traced by route: {log}"
    );
    for secret in [card, code] {
        assert!(
            !log.contains(secret),
            "{secret:?} appears in the log:\n{log}"
        );
    }
}

#[test]
fn slow_clients_are_cut_off_while_others_are_served() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_in(
        &tmp.path().join("data"),
        &["--header-timeout", "2", "--request-timeout", "2"],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    // Twenty clients, each connected and having sent `first`.
    let twenty = |first: &[u8]| -> Vec<TcpStream> {
        (0..20)
            .map(|_| {
                let mut s = TcpStream::connect(&addr).expect("connect");
                s.write_all(first).expect("write");
                s
            })
            .collect()
    };
    // Twenty clients that connect and send nothing at all.
    let mut silent = twenty(b"");
    // Twenty slow-loris clients trickling their headers.
    let mut slow = twenty(b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
    // Twenty keep-alive clients that are answered once and then go quiet.
    let mut idle = twenty(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    for s in &mut idle {
        let mut head = [0u8; 12];
        s.read_exact(&mut head).expect("answered");
        assert_eq!(&head, b"HTTP/1.1 200", "answered before going quiet");
    }
    let started = Instant::now();
    // Meanwhile a normal client is served promptly.
    let mut ok = TcpStream::connect(&addr).expect("connect");
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The slow ones keep trickling, and are closed after the header timeout.
    let mut closed = 0;
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(8)))
            .expect("timeout");
        let _ = s.write_all(b"X-Slow: 1\r\n");
        let mut buf = [0u8; 512];
        // Closed: end of stream, or a reset because our last bytes reached a closed socket.
        match s.read(&mut buf) {
            Ok(_) => closed += 1,
            Err(e)
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                closed += 1
            }
            Err(_) => {}
        }
    }
    assert_eq!(closed, 20, "every slow-loris connection is closed");
    // The silent ones are closed too (end of stream), not kept for good; and so are the
    // quiet ones: waiting for a next request is held to the same timeout as the first.
    for s in &mut silent {
        assert!(
            closed_within(s, Duration::from_secs(8)),
            "a silent connection is closed"
        );
    }
    for s in &mut idle {
        assert!(
            closed_within(s, Duration::from_secs(8)),
            "a quiet keep-alive connection is closed"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed within the header timeout, not left open"
    );
    // A client that sends headers then trickles its body gets a 408 problem.
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.write_all(format!("POST /v1/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{").as_bytes()).expect("write");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

/// Whether the server closes `s` within `timeout`: what it still had to send is read and
/// dropped, then end of stream (or a reset) is closed, and a read that times out is not.
fn closed_within(s: &mut TcpStream, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    let mut buf = [0u8; 512];
    loop {
        let Some(left) = until.checked_duration_since(Instant::now()) else {
            return false;
        };
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("timeout");
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

#[test]
fn a_connection_that_never_sends_does_not_hold_up_a_shutdown() {
    // A client's pool opens connections it may never use; a stop must not wait out the
    // header read timeout (10 s) for them.
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start_in(&tmp.path().join("data"), &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let _unused = TcpStream::connect(&addr).expect("connect");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.terminate(), Some(0), "stopped within five seconds");
}
