//! A rate voucher's life: redeemed and handed over with a code (sixteen digits, the last a
//! check digit) bound to the volunteer, checked at the bank in plain words, used once for a
//! deposit or a loan even when two officers try at once, refused with a reason, cancelled;
//! each bank's budget refuses a redemption in plain words once it is spent, and a year no one
//! set a budget for keeps the last one set. Only a keyed digest of the code is in the log.

mod common;

use common::*;
use serde_json::{json, Value};

struct Bank {
    officer: Client,
    other_officer: Client,
    voucher: String,
}

async fn bank(server: &Server, city: &City) -> Bank {
    let a = &city.admin;
    let voucher = a
        .post(
            "/v1/rewards",
            json!({"name": "存款利率上浮 0.20%（一年期）", "kind": "rate_voucher", "bank": "湖州银行", "basis_points": 20, "cost_points": "10", "stock": 50}),
        )
        .await
        .id();
    let officer = server.client(
        &token(
            a,
            json!({"role": "bank_officer", "bank": "湖州银行", "label": "湖州银行南浔支行 李经理"}),
        )
        .await,
    );
    let other_officer = server.client(
        &token(
            a,
            json!({"role": "bank_officer", "bank": "浙江南浔农村商业银行"}),
        )
        .await,
    );
    Bank {
        officer,
        other_officer,
        voucher,
    }
}

/// A voucher redeemed by volunteer `i` and handed over at the counter: (redemption, code).
async fn handed_over(city: &City, bank: &Bank, i: usize) -> (String, String) {
    let hold = city.volunteer_clients[i]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[i], "reward_id": bank.voucher, "quantity": 1}),
        )
        .await
        .id();
    let done = city
        .admin
        .post_empty(&format!("/v1/redemptions/{hold}/fulfil"))
        .await
        .ok();
    (hold, s_(&done["voucher_code"]))
}

