//! HTTP under load on a city already generated (the million-volunteer one, say): `serve` is
//! started on it (checking only the tail), a team of 500 is added, and then 64 clients log activities (each durable;
//! the node snapshots every 100,000 events, so on a big city the writes run through the
//! snapshots it takes), then read the whole-city volunteer ranking, then both at once (64
//! clients each, a team of 500 more for the writes), then rankings the board does not hold
//! (windows of service dates, a district) and the one by hours, each alone, then this month's
//! and a district's beside 64 writers (whose service moves those boards). The load generator is
//! this process; the server's CPU per request is reported beside it. Printed, not written to
//! BENCHMARKS.md: the city is whatever `--city` names.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::http::{self, HttpResult, MakeRequest, Server, ADMIN};
use super::resident::{resident_mb, Peak};

/// Seconds of light load after the measured ones, before resident memory is read again.
const SETTLE_SECONDS: u64 = 15;

/// How often resident memory is sampled during the writes and the reads, in milliseconds.
const RESIDENT_SAMPLE_MS: u64 = 250;

/// The snapshot files of a data directory (under `snapshots/`, named by their seq).
fn snapshots(dir: &Path) -> std::collections::BTreeSet<std::ffi::OsString> {
    std::fs::read_dir(dir.join("snapshots")).map_or_else(
        |_| Default::default(),
        |d| d.filter_map(Result::ok).map(|e| e.file_name()).collect(),
    )
}

