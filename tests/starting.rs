//! While a node loads its ledger (a province's start takes 15–45 s), its port is already
//! bound: every request is answered at once with 503 and what is happening, for a monitor, a
//! browser and an API client alike, and the port is handed back to the node's own routes once
//! the load is done. Real HTTP on loopback.

use std::time::Duration;

use yinling_api::limits::STARTING_RETRY_AFTER_SECONDS;
use yinling_api::server::ConnectionLimits;
use yinling_api::starting::{answer_until, STARTING_DETAIL};

/// A port answering as while a node loads, within `limits`: its address, the sender that
/// says the load is done, and the task that hands the listener back then.
async fn answering(
    limits: ConnectionLimits,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<tokio::net::TcpListener>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (loaded, loading) = tokio::sync::oneshot::channel();
    (
        addr,
        loaded,
        tokio::spawn(answer_until(listener, loading, limits)),
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_while_the_ledger_loads_is_told_so_at_once_and_the_port_is_handed_back() {
    let (addr, loaded, starting) = answering(ConnectionLimits::default()).await;
    let http = client();
    let url = |path: &str| format!("http://{addr}{path}");
    let retry_after = STARTING_RETRY_AFTER_SECONDS.to_string();

    // A monitor: the status a load balancer takes a node out of rotation by.
    let health = http.get(url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 503);
    assert_eq!(health.headers()["retry-after"], retry_after.as_str());
    assert_eq!(health.headers()["connection"], "close");
    let body: serde_json::Value = health.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"status": "starting"}));

    // An API client, reading and writing: a problem document that says nothing was recorded.
    for request in [
        http.get(url("/v1/rankings/volunteers")),
        http.post(url("/v1/activities"))
            .header("content-type", "application/json")
            .body(r#"{"team_id": "x"}"#),
    ] {
        let answer = request.send().await.expect("api");
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers()["content-type"], "application/problem+json");
        assert_eq!(answer.headers()["retry-after"], retry_after.as_str());
        let problem: serde_json::Value = answer.json().await.expect("problem");
        assert_eq!(problem["type"], "/problems/starting");
        assert_eq!(problem["status"], 503);
        assert_eq!(problem["detail"], STARTING_DETAIL);
    }

    // A counter clerk's browser: a page in Chinese that reloads itself.
    let page = http
        .get(url("/station"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let text = page.text().await.expect("text");
    assert!(text.contains("系统正在启动"), "{text}");
    assert!(
        text.contains(&format!(
            "http-equiv=\"refresh\" content=\"{STARTING_RETRY_AFTER_SECONDS}\""
        )),
        "{text}"
    );

    // The load is done: the same port is handed back, and the next connection is the node's
    // to answer, not the starting one's.
    loaded.send(()).expect("still answering");
    let listener = tokio::time::timeout(Duration::from_secs(10), starting)
        .await
        .expect("handed back once the load is done, not answering on for good")
        .expect("the task");
    assert_eq!(listener.local_addr().expect("addr"), addr);
    let accepted = tokio::spawn(async move { listener.accept().await.map(|(_, peer)| peer) });
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let peer = accepted.await.expect("task").expect("accepted");
    assert_eq!(peer, stream.local_addr().expect("local"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_loading_a_connection_past_the_limit_is_closed_unanswered_as_by_the_node() {
    let (addr, _loaded, _starting) = answering(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        max_connections: 1,
        ..ConnectionLimits::default()
    })
    .await;
    // One client holds the only connection, its headers never finished (a slow client).
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut slow, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("a first line");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let turned_away = client().get(format!("http://{addr}/healthz")).send().await;
    assert!(turned_away.is_err(), "{turned_away:?}");
    // The slow one is dropped after the header read timeout, and the next is answered.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A client that sends nothing at all holds the only connection no longer than that.
    let _silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let answered = client()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("answered");
    assert_eq!(answered.status(), 503);
}