/// The check carries the proof that the event issuing the voucher is in a signed checkpoint,
/// which the ledger's verifier checks against the checkpoint's root, with the issuing event's
/// hash as the auditor's feed shows it.
fn proven_against_its_checkpoint(checked: &Value, feed: &str) {
    let cp = yinling_ledger::checkpoint::Checkpoint::read_unchecked(&s_(&checked["checkpoint"]))
        .expect("a checkpoint");
    let proof = &checked["proof"];
    let seq = proof["seq"].as_u64().expect("seq");
    let issued: Value = serde_json::from_str(feed).expect("feed");
    let event = issued["events"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["seq"].as_u64() == Some(seq))
        .expect("the issuing event");
    assert_eq!(event["type"], "VoucherHandedOver", "{event}");
    assert_eq!(event["hash"], proof["event_hash"]);
    let h = |v: &Value| yinling_ledger::Hash::from_hex(v.as_str().expect("hex")).expect("hash");
    yinling_ledger::merkle::verify_inclusion(
        &yinling_ledger::merkle::leaf_hash(&h(&proof["event_hash"]).0),
        seq - 1,
        cp.size,
        &proof["path"]
            .as_array()
            .expect("path")
            .iter()
            .map(h)
            .collect::<Vec<_>>(),
        &cp.root,
    )
    .expect("the voucher's issue is in the checkpoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_is_handed_over_with_a_code_and_used_once_at_its_bank() {
    let server = Server::start();
    let city = City::build(&server, 3).await;
    let b = bank(&server, &city).await;
    let (id, code) = handed_over(&city, &b, 0).await;

    // Sixteen digits in groups of four, the last one a check digit; the volunteer reads it
    // again on their own redemption, the staff do not.
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(digits.len(), 16, "{code}");
    assert!(digits.bytes().all(|c| c.is_ascii_digit()));
    let mine = city.volunteer_clients[0]
        .get(&format!("/v1/redemptions/{id}"))
        .await
        .ok();
    assert_eq!(mine["voucher_code"], code.as_str());
    assert!(mine["voucher_expires_on"].is_string());
    let staff = city.admin.get(&format!("/v1/redemptions/{id}")).await.ok();
    assert!(staff.get("voucher_code").is_none());
    // The log keeps only a keyed digest of the code: neither the code nor its SHA-256,
    // which a reader of the log could try every fifteen-digit body against.
    let feed = city
        .auditor
        .get("/v1/events?limit=1000")
        .await
        .ok()
        .to_string();
    assert!(!feed.contains(&digits), "the code itself is in the log");
    assert!(feed.contains("VoucherHandedOver"));
    assert!(!feed.contains("\"VoucherIssued\""), "{feed}");
    let sha256 = yinling_ledger::Hash::of(digits.as_bytes()).to_hex();
    assert!(
        !feed.contains(&sha256),
        "the code's plain SHA-256 is in the log"
    );

    // The bank checks it: valid, in plain words. Another bank cannot tell it from a code
    // that does not exist; a mistyped digit is caught by the check digit.
    let checked = b
        .officer
        .post("/v1/vouchers/check", json!({"code": code}))
        .await
        .ok();
    assert_eq!(checked["status"], "valid");
    assert!(s_(&checked["zh"]).contains("有效"));
    // With the proof that the event issuing it is in a signed checkpoint.
    proven_against_its_checkpoint(&checked, &feed);
    let other = b
        .other_officer
        .post("/v1/vouchers/check", json!({"code": code}))
        .await
        .ok();
    assert_eq!(other["status"], "unknown");
    // That officer's token names a bank no voucher on the catalogue is of: the answer says
    // so, with the names the catalogue uses, instead of a bare "unknown code".
    assert!(
        s_(&other["en"]).contains("浙江南浔农村商业银行") && s_(&other["en"]).contains("湖州银行"),
        "{other}"
    );
    let mut typo = digits.clone().into_bytes();
    typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
    let typo = String::from_utf8(typo).expect("digits");
    let refused = b
        .officer
        .post("/v1/vouchers/check", json!({"code": typo}))
        .await;
    assert_eq!(refused.problem(422)["code"], "voucher_code_typo");

    // Refused for now with a reason: it stays valid.
    let before = city.admin.head_seq().await;
    b.officer
        .post("/v1/vouchers/refuse", json!({"code": code, "reason": "  "}))
        .await
        .problem(422);
    assert_eq!(city.admin.head_seq().await, before);
    b.officer
        .post(
            "/v1/vouchers/refuse",
            json!({"code": code, "reason": "未带身份证，明天再来"}),
        )
        .await
        .ok();
    let checked = b
        .officer
        .post("/v1/vouchers/check", json!({"code": code}))
        .await
        .ok();
    assert_eq!(checked["status"], "valid");

    // Used for a deposit: the bonus is the amount × 20 basis points.
    let bad_amount = b
        .officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "deposit", "amount_yuan": "0"}),
        )
        .await;
    assert!(s_(&bad_amount.problem(422)["detail"]).contains("amount_yuan"));
    let elsewhere = b
        .other_officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "deposit", "amount_yuan": "50000"}),
        )
        .await;
    assert!(
        s_(&elsewhere.problem(404)["detail"]).contains("ask an administrator"),
        "{:?}",
        elsewhere.body
    );
    let used = b
        .officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "deposit", "amount_yuan": "50000"}),
        )
        .await
        .ok();
    assert_eq!(used["bonus_yuan"], "100");
    let checked = b
        .officer
        .post("/v1/vouchers/check", json!({"code": code}))
        .await
        .ok();
    assert_eq!(checked["status"], "used");
    assert!(s_(&checked["zh"]).contains("已经用过"));
    let again = b
        .officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "loan", "amount_yuan": "1000"}),
        )
        .await;
    assert_eq!(again.problem(409)["code"], "voucher_used");

    // Cancelled: no longer valid; a used one cannot be cancelled.
    let (second, second_code) = handed_over(&city, &b, 1).await;
    city.admin
        .post(
            &format!("/v1/vouchers/{second}/cancel"),
            json!({"reason": "券遗失，补发"}),
        )
        .await
        .ok();
    let checked = b
        .officer
        .post("/v1/vouchers/check", json!({"code": second_code}))
        .await
        .ok();
    assert_eq!(checked["status"], "cancelled");
    city.admin
        .post(&format!("/v1/vouchers/{id}/cancel"), json!({"reason": "x"}))
        .await
        .problem(409);

    // The volunteer reading their redemption, their page and the bank's list all say where
    // each voucher stands, not merely that it was handed over.
    let theirs = city.volunteer_clients[1]
        .get(&format!("/v1/redemptions/{second}"))
        .await
        .ok();
    assert_eq!(theirs["voucher_status"], "cancelled", "{theirs}");
    let page = common::web::Browser::new(
        &server,
        &city.volunteer_clients[1].token.clone().expect("token"),
    )
    .get("/me/redemptions")
    .await
    .text()
    .await
    .expect("the page");
    assert!(
        page.contains("已作废") && !page.contains("前到银行办理"),
        "{page}"
    );
    let list = b
        .officer
        .get(&format!("/v1/banks/{}/vouchers", utf8_percent("湖州银行")))
        .await
        .ok();
    let status_of = |rid: &str| {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|v| v["redemption_id"] == rid)
            .map(|v| (s_(&v["status"]), s_(&v["voucher_status"])))
    };
    assert_eq!(
        status_of(&id),
        Some(("fulfilled".into(), "used".into())),
        "{list}"
    );
    assert_eq!(
        status_of(&second),
        Some(("fulfilled".into(), "cancelled".into())),
        "{list}"
    );

    // The bank settlement counts them.
    let report = city.admin.get("/v1/reports/banks").await.ok();
    let row = &report["items"][0];
    assert_eq!(row["bank"], "湖州银行");
    assert_eq!(row["issued"], 2);
    assert_eq!(row["used_deposit"], 1);
    assert_eq!(row["cancelled"], 1);
    assert_eq!(row["deposit_yuan"], "50000");
    assert_eq!(row["bonus_yuan"], "100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_officers_using_one_code_at_once_use_it_once() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let b = bank(&server, &city).await;
    let second_desk = server.client(
        &token(
            &city.admin,
            json!({"role": "bank_officer", "bank": "湖州银行", "label": "二号窗口"}),
        )
        .await,
    );
    for round in 0..4 {
        let (_, code) = handed_over(&city, &b, round % 2).await;
        let body =
            |amount: &str| json!({"code": code, "product": "deposit", "amount_yuan": amount});
        let (x, y) = tokio::join!(
            b.officer.post("/v1/vouchers/use", body("10000")),
            second_desk.post("/v1/vouchers/use", body("20000")),
        );
        let statuses = [x.status.as_u16(), y.status.as_u16()];
        assert!(
            statuses.contains(&200) && statuses.contains(&409),
            "round {round}: {statuses:?} {} {}",
            x.body,
            y.body
        );
        let loser = if x.status.as_u16() == 409 { &x } else { &y };
        assert_eq!(loser.body["code"], "voucher_used");
    }
    let feed = city.auditor.get("/v1/events?limit=1000").await.ok();
    let uses = feed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "VoucherUsed")
        .count();
    assert_eq!(uses, 4);
}

