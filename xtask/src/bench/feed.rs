//! An auditor reading the whole history on a city already generated: `serve` is started on
//! the city `--city` names (checking only the tail, and walking nothing after the start, so
//! that no walk is in the allocator or in sled) and
//! the auditors' feed (`GET /v1/events`) is paged from the first event to the head, twice,
//! as one client would, with the node's resident memory sampled throughout. What a read of
//! old events leaves in the node is what this shows: sled keeps the pages a read pulled in
//! beyond its cache's capacity until its accounting catches up (BENCHMARKS.md, "An auditor
//! reading the whole history"). Printed, not written to BENCHMARKS.md.

use std::path::Path;
use std::time::{Duration, Instant};

use super::http::{Server, ADMIN};
use super::resident::{resident_mb, Peak};

/// Events a page of the feed asks for: the route's own largest page.
const PAGE_EVENTS: u64 = 1_000;

/// How often resident memory is sampled while the feed is read, in milliseconds.
const RESIDENT_SAMPLE_MS: u64 = 250;

/// Seconds the node is left alone after each pass before its memory is read again.
const SETTLE_SECONDS: u64 = 10;

/// Starts `serve` on `city`, pages its feed twice and prints what it measured.
pub async fn measure(binary: &Path, city: &Path) -> Result<(), String> {
    let server = Server::start_with(binary, city, &["--verify-tail", "--no-chain-walk"])?;
    let pid = server.pid();
    tokio::time::sleep(Duration::from_secs(SETTLE_SECONDS)).await;
    eprintln!(
        "  listening; resident {SETTLE_SECONDS} s later {:.0} MB",
        resident_mb(pid)
    );
    let client = reqwest::Client::new();
    for pass in ["first", "second"] {
        let peak = Peak::start(pid, Duration::from_millis(RESIDENT_SAMPLE_MS));
        let started = Instant::now();
        let events = page_to_the_head(&client, server.base()).await;
        let seconds = started.elapsed().as_secs_f64();
        let highest = peak.stop();
        let events = events?;
        let at_end = resident_mb(pid);
        tokio::time::sleep(Duration::from_secs(SETTLE_SECONDS)).await;
        eprintln!(
            "  {pass} pass: {events} events in {seconds:.1} s ({:.0} events/s); resident at \
             its end {at_end:.0} MB, the highest during it {highest} MB, {SETTLE_SECONDS} s \
             later {:.0} MB",
            events as f64 / seconds.max(f64::EPSILON),
            resident_mb(pid)
        );
    }
    Ok(())
}

/// Pages the feed from the first event until a page comes back empty; the events read.
async fn page_to_the_head(client: &reqwest::Client, base: &str) -> Result<u64, String> {
    let (mut after, mut events) = (0u64, 0u64);
    loop {
        let url = format!("{base}/v1/events?after={after}&limit={PAGE_EVENTS}");
        let response = client
            .get(&url)
            .bearer_auth(ADMIN)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: {}", response.status()));
        }
        let page: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        let read = page["events"]
            .as_array()
            .ok_or_else(|| format!("{url}: a page without events"))?
            .len() as u64;
        if read == 0 {
            return Ok(events);
        }
        events += read;
        after = page["next_after"]
            .as_u64()
            .ok_or_else(|| format!("{url}: a page without next_after"))?;
    }
}
