//! Categories of service over HTTP: an administrator registers a campaign (垃圾分类) with
//! its own rate and dates; coordinators log service under it by its code; a rule version
//! can name it; retiring it refuses later service with the reason and keeps every entry.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_is_registered_logged_under_rated_and_retired() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let (a, c) = (&city.admin, &city.coordinator);
    let v = city.volunteers[0].clone();

    let listed = c.get("/v1/categories").await.ok();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(7));
    assert_eq!(listed["items"][0]["code"], "mediation");
    assert_eq!(listed["items"][0]["label_zh"], "矛盾调解");
    assert_eq!(listed["items"][0]["built_in"], true);

    let created = a
        .post(
            "/v1/categories",
            json!({"code": "garbage_sorting", "label_zh": "垃圾分类", "label_en": "Garbage sorting",
                   "default_points_per_hour": "15", "active_from": days_ago(10)}),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let created = created.ok();
    assert_eq!(created["code"], "garbage_sorting");
    let one = c.get("/v1/categories/garbage_sorting").await.ok();
    assert_eq!(one["points_per_hour"], "15");
    assert_eq!(one["built_in"], false);
    assert_eq!(one["open"], true);

    let log = |date: String, hours: &str| {
        json!({"team_id": city.team, "category": "garbage_sorting", "date": date, "title": "桶边督导",
               "participants": [{"volunteer_id": v, "hours": hours}]})
    };
    // A weekday in the window, so no day multiplier applies.
    let weekday = (2..9)
        .map(days_ago)
        .find(|d| {
            let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
            chrono::Datelike::weekday(&d).number_from_monday() <= 5
        })
        .expect("a weekday");
    let logged = c
        .post("/v1/activities", log(weekday.clone(), "2"))
        .await
        .ok();
    assert_eq!(logged["category"], "garbage_sorting");
    assert_eq!(logged["points_total"], "30");
    let before_window = c.post("/v1/activities", log(days_ago(11), "1")).await;
    let problem = before_window.problem(409);
    assert_eq!(problem["code"], "category_closed");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("垃圾分类")),
        "{problem}"
    );

    // A rule version can name it by its code.
    a.post(
        "/v1/rules/versions",
        json!({"effective_from": days_ago(1), "rates": {"garbage_sorting": "20"}, "note": "加码"}),
    )
    .await
    .ok();
    let versions = a.get("/v1/rules/versions").await.ok();
    assert_eq!(versions["items"][0]["rates"]["garbage_sorting"], "20");

    // A team can have it as its main kind of service.
    let team = a
        .post(
            "/v1/teams",
            json!({"name": "垃圾分类督导队", "district": "南浔区", "category": "garbage_sorting"}),
        )
        .await
        .ok();
    assert_eq!(team["category"], "garbage_sorting");

    // Renamed: the code and the entries stay.
    let renamed = a
        .post(
            "/v1/categories/garbage_sorting/rename",
            json!({"label_zh": "垃圾分类督导", "label_en": "Sorting guidance"}),
        )
        .await
        .ok();
    assert_eq!(renamed["label_zh"], "垃圾分类督导");

    // Retired yesterday: later service is refused with the reason; the credit stays.
    let earned = |account: serde_json::Value| account["balance"]["earned"].clone();
    let earned_before = earned(a.get(&format!("/v1/volunteers/{v}")).await.ok());
    let retired = a
        .post(
            "/v1/categories/garbage_sorting/retire",
            json!({"last_day": days_ago(1), "reason": "专项行动结束"}),
        )
        .await
        .ok();
    assert_eq!(retired["code"], "garbage_sorting");
    let today_entry = c.post("/v1/activities", log(today(), "1")).await;
    let problem = today_entry.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("专项行动结束")),
        "{problem}"
    );
    let account = a.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_eq!(earned(account), earned_before);
    let activity = c
        .get(&format!(
            "/v1/activities/{}",
            logged["id"].as_str().expect("id")
        ))
        .await
        .ok();
    assert_eq!(activity["category"], "garbage_sorting");
    let listed = c.get("/v1/categories").await.ok();
    let last = &listed["items"][7];
    assert_eq!(last["open"], false);
    assert_eq!(last["retired_reason"], "专项行动结束");
}
