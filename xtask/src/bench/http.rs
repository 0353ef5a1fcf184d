//! HTTP load on loopback: a Rust load generator with 64 concurrent clients against the release
//! binary (`YINLING_HTTP_CLIENTS` sets another number, to see where a closed loop of clients
//! bounds the rate). Client and server share this machine's cores, so the figures are a floor.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::lean_client;
use super::Percentiles;

/// Concurrent clients of the load tests unless `YINLING_HTTP_CLIENTS` says otherwise.
pub const CLIENTS: usize = 64;

/// The most clients `YINLING_HTTP_CLIENTS` may ask for (each is a connection and a task).
const MOST_CLIENTS: usize = 4096;

/// Concurrent clients of the load tests: [`CLIENTS`], or `YINLING_HTTP_CLIENTS` (1 to
/// 4096; anything else is refused, named once, and the default taken). Read once a run:
/// every load and report asks.
pub fn clients() -> usize {
    static CHOSEN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CHOSEN.get_or_init(|| {
        let Ok(asked) = std::env::var("YINLING_HTTP_CLIENTS") else {
            return CLIENTS;
        };
        match asked.trim().parse::<usize>() {
            Ok(n) if (1..=MOST_CLIENTS).contains(&n) => n,
            _ => {
                eprintln!(
                    "YINLING_HTTP_CLIENTS is 1 to {MOST_CLIENTS}, not {asked:?}: {CLIENTS} clients"
                );
                CLIENTS
            }
        }
    })
}

/// The administrator token every generated city and fresh ledger of the harness starts with.
pub const ADMIN: &str = "bench-admin-token-0001";

/// One load measurement.
#[derive(Debug, Clone)]
pub struct HttpResult {
    /// What was requested.
    pub name: String,
    /// Successful requests per second.
    pub requests_per_second: f64,
    /// Latency, microseconds.
    pub latency: Percentiles,
    /// Requests that did not succeed.
    pub errors: u64,
    /// CPU the server used per successful request, microseconds (user + system, all threads).
    pub server_cpu_us: f64,
    /// CPU the load generator (this process) used per successful request, microseconds.
    pub client_cpu_us: f64,
    /// The server's resident memory when the load ended, MB (10^6 bytes): what a node under
    /// sustained writes holds beyond its state (sled's caches, the snapshots' encodings).
    pub server_resident_mb: f64,
}

impl HttpResult {
    /// Throughput and latency in words, the start of every line a load prints.
    pub fn rate_and_latency(&self) -> String {
        format!(
            "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms",
            self.requests_per_second,
            self.latency.p50 / 1000.0,
            self.latency.p99 / 1000.0,
            self.latency.p999 / 1000.0,
        )
    }
}

/// `serve` on `dir` at a port the system chooses, with `extra` options and the log filter
/// `log`, its standard output piped (where it says `listening on`): what every section that
/// starts the service runs, each adding what it needs (the administrator's token, where its
/// log goes).
pub fn serve_command(binary: &Path, dir: &Path, extra: &[&str], log: &str) -> Command {
    let mut command = Command::new(binary);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir)
        .args(extra)
        .env("YINLING_LOG", log)
        .stdout(Stdio::piped());
    command
}

/// CPU time a process has used, user + system over all its threads, microseconds
/// (`/proc/PID/stat` fields 14 and 15, in clock ticks of 1/100 s on Linux).
pub fn cpu_micros(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After ")", field 3 (state) is index 0: utime (14) and stime (15) are 11 and 12.
    (ticks(11) + ticks(12)) * 10_000.0
}

/// Names a `yinling` binary for the sections that start the service (`http`, `replay`,
/// `snapshots`, `cityload`, ...) to run instead of building this tree's: an earlier commit's
/// binary copied aside runs the same load, for side-by-side runs without rebuilding between.
pub const BENCH_BINARY_ENV: &str = "YINLING_BENCH_BINARY";

/// Builds the release binary and returns its path, or the one [`BENCH_BINARY_ENV`] names.
pub fn build_binary(root: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(BENCH_BINARY_ENV) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(format!(
                "{BENCH_BINARY_ENV} names {}, which is not a file",
                path.display()
            ));
        }
        return Ok(path);
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "-q", "--bin", "yinling"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(root.join("target/release/yinling"))
}