/// Starts `serve` on `city`, loads it, and prints what it measured.
pub async fn measure(
    binary: &Path,
    city: &Path,
    serve_args: &[String],
    duration: Duration,
) -> Result<(), String> {
    let started = Instant::now();
    // Only the tail is checked, at the start and after it, so that what the writes hold is
    // not mixed with what a whole-chain walk leaves in the allocator and in sled.
    let mut extra = vec!["--verify-tail", "--no-chain-walk"];
    extra.extend(serve_args.iter().map(String::as_str));
    let server = Server::start_with(binary, city, &extra)?;
    let start_seconds = started.elapsed().as_secs_f64();
    let pid = server.pid();
    eprintln!(
        "  listening after {start_seconds:.1} s, resident {:.0} MB",
        resident_mb(pid)
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(http::clients())
        .build()
        .map_err(|e| e.to_string())?;
    let base = server.base().to_owned();
    // A district of its own each run, so a city can be loaded more than once.
    let district = format!("压测区{}", yinling_ledger::Timestamp::now().0);
    let (coordinator, make) = http::activity_load(&client, &base, &district).await?;
    let before = snapshots(city);
    let peak = Peak::start(pid, Duration::from_millis(RESIDENT_SAMPLE_MS));
    let writes: HttpResult = http::load(
        "POST /v1/activities (1 participant, durable)",
        pid,
        &coordinator,
        duration,
        make,
    )
    .await;
    eprintln!(
        "  snapshots taken during the writes (and still kept): {}; p99.9 {:.1} ms, slowest {:.1} ms; highest resident during the writes {} MB",
        snapshots(city).difference(&before).count(),
        writes.latency.p999 / 1000.0,
        writes.latency.max / 1000.0,
        peak.highest()
    );
    let b = base.clone();
    let make: MakeRequest = Arc::new(move |_| {
        (
            reqwest::Method::GET,
            format!("{b}/v1/rankings/volunteers?limit=20"),
            None,
        )
    });
    let reads = http::load(
        "GET /v1/rankings/volunteers?limit=20",
        pid,
        ADMIN,
        duration,
        make.clone(),
    )
    .await;
    // Then both at once: the rankings read while the writes move the totals they rank.
    let (writer, make_writes) =
        http::activity_load(&client, &base, &format!("{district}旁")).await?;
    let (beside_writes, beside_reads) = tokio::join!(
        http::load_quietly(
            "POST /v1/activities beside the rankings",
            pid,
            &writer,
            duration,
            make_writes
        ),
        http::load_quietly(
            "GET /v1/rankings/volunteers?limit=20 beside the writes",
            pid,
            ADMIN,
            duration,
            make
        ),
    );
    let served = (beside_writes.requests_per_second + beside_reads.requests_per_second)
        * duration.as_secs_f64();
    // The server's CPU over the window, from the writes' share of it a request.
    let server_cpu =
        beside_writes.server_cpu_us * beside_writes.requests_per_second * duration.as_secs_f64();
    for r in [&beside_writes, &beside_reads] {
        eprintln!(
            "  {} (64 clients each, 128 together): {}, slowest {:.1} ms, {} errors",
            r.name,
            r.rate_and_latency(),
            r.latency.max / 1000.0,
            r.errors,
        );
    }
    eprintln!(
        "  the server's CPU over both, a request: {:.0} us",
        server_cpu / served.max(1.0)
    );
    let highest = peak.stop();
    eprintln!(
        "  slowest read {:.1} ms; resident after both {:.0} MB, the highest during both {highest} MB",
        reads.latency.max / 1000.0,
        resident_mb(pid),
    );
    windows_and_a_district(pid, &base, duration).await;
    boards_beside_writes(pid, &client, &base, duration).await?;
    // The allocator hands memory back as the process allocates again: a light load, then again.
    for _ in 0..SETTLE_SECONDS {
        let _ = client
            .get(format!("{base}/v1/rankings/teams?limit=5"))
            .bearer_auth(ADMIN)
            .send()
            .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    eprintln!(
        "  resident after {SETTLE_SECONDS} s more of a request a second: {:.0} MB",
        resident_mb(pid)
    );
    Ok(())
}

/// The volunteer rankings the board of all time by points does not answer, each read alone
/// from 64 clients: this year, the last 90 days and this month (by the load generator's date,
/// the demo's service ending on the day it was generated), one district of all time, and all
/// time by hours (its own board).
async fn windows_and_a_district(pid: u32, base: &str, duration: Duration) {
    use chrono::Datelike as _;
    let today = chrono::Utc::now().date_naive();
    let year = format!("{}-01-01", today.year());
    let quarter = (today - chrono::Duration::days(89)).to_string();
    let month = format!("{}-{:02}-01", today.year(), today.month());
    for (what, query) in [
        ("this year", format!("from={year}")),
        ("the last 90 days", format!("from={quarter}")),
        ("this month", format!("from={month}")),
        ("吴兴区, all time", "district=吴兴区".to_owned()),
        ("by hours, all time: the other board", "by=hours".to_owned()),
    ] {
        let url = format!("{base}/v1/rankings/volunteers?limit=20&{query}");
        let make: MakeRequest = Arc::new(move |_| (reqwest::Method::GET, url.clone(), None));
        let name = format!("GET /v1/rankings/volunteers?limit=20&{query} ({what})");
        let r = http::load(&name, pid, ADMIN, duration, make).await;
        eprintln!("    slowest {:.1} ms", r.latency.max / 1000.0);
    }
}

/// This month's ranking and a district's, each read by 64 clients while 64 more log
/// activities for a new team of that district (service of the last four weeks: what falls
/// in this month, and all of it in the district, moves the boards those rankings are read
/// off).
async fn boards_beside_writes(
    pid: u32,
    client: &reqwest::Client,
    base: &str,
    duration: Duration,
) -> Result<(), String> {
    use chrono::Datelike as _;
    let today = chrono::Utc::now().date_naive();
    let month = format!("{}-{:02}-01", today.year(), today.month());
    for (what, query) in [
        ("this month", format!("from={month}")),
        ("吴兴区, all time", "district=吴兴区".to_owned()),
    ] {
        let (writer, make_writes) = http::activity_load_in(client, base, "吴兴区").await?;
        let url = format!("{base}/v1/rankings/volunteers?limit=20&{query}");
        let make: MakeRequest = Arc::new(move |_| (reqwest::Method::GET, url.clone(), None));
        let name = format!("GET /v1/rankings/volunteers?limit=20&{query} ({what})");
        let (writes, reads) = tokio::join!(
            http::load_quietly("POST /v1/activities", pid, &writer, duration, make_writes),
            http::load_quietly(&name, pid, ADMIN, duration, make),
        );
        for r in [&reads, &writes] {
            eprintln!(
                "  {} beside the other (64 clients each): {}, slowest {:.1} ms, {} errors",
                r.name,
                r.rate_and_latency(),
                r.latency.max / 1000.0,
                r.errors,
            );
        }
    }
    Ok(())
}
