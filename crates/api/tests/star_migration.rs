//! A log written before stars were recorded (no star scale in it) keeps showing the stars
//! read off the hours; the first start of this version adopts the national scale and, in the
//! same commit, records the stars every volunteer already holds. Nothing changes for the
//! volunteer, and a second start changes nothing.

mod common;

use axum::http::StatusCode;
use common::{open, send};
use serde_json::json;
use yinling_app::node::bootstrap_star_scale;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_records_the_stars_already_held_and_a_second_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = open(tmp.path()).await;
    let (_, _, team) = send(
        &app,
        "POST",
        "/v1/teams",
        Some(json!({"name": "灵峰护绿队", "district": "安吉县", "category": "eco_patrol"})),
    )
    .await;
    let team = team["id"].as_str().expect("team").to_owned();
    let (_, _, v) = send(
        &app,
        "POST",
        "/v1/volunteers",
        Some(json!({"name": "王金法", "team_id": team})),
    )
    .await;
    let v = v["id"].as_str().expect("volunteer").to_owned();
    let today = yinling_ledger::Timestamp::now().local_date();
    // Service is logged by the team's coordinator.
    let (_, _, token) = send(
        &app,
        "POST",
        "/v1/tokens",
        Some(json!({"role": "coordinator", "team_id": team})),
    )
    .await;
    let secret = token["token"].as_str().expect("secret").to_owned();
    // 120 hours over six days: one star on the national scale.
    for back in 1..=6u64 {
        let date = today - chrono::Days::new(back);
        let (status, _, body) = common::send_as(
            &app,
            &secret,
            "POST",
            "/v1/activities",
            Some(json!({"team_id": team, "category": "eco_patrol", "date": date.to_string(), "title": "巡河",
                        "participants": [{"volunteer_id": v, "hours": "20"}]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, _, before) = send(&app, "GET", &format!("/v1/volunteers/{v}"), None).await;
    assert_eq!(before["stars"], 1, "read off the hours: {before}");
    let (_, _, scale) = send(&app, "GET", "/v1/stars/scale", None).await;
    assert_eq!(scale["recorded"], false);

    assert_eq!(
        bootstrap_star_scale(&app).await.expect("adopted"),
        Some(1),
        "one star recorded"
    );
    let (_, _, after) = send(&app, "GET", &format!("/v1/volunteers/{v}"), None).await;
    assert_eq!(after["stars"], 1, "nothing changes for the volunteer");
    let (_, _, scale) = send(&app, "GET", "/v1/stars/scale", None).await;
    assert_eq!(scale["recorded"], true);
    assert_eq!(scale["current"]["thresholds_hours"][0], "100");
    let (_, _, feed) = send(&app, "GET", "/v1/events?after=0&limit=1000", None).await;
    let star = feed["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "StarReached")
        .cloned()
        .expect("a StarReached event");
    assert_eq!(star["data"]["volunteer_id"], v.as_str());
    assert_eq!(star["data"]["level"], 1);
    assert_eq!(star["actor"]["role"], "system");
    assert_eq!(bootstrap_star_scale(&app).await.expect("second"), None);

    // A reopen keeps it; 180 more hours to the second star.
    app.engine.shutdown().await;
    drop(app);
    let app = open(tmp.path()).await;
    let (_, _, again) = send(&app, "GET", &format!("/v1/volunteers/{v}"), None).await;
    assert_eq!(again["stars"], 1);
    assert_eq!(again["hours_to_next_star"], "180");
}
