//! The web app's forms go through the same checks as the API: a value that does not parse
//! is refused with the field named and nothing is appended (no unknown category quietly
//! becomes mediation, no bad count becomes 0, no malformed id is skipped), and the activity
//! form records every outcome the API records. Points cards link to the address the operator
//! declared with `--public-url`, never to the request's Host header, and cannot be printed
//! without it.

mod common;

use common::web::{field, Browser};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_forms_refuse_what_the_api_refuses_and_keep_every_outcome() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let coordinator_token = city.coordinator.token.clone().expect("token");
    let browser = Browser::new(&server, &coordinator_token);
    let csrf = browser.csrf("/team/activities/new").await;
    let v0 = city.volunteers[0].clone();
    let form = |category: &str, served: &str, volunteer: &str, n: usize| {
        vec![
            field("csrf", &csrf),
            field("form_id", &format!("form{n}")),
            field("title", "调解邻里纠纷"),
            field("category", category),
            field("date", &days_ago(3)),
            field("people_served", served),
            field("problems_resolved", "2"),
            field("disputes_handled", "3"),
            field("disputes_settled", "1"),
            field("v", volunteer),
            field(&format!("h-{volunteer}"), "1.5"),
        ]
    };
    let refused = [
        (form("cooking", "4", &v0, 1), "category"),
        (form("mediation", "four", &v0, 2), "people_served"),
        (form("mediation", "-1", &v0, 3), "people_served"),
        (
            form("mediation", "4", "not-a-volunteer", 4),
            "participants[0].volunteer_id",
        ),
    ];
    for (fields, named) in refused {
        let before = city.admin.head_seq().await;
        let (status, page) = browser.post("/team/activities/new", &fields).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("role=\"alert\""), "no refusal shown: {page}");
        assert!(
            page.contains(named),
            "the refusal does not name {named}: {page}"
        );
        // The form comes back with what was typed: the title, the counts, who was ticked.
        assert!(
            page.contains("value=\"调解邻里纠纷\"")
                && page.contains("name=\"disputes_handled\" inputmode=\"numeric\" value=\"3\"")
                && page.contains("您填的内容都还在"),
            "the form is not sent back filled: {page}"
        );
        assert_eq!(
            city.admin.head_seq().await,
            before,
            "a refused form appended events"
        );
    }
    let (status, page) = browser
        .post("/team/activities/new", &form("mediation", "4", &v0, 5))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("role=\"status\""), "not logged: {page}");
    let list = city
        .coordinator
        .get(&format!("/v1/activities?team_id={}", city.team))
        .await
        .ok();
    let logged = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|a| a["title"] == "调解邻里纠纷")
        .expect("the activity the form logged");
    assert_eq!(logged["category"], "mediation");
    assert_eq!(
        logged["outcomes"],
        json!({"people_served": 4, "problems_resolved": 2, "disputes_handled": 3, "disputes_settled": 1})
    );

    // A volunteer who moved to another team is still offered, marked, for service done
    // with this team before the move, and it is logged and credited to this team.
    let v1 = city.volunteers[1].clone();
    city.admin
        .post(
            &format!("/v1/volunteers/{v1}/move"),
            json!({"team_id": city.other_team}),
        )
        .await
        .ok();
    let page = browser
        .get("/team/activities/new")
        .await
        .text()
        .await
        .expect("the form");
    assert!(page.contains(&v1) && page.contains("已调出"), "{page}");
    let (_, page) = browser
        .post("/team/activities/new", &form("mediation", "4", &v1, 6))
        .await;
    assert!(page.contains("role=\"status\""), "not logged: {page}");
    let feed = common::demo::feed(&city.admin).await;
    let credited = feed
        .iter()
        .rev()
        .find(|e| e["type"] == "ServiceLogged" && e["data"]["volunteer_id"] == v1.as_str())
        .expect("logged");
    assert_eq!(credited["data"]["team_id"], city.team.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_link_to_the_declared_public_address_and_need_it() {
    // Without --public-url: the card page says so and nothing is issued.
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let browser = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let csrf = browser.csrf("/team/cards").await;
    let before = city.admin.head_seq().await;
    let (status, page) = browser
        .post(
            "/team/cards",
            &[
                field("csrf", &csrf),
                field("form_id", "cards1"),
                field("v", &city.volunteers[0]),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("--public-url"),
        "the refusal does not say what is missing: {page}"
    );
    assert_eq!(
        city.admin.head_seq().await,
        before,
        "a card was issued anyway"
    );
    drop(server);

    // With it: the link is on the declared address whatever Host the request carried, and
    // the session cookie of an https address is Secure.
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_in(
        &tmp.path().join("data"),
        &["--public-url", "https://points.example.gov.cn"],
    );
    let city = City::build(&server, 1).await;
    let token = city.coordinator.token.clone().expect("token");
    let browser = Browser::new(&server, &token);
    let csrf = browser.csrf("/team/cards").await;
    let reply = browser
        .http
        .post(format!("{}/team/cards", server.base))
        .header("cookie", &browser.cookie)
        .header("host", "evil.example")
        .form(&[
            field("csrf", &csrf),
            field("form_id", "cards2"),
            field("v", &city.volunteers[0]),
        ])
        .send()
        .await
        .expect("post");
    let page = reply.text().await.expect("page");
    assert!(
        page.contains("href=\"https://points.example.gov.cn/card/yl_"),
        "the card does not link to the public address: {page}"
    );
    assert!(
        !page.contains("evil.example"),
        "the Host header leaked into a card"
    );
    // More than a sheet's worth of cards is refused whole, naming the limit, not cut short.
    let before = city.admin.head_seq().await;
    let mut many = vec![field("csrf", &csrf), field("form_id", "cards3")];
    for _ in 0..=yinling_web::limits::MAX_CARDS {
        many.push(field("v", &city.volunteers[0]));
    }
    let (_, page) = browser.post("/team/cards", &many).await;
    assert!(
        page.contains("role=\"alert\"")
            && page.contains(&format!("at most {}", yinling_web::limits::MAX_CARDS)),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before, "no card issued");
    // A sign-in posted from another site is refused, whether the browser says so or only
    // its Origin does.
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        let forged = browser
            .http
            .post(format!("{}/login", server.base))
            .header(name, value)
            .form(&[field("token", &token)])
            .send()
            .await
            .expect("login");
        assert!(
            forged.headers().get("set-cookie").is_none(),
            "{name}: {value}"
        );
    }
    let login = browser
        .http
        .post(format!("{}/login", server.base))
        .header("origin", server.base.clone())
        .form(&[field("token", &token)])
        .send()
        .await
        .expect("login");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_participant_is_corrected_from_the_web_and_the_others_stay() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let browser = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let path = format!("/team/activities/{}/correct", city.activity);
    let csrf = browser.csrf(&path).await;
    let (v0, v1) = (city.volunteers[0].clone(), city.volunteers[1].clone());
    // "eight and a half" is refused, naming the field, and nothing is appended.
    let before = city.admin.head_seq().await;
    let (_, page) = browser
        .post(
            &path,
            &[
                field("csrf", &csrf),
                field("form_id", "c1"),
                field("volunteer", &v1),
                field("hours", "八点五"),
                field("reason", "多记"),
            ],
        )
        .await;
    assert!(
        page.contains("role=\"alert\"") && page.contains("hours"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before);
    let (status, _) = browser
        .post(
            &path,
            &[
                field("csrf", &csrf),
                field("form_id", "c2"),
                field("volunteer", &v1),
                field("hours", "6"),
                field("reason", "多记了两小时"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let a = city
        .coordinator
        .get(&format!("/v1/activities/{}", city.activity))
        .await
        .ok();
    let hours = |v: &str| {
        a["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .find(|p| p["volunteer_id"] == v)
            .map(|p| p["hours"].clone())
    };
    assert_eq!(hours(&v1), Some(json!("6")));
    assert_eq!(hours(&v0), Some(json!("8")), "the other participant stays");
    let statement = city
        .coordinator
        .get(&format!("/v1/volunteers/{v1}/statement"))
        .await
        .ok();
    let last = statement["entries"]
        .as_array()
        .expect("entries")
        .last()
        .cloned()
        .expect("a line");
    assert_eq!(last["kind"], "correction");
    assert_eq!(last["hours"], "-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_registers_a_campaign_from_the_web_and_coordinators_can_pick_it() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let admin = Browser::new(&server, ADMIN);
    let csrf = admin.csrf("/categories").await;
    let form = |n: &str, code: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", n),
            field("label_zh", "垃圾分类"),
            field("label_en", "Garbage sorting"),
            field("code", code),
            field("rate", "15"),
            field("active_from", &days_ago(5)),
            field("active_until", ""),
        ]
    };
    // A code with capitals is refused with the rule spelled out; nothing is appended.
    let before = city.admin.head_seq().await;
    let (_, page) = admin.post("/categories", &form("k1", "Garbage")).await;
    assert!(
        page.contains("role=\"alert\"") && page.contains("lower-case"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before);
    let (status, _) = admin
        .post("/categories", &form("k2", "garbage_sorting"))
        .await;
    assert_eq!(status, 303);
    let listed = admin.get("/categories").await.text().await.expect("page");
    assert!(listed.contains("垃圾分类") && listed.contains("garbage_sorting"));
    // The coordinator's activity form offers it.
    let coordinator = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let new_activity = coordinator
        .get("/team/activities/new")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        new_activity.contains("value=\"garbage_sorting\""),
        "{new_activity}"
    );
    // Retired from the web: the list says so, with the reason.
    let (status, _) = admin
        .post(
            "/categories/garbage_sorting/retire",
            &[
                field("csrf", &csrf),
                field("form_id", "k3"),
                field("last_day", &days_ago(1)),
                field("reason", "专项行动结束"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let listed = admin.get("/categories").await.text().await.expect("page");
    assert!(listed.contains("专项行动结束"), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_with_review_is_adopted_and_a_star_confirmed_from_the_web() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let admin = Browser::new(&server, ADMIN);
    let csrf = admin.csrf("/stars").await;
    let scale = |n: &str, thresholds: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", n),
            field("thresholds", thresholds),
            field("review", "yes"),
            field("note", "须公示"),
        ]
    };
    // A threshold that is not a number is refused, naming it; nothing is appended.
    let before = city.admin.head_seq().await;
    let (_, page) = admin.post("/stars", &scale("s1", "5, 十")).await;
    assert!(
        page.contains("role=\"alert\"") && page.contains("thresholds[1]"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before);
    // Chinese commas are fine. The city's volunteer (8 hours) passes 5: waiting for review.
    let (status, _) = admin.post("/stars", &scale("s2", "5，500")).await;
    assert_eq!(status, 303);
    let v0 = city.volunteers[0].clone();
    let account = city.admin.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(account["star_awaiting_confirmation"], 1, "{account}");
    let volunteer = Browser::new(
        &server,
        &city.volunteer_clients[0].token.clone().expect("token"),
    );
    let me = volunteer.get("/me").await.text().await.expect("page");
    assert!(me.contains("正在公示"), "{me}");
    let notice = admin.get("/stars").await.text().await.expect("page");
    assert!(notice.contains(&format!("/stars/{v0}/confirm")), "{notice}");
    let (status, _) = admin
        .post(
            &format!("/stars/{v0}/confirm"),
            &[
                field("csrf", &csrf),
                field("form_id", "s3"),
                field("level", "1"),
                field("note", "公示七天无异议"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let account = city.admin.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(account["stars"], 1);
    let me = volunteer.get("/me").await.text().await.expect("page");
    assert!(me.contains("认定为1星"), "{me}");
}

#[tokio::test]
async fn a_late_entry_waits_on_the_policy_page_and_is_declined_or_approved_there() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let admin = Browser::new(&server, ADMIN);
    let csrf = admin.csrf("/policies").await;
    let limit = |n: &str, days: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", n),
            field("days", days),
            field("note", "补录超过30天需审批"),
        ]
    };
    // A limit that is not a number is refused, naming the field; nothing is appended.
    let before = city.admin.head_seq().await;
    let (status, page) = admin
        .post("/policies/backfill-limit", &limit("p1", "三十"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("role=\"alert\"") && page.contains("days"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before);
    let (status, _) = admin
        .post("/policies/backfill-limit", &limit("p2", "30"))
        .await;
    assert_eq!(status, 303);
    // The coordinator logs a service of forty-five days ago: it waits.
    let coordinator = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let team_csrf = coordinator.csrf("/team/activities/new").await;
    let v0 = city.volunteers[0].clone();
    let late = |n: &str, title: &str| {
        vec![
            field("csrf", &team_csrf),
            field("form_id", n),
            field("title", title),
            field("category", "lecture"),
            field("date", &days_ago(45)),
            field("v", &v0),
            field(&format!("h-{v0}"), "2"),
        ]
    };
    let balance = |a: &serde_json::Value| -> f64 {
        a["hours"]
            .as_str()
            .expect("hours")
            .parse()
            .expect("a number")
    };
    let start = balance(&city.admin.get(&format!("/v1/volunteers/{v0}")).await.ok());
    for (n, title) in [("l1", "补录宣讲甲"), ("l2", "补录宣讲乙")] {
        let (status, page) = coordinator
            .post("/team/activities/new", &late(n, title))
            .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("已提交审批"), "{page}");
    }
    assert_eq!(
        balance(&city.admin.get(&format!("/v1/volunteers/{v0}")).await.ok()),
        start,
        "a waiting back-fill credited points"
    );
    let queue = city.admin.get("/v1/backfills").await.ok();
    let ids: Vec<String> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| b["activity_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{queue}");
    let shown = admin.get("/policies").await.text().await.expect("page");
    for id in &ids {
        assert!(
            shown.contains(&format!("/policies/backfills/{id}/approve")),
            "{shown}"
        );
    }
    // Declining needs a reason.
    let before = city.admin.head_seq().await;
    let (status, page) = admin
        .post(
            &format!("/policies/backfills/{}/decline", ids[0]),
            &[
                field("csrf", &csrf),
                field("form_id", "d1"),
                field("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("role=\"alert\"") && page.contains("reason"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before);
    let (status, _) = admin
        .post(
            &format!("/policies/backfills/{}/decline", ids[0]),
            &[
                field("csrf", &csrf),
                field("form_id", "d2"),
                field("reason", "无签到记录"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = admin
        .post(
            &format!("/policies/backfills/{}/approve", ids[1]),
            &[
                field("csrf", &csrf),
                field("form_id", "a1"),
                field("note", "签到表已核"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    // Only the approved one is credited: two hours at the lecture rate.
    let account = city.admin.get(&format!("/v1/volunteers/{v0}")).await.ok();
    assert_eq!(balance(&account), start + 2.0, "{account}");
    assert!(city.admin.get("/v1/backfills").await.ok()["items"]
        .as_array()
        .expect("items")
        .is_empty());
    assert_eq!(
        city.admin
            .get(&format!("/v1/activities/{}", ids[1]))
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        city.admin
            .get(&format!("/v1/activities/{}", ids[0]))
            .await
            .status
            .as_u16(),
        404
    );
}

/// Hours typed beside someone who is not ticked are refused, naming them: they would have
/// been dropped without a word while the page thanked the coordinator for the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_typed_for_someone_not_ticked_are_refused_naming_them() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let browser = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let csrf = browser.csrf("/team/activities/new").await;
    let (v0, v1) = (city.volunteers[0].clone(), city.volunteers[1].clone());
    let form = |form_id: &str, v1_hours: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", form_id),
            field("title", "巡河"),
            field("category", "mediation"),
            field("date", &days_ago(2)),
            field("people_served", "0"),
            field("problems_resolved", "0"),
            field("disputes_handled", "0"),
            field("disputes_settled", "0"),
            field("v", &v0),
            field(&format!("h-{v0}"), "1.5"),
            field(&format!("h-{v1}"), v1_hours),
        ]
    };
    let before = city.admin.head_seq().await;
    let (_, page) = browser.post("/team/activities/new", &form("t1", "3")).await;
    assert!(
        page.contains("role=\"alert\"") && page.contains("志愿者1") && page.contains("勾"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before, "nothing logged");
    // The box as the form filled it in, or emptied, is no typing: the ticked one is logged.
    let (_, page) = browser.post("/team/activities/new", &form("t2", "2")).await;
    assert!(page.contains("已为 1 位志愿者登记"), "{page}");
}

/// A card's link signs a phone in at once, but not over someone already signed in (the
/// counter's phone scanning a volunteer's card) nor from a link on another site (which could
/// sign a visitor in as the card's holder): those are asked first, and only a form of this
/// site signs in. No page is kept by a cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_link_asks_before_it_replaces_a_session_or_comes_from_another_site() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let card = city
        .admin
        .post(
            "/v1/tokens",
            json!({"role": "volunteer", "volunteer_id": city.volunteers[0], "label": "积分卡"}),
        )
        .await
        .ok()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let path = format!("/card/{card}");
    let clerk = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let open = |cookie: Option<String>, site: Option<&'static str>| {
        let mut request = clerk.http.get(format!("{}{path}", server.base));
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        request.send()
    };
    let fresh = open(None, Some("none")).await.expect("get");
    assert_eq!(
        fresh.status().as_u16(),
        303,
        "a phone with no one signed in"
    );
    assert!(fresh.headers().contains_key("set-cookie"));
    // Asked: over someone signed in, from another site, or from a browser that does not say.
    for (cookie, site) in [
        (Some(clerk.cookie.clone()), Some("none")),
        (None, Some("cross-site")),
        (None, None),
    ] {
        let asked = open(cookie, site).await.expect("get");
        assert_eq!(asked.status().as_u16(), 200);
        assert!(
            !asked.headers().contains_key("set-cookie"),
            "signed in without asking"
        );
        assert_eq!(asked.headers()["cache-control"], "no-store");
        // The card's secret is in this page's address: no link from it passes it on.
        assert_eq!(asked.headers()["referrer-policy"], "no-referrer");
        // Nor is it shown inside another site's frame.
        assert_eq!(asked.headers()["x-frame-options"], "DENY");
        assert_eq!(
            asked.headers()["content-security-policy"],
            "frame-ancestors 'none'"
        );
        let page = asked.text().await.expect("page");
        assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
    }
    let post = |site: &'static str| {
        clerk
            .http
            .post(format!("{}{path}", server.base))
            .header("sec-fetch-site", site)
            .send()
    };
    let refused = post("cross-site").await.expect("post");
    assert!(!refused.headers().contains_key("set-cookie"));
    let confirmed = post("same-origin").await.expect("post");
    assert_eq!(confirmed.status().as_u16(), 303);
    assert!(confirmed.headers().contains_key("set-cookie"));
    // A browser that does not send Sec-Fetch-Site: its Origin must be this host.
    let posted_from = |origin: &str| {
        clerk
            .http
            .post(format!("{}{path}", server.base))
            .header("origin", origin)
            .send()
    };
    let elsewhere = posted_from("https://evil.example").await.expect("post");
    assert!(!elsewhere.headers().contains_key("set-cookie"));
    let here = posted_from(&server.base).await.expect("post");
    assert!(
        here.headers().contains_key("set-cookie"),
        "{}",
        here.status()
    );
}

/// A query string a page cannot read (digits typed full-width into the "record seq" box) is
/// answered with a page in plain words, not the API's problem document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_asked_with_a_bad_query_string_answers_with_a_page() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let browser = Browser::new(&server, &city.auditor.token.clone().expect("token"));
    let reply = browser
        .get("/rankings?as_of=%EF%BC%91%EF%BC%90%EF%BC%90")
        .await;
    assert_eq!(reply.status().as_u16(), 400);
    assert!(
        reply.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html")),
        "{:?}",
        reply.headers()
    );
    let page = reply.text().await.expect("page");
    assert!(
        page.contains("网址不对") && page.contains("role=\"alert\""),
        "{page}"
    );
}

/// A page read as of a past event stays there: the leaderboard's own links (by points, by
/// hours, the period) keep `as_of`, and the evaluation's period is that event's year to its
/// day, not today's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_as_of_a_past_event_stay_there() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let seq = city.admin.head_seq().await;
    let browser = Browser::new(&server, &city.auditor.token.clone().expect("token"));
    let page = browser
        .get(&format!("/rankings?as_of={seq}"))
        .await
        .text()
        .await
        .expect("page");
    let links: Vec<&str> = page
        .split("href=\"?by=")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .collect();
    assert_eq!(links.len(), 3, "{page}");
    for link in links {
        assert!(link.ends_with(&format!("as_of={seq}")), "{link}");
    }
    let page = browser
        .get(&format!("/evaluation?as_of={seq}"))
        .await
        .text()
        .await
        .expect("page");
    let year = &today()[..4];
    assert!(page.contains(&format!("{year}-01-01")), "{page}");
}

/// An older volunteer's own words: a complaint typed over two lines is taken (it was refused
/// for its line break, in English); the contacts form's empty box keeps the number, and its
/// own box stops the texts to that number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteers_own_words_and_numbers_are_taken_as_the_form_says() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let token = city.volunteer_clients[0].token.clone().expect("token");
    let me = Browser::new(&server, &token);
    let before = city.admin.head_seq().await;
    let csrf = me.csrf("/me/statement").await;
    let (status, page) = me
        .post(
            "/me/disputes",
            &[
                field("csrf", &csrf),
                field("form_id", "dispute1"),
                field("kind", "missing"),
                field("reason", "漏登了一次\r\n3月5日巡河"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(city.admin.head_seq().await, before + 1);

    let csrf = me.csrf("/me").await;
    let contacts = |form_id: &'static str, phone: &'static str, clear: bool| {
        let mut form = vec![
            field("csrf", &csrf),
            field("form_id", form_id),
            field("phone", phone),
        ];
        if clear {
            form.push(field("phone_clear", "1"));
        }
        form
    };
    let (status, _) = me
        .post("/me/contacts", &contacts("c1", "13800003721", false))
        .await;
    assert_eq!(status, 303);
    let (status, _) = me.post("/me/contacts", &contacts("c2", "", false)).await;
    assert_eq!(status, 303);
    let page = me.get("/me").await.text().await.expect("page");
    assert!(page.contains("138****3721"), "an empty box keeps it");
    assert!(
        page.contains("不再给本人手机发短信"),
        "the box to stop them"
    );
    let (status, _) = me.post("/me/contacts", &contacts("c3", "", true)).await;
    assert_eq!(status, 303);
    let page = me.get("/me").await.text().await.expect("page");
    assert!(!page.contains("138****3721"), "stopped");

    // The counter PIN is typed twice: two that differ set nothing; saved, the page says so.
    let csrf = me.csrf("/me/pin").await;
    let before = city.admin.head_seq().await;
    let pin = |form_id: &'static str, again: &'static str| {
        vec![
            field("csrf", &csrf),
            field("form_id", form_id),
            field("pin", "1739"),
            field("pin_again", again),
        ]
    };
    let (status, page) = me.post("/me/pin", &pin("pin1", "1793")).await;
    assert!(
        status == 200 && page.contains("两次输入的密码不一样"),
        "{page}"
    );
    assert_eq!(city.admin.head_seq().await, before, "nothing set");
    let (status, _) = me.post("/me/pin", &pin("pin2", "1739")).await;
    assert_eq!(status, 303);
    let page = me.get("/me/pin?saved=1").await.text().await.expect("page");
    assert!(page.contains("密码已保存"), "{page}");
}

/// A coordinator who ticked people and typed their hours, one of them wrongly, gets the form
/// back with every tick and every hour as typed, and the reason above it; nothing is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_activity_form_comes_back_with_every_tick_and_hour() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let browser = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let csrf = browser.csrf("/team/activities/new").await;
    let (v0, v1) = (&city.volunteers[0], &city.volunteers[1]);
    let before = city.admin.head_seq().await;
    let (status, page) = browser
        .post(
            "/team/activities/new",
            &[
                field("csrf", &csrf),
                field("form_id", "refill1"),
                field("title", "巡河护绿"),
                field("category", "eco_patrol"),
                field("date", &days_ago(1)),
                field("people_served", "12"),
                field("problems_resolved", "0"),
                field("disputes_handled", "0"),
                field("disputes_settled", "0"),
                field("v", v0),
                field(&format!("h-{v0}"), "3.5"),
                field("v", v1),
                field(&format!("h-{v1}"), "2小时"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(city.admin.head_seq().await, before, "nothing logged");
    assert!(page.contains("role=\"alert\""), "{page}");
    for (id, hours) in [(v0, "3.5"), (v1, "2小时")] {
        let tick = page
            .split(&format!("id=\"v-{id}\""))
            .next()
            .and_then(|before| before.rsplit("<input").next())
            .unwrap_or_default();
        let after = page
            .split(&format!("id=\"v-{id}\""))
            .nth(1)
            .unwrap_or_default();
        assert!(
            tick.contains("checked") || after.starts_with(" checked"),
            "{id} ticked again: {page}"
        );
        assert!(
            page.contains(&format!("name=\"h-{id}\" value=\"{hours}\"")),
            "{id}'s hours as typed: {page}"
        );
    }
    assert!(
        page.contains("value=\"巡河护绿\"") && page.contains("value=\"12\""),
        "{page}"
    );
}

/// Back after redeeming shows the confirmation page again, with a fresh form: it now names
/// the same reward set aside minutes ago, with its pickup code, and its button says "one
/// more", so an unsure volunteer does not redeem twice without knowing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_page_names_the_same_reward_redeemed_minutes_ago() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let token = city.volunteer_clients[0].token.clone().expect("token");
    let me = Browser::new(&server, &token);
    let page_path = format!("/station/{}", city.reward);
    let first = me.get(&page_path).await.text().await.expect("page");
    assert!(
        first.contains("确认兑换") && !first.contains("已经换了一件"),
        "{first}"
    );
    let csrf = me.csrf(&page_path).await;
    let (status, _) = me
        .post(
            &format!("{page_path}/redeem"),
            &[field("csrf", &csrf), field("form_id", "redeem1")],
        )
        .await;
    assert!(status == 200 || status == 303, "{status}");
    let again = me.get(&page_path).await.text().await.expect("page");
    assert!(
        again.contains("已经换了一件") && again.contains("取货码") && again.contains("再换一件"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contest_stays_with_the_team_that_logged_it_and_its_answer_is_chosen_not_defaulted() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let v0 = &city.volunteers[0];
    city.volunteer_clients[0]
        .post(
            "/v1/disputes",
            json!({"volunteer_id": v0, "activity_id": city.activity, "kind": "contested", "reason": "我那天只去了两个小时"}),
        )
        .await
        .ok();
    city.admin
        .post(
            &format!("/v1/volunteers/{v0}/move"),
            json!({"team_id": city.other_team}),
        )
        .await
        .ok();
    // The team that logged the entry still has it; its member has left, so the name is
    // masked there now.
    let token = city.coordinator.token.clone().expect("token");
    let board = Browser::new(&server, &token)
        .get("/team/disputes")
        .await
        .text()
        .await
        .expect("page");
    assert!(board.contains("我那天只去了两个小时"), "{board}");
    assert!(!board.contains("志愿者0"), "the full name: {board}");
    assert!(board.contains(r#"<option value="" selected>"#), "{board}");
    assert!(board.contains(r#"maxlength="500""#), "{board}");
    // The team they joined does not: it cannot correct the entry.
    let token = city.other_coordinator.token.clone().expect("token");
    let board = Browser::new(&server, &token)
        .get("/team/disputes")
        .await
        .text()
        .await
        .expect("page");
    assert!(!board.contains("我那天只去了两个小时"), "{board}");
    // An administrator sees every dispute and answers it from the web.
    let admin = Browser::new(&server, ADMIN);
    let board = admin
        .get("/policies/disputes")
        .await
        .text()
        .await
        .expect("page");
    assert!(board.contains("我那天只去了两个小时"), "{board}");
    let id = board
        .split("/policies/disputes/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the answer form")
        .to_owned();
    let csrf = admin.csrf("/policies/disputes").await;
    // "Corrected" with nothing corrected is refused; what was written is kept to copy, and
    // the same form is not offered again (it would only be refused again).
    let (_, refused) = admin
        .post(
            &format!("/policies/disputes/{id}/resolve"),
            &[
                field("csrf", &csrf),
                field("form_id", "answer-0"),
                field("outcome", "corrected"),
                field("reason", "已按签到表更正"),
            ],
        )
        .await;
    assert!(refused.contains("还没有更正这条记录"), "{refused}");
    assert!(
        refused.contains("已按签到表更正") && refused.contains("readonly"),
        "{refused}"
    );
    assert!(!refused.contains("再提交一次"), "{refused}");
    let (status, _) = admin
        .post(
            &format!("/policies/disputes/{id}/resolve"),
            &[
                field("csrf", &csrf),
                field("form_id", "answer-1"),
                field("outcome", "rejected"),
                field("reason", "签到表上是三个小时"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let board = admin
        .get("/policies/disputes")
        .await
        .text()
        .await
        .expect("page");
    assert!(board.contains("未采纳：签到表上是三个小时"), "{board}");
    // The statement on paper prints the answer's outcome with its reason.
    let token = city.other_coordinator.token.clone().expect("token");
    let paper = Browser::new(&server, &token)
        .get("/team/statements")
        .await
        .text()
        .await
        .expect("page");
    assert!(paper.contains("未采纳：签到表上是三个小时"), "{paper}");

    // The volunteer may contest the entry while it stands; once the activity is reversed it
    // is no longer offered.
    let token = city.volunteer_clients[0].token.clone().expect("token");
    let me = Browser::new(&server, &token);
    let offered = format!(r#"<option value="{}">"#, city.activity);
    let page = me.get("/me/statement").await.text().await.expect("page");
    assert!(page.contains(&offered), "{page}");
    // A complaint too long is refused, and what was written comes back in the form to
    // shorten and send again, not lost to "go back".
    let long = "那天我一早就到了调解室，".repeat(50);
    let csrf = me.csrf("/me/statement").await;
    let (_, refused) = me
        .post(
            "/me/disputes",
            &[
                field("csrf", &csrf),
                field("form_id", "too-long"),
                field("activity", ""),
                field("reason", &long),
            ],
        )
        .await;
    assert!(refused.contains("文字太长了"), "{refused}");
    assert!(
        refused.contains(&long) && refused.contains("再提交一次"),
        "{refused}"
    );
    assert!(refused.contains(r#"action="/me/disputes""#), "{refused}");
    city.admin
        .post(
            &format!("/v1/activities/{}/reversal", city.activity),
            json!({"reason": "重复登记"}),
        )
        .await
        .ok();
    let page = me.get("/me/statement").await.text().await.expect("page");
    assert!(!page.contains(&offered), "{page}");
}
