//! Every route's happy path against the real binary on loopback.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn every_route_answers_its_happy_path() {
    let server = Server::start();
    let city = City::build(&server, 3).await;
    let (admin, coordinator) = (&city.admin, &city.coordinator);
    let v0 = &city.volunteers[0];
    let me = &city.volunteer_clients[0];

    // Teams.
    let teams = admin.get("/v1/teams").await.ok();
    assert_eq!(teams["items"].as_array().map(Vec::len), Some(2));
    let team = admin.get(&format!("/v1/teams/{}", city.team)).await.ok();
    assert_eq!(team["members"], 3);
    assert_eq!(team["tally"]["activities"], 1);
    assert_eq!(team["tally"]["participant_times"], 3);
    assert_eq!(team["tally"]["hours"], "24");
    assert_eq!(team["tally"]["points"], "240");

    // Volunteers: account, search, statement.
    let account = me.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(account["balance"]["available"], "80");
    assert_eq!(account["hours"], "8");
    assert_eq!(account["stars"], 0);
    assert_eq!(account["hours_to_next_star"], "92");
    let found = coordinator.get("/v1/volunteers?q=志愿者1").await.ok();
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));

    // Rules: 12.5 points per hour for mediation from now on.
    let rules = admin
        .put(
            "/v1/rules",
            json!({"default_points_per_hour": "10", "rates": {"mediation": "12.5"}}),
        )
        .await
        .ok();
    assert_eq!(rules["version"], 1);
    assert_eq!(
        admin.get("/v1/rules").await.ok()["rates"]["mediation"],
        "12.5"
    );

    // Activities: log, read, list, reverse.
    let logged = coordinator
        .post(
            "/v1/activities",
            json!({"team_id": city.team, "category": "mediation", "date": today(), "title": "物业纠纷调解",
                   "participants": [{"volunteer_id": v0, "hours": "2"}, {"volunteer_id": city.volunteers[1], "hours": 1.5}],
                   "outcomes": {"people_served": 4, "disputes_handled": 2, "disputes_settled": 2}}),
        )
        .await;
    assert_eq!(logged.status.as_u16(), 201, "{}", logged.body);
    let activity = logged.id();
    assert_eq!(logged.body["points_total"], "43.75");
    assert_eq!(logged.body["participants"][0]["points"], "25");
    let read = coordinator
        .get(&format!("/v1/activities/{activity}"))
        .await
        .ok();
    assert_eq!(read["outcomes"]["disputes_settled"], 2);
    let list = coordinator.get("/v1/activities").await.ok();
    assert_eq!(list["items"][0]["id"], activity);
    let reversed = coordinator
        .post(
            &format!("/v1/activities/{activity}/reversal"),
            json!({"reason": "日期录错"}),
        )
        .await
        .ok();
    assert_eq!(reversed["reversed"], true);
    assert_eq!(
        me.get(&format!("/v1/volunteers/{v0}")).await.ok()["balance"]["available"],
        "80"
    );

    // Rewards.
    let voucher = admin
        .post("/v1/rewards", json!({"name": "存款利率上浮", "kind": "rate_voucher", "bank": "湖州银行", "basis_points": 20, "cost_points": "30", "stock": 10}))
        .await;
    assert_eq!(voucher.status.as_u16(), 201);
    let voucher = voucher.id();
    assert_eq!(
        admin
            .post(
                &format!("/v1/rewards/{voucher}/restock"),
                json!({"quantity": 5})
            )
            .await
            .ok()["stock"],
        15
    );
    assert_eq!(
        admin
            .post(
                &format!("/v1/rewards/{voucher}/reprice"),
                json!({"cost_points": "25"})
            )
            .await
            .ok()["cost_points"],
        "25"
    );
    let catalogue = me.get("/v1/rewards").await.ok();
    assert_eq!(catalogue["items"].as_array().map(Vec::len), Some(2));

    // Redemptions: hold, read, cancel, hold again, fulfil.
    let held = me
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": voucher, "quantity": 1}),
        )
        .await;
    assert_eq!(held.status.as_u16(), 201, "{}", held.body);
    assert_eq!(held.body["points"], "25");
    assert_eq!(held.body["status"], "held");
    let first = held.id();
    assert_eq!(
        me.get(&format!("/v1/volunteers/{v0}")).await.ok()["balance"]["available"],
        "55"
    );
    assert_eq!(
        me.get(&format!("/v1/redemptions/{first}")).await.ok()["status"],
        "held"
    );
    assert_eq!(
        me.post(
            &format!("/v1/redemptions/{first}/cancel"),
            json!({"reason": "换别的"})
        )
        .await
        .ok()["status"],
        "cancelled"
    );
    let second = me
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .id();
    assert_eq!(
        admin.get("/v1/redemptions?status=held").await.ok()["items"][0]["id"],
        second
    );
    assert_eq!(
        admin
            .post_empty(&format!("/v1/redemptions/{second}/fulfil"))
            .await
            .ok()["status"],
        "fulfilled"
    );
    let account = me.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(account["balance"]["redeemed"], "50");
    assert_eq!(account["balance"]["available"], "30");
    assert_eq!(
        me.get("/v1/redemptions").await.ok()["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        admin
            .post_empty(&format!("/v1/rewards/{voucher}/retire"))
            .await
            .ok()["retired"],
        true
    );

    // Statement with running balance.
    let statement = me.get(&format!("/v1/volunteers/{v0}/statement")).await.ok();
    let balances: Vec<&str> = statement["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["balance"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(balances, vec!["80", "105", "80", "55", "80", "30", "30"]);

    // Rankings and statistics.
    let ranking = me.get("/v1/rankings/teams?by=points").await.ok();
    assert_eq!(ranking["items"][0]["id"], city.team);
    assert_eq!(ranking["items"][0]["points"], "240");
    let ranking = me
        .get(&format!(
            "/v1/rankings/volunteers?team_id={}&limit=2",
            city.team
        ))
        .await
        .ok();
    assert_eq!(ranking["items"].as_array().map(Vec::len), Some(2));
    let districts = me.get("/v1/rankings/districts").await.ok();
    assert_eq!(districts["items"][0]["name"], "南浔区");
    let stats = admin.get("/v1/stats").await.ok();
    assert_eq!(stats["totals"]["points_redeemed"], "50");

    // Volunteer moves team; tokens issued and revoked.
    let mover = admin
        .post(
            "/v1/volunteers",
            json!({"name": "鲍新民", "team_id": city.team}),
        )
        .await
        .id();
    assert_eq!(
        admin
            .post(
                &format!("/v1/volunteers/{mover}/move"),
                json!({"team_id": city.other_team})
            )
            .await
            .ok()["team_id"],
        city.other_team
    );
    let issued = admin
        .post("/v1/tokens", json!({"role": "auditor", "label": "区审计"}))
        .await;
    assert_eq!(issued.status.as_u16(), 201);
    let (id, secret) = (
        issued.id(),
        issued.body["token"].as_str().expect("token").to_owned(),
    );
    assert_eq!(
        server
            .client(&secret)
            .get("/v1/audit/head")
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        admin.delete(&format!("/v1/tokens/{id}")).await.ok()["revoked"],
        true
    );
    assert_eq!(
        server
            .client(&secret)
            .get("/v1/audit/head")
            .await
            .status
            .as_u16(),
        401
    );

    // Audit: feed, head, verify; as_of.
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let seq = head["seq"].as_u64().expect("seq");
    let verify = city.auditor.get("/v1/audit/verify").await.ok();
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["seq"], seq);
    assert_eq!(verify["hash"], head["hash"]);
    let feed = city.auditor.get("/v1/events?after=0&limit=5").await.ok();
    assert_eq!(feed["events"].as_array().map(Vec::len), Some(5));
    assert_eq!(feed["next_after"], 5);
    assert_eq!(feed["events"][1]["prev_hash"], feed["events"][0]["hash"]);
    let stream = format!("volunteer-{v0}");
    let own = city
        .auditor
        .get(&format!("/v1/events?stream={stream}"))
        .await
        .ok();
    assert_eq!(own["events"][0]["type"], "VolunteerRegistered");
    // Before the redemption was held, the volunteer had 80 available.
    let before = statement["entries"][3]["seq"].as_u64().expect("seq") - 1;
    let past = admin
        .get(&format!("/v1/volunteers/{v0}?as_of={before}"))
        .await
        .ok();
    assert_eq!(past["balance"]["available"], "80");
    assert_eq!(past["as_of"], before);

    // System.
    assert_eq!(
        server.anonymous().get("/healthz").await.ok()["status"],
        "ok"
    );
    let metrics = server.anonymous().get("/metrics").await;
    let text = metrics.body.as_str().expect("text").to_owned();
    assert!(text.contains("yinling_http_requests_total"), "{text}");
    assert!(text.contains("yinling_ledger_events_appended_total"));
    assert!(text.contains("yinling_ledger_group_commit_flush_seconds"));
    let spec = server.anonymous().get("/openapi.json").await.ok();
    assert!(spec["paths"]["/v1/activities"]["post"].is_object());
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_answer_and_appends_nothing() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let body = json!({"team_id": city.team, "category": "lecture", "date": today(), "title": "银星宣讲",
                      "participants": [{"volunteer_id": city.volunteers[0], "hours": "1"}]});
    let key = [("Idempotency-Key", "6f1c0b7e-activity-1")];
    let first = city
        .coordinator
        .send(
            reqwest::Method::POST,
            "/v1/activities",
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status.as_u16(), 201);
    let head = city.coordinator.head_seq().await;
    let again = city
        .coordinator
        .send(
            reqwest::Method::POST,
            "/v1/activities",
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(again.status.as_u16(), 201);
    assert_eq!(again.body, first.body, "the same answer");
    assert_eq!(city.coordinator.head_seq().await, head, "nothing appended");
    let mut different = body;
    different["title"] = json!("另一个");
    city.coordinator
        .send(
            reqwest::Method::POST,
            "/v1/activities",
            Some(different),
            &key,
        )
        .await
        .problem(422);
    // A retried token issue returns the very same secret.
    let key = [("Idempotency-Key", "token-1")];
    let a = city
        .admin
        .send(
            reqwest::Method::POST,
            "/v1/tokens",
            Some(json!({"role": "auditor"})),
            &key,
        )
        .await;
    let b = city
        .admin
        .send(
            reqwest::Method::POST,
            "/v1/tokens",
            Some(json!({"role": "auditor"})),
            &key,
        )
        .await;
    assert_eq!(a.body, b.body);
    assert_eq!(
        server
            .client(a.body["token"].as_str().expect("token"))
            .get("/v1/audit/head")
            .await
            .status
            .as_u16(),
        200
    );
}
