//! Races against the real server: a hundred redeemers for ten items, reversals racing
//! redemptions of the same points, token revocation racing requests.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_redeemers_for_ten_items_exactly_ten_are_held() {
    let server = Server::start();
    let city = City::build(&server, 100).await;
    let scarce = city
        .admin
        .post("/v1/rewards", json!({"name": "松阳银猴茶 限量", "kind": "product", "origin": "松阳县", "cost_points": "20", "stock": 10}))
        .await
        .id();
    let mut tasks = Vec::new();
    for (client, volunteer) in city.volunteer_clients.iter().zip(&city.volunteers) {
        let (client, body) = (
            client.clone(),
            json!({"volunteer_id": volunteer, "reward_id": scarce, "quantity": 1}),
        );
        tasks.push(tokio::spawn(async move {
            client.post("/v1/redemptions", body).await.status.as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10);
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 90);
    let held = city
        .admin
        .get("/v1/redemptions?status=held&limit=1000")
        .await
        .ok();
    assert_eq!(
        held["items"]
            .as_array()
            .map(|i| i.iter().filter(|r| r["reward_id"] == scarce).count()),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_racing_a_redemption_of_the_same_points_never_leaves_a_balance_negative() {
    let server = Server::start();
    let city = City::build(&server, 0).await;
    let pricey = city
        .admin
        .post("/v1/rewards", json!({"name": "松阳土猪腊肉", "kind": "product", "origin": "松阳县", "cost_points": "60", "stock": 1000}))
        .await
        .id();
    for round in 0..20 {
        // A fresh volunteer with exactly 80 points from one activity: the reversal needs all
        // 80, the redemption 60, so exactly one of them can win.
        let v = city
            .coordinator
            .post(
                "/v1/volunteers",
                json!({"name": format!("竞{round}"), "team_id": city.team}),
            )
            .await
            .id();
        let me = server
            .client(&token(&city.admin, json!({"role": "volunteer", "volunteer_id": v})).await);
        let activity = city
            .coordinator
            .post(
                "/v1/activities",
                json!({"team_id": city.team, "category": "elder_care", "date": days_ago(1), "title": "独居老人探访",
                       "participants": [{"volunteer_id": v, "hours": "8"}]}),
            )
            .await
            .id();
        let coordinator = city.coordinator.clone();
        let reverse = tokio::spawn(async move {
            coordinator
                .post(
                    &format!("/v1/activities/{activity}/reversal"),
                    json!({"reason": "重复录入"}),
                )
                .await
                .status
                .as_u16()
        });
        let volunteer = me.clone();
        let body = json!({"volunteer_id": v, "reward_id": pricey, "quantity": 1});
        let hold = tokio::spawn(async move {
            volunteer
                .post("/v1/redemptions", body)
                .await
                .status
                .as_u16()
        });
        let (reverse, hold) = (reverse.await.expect("task"), hold.await.expect("task"));
        assert!(
            (reverse == 200 && hold == 409) || (reverse == 409 && hold == 201),
            "round {round}: exactly one wins, got reversal {reverse} and redemption {hold}"
        );
        let after = me.get(&format!("/v1/volunteers/{v}")).await.ok();
        let available = &after["balance"]["available"];
        assert!(
            available == "0" || available == "20",
            "round {round}: {after}"
        );
    }
    assert_eq!(city.admin.get("/v1/audit/verify").await.ok()["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_refused_for_every_request_made_after_the_revocation() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let issued = city
        .admin
        .post(
            "/v1/tokens",
            json!({"role": "coordinator", "team_id": city.team}),
        )
        .await
        .ok();
    let (token_id, secret) = (
        issued["id"].as_str().expect("id").to_owned(),
        issued["token"].as_str().expect("token").to_owned(),
    );
    let victim = server.client(&secret);
    let revoked = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, revoked, team, v) = (
            victim.clone(),
            revoked.clone(),
            city.team.clone(),
            city.volunteers[i % 2].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut late_successes = 0;
            for j in 0..30 {
                // Read the flag before sending: a request sent after the revocation was acknowledged.
                let after_revocation = revoked.load(Ordering::SeqCst);
                let reply = if j % 2 == 0 {
                    client.get(&format!("/v1/volunteers/{v}")).await
                } else {
                    client
                        .post("/v1/activities", json!({"team_id": team, "category": "lecture", "date": days_ago(300), "title": "宣讲",
                                                       "participants": [{"volunteer_id": v, "hours": "0.01"}]}))
                        .await
                };
                if after_revocation && reply.status.is_success() {
                    late_successes += 1;
                }
                if after_revocation {
                    assert!(matches!(reply.status.as_u16(), 401 | 403), "after revocation: {} {}", reply.status, reply.body);
                }
            }
            late_successes
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    city.admin
        .delete(&format!("/v1/tokens/{token_id}"))
        .await
        .ok();
    revoked.store(true, Ordering::SeqCst);
    for t in tasks {
        assert_eq!(t.await.expect("task"), 0);
    }
    assert_eq!(victim.get("/v1/teams").await.status.as_u16(), 401);
}
