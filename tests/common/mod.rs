//! Test harness: the real `yinling` binary on loopback with a temp data directory, driven
//! by a real HTTP client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub mod demo;
pub mod excel;
pub mod trials;
pub mod web;
pub mod world;

pub const ADMIN: &str = "test-admin-token-with-enough-entropy";

/// A running server.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    /// On a cluster: the writer node behind this replica.
    _writer: Option<Box<Server>>,
}

/// Set to a NATS cluster's URLs to run the HTTP tests against two API nodes on it: each
/// `Server::start()` then starts a writer node and answers through a second, replica node
/// that forwards every write (see `scripts/cluster-tests.sh`).
pub const CLUSTER_ENV: &str = "YINLING_TEST_NATS_URLS";

impl Server {
    /// Starts a server on a fresh temp directory (or a two-node cluster, see [`CLUSTER_ENV`]).
    pub fn start() -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        let mut s = match std::env::var(CLUSTER_ENV) {
            Ok(urls) if !urls.is_empty() => {
                let stream = format!("t{}", uuid_like());
                let args = |id: &'static str| {
                    vec![
                        "--log".to_owned(),
                        urls.clone(),
                        "--stream".to_owned(),
                        stream.clone(),
                        "--node-id".to_owned(),
                        id.to_owned(),
                        "--lease-seconds".to_owned(),
                        "2".to_owned(),
                    ]
                };
                let w = args("writer");
                let w: Vec<&str> = w.iter().map(String::as_str).collect();
                let writer = Server::start_in(&tmp.path().join("writer"), &w);
                let r = args("replica");
                let r: Vec<&str> = r.iter().map(String::as_str).collect();
                let mut replica = Server::start_in(&dir, &r);
                replica._writer = Some(Box::new(writer));
                replica
            }
            _ => Server::start_in(&dir, &[]),
        };
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on `dir` with extra arguments (on a free port unless they name
    /// `--addr`).
    pub fn start_in(dir: &Path, extra: &[&str]) -> Server {
        Server::start_in_env(dir, extra, &[])
    }

    /// [`Server::start_in`] with extra environment variables (a faked clock, say).
    pub fn start_in_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let addr: &[&str] = if extra.contains(&"--addr") {
            &[]
        } else {
            &["--addr", "127.0.0.1:0"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .arg("serve")
            .args(addr)
            .arg("--data")
            .arg(dir)
            .args(extra)
            .env("YINLING_ADMIN_TOKEN", ADMIN)
            .env("YINLING_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start yinling");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_owned();
                    }
                }
                _ => {
                    let status = child.wait().expect("wait");
                    panic!("server exited before listening: {status}");
                }
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base,
            dir: dir.to_path_buf(),
            _tmp: None,
            _writer: None,
        }
    }

    /// SIGKILL: no chance to flush anything it has not flushed already.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        None
    }

    pub fn client(&self, token: &str) -> Client {
        Client {
            base: self.base.clone(),
            token: Some(token.to_owned()),
            http: reqwest::Client::new(),
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    /// Takes the temp dir so the data outlives this server (for restarts).
    pub fn take_tmp(&mut self) -> Option<tempfile::TempDir> {
        self._tmp.take()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port free on loopback right now (for a server that must know its address before it
/// starts, such as one with `--public-url`).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a server on `dir` that knows its public address (`--public-url`), so it can print
/// points cards.
pub fn start_public(dir: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec!["--addr", addr.as_str(), "--public-url", url.as_str()];
    args.extend_from_slice(extra);
    Server::start_in(dir, &args)
}

/// A name unique enough for a test's stream.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}{}", std::process::id())
}

/// A response: status, headers, the body as sent and as JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn ok(self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        self.body
    }
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }
    /// Asserts a problem+json with this status and a non-empty detail.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {}",
            self.content_type
        );
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "detail in {}",
            self.body
        );
        &self.body
    }
}

/// A response as the tests read it: status, headers, the text and its JSON.
async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    Reply {
        status,
        content_type,
        headers,
        text,
        body,
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Client {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.expect("request")).await
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }
    /// Uploads a file as the `file` field of a multipart form.
    pub async fn upload(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .multipart(form);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        reply(req.send().await.expect("request")).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.send(Method::POST, path, None, &[]).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Reply {
            status,
            content_type,
            headers,
            text,
            body,
        }
    }
    pub async fn head_seq(&self) -> u64 {
        let admin = Client {
            token: Some(ADMIN.to_owned()),
            ..self.clone()
        };
        admin.get("/v1/audit/head").await.ok()["seq"]
            .as_u64()
            .expect("seq")
    }
}

