//! A voucher used on its last day and recorded a few days after, from the bank's web page:
//! the check says it expired and offers the use form for a day it was valid, as the API
//! takes such a use; a day after it expired is refused. Shown with a faked clock (the
//! server started again days on; `faketime`, which `.ci/run` installs; elsewhere the trial
//! shows as ignored with the reason).

mod common;

use std::path::{Path, PathBuf};

use common::web::{field, Browser};
use common::*;
use serde_json::json;

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

fn main() {
    use common::trials::{block_on, needing, run};
    run(vec![needing(
        "a_use_on_the_last_day_is_recorded_from_the_web_days_later",
        || {
            (!Path::new(LIBFAKETIME).exists())
                .then(|| "libfaketime is not installed (apt-get install faketime)".to_owned())
        },
        || block_on(a_use_on_the_last_day_is_recorded_from_the_web_days_later()),
    )])
}

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
}
