//! The money side from the web app: what an administrator and a bank officer type is
//! checked as the API checks it (the field is named, nothing is appended); the bank officer
//! checks, takes and refuses vouchers from `/bank`; the money page offers every spreadsheet.

mod common;

use common::web::{field, Browser};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_money_forms_refuse_what_the_api_refuses_and_the_bank_works_from_the_web() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let a = &city.admin;
    let voucher = a
        .post(
            "/v1/rewards",
            json!({"name": "存款利率上浮 0.20%", "kind": "rate_voucher", "bank": "湖州银行", "basis_points": 20, "cost_points": "10", "stock": 5}),
        )
        .await
        .id();
    let admin = Browser::new(&server, ADMIN);
    let csrf = admin.csrf("/money").await;
    let before = a.head_seq().await;
    for (path, fields, named) in [
        (
            "/money/budget",
            vec![
                field("bank", "湖州银行"),
                field("year", "二〇二六"),
                field("vouchers", "10"),
            ],
            "year",
        ),
        (
            "/money/value",
            vec![
                field("reward_id", &voucher),
                field("unit_value_yuan", "四十"),
                field("supplier", "湖州银行"),
            ],
            "unit_value_yuan",
        ),
        ("/money/warning", vec![field("percent", "0")], "1 to 1000"),
    ] {
        let mut form = vec![field("csrf", &csrf), field("form_id", path)];
        form.extend(fields);
        let (_, page) = admin.post(path, &form).await;
        assert!(page.contains(named), "{path}: {page}");
    }
    assert_eq!(a.head_seq().await, before, "a refused form appends nothing");
    let (status, _) = admin
        .post(
            "/money/budget",
            &[
                field("csrf", &csrf),
                field("form_id", "b2"),
                field("bank", "湖州银行"),
                field("year", &today()[..4]),
                field("vouchers", "10"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let page = admin.get("/money").await.text().await.expect("page");
    assert!(page.contains("还可发放 10 张"), "{page}");
    for csv in [
        "coverage",
        "suppliers",
        "banks",
        "redeemed-district",
        "redeemed-station",
        "redeemed-team",
        "redeemed-month",
    ] {
        let reply = admin.get(&format!("/money/{csv}.csv")).await;
        assert_eq!(reply.status().as_u16(), 200, "{csv}");
        let bytes = reply.bytes().await.expect("csv");
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "{csv} opens in Excel as UTF-8"
        );
        // Money in yuan and fen, two decimals in every row, as an accountant reads a column.
        let mut rows = csv::Reader::from_reader(&bytes[3..]);
        let money: Vec<usize> = rows
            .headers()
            .expect("headers")
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains('元') || h.contains("yuan"))
            .map(|(i, _)| i)
            .collect();
        for row in rows.records() {
            let row = row.expect("row");
            for cell in &row {
                if let Some(change) = common::excel::changes(cell) {
                    panic!("{csv}: Excel changes the cell {cell:?}: {change}");
                }
            }
            for &i in &money {
                let cell = &row[i];
                let (whole, fen) = cell.split_once('.').unwrap_or((cell, ""));
                assert!(
                    fen.len() == 2
                        && whole
                            .trim_start_matches('-')
                            .bytes()
                            .all(|b| b.is_ascii_digit()),
                    "{csv}: {cell:?} is not yuan and fen"
                );
            }
        }
        // The same table as an Excel workbook, the buttons' download: the CSV's cells,
        // figures as numbers, text without a CSV's marks.
        let reply = admin.get(&format!("/money/{csv}.xlsx")).await;
        assert_eq!(reply.status().as_u16(), 200, "{csv}");
        let kind = reply
            .headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(kind.contains("spreadsheetml"), "{csv}: {kind}");
        let xlsx = reply.bytes().await.expect("xlsx");
        common::excel::workbook_matches_csv(csv, &xlsx, &bytes);
    }

    assert_eq!(admin.get("/money/banks.pdf").await.status().as_u16(), 403);

    // A period's file is named with its days; a reversed period is refused in words.
    for format in ["csv", "xlsx"] {
        let reply = admin
            .get(&format!(
                "/money/banks.{format}?from=2026-03-01&to=2026-03-31"
            ))
            .await;
        let named = reply
            .headers()
            .get("content-disposition")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            named.contains(&format!("banks-2026-03-01-2026-03-31.{format}")),
            "{named}"
        );
    }
    let page = admin
        .get("/money?from=2026-03-31&to=2026-03-01")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("is after to"), "{page}");

    // A voucher handed over; the officer checks it from the web and takes it.
    let hold = city.volunteer_clients[0]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": city.volunteers[0], "reward_id": voucher, "quantity": 1}),
        )
        .await
        .id();
    let code = a
        .post_empty(&format!("/v1/redemptions/{hold}/fulfil"))
        .await
        .ok()["voucher_code"]
        .as_str()
        .expect("code")
        .to_owned();
    // The slip, opened by whoever handed it over just now, carries the code to print for the
    // volunteer; opened by another clerk of the station, it does not.
    let slip = format!("/counter/receipts/{hold}");
    let grouped = yinling_app::vouchers::grouped(&code.replace(' ', ""));
    let theirs = Browser::new(&server, &a.token.clone().expect("token"))
        .get(&slip)
        .await
        .text()
        .await
        .expect("the slip");
    assert!(theirs.contains(&grouped), "{theirs}");
    let other_clerk = Browser::new(&server, &token(a, json!({"role": "station_clerk"})).await)
        .get(&slip)
        .await
        .text()
        .await
        .expect("the slip");
    assert!(
        other_clerk.contains("已交给本人") && !other_clerk.contains(&grouped),
        "{other_clerk}"
    );
    let officer = Browser::new(
        &server,
        &token(a, json!({"role": "bank_officer", "bank": "湖州银行"})).await,
    );
    let csrf = officer.csrf("/bank").await;
    let last = code
        .chars()
        .last()
        .and_then(|c| c.to_digit(10))
        .expect("a digit");
    let mistyped = format!("{}{}", &code[..code.len() - 1], (last + 1) % 10);
    let (_, typo) = officer
        .post(
            "/bank/check",
            &[field("csrf", &csrf), field("code", &mistyped)],
        )
        .await;
    assert!(
        typo.contains("没能办成") || typo.contains("check digit"),
        "{typo}"
    );
    let (_, valid) = officer
        .post("/bank/check", &[field("csrf", &csrf), field("code", &code)])
        .await;
    assert!(valid.contains("有效，可以使用"), "{valid}");
    // The holder's name masked, as in the bank's voucher list.
    assert!(
        valid.contains("志**0") && !valid.contains("志愿者0"),
        "{valid}"
    );
    let before = a.head_seq().await;
    let (_, bad) = officer
        .post(
            "/bank/use",
            &[
                field("csrf", &csrf),
                field("form_id", "u1"),
                field("code", &code),
                field("product", "deposit"),
                field("amount_yuan", "五万"),
                field("used_on", &today()),
            ],
        )
        .await;
    assert!(bad.contains("amount_yuan") || bad.contains("数字"), "{bad}");
    // An amount past any bank's, typed by mistake, is refused in words before any bonus is
    // worked out (not a page that fails).
    let (status, huge) = officer
        .post(
            "/bank/use",
            &[
                field("csrf", &csrf),
                field("form_id", "u1b"),
                field("code", &code),
                field("product", "deposit"),
                field("amount_yuan", "999999999999999999999999999"),
                field("used_on", &today()),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(huge.contains("按元填写"), "{huge}");
    assert_eq!(a.head_seq().await, before);
    let use_form = |confirmed: bool| {
        let mut fields = vec![
            field("csrf", &csrf),
            field("form_id", "u2"),
            field("code", &code),
            field("product", "loan"),
            field("amount_yuan", "50000"),
            field("used_on", &today()),
        ];
        if confirmed {
            fields.push(field("confirmed", "1"));
        }
        fields
    };
    // First the use as it would be recorded, in 万元 and with its bonus, nothing written;
    // then, confirmed, recorded.
    let (status, shown) = officer.post("/bank/use", &use_form(false)).await;
    assert_eq!(status, 200);
    assert!(
        shown.contains("50000.00 元（即 5 万元）")
            && shown.contains("100.00 元")
            && shown.contains("name=\"confirmed\" value=\"1\""),
        "{shown}"
    );
    assert_eq!(a.head_seq().await, before);
    let (status, _) = officer.post("/bank/use", &use_form(true)).await;
    assert_eq!(status, 303);
    // Back on the page, it says what was recorded; a refusal's link back does not.
    assert!(!bad.contains("done=used"), "{bad}");
    let said = officer
        .get("/bank?done=used")
        .await
        .text()
        .await
        .expect("page");
    assert!(said.contains("这张券已记为使用"), "{said}");
    // The bank's list gives each voucher's last day, for the teller asked about one.
    assert!(said.contains("有效期至（含当天）"), "{said}");
    let (_, used) = officer
        .post("/bank/check", &[field("csrf", &csrf), field("code", &code)])
        .await;
    assert!(used.contains("已经用过"), "{used}");
}