/// `serve` on a data directory, answering on a free loopback port; stopped when dropped.
/// Every line it prints is read (a closed pipe would stop it at its next line).
pub struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `serve` on `dir` and waits until it listens.
    pub fn start(binary: &Path, dir: &Path) -> Result<Server, String> {
        Self::start_with(binary, dir, &[])
    }

    /// [`Server::start`] with more options of `serve`.
    pub fn start_with(binary: &Path, dir: &Path, extra: &[&str]) -> Result<Server, String> {
        let mut child = serve_command(binary, dir, extra, "warn,yinling_app::machine=info")
            .env("YINLING_ADMIN_TOKEN", ADMIN)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // The server's log: each stored snapshot is printed with the writer's pause for it
        // (`clone_ms`), and every line that is not an ordinary one, as they come: warnings,
        // errors, and the one-line reason a start refused (a failed start once showed nothing
        // of why).
        let shown = child.stderr.take().map(|log| {
            std::thread::spawn(move || {
                // Plain text: the server colours its log only for a terminal.
                for line in BufReader::new(log).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("snapshot stored") {
                        println!("  the server: {}", &line[at..]);
                    } else if !line.contains(" INFO ") {
                        println!("  the server: {line}");
                    }
                }
            })
        });
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let Some(base) = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
        else {
            // Its standard output closed before it listened: it stopped, and its last words
            // are printed once its standard error is read to the end.
            let status = child.wait().map_err(|e| e.to_string())?;
            if let Some(shown) = shown {
                let _ = shown.join();
            }
            return Err(format!("the server did not start ({status})"));
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Server { child, base })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where it answers, e.g. `http://127.0.0.1:40123`.
    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

pub(super) async fn post(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> Result<Value, String> {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let value: Value = resp.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {value}"));
    }
    Ok(value)
}

/// Builds the `n`th request of a load test: method, URL, JSON body.
pub(super) type MakeRequest =
    Arc<dyn Fn(u64) -> (reqwest::Method, String, Option<Vec<u8>>) + Send + Sync>;

/// Runs `make`'s requests from [`clients`] of the lean load generator for `duration`
/// after a warm-up, and prints what it measured.
pub(super) async fn load(
    name: &str,
    server_pid: u32,
    token: &str,
    duration: Duration,
    make: MakeRequest,
) -> HttpResult {
    let result = load_quietly(name, server_pid, token, duration, make).await;
    print_load(name, &result);
    result
}

fn print_load(name: &str, result: &HttpResult) {
    eprintln!(
        "  {name}: {}, {} errors, server {:.0} us CPU/request, load generator {:.0} us, server resident {:.0} MB at the end",
        result.rate_and_latency(),
        result.errors,
        result.server_cpu_us,
        result.client_cpu_us,
        result.server_resident_mb
    );
}

/// [`load`] without the line: for two loads run side by side, whose CPU a request the
/// caller works out over both (each alone would count the other's).
pub(super) async fn load_quietly(
    name: &str,
    server_pid: u32,
    token: &str,
    duration: Duration,
    make: MakeRequest,
) -> HttpResult {
    load_through(Generator::Lean, name, server_pid, token, duration, make).await
}

/// The client a load drives the server with.
pub(super) enum Generator {
    /// Requests written as bytes on 64 keep-alive connections, on one thread
    /// ([`super::lean_client`]): what the benchmarks use.
    Lean,
    /// reqwest on the harness's multi-threaded runtime: the general client the benchmarks
    /// used until 2026-12-06, kept to measure what the generator's own CPU costs.
    General(reqwest::Client),
}

/// What clients' requests came to: the latencies (µs) of those sent after the warm-up that
/// succeeded, and how many of those failed.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    errors: u64,
}

impl Tally {
    /// Counts a request sent at `sent`, unless it was sent during the warm-up.
    fn count(&mut self, window: &Window, sent: Instant, ok: bool) {
        if sent >= window.measured_from {
            if ok {
                self.latencies.push(sent.elapsed().as_micros() as u64);
            } else {
                self.errors += 1;
            }
        }
    }

    /// Adds another client's.
    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
    }
}

async fn load_through(
    generator: Generator,
    name: &str,
    server_pid: u32,
    token: &str,
    duration: Duration,
    make: MakeRequest,
) -> HttpResult {
    let warm_up = Duration::from_millis(500);
    let started = Instant::now();
    let window = Window {
        measured_from: started + warm_up,
        deadline: started + warm_up + duration,
    };
    let token: Arc<str> = Arc::from(token);
    let clients = match generator {
        Generator::Lean => tokio::task::spawn_blocking(move || lean_clients(&token, window, &make)),
        Generator::General(client) => tokio::spawn(general_clients(client, token, window, make)),
    };
    // CPU is counted from the end of the warm-up, like the requests.
    tokio::time::sleep_until(window.measured_from.into()).await;
    let server_pid = server_pid.to_string();
    let (server_before, client_before) = (cpu_micros(&server_pid), cpu_micros("self"));
    let Tally { latencies, errors } = clients.await.unwrap_or_default();
    let served = latencies.len().max(1) as f64;
    HttpResult {
        name: name.to_owned(),
        requests_per_second: latencies.len() as f64 / duration.as_secs_f64(),
        latency: Percentiles::of(latencies),
        errors,
        server_cpu_us: (cpu_micros(&server_pid) - server_before) / served,
        client_cpu_us: (cpu_micros("self") - client_before) / served,
        server_resident_mb: super::proc_memory_bytes(&server_pid, "VmRSS:") as f64 / 1e6,
    }
}

