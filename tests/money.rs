//! The money reports over HTTP on the demo city, each figure recounted from the public event
//! feed: what each supplier is owed (units handed over × the cost of the last receipt at the
//! station before the hand-over, from that receipt's supplier; else the last receipt
//! anywhere, else the reward's value), each bank's vouchers, the value redeemed by
//! district, station, team and month; and the coverage's outstanding points against every
//! volunteer's balance and its stock against every station's shelf.

mod common;

use std::collections::BTreeMap;

use common::demo::{demo_city, feed};
use common::*;
use rust_decimal::Decimal;
use serde_json::Value;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("a decimal: {v}"))
}

/// The ledger's calendar day and month of an RFC 3339 instant (UTC+8).
fn local(at: &Value) -> (String, String) {
    let t = chrono::DateTime::parse_from_rfc3339(at.as_str().expect("instant")).expect("rfc3339");
    let d = (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8)).date_naive();
    (d.to_string(), d.format("%Y-%m").to_string())
}

/// A reward as the feed tells it: name, a product or not, value, supplier, last cost.
type RewardSeen = (String, bool, Option<Decimal>, String, Option<Decimal>);

/// A bank's figures: issued, deposits, loans, cancelled, deposit yuan, loan yuan, bonus.
type BankSeen = (u64, u64, u64, u64, Decimal, Decimal, Decimal);

#[derive(Default)]
struct Recount {
    /// Reward id -> (name, is a product, value, supplier, last receipt cost).
    rewards: BTreeMap<String, RewardSeen>,
    /// Redemption id -> (team, district, station, reward, quantity, points).
    holds: BTreeMap<String, (String, String, String, String, u64, Decimal)>,
    /// (reward, station) -> the cost and supplier of the station's last receipt.
    receipts: BTreeMap<(String, String), (Decimal, String)>,
    /// (supplier, reward name, unit cost) -> units.
    suppliers: BTreeMap<(String, String, Decimal), u64>,
    /// by key -> (hand-overs, refunds, points, yuan), for district, station, team, month;
    /// a refund in the row of its own day, its points and value taken off.
    redeemed: [BTreeMap<String, (u64, u64, Decimal, Decimal)>; 4],
    /// Redemption id -> the row keys and yuan of its hand-over, for its refund.
    handed: BTreeMap<String, ([String; 3], Decimal)>,
    /// bank -> (issued, deposits, loans, cancelled, deposit yuan, loan yuan, bonus).
    banks: BTreeMap<String, BankSeen>,
    voucher_bank: BTreeMap<String, String>,
    point_value: Option<Decimal>,
}

