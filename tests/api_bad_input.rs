//! Bad input gets a clear 4xx problem and appends nothing: one case per line of the list.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Name, expected status, caller, method, path, body.
type Case = (&'static str, u16, Client, Method, String, Option<Value>);

fn activity(city: &City, participants: Value, date: &str) -> Value {
    json!({"team_id": city.team, "category": "mediation", "date": date, "title": "调解", "participants": participants})
}

#[tokio::test]
async fn bad_input_gets_a_clear_problem_and_appends_nothing() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let (v0, v1) = (city.volunteers[0].clone(), city.volunteers[1].clone());
    let c = &city.coordinator;
    let a = &city.admin;
    let me = &city.volunteer_clients[0];
    let ghost = "0193a4c2-7b1e-7c3d-9f00-1a2b3c4d5e6f";
    let revoked = token(a, json!({"role": "coordinator", "team_id": city.team})).await;
    let revoked_id = {
        let feed = city.auditor.get("/v1/events?after=0&limit=1000").await.ok();
        feed["events"]
            .as_array()
            .expect("events")
            .iter()
            .rev()
            .find(|e| e["type"] == "TokenIssued")
            .expect("issued")["data"]["token_id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    a.delete(&format!("/v1/tokens/{revoked_id}")).await.ok();
    let hours = |h: Value| json!([{"volunteer_id": v0, "hours": h}]);
    let many: Vec<Value> = (0..501)
        .map(|_| json!({"volunteer_id": v0, "hours": "1"}))
        .collect();
    let tomorrow_plus_one = days_ago(-2);
    let clerk = server.client(&token(a, json!({"role": "station_clerk"})).await);
    let officer =
        server.client(&token(a, json!({"role": "bank_officer", "bank": "湖州银行"})).await);

    let cases: Vec<Case> = vec![
        (
            "missing field",
            422,
            a.clone(),
            Method::POST,
            "/v1/teams".into(),
            Some(json!({"name": "x", "category": "lecture"})),
        ),
        (
            "extra field",
            422,
            a.clone(),
            Method::POST,
            "/v1/teams".into(),
            Some(
                json!({"name": "x", "district": "吴兴区", "category": "lecture", "colour": "red"}),
            ),
        ),
        (
            "wrong type",
            422,
            a.clone(),
            Method::POST,
            "/v1/rewards".into(),
            Some(
                json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": "ten"}),
            ),
        ),
        (
            "unknown category",
            422,
            a.clone(),
            Method::POST,
            "/v1/teams".into(),
            Some(json!({"name": "x", "district": "吴兴区", "category": "juggling"})),
        ),
        (
            "category code with capitals and a space",
            422,
            a.clone(),
            Method::POST,
            "/v1/categories".into(),
            Some(
                json!({"code": "Garbage Sorting", "label_zh": "垃圾分类", "label_en": "Garbage sorting"}),
            ),
        ),
        (
            "category code taken by a built-in",
            409,
            a.clone(),
            Method::POST,
            "/v1/categories".into(),
            Some(json!({"code": "mediation", "label_zh": "调解", "label_en": "Mediation"})),
        ),
        (
            "category ending before it starts",
            422,
            a.clone(),
            Method::POST,
            "/v1/categories".into(),
            Some(
                json!({"code": "short_lived", "label_zh": "短期", "label_en": "Short", "active_from": "2026-05-01", "active_until": "2026-04-30"}),
            ),
        ),
        (
            "renaming a category nobody registered",
            404,
            a.clone(),
            Method::POST,
            "/v1/categories/juggling/rename".into(),
            Some(json!({"label_zh": "杂耍", "label_en": "Juggling"})),
        ),
        (
            "retiring a category before it opened",
            422,
            a.clone(),
            Method::POST,
            "/v1/categories/lecture/retire".into(),
            Some(json!({"last_day": "1999-12-31", "reason": "x"})),
        ),
        (
            "a rate for a category nobody registered",
            422,
            a.clone(),
            Method::POST,
            "/v1/rules/versions".into(),
            Some(json!({"effective_from": today(), "rates": {"juggling": "12"}})),
        ),
        (
            "activity in a category nobody registered",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(
                json!({"team_id": city.team, "category": "juggling", "date": today(), "title": "调解", "participants": hours(json!("1"))}),
            ),
        ),
        (
            "a star scale that does not rise",
            422,
            a.clone(),
            Method::POST,
            "/v1/stars/scale".into(),
            Some(json!({"thresholds_hours": ["300", "100"]})),
        ),
        (
            "a star scale with no levels",
            422,
            a.clone(),
            Method::POST,
            "/v1/stars/scale".into(),
            Some(json!({"thresholds_hours": []})),
        ),
        (
            "a star threshold with three decimals",
            422,
            a.clone(),
            Method::POST,
            "/v1/stars/scale".into(),
            Some(json!({"thresholds_hours": ["100.125", "300"]})),
        ),
        (
            "confirming a star nobody is waiting for",
            409,
            a.clone(),
            Method::POST,
            format!("/v1/stars/pending/{v0}/confirm"),
            Some(json!({"level": 1})),
        ),
        (
            "confirming the star of a volunteer nobody registered",
            404,
            a.clone(),
            Method::POST,
            format!("/v1/stars/pending/{ghost}/confirm"),
            Some(json!({"level": 1})),
        ),
        (
            "a star level that is not a number",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/stars/pending/{v0}/confirm"),
            Some(json!({"level": "one"})),
        ),
        (
            "a hold time of no days",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/hold-time".into(),
            Some(json!({"days": 0})),
        ),
        (
            "a hold time longer than the policy allows",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/hold-time".into(),
            Some(json!({"days": 400})),
        ),
        (
            "a back-fill limit of no days",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/backfill-limit".into(),
            Some(json!({"days": 0})),
        ),
        (
            "a back-fill limit that is not a number",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/backfill-limit".into(),
            Some(json!({"days": "thirty"})),
        ),
        (
            "approving a back-fill nobody asked for",
            404,
            a.clone(),
            Method::POST,
            format!("/v1/backfills/{ghost}/approve"),
            Some(json!({})),
        ),
        (
            "declining a back-fill without a reason",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/backfills/{ghost}/decline"),
            Some(json!({"reason": ""})),
        ),
        (
            "approving an activity that was credited at once",
            404,
            a.clone(),
            Method::POST,
            format!("/v1/backfills/{}/approve", city.activity),
            Some(json!({})),
        ),
        (
            "a co-organiser that is not an id",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some({
                let mut a = activity(&city, hours(json!("1")), &today());
                a["co_organisers"] = json!(["安吉护绿队"]);
                a
            }),
        ),
        (
            "a co-organiser that shares no group with the team",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some({
                let mut a = activity(&city, hours(json!("1")), &today());
                a["co_organisers"] = json!([city.other_team]);
                a
            }),
        ),
        (
            "replacing a token nobody issued",
            404,
            a.clone(),
            Method::POST,
            format!("/v1/tokens/{ghost}/replace"),
            Some(json!({})),
        ),
        (
            "a replacement with a field it does not take",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/tokens/{ghost}/replace"),
            Some(json!({"role": "admin"})),
        ),
        (
            "hours zero",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("0")), &today())),
        ),
        (
            "hours negative",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("-2")), &today())),
        ),
        (
            "hours over 24",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("24.5")), &today())),
        ),
        (
            "hours over 2 decimals",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("1.005")), &today())),
        ),
        (
            "hours NaN",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("NaN")), &today())),
        ),
        (
            "hours 1e3",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("1e3")), &today())),
        ),
        (
            "hours as a float number",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!(1e3)), &today())),
        ),
        (
            "unknown volunteer",
            404,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(
                &city,
                json!([{"volunteer_id": ghost, "hours": "1"}]),
                &today(),
            )),
        ),
        (
            "unknown team",
            404,
            a.clone(),
            Method::POST,
            "/v1/volunteers".into(),
            Some(json!({"name": "x", "team_id": ghost})),
        ),
        (
            "unknown reward",
            404,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v0, "reward_id": ghost, "quantity": 1})),
        ),
        (
            "volunteer not in the team",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(
                &city,
                json!([{"volunteer_id": city.outsider, "hours": "1"}]),
                &today(),
            )),
        ),
        (
            "duplicate participant",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(
                &city,
                json!([{"volunteer_id": v0, "hours": "1"}, {"volunteer_id": v0, "hours": "2"}]),
                &today(),
            )),
        ),
        (
            "empty participants",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, json!([]), &today())),
        ),
        (
            "over-limit participants",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, json!(many), &today())),
        ),
        (
            "date not YYYY-MM-DD",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("1")), "25/11/2026")),
        ),
        (
            "date after tomorrow",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("1")), &tomorrow_plus_one)),
        ),
        (
            "day total over 24 h",
            422,
            c.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("16.5")), &days_ago(1))),
        ),
        (
            "quantity 0",
            422,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 0})),
        ),
        (
            "quantity over 100",
            422,
            a.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 101})),
        ),
        (
            "cost not positive",
            422,
            a.clone(),
            Method::POST,
            "/v1/rewards".into(),
            Some(
                json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": "0", "stock": 1}),
            ),
        ),
        (
            "negative stock",
            422,
            a.clone(),
            Method::POST,
            "/v1/rewards".into(),
            Some(
                json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": -1}),
            ),
        ),
        (
            "insufficient points",
            409,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 2})),
        ),
        (
            "revoked token",
            401,
            server.client(&revoked),
            Method::POST,
            "/v1/volunteers".into(),
            Some(json!({"name": "x", "team_id": city.team})),
        ),
        (
            "unknown token",
            401,
            server.client("not-a-token"),
            Method::GET,
            "/v1/teams".into(),
            None,
        ),
        (
            "no token",
            401,
            server.anonymous(),
            Method::POST,
            "/v1/teams".into(),
            Some(json!({"name": "x", "district": "吴兴区", "category": "lecture"})),
        ),
        (
            "coordinator writing for another team",
            403,
            city.other_coordinator.clone(),
            Method::POST,
            "/v1/activities".into(),
            Some(activity(&city, hours(json!("1")), &today())),
        ),
        (
            "volunteer touching someone else",
            403,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v1, "reward_id": city.reward, "quantity": 1})),
        ),
        (
            "volunteer reading someone else",
            403,
            me.clone(),
            Method::GET,
            format!("/v1/volunteers/{v1}"),
            None,
        ),
        (
            "auditor writing anything",
            403,
            city.auditor.clone(),
            Method::POST,
            "/v1/teams".into(),
            Some(json!({"name": "x", "district": "吴兴区", "category": "lecture"})),
        ),
        (
            "auditor reversing",
            403,
            city.auditor.clone(),
            Method::POST,
            format!("/v1/activities/{}/reversal", city.activity),
            Some(json!({"reason": "x"})),
        ),
        (
            "correction to negative hours",
            422,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/{v0}/correction",
                city.activity
            ),
            Some(json!({"hours": "-1", "reason": "录错"})),
        ),
        (
            "correction over a day",
            422,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/{v0}/correction",
                city.activity
            ),
            Some(json!({"hours": "25", "reason": "录错"})),
        ),
        (
            "correction without a reason",
            422,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/{v0}/correction",
                city.activity
            ),
            Some(json!({"hours": "2", "reason": "  "})),
        ),
        (
            "correction of someone who was not there",
            404,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/{ghost}/correction",
                city.activity
            ),
            Some(json!({"hours": "2", "reason": "录错"})),
        ),
        (
            "correction that changes nothing",
            409,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/{v0}/correction",
                city.activity
            ),
            Some(json!({"hours": "8", "reason": "录错"})),
        ),
        (
            "correction with a malformed volunteer id",
            400,
            c.clone(),
            Method::POST,
            format!(
                "/v1/activities/{}/participants/someone/correction",
                city.activity
            ),
            Some(json!({"hours": "2", "reason": "录错"})),
        ),
        (
            "malformed id in the path",
            400,
            a.clone(),
            Method::GET,
            "/v1/volunteers/not-a-uuid".into(),
            None,
        ),
        (
            "unknown id in the path",
            404,
            a.clone(),
            Method::GET,
            format!("/v1/volunteers/{ghost}"),
            None,
        ),
        (
            "a page of no checkpoints",
            400,
            a.clone(),
            Method::GET,
            "/v1/log/checkpoints?limit=0".into(),
            None,
        ),
        (
            "checkpoints after a size that is not a number",
            400,
            a.clone(),
            Method::GET,
            "/v1/log/checkpoints?after=yesterday".into(),
            None,
        ),
        (
            "unknown route",
            404,
            a.clone(),
            Method::GET,
            "/v1/nothing-here".into(),
            None,
        ),
        (
            "method not allowed",
            405,
            a.clone(),
            Method::PATCH,
            "/v1/teams".into(),
            Some(json!({})),
        ),
        (
            "as_of beyond the head",
            422,
            a.clone(),
            Method::GET,
            "/v1/teams?as_of=999999".into(),
            None,
        ),
        (
            "bad ranking order",
            400,
            a.clone(),
            Method::GET,
            "/v1/rankings/teams?by=beauty".into(),
            None,
        ),
        (
            "bad ranking date",
            400,
            a.clone(),
            Method::GET,
            "/v1/rankings/teams?from=yesterday".into(),
            None,
        ),
        // The counter and the stations.
        (
            "counter lookup with nothing to look by",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/counter/lookup".into(),
            Some(json!({})),
        ),
        (
            "counter lookup by a name without the year of birth",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/counter/lookup".into(),
            Some(json!({"name": "张阿婆"})),
        ),
        (
            "counter lookup by letters for phone digits",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/counter/lookup".into(),
            Some(json!({"phone_last_four": "abcd"})),
        ),
        (
            "counter lookup with a year of birth that is not a number",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/counter/lookup".into(),
            Some(json!({"name": "张阿婆", "birth_year": "一九四一"})),
        ),
        (
            "counter redemption without the volunteer's confirmation",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1})),
        ),
        (
            "counter redemption with both a card and a PIN",
            422,
            clerk.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(
                json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1, "card": "x", "pin": "1234"}),
            ),
        ),
        (
            "counter redemption with an unknown card",
            403,
            clerk.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(
                json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1, "card": "https://x/card/yl_nothing"}),
            ),
        ),
        (
            "pickup at an unknown station",
            404,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(
                json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1, "station_id": ghost}),
            ),
        ),
        (
            "pickup at a station id that is not an id",
            422,
            me.clone(),
            Method::POST,
            "/v1/redemptions".into(),
            Some(
                json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1, "station_id": "南浔"}),
            ),
        ),
        (
            "a PIN of two digits",
            422,
            me.clone(),
            Method::PUT,
            format!("/v1/volunteers/{v0}/pin"),
            Some(json!({"pin": "12"})),
        ),
        (
            "phone digits of a whole number",
            422,
            c.clone(),
            Method::PUT,
            format!("/v1/volunteers/{v0}/phone"),
            Some(json!({"last_four": "13800001234"})),
        ),
        (
            "a station in a district nobody registered",
            404,
            a.clone(),
            Method::POST,
            "/v1/stations".into(),
            Some(json!({"name": "火星 e站", "district": "火星区", "address": "某地"})),
        ),
        (
            "stock moved from an unknown station",
            404,
            a.clone(),
            Method::POST,
            "/v1/stock-transfers".into(),
            Some(
                json!({"reward_id": city.reward, "from_station": ghost, "to_station": "00000000-0000-0000-0000-000000000000", "quantity": 1}),
            ),
        ),
        (
            "no units moved",
            422,
            a.clone(),
            Method::POST,
            "/v1/stock-transfers".into(),
            Some(
                json!({"reward_id": city.reward, "from_station": "00000000-0000-0000-0000-000000000000", "to_station": ghost, "quantity": 0}),
            ),
        ),
        (
            "a bank officer token without a bank",
            422,
            a.clone(),
            Method::POST,
            "/v1/tokens".into(),
            Some(json!({"role": "bank_officer"})),
        ),
        // Vouchers and the money side.
        (
            "a voucher code with letters",
            422,
            officer.clone(),
            Method::POST,
            "/v1/vouchers/check".into(),
            Some(json!({"code": "1234-ABCD-5678-9012"})),
        ),
        (
            "a voucher code with a wrong check digit",
            422,
            officer.clone(),
            Method::POST,
            "/v1/vouchers/check".into(),
            Some(json!({"code": "0000 0000 0000 0001"})),
        ),
        (
            "a voucher used for nothing",
            422,
            officer.clone(),
            Method::POST,
            "/v1/vouchers/use".into(),
            Some(json!({"code": "0000 0000 0000 0000", "product": "deposit", "amount_yuan": "0"})),
        ),
        (
            "a voucher used for something that is not a deposit or a loan",
            422,
            officer.clone(),
            Method::POST,
            "/v1/vouchers/use".into(),
            Some(
                json!({"code": "0000 0000 0000 0000", "product": "insurance", "amount_yuan": "100"}),
            ),
        ),
        (
            "a voucher code nobody has",
            404,
            officer.clone(),
            Method::POST,
            "/v1/vouchers/use".into(),
            Some(
                json!({"code": "0000 0000 0000 0000", "product": "deposit", "amount_yuan": "100"}),
            ),
        ),
        (
            "a budget for the year 1800",
            422,
            a.clone(),
            Method::PUT,
            "/v1/banks/湖州银行/budget".into(),
            Some(json!({"year": 1800, "vouchers": 10})),
        ),
        (
            "a reward worth less than nothing",
            422,
            a.clone(),
            Method::PUT,
            format!("/v1/rewards/{}/value", city.reward),
            Some(json!({"unit_value_yuan": "-1", "supplier": "合作社"})),
        ),
        (
            "a unit cost in thousandths of a yuan",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/rewards/{}/receipts", city.reward),
            Some(json!({"quantity": 2, "unit_cost_yuan": "1.234", "supplier": "合作社"})),
        ),
        (
            "a point worth nothing",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/point-value".into(),
            Some(json!({"yuan_per_point": "0"})),
        ),
        (
            "a coverage warning at 0%",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/coverage-warning".into(),
            Some(json!({"percent": 0})),
        ),
        (
            "a report by weather",
            400,
            a.clone(),
            Method::GET,
            "/v1/reports/redeemed?by=weather".into(),
            None,
        ),
        (
            "a report from a day that is not a date",
            400,
            a.clone(),
            Method::GET,
            "/v1/reports/suppliers?from=2026-02-30".into(),
            None,
        ),
        (
            "a token bound to two things",
            422,
            a.clone(),
            Method::POST,
            "/v1/tokens".into(),
            Some(json!({"role": "district_coordinator", "district": "南浔区", "bank": "湖州银行"})),
        ),
        (
            "erasure without a legal basis",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/volunteers/{v1}/erasure"),
            Some(json!({"requested_by": "本人", "requested_on": days_ago(1), "legal_basis": " "})),
        ),
        (
            "erasure on a date that is not one",
            422,
            a.clone(),
            Method::POST,
            format!("/v1/volunteers/{v1}/erasure"),
            Some(
                json!({"requested_by": "本人", "requested_on": "2026-02-30", "legal_basis": "第四十七条"}),
            ),
        ),
        (
            "erasure of nobody",
            404,
            a.clone(),
            Method::POST,
            format!("/v1/volunteers/{ghost}/erasure"),
            Some(
                json!({"requested_by": "本人", "requested_on": days_ago(1), "legal_basis": "第四十七条"}),
            ),
        ),
        (
            "consent under a notice never published",
            422,
            c.clone(),
            Method::POST,
            format!("/v1/volunteers/{v0}/consents"),
            Some(
                json!({"purpose": "积分记录", "notice_version": 9, "given_on": days_ago(1), "collected_by": "协调员"}),
            ),
        ),
        (
            "withdrawing a consent never given",
            409,
            me.clone(),
            Method::POST,
            format!("/v1/volunteers/{v0}/consents/withdraw"),
            Some(json!({"purpose": "从未同意", "withdrawn_on": days_ago(0)})),
        ),
        (
            "a dispute without a reason",
            422,
            me.clone(),
            Method::POST,
            "/v1/disputes".into(),
            Some(json!({"volunteer_id": v0, "kind": "missing", "reason": "  "})),
        ),
        (
            "a dispute of an activity that does not exist",
            404,
            me.clone(),
            Method::POST,
            "/v1/disputes".into(),
            Some(
                json!({"volunteer_id": v0, "activity_id": ghost, "kind": "contested", "reason": "没有这次"}),
            ),
        ),
        (
            "a dispute answered with an outcome that is not one",
            422,
            c.clone(),
            Method::POST,
            format!("/v1/disputes/{ghost}/resolve"),
            Some(json!({"outcome": "maybe", "reason": "x"})),
        ),
        (
            "an answer to a dispute that does not exist",
            404,
            c.clone(),
            Method::POST,
            format!("/v1/disputes/{ghost}/resolve"),
            Some(json!({"outcome": "rejected", "reason": "x"})),
        ),
        (
            "a notice period of a year",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/notice-period".into(),
            Some(json!({"category": "mediation", "days": 365})),
        ),
        (
            "an escalation after zero days",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/dispute-escalation".into(),
            Some(json!({"days": 0})),
        ),
        (
            "a confirmation code with letters in it",
            422,
            server.anonymous(),
            Method::POST,
            "/v1/confirmations".into(),
            Some(json!({"code": "1234abcd5678", "name": "沈国强", "role": "村委会主任"})),
        ),
        (
            "a confirmation code nobody gave",
            404,
            server.anonymous(),
            Method::POST,
            "/v1/confirmations".into(),
            Some(json!({"code": "0000 0000 0000", "name": "沈国强", "role": "村委会主任"})),
        ),
        (
            "a confirmation slip for an activity that does not exist",
            404,
            c.clone(),
            Method::POST,
            format!("/v1/activities/{ghost}/confirmation-codes"),
            Some(json!({"party": "荻港村村委会"})),
        ),
        (
            "a confirmation slip for nobody",
            422,
            c.clone(),
            Method::POST,
            format!("/v1/activities/{}/confirmation-codes", city.activity),
            Some(json!({"party": "  "})),
        ),
        (
            "a mobile number of ten digits",
            422,
            me.clone(),
            Method::PUT,
            format!("/v1/volunteers/{v0}/notice-contacts"),
            Some(json!({"phone": "1380000123"})),
        ),
        (
            "a relative without a mobile number",
            422,
            me.clone(),
            Method::PUT,
            format!("/v1/volunteers/{v0}/notice-contacts"),
            Some(json!({"relative": {"name": "沈丽", "relation": "女儿", "phone": ""}})),
        ),
        (
            "notices of more than 400 days",
            400,
            me.clone(),
            Method::GET,
            format!("/v1/volunteers/{v0}/notices?days=999"),
            None,
        ),
        (
            "an outbox status that is not one",
            400,
            a.clone(),
            Method::GET,
            "/v1/notices/outbox?status=lost".into(),
            None,
        ),
        (
            "confirmation required of a category that does not exist",
            422,
            a.clone(),
            Method::PUT,
            "/v1/policies/confirmation-required".into(),
            Some(json!({"category": "nonsense", "required": true})),
        ),
        (
            "an empty privacy notice",
            422,
            a.clone(),
            Method::PUT,
            "/v1/privacy-notice".into(),
            Some(json!({"text_zh": "", "published_on": days_ago(1)})),
        ),
    ];
    for (name, status, client, method, path, body) in cases {
        let before = a.head_seq().await;
        let reply = client.send(method, &path, body, &[]).await;
        assert_eq!(reply.status.as_u16(), status, "{name}: {}", reply.body);
        reply.problem(status);
        assert_eq!(
            a.head_seq().await,
            before,
            "{name}: a rejected request appends nothing"
        );
    }
}

