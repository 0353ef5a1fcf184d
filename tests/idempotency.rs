//! Every write route, retried with the same Idempotency-Key, answers byte for byte what it
//! answered the first time and appends nothing: the answer is built from the command's own
//! events, which the retry gets back from the log, never from the state at the time of the
//! retry. One table over all write routes, each sent as a role allowed to make it.

mod common;

use common::world::{rand_suffix, Role, World};
use common::{days_ago, Client};
use serde_json::json;

/// Each write route with a role that may make it.
const WRITES: &[(&str, Role)] = &[
    ("POST /v1/teams", Role::A),
    ("POST /v1/districts", Role::A),
    ("POST /v1/volunteers", Role::C),
    ("POST /v1/volunteers/{id}/move", Role::A),
    ("POST /v1/activities", Role::C),
    ("POST /v1/activities/{id}/reversal", Role::C),
    (
        "POST /v1/activities/{id}/participants/{volunteer_id}/correction",
        Role::C,
    ),
    ("PUT /v1/rules", Role::A),
    ("POST /v1/rules/versions", Role::A),
    ("POST /v1/rerating", Role::A),
    ("POST /v1/categories", Role::A),
    ("POST /v1/categories/{code}/rename", Role::A),
    ("POST /v1/categories/{code}/retire", Role::A),
    ("POST /v1/stars/scale", Role::A),
    ("POST /v1/stars/pending/{volunteer_id}/confirm", Role::A),
    ("PUT /v1/policies/hold-time", Role::A),
    ("PUT /v1/policies/backfill-limit", Role::A),
    ("POST /v1/backfills/{id}/approve", Role::A),
    ("POST /v1/backfills/{id}/decline", Role::A),
    ("POST /v1/rewards", Role::A),
    ("POST /v1/rewards/{id}/restock", Role::A),
    ("POST /v1/rewards/{id}/write-off", Role::A),
    ("POST /v1/rewards/{id}/reprice", Role::A),
    ("POST /v1/rewards/{id}/retire", Role::A),
    ("POST /v1/redemptions", Role::V),
    ("POST /v1/redemptions/{id}/fulfil", Role::A),
    ("POST /v1/redemptions/{id}/cancel", Role::V),
    ("POST /v1/groups", Role::A),
    ("POST /v1/groups/{id}/sub-groups", Role::A),
    ("POST /v1/groups/{id}/members", Role::A),
    ("POST /v1/groups/{id}/members/{team_id}/leave", Role::A),
    ("POST /v1/projects", Role::C),
    ("POST /v1/projects/{id}/status", Role::C),
    ("PUT /v1/scoring", Role::A),
    ("POST /v1/tokens", Role::A),
    ("DELETE /v1/tokens/{id}", Role::A),
    ("POST /v1/tokens/{id}/replace", Role::C),
    ("PUT /v1/tokens/{id}/last-day", Role::A),
    ("POST /v1/stations", Role::A),
    ("POST /v1/stock-transfers", Role::A),
    ("PUT /v1/volunteers/{id}/phone", Role::C),
    ("PUT /v1/volunteers/{id}/pin", Role::C),
    ("POST /v1/vouchers/use", Role::B),
    ("POST /v1/vouchers/refuse", Role::B),
    ("POST /v1/vouchers/{id}/cancel", Role::A),
    ("PUT /v1/banks/{bank}/budget", Role::A),
    ("PUT /v1/rewards/{id}/value", Role::A),
    ("POST /v1/rewards/{id}/receipts", Role::A),
    ("PUT /v1/policies/voucher-validity", Role::A),
    ("PUT /v1/policies/point-value", Role::A),
    ("PUT /v1/policies/coverage-warning", Role::A),
    ("POST /v1/volunteers/{id}/erasure", Role::A),
    ("POST /v1/volunteers/{id}/consents", Role::C),
    ("POST /v1/volunteers/{id}/consents/withdraw", Role::C),
    ("PUT /v1/privacy-notice", Role::A),
    ("PUT /v1/policies/notice-period", Role::A),
    ("POST /v1/disputes", Role::V),
    ("POST /v1/disputes/{id}/resolve", Role::C),
    ("PUT /v1/policies/dispute-escalation", Role::A),
    ("POST /v1/activities/{id}/confirmation-codes", Role::C),
    ("POST /v1/confirmations", Role::N),
    ("POST /v1/activities/{id}/waive-confirmation", Role::A),
    ("PUT /v1/volunteers/{id}/notice-contacts", Role::V),
    ("PUT /v1/policies/confirmation-required", Role::A),
];

