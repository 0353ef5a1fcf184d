//! Confirmation by the people served, and notices.
//!
//! The party an activity served confirms it with a one-time code its coordinator gave: from
//! the API or the public web page, without an account; a category can make its points wait
//! for that confirmation; the evaluation shows each team's confirmed share. Notices are
//! composed from the log's events in plain words, kept in an outbox beside the log, and
//! delivered at least once with a stable key: to a file, and to a webhook gateway that fails,
//! refuses, and is cut off by a crash of the service in the middle of a delivery.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn dec(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

async fn balance(client: &Client, v: &str) -> Value {
    client.get(&format!("/v1/volunteers/{v}")).await.ok()["balance"].clone()
}

#[tokio::test]
async fn those_served_confirm_with_a_one_time_code_and_the_evaluation_counts_it() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let (admin, coordinator, v0) = (&city.admin, &city.coordinator, &city.volunteers[0]);
    admin
        .put(
            "/v1/policies/confirmation-required",
            json!({"category": "mediation", "required": true, "note": "调解服务须经服务对象确认"}),
        )
        .await
        .ok();
    admin
        .put(
            "/v1/policies/confirmation-required",
            json!({"category": "nonsense", "required": true}),
        )
        .await
        .problem(422);
    let before = balance(admin, v0).await;
    let activity = coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(1), "title": "荻港村宅基地纠纷调解", "participants": [{"volunteer_id": v0, "hours": "3"}]}))
        .await
        .id();
    let waiting = balance(admin, v0).await;
    assert_eq!(dec(&waiting["pending"]), 30.0, "{waiting}");
    assert_eq!(dec(&waiting["available"]), dec(&before["available"]));

    // The code: twelve digits, shown once; a retry with the same key shows the same code.
    let path = format!("/v1/activities/{activity}/confirmation-codes");
    let headers = [("idempotency-key", "slip-1")];
    let first = coordinator
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"party": "荻港村村委会"})),
            &headers,
        )
        .await
        .ok();
    let again = coordinator
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"party": "荻港村村委会"})),
            &headers,
        )
        .await
        .ok();
    let code = first["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 12);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(again["code"], first["code"]);
    assert!(first["link"]
        .as_str()
        .expect("link")
        .ends_with(&format!("/confirm/{code}")));
    // Only the team's coordinators give codes.
    city.other_coordinator
        .post(&path, json!({"party": "某村"}))
        .await
        .problem(403);
    coordinator
        .post(&path, json!({"party": ""}))
        .await
        .problem(422);

    // Anyone holding the code sees what it vouches for, names masked.
    let anyone = server.anonymous();
    let shown = anyone.get(&format!("/v1/confirmations/{code}")).await.ok();
    assert_eq!(shown["title"], "荻港村宅基地纠纷调解");
    assert_eq!(shown["party"], "荻港村村委会");
    assert_eq!(shown["volunteers"][0]["name"], "志**0");

    // Wrong and malformed codes are refused in words, and append nothing.
    let head = admin.head_seq().await;
    let wrong = anyone
        .post(
            "/v1/confirmations",
            json!({"code": "000000000000", "name": "沈国强", "role": "村委会主任"}),
        )
        .await;
    assert!(wrong.problem(404)["detail"]
        .as_str()
        .expect("detail")
        .contains("not known or was already used"));
    let short = anyone
        .post(
            "/v1/confirmations",
            json!({"code": "12345", "name": "沈国强", "role": "村委会主任"}),
        )
        .await;
    assert!(short.problem(422)["detail"]
        .as_str()
        .expect("detail")
        .contains("\"12345\""));
    anyone
        .post(
            "/v1/confirmations",
            json!({"code": code, "name": " ", "role": "村委会主任"}),
        )
        .await
        .problem(422);
    assert_eq!(admin.head_seq().await, head);
    // The team's own coordinator, sending their token, does not vouch for their own team
    // (the web form refuses them the same way); nothing is written and the code still works.
    let own = coordinator
        .post(
            "/v1/confirmations",
            json!({"code": code, "name": "沈国强", "role": "村委会主任"}),
        )
        .await;
    assert_eq!(own.problem(403)["code"], "own_team", "{}", own.body);
    // Nor the volunteer who did the service, signed in.
    let herself = city.volunteer_clients[0]
        .post(
            "/v1/confirmations",
            json!({"code": code, "name": "王金法", "role": "志愿者"}),
        )
        .await;
    assert_eq!(
        herself.problem(403)["code"],
        "own_service",
        "{}",
        herself.body
    );
    assert_eq!(admin.head_seq().await, head);

    // Confirmed as printed, in groups of four: the points become usable.
    let printed = first["shown"].as_str().expect("shown").to_owned();
    assert_eq!(printed.len(), 14, "three groups of four: {printed}");
    let anonymous_key = [("idempotency-key", "1")];
    anyone
        .send(
            reqwest::Method::POST,
            "/v1/confirmations",
            Some(json!({"code": printed, "name": "沈国强", "role": "村委会主任"})),
            &anonymous_key,
        )
        .await
        .ok();
    // Another party with another code picks the same key: callers without a token are told
    // apart by the code they show, so neither is refused as a reused key.
    let second = coordinator
        .post(&path, json!({"party": "荻港村老年协会"}))
        .await
        .ok();
    anyone
        .send(
            reqwest::Method::POST,
            "/v1/confirmations",
            Some(json!({"code": second["code"], "name": "钱阿姨", "role": "老年协会会长"})),
            &anonymous_key,
        )
        .await
        .ok();
    let released = balance(admin, v0).await;
    assert_eq!(dec(&released["pending"]), 0.0, "{released}");
    assert_eq!(
        dec(&released["available"]),
        dec(&before["available"]) + 30.0
    );
    // A code works once.
    anyone
        .post(
            "/v1/confirmations",
            json!({"code": code, "name": "沈国强", "role": "村委会主任"}),
        )
        .await
        .problem(404);

    // The log keeps the code's keyed digest, never the code.
    let feed = common::demo::feed(admin).await;
    let text = serde_json::to_string(&feed).expect("json");
    assert!(!text.contains(&code), "the code is not in the log");
    let confirmed = feed
        .iter()
        .find(|e| e["type"] == "ActivityConfirmed")
        .expect("the confirmation is an event");
    assert_eq!(confirmed["data"]["name"], "沈国强");
    assert_eq!(confirmed["data"]["confirmed_on"], today());

    // The evaluation: one of the team's two activities (the city's own, and this one) is
    // confirmed; the other team has none.
    let e = admin
        .get(&format!("/v1/evaluation?subject=team&id={}", city.team))
        .await
        .ok();
    assert_eq!(e["figures"]["activities"], 2, "{e}");
    assert_eq!(e["figures"]["confirmed_activities"], 1, "{e}");
    assert_eq!(dec(&e["figures"]["confirmed_share"]), 0.5, "{e}");

    // The public web page, in a browser's words: a second code, confirmed by a family.
    let second = coordinator.post(&path, json!({"party": "张家"})).await.ok()["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let page = anyone
        .raw(
            reqwest::Method::GET,
            &format!("/confirm/{second}"),
            "text/plain",
            Vec::new(),
        )
        .await;
    assert!(page.text.contains("荻港村宅基地纠纷调解"), "{}", page.text);
    assert!(page.text.contains("张家"));
    // The team's own coordinator, signed in, cannot vouch for it with the code.
    let own = common::web::Browser::new(&server, coordinator.token.as_deref().expect("token"));
    let head = admin.head_seq().await;
    let (_, refused) = own
        .post(
            &format!("/confirm/{second}"),
            &[
                common::web::field("name", "协调员"),
                common::web::field("role", "村委会主任"),
            ],
        )
        .await;
    assert!(
        refused.contains("cannot confirm its activities"),
        "{refused}"
    );
    assert_eq!(admin.head_seq().await, head);
    let confirm = |origin: &str| {
        anyone
            .http
            .post(format!("{}/confirm/{second}", anyone.base))
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=%E5%BC%A0%E5%A4%A7%E5%A8%98&role=%E5%AE%B6%E5%B1%9E&form_id=f1")
            .send()
    };
    // Posted from another site (a browser that does not send Sec-Fetch-Site): refused.
    let forged = confirm("https://evil.example").await.expect("post");
    let forged = forged.text().await.unwrap_or_default();
    assert!(!forged.contains("已确认"), "{forged}");
    assert_eq!(admin.head_seq().await, head);
    let thanks = confirm(&anyone.base).await.expect("post");
    let thanks = thanks.text().await.unwrap_or_default();
    assert!(thanks.contains("已确认"), "{thanks}");
    let detail = coordinator
        .get(&format!("/v1/evaluation?subject=team&id={}", city.team))
        .await
        .ok();
    assert_eq!(
        detail["figures"]["confirmed_activities"], 1,
        "one activity, confirmed twice"
    );
}

/// The notices of a file adapter, one JSON object per line.
/// The party served cannot be reached: on the activity's confirmation page an
/// administrator stops waiting, with the reason, and the points become usable; the page
/// then says so. The team's coordinator gives codes there but cannot waive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_stops_waiting_for_a_confirmation_that_cannot_come() {
    use common::web::{field, Browser};
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let (admin, v0) = (&city.admin, &city.volunteers[0]);
    admin
        .put(
            "/v1/policies/confirmation-required",
            json!({"category": "mediation", "required": true, "note": "调解服务须经服务对象确认"}),
        )
        .await
        .ok();
    let activity = city
        .coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(1), "title": "老宅纠纷调解", "participants": [{"volunteer_id": v0, "hours": "2"}]}))
        .await
        .id();
    assert_eq!(dec(&balance(admin, v0).await["pending"]), 20.0);
    let page = format!("/team/activities/{activity}/confirmation");
    let theirs = Browser::new(&server, city.coordinator.token.as_deref().expect("token"))
        .get(&page)
        .await
        .text()
        .await
        .expect("page");
    assert!(
        theirs.contains("打印确认单") && !theirs.contains("不再等待"),
        "{theirs}"
    );
    let web = Browser::new(&server, ADMIN);
    let csrf = web.csrf(&page).await;
    let mine = web.get(&page).await.text().await.expect("page");
    assert!(
        mine.contains("不再等待") && !mine.contains("打印确认单"),
        "{mine}"
    );
    let waive = format!("/team/activities/{activity}/waive");
    let before = admin.head_seq().await;
    let (_, refused) = web
        .post(
            &waive,
            &[
                field("csrf", &csrf),
                field("form_id", "w1"),
                field("reason", " "),
            ],
        )
        .await;
    assert!(refused.contains("reason"), "{refused}");
    assert_eq!(admin.head_seq().await, before, "a refusal appends nothing");
    let (status, _) = web
        .post(
            &waive,
            &[
                field("csrf", &csrf),
                field("form_id", "w2"),
                field("reason", "服务对象已搬离，电话停机"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let after = balance(admin, v0).await;
    assert_eq!(dec(&after["pending"]), 0.0, "{after}");
    let shown = web.get(&page).await.text().await.expect("page");
    assert!(shown.contains("服务对象已搬离，电话停机"), "{shown}");
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Waits until `f` holds (the outbox runs on its own clock).
async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn notices_reach_the_volunteer_and_a_relative_in_plain_words_once_each() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("notices.ndjson");
    let data = tmp.path().join("data");
    let file_arg = file.to_string_lossy().into_owned();
    let args = ["--notify-file", &file_arg, "--notify-interval-ms", "100"];
    let mut server = Server::start_in(&data, &args);
    let city = City::build(&server, 2).await;
    let (admin, v0, v1) = (&city.admin, &city.volunteers[0], &city.volunteers[1]);
    let me = &city.volunteer_clients[0];

    // Where notices go: a mobile typed as people type it, a daughter as well.
    let set = me
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "138 0000 1234", "relative": {"name": "沈丽", "relation": "女儿", "phone": "+86 139-0000-5678"}}),
        )
        .await
        .ok();
    assert_eq!(set["phone"], "138****1234");
    assert_eq!(set["relative"], "女儿 139****5678");
    let bad = me
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "12345"}),
        )
        .await;
    assert!(bad.problem(422)["detail"]
        .as_str()
        .expect("detail")
        .contains("\"12345\""));
    city.volunteer_clients[1]
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .problem(403);

    // Points credited: to her and her daughter; the other volunteer has no phone, so theirs
    // is kept for paper and their page.
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解邻里纠纷", "participants": [{"volunteer_id": v0, "hours": "4"}, {"volunteer_id": v1, "hours": "2"}]}))
        .await
        .ok();
    let credited = until("the credited notices", || {
        let l: Vec<Value> = lines(&file)
            .into_iter()
            .filter(|n| n["kind"] == "points_credited")
            .filter(|n| {
                n["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("调解邻里纠纷"))
            })
            .collect();
        (l.len() >= 2).then_some(l)
    })
    .await;
    assert_eq!(credited.len(), 2, "{credited:?}");
    let own = credited
        .iter()
        .find(|n| n["recipient"] == "volunteer")
        .expect("hers");
    let daughter = credited
        .iter()
        .find(|n| n["recipient"] == "relative")
        .expect("her daughter's");
    assert_eq!(own["phone"], "13800001234");
    assert_eq!(daughter["phone"], "13900005678");
    assert_eq!(daughter["relative"][0], "沈丽");
    let text = own["text"].as_str().expect("text");
    assert!(text.starts_with("【银领积分】"), "{text}");
    assert!(
        text.contains("调解邻里纠纷") && text.contains("记入 40 积分"),
        "{text}"
    );
    assert!(!text.contains("志愿者0"), "a notice names no one: {text}");
    assert_ne!(own["key"], daughter["key"]);
    let theirs = admin
        .get(&format!("/v1/volunteers/{v1}/notices"))
        .await
        .ok();
    let kept = theirs["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|n| {
            n["text"]
                .as_str()
                .is_some_and(|t| t.contains("调解邻里纠纷"))
        })
        .expect("their notice is kept");
    assert_eq!(kept["status"], "paper", "{theirs}");
    assert!(kept["text"]
        .as_str()
        .expect("text")
        .contains("记入 20 积分"));

    // Points on public notice, a reward ready, a dispute answered.
    admin
        .put(
            "/v1/policies/notice-period",
            json!({"category": "lecture", "days": 3}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "lecture", "date": days_ago(0), "title": "防诈骗宣讲", "participants": [{"volunteer_id": v0, "hours": "1"}]}))
        .await
        .ok();
    let hold = admin
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();
    let code = hold["pickup_code"].as_str().unwrap_or_default().to_owned();
    let dispute = me
        .post(
            "/v1/disputes",
            json!({"volunteer_id": v0, "kind": "missing", "reason": "上周二的巡河没有登记"}),
        )
        .await
        .id();
    city.coordinator
        .post(
            &format!("/v1/disputes/{dispute}/resolve"),
            json!({"outcome": "rejected", "reason": "当天签到表上没有您的名字"}),
        )
        .await
        .ok();
    let all = until("the later notices", || {
        let l = lines(&file);
        let kinds = ["points_pending", "reward_ready", "dispute_resolved"];
        kinds
            .iter()
            .all(|k| l.iter().filter(|n| n["kind"] == *k).count() == 2)
            .then_some(l)
    })
    .await;
    let text_of = |kind: &str| {
        all.iter()
            .find(|n| n["kind"] == kind && n["recipient"] == "volunteer")
            .and_then(|n| n["text"].as_str())
            .expect("text")
            .to_owned()
    };
    let pending = text_of("points_pending");
    assert!(
        pending.contains("正在公示") && pending.contains("起可以使用"),
        "{pending}"
    );
    let ready = text_of("reward_ready");
    assert!(
        ready.contains("松阳银猴茶") && ready.contains("取货码"),
        "{ready}"
    );
    if !code.is_empty() {
        assert!(ready.contains(&code), "{ready}");
    }
    let answered = text_of("dispute_resolved");
    assert!(answered.contains("当天签到表上没有您的名字"), "{answered}");

    // The staff who read the notices see the reward ready without its code: with it, they
    // could collect it. Her own page shows it.
    let outbox = admin.get("/v1/notices/outbox").await.ok();
    let staff_read = admin
        .get(&format!("/v1/volunteers/{v0}/notices"))
        .await
        .ok();
    let hers = me.get(&format!("/v1/volunteers/{v0}/notices")).await.ok();
    if !code.is_empty() {
        for (who, read) in [("the outbox", &outbox), ("her notices", &staff_read)] {
            let text = read.to_string();
            assert!(
                text.contains("取货码 ••••••") && !text.contains(&code),
                "{who} shows the pickup code to the staff: {text}"
            );
        }
        assert!(hers.to_string().contains(&code), "{hers}");
    }

    // The outbox: delivered or kept for paper, nothing failed.
    assert_eq!(outbox["failed"], 0, "{outbox}");
    assert!(outbox["delivered"].as_u64() >= Some(8), "{outbox}");
    assert!(outbox["paper"].as_u64() >= Some(1), "{outbox}");

    // A restart reads nothing twice: every key in the file once.
    server.terminate();
    let server = Server::start_in(&data, &args);
    server
        .client(city.coordinator.token.as_deref().expect("token"))
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "重启以后", "participants": [{"volunteer_id": v0, "hours": "1"}]}))
        .await
        .ok();
    let after = until("the notice after the restart", || {
        let l = lines(&file);
        l.iter()
            .any(|n| n["text"].as_str().is_some_and(|t| t.contains("重启以后")))
            .then_some(l)
    })
    .await;
    let mut keys: Vec<&str> = after.iter().filter_map(|n| n["key"].as_str()).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n, "no notice was delivered twice");
}