/// A small city: two teams, their coordinators, volunteers with points, a reward.
pub struct City {
    pub admin: Client,
    pub auditor: Client,
    pub team: String,
    pub other_team: String,
    pub coordinator: Client,
    pub other_coordinator: Client,
    pub volunteers: Vec<String>,
    pub volunteer_clients: Vec<Client>,
    pub outsider: String,
    pub reward: String,
    pub activity: String,
}

pub async fn token(admin: &Client, body: Value) -> String {
    let r = admin.post("/v1/tokens", body).await.ok();
    r["token"].as_str().expect("token").to_owned()
}

pub fn today() -> String {
    // The service's calendar is UTC+8.
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

pub fn days_ago(n: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

impl City {
    pub async fn build(server: &Server, volunteers: usize) -> City {
        let admin = server.client(ADMIN);
        for (name, kind) in [("南浔区", "district"), ("安吉县", "county")] {
            admin
                .post(
                    "/v1/districts",
                    json!({"name": name, "kind": kind, "region": "湖州市"}),
                )
                .await
                .ok();
        }
        let team = admin
            .post(
                "/v1/teams",
                json!({"name": "荻溪六老调解队", "district": "南浔区", "category": "mediation"}),
            )
            .await
            .id();
        let other_team = admin
            .post(
                "/v1/teams",
                json!({"name": "安吉护绿队", "district": "安吉县", "category": "eco_patrol"}),
            )
            .await
            .id();
        let coordinator =
            server.client(&token(&admin, json!({"role": "coordinator", "team_id": team})).await);
        let other_coordinator = server.client(
            &token(
                &admin,
                json!({"role": "coordinator", "team_id": other_team}),
            )
            .await,
        );
        let auditor = server.client(&token(&admin, json!({"role": "auditor"})).await);
        let mut ids = Vec::new();
        let mut clients = Vec::new();
        for i in 0..volunteers {
            let id = coordinator
                .post(
                    "/v1/volunteers",
                    json!({"name": format!("志愿者{i}"), "team_id": team, "birth_year": 1950}),
                )
                .await
                .id();
            clients
                .push(server.client(
                    &token(&admin, json!({"role": "volunteer", "volunteer_id": id})).await,
                ));
            ids.push(id);
        }
        let outsider = other_coordinator
            .post(
                "/v1/volunteers",
                json!({"name": "柯国强", "team_id": other_team}),
            )
            .await
            .id();
        let mut participants: Vec<Value> = ids
            .iter()
            .map(|v| json!({"volunteer_id": v, "hours": "8"}))
            .collect();
        if participants.is_empty() {
            // A city without volunteers still gets an activity, by a one-off member.
            let helper = coordinator
                .post(
                    "/v1/volunteers",
                    json!({"name": "临时志愿者", "team_id": team}),
                )
                .await
                .id();
            participants.push(json!({"volunteer_id": helper, "hours": "1"}));
        }
        let activity = coordinator
            .post("/v1/activities", json!({"team_id": team, "category": "mediation", "date": days_ago(1), "title": "社区邻里纠纷调解", "participants": participants}))
            .await
            .id();
        let reward = admin
            .post("/v1/rewards", json!({"name": "松阳银猴茶 250g", "kind": "product", "origin": "松阳县", "cost_points": "50", "stock": 100}))
            .await
            .id();
        City {
            admin,
            auditor,
            team,
            other_team,
            coordinator,
            other_coordinator,
            volunteers: ids,
            volunteer_clients: clients,
            outsider,
            reward,
            activity,
        }
    }
}

/// Sends raw bytes on a fresh connection and reads the response head and body.
pub fn raw_http(base: &str, request: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    });
                    if len.is_some_and(|l| body.len() >= l) {
                        break;
                    }
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

/// Runs the `yinling` command line as the operator (the administrator's token in the
/// environment): whether it succeeded, and its standard output and error together.
pub fn yinling(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(args)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .output()
        .expect("yinling runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A path as the text a command line takes.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}