/// A budget under another spelling of the bank would limit nothing while the bank's vouchers
/// went on being issued: it is refused with the banks the catalogue names, and nothing is
/// appended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_for_a_bank_the_catalogue_does_not_name_is_refused_with_the_names_it_does() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let year = today()[..4].parse::<i32>().expect("year");
    let budget = json!({"year": year, "vouchers": 2, "note": "年度合作协议"});
    let before = city.admin.head_seq().await;
    let empty = city
        .admin
        .put("/v1/banks/湖州银行/budget", budget.clone())
        .await;
    assert_eq!(empty.problem(404)["code"], "bank_not_found");
    assert!(
        s_(&empty.body["detail"]).contains("no rate voucher yet"),
        "{}",
        empty.body
    );
    bank(&server, &city).await;
    let before_typo = city.admin.head_seq().await;
    assert!(before_typo > before);
    let typo = city
        .admin
        .put("/v1/banks/湖州银行股份有限公司/budget", budget.clone())
        .await;
    assert_eq!(typo.problem(404)["code"], "bank_not_found");
    let detail = s_(&typo.body["detail"]);
    assert!(
        detail.contains("\"湖州银行股份有限公司\"")
            && detail.contains("the banks named are 湖州银行"),
        "{detail}"
    );
    assert_eq!(city.admin.head_seq().await, before_typo, "nothing appended");
    city.admin
        .put("/v1/banks/湖州银行/budget", budget)
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_refuses_the_redemption_in_plain_words() {
    let server = Server::start();
    let city = City::build(&server, 3).await;
    let b = bank(&server, &city).await;
    let year = today()[..4].parse::<i32>().expect("year");
    city.admin
        .put(
            "/v1/banks/湖州银行/budget",
            json!({"year": year, "vouchers": 2, "bonus_yuan": "150", "note": "年度合作协议"}),
        )
        .await
        .ok();
    // One handed over, one waiting at the counter: both count.
    handed_over(&city, &b, 0).await;
    city.volunteer_clients[1]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[1], "reward_id": b.voucher, "quantity": 1}),
        )
        .await
        .ok();
    let left = b.officer.get("/v1/banks/湖州银行/budget").await.ok();
    assert_eq!(left["vouchers_left"], 0);
    assert_eq!(left["issued"], 2);
    // Set again below what is issued, the answer says nothing is left, not the new figure.
    let lowered = city
        .admin
        .put(
            "/v1/banks/湖州银行/budget",
            json!({"year": year, "vouchers": 1, "bonus_yuan": "150", "note": "压缩"}),
        )
        .await
        .ok();
    assert_eq!(
        (
            &lowered["vouchers"],
            &lowered["issued"],
            &lowered["vouchers_left"]
        ),
        (&json!(1), &json!(2), &json!(0)),
        "{lowered}"
    );
    // The next year, set by nobody, keeps this one.
    let next = b
        .officer
        .get(&format!("/v1/banks/湖州银行/budget?year={}", year + 1))
        .await
        .ok();
    assert_eq!(
        (&next["vouchers"], &next["carried_from"]),
        (&json!(1), &json!(year)),
        "{next}"
    );
    city.admin
        .put(
            "/v1/banks/湖州银行/budget",
            json!({"year": year, "vouchers": 2, "bonus_yuan": "150", "note": "年度合作协议"}),
        )
        .await
        .ok();
    let before = city.admin.head_seq().await;
    let refused = city.volunteer_clients[2]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[2], "reward_id": b.voucher, "quantity": 1}),
        )
        .await;
    assert_eq!(refused.problem(409)["code"], "budget_exhausted");
    assert!(s_(&refused.body["detail"]).contains("湖州银行"));
    assert_eq!(city.admin.head_seq().await, before);

    // The yuan budget: a use beyond what is left is refused; the rest is shown.
    let (_, code) = handed_over_existing(&city).await;
    let too_much = b
        .officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "loan", "amount_yuan": "100000"}),
        )
        .await;
    assert_eq!(too_much.problem(409)["code"], "budget_exhausted");
    b.officer
        .post(
            "/v1/vouchers/use",
            json!({"code": code, "product": "loan", "amount_yuan": "50000"}),
        )
        .await
        .ok();
    let left = b.officer.get("/v1/banks/湖州银行/budget").await.ok();
    assert_eq!(left["bonus_left"], "50");
}