/// One request read off a fake gateway's socket: its head and its body (`None` when the
/// connection ends first).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return Some((head.to_owned(), body.to_owned()));
            }
        }
    }
}

/// A fake gateway's answer: `status` (a status line's code and words, and any headers), no
/// body, the connection closed.
async fn answer(socket: &mut tokio::net::TcpStream, status: &str) {
    use tokio::io::AsyncWriteExt;
    let _ = socket
        .write_all(
            format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
}

/// What the fake gateway saw: each request's key and attempt number.
type Seen = Arc<Mutex<Vec<(String, u64, String)>>>;

/// A gateway on loopback: answers 500 to the first two attempts at every notice, 400 to a
/// notice for the number 13700000000, holds its answer for three seconds the first time it
/// sees a text containing "慢", and 200 otherwise.
async fn gateway() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let Some((head, body)) = read_request(&mut socket).await else {
                    return;
                };
                let key = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .starts_with("idempotency-key:")
                            .then(|| l[16..].trim().to_owned())
                    })
                    .unwrap_or_default();
                let notice: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let attempt = notice["attempt"].as_u64().unwrap_or(0);
                let text = notice["text"].as_str().unwrap_or("").to_owned();
                let earlier = {
                    let mut seen = log.lock().expect("lock");
                    let earlier = seen.iter().filter(|(k, _, _)| *k == key).count();
                    seen.push((key.clone(), attempt, text.clone()));
                    earlier
                };
                let status = if notice["phone"] == "13700000000" {
                    "400 Bad Request"
                } else if text.contains("慢") {
                    if earlier == 0 {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    "200 OK"
                } else if earlier < 2 {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                answer(&mut socket, status).await;
            });
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_fails_is_retried_with_the_same_key_and_a_crash_delivers_again() {
    let (url, seen) = gateway().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let args = [
        "--notify-webhook",
        &url,
        "--notify-interval-ms",
        "100",
        "--notify-retry-ms",
        "200",
    ];
    let mut server = Server::start_in(&data, &args);
    let city = City::build(&server, 2).await;
    let (v0, v1) = (&city.volunteers[0], &city.volunteers[1]);
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .ok();
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v1}/notice-contacts"),
            json!({"phone": "13700000000"}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": v0, "hours": "2"}, {"volunteer_id": v1, "hours": "2"}]}))
        .await
        .ok();
    // Two failures, then taken: three attempts with one key, numbered 1, 2, 3.
    let tries = until("three attempts", || {
        let seen = seen.lock().expect("lock");
        let mine: Vec<u64> = seen
            .iter()
            .filter(|(_, _, t)| t.contains("记入 20 积分"))
            .filter(|(k, _, _)| k.ends_with(&format!("{v0}:v")))
            .map(|(_, a, _)| *a)
            .collect();
        (mine.len() >= 3).then_some(mine)
    })
    .await;
    assert_eq!(tries, vec![1, 2, 3]);
    // Refused for good (a 4xx): one attempt, marked failed with the gateway's words.
    let refused = |n: &Value| {
        n["text"]
            .as_str()
            .is_some_and(|t| t.contains("记入 20 积分"))
    };
    let failed = until("the refusal recorded", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox?status=failed"));
        o["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|n| refused(n) && n["volunteer_id"] == v1.as_str())
                .cloned()
        })
    })
    .await;
    assert!(
        failed["last_error"]
            .as_str()
            .expect("error")
            .contains("400"),
        "{failed}"
    );
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert_eq!(
        seen.lock()
            .expect("lock")
            .iter()
            .filter(|(k, _, t)| k.ends_with(&format!("{v1}:v")) && t.contains("记入 20 积分"))
            .count(),
        1,
        "a refused notice is not retried"
    );

    // A crash in the middle of a delivery: the gateway holds its answer, the service is
    // killed, and the restarted service delivers again with the same key (at least once).
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "慢慢调解", "participants": [{"volunteer_id": v0, "hours": "1"}]}))
        .await
        .ok();
    let key = until("the slow delivery to start", || {
        let seen = seen.lock().expect("lock");
        seen.iter()
            .find(|(_, _, t)| t.contains("慢慢调解"))
            .map(|(k, _, _)| k.clone())
    })
    .await;
    server.kill();
    let _server = Server::start_in(&data, &args);
    until("the same notice again after the restart", || {
        let seen = seen.lock().expect("lock");
        (seen.iter().filter(|(k, _, _)| *k == key).count() >= 2).then_some(())
    })
    .await;
}