/// When a load's requests count and when it stops.
#[derive(Clone, Copy)]
struct Window {
    measured_from: Instant,
    deadline: Instant,
}

/// The number after `n` in a client's sequence (a linear congruential step): each client
/// spreads its requests over the load's volunteers and days without two walking in step.
fn next_number(n: u64) -> u64 {
    n.wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// [`clients`] on a runtime of one thread of their own: the generator never takes
/// more than one of the two cores, and its tasks wake without crossing threads.
fn lean_clients(token: &Arc<str>, window: Window, make: &MakeRequest) -> Tally {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("  the load generator's runtime did not start: {e}");
            return Tally::default();
        }
    };
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..clients() {
            tasks.spawn(drive_lean(c as u64, token.clone(), window, make.clone()));
        }
        let mut all = Tally::default();
        while let Some(done) = tasks.join_next().await {
            if let Ok(one) = done {
                all.add(one);
            }
        }
        all
    })
}

async fn drive_lean(mut n: u64, token: Arc<str>, window: Window, make: MakeRequest) -> Tally {
    let mut tally = Tally::default();
    let mut connection: Option<lean_client::Connection> = None;
    while Instant::now() < window.deadline {
        n = next_number(n);
        let (method, url, body) = make(n);
        let sent = Instant::now();
        let ok = match lean_client::split_url(&url) {
            None => false,
            Some((host, path)) => {
                let request = (method.as_str(), path, &*token, body.as_deref());
                send_lean(&mut connection, host, request).await
            }
        };
        tally.count(&window, sent, ok);
    }
    tally
}

/// One request (method, path, token, body) on a client's connection to `host`, opened first
/// when it has none: whether it succeeded. A connection that failed is dropped, not used
/// again.
async fn send_lean(
    connection: &mut Option<lean_client::Connection>,
    host: &str,
    (method, path, token, body): (&str, &str, &str, Option<&[u8]>),
) -> bool {
    if connection.is_none() {
        *connection = lean_client::Connection::open(host).await.ok();
    }
    let Some(c) = connection.as_mut() else {
        return false;
    };
    match c.send(method, path, token, body).await {
        Ok(status) => (200..300).contains(&status),
        Err(_) => {
            *connection = None;
            false
        }
    }
}

