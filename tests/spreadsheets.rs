//! Every spreadsheet Yinling writes is safe to open in Excel: names typed as `=1+2` or
//! `=HYPERLINK(...)` arrive as text, never as formulas, and `3-5` as text, never a date. Checked on every CSV the project
//! writes (the five `yinling export --format csv` kinds and the web app's evaluation
//! download), read back as a spreadsheet reads them; the evaluation's workbook download and
//! the `--format xlsx` exports hold the same cells, figures as numbers, text with no mark in
//! front, and no formula. Tab- and CR-led cells cannot be typed
//! into the ledger (control characters are refused), so the writer's own unit test covers
//! those (`yinling_app::csv`).

mod common;

use std::process::Command;

use common::*;
use serde_json::json;

/// Names a coordinator could type that a spreadsheet would run as formulas, or turn into a
/// date (`3-5`, a volunteer known by a building and door, becomes 5 March).
const FORMULAS: [&str; 5] = [
    "=1+2",
    "=HYPERLINK(\"http://evil.example/x\",\"点我\")",
    "@SUM(A1:A9)",
    "+86-571-1234",
    "3-5",
];

/// The cells of a CSV file, after its UTF-8 byte-order mark.
fn cells(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .flat_map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether Excel would read the cell as the start of a formula.
fn formula_like(cell: &str) -> bool {
    let plain_number = cell.strip_prefix('-').is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
    });
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number
}

