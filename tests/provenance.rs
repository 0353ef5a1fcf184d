//! Every credit says how it came, in plain words, the same on the API's statement, the
//! volunteer's pages and the statement spreadsheet in both languages: logged within the
//! week, back-filled (and, past the limit, approved by whom), imported, corrected, re-rated,
//! reversed.

mod common;

use std::process::Command;

use common::*;
use serde_json::{json, Value};

fn lecture(team: &str, v: &str, hours: &str, date: &str, title: &str) -> Value {
    json!({"team_id": team, "category": "lecture", "date": date, "title": title,
           "participants": [{"volunteer_id": v, "hours": hours}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_statement_line_says_how_its_hours_and_points_came() {
    let mut server = Server::start();
    let city = City::build(&server, 1).await;
    let (a, c) = (&city.admin, &city.coordinator);
    let v = city.volunteers[0].clone();
    let team = city.team.clone();

    // Ten days late, with no back-fill limit: credited at once, said to be back-filled.
    let late = c
        .post(
            "/v1/activities",
            lecture(&team, &v, "1", &days_ago(10), "补登宣讲"),
        )
        .await
        .id();
    // Past a 30-day limit: approved by a named administrator.
    let chief =
        server.client(&token(a, json!({"role": "admin", "label": "市老干部局王科长"})).await);
    a.put(
        "/v1/policies/backfill-limit",
        json!({"days": 30, "note": "超过30天须审批"}),
    )
    .await
    .ok();
    let waiting = c
        .post(
            "/v1/activities",
            lecture(&team, &v, "2", &days_ago(40), "四十天前的宣讲"),
        )
        .await;
    assert_eq!(waiting.status.as_u16(), 202, "{}", waiting.body);
    let approved = s(&waiting.body["activity_id"]);
    chief
        .post(
            &format!("/v1/backfills/{approved}/approve"),
            json!({"note": "签到表已核"}),
        )
        .await
        .ok();
    // One person's hours corrected, one activity reversed, a period re-rated.
    c.post(
        &format!(
            "/v1/activities/{}/participants/{v}/correction",
            city.activity
        ),
        json!({"hours": "7.5", "reason": "少记半小时"}),
    )
    .await
    .ok();
    c.post(
        &format!("/v1/activities/{late}/reversal"),
        json!({"reason": "重复登记"}),
    )
    .await
    .ok();
    a.post(
        "/v1/rules/versions",
        json!({"effective_from": days_ago(60), "rates": {"lecture": "15"}, "note": "宣讲提标"}),
    )
    .await
    .ok();
    a.post(
        "/v1/rerating",
        json!({"from": days_ago(60), "to": today(), "reason": "按新规补算"}),
    )
    .await
    .ok();

    let statement = a.get(&format!("/v1/volunteers/{v}/statement")).await.ok();
    let lines: Vec<(String, String, String)> = statement["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (s(&e["kind"]), s(&e["how"]["code"]), s(&e["how"]["zh"])))
        .collect();
    let expected = [
        ("service", "timely", "当周登记".to_owned()),
        ("service", "late", "补登：服务后 10 天登记".to_owned()),
        (
            "service",
            "approved",
            "补登：服务后 40 天登记，经管理员（市老干部局王科长）审批".to_owned(),
        ),
        ("correction", "corrected", "时长更正：少记半小时".to_owned()),
        ("reversal", "reversed", "整次活动冲正：重复登记".to_owned()),
        (
            "rerating",
            "rerated",
            "按服务当日的规则重算：按新规补算".to_owned(),
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .into_iter()
        .map(|(k, c, w)| (k.to_owned(), c.to_owned(), w))
        .collect();
    assert_eq!(lines, expected, "{statement}");
    let approved_line = &statement["entries"][2]["how"];
    assert_eq!(approved_line["days_late"], 40);
    assert_eq!(approved_line["approved_by"], "管理员（市老干部局王科长）");
    assert_eq!(
        statement["entries"][0]["how"]["en"],
        "logged within the week"
    );

    // The volunteer's own pages say the same.
    let hexed: String = city.volunteer_clients[0]
        .token
        .clone()
        .expect("token")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let page = |path: &str| {
        let url = format!("{}{path}", server.base);
        let cookie = format!("yl_session={hexed}");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("text")
        }
    };
    let history = page("/me/statement").await;
    for (_, _, words) in &expected {
        assert!(history.contains(words.as_str()), "{words} missing");
    }
    let home = page("/me").await;
    assert!(
        home.contains("最近一笔服务积分") && home.contains("按新规补算"),
        "{home}"
    );

    // And the statement spreadsheet, in each language.
    server.terminate();
    let out = tempfile::tempdir().expect("tempdir");
    for (lang, header, words) in [
        ("zh", "来由", "经管理员（市老干部局王科长）审批"),
        (
            "en",
            "how",
            "approved by an administrator (市老干部局王科长)",
        ),
    ] {
        let file = out.path().join(format!("statement-{lang}.csv"));
        let status = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["export", "--what", "statement", "--format", "csv"])
            .args(["--lang", lang, "--volunteer", &v, "--data"])
            .arg(&server.dir)
            .arg("--out")
            .arg(&file)
            .status()
            .expect("export");
        assert!(status.success());
        let text = std::fs::read_to_string(&file).expect("csv");
        let first = text.lines().next().expect("header");
        assert!(first.contains(header), "{first}");
        assert!(text.contains(words), "{text}");
    }
}

#[test]
fn the_demo_citys_history_says_it_was_imported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(args)
            .arg("--data")
            .arg(&data)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "demo",
        "--volunteers",
        "60",
        "--teams",
        "5",
        "--days",
        "120",
    ]);
    let replay: Value = serde_json::from_str(&run(&["replay", "--json"])).expect("json");
    let v = s(&replay["volunteers"]["items"][0]["id"]);
    let csv = run(&[
        "export",
        "--what",
        "statement",
        "--format",
        "csv",
        "--lang",
        "zh",
        "--volunteer",
        &v,
        "--out",
        "-",
    ]);
    assert!(csv.contains("从原有记录导入"), "{csv}");
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("a string: {v}"))
        .to_owned()
}
