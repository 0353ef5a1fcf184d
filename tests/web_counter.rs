//! The counter and the stations from the web app: what a clerk types is checked as the API
//! checks it (the field is named, nothing is appended), a redemption needs the volunteer's
//! card or PIN, the hand-over needs the pickup code, and the receipt says what, the points
//! before and after, the station, the clerk and the code. An administrator opens stations
//! and moves stock from `/stations`; a coordinator keeps a volunteer's phone digits and PIN.

mod common;

use common::web::{field, Browser};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_serves_a_volunteer_at_the_web_counter() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let a = &city.admin;
    let clerk_token = token(
        a,
        json!({"role": "station_clerk", "label": "南浔 e站 王姐"}),
    )
    .await;
    let clerk = Browser::new(&server, &clerk_token);
    let coordinator = Browser::new(&server, &city.coordinator.token.clone().expect("token"));
    let v0 = city.volunteers[0].clone();

    // The coordinator records the phone digits and, with her, a PIN; a bad value is named.
    let page = format!("/team/volunteers/{v0}");
    let csrf = coordinator.csrf(&page).await;
    let before = a.head_seq().await;
    let (_, refused) = coordinator
        .post(
            &format!("{page}/phone"),
            &[
                field("csrf", &csrf),
                field("form_id", "p1"),
                field("last_four", "12a4"),
            ],
        )
        .await;
    assert!(refused.contains("手机号后四位要填 4 个数字"), "{refused}");
    assert_eq!(a.head_seq().await, before);
    for (path, name, value, id) in [
        ("phone", "last_four", "3721", "p2"),
        ("pin", "pin", "2468", "p3"),
    ] {
        let (status, _) = coordinator
            .post(
                &format!("{page}/{path}"),
                &[
                    field("csrf", &csrf),
                    field("form_id", id),
                    field(name, value),
                ],
            )
            .await;
        assert_eq!(status, 303);
    }

    // Found by phone digits, in large type.
    let csrf = clerk.csrf("/counter").await;
    // A shared counter PC does not offer the last volunteer's name to the next clerk.
    let counter_page = clerk.get("/counter").await.text().await.expect("page");
    assert!(
        counter_page.contains("name=\"name\" autocomplete=\"off\""),
        "{counter_page}"
    );
    let lookup = |fields: Vec<(String, String)>| {
        let mut form = vec![field("csrf", &csrf), field("form_id", "l")];
        form.extend(fields);
        form
    };
    let (_, found) = clerk
        .post(
            "/counter/lookup",
            &lookup(vec![field("phone_last_four", "3721")]),
        )
        .await;
    assert!(
        found.contains("counter-balance") && found.contains("志愿者0"),
        "{found}"
    );
    assert!(
        found.contains("name=\"pin\""),
        "a volunteer with a PIN types it"
    );
    let (_, bad) = clerk
        .post(
            "/counter/lookup",
            &lookup(vec![
                field("name", "志愿者0"),
                field("birth_year", "一九五零"),
            ]),
        )
        .await;
    assert!(bad.contains("birth_year"), "{bad}");

    // The wrong PIN is refused and nothing is written; the right one redeems.
    let redeem = |pin: &str, id: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", id),
            field("volunteer_id", &v0),
            field("reward_id", &city.reward),
            field("pin", pin),
        ]
    };
    let before = a.head_seq().await;
    let (_, wrong) = clerk.post("/counter/redeem", &redeem("1111", "r1")).await;
    assert!(wrong.contains("密码不对"), "{wrong}");
    assert_eq!(a.head_seq().await, before);
    // The same volunteer's form comes back, the reward still chosen and the PIN box empty:
    // the clerk asks again instead of searching again.
    assert!(
        wrong.contains("name=\"pin\"")
            && wrong.contains(&format!("name=\"volunteer_id\" value=\"{v0}\""))
            && wrong.contains(&format!("value=\"{}\" selected", city.reward)),
        "{wrong}"
    );
    let (_, done) = clerk.post("/counter/redeem", &redeem("2468", "r2")).await;
    assert!(
        done.contains("兑换好了") && done.contains("兑换前积分"),
        "{done}"
    );
    // The clerk's undo, for a volunteer with no phone to cancel from: the hold is cancelled
    // at the counter, its points back, and a reprinted slip says so.
    let held = a.get("/v1/redemptions?status=held").await.ok();
    let mistaken = held["items"][0]["id"].as_str().expect("held").to_owned();
    assert!(
        done.contains(&format!("/counter/{mistaken}/cancel")),
        "{done}"
    );
    let (status, _) = clerk
        .post(
            &format!("/counter/{mistaken}/cancel"),
            &[field("csrf", &csrf), field("form_id", "c1")],
        )
        .await;
    assert_eq!(status, 303);
    let cancelled = a.get(&format!("/v1/redemptions/{mistaken}")).await.ok();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let slip = clerk
        .get(&format!("/counter/receipts/{mistaken}"))
        .await
        .text()
        .await
        .expect("slip");
    assert!(slip.contains("已取消，积分已退回"), "{slip}");
    // Nothing is chosen for the clerk: the list starts with a choice to make.
    let (_, found) = clerk
        .post(
            "/counter/lookup",
            &lookup(vec![field("phone_last_four", "3721")]),
        )
        .await;
    assert!(
        found.contains("<option value=\"\" selected>请选择奖品</option>"),
        "{found}"
    );
    let (_, done) = clerk.post("/counter/redeem", &redeem("2468", "r3")).await;
    assert!(done.contains("兑换好了"), "{done}");
    let held = a.get("/v1/redemptions?status=held").await.ok();
    let id = held["items"][0]["id"].as_str().expect("held").to_owned();
    let code = city.volunteer_clients[0]
        .get(&format!("/v1/redemptions/{id}"))
        .await
        .ok()["pickup_code"]
        .as_str()
        .expect("code")
        .to_owned();

    // The hand-over without the code, or with another, is refused; with it, the receipt.
    let hand_over = |code: &str, id: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", id),
            field("pickup_code", code),
        ]
    };
    let (_, missing) = clerk
        .post(&format!("/counter/{id}/fulfil"), &hand_over("", "f1"))
        .await;
    assert!(missing.contains("取货码"), "{missing}");
    let other = if code == "000000" { "111111" } else { "000000" };
    let (_, wrong) = clerk
        .post(&format!("/counter/{id}/fulfil"), &hand_over(other, "f2"))
        .await;
    assert!(wrong.contains("取货码不对"), "{wrong}");
    let (status, _) = clerk
        .post(&format!("/counter/{id}/fulfil"), &hand_over(&code, "f3"))
        .await;
    assert_eq!(status, 303);
    // The receipt opened by the hand-over prints on the paper this counter chose last: A5
    // before any choice, then the 58 mm roll chosen from a link, remembered by the browser.
    let opened = clerk
        .get(&format!("/counter/receipts/{id}"))
        .await
        .text()
        .await
        .expect("receipt");
    assert!(opened.contains("size: A5"), "{opened}");
    let chosen = clerk.get(&format!("/counter/receipts/{id}?paper=58")).await;
    let remember = chosen
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(remember.starts_with("yl_paper=58;"), "{remember}");
    let receipt = chosen.text().await.expect("receipt");
    let counter_58 = Browser {
        http: clerk.http.clone(),
        base: clerk.base.clone(),
        cookie: format!("{}; yl_paper=58", clerk.cookie),
    };
    let again = counter_58
        .get(&format!("/counter/receipts/{id}"))
        .await
        .text()
        .await
        .expect("receipt");
    assert!(again.contains("size: 58mm"), "{again}");
    for words in [
        "松阳银猴茶 250g",
        "兑换前积分",
        "80",
        "兑换后积分",
        "30",
        "银领共富 e站",
        "王姐",
        &code,
        "已交给本人",
        "size: 58mm",
    ] {
        assert!(
            receipt.contains(words),
            "the receipt lacks {words}: {receipt}"
        );
    }

    // A box found damp comes off the shelf with its reason; a count that is not a number,
    // or no reason, is refused in words and nothing is written.
    let counter_page = clerk.get("/counter").await.text().await.expect("page");
    assert!(counter_page.contains("报损或盘亏"), "{counter_page}");
    let write_off = |quantity: &str, reason: &str, id: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", id),
            field("quantity", quantity),
            field("reason", reason),
        ]
    };
    let path = format!("/counter/rewards/{}/write-off", city.reward);
    let before = a.head_seq().await;
    let (_, refused) = clerk
        .post(&path, &write_off("十", "受潮两盒，已拍照", "w1"))
        .await;
    assert!(refused.contains("quantity"), "{refused}");
    assert!(
        refused.contains("受潮两盒，已拍照"),
        "the reason the clerk wrote is kept on the refusal: {refused}"
    );
    let (_, refused) = clerk.post(&path, &write_off("1", "", "w2")).await;
    assert!(refused.contains("必填"), "{refused}");
    assert_eq!(a.head_seq().await, before);
    let (status, _) = clerk.post(&path, &write_off("1", "受潮一盒", "w3")).await;
    assert_eq!(status, 303);
    assert_eq!(a.head_seq().await, before + 1);

    // Closing the counter: the day's list has the hand-over and the cancellation, each
    // counted with its points; another day's list is empty, and a bad date is named.
    let day = clerk.get("/counter/today").await.text().await.expect("day");
    for words in [
        "已交货：1 笔，1 件，50 积分",
        "已取消（积分已退回）：1 笔，1 件，50 积分",
        "当天兑换、还在等领取：0 笔",
        "松阳银猴茶 250g",
        "志愿者0",
    ] {
        assert!(day.contains(words), "the day's list lacks {words}: {day}");
    }
    let earlier = clerk
        .get("/counter/today?date=2026-01-02")
        .await
        .text()
        .await
        .expect("earlier");
    assert!(earlier.contains("已交货：0 笔"), "{earlier}");
    let bad = clerk
        .get("/counter/today?date=yesterday")
        .await
        .text()
        .await
        .expect("bad");
    assert!(bad.contains("日期的写法不对"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_opens_a_station_and_moves_stock_from_the_web() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let a = &city.admin;
    let admin = Browser::new(&server, ADMIN);
    let csrf = admin.csrf("/stations").await;
    let before = a.head_seq().await;
    let (_, refused) = admin
        .post(
            "/stations",
            &[
                field("csrf", &csrf),
                field("form_id", "s1"),
                field("name", "菱湖 e站"),
                field("district", "火星区"),
                field("address", "菱湖镇"),
            ],
        )
        .await;
    assert!(refused.contains("火星区"), "{refused}");
    assert_eq!(a.head_seq().await, before);
    let (status, _) = admin
        .post(
            "/stations",
            &[
                field("csrf", &csrf),
                field("form_id", "s2"),
                field("name", "菱湖 e站"),
                field("district", "南浔区"),
                field("address", "菱湖镇人民路 1 号"),
                field("opening_hours", "周一至周五 9:00-16:00"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let stations = a.get("/v1/stations").await.ok();
    let lh = stations["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["name"] == "菱湖 e站")
        .expect("opened")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let first = "00000000-0000-0000-0000-000000000000";
    let transfer = |quantity: &str, id: &str| {
        vec![
            field("csrf", &csrf),
            field("form_id", id),
            field("reward_id", &city.reward),
            field("from_station", first),
            field("to_station", &lh),
            field("quantity", quantity),
        ]
    };
    let before = a.head_seq().await;
    let (_, bad) = admin
        .post("/stations/transfers", &transfer("十", "t1"))
        .await;
    assert!(
        bad.contains("quantity") || bad.contains("件数") || bad.contains("整数"),
        "{bad}"
    );
    assert_eq!(a.head_seq().await, before);
    let (status, _) = admin
        .post("/stations/transfers", &transfer("10", "t2"))
        .await;
    assert_eq!(status, 303);
    let page = admin.get("/stations").await.text().await.expect("page");
    assert!(page.contains("菱湖 e站") && page.contains("周一至周五 9:00-16:00"));
    assert!(page.contains("10 件"), "{page}");
}