/// Runs a request to completion from inside a polling closure.
fn futures_lite<F: std::future::Future<Output = Reply>>(f: F) -> Value {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f)).ok()
}

/// A gateway on loopback answering `answers` in turn (a status line and any headers), then
/// 200; it records each request's method and path.
async fn scripted_gateway(answers: &'static [&'static str]) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let Some((head, _)) = read_request(&mut socket).await else {
                continue;
            };
            let request = head.lines().next().unwrap_or_default().to_owned();
            let n = {
                let mut seen = log.lock().expect("lock");
                seen.push(request);
                seen.len()
            };
            let status = answers.get(n - 1).copied().unwrap_or("200 OK");
            answer(&mut socket, status).await;
        }
    });
    (url, seen)
}

/// A gateway that redirects or refuses its caller is the gateway's fault, not the notice's:
/// the redirect is not followed (a 302 would turn the POST into a GET without its body), the
/// notice is tried again and goes out once the gateway takes it. A gateway that does not
/// answer leaves the notice waiting, and the text kept with it never holds the gateway's
/// URL (credentials in its query would reach the volunteer's own list of notices).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_redirects_or_refuses_its_caller_is_retried_and_its_url_is_never_shown() {
    let (url, seen) = scripted_gateway(&[
        "302 Found\r\nlocation: /elsewhere",
        "401 Unauthorized",
        "404 Not Found",
    ])
    .await;
    let webhook = format!("{url}?apikey=SECRET-ONE");
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "--notify-webhook",
        &webhook,
        "--notify-interval-ms",
        "100",
        "--notify-retry-ms",
        "100",
    ];
    let server = Server::start_in(&tmp.path().join("data"), &args);
    let city = City::build(&server, 1).await;
    let v0 = &city.volunteers[0];
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": v0, "hours": "2"}]}))
        .await
        .ok();
    let outbox = until("every notice delivered once the gateway took them", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox"));
        (o["pending"] == 0 && o["delivered"].as_u64() >= Some(1)).then_some(o)
    })
    .await;
    assert_eq!(outbox["failed"], 0, "none refused for good: {outbox}");
    let requests = seen.lock().expect("lock").clone();
    assert!(requests.len() >= 4, "{requests:?}");
    assert!(
        requests.iter().all(|r| r.starts_with("POST /sms?apikey=")),
        "never a GET, never the redirect's address: {requests:?}"
    );

    // A gateway that does not answer: the notice waits, its error in plain words only.
    let closed = format!("http://127.0.0.1:{}/s?k=SECRET-TWO", common::free_port());
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "--notify-webhook",
        &closed,
        "--notify-interval-ms",
        "100",
        "--notify-retry-ms",
        "100",
    ];
    let server = Server::start_in(&tmp.path().join("data"), &args);
    let city = City::build(&server, 1).await;
    let v0 = &city.volunteers[0];
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": v0, "hours": "2"}]}))
        .await
        .ok();
    let waiting = until("an attempt made", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox?status=pending"));
        o["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|n| n["volunteer_id"] == v0.as_str() && n["attempts"].as_u64() >= Some(1))
                .cloned()
        })
    })
    .await;
    let error = waiting["last_error"].as_str().expect("an error").to_owned();
    assert!(error.contains("did not answer"), "{error}");
    let mine = city
        .coordinator
        .get(&format!("/v1/volunteers/{v0}/notices"))
        .await
        .ok();
    for text in [error.as_str(), &mine.to_string(), &waiting.to_string()] {
        assert!(
            !text.contains("SECRET") && !text.contains("127.0.0.1"),
            "{text}"
        );
    }
}

