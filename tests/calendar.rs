//! What turns on the calendar, shown with a faked clock (the server started again days on;
//! `faketime`, which `.ci/run` installs; elsewhere the trials show as ignored with the
//! reason): a voucher used on its last day and recorded a few days after, from the bank's
//! web page; a staff token past its last day, refused in words until its day is moved.

mod common;

use std::path::{Path, PathBuf};

use common::web::{field, Browser};
use common::*;
use serde_json::json;

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

fn main() {
    use common::trials::{block_on, needing, run};
    let no_faketime = || {
        (!Path::new(LIBFAKETIME).exists())
            .then(|| "libfaketime is not installed (apt-get install faketime)".to_owned())
    };
    run(vec![
        needing(
            "a_use_on_the_last_day_is_recorded_from_the_web_days_later",
            no_faketime,
            || block_on(a_use_on_the_last_day_is_recorded_from_the_web_days_later()),
        ),
        needing(
            "a_staff_token_past_its_last_day_is_refused_until_the_day_moves",
            no_faketime,
            || block_on(a_staff_token_past_its_last_day_is_refused_until_the_day_moves()),
        ),
    ])
}

/// The check says the voucher expired and offers the use form for a day it was valid, as
/// the API takes such a use; a day after it expired is refused. The bank's file for the
/// voucher's last day reads the same after the late use; the use counts, late, where it
/// was recorded.
async fn a_use_on_the_last_day_is_recorded_from_the_web_days_later() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data: PathBuf = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let city = City::build(&server, 1).await;
    let a = &city.admin;
    a.put(
        "/v1/policies/voucher-validity",
        json!({"days": 1, "note": "试点：券当天和次日有效"}),
    )
    .await
    .ok();
    let voucher = a
        .post(
            "/v1/rewards",
            json!({"name": "存款利率上浮 0.20%", "kind": "rate_voucher", "bank": "湖州银行", "basis_points": 20, "cost_points": "10", "stock": 5}),
        )
        .await
        .id();
    let hold = city.volunteer_clients[0]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[0], "reward_id": voucher, "quantity": 1}),
        )
        .await
        .id();
    let done = a
        .post_empty(&format!("/v1/redemptions/{hold}/fulfil"))
        .await
        .ok();
    let code = done["voucher_code"].as_str().expect("a code").to_owned();
    let last_day = done["voucher_expires_on"]
        .as_str()
        .expect("its last day")
        .to_owned();
    let officer = token(a, json!({"role": "bank_officer", "bank": "湖州银行"})).await;
    server.terminate();

    let later = Server::start_in_env(
        &data,
        &[],
        &[("LD_PRELOAD", LIBFAKETIME), ("FAKETIME", "+4d")],
    );
    let bank = Browser::new(&later, &officer);
    let csrf = bank.csrf("/bank").await;
    let (_, checked) = bank
        .post("/bank/check", &[field("csrf", &csrf), field("code", &code)])
        .await;
    assert!(checked.contains("已过期"), "{checked}");
    assert!(
        checked.contains("还可以补记")
            && checked.contains(&format!("max=\"{last_day}\""))
            && checked.contains("action=\"/bank/use\""),
        "the late use form, up to the last day: {checked}"
    );
    let use_on = |day: &str, id: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", id),
            field("code", &code),
            field("product", "deposit"),
            field("amount_yuan", "50000"),
            field("used_on", day),
            field("confirmed", "1"),
        ]
    };
    let client = later.client(ADMIN);
    // The bank's file for the voucher's last day: expired, no use.
    let last_days_file = format!("/v1/reports/banks?from={last_day}&to={last_day}");
    let figures = |report: &serde_json::Value| {
        let row = &report["items"][0];
        (
            row["used_deposit"].as_u64(),
            row["late_uses"].as_u64(),
            row["expired"].as_u64(),
        )
    };
    let sent = client.get(&last_days_file).await.ok();
    assert_eq!(figures(&sent), (Some(0), Some(0), Some(1)), "{sent}");
    let before = client.head_seq().await;
    let the_day_after = chrono::NaiveDate::parse_from_str(&last_day, "%Y-%m-%d")
        .expect("a date")
        .succ_opt()
        .expect("a day after")
        .to_string();
    let (_, refused) = bank
        .post("/bank/use", &use_on(&the_day_after, "late-1"))
        .await;
    assert!(
        refused.contains("已过期") || refused.contains("expired"),
        "{refused}"
    );
    assert_eq!(client.head_seq().await, before, "a refusal appends nothing");
    let (status, _) = bank.post("/bank/use", &use_on(&last_day, "late-2")).await;
    assert_eq!(status, 303);
    let (_, used) = bank
        .post("/bank/check", &[field("csrf", &csrf), field("code", &code)])
        .await;
    assert!(used.contains("已经用过"), "{used}");
    // The use recorded days later leaves that day's file as it was sent; it counts, late, in
    // the period it was recorded in.
    let again = client.get(&last_days_file).await.ok();
    assert_eq!(figures(&again), figures(&sent), "{again}");
    let since = client
        .get(&format!("/v1/reports/banks?from={the_day_after}"))
        .await
        .ok();
    assert_eq!(figures(&since), (Some(1), Some(1), Some(0)), "{since}");
}

