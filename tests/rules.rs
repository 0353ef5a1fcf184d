//! The earning rules over HTTP: a version takes effect on its date for the categories it
//! covers, multiplies the rate on its named days, and never changes a credit already made;
//! a past period is re-rated only on request, previewed first, with the reason on every
//! adjustment.

mod common;

use chrono::Datelike;
use common::*;
use serde_json::json;

/// A Saturday of the last fortnight other than yesterday: `City::build` logs a mediation
/// for yesterday, and on a Sunday (the service's calendar is UTC+8) that entry would fall in
/// the re-rated period too.
fn saturday_within_a_fortnight() -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    (2..=15)
        .map(|n| today - chrono::Days::new(n))
        .find(|d| d.weekday() == chrono::Weekday::Sat)
        .expect("a saturday in the last fortnight")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_takes_effect_on_its_date_and_a_rerating_is_explicit() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let (a, c) = (&city.admin, &city.coordinator);
    let v = city.volunteers[0].clone();
    let saturday = saturday_within_a_fortnight();
    let log = |date: String| {
        json!({"team_id": city.team, "category": "mediation", "date": date, "title": "周末调解",
               "participants": [{"volunteer_id": v, "hours": "2"}]})
    };
    // Before any new rule: 10 an hour.
    let first = c.post("/v1/activities", log(saturday.clone())).await.ok();
    assert_eq!(first["points_total"], "20");
    // Mediation earns 15 from three weeks ago, and twice on weekends.
    let adopted = a
        .post(
            "/v1/rules/versions",
            json!({"effective_from": days_ago(21), "rates": {"mediation": "15"},
                   "multipliers": [{"label": "周末", "weekends": true, "multiplier": "2"}],
                   "note": "调解周末加倍"}),
        )
        .await
        .ok();
    assert_eq!(adopted["version"], 1);
    let on_saturday = a.get(&format!("/v1/rules?date={saturday}")).await.ok();
    assert_eq!(on_saturday["rates"]["mediation"], "15");
    assert_eq!(on_saturday["rates"]["lecture"], "10");
    let versions = a.get("/v1/rules/versions").await.ok();
    assert_eq!(versions["items"][0]["multipliers"][0]["label"], "周末");
    // A new entry for that Saturday earns under the new rule: 2 h × 15 × 2.
    let second = c.post("/v1/activities", log(saturday.clone())).await.ok();
    assert_eq!(second["points_total"], "60");
    // The first credit is untouched until a re-rating, which is previewed first.
    let account = a.get(&format!("/v1/volunteers/{v}")).await.ok();
    let earned_before = account["balance"]["earned"].clone();
    let preview = a
        .get(&format!("/v1/rerating?from={saturday}&to={saturday}"))
        .await
        .ok();
    assert_eq!(preview["entries"], 1);
    assert_eq!(preview["points_change"], "40");
    assert_eq!(preview["teams"][0]["team_id"], city.team);
    assert_eq!(
        a.get(&format!("/v1/volunteers/{v}")).await.ok()["balance"]["earned"],
        earned_before,
        "a preview changes nothing"
    );
    let done = a
        .post(
            "/v1/rerating",
            json!({"from": saturday, "to": saturday, "reason": "周末加倍规则补算"}),
        )
        .await
        .ok();
    assert_eq!(done["entries"], 1);
    let statement = a.get(&format!("/v1/volunteers/{v}/statement")).await.ok();
    let last = statement["entries"]
        .as_array()
        .expect("entries")
        .last()
        .cloned()
        .expect("a line");
    assert_eq!(
        (last["kind"].as_str(), last["points"].as_str()),
        (Some("rerating"), Some("40"))
    );
    // Nothing is left to re-rate; asking again is refused and appends nothing.
    let head = a.head_seq().await;
    a.post(
        "/v1/rerating",
        json!({"from": saturday, "to": saturday, "reason": "再算"}),
    )
    .await
    .problem(409);
    assert_eq!(a.head_seq().await, head);
}