impl Recount {
    fn of(
        events: &[Value],
        teams: &BTreeMap<String, String>,
        stations: &BTreeMap<String, String>,
    ) -> Recount {
        let mut r = Recount::default();
        for e in events {
            let d = &e["data"];
            match e["type"].as_str().expect("type") {
                "RewardListed" => {
                    r.rewards.insert(
                        s(&d["reward_id"]),
                        (
                            s(&d["name"]),
                            d["kind"].get("product").is_some(),
                            None,
                            String::new(),
                            None,
                        ),
                    );
                }
                "RewardValued" => {
                    if let Some(x) = r.rewards.get_mut(&s(&d["reward_id"])) {
                        x.2 = Some(dec(&d["unit_value_yuan"]));
                        x.3 = s(&d["supplier"]);
                    }
                }
                "StockCosted" => {
                    if let Some(x) = r.rewards.get_mut(&s(&d["reward_id"])) {
                        x.4 = Some(dec(&d["unit_cost_yuan"]));
                    }
                    r.receipts.insert(
                        (s(&d["reward_id"]), s(&d["station_id"])),
                        (dec(&d["unit_cost_yuan"]), s(&d["supplier"])),
                    );
                }
                "PolicySet" => {
                    if let Some(p) = d["change"].get("point_value") {
                        r.point_value = Some(dec(&p["yuan_per_point"]));
                    }
                }
                "RedemptionHeld" | "RedemptionHeldAt" | "RedemptionHeldForPickup" => {
                    let (h, station) = if d["held"].is_object() {
                        (&d["held"], s(&d["station_id"]))
                    } else {
                        (d, "00000000-0000-0000-0000-000000000000".to_owned())
                    };
                    r.holds.insert(
                        s(&h["redemption_id"]),
                        (
                            s(&h["team_id"]),
                            s(&h["district"]),
                            station,
                            s(&h["reward_id"]),
                            h["quantity"].as_u64().expect("quantity"),
                            dec(&h["points"]),
                        ),
                    );
                }
                "RedemptionFulfilled" => {
                    let (team, district, station, reward, quantity, points) =
                        r.holds[&s(&d["redemption_id"])].clone();
                    let (name, product, value, mut supplier, mut cost) = r.rewards[&reward].clone();
                    // The station's own last receipt, when it had one.
                    if let Some((c, by)) = r.receipts.get(&(reward.clone(), station.clone())) {
                        cost = Some(*c);
                        if !by.is_empty() {
                            supplier = by.clone();
                        }
                    }
                    if product {
                        let unit = cost.or(value).unwrap_or_default();
                        let supplier = if supplier.is_empty() {
                            "—".to_owned()
                        } else {
                            supplier
                        };
                        *r.suppliers
                            .entry((supplier, name, unit.normalize()))
                            .or_default() += quantity;
                    }
                    let yuan = match value {
                        Some(v) => v * Decimal::from(quantity),
                        None => r.point_value.map_or(Decimal::ZERO, |y| points * y),
                    };
                    let (_, month) = local(&e["recorded_at"]);
                    let keys = [
                        district,
                        stations.get(&station).cloned().unwrap_or_default(),
                        teams.get(&team).cloned().unwrap_or_default(),
                        month,
                    ];
                    r.handed.insert(
                        s(&d["redemption_id"]),
                        ([keys[0].clone(), keys[1].clone(), keys[2].clone()], yuan),
                    );
                    for (i, key) in keys.into_iter().enumerate() {
                        let row = r.redeemed[i].entry(key).or_default();
                        row.0 += 1;
                        row.2 += points;
                        row.3 += yuan;
                    }
                }
                "RedemptionRefunded" => {
                    let (keys, yuan) = r.handed[&s(&d["redemption_id"])].clone();
                    let points = dec(&d["points"]);
                    let (_, month) = local(&e["recorded_at"]);
                    let [a, b, c] = keys;
                    for (i, key) in [a, b, c, month].into_iter().enumerate() {
                        let row = r.redeemed[i].entry(key).or_default();
                        row.1 += 1;
                        row.2 -= points;
                        row.3 -= yuan;
                    }
                }
                "VoucherIssued" | "VoucherHandedOver" => {
                    r.voucher_bank.insert(s(&d["redemption_id"]), s(&d["bank"]));
                    r.banks.entry(s(&d["bank"])).or_default().0 += 1;
                }
                "VoucherUsed" => {
                    let row = r.banks.entry(s(&d["bank"])).or_default();
                    if d["product"] == "loan" {
                        row.2 += 1;
                        row.5 += dec(&d["amount_yuan"]);
                    } else {
                        row.1 += 1;
                        row.4 += dec(&d["amount_yuan"]);
                    }
                    row.6 += dec(&d["bonus_yuan"]);
                }
                "VoucherCancelled" => {
                    let bank = r.voucher_bank[&s(&d["redemption_id"])].clone();
                    r.banks.entry(bank).or_default().3 += 1;
                }
                _ => {}
            }
        }
        r
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_money_report_figure_matches_a_recount_of_the_event_feed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = demo_city(tmp.path());
    let admin = server.client(ADMIN);
    // One voucher cancelled unused, its points given back today: its hand-over stays in
    // the month it was made, the refund counts in this month's row.
    let refunded = refund_one_voucher(&admin).await;
    let events = feed(&admin).await;
    let teams: BTreeMap<String, String> = admin.get("/v1/teams").await.ok()["items"]
        .as_array()
        .expect("teams")
        .iter()
        // A team is named with its district: two districts may each have one of a name.
        .map(|t| {
            (
                s(&t["id"]),
                format!("{}（{}）", s(&t["name"]), s(&t["district"])),
            )
        })
        .collect();
    let stations_out = admin.get("/v1/stations").await.ok();
    let stations: BTreeMap<String, String> = stations_out["items"]
        .as_array()
        .expect("stations")
        .iter()
        .map(|t| (s(&t["id"]), s(&t["name"])))
        .collect();
    let r = Recount::of(&events, &teams, &stations);
    assert!(
        !r.suppliers.is_empty() && !r.banks.is_empty(),
        "the demo city has money figures"
    );

    // Suppliers.
    let got = admin.get("/v1/reports/suppliers").await.ok();
    let got: BTreeMap<(String, String, Decimal), u64> = got["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| {
            assert_eq!(
                dec(&x["total_yuan"]),
                dec(&x["unit_cost_yuan"]) * Decimal::from(x["quantity"].as_u64().expect("q"))
            );
            (
                (
                    s(&x["supplier"]),
                    s(&x["reward"]),
                    dec(&x["unit_cost_yuan"]),
                ),
                x["quantity"].as_u64().expect("q"),
            )
        })
        .collect();
    assert_eq!(got, r.suppliers);