/// A gateway on loopback that answers 503 until `up` is set, then 200, keeping the bodies it
/// took.
async fn switch_gateway() -> (
    String,
    Arc<std::sync::atomic::AtomicBool>,
    Arc<Mutex<Vec<String>>>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let up = Arc::new(AtomicBool::new(false));
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    {
        let (up, sent) = (up.clone(), sent.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let body = read_request(&mut socket).await.map(|(_, body)| body);
                let status = if up.load(Ordering::SeqCst) {
                    if let Some(body) = body {
                        sent.lock().expect("lock").push(body);
                    }
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                };
                answer(&mut socket, status).await;
            }
        });
    }
    (url, up, sent)
}

/// A notice about a hold that is no longer true when the gateway comes back is not sent:
/// "your reward is ready, pickup code …" after the hold was cancelled would mislead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_about_a_hold_cancelled_meanwhile_is_not_sent() {
    use std::sync::atomic::Ordering;
    let (url, up, sent) = switch_gateway().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "--notify-webhook",
        &url,
        "--notify-interval-ms",
        "100",
        "--notify-retry-ms",
        "100",
    ];
    let server = Server::start_in(&tmp.path().join("data"), &args);
    let city = City::build(&server, 1).await;
    let v0 = &city.volunteers[0];
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .ok();
    let hold = city
        .admin
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .id();
    until(
        "the reward's notice tried while the gateway is down",
        || {
            let o = futures_lite(city.admin.get("/v1/notices/outbox?status=pending"));
            o["items"].as_array().and_then(|items| {
                items
                    .iter()
                    .find(|n| n["kind"] == "reward_ready" && n["attempts"].as_u64() >= Some(1))
                    .cloned()
            })
        },
    )
    .await;
    city.admin
        .post(
            &format!("/v1/redemptions/{hold}/cancel"),
            json!({"reason": "不要了"}),
        )
        .await
        .ok();
    up.store(true, Ordering::SeqCst);
    let settled = until("the reward's notice settled", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox?status=failed"));
        o["items"]
            .as_array()
            .and_then(|items| items.iter().find(|n| n["kind"] == "reward_ready").cloned())
    })
    .await;
    assert!(
        settled["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("no longer applies")),
        "{settled}"
    );
    assert!(
        !sent
            .lock()
            .expect("lock")
            .iter()
            .any(|body| body.contains("reward_ready")),
        "never sent"
    );
}