fn check(what: &str, bytes: &[u8], must_contain: &[&str]) {
    let cells = cells(bytes);
    for cell in &cells {
        assert!(
            !formula_like(cell),
            "{what}: the cell {cell:?} would run as a formula"
        );
        if let Some(change) = common::excel::changes(cell) {
            panic!("{what}: Excel changes the cell {cell:?}: {change}");
        }
    }
    for name in must_contain {
        let guarded = format!("'{name}");
        assert!(
            cells.iter().any(|c| c.starts_with(&guarded)),
            "{what}: {name:?} is not there as text ({guarded:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_csv_the_project_writes_neutralises_formulas() {
    let mut server = Server::start();
    let admin = server.client(ADMIN);
    admin
        .post(
            "/v1/districts",
            json!({"name": "南浔区", "kind": "district", "region": "湖州市"}),
        )
        .await
        .ok();
    let team = admin
        .post(
            "/v1/teams",
            json!({"name": FORMULAS[0], "district": "南浔区", "category": "mediation"}),
        )
        .await
        .id();
    let coordinator =
        server.client(&token(&admin, json!({"role": "coordinator", "team_id": team})).await);
    let mut volunteers = Vec::new();
    for name in &FORMULAS[1..] {
        volunteers.push(
            coordinator
                .post("/v1/volunteers", json!({"name": name, "team_id": team}))
                .await
                .id(),
        );
    }
    let participants: Vec<_> = volunteers
        .iter()
        .map(|v| json!({"volunteer_id": v, "hours": "3"}))
        .collect();
    coordinator
        .post(
            "/v1/activities",
            json!({"team_id": team, "category": "mediation", "date": days_ago(2), "title": FORMULAS[2], "participants": participants}),
        )
        .await
        .ok();
    let reward = admin
        .post("/v1/rewards", json!({"name": FORMULAS[3], "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": 10}))
        .await
        .id();
    admin
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": volunteers[0], "reward_id": reward, "quantity": 1}),
        )
        .await
        .ok();

    // The web app's download, as an administrator's browser fetches it.
    let web = common::web::Browser::new(&server, ADMIN)
        .get(&format!("/evaluation.csv?from={}", days_ago(30)))
        .await;
    assert!(web.status().is_success(), "{}", web.status());
    check(
        "/evaluation.csv",
        &web.bytes().await.expect("body"),
        &[FORMULAS[0]],
    );

    // The workbook the page's button downloads: the same cells, the names as typed (text,
    // with no mark in front), no formula anywhere.
    let browser = common::web::Browser::new(&server, ADMIN);
    let query = format!("/evaluation.{{}}?from={}", days_ago(30));
    let xlsx = browser.get(&query.replace("{}", "xlsx")).await;
    assert!(xlsx.status().is_success(), "{}", xlsx.status());
    let xlsx = xlsx.bytes().await.expect("body");
    let csv = browser
        .get(&query.replace("{}", "csv"))
        .await
        .bytes()
        .await
        .expect("body");
    common::excel::workbook_matches_csv("/evaluation.xlsx", &xlsx, &csv);

    // The volunteer's own statement with its proofs, as their browser downloads it.
    let mine = token(
        &admin,
        json!({"role": "volunteer", "volunteer_id": volunteers[0]}),
    )
    .await;
    let web = common::web::Browser::new(&server, &mine)
        .get("/me/statement.csv")
        .await;
    assert!(web.status().is_success(), "{}", web.status());
    check(
        "/me/statement.csv",
        &web.bytes().await.expect("body"),
        &[FORMULAS[2], FORMULAS[3]],
    );

    // Every export of the command line, on the same data.
    server.terminate();
    let out = tempfile::tempdir().expect("tempdir");
    let exports: [(&str, &[&str], Vec<&str>); 5] = [
        ("balances", &[], FORMULAS.to_vec()),
        ("rankings", &[], vec![FORMULAS[0]]),
        (
            "statement",
            &["--volunteer", volunteers[0].as_str()],
            vec![FORMULAS[2], FORMULAS[3]],
        ),
        ("evaluation", &[], vec![FORMULAS[0]]),
        ("events", &[], vec![]),
    ];
    let export = |what: &str, format: &str, lang: &str, extra: &[&str], file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args([
                "export", "--what", what, "--format", format, "--lang", lang, "--data",
            ])
            .arg(&server.dir)
            .args(extra)
            .arg("--out")
            .arg(file)
            .output()
            .expect("export")
    };
    for (what, extra, names) in exports {
        for lang in ["en", "zh"] {
            let file = out.path().join(format!("{what}-{lang}.csv"));
            let status = export(what, "csv", lang, extra, &file).status;
            assert!(status.success(), "export --what {what} failed");
            let bytes = std::fs::read(&file).expect("the exported file");
            if what == "statement" {
                // Each line with its proof against the checkpoint the service published.
                let mut rows = csv::Reader::from_reader(&bytes[3..]);
                let size = rows
                    .headers()
                    .expect("headers")
                    .iter()
                    .position(|h| h == "checkpoint_size" || h == "检查点条数")
                    .expect("a checkpoint size column");
                let at = rows
                    .headers()
                    .expect("headers")
                    .iter()
                    .position(|h| h == "at" || h.starts_with("时间"))
                    .expect("a time column");
                for row in rows.records() {
                    let row = row.expect("row");
                    assert!(!row[size].is_empty(), "a line without its proof: {row:?}");
                    // The Chinese sheet's time is the ledger's local minute, as Excel reads a
                    // time (`2026-03-01 07:30`); the English one the exact UTC instant.
                    let time = &row[at];
                    if lang == "zh" {
                        assert!(
                            time.len() == 16 && time.as_bytes()[10] == b' ' && !time.contains('Z'),
                            "{time}"
                        );
                    } else {
                        assert!(time.ends_with('Z'), "{time}");
                    }
                }
            }
            check(
                &format!("export --what {what} --lang {lang}"),
                &bytes,
                &names,
            );
            // The same export as an Excel workbook: the CSV's cells, figures as numbers, the
            // names as typed; the events, the log itself, are refused in words.
            let workbook = out.path().join(format!("{what}-{lang}.xlsx"));
            let made = export(what, "xlsx", lang, extra, &workbook);
            if what == "events" {
                let said = String::from_utf8_lossy(&made.stderr);
                assert!(
                    !made.status.success() && said.contains("export them as ndjson"),
                    "{said}"
                );
                assert!(!workbook.exists(), "nothing written");
                continue;
            }
            assert!(
                made.status.success(),
                "export --what {what} --format xlsx failed"
            );
            let xlsx = std::fs::read(&workbook).expect("the workbook");
            common::excel::workbook_matches_csv(
                &format!("export --what {what} --format xlsx --lang {lang}"),
                &xlsx,
                &bytes,
            );
        }
    }
}
