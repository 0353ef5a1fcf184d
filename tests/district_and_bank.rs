//! The district coordinator reads everything of their district's teams, logs for any of
//! them and manages their volunteers' cards, and touches neither rules nor rewards nor
//! other districts; the bank officer reads their own bank's rate vouchers and nothing else.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_coordinator_works_for_every_team_of_their_district_and_no_other() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    // A second team in the city team's district (南浔区), registered after the token: the
    // district's scope is read when the token is presented, so it is covered too.
    let d = server.client(
        &token(
            a,
            json!({"role": "district_coordinator", "district": "南浔区", "label": "南浔区老干部局"}),
        )
        .await,
    );
    let second = a
        .post(
            "/v1/teams",
            json!({"name": "双林银发宣讲团", "district": "南浔区", "category": "lecture"}),
        )
        .await
        .id();
    // A district that is not registered cannot be a scope.
    a.post(
        "/v1/tokens",
        json!({"role": "district_coordinator", "district": "火星区"}),
    )
    .await
    .problem(404);
    a.post("/v1/tokens", json!({"role": "district_coordinator"}))
        .await
        .problem(422);

    // Registers and logs for both teams of the district.
    let newcomer = d
        .post(
            "/v1/volunteers",
            json!({"name": "沈老师", "team_id": second, "birth_year": 1950}),
        )
        .await
        .id();
    for (team, who) in [(&second, &newcomer), (&city.team, &city.volunteers[0])] {
        d.post(
            "/v1/activities",
            json!({"team_id": team, "category": "lecture", "date": days_ago(2), "title": "政策宣讲",
                   "participants": [{"volunteer_id": who, "hours": "1.5"}]}),
        )
        .await
        .ok();
    }
    let account = d.get(&format!("/v1/volunteers/{newcomer}")).await.ok();
    assert_eq!(account["balance"]["available"], "15");
    let roster = d
        .get(&format!("/v1/volunteers?team_id={second}"))
        .await
        .ok();
    assert_eq!(roster["items"].as_array().map(Vec::len), Some(1));
    // A card for the newcomer, then stopped and replaced.
    let card = d
        .post(
            "/v1/tokens",
            json!({"role": "volunteer", "volunteer_id": newcomer, "label": "积分卡"}),
        )
        .await
        .id();
    d.post(&format!("/v1/tokens/{card}/replace"), json!({}))
        .await
        .ok();

    // Nothing of the other district, nor of the programme's rules and rewards.
    let before = a.head_seq().await;
    let other = d
        .post(
            "/v1/activities",
            json!({"team_id": city.other_team, "category": "lecture", "date": days_ago(2), "title": "越界",
                   "participants": [{"volunteer_id": city.outsider, "hours": "1"}]}),
        )
        .await;
    assert_eq!(other.problem(403)["code"], "other_district");
    d.get(&format!("/v1/volunteers/{}", city.outsider))
        .await
        .problem(403);
    d.get("/v1/volunteers").await.problem(403);
    d.put(
        "/v1/rules",
        json!({"default_points_per_hour": "1", "rates": {}}),
    )
    .await
    .problem(403);
    d.post(
        &format!("/v1/rewards/{}/reprice", city.reward),
        json!({"cost_points": "1"}),
    )
    .await
    .problem(403);
    d.post(
        "/v1/redemptions",
        json!({"volunteer_id": newcomer, "reward_id": city.reward, "quantity": 1}),
    )
    .await
    .problem(403);
    d.post(
        "/v1/tokens",
        json!({"role": "coordinator", "team_id": second}),
    )
    .await
    .problem(403);
    assert_eq!(a.head_seq().await, before, "a refusal appends nothing");

    // The web page lists the district's teams; the activity form opens for them only.
    let http = reqwest::Client::new();
    let page = |path: String| {
        let cookie = format!(
            "yl_session={}",
            hexed(d.token.as_deref().unwrap_or_default())
        );
        let http = http.clone();
        let base = server.base.clone();
        async move {
            http.get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("page")
        }
    };
    let overview = page("/district".into()).await.text().await.expect("text");
    assert!(overview.contains("双林银发宣讲团") && overview.contains("荻溪六老调解队"));
    assert!(!overview.contains("安吉护绿队"));
    let form = page(format!("/district/activities/new?team={second}")).await;
    assert_eq!(form.status().as_u16(), 200);
    let refused = page(format!("/district/activities/new?team={}", city.other_team)).await;
    assert_eq!(refused.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_officer_sees_their_own_banks_vouchers_only() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    let mut vouchers = Vec::new();
    for bank in ["湖州银行", "南浔农商银行"] {
        vouchers.push(
            a.post(
                "/v1/rewards",
                json!({"name": format!("{bank} 存款利率优惠券"), "kind": "rate_voucher", "bank": bank, "basis_points": 20, "cost_points": "30", "stock": 5}),
            )
            .await
            .id(),
        );
    }
    for (i, reward) in vouchers.iter().enumerate() {
        city.volunteer_clients[i]
            .post(
                "/v1/redemptions",
                json!({"volunteer_id": city.volunteers[i], "reward_id": reward, "quantity": 1}),
            )
            .await
            .ok();
    }
    let officer = server.client(
        &token(
            a,
            json!({"role": "bank_officer", "bank": "湖州银行", "label": "湖州银行南浔支行"}),
        )
        .await,
    );
    let mine = officer.get("/v1/banks/湖州银行/vouchers").await.ok();
    let items = mine["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["basis_points"], 20);
    assert_eq!(items[0]["status"], "held");
    // The holder's name masked: the bank checks a voucher by its code.
    let name = items[0]["volunteer_name"].as_str().unwrap_or_default();
    assert!(name.contains('*'), "{mine}");
    officer
        .get("/v1/banks/南浔农商银行/vouchers")
        .await
        .problem(403);
    // Nothing else: no account, no redemption, no evaluation, no counter.
    officer
        .get(&format!("/v1/volunteers/{}", city.volunteers[0]))
        .await
        .problem(403);
    officer.get("/v1/evaluation").await.problem(403);
    officer
        .post("/v1/counter/lookup", json!({"phone_last_four": "1234"}))
        .await
        .problem(403);
    // The auditor reads every bank's.
    let all = city
        .auditor
        .get("/v1/banks/南浔农商银行/vouchers")
        .await
        .ok();
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
    let _: &Value = &all;
}

fn hexed(token: &str) -> String {
    token.bytes().map(|b| format!("{b:02x}")).collect()
}