/// A volunteer who withdrew the consent their points record was kept under is sent no text
/// message any more, nor is their relative: their notices are kept for their page and paper
/// statement; the others are sent theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_consent_stops_text_messages_to_the_volunteer_and_their_relative() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("notices.ndjson");
    let file_arg = file.to_string_lossy().into_owned();
    let args = ["--notify-file", &file_arg, "--notify-interval-ms", "100"];
    let server = Server::start_in(&tmp.path().join("data"), &args);
    let city = City::build(&server, 2).await;
    let (v0, v1) = (&city.volunteers[0], &city.volunteers[1]);
    city.admin
        .put(
            "/v1/privacy-notice",
            json!({"text_zh": "告知书。", "published_on": days_ago(1)}),
        )
        .await
        .ok();
    for v in [v0, v1] {
        city.coordinator
            .post(
                &format!("/v1/volunteers/{v}/consents"),
                json!({"purpose": "志愿服务积分记录", "notice_version": 1, "given_on": today(), "collected_by": "协调员"}),
            )
            .await
            .ok();
        city.coordinator
            .put(
                &format!("/v1/volunteers/{v}/notice-contacts"),
                json!({"phone": "13800001234", "relative": {"name": "沈丽", "relation": "女儿", "phone": "13900005678"}}),
            )
            .await
            .ok();
    }
    city.volunteer_clients[0]
        .post(
            &format!("/v1/volunteers/{v0}/consents/withdraw"),
            json!({"purpose": "志愿服务积分记录", "withdrawn_on": today()}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": v0, "hours": "2"}, {"volunteer_id": v1, "hours": "2"}]}))
        .await
        .ok();
    // The activity logged after the withdrawal ("调解"; the city's own first activity may
    // have been told before it).
    let of_it = |n: &Value| n["text"].as_str().is_some_and(|t| t.contains("“调解”"));
    let sent = until("the other volunteer's two messages", || {
        let l = lines(&file);
        (l.iter()
            .filter(|n| n["volunteer_id"] == v1.as_str() && of_it(n))
            .count()
            >= 2)
            .then_some(l)
    })
    .await;
    assert!(
        !sent
            .iter()
            .any(|n| n["volunteer_id"] == v0.as_str() && of_it(n)),
        "nothing to her or her daughter: {sent:?}"
    );
    let hers = city
        .coordinator
        .get(&format!("/v1/volunteers/{v0}/notices"))
        .await
        .ok();
    let credited: Vec<&Value> = hers["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == "points_credited" && of_it(n))
        .collect();
    assert!(
        !credited.is_empty() && credited.iter().all(|n| n["status"] == "paper"),
        "{hers}"
    );
}

/// A notice queued while the gateway was down is not sent once its volunteer has withdrawn
/// consent meanwhile: it is kept for the paper statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_queued_before_consent_is_withdrawn_is_not_sent() {
    use std::sync::atomic::Ordering;
    let (url, up, sent) = switch_gateway().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "--notify-webhook",
        &url,
        "--notify-interval-ms",
        "100",
        "--notify-retry-ms",
        "100",
    ];
    let server = Server::start_in(&tmp.path().join("data"), &args);
    let city = City::build(&server, 1).await;
    let v0 = &city.volunteers[0];
    city.admin
        .put(
            "/v1/privacy-notice",
            json!({"text_zh": "告知书。", "published_on": days_ago(1)}),
        )
        .await
        .ok();
    city.coordinator
        .post(
            &format!("/v1/volunteers/{v0}/consents"),
            json!({"purpose": "志愿服务积分记录", "notice_version": 1, "given_on": today(), "collected_by": "协调员"}),
        )
        .await
        .ok();
    city.coordinator
        .put(
            &format!("/v1/volunteers/{v0}/notice-contacts"),
            json!({"phone": "13800001234"}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": v0, "hours": "2"}]}))
        .await
        .ok();
    let key = until("the notice tried while the gateway is down", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox?status=pending"));
        o["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|n| {
                    n["text"].as_str().is_some_and(|t| t.contains("“调解”"))
                        && n["attempts"].as_u64() >= Some(1)
                })
                .map(|n| n["key"].clone())
        })
    })
    .await;
    city.volunteer_clients[0]
        .post(
            &format!("/v1/volunteers/{v0}/consents/withdraw"),
            json!({"purpose": "志愿服务积分记录", "withdrawn_on": today()}),
        )
        .await
        .ok();
    up.store(true, Ordering::SeqCst);
    let kept = until("the queued notice settled", || {
        let o = futures_lite(city.admin.get("/v1/notices/outbox?status=paper"));
        o["items"]
            .as_array()
            .and_then(|items| items.iter().find(|n| n["key"] == key).cloned())
    })
    .await;
    assert!(
        kept["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("consent withdrawn")),
        "{kept}"
    );
    assert!(
        !sent
            .lock()
            .expect("lock")
            .iter()
            .any(|b| b.contains("“调解”")),
        "never sent"
    );
}

/// A guesser trying codes one after another: after a minute's worth of wrong ones the node
/// answers no code at all until the minute is over (a right one typed then waits too), in
/// words, and nothing is appended.
#[tokio::test]
async fn a_flood_of_wrong_confirmation_codes_pauses_codes_for_the_minute() {
    let server = Server::start();
    let anyone = server.anonymous();
    let admin = server.client(ADMIN);
    let head = admin.head_seq().await;
    let limit = yinling_app::limits::CODE_WRONG_PER_MINUTE;
    for n in 0..limit {
        let guess = format!("{:012}", 100_000_000_000u64 + u64::from(n));
        anyone
            .get(&format!("/v1/confirmations/{guess}"))
            .await
            .problem(404);
    }
    let paused = anyone
        .post(
            "/v1/confirmations",
            json!({"code": "123412341234", "name": "沈国强", "role": "村委会主任"}),
        )
        .await;
    assert_eq!(
        paused
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("60")
    );
    let detail = paused.problem(429)["detail"]
        .as_str()
        .expect("detail")
        .to_owned();
    assert!(detail.contains("wait a minute"), "{detail}");
    anyone
        .get("/v1/confirmations/432143214321")
        .await
        .problem(429);
    assert_eq!(admin.head_seq().await, head);
}
