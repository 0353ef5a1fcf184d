//! The web app in a real browser: headless Debian chromium driven by playwright-core
//! (`tests/browser/run.mjs`), with axe-core accessibility checks on every main page.
//! `.ci/run` installs chromium and the npm packages; elsewhere `cargo test` shows the test as
//! ignored, with the reason, when they are missing. Screenshots of the main pages go to `docs/screenshots/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::json;

fn chromium() -> Option<PathBuf> {
    let candidate = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    candidate.exists().then_some(candidate)
}

fn ready(root: &Path) -> Result<PathBuf, String> {
    let chromium =
        chromium().ok_or("chromium is not installed (apt-get install chromium chromium-driver)")?;
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        return Err("the npm packages are not installed (npm ci --prefix tests/browser)".into());
    }
    Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| "node is not installed".to_owned())?;
    Ok(chromium)
}

fn main() {
    use common::trials::{block_on, needing, run};
    run(vec![needing(
        "the_web_app_works_in_a_real_browser_for_every_role_and_passes_axe",
        || ready(&root()).err(),
        || block_on(the_web_app_works_in_a_real_browser_for_every_role_and_passes_axe()),
    )])
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn the_web_app_works_in_a_real_browser_for_every_role_and_passes_axe() {
    let root = root();
    let chromium =
        ready(&root).expect("chromium and the npm packages, checked before the trial ran");
    // A small but real city from the demo generator, so the pages show what people will see.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("city");
    let demo = Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args([
            "demo",
            "--volunteers",
            "400",
            "--teams",
            "12",
            "--days",
            "300",
            "--seed",
            "9",
            "--data",
        ])
        .arg(&dir)
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .output()
        .expect("demo");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let server = start_public(&dir, &[]);
    let admin = server.client(ADMIN);
    // The team of 荻溪六老志愿服务队, its keenest volunteer, the cheapest reward they can afford.
    let teams = admin.get("/v1/teams").await.ok();
    let team = teams["items"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["name"] == "荻溪六老志愿服务队")
        .expect("named team")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The team's volunteer with the most points left to spend.
    let members = admin
        .get(&format!("/v1/volunteers?team_id={team}&limit=1000"))
        .await
        .ok();
    let richest = members["items"]
        .as_array()
        .expect("members")
        .iter()
        .max_by(|a, b| {
            let points = |v: &serde_json::Value| {
                v["available"]
                    .as_str()
                    .and_then(|p| p.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            points(a).total_cmp(&points(b))
        })
        .expect("a volunteer")
        .clone();
    let volunteer = richest["id"].as_str().expect("id").to_owned();
    let rewards = admin.get("/v1/rewards").await.ok();
    let cheapest = rewards["items"]
        .as_array()
        .expect("rewards")
        .iter()
        .filter(|r| r["stock"].as_u64() > Some(0))
        .filter_map(|r| r["cost_points"].as_str()?.parse::<f64>().ok())
        .fold(f64::INFINITY, f64::min);
    // The 湖州银行 voucher.
    let voucher = rewards["items"]
        .as_array()
        .expect("rewards")
        .iter()
        .find(|r| r["bank"] == "湖州银行")
        .expect("a 湖州银行 voucher")
        .clone();
    let voucher_cost: f64 = voucher["cost_points"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("cost");
    // However the seed fell, the volunteer gets one more day of service until two rewards
    // are within reach, so the browser walks two real redemptions.
    let coordinator = token(&admin, json!({"role": "coordinator", "team_id": team})).await;
    let coordinating = server.client(&coordinator);
    let mut available = 0.0;
    for day in 1..=30 {
        available = admin.get(&format!("/v1/volunteers/{volunteer}")).await.ok()["balance"]
            ["available"]
            .as_str()
            .expect("available")
            .parse()
            .expect("number");
        // Enough for two rewards (one redeemed on the phone, one at the counter) and a rate
        // voucher the bank takes.
        if available >= 2.0 * cheapest + voucher_cost {
            break;
        }
        coordinating
            .post(
                "/v1/activities",
                json!({"team_id": team, "category": "lecture", "date": days_ago(day), "title": "补记宣讲",
                       "participants": [{"volunteer_id": volunteer, "hours": "4"}]}),
            )
            .await
            .ok();
    }
    let reward = rewards["items"]
        .as_array()
        .expect("rewards")
        .iter()
        .filter(|r| r["stock"].as_u64() > Some(0))
        .filter(|r| {
            r["cost_points"]
                .as_str()
                .and_then(|c| c.parse::<f64>().ok())
                .is_some_and(|c| c <= available)
        })
        .min_by_key(|r| {
            r["cost_points"]
                .as_str()
                .and_then(|c| c.parse::<f64>().ok())
                .map(|c| c as u64)
        })
        .expect("an affordable reward")
        .clone();
    // A 湖州银行 voucher handed over to the volunteer, for the bank officer to take.
    let voucher_hold = admin
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": volunteer, "reward_id": voucher["id"], "quantity": 1}),
        )
        .await
        .id();
    let voucher_code = admin
        .post_empty(&format!("/v1/redemptions/{voucher_hold}/fulfil"))
        .await
        .ok()["voucher_code"]
        .as_str()
        .expect("voucher code")
        .to_owned();
    let card = admin
        .post(
            "/v1/tokens",
            json!({"role": "volunteer", "volunteer_id": volunteer, "label": "积分卡"}),
        )
        .await
        .ok();
    let card_path = format!("/card/{}", card["token"].as_str().expect("token"));
    let auditor = token(&admin, json!({"role": "auditor"})).await;
    let groups = admin.get("/v1/groups").await.ok();
    let alliance = groups["items"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "银雁协共体")
        .expect("the demo's group")["id"]
        .clone();
    let group_coordinator = token(
        &admin,
        json!({"role": "group_coordinator", "group_id": alliance, "label": "银雁协共体秘书处"}),
    )
    .await;
    let clerk = token(
        &admin,
        json!({"role": "station_clerk", "label": "南浔 e站 柜台"}),
    )
    .await;
    let district = token(
        &admin,
        json!({"role": "district_coordinator", "district": "南浔区", "label": "南浔区老干部局"}),
    )
    .await;
    let bank = token(
        &admin,
        json!({"role": "bank_officer", "bank": "湖州银行", "label": "湖州银行南浔支行"}),
    )
    .await;
    let (full_sheet, busy_sheet) =
        statements_at_their_caps(&admin, &coordinating, &team, &members, &volunteer).await;
    let screenshots = root.join("docs/screenshots");
    let base = server.base.clone();
    let cost = reward["cost_points"].as_str().expect("cost").to_owned();
    let reward = reward["id"].as_str().expect("id").to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root.join("tests/browser/run.mjs"))
            .env("BASE", base)
            .env("CARD_PATH", card_path)
            .env("REWARD_ID", reward)
            .env("REWARD_COST", cost)
            .env("COORDINATOR_TOKEN", coordinator)
            .env("ADMIN_TOKEN", ADMIN)
            .env("AUDITOR_TOKEN", auditor)
            .env("GROUP_TOKEN", group_coordinator)
            .env("CLERK_TOKEN", clerk)
            .env("DISTRICT_TOKEN", district)
            .env("BANK_TOKEN", bank)
            .env("VOUCHER_CODE", voucher_code)
            .env("FULL_SHEET", full_sheet)
            .env("BUSY_SHEET", busy_sheet)
            .env("CHROMIUM", chromium)
            .env("SCREENSHOTS", screenshots)
            .output()
            .expect("run node")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "browser tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Text of `chars` characters, as long as a field allows.
fn long_text(chars: usize) -> String {
    "荻港村的老人们一起来到文化礼堂听宣讲，会后还帮忙打扫了村道和河埠头。"
        .chars()
        .cycle()
        .take(chars)
        .collect()
}

/// Two of the team's volunteers (not `richest`, whom the browser walks through the app) are
/// given months at the printed statement's caps: one with every part at its cap (more lines
/// than a page lists, each titled as long as a title may be; five disputes in the longest
/// words allowed, two of them answered at the longest, each answer a notice of the month),
/// one with a month of lines alone; so the check that every volunteer prints on one page is
/// a check of the worst cases, not of the demo's month. Returns their names.
async fn statements_at_their_caps(
    admin: &Client,
    coordinating: &Client,
    team: &str,
    members: &serde_json::Value,
    richest: &str,
) -> (String, String) {
    let others: Vec<_> = members["items"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|v| v["id"] != richest)
        .take(2)
        .collect();
    let [full, busy] = others[..] else {
        panic!("the team has two volunteers besides the richest");
    };
    for (who, lines) in [(full, 12), (busy, 24)] {
        for n in 0..lines {
            coordinating
                .post(
                    "/v1/activities",
                    json!({"team_id": team, "category": "lecture", "date": days_ago(0),
                           "title": format!("{n:02}{}", long_text(198)),
                           "participants": [{"volunteer_id": who["id"], "hours": "0.25"}]}),
                )
                .await
                .ok();
        }
    }
    let id = full["id"].as_str().expect("id");
    for n in 0..5 {
        let dispute = admin
            .post(
                "/v1/disputes",
                json!({"volunteer_id": id, "kind": "missing", "reason": long_text(500)}),
            )
            .await
            .id();
        if n < 2 {
            admin
                .post(
                    &format!("/v1/disputes/{dispute}/resolve"),
                    json!({"outcome": "rejected", "reason": long_text(500)}),
                )
                .await
                .ok();
        }
    }
    // The answers' notices are in the outbox before the page is printed.
    for _ in 0..100 {
        let told = admin
            .get(&format!("/v1/volunteers/{id}/notices"))
            .await
            .ok();
        let answered = told["items"].as_array().map_or(0, |n| {
            n.iter().filter(|n| n["kind"] == "dispute_resolved").count()
        });
        if answered >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let name = |v: &serde_json::Value| v["name"].as_str().expect("name").to_owned();
    (name(full), name(busy))
}
