//! Policies over HTTP and at start-up: a new ledger records its time zone and hold time on
//! its first start; a ledger started in another zone refuses to start unless the change is
//! made on purpose, with a reason; an administrator sets the back-fill limit, and a late
//! entry waits (202) in the queue until approved or declined; the hold time applies to
//! holds made after it changes.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_entry_waits_for_approval_and_the_hold_time_is_a_policy() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let (a, c) = (&city.admin, &city.coordinator);
    let v = city.volunteers[0].clone();

    let policies = c.get("/v1/policies").await.ok();
    assert_eq!(policies["time_zone"]["value"], "UTC+08:00");
    assert_eq!(
        policies["time_zone"]["history"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(policies["hold_days"]["value"], "14");
    assert_eq!(policies["backfill_limit_days"]["value"], "none");

    let set = a
        .send(
            reqwest::Method::PUT,
            "/v1/policies/backfill-limit",
            Some(json!({"days": 30, "note": "超过30天的补登须审批"})),
            &[],
        )
        .await
        .ok();
    assert_eq!(set["value"], "30");

    let late = json!({"team_id": city.team, "category": "mediation", "date": days_ago(45), "title": "补登调解",
                      "participants": [{"volunteer_id": v, "hours": "2"}]});
    let earned_before =
        a.get(&format!("/v1/volunteers/{v}")).await.ok()["balance"]["earned"].clone();
    let held = c.post("/v1/activities", late).await;
    assert_eq!(held.status.as_u16(), 202, "{}", held.body);
    assert_eq!(held.body["status"], "awaiting_approval");
    assert_eq!(held.body["days_late"], 45);
    assert_eq!(held.body["points_if_approved"], "20");
    let id = held.body["activity_id"].as_str().expect("id").to_owned();
    assert_eq!(
        a.get(&format!("/v1/volunteers/{v}")).await.ok()["balance"]["earned"],
        earned_before,
        "nothing credited yet"
    );
    // The coordinator sees their team's queue; the volunteer sees none.
    let mine = c.get("/v1/backfills").await.ok();
    assert_eq!(mine["items"][0]["activity_id"], id.as_str());
    // Named in full to the team's coordinator; masked to an auditor, as every other route
    // names people to them.
    let full = mine["items"][0]["participants"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(full.starts_with("志愿者"), "{full}");
    let audited = city.auditor.get("/v1/backfills").await.ok();
    let masked = audited["items"][0]["participants"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(masked.contains('*') && masked != full, "{masked}");
    city.volunteer_clients[0]
        .get("/v1/backfills")
        .await
        .problem(403);
    c.post(&format!("/v1/backfills/{id}/approve"), json!({}))
        .await
        .problem(403);

    let approved = a
        .post(
            &format!("/v1/backfills/{id}/approve"),
            json!({"note": "有签到表"}),
        )
        .await
        .ok();
    assert_eq!(approved["id"], id.as_str());
    assert_eq!(approved["points_total"], "20");
    let account = a.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_ne!(account["balance"]["earned"], earned_before);
    assert!(a.get("/v1/backfills").await.ok()["items"]
        .as_array()
        .is_some_and(Vec::is_empty));

    // Another, declined.
    let other = json!({"team_id": city.team, "category": "mediation", "date": days_ago(60), "title": "补登",
                       "participants": [{"volunteer_id": v, "hours": "1"}]});
    let id = c.post("/v1/activities", other).await.body["activity_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let declined = a
        .post(
            &format!("/v1/backfills/{id}/decline"),
            json!({"reason": "无记录可查"}),
        )
        .await
        .ok();
    assert_eq!(declined["reason"], "无记录可查");
    a.get(&format!("/v1/activities/{id}")).await.problem(404);

    // The hold time: a week from now on.
    a.send(
        reqwest::Method::PUT,
        "/v1/policies/hold-time",
        Some(json!({"days": 7, "note": "节前缩短"})),
        &[],
    )
    .await
    .ok();
    let hold = a
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();
    let expires = hold["expires_at"].as_str().expect("expires_at");
    let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("rfc3339");
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!(
        (167..=168).contains(&days),
        "about seven days: {days} hours"
    );
    let policies = c.get("/v1/policies").await.ok();
    assert_eq!(policies["hold_days"]["value"], "7");
    assert_eq!(policies["hold_days"]["history"][1]["note"], "节前缩短");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_refuses_to_start_in_another_time_zone_unless_told_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut first = Server::start_in(&dir, &[]);
    first.terminate();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--utc-offset",
            "+09:00",
            "--data",
        ])
        .arg(&dir)
        .env("YINLING_LOG", "warn")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("UTC+08:00") && stderr.contains("--change-time-zone"),
        "{stderr}"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["serve", "--utc-offset", "8 hours", "--data"])
        .arg(&dir)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"8 hours\" is not a UTC offset"));
    let mut moved = Server::start_in(
        &dir,
        &["--utc-offset", "+09:00", "--change-time-zone", "迁往新机房"],
    );
    let policies = moved.client(ADMIN).get("/v1/policies").await.ok();
    assert_eq!(policies["time_zone"]["value"], "UTC+09:00");
    assert_eq!(policies["time_zone"]["history"][1]["note"], "迁往新机房");
    moved.terminate();
    // From now on, +09:00 is the ledger's zone and starts without a reason.
    let mut again = Server::start_in(&dir, &["--utc-offset", "+9"]);
    again.terminate();
    // Replay shows the policies of the time: before the move, one zone; after it, the second.
    let replay = |extra: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["replay", "--json", "--data"])
            .arg(&dir)
            .args(extra)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let now = replay(&[]);
    assert_eq!(now["policies"]["time_zone"]["value"], "UTC+09:00");
    let moved_at = now["policies"]["time_zone"]["history"][1]["seq"]
        .as_u64()
        .expect("seq");
    let before = replay(&["--as-of", &(moved_at - 1).to_string()]);
    assert_eq!(before["policies"]["time_zone"]["value"], "UTC+08:00");
    assert_eq!(before["policies"]["hold_days"]["value"], "14");
}