/// Hands over the voucher the second volunteer holds; its code.
async fn handed_over_existing(city: &City) -> (String, String) {
    let held = city.admin.get("/v1/redemptions?status=held").await.ok();
    let id = s_(&held["items"][0]["id"]);
    let done = city
        .admin
        .post_empty(&format!("/v1/redemptions/{id}/fulfil"))
        .await
        .ok();
    (id, s_(&done["voucher_code"]))
}

fn s_(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A path segment percent-encoded as UTF-8 bytes.
fn utf8_percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A voucher lost or issued in error is cancelled with its points returned: the volunteer
/// has them to redeem again, the redemption reads refunded, their statement has the line, the
/// bank can no longer take the code, and the points go back once only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_voucher_can_give_its_points_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &[]);
    let city = City::build(&server, 2).await;
    let b = bank(&server, &city).await;
    let v = city.volunteers[0].clone();
    let available = |body: &Value| {
        s_(&body["balance"]["available"])
            .parse::<f64>()
            .unwrap_or(-1.0)
    };
    let before = available(&city.admin.get(&format!("/v1/volunteers/{v}")).await.ok());
    let team = format!("/v1/teams/{}", city.team);
    let tally_before = city.admin.get(&team).await.ok()["tally"].clone();
    let (id, code) = handed_over(&city, &b, 0).await;
    let spent = available(&city.admin.get(&format!("/v1/volunteers/{v}")).await.ok());
    assert_eq!(spent, before - 10.0);

    // Lost: cancelled, its points returned.
    city.admin
        .post(
            &format!("/v1/vouchers/{id}/cancel"),
            json!({"reason": "券遗失，退回积分重新兑换", "return_points": true}),
        )
        .await
        .ok();
    let after = city.admin.get(&format!("/v1/volunteers/{v}")).await.ok();
    assert_eq!(available(&after), before, "{after}");
    // The team's figures take the hand-over back too.
    let tally = city.admin.get(&team).await.ok()["tally"].clone();
    assert_eq!(tally["redemptions"], tally_before["redemptions"], "{tally}");
    assert_eq!(
        tally["redemption_points"], tally_before["redemption_points"],
        "{tally}"
    );
    let theirs = city.volunteer_clients[0]
        .get(&format!("/v1/redemptions/{id}"))
        .await
        .ok();
    assert_eq!(theirs["status"], "refunded", "{theirs}");
    assert_eq!(theirs["voucher_status"], "cancelled", "{theirs}");
    let statement = city.volunteer_clients[0]
        .get(&format!("/v1/volunteers/{v}/statement"))
        .await
        .ok();
    assert!(statement.to_string().contains("\"refund\""), "{statement}");
    let checked = b
        .officer
        .post("/v1/vouchers/check", json!({"code": code}))
        .await
        .ok();
    assert_eq!(checked["status"], "cancelled");
    let head = city.admin.head_seq().await;
    city.admin
        .post(
            &format!("/v1/vouchers/{id}/cancel"),
            json!({"reason": "再退一次", "return_points": true}),
        )
        .await
        .problem(409);
    assert_eq!(
        city.admin.head_seq().await,
        head,
        "a refusal appends nothing"
    );
    // A voucher cancelled with its points kept can have them returned later, once.
    let w = city.volunteers[1].clone();
    let before_w = available(&city.admin.get(&format!("/v1/volunteers/{w}")).await.ok());
    let (second, _) = handed_over(&city, &b, 1).await;
    city.admin
        .post(
            &format!("/v1/vouchers/{second}/cancel"),
            json!({"reason": "券遗失"}),
        )
        .await
        .ok();
    let returned = city
        .admin
        .post(
            &format!("/v1/vouchers/{second}/cancel"),
            json!({"reason": "券遗失，退回积分", "return_points": true}),
        )
        .await
        .ok();
    assert_eq!(returned["step"], "cancelled_points_returned", "{returned}");
    assert_eq!(
        available(&city.admin.get(&format!("/v1/volunteers/{w}")).await.ok()),
        before_w
    );
    city.admin
        .post(
            &format!("/v1/vouchers/{second}/cancel"),
            json!({"reason": "再退一次", "return_points": true}),
        )
        .await
        .problem(409);
    // The ledger still balances: a start checks every invariant (points issued, held,
    // spent and returned; each station's units) and refuses to serve otherwise.
    assert_eq!(server.terminate(), Some(0));
    let restarted = Server::start_in(&dir, &[]);
    let again = restarted
        .client(ADMIN)
        .get(&format!("/v1/volunteers/{v}"))
        .await
        .ok();
    assert_eq!(available(&again), before);
}
