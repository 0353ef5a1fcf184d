//! Cards and tokens managed where the people are: a coordinator lists their volunteers'
//! cards (issued, last used), reports one lost and prints the replacement in one step, and
//! the old card stops at once: requests racing on the old card are answered until the
//! replacement is written and refused from then on, never after. An administrator does the
//! same for every role.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_card_stops_at_once_and_its_replacement_works() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start_public(&tmp.path().join("data"), &[]);
    let city = City::build(&server, 2).await;
    let (a, c) = (&city.admin, &city.coordinator);
    let v0 = city.volunteers[0].clone();
    let card = c
        .post(
            "/v1/tokens",
            json!({"role": "volunteer", "volunteer_id": v0, "label": "积分卡"}),
        )
        .await
        .ok();
    let (card_id, old_secret) = (
        card["id"].as_str().expect("id").to_owned(),
        card["token"].as_str().expect("token").to_owned(),
    );
    let old = server.client(&old_secret);
    old.get(&format!("/v1/volunteers/{v0}")).await.ok();

    // The coordinator's list: their volunteers' cards, with when each was last used; not
    // another team's, and never a secret.
    let list = c.get("/v1/tokens").await.ok();
    let row = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == card_id.as_str())
        .expect("the card is listed")
        .clone();
    assert_eq!(row["volunteer_name"], "志愿者0");
    // An auditor reads the card holders' names masked, as every other route shows them.
    let audited = city
        .auditor
        .get("/v1/tokens?include_revoked=true")
        .await
        .ok();
    let theirs = audited["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == card_id.as_str())
        .expect("the card is listed to the auditor")
        .clone();
    assert_eq!(theirs["volunteer_name"], "志**0", "{theirs}");
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(!list.to_string().contains(&old_secret));
    assert!(list["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|t| t["role"] == "volunteer"));
    city.other_coordinator
        .get(&format!("/v1/tokens?team_id={}", city.team))
        .await
        .problem(403);
    city.other_coordinator
        .post(&format!("/v1/tokens/{card_id}/replace"), json!({}))
        .await
        .problem(403);

    // Requests race on the old card while the coordinator replaces it.
    let stop = Arc::new(AtomicBool::new(false));
    let mut racers = Vec::new();
    for _ in 0..4 {
        let (old, stop, path) = (old.clone(), stop.clone(), format!("/v1/volunteers/{v0}"));
        racers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let status = old.get(&path).await.status.as_u16();
                seen.push((sent, Instant::now(), status));
            }
            seen
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let replaced = c
        .post(
            &format!("/v1/tokens/{card_id}/replace"),
            json!({"label": "补发的积分卡"}),
        )
        .await
        .ok();
    let answered = Instant::now();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    stop.store(true, Ordering::Relaxed);
    let mut before = 0;
    let mut after = 0;
    for r in racers {
        for (sent, done, status) in r.await.expect("racer") {
            if sent > answered {
                assert_eq!(status, 401, "the old card worked after it was replaced");
                after += 1;
            } else if done < answered && status == 200 {
                before += 1;
            }
            assert!(status == 200 || status == 401, "status {status}");
        }
    }
    assert!(
        before > 0 && after > 0,
        "the race ran on both sides ({before} before, {after} after)"
    );
    assert_eq!(replaced["replaces"], card_id.as_str());
    assert_eq!(replaced["volunteer_id"], v0.as_str());
    assert_eq!(replaced["label"], "补发的积分卡");
    let new = server.client(replaced["token"].as_str().expect("token"));
    new.get(&format!("/v1/volunteers/{v0}")).await.ok();
    // Replacing or stopping it again is refused: it is already stopped.
    c.post(&format!("/v1/tokens/{card_id}/replace"), json!({}))
        .await
        .problem(409);
    c.delete(&format!("/v1/tokens/{card_id}"))
        .await
        .problem(409);

    // The coordinator stops a card outright; an administrator replaces any role's token.
    let new_id = replaced["id"].as_str().expect("id").to_owned();
    c.delete(&format!("/v1/tokens/{new_id}")).await.ok();
    new.get(&format!("/v1/volunteers/{v0}")).await.problem(401);
    let other = a
        .post(
            "/v1/tokens",
            json!({"role": "coordinator", "team_id": city.other_team, "label": "安吉协调员"}),
        )
        .await
        .ok();
    c.post(
        &format!("/v1/tokens/{}/replace", other["id"].as_str().expect("id")),
        json!({}),
    )
    .await
    .problem(403);
    let swapped = a
        .post(
            &format!("/v1/tokens/{}/replace", other["id"].as_str().expect("id")),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(swapped["role"], "coordinator");
    assert_eq!(swapped["team_id"], city.other_team.as_str());
    assert_eq!(swapped["label"], "安吉协调员");
    // The last administrator cannot be stopped (nobody could issue a token again).
    let tokens = a.get("/v1/tokens").await.ok();
    let admin_id = tokens["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["role"] == "admin")
        .expect("the administrator")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refused = a.delete(&format!("/v1/tokens/{admin_id}")).await;
    assert!(refused.problem(409)["detail"]
        .as_str()
        .is_some_and(|d| d.contains("last administrator")));

    // The web app: the card page lists the cards and replaces one, printing the new card.
    let fresh = c
        .post(
            "/v1/tokens",
            json!({"role": "volunteer", "volunteer_id": city.volunteers[1], "label": "积分卡"}),
        )
        .await
        .ok();
    let fresh_id = fresh["id"].as_str().expect("id").to_owned();
    let hexed: String = c
        .token
        .clone()
        .expect("token")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/team/cards", server.base))
        .header("cookie", format!("yl_session={hexed}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains(&format!("/team/cards/{fresh_id}/replace")),
        "{page}"
    );
    let at = page.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = page[at..at + 32].to_owned();
    let printed = http
        .post(format!("{}/team/cards/{fresh_id}/replace", server.base))
        .header("cookie", format!("yl_session={hexed}"))
        .form(&[("csrf", csrf.as_str()), ("form_id", "lost-1")])
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("text");
    assert!(
        printed.contains("qr-card") && printed.contains("志愿者1"),
        "{printed}"
    );
    server
        .client(fresh["token"].as_str().expect("token"))
        .get(&format!("/v1/volunteers/{}", city.volunteers[1]))
        .await
        .problem(401);
}
