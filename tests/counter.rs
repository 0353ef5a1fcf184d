//! The assisted counter, for volunteers without a smartphone: the clerk finds them by their
//! card, by name and year of birth, or by the last four digits of their phone; redeems for
//! them only with their confirmation (the card, or the PIN they set); the hand-over needs
//! the pickup code; every lookup is in the access log; every refusal appends nothing; a PIN
//! typed wrong five times is paused.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_serves_a_volunteer_without_a_phone_with_their_confirmation() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    let clerk = server.client(
        &token(
            a,
            json!({"role": "station_clerk", "label": "南浔 e站 柜台 王姐"}),
        )
        .await,
    );
    let auditor = &city.auditor;
    let coordinator = &city.coordinator;

    // 张阿婆, born 1941, is registered by her coordinator, who records her phone's last
    // four digits and, with her, a PIN.
    let zhang = coordinator
        .post(
            "/v1/volunteers",
            json!({"name": "张阿婆", "team_id": city.team, "birth_year": 1941}),
        )
        .await
        .id();
    coordinator
        .post(
            "/v1/activities",
            json!({"team_id": city.team, "category": "lecture", "date": days_ago(1), "title": "宣讲",
                   "participants": [{"volunteer_id": zhang, "hours": "8"}]}),
        )
        .await
        .ok();
    coordinator
        .put(
            &format!("/v1/volunteers/{zhang}/phone"),
            json!({"last_four": "3721"}),
        )
        .await
        .ok();
    let pin = coordinator
        .put(
            &format!("/v1/volunteers/{zhang}/pin"),
            json!({"pin": "2468"}),
        )
        .await
        .ok();
    assert_eq!(pin["has_pin"], true);
    assert!(pin.get("pin").is_none(), "the PIN itself is never answered");

    // Found by name and year of birth, and by phone digits; a stranger's name finds nobody.
    let by_name = clerk
        .post(
            "/v1/counter/lookup",
            json!({"name": "张阿婆", "birth_year": 1941}),
        )
        .await
        .ok();
    assert_eq!(by_name["items"][0]["volunteer_id"], zhang.as_str());
    assert_eq!(by_name["items"][0]["available"], "80");
    assert_eq!(by_name["items"][0]["has_pin"], true);
    let by_phone = clerk
        .post("/v1/counter/lookup", json!({"phone_last_four": "3721"}))
        .await
        .ok();
    assert_eq!(by_phone["items"][0]["name"], "张阿婆");
    // Another volunteer's phone ends the same way: four digits alone show nobody (the
    // others' names and balances are not for the one at the counter); with the name, her.
    coordinator
        .put(
            &format!("/v1/volunteers/{}/phone", city.volunteers[0]),
            json!({"last_four": "3721"}),
        )
        .await
        .ok();
    let shared = clerk
        .post("/v1/counter/lookup", json!({"phone_last_four": "3721"}))
        .await;
    assert!(
        s_(&shared.problem(422)["detail"]).contains("give the name as well"),
        "{}",
        shared.body
    );
    let by_both = clerk
        .post(
            "/v1/counter/lookup",
            json!({"phone_last_four": "3721", "name": "张阿婆"}),
        )
        .await
        .ok();
    assert_eq!(by_both["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_both["items"][0]["name"], "张阿婆");
    let nobody = clerk
        .post(
            "/v1/counter/lookup",
            json!({"name": "张阿婆", "birth_year": 1942}),
        )
        .await
        .ok();
    assert_eq!(nobody["items"].as_array().map(Vec::len), Some(0));

    // Found by the card the scanner reads (its sign-in link).
    let card = city.volunteer_clients[0].token.clone().expect("card");
    let by_card = clerk
        .post(
            "/v1/counter/lookup",
            json!({"card": format!("https://points.example.gov.cn/card/{card}")}),
        )
        .await
        .ok();
    assert_eq!(
        by_card["items"][0]["volunteer_id"],
        city.volunteers[0].as_str()
    );

    // Without her confirmation, with the wrong PIN, or with someone else's card: refused in
    // plain words, and nothing is written.
    let before = a.head_seq().await;
    let hold = |extra: Value| {
        let mut body = json!({"volunteer_id": zhang, "reward_id": city.reward, "quantity": 1});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        clerk.post("/v1/redemptions", body)
    };
    let none = hold(json!({})).await;
    assert_eq!(none.problem(422)["code"], "confirmation_needed");
    let wrong = hold(json!({"pin": "1357"})).await;
    assert_eq!(wrong.problem(403)["code"], "wrong_pin");
    // Named as a clerk may see her: masked (the person is at the counter).
    let detail = s_(&wrong.body["detail"]);
    assert!(
        detail.contains("张*婆") && !detail.contains("张阿婆"),
        "{detail}"
    );
    let other_card = hold(json!({"card": card})).await;
    assert_eq!(other_card.problem(403)["code"], "card_mismatch");
    hold(json!({"pin": "2468", "card": card}))
        .await
        .problem(422);
    assert_eq!(a.head_seq().await, before, "a refusal appends nothing");

    // With her PIN: held, with a pickup code.
    let held = hold(json!({"pin": "2468"})).await.ok();
    let id = held["id"].as_str().expect("id").to_owned();
    let code = held["pickup_code"].as_str().expect("code").to_owned();
    // Her slip, opened again by the clerk who made the hold, carries the code for a few
    // minutes (to print it for her); opened by another clerk from the queue, it does not.
    let slip = format!("/counter/receipts/{id}");
    let mine = common::web::Browser::new(&server, &clerk.token.clone().expect("token"))
        .get(&slip)
        .await
        .text()
        .await
        .expect("the slip");
    assert!(mine.contains(&code), "{mine}");
    let other_clerk = token(
        a,
        json!({"role": "station_clerk", "label": "南浔 e站 柜台 李姐"}),
    )
    .await;
    let theirs = common::web::Browser::new(&server, &other_clerk)
        .get(&slip)
        .await
        .text()
        .await
        .expect("the slip");
    assert!(
        theirs.contains("待领取") && !theirs.contains(&code),
        "{theirs}"
    );

    // While the hold waits, its code is nowhere in the log the auditors read: the hold
    // keeps a keyed digest of it (a reader could otherwise collect the reward).
    let waiting = auditor.get("/v1/events?limit=1000").await.ok();
    assert!(
        !waiting.to_string().contains(&format!("\"{code}\"")),
        "the waiting hold's code is in the log"
    );
    let kept = waiting["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| {
            e["type"] == "RedemptionHeldForPickup"
                && e["data"]["held"]["redemption_id"] == id.as_str()
        })
        .expect("the hold, with its code's digest");
    assert_eq!(s_(&kept["data"]["pickup_code_digest"]).len(), 64, "{kept}");
    assert!(kept["data"].get("pickup_code").is_none(), "{kept}");

    // The hand-over needs the code she shows; a wrong one is refused.
    let before = a.head_seq().await;
    clerk
        .post_empty(&format!("/v1/redemptions/{id}/fulfil"))
        .await
        .problem(422);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    clerk
        .post(
            &format!("/v1/redemptions/{id}/fulfil"),
            json!({"pickup_code": wrong_code}),
        )
        .await
        .problem(403);
    assert_eq!(a.head_seq().await, before);
    let done = clerk
        .post(
            &format!("/v1/redemptions/{id}/fulfil"),
            json!({"pickup_code": code}),
        )
        .await
        .ok();
    assert_eq!(done["status"], "fulfilled");

    // The event records how she confirmed and, once spent, the code shown at the hand-over.
    let feed = auditor.get("/v1/events?limit=1000").await.ok();
    let events = feed["events"].as_array().expect("events");
    // The log keeps a keyed digest of her PIN: SHA-256 of her id and the digits would give
    // the PIN away to whoever reads the log, by trying the ten thousand of four digits.
    let set = events
        .iter()
        .find(|e| e["type"] == "VolunteerPinSet" && e["data"]["volunteer_id"] == zhang.as_str())
        .expect("the PIN set");
    let recorded = s_(&set["data"]["pin_sha256"]);
    let unkeyed = {
        let id = uuid::Uuid::parse_str(&zhang).expect("uuid");
        yinling_ledger::Hash::of(&[id.as_bytes().as_slice(), b"2468"].concat()).to_hex()
    };
    assert_eq!(recorded.len(), 64, "{set}");
    assert_ne!(recorded, unkeyed, "the PIN's digest is not keyed");
    let held_at = events
        .iter()
        .find(|e| {
            e["type"] == "RedemptionHeldForPickup"
                && e["data"]["held"]["redemption_id"] == id.as_str()
        })
        .expect("the hold");
    assert_eq!(held_at["data"]["confirmation"], "pin");
    let picked = events
        .iter()
        .find(|e| e["type"] == "RedemptionPickedUp" && e["data"]["redemption_id"] == id.as_str())
        .expect("the pickup");
    assert_eq!(picked["data"]["pickup_code"], code.as_str());
    // No PIN or phone number in clear anywhere in the log.
    let text = feed.to_string();
    assert!(!text.contains("\"2468\""));

    // Every lookup is in the access log, naming the clerk's token and the counter.
    let log = auditor.get("/v1/access-log").await.ok();
    let counter_looks = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["from"] == "POST /v1/counter/lookup")
        .count();
    assert!(counter_looks >= 3, "{log}");

    // Guessing her PIN is stopped: after five wrong ones it is paused, the right one too,
    // and nothing is written.
    let before = a.head_seq().await;
    for guess in ["0000", "1111", "2222", "3333", "4444"] {
        let wrong = hold(json!({"pin": guess})).await;
        assert_eq!(wrong.problem(403)["code"], "wrong_pin", "{guess}");
    }
    let paused = hold(json!({"pin": "2468"})).await;
    // A pause, not a prohibition: 429, with the seconds left of the fifteen minutes.
    let retry_after: u64 = paused
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((840..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(paused.problem(429)["code"], "pin_locked");
    assert!(
        s_(&paused.body["detail"]).contains("points card"),
        "{}",
        paused.body
    );
    assert_eq!(a.head_seq().await, before, "a refusal appends nothing");

    // She changes her own PIN from her phone... she has none; her coordinator clears it.
    coordinator
        .put(&format!("/v1/volunteers/{zhang}/pin"), json!({"pin": null}))
        .await
        .ok();
    let cleared = clerk
        .post(
            "/v1/counter/lookup",
            json!({"name": "张阿婆", "birth_year": 1941}),
        )
        .await
        .ok();
    assert_eq!(cleared["items"][0]["has_pin"], false);
    let no_pin = hold(json!({"pin": "2468"})).await;
    assert_eq!(no_pin.problem(403)["code"], "no_pin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_input_that_cannot_be_right_is_refused_naming_the_field() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let a = &city.admin;
    let clerk = server.client(&token(a, json!({"role": "station_clerk"})).await);
    let v0 = &city.volunteers[0];
    let before = a.head_seq().await;
    for (body, status, word) in [
        (json!({}), 422, "birth_year"),
        (json!({"name": "张阿婆"}), 422, "birth_year"),
        (json!({"phone_last_four": "12ab"}), 422, "phone_last_four"),
        (
            json!({"card": "x", "name": "张阿婆", "birth_year": 1941}),
            422,
            "card",
        ),
        (json!({"name": "  ", "birth_year": 1941}), 422, "name"),
    ] {
        let reply = clerk.post("/v1/counter/lookup", body.clone()).await;
        assert!(
            s_(&reply.problem(status)["detail"]).contains(word),
            "{body}: {}",
            reply.body
        );
    }
    for (path, body, word) in [
        ("phone", json!({"last_four": "123"}), "last_four"),
        ("phone", json!({"last_four": "１２３４"}), "last_four"),
        ("pin", json!({"pin": "12"}), "PIN"),
        ("pin", json!({"pin": "12345678"}), "PIN"),
        ("pin", json!({"pin": "12a4"}), "PIN"),
        ("pin", json!({"pin": "0000"}), "one digit repeated"),
        ("pin", json!({"pin": "123456"}), "digits in a row"),
        ("pin", json!({"pin": "9876"}), "digits in a row"),
    ] {
        let reply = a.put(&format!("/v1/volunteers/{v0}/{path}"), body).await;
        assert!(
            s_(&reply.problem(422)["detail"]).contains(word),
            "{}",
            reply.body
        );
    }
    // Others' details are not a coordinator's to change, nor a clerk's.
    city.other_coordinator
        .put(&format!("/v1/volunteers/{v0}/pin"), json!({"pin": "1234"}))
        .await
        .problem(403);
    clerk
        .put(&format!("/v1/volunteers/{v0}/pin"), json!({"pin": "1234"}))
        .await
        .problem(403);
    assert_eq!(a.head_seq().await, before);
}

fn s_(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A hold's pickup code is drawn under the service's key, not read off the hold's id (which
/// a station's queue shows every clerk), and the slip a clerk prints of a hold the volunteer
/// made themself does not carry it: only the volunteer can collect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pickup_code_reaches_only_its_volunteer() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let clerk = token(
        &city.admin,
        json!({"role": "station_clerk", "label": "南浔 e站 柜台"}),
    )
    .await;
    let held = city.volunteer_clients[0]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[0], "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();
    let id = held["id"].as_str().expect("id").to_owned();
    let code = held["pickup_code"]
        .as_str()
        .expect("the volunteer is shown the code")
        .to_owned();
    let from_id = format!(
        "{:06}",
        uuid::Uuid::parse_str(&id).expect("uuid").as_u128() % 1_000_000
    );
    assert_ne!(code, from_id, "the code can be read off the id");
    let slip = common::web::Browser::new(&server, &clerk)
        .get(&format!("/counter/receipts/{id}"))
        .await;
    assert_eq!(slip.status().as_u16(), 200);
    let page = slip.text().await.expect("the slip");
    assert!(page.contains("待领取"), "{page}");
    assert!(
        !page.contains(&code),
        "the clerk's slip shows the code: {page}"
    );

    // Nor can the clerk try the million codes: after five wrong ones the hold takes none, the
    // right one too, for a quarter of an hour, and nothing is written.
    let clerk = server.client(&clerk);
    let before = city.admin.head_seq().await;
    let fulfil = format!("/v1/redemptions/{id}/fulfil");
    let wrong: Vec<String> = (0..6u32)
        .map(|n| format!("{:06}", n * 111_111))
        .filter(|c| *c != code)
        .take(5)
        .collect();
    for guess in &wrong {
        let refused = clerk.post(&fulfil, json!({"pickup_code": guess})).await;
        assert_eq!(refused.problem(403)["code"], "wrong_pickup_code", "{guess}");
    }
    let paused = clerk.post(&fulfil, json!({"pickup_code": code})).await;
    assert!(
        paused.headers.contains_key("retry-after"),
        "{:?}",
        paused.headers
    );
    assert_eq!(paused.problem(429)["code"], "pickup_code_locked");
    assert!(
        s_(&paused.body["detail"]).contains("15 more minutes"),
        "{}",
        paused.body
    );
    assert_eq!(
        city.admin.head_seq().await,
        before,
        "a refusal appends nothing"
    );
}
