//! Stars over HTTP: a new ledger records stars from its first start on the national scale;
//! an administrator adopts a scale with review; a star reached waits on the public notice
//! until confirmed; hours taken back withdraw it with the reason.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_waits_on_public_notice_counts_once_confirmed_and_follows_the_hours() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let (a, c) = (&city.admin, &city.coordinator);

    let scale = c.get("/v1/stars/scale").await.ok();
    assert_eq!(
        scale["recorded"], true,
        "a new ledger records stars: {scale}"
    );
    assert_eq!(scale["current"]["version"], 1);
    assert_eq!(
        scale["current"]["thresholds_hours"],
        json!(["100", "300", "600", "1000", "1500"])
    );

    let adopted = a
        .post(
            "/v1/stars/scale",
            json!({"thresholds_hours": ["20", "40"], "review": true, "note": "本平台标准：须公示"}),
        )
        .await;
    assert_eq!(adopted.status.as_u16(), 201, "{}", adopted.body);
    assert_eq!(adopted.body["version"], 2);

    let v = c
        .post(
            "/v1/volunteers",
            json!({"name": "沈阿姨", "team_id": city.team}),
        )
        .await
        .id();
    let logged = c
        .post(
            "/v1/activities",
            json!({"team_id": city.team, "category": "mediation", "date": days_ago(2), "title": "调解",
                   "participants": [{"volunteer_id": v, "hours": "21"}]}),
        )
        .await;
    // 21 hours in a day is allowed (at most 24).
    let logged = logged.ok();
    let account = c.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_eq!(account["stars"], 0, "waiting for review: {account}");
    assert_eq!(account["star_awaiting_confirmation"], 1);
    assert_eq!(account["hours_to_next_star"], "19");

    // The public notice lists it, for everyone signed in.
    let notice = city.volunteer_clients[0]
        .get("/v1/stars/pending")
        .await
        .ok();
    let mine = notice["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["volunteer_id"] == v.as_str())
        .cloned()
        .expect("on the notice");
    // Another volunteer sees the name masked; her coordinator sees it whole.
    assert_eq!(mine["name"], "沈*姨");
    assert_eq!(mine["level"], 1);
    let theirs = c.get("/v1/stars/pending").await.ok();
    assert!(
        theirs["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|p| p["name"] == "沈阿姨")),
        "{theirs}"
    );

    // Only an administrator confirms, and only the level the notice showed.
    c.post(
        &format!("/v1/stars/pending/{v}/confirm"),
        json!({"level": 1}),
    )
    .await
    .problem(403);
    let wrong = a
        .post(
            &format!("/v1/stars/pending/{v}/confirm"),
            json!({"level": 2}),
        )
        .await;
    assert_eq!(wrong.problem(409)["code"], "level_changed");
    let confirmed = a
        .post(
            &format!("/v1/stars/pending/{v}/confirm"),
            json!({"level": 1, "note": "公示七天无异议"}),
        )
        .await
        .ok();
    assert_eq!(confirmed["level"], 1);
    let account = c.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_eq!(account["stars"], 1);
    assert!(account["star_awaiting_confirmation"].is_null());

    // The hours are reversed: the star is withdrawn, with the reason in the feed.
    let id = logged["id"].as_str().expect("id");
    c.post(
        &format!("/v1/activities/{id}/reversal"),
        json!({"reason": "误登"}),
    )
    .await
    .ok();
    let account = c.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_eq!(account["stars"], 0);
    let feed = city.auditor.get("/v1/events?after=0&limit=1000").await.ok();
    let withdrawn = feed["events"]
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .find(|e| e["type"] == "StarWithdrawn")
        .cloned()
        .expect("a withdrawal");
    assert!(
        withdrawn["data"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("误登")),
        "{withdrawn}"
    );
}
