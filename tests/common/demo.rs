//! The demo city (300 volunteers, 12 teams, 300 days, seed 21) served over loopback, and its
//! whole public event feed: what the recount tests check every report against.

use std::process::Command;

use serde_json::Value;

use super::{Client, Server, ADMIN};

/// Demo city in a fresh data dir, served over loopback.
pub fn demo_city(dir: &std::path::Path) -> Server {
    let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args([
            "demo",
            "--volunteers",
            "300",
            "--teams",
            "12",
            "--days",
            "300",
            "--seed",
            "21",
            "--data",
        ])
        .arg(dir)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .output()
        .expect("demo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Server::start_in(dir, &[])
}

/// Every event of the public feed, page by page.
pub async fn feed(client: &Client) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = client
            .get(&format!("/v1/events?after={after}&limit=1000"))
            .await
            .ok();
        let events = page["events"].as_array().expect("events").clone();
        if events.is_empty() {
            return all;
        }
        after = page["next_after"].as_u64().expect("next_after");
        all.extend(events);
    }
}
