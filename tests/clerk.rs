//! The station clerk: a token for the e-station counter that sees a volunteer's balance,
//! redeems for a volunteer standing at the counter, hands rewards over and restocks, and can
//! do nothing of an administrator's (rules, prices, tokens, the evaluation). Every look at a
//! volunteer's account is in the access log.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_clerk_works_the_counter_and_nothing_else() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let a = &city.admin;
    let secret = token(
        a,
        json!({"role": "station_clerk", "label": "南浔 e站 柜台"}),
    )
    .await;
    let clerk = server.client(&secret);
    let v0 = city.volunteers[0].clone();

    // At the counter: the balance, a redemption on the volunteer's behalf, the hand-over,
    // a restock.
    let account = clerk.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(account["balance"]["available"], "80");
    // The volunteer confirms by their card, scanned at the counter (the scanner reads the
    // card's link).
    let card = city.volunteer_clients[0].token.clone().expect("card");
    let hold = clerk
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1,
                   "card": format!("https://points.example.gov.cn/card/{card}")}),
        )
        .await
        .ok();
    let id = hold["id"].as_str().expect("id").to_owned();
    let code = hold["pickup_code"]
        .as_str()
        .expect("pickup code")
        .to_owned();
    clerk
        .post(
            &format!("/v1/redemptions/{id}/fulfil"),
            json!({"pickup_code": code}),
        )
        .await
        .ok();
    clerk
        .post(
            &format!("/v1/rewards/{}/restock", city.reward),
            json!({"quantity": 5}),
        )
        .await
        .ok();

    // Nothing of an administrator's, nothing of a coordinator's.
    clerk
        .post(
            &format!("/v1/rewards/{}/reprice", city.reward),
            json!({"cost_points": "1"}),
        )
        .await
        .problem(403);
    clerk
        .post("/v1/tokens", json!({"role": "station_clerk"}))
        .await
        .problem(403);
    clerk.get("/v1/evaluation").await.problem(403);
    clerk
        .get(&format!("/v1/volunteers?team_id={}", city.team))
        .await
        .problem(403);
    clerk
        .post(
            &format!("/v1/activities/{}/reversal", city.activity),
            json!({"reason": "柜台不能冲正"}),
        )
        .await
        .problem(403);
    a.post(
        "/v1/tokens",
        json!({"role": "station_clerk", "team_id": city.team}),
    )
    .await
    .problem(422);

    // The look at the account is in the access log, under the clerk's role.
    let log = city
        .auditor
        .get(&format!("/v1/access-log?volunteer_id={v0}"))
        .await
        .ok();
    assert!(
        log["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["role"] == "station_clerk" && e["token_label"] == "南浔 e站 柜台"),
        "{log}"
    );

    // The web app: signed in, the counter, without the administrator's links.
    let hexed: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let page = reqwest::Client::new()
        .get(format!("{}/counter", server.base))
        .header("cookie", format!("yl_session={hexed}"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.expect("text");
    assert!(!page.contains("href=\"/rules\"") && !page.contains("href=\"/tokens\""));
}
