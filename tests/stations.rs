//! Several e-stations: a station is a record with its own shelf; stock moves between
//! stations as events; the catalogue says where each reward is in stock; a hold names its
//! pickup station; a clerk works their own station only; two clerks racing for the last
//! unit get one hold and one plain refusal; logs from before stations keep working (their
//! stock and holds are at the first station).

mod common;

use common::*;
use serde_json::{json, Value};

const FIRST: &str = "00000000-0000-0000-0000-000000000000";

fn shelf<'a>(rewards: &'a Value, reward: &str) -> &'a Vec<Value> {
    rewards["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == reward)
        .expect("reward")["in_stock_at"]
        .as_array()
        .expect("in_stock_at")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_lives_on_each_stations_shelf_and_moves_between_them_as_events() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;

    // The stock listed before any station was opened is at the first station.
    let rewards = a.get("/v1/rewards").await.ok();
    let at = shelf(&rewards, &city.reward);
    assert_eq!(at.len(), 1);
    assert_eq!(at[0]["station_id"], FIRST);
    assert_eq!(at[0]["free"], 100);

    let lh = a
        .post(
            "/v1/stations",
            json!({"name": "菱湖 e站", "district": "南浔区", "address": "菱湖镇人民路 1 号", "opening_hours": "周一至周五 9:00-16:00"}),
        )
        .await
        .id();
    // A station needs a registered district, an address and a name of its own.
    for (body, code) in [
        (
            json!({"name": "无名 e站", "district": "火星区", "address": "某地"}),
            404,
        ),
        (
            json!({"name": "菱湖 e站", "district": "南浔区", "address": "别处"}),
            409,
        ),
        (
            json!({"name": "空地址 e站", "district": "南浔区", "address": "  "}),
            422,
        ),
    ] {
        let before = a.head_seq().await;
        a.post("/v1/stations", body).await.problem(code);
        assert_eq!(a.head_seq().await, before, "a refusal appends nothing");
    }

    // Thirty units move; the catalogue says where they are.
    a.post(
        "/v1/stock-transfers",
        json!({"reward_id": city.reward, "from_station": FIRST, "to_station": lh, "quantity": 30, "note": "开站铺货"}),
    )
    .await
    .ok();
    let rewards = a.get("/v1/rewards").await.ok();
    let at = shelf(&rewards, &city.reward);
    let free: Vec<(String, u64)> = at
        .iter()
        .map(|s| {
            (
                s["station_name"].as_str().expect("name").to_owned(),
                s["free"].as_u64().expect("free"),
            )
        })
        .collect();
    assert!(free.contains(&("菱湖 e站".to_owned(), 30)), "{free:?}");
    assert!(free.iter().any(|(_, n)| *n == 70), "{free:?}");
    let item = rewards["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == city.reward.as_str())
        .expect("reward")
        .clone();
    assert_eq!(item["stock"], 100, "a transfer moves units, it adds none");

    // More than a station has cannot move; nor to itself.
    let before = a.head_seq().await;
    let refused = a
        .post(
            "/v1/stock-transfers",
            json!({"reward_id": city.reward, "from_station": lh, "to_station": FIRST, "quantity": 31}),
        )
        .await;
    assert!(s_(&refused.problem(409)["detail"]).contains("30"));
    a.post(
        "/v1/stock-transfers",
        json!({"reward_id": city.reward, "from_station": lh, "to_station": lh, "quantity": 1}),
    )
    .await
    .problem(422);
    assert_eq!(a.head_seq().await, before);

    // A volunteer's hold names its pickup station and carries a pickup code.
    let v = &city.volunteer_clients[0];
    let hold = v
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[0], "reward_id": city.reward, "quantity": 1, "station_id": lh}),
        )
        .await
        .ok();
    assert_eq!(hold["station_id"], lh.as_str());
    let code = hold["pickup_code"].as_str().expect("code");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    // The volunteer reads their code again; the staff do not see it.
    let id = hold["id"].as_str().expect("id");
    let mine = v.get(&format!("/v1/redemptions/{id}")).await.ok();
    assert_eq!(mine["pickup_code"], code);
    let staff = a.get(&format!("/v1/redemptions/{id}")).await.ok();
    assert!(staff.get("pickup_code").is_none());

    // The stations list: the new one with its shelf, one held.
    let stations = a.get("/v1/stations").await.ok();
    let lh_out = stations["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["id"] == lh.as_str())
        .expect("station")
        .clone();
    assert_eq!(lh_out["opening_hours"], "周一至周五 9:00-16:00");
    assert_eq!(lh_out["shelf"][0]["free"], 29);
    assert_eq!(lh_out["shelf"][0]["held"], 1);

    // The whole history still verifies and the state's invariants hold after a replay.
    let verify = a.get("/v1/audit/verify").await.ok();
    assert_eq!(verify["ok"], true, "{verify}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_works_their_own_station_only() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    let lh = a
        .post(
            "/v1/stations",
            json!({"name": "菱湖 e站", "district": "南浔区", "address": "菱湖镇"}),
        )
        .await
        .id();
    let clerk = server.client(
        &token(
            a,
            json!({"role": "station_clerk", "station_id": lh, "label": "菱湖 e站 柜台"}),
        )
        .await,
    );
    // A clerk of an unknown station cannot be issued; a station scope is for clerks only.
    a.post(
        "/v1/tokens",
        json!({"role": "station_clerk", "station_id": "0190aaaa-0000-7000-8000-000000000000"}),
    )
    .await
    .problem(404);
    a.post("/v1/tokens", json!({"role": "auditor", "station_id": lh}))
        .await
        .problem(422);

    // Restocking goes to the clerk's own shelf, as an event of that station.
    let restocked = clerk
        .post(
            &format!("/v1/rewards/{}/restock", city.reward),
            json!({"quantity": 4}),
        )
        .await
        .ok();
    assert_eq!(restocked["station_id"], lh.as_str());
    assert_eq!(restocked["stock"], 4);
    clerk
        .post(
            &format!("/v1/rewards/{}/restock", city.reward),
            json!({"quantity": 4, "station_id": FIRST}),
        )
        .await
        .problem(403);

    // Two boxes found damp: written off with the reason, the shelf's count down by a new
    // event. More than is free there, no reason, or another station's shelf: refused, and
    // nothing is appended.
    let write_off = |body: serde_json::Value| {
        let clerk = &clerk;
        let path = format!("/v1/rewards/{}/write-off", city.reward);
        async move { clerk.post(&path, body).await }
    };
    let written_off = write_off(json!({"quantity": 2, "reason": "受潮两盒"}))
        .await
        .ok();
    assert_eq!(written_off["station_id"], lh.as_str());
    assert_eq!(written_off["stock"], 2);
    let head = a.head_seq().await;
    let too_many = write_off(json!({"quantity": 3, "reason": "盘点少了"})).await;
    assert!(
        too_many.problem(409)["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("2 free units"),
        "{}",
        too_many.body
    );
    write_off(json!({"quantity": 1, "reason": " "}))
        .await
        .problem(422);
    write_off(json!({"quantity": 1, "reason": "x", "station_id": FIRST}))
        .await
        .problem(403);
    assert_eq!(a.head_seq().await, head);
    let events = a.get("/v1/events?after=0&limit=1000").await.ok();
    assert!(
        events["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["type"] == "StockWrittenOff" && e["data"]["reason"] == "受潮两盒"),
        "{events}"
    );
    // Put back for what follows.
    clerk
        .post(
            &format!("/v1/rewards/{}/restock", city.reward),
            json!({"quantity": 2}),
        )
        .await
        .ok();

    // A hold at the first station is not this clerk's to hand over or cancel, nor in their
    // queue.
    let hold = a
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[0], "reward_id": city.reward, "quantity": 1, "station_id": FIRST}),
        )
        .await
        .ok();
    let id = hold["id"].as_str().expect("id");
    let code = hold["pickup_code"].as_str().expect("code");
    let refused = clerk
        .post(
            &format!("/v1/redemptions/{id}/fulfil"),
            json!({"pickup_code": code}),
        )
        .await;
    assert_eq!(refused.problem(403)["code"], "other_station");
    // Nor to cancel: the hold stays, for the volunteer at the first station.
    let refused = clerk
        .post(&format!("/v1/redemptions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(refused.problem(403)["code"], "other_station");
    let still = a.get(&format!("/v1/redemptions/{id}")).await.ok();
    assert_eq!(still["status"], "held", "{still}");
    clerk
        .get(&format!("/v1/stations/{FIRST}/queue"))
        .await
        .problem(403);
    let queue = clerk.get(&format!("/v1/stations/{lh}/queue")).await.ok();
    assert_eq!(queue["waiting"].as_array().map(Vec::len), Some(0));
    assert_eq!(queue["station"]["shelf"][0]["free"], 4);
    let listed = clerk.get("/v1/redemptions?status=held").await.ok();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clerks_racing_for_the_last_unit_get_one_hold_and_one_plain_refusal() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    let reward = a
        .post(
            "/v1/rewards",
            json!({"name": "松阳端午茶 最后一包", "kind": "product", "origin": "松阳县", "cost_points": "10", "stock": 1}),
        )
        .await
        .id();
    let mut stations = Vec::new();
    let mut clerks = Vec::new();
    for name in ["菱湖 e站", "双林 e站"] {
        let s = a
            .post(
                "/v1/stations",
                json!({"name": name, "district": "南浔区", "address": name}),
            )
            .await
            .id();
        clerks.push(
            server.client(&token(a, json!({"role": "station_clerk", "station_id": s})).await),
        );
        stations.push(s);
    }
    a.post(
        "/v1/stock-transfers",
        json!({"reward_id": reward, "from_station": FIRST, "to_station": stations[0], "quantity": 1}),
    )
    .await
    .ok();
    // At the second station it is not on the shelf: the refusal says where it is.
    let cards: Vec<String> = city
        .volunteer_clients
        .iter()
        .map(|c| c.token.clone().expect("card"))
        .collect();
    let before = a.head_seq().await;
    let away = clerks[1]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[1], "reward_id": reward, "quantity": 1, "card": cards[1]}),
        )
        .await;
    let detail = s_(&away.problem(409)["detail"]);
    assert!(
        detail.contains("双林 e站") && detail.contains("菱湖 e站 (1)"),
        "{detail}"
    );
    assert_eq!(a.head_seq().await, before);

    // Both clerks at once for the last unit, for pickup at the first of the two stations.
    for round in 0..5 {
        let body = |i: usize| {
            json!({"volunteer_id": city.volunteers[i], "reward_id": reward, "quantity": 1,
                   "station_id": stations[0], "card": cards[i]})
        };
        let (x, y) = tokio::join!(
            clerks[0].post("/v1/redemptions", body(0)),
            clerks[1].post("/v1/redemptions", body(1)),
        );
        let statuses = [x.status.as_u16(), y.status.as_u16()];
        assert!(
            statuses.contains(&201) && statuses.contains(&409),
            "round {round}: {statuses:?} {} {}",
            x.body,
            y.body
        );
        let loser = if x.status.as_u16() == 409 { &x } else { &y };
        assert_eq!(loser.body["code"], "out_of_stock");
        assert!(s_(&loser.body["detail"]).contains("has 0 left at 菱湖 e站"));
        // The winner gives it back (the volunteer changed their mind) for the next round.
        let winner = if x.status.as_u16() == 201 { &x } else { &y };
        let id = winner.body["id"].as_str().expect("id");
        a.post_empty(&format!("/v1/redemptions/{id}/cancel"))
            .await
            .ok();
    }
    let queue = a
        .get(&format!("/v1/stations/{}/queue", stations[0]))
        .await
        .ok();
    assert_eq!(queue["station"]["shelf"][0]["free"], 1);
    assert_eq!(queue["station"]["shelf"][0]["held"], 0);
}

fn s_(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}