    // Banks.
    let got = admin.get("/v1/reports/banks").await.ok();
    for x in got["items"].as_array().expect("items") {
        let want = r.banks.get(&s(&x["bank"])).cloned().unwrap_or_default();
        assert_eq!(
            (
                x["issued"].as_u64().expect("n"),
                x["used_deposit"].as_u64().expect("n"),
                x["used_loan"].as_u64().expect("n"),
                x["cancelled"].as_u64().expect("n"),
                dec(&x["deposit_yuan"]),
                dec(&x["loan_yuan"]),
                dec(&x["bonus_yuan"]),
            ),
            want,
            "{x}"
        );
    }
    assert_eq!(got["items"].as_array().map(Vec::len), Some(r.banks.len()));

    // Value redeemed, four ways.
    for (i, by) in ["district", "station", "team", "month"]
        .into_iter()
        .enumerate()
    {
        let got = admin
            .get(&format!("/v1/reports/redeemed?by={by}"))
            .await
            .ok();
        let got: BTreeMap<String, (u64, u64, Decimal, Decimal)> = got["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|x| {
                (
                    s(&x["key"]),
                    (
                        x["redemptions"].as_u64().expect("n"),
                        x["refunded"].as_u64().expect("n"),
                        dec(&x["points"]),
                        dec(&x["value_yuan"]),
                    ),
                )
            })
            .collect();
        let want: BTreeMap<String, (u64, u64, Decimal, Decimal)> = r.redeemed[i]
            .iter()
            .map(|(k, v)| (k.clone(), (v.0, v.1, v.2.normalize(), v.3.normalize())))
            .collect();
        assert_eq!(got, want, "by {by}");
        assert_eq!(
            got.values().map(|v| v.1).sum::<u64>(),
            1,
            "by {by}: the one refund ({refunded})"
        );
    }

    // A period is two days, the first not after the last, each written as the other
    // reports take them.
    for (query, code) in [
        ("from=2026-12-31&to=2026-01-01", "bad_window"),
        ("from=26-3-4", "bad_date"),
        ("from=%2B99999-01-01", "bad_date"),
    ] {
        let reply = admin.get(&format!("/v1/reports/suppliers?{query}")).await;
        assert_eq!(reply.problem(400)["code"], code, "{query}");
    }

    // Coverage: the city's outstanding points are every volunteer's available points and
    // every hold's;
    // its stock is every station's shelf at the reward's price.
    let volunteers = admin.get("/v1/volunteers?limit=1000").await.ok();
    let held = admin
        .get("/v1/redemptions?status=held&limit=1000")
        .await
        .ok();
    let outstanding: Decimal = volunteers["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| dec(&v["available"]))
        .sum::<Decimal>()
        + held["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| dec(&r["points"]))
            .sum::<Decimal>();
    let rewards = admin.get("/v1/rewards").await.ok();
    let price: BTreeMap<String, (Decimal, bool)> = rewards["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| {
            (
                s(&x["id"]),
                (dec(&x["cost_points"]), x["kind"] == "product"),
            )
        })
        .collect();
    let stock: Decimal = stations_out["items"]
        .as_array()
        .expect("stations")
        .iter()
        .flat_map(|st| st["shelf"].as_array().expect("shelf").clone())
        .filter(|x| price[&s(&x["reward_id"])].1)
        .map(|x| {
            price[&s(&x["reward_id"])].0
                * Decimal::from(x["free"].as_u64().expect("f") + x["held"].as_u64().expect("h"))
        })
        .sum();
    let coverage = admin.get("/v1/reports/coverage").await.ok();
    let city = &coverage["items"][0];
    assert_eq!(city["scope"], "city");
    assert_eq!(dec(&city["outstanding_points"]), outstanding.normalize());
    assert_eq!(dec(&city["stock_points"]), stock.normalize());
    assert_eq!(
        dec(&city["backing_points"]),
        (dec(&city["stock_points"]) + dec(&city["voucher_points"])).normalize()
    );
}

/// Cancels the first voucher handed over and not used, its points returned; its redemption.
async fn refund_one_voucher(admin: &Client) -> String {
    let handed = admin
        .get("/v1/redemptions?status=fulfilled&limit=1000")
        .await
        .ok();
    for r in handed["items"].as_array().expect("items") {
        let id = s(&r["id"]);
        let tried = admin
            .post(
                &format!("/v1/vouchers/{id}/cancel"),
                serde_json::json!({"reason": "券遗失，积分退回重新兑换", "return_points": true}),
            )
            .await;
        if tried.status.is_success() {
            return id;
        }
    }
    panic!("the demo city has a voucher handed over and not used");
}
