//! The walk of the whole chain after a tail start, on a city already generated: `serve
//! --verify-tail` on the city `--city` names, `/healthz` polled until its `chain_walk` has
//! ended, the node's resident memory sampled throughout and one client reading the
//! whole-city volunteer ranking meanwhile; then the same for as long again after the walk;
//! then a start with `--no-chain-walk` beside it, for the node's memory without the walk.
//! What the walk costs is what this shows: its time after `listening`, what sled keeps of
//! the pages it read through the serving handle, and the requests answered beside it.
//! Printed, not written to BENCHMARKS.md.

use std::path::Path;
use std::time::{Duration, Instant};

use super::http::{Server, ADMIN};
use super::resident::{resident_mb, Peak};
use super::Percentiles;

/// How often resident memory is sampled, in milliseconds.
const RESIDENT_SAMPLE_MS: u64 = 250;

/// Seconds the node is left alone after the walk before its memory is read again.
const SETTLE_SECONDS: u64 = 10;

/// Starts `serve` on `city` with and without the walk and prints what it measured.
pub async fn measure(binary: &Path, city: &Path) -> Result<(), String> {
    let client = reqwest::Client::new();
    {
        let started = Instant::now();
        let server = Server::start_with(binary, city, &["--verify-tail"])?;
        let listening = started.elapsed().as_secs_f64();
        let pid = server.pid();
        eprintln!(
            "  with the walk: listening after {listening:.1} s, resident {:.0} MB",
            resident_mb(pid)
        );
        let peak = Peak::start(pid, Duration::from_millis(RESIDENT_SAMPLE_MS));
        let walking = Instant::now();
        let (during, during_count, walk) = read_while_walking(&client, server.base()).await?;
        let wall = walking.elapsed();
        let highest = peak.stop();
        let (after, after_count) = read_for(&client, server.base(), wall).await?;
        tokio::time::sleep(Duration::from_secs(SETTLE_SECONDS)).await;
        eprintln!(
            "  the walk: {} to event {} in {:.1} s after `listening` (its own count {}); \
             resident at its end the highest {highest} MB, {SETTLE_SECONDS} s after the reads \
             that followed it {:.0} MB",
            walk["state"],
            walk["head"],
            wall.as_secs_f64(),
            walk["seconds"],
            resident_mb(pid)
        );
        for (when, latency, count) in [
            ("during the walk", during, during_count),
            ("after it, as long", after, after_count),
        ] {
            eprintln!(
                "  GET /v1/rankings/volunteers, one client, {when}: {count} requests, p50 {:.2} \
                 ms, p99 {:.2} ms",
                latency.p50 / 1000.0,
                latency.p99 / 1000.0
            );
        }
    }
    let server = Server::start_with(binary, city, &["--verify-tail", "--no-chain-walk"])?;
    let pid = server.pid();
    tokio::time::sleep(Duration::from_secs(SETTLE_SECONDS)).await;
    let health = health(&client, server.base()).await?;
    eprintln!(
        "  without it (`--no-chain-walk`): chain_walk {}; resident {SETTLE_SECONDS} s after \
         `listening` {:.0} MB",
        health["chain_walk"],
        resident_mb(pid)
    );
    Ok(())
}

/// `/healthz`, whatever its status code (503 while the log refuses writes).
async fn health(client: &reqwest::Client, base: &str) -> Result<serde_json::Value, String> {
    client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

/// One ranking read, its time in microseconds.
async fn read_ranking(client: &reqwest::Client, base: &str) -> Result<u64, String> {
    let sent = Instant::now();
    let status = client
        .get(format!("{base}/v1/rankings/volunteers?limit=20"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .status();
    if !status.is_success() {
        return Err(format!("the ranking answered {status}"));
    }
    Ok(sent.elapsed().as_micros() as u64)
}

/// Reads the ranking until `/healthz` says the walk has ended (asked between reads, every
/// 100 ms); the reads' latency and the walk as `/healthz` last gave it.
async fn read_while_walking(
    client: &reqwest::Client,
    base: &str,
) -> Result<(Percentiles, usize, serde_json::Value), String> {
    let mut micros = Vec::new();
    let mut asked = Instant::now();
    let mut walk = health(client, base).await?["chain_walk"].clone();
    while walk["state"] == "walking" {
        micros.push(read_ranking(client, base).await?);
        if asked.elapsed() >= Duration::from_millis(100) {
            walk = health(client, base).await?["chain_walk"].clone();
            asked = Instant::now();
        }
    }
    if walk["state"] != "done" {
        return Err(format!("the walk after the start did not end done: {walk}"));
    }
    let count = micros.len();
    Ok((Percentiles::of(micros), count, walk))
}

/// Reads the ranking for `duration`; the reads' latency.
async fn read_for(
    client: &reqwest::Client,
    base: &str,
    duration: Duration,
) -> Result<(Percentiles, usize), String> {
    let started = Instant::now();
    let mut micros = Vec::new();
    while started.elapsed() < duration {
        micros.push(read_ranking(client, base).await?);
    }
    let count = micros.len();
    Ok((Percentiles::of(micros), count))
}