#[tokio::test]
async fn malformed_bodies_wrong_content_types_and_oversize_bodies_are_refused() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    let before = admin.head_seq().await;
    let r = admin
        .raw(
            Method::POST,
            "/v1/teams",
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await;
    r.problem(400);
    assert_eq!(r.body["code"], "malformed_json");
    admin
        .raw(Method::POST, "/v1/teams", "text/plain", b"{}".to_vec())
        .await
        .problem(415);
    // A body over 1 MiB is refused from its Content-Length, before it is read.
    let (status, content_type, body) = raw_http(
        &server.base,
        &format!(
            "POST /v1/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{{\"name\": \""
        ),
    );
    assert_eq!(status, 413, "{body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    assert!(body.contains("1 MiB") || body.contains("limit"), "{body}");
    admin
        .raw(Method::POST, "/v1/teams", "application/json", Vec::new())
        .await
        .problem(400);
    let r = admin
        .send(
            Method::POST,
            "/v1/teams",
            Some(json!({"name": "x", "district": "y", "category": "lecture"})),
            &[("Idempotency-Key", "has space")],
        )
        .await;
    r.problem(400);
    assert_eq!(admin.head_seq().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_query_or_body_is_named_in_words_not_in_the_parsers() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    let before = admin.head_seq().await;
    let parser_words = [
        "deserialize",
        "invalid type",
        "invalid digit",
        "struct ",
        "expected u32",
        "line 1 column",
        "duplicate field",
        "`",
    ];
    let said = |code: &str, detail: &str, wanted: &str, what: &str| {
        assert!(detail.contains(wanted), "{what}: {detail}");
        for w in parser_words {
            assert!(!detail.contains(w), "{what}: {code}: {detail}");
        }
    };
    for (path, wanted) in [
        ("/v1/teams?as_of=2026-03-14", "as_of must be a whole number"),
        ("/v1/events?limit=ten", "limit must be a whole number"),
        (
            "/v1/events?limit=1&limit=2",
            "limit is given more than once",
        ),
        ("/v1/disputes?open=1", "open must be true or false"),
        ("/v1/log/proofs/inclusion", "seq is required"),
    ] {
        let r = admin.get(path).await;
        let body = r.problem(400).clone();
        said(
            body["code"].as_str().unwrap_or_default(),
            body["detail"].as_str().unwrap_or_default(),
            wanted,
            path,
        );
    }
    // An empty value is no value; a bare name is refused for the value it is not.
    admin.get("/v1/events?limit=").await.ok();
    let bare = admin.get("/v1/disputes?open").await;
    assert!(
        bare.problem(400)["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("open must be true or false"),
        "{}",
        bare.text
    );
    // A page of 1 to 1,000 items, as the API's description says: nothing else is quietly
    // changed into it.
    for limit in ["0", "1001"] {
        let r = admin.get(&format!("/v1/events?limit={limit}")).await;
        let body = r.problem(400).clone();
        assert_eq!(body["code"], "bad_limit", "{body}");
        assert!(
            body["detail"].as_str().unwrap_or_default().contains(limit),
            "{body}"
        );
    }
    admin.get("/v1/events?limit=1000").await.ok();
    // A parameter the route does not take is named, not ignored (a typo of team_id would
    // answer for the whole city); min_seq is every read's.
    let typo = admin.get("/v1/volunteers?team=x").await;
    let body = typo.problem(400).clone();
    assert_eq!(body["code"], "unknown_parameter", "{body}");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains("team"),
        "{body}"
    );
    admin.get("/v1/events?min_seq=0&limit=5").await.ok();

    for (body, status, wanted) in [
        (&b"null"[..], 422, "the body must be a JSON object"),
        (b"[]", 422, "the body must be a JSON object"),
        (
            b"{\"name\": \"x\", \"category\": \"lecture\"}",
            422,
            "district is required",
        ),
        (
            b"{\"name\": 5, \"district\": \"y\", \"category\": \"lecture\"}",
            422,
            "name must be text",
        ),
        (b"{\"name\": ", 400, "not valid JSON (line 1, column 9)"),
        (b"", 400, "needs a JSON body"),
    ] {
        let r = admin
            .raw(Method::POST, "/v1/teams", "application/json", body.to_vec())
            .await;
        let problem = r.problem(status).clone();
        said(
            problem["code"].as_str().unwrap_or_default(),
            problem["detail"].as_str().unwrap_or_default(),
            wanted,
            &String::from_utf8_lossy(body),
        );
    }
    let r = admin
        .post(
            "/v1/rewards",
            json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": "ten"}),
        )
        .await;
    let problem = r.problem(422).clone();
    said(
        "",
        problem["detail"].as_str().unwrap_or_default(),
        "stock must be a whole number",
        "stock",
    );
    // A huge bad value is named, not sent back whole.
    let huge = "9".repeat(100_000) + "x";
    let r = admin
        .post(
            "/v1/rewards",
            json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": huge, "stock": 5}),
        )
        .await;
    let detail = r.problem(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.chars().count() <= 1_001 && detail.ends_with('…'),
        "{} chars",
        detail.len()
    );
    assert_eq!(admin.head_seq().await, before, "nothing appended");
}