/// Reads sent as POST (a card's token never sits in a URL): nothing to retry.
/// A roster upload is not keyed: importing the same file again appends nothing by itself
/// (`tests/onboard.rs`).
const READS_BY_POST: &[&str] = &[
    "POST /v1/counter/lookup",
    "POST /v1/vouchers/check",
    "POST /v1/onboard",
];

/// The headers a retry must repeat exactly: the receipt and where the new thing lives.
const REPEATED_HEADERS: [&str; 4] = ["ledger-seq", "ledger-hash", "location", "content-type"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_write_gets_the_first_answer_byte_for_byte_and_appends_nothing() {
    let world = World::build().await;
    let admin = world.client(Role::A);
    let mut failures = Vec::new();
    for (i, (route, role)) in WRITES.iter().enumerate() {
        let (method, path, body) = world.request(route, *role).await;
        let key = format!("idem-{i}-{}", rand_suffix());
        let headers = [("idempotency-key", key.as_str())];
        let client = world.client(*role);
        let first = client
            .send(method.clone(), &path, body.clone(), &headers)
            .await;
        if !first.status.is_success() {
            failures.push(format!(
                "{route}: the first attempt failed: {} {}",
                first.status, first.text
            ));
            continue;
        }
        let head = admin.head_seq().await;
        // The world moves on in between (a new team joins the group, an activity is logged),
        // so that an answer read off the state at the time of the retry would differ.
        meanwhile(&world, &admin, i).await;
        let moved = admin.head_seq().await;
        let retry = client.send(method, &path, body, &headers).await;
        if retry.status != first.status || retry.text != first.text {
            failures.push(format!(
                "{route}: the retry answered {} {} instead of {} {}",
                retry.status, retry.text, first.status, first.text
            ));
        }
        for name in REPEATED_HEADERS {
            if retry.headers.get(name) != first.headers.get(name) {
                failures.push(format!(
                    "{route}: header {name} was {:?} on the retry and {:?} the first time",
                    retry.headers.get(name),
                    first.headers.get(name)
                ));
            }
        }
        let after = admin.head_seq().await;
        if after != moved {
            failures.push(format!(
                "{route}: the retry appended {} events (head {head} before, {moved} after the other write, {after} after the retry)",
                after - moved
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The table covers every write route of the service.
    let spec = world.server.anonymous().get("/openapi.json").await.ok();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            let route = format!("{} {path}", method.to_uppercase());
            if method != "get" && !READS_BY_POST.contains(&route.as_str()) {
                assert!(
                    WRITES.iter().any(|(r, _)| *r == route),
                    "{route} is missing from the idempotency table"
                );
            }
        }
    }
}

/// Changes to the state a retry must not see: a team founded and joined to the group, and
/// an hour of service for the first volunteer.
async fn meanwhile(world: &World, admin: &Client, i: usize) {
    let team = admin
        .post(
            "/v1/teams",
            json!({"name": format!("其间{i}-{}", rand_suffix()), "district": "南浔区", "category": "craft"}),
        )
        .await
        .id();
    admin
        .post(
            &format!("/v1/groups/{}/members", world.group),
            json!({"team_id": team, "joined_on": days_ago(1)}),
        )
        .await
        .ok();
    world
        .client(Role::C)
        .post(
            "/v1/activities",
            json!({"team_id": world.city.team, "category": "lecture", "date": days_ago(2 + i as i64), "title": "其间",
                   "participants": [{"volunteer_id": world.city.volunteers[0], "hours": "0.25"}]}),
        )
        .await
        .ok();
}