/// The same load through reqwest, each client a task of the harness's runtime.
async fn general_clients(
    client: reqwest::Client,
    token: Arc<str>,
    window: Window,
    make: MakeRequest,
) -> Tally {
    let mut tasks = Vec::new();
    for c in 0..clients() {
        let (client, token, make) = (client.clone(), token.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = c as u64;
            while Instant::now() < window.deadline {
                n = next_number(n);
                let (method, url, body) = make(n);
                let mut req = client.request(method, url).bearer_auth(&*token);
                if let Some(body) = body {
                    req = req.header("content-type", "application/json").body(body);
                }
                let sent = Instant::now();
                let ok = match req.send().await {
                    Ok(resp) => {
                        let ok = resp.status().is_success();
                        let _ = resp.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                tally.count(&window, sent, ok);
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        if let Ok(one) = t.await {
            all.add(one);
        }
    }
    all
}

/// The load tests: logging activities and reading rankings on a fresh ledger, and rankings on
/// the 10,000-volunteer demo city.
pub async fn measure(
    binary: &Path,
    scratch: &Path,
    city: &Path,
    duration: Duration,
) -> Result<Vec<HttpResult>, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients())
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    {
        let server = Server::start(binary, &scratch.join("http"))?;
        let base = server.base.clone();
        let (coordinator, make) = activity_load(&client, &base, "吴兴区").await?;
        out.push(
            load(
                "POST /v1/activities (1 participant, durable)",
                server.pid(),
                &coordinator,
                duration,
                make.clone(),
            )
            .await,
        );
        // The same load through a general client right after, on the same server, and the
        // lean one again after it: the ledger grows from run to run (each volunteer's
        // statement with it), so the third run tells the generator's share from the growth.
        let name = "POST /v1/activities, the load generator reqwest";
        let general = load_through(
            Generator::General(client.clone()),
            name,
            server.pid(),
            &coordinator,
            duration,
            make.clone(),
        )
        .await;
        print_load(name, &general);
        out.push(general);
        out.push(
            load(
                "POST /v1/activities, the lean generator again after it",
                server.pid(),
                &coordinator,
                duration,
                make,
            )
            .await,
        );
        let b = base.clone();
        let make: MakeRequest =
            Arc::new(move |_| (reqwest::Method::GET, format!("{b}/v1/rankings/teams"), None));
        out.push(
            load(
                "GET /v1/rankings/teams",
                server.pid(),
                &coordinator,
                duration,
                make,
            )
            .await,
        );
    }
    super::replay::settle();
    {
        let server = Server::start(binary, city)?;
        let b = server.base.clone();
        let make: MakeRequest = Arc::new(move |_| {
            (
                reqwest::Method::GET,
                format!("{b}/v1/rankings/volunteers?limit=20"),
                None,
            )
        });
        out.push(
            load(
                "GET /v1/rankings/volunteers, 10,000-volunteer city",
                server.pid(),
                ADMIN,
                duration,
                make,
            )
            .await,
        );
        let b = server.base.clone();
        let make: MakeRequest = Arc::new(move |_| {
            (
                reqwest::Method::GET,
                format!("{b}/v1/rankings/teams?limit=50"),
                None,
            )
        });
        out.push(
            load(
                "GET /v1/rankings/teams, 47-team city",
                server.pid(),
                ADMIN,
                duration,
                make,
            )
            .await,
        );
    }
    Ok(out)
}

/// Adds a district named `district`, a team in it with 500 volunteers and its coordinator to
/// the ledger at `base`; the coordinator's token and the requests that log one activity each
/// (one participant, service of the last four weeks).
pub(super) async fn activity_load(
    client: &reqwest::Client,
    base: &str,
    district: &str,
) -> Result<(String, MakeRequest), String> {
    post(
        client,
        format!("{base}/v1/districts"),
        ADMIN,
        json!({"name": district, "kind": "district", "region": "湖州市"}),
    )
    .await?;
    activity_load_in(client, base, district).await
}

/// [`activity_load`] in a district already registered (a team of its own each call).
pub(super) async fn activity_load_in(
    client: &reqwest::Client,
    base: &str,
    district: &str,
) -> Result<(String, MakeRequest), String> {
    /// The days back the activities of the load are spread over.
    const RECENT_DAYS: u64 = 28;
    let name = format!("压测队{}", yinling_ledger::Timestamp::now().0);
    let team = post(
        client,
        format!("{base}/v1/teams"),
        ADMIN,
        json!({"name": name, "district": district, "category": "eco_patrol"}),
    )
    .await?;
    let team = team["id"].as_str().ok_or("no team id")?.to_owned();
    let token = post(
        client,
        format!("{base}/v1/tokens"),
        ADMIN,
        json!({"role": "coordinator", "team_id": team}),
    )
    .await?;
    let coordinator = token["token"].as_str().ok_or("no token")?.to_owned();
    let mut volunteers = Vec::new();
    for i in 0..500 {
        let v = post(
            client,
            format!("{base}/v1/volunteers"),
            &coordinator,
            json!({"name": format!("志愿者{i}"), "team_id": team}),
        )
        .await?;
        volunteers.push(v["id"].as_str().ok_or("no volunteer id")?.to_owned());
    }
    let today = yinling_ledger::Timestamp::now().local_date();
    let (b, t, v) = (base.to_owned(), team, Arc::new(volunteers));
    let make: MakeRequest = Arc::new(move |n| {
        // Service of the last four weeks, each volunteer in turn: inside any backfill limit
        // (the demo city sets 30 days; older dates would be requests awaiting approval, not
        // activities), and each (volunteer, day) far below the daily cap of hours.
        let volunteers = v.len() as u64;
        let date = today - chrono::Days::new(1 + (n / volunteers) % RECENT_DAYS);
        let body = json!({"team_id": t, "category": "eco_patrol", "date": date.to_string(), "title": "巡河",
                          "participants": [{"volunteer_id": v[(n % volunteers) as usize], "hours": "0.01"}]});
        (
            reqwest::Method::POST,
            format!("{b}/v1/activities"),
            Some(body.to_string().into_bytes()),
        )
    });
    Ok((coordinator, make))
}