/// A stand-in clerk's token issued to work through today: two days on, the API answers 401
/// naming its last day and the web app does not sign it in; moved on by an administrator, it
/// works again. The token list shows the day.
async fn a_staff_token_past_its_last_day_is_refused_until_the_day_moves() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data: PathBuf = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let city = City::build(&server, 1).await;
    let today = today();
    let issued = city
        .admin
        .post(
            "/v1/tokens",
            json!({"role": "station_clerk", "label": "代班 王阿姨", "last_day": today}),
        )
        .await
        .ok();
    assert_eq!(issued["last_day"], today.as_str(), "{issued}");
    let (id, secret) = (
        issued["id"].as_str().expect("id").to_owned(),
        issued["token"].as_str().expect("secret").to_owned(),
    );
    let clerk = server.client(&secret);
    clerk.get("/v1/stations").await.ok();
    let listed = city.admin.get("/v1/tokens").await.ok();
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|t| t["id"] == id.as_str() && t["last_day"] == today.as_str()),
        "{listed}"
    );
    // A day already gone is refused, naming the field.
    let gone = city
        .admin
        .put(
            &format!("/v1/tokens/{id}/last-day"),
            json!({"last_day": "2020-01-01"}),
        )
        .await;
    assert!(
        gone.problem(422)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("last_day")),
        "{:?}",
        gone.body
    );
    // The same from the web app's token list: a day gone is refused in words, nothing
    // appended; a day ahead is saved and shown.
    let web = Browser::new(&server, ADMIN);
    let csrf = web.csrf("/tokens").await;
    let before = city.admin.head_seq().await;
    let (_, said) = web
        .post(
            &format!("/tokens/{id}/last-day"),
            &[
                field("csrf", &csrf),
                field("form_id", "d1"),
                field("last_day", "2020-01-01"),
            ],
        )
        .await;
    assert!(said.contains("最后一天要填今天或以后"), "{said}");
    assert_eq!(city.admin.head_seq().await, before);
    let ahead = days_ahead(10);
    let (status, _) = web
        .post(
            &format!("/tokens/{id}/last-day"),
            &[
                field("csrf", &csrf),
                field("form_id", "d2"),
                field("last_day", &ahead),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let page = web.get("/tokens").await.text().await.expect("page");
    assert!(page.contains(&format!("用到 {ahead}")), "{page}");
    city.admin
        .put(
            &format!("/v1/tokens/{id}/last-day"),
            json!({"last_day": today}),
        )
        .await
        .ok();
    server.terminate();

    let later = Server::start_in_env(
        &data,
        &[],
        &[("LD_PRELOAD", LIBFAKETIME), ("FAKETIME", "+2d")],
    );
    let refused = later.client(&secret).get("/v1/stations").await;
    let detail = refused.problem(401)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains(&format!("last day was {today}")),
        "{detail}"
    );
    let page = Browser::new(&later, &secret).get("/counter").await;
    assert_eq!(page.status(), 401, "signed in past its last day");
    assert!(page.text().await.expect("page").contains("请先登录"));
    let admin = later.client(ADMIN);
    let moved = admin
        .put(
            &format!("/v1/tokens/{id}/last-day"),
            json!({"last_day": null}),
        )
        .await
        .ok();
    assert!(moved["last_day"].is_null(), "{moved}");
    later.client(&secret).get("/v1/stations").await.ok();
}

/// The day `n` days from today in the service's calendar.
fn days_ahead(n: u64) -> String {
    (chrono::NaiveDate::parse_from_str(&today(), "%Y-%m-%d").expect("a date")
        + chrono::Days::new(n))
    .to_string()
}
