//! Onboarding from spreadsheets with `yinling onboard`: the template imports as it is; a
//! workbook with the mistakes real sheets have (a formula, merged cells, dates as text and
//! as Excel serial numbers, full-width digits, stray spaces, a team that does not exist, a
//! missing column) is refused row by row and column by column with nothing written, and an
//! error workbook to fix; a clean file imports once (again: nothing new; corrected: only the
//! new rows); a GB18030 CSV and Excel's UTF-16 "Unicode text" read, a year typed as 1949.00 too; every imported record remembers its row; a balance
//! carried over can be spent and is not service.

mod common;

use std::path::Path;

use common::*;
use rust_xlsxwriter::{Format, Formula, Workbook};
use serde_json::json;

fn onboard(args: &[&str]) -> (bool, String) {
    yinling(&[&["onboard"], args].concat())
}

/// A sheet of a workbook: its name, header and rows of text.
type SheetText<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

/// A roster workbook: each sheet its header and rows of text.
fn workbook(path: &Path, sheets: &[SheetText<'_>]) {
    let mut book = Workbook::new();
    for (name, header, rows) in sheets {
        let s = book.add_worksheet();
        s.set_name(*name).expect("name");
        for (j, h) in header.iter().enumerate() {
            s.write_string(0, j as u16, *h).expect("header");
        }
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                s.write_string(i as u32 + 1, j as u16, *v).expect("cell");
            }
        }
    }
    book.save(path).expect("save");
}

const DISTRICTS: &[&str] = &["名称", "类型", "所属地区"];
const TEAMS: &[&str] = &["队伍名称", "所在区县", "主要服务类别"];
const VOLUNTEERS: &[&str] = &[
    "姓名",
    "所在队伍",
    "所在区县",
    "出生年份",
    "手机号",
    "加入日期",
    "编号",
];
const BALANCES: &[&str] = &[
    "姓名",
    "所在队伍",
    "出生年份",
    "服务时长",
    "积分",
    "星级",
    "截至日期",
    "来源系统",
];

/// The template is what Excel opens: its example rows read as the columns mean them. The
/// made-up volunteer of the example (沈阿婆, her carried-over points) is refused by name,
/// so a roster typed below the example does not import her as a real person with points to
/// redeem; the example's district and team are real, and import.
#[test]
fn the_template_reads_and_its_made_up_volunteer_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let template = tmp.path().join("模板.xlsx");
    let (ok, out) = onboard(&["--template", p(&template)]);
    assert!(ok, "{out}");
    // A file of that name is not written over (a filled-in roster is easily named alike)
    // unless asked; an export from a directory holding no ledger makes none there.
    let (ok, out) = onboard(&["--template", p(&template)]);
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = onboard(&["--template", p(&template), "--replace"]);
    assert!(ok, "{out}");
    let mistyped = tmp.path().join("dta");
    let (ok, out) = onboard(&[
        "--data",
        p(&mistyped),
        "--export",
        p(&tmp.path().join("名册.xlsx")),
    ]);
    assert!(!ok && out.contains("does not exist"), "{out}");
    assert!(!mistyped.exists());
    let data = tmp.path().join("data");
    let (ok, out) = onboard(&["--data", p(&data), p(&template)]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("示例行") || out.contains("example row"),
        "{out}"
    );
    assert!(!out.contains("imported"), "{out}");
    let (ok, out) = onboard(&["--data", p(&data), "--skip-bad-rows", p(&template)]);
    assert!(ok, "{out}");
    assert!(out.contains("imported 2 records"), "{out}");
}

/// A city outside China's zone onboards before its first start: the new ledger keeps the
/// zone and hold time `onboard` was given (the service then starts in that zone, and its
/// policies say so); a later onboard in another zone is refused, naming both, with nothing
/// written; bad values are named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ledger_keeps_the_zone_and_hold_time_onboard_was_given() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let template = tmp.path().join("模板.xlsx");
    let (ok, out) = onboard(&["--template", p(&template)]);
    assert!(ok, "{out}");
    let data = tmp.path().join("data");
    for (bad, named) in [
        (["--utc-offset", "+25:00"], "\"+25:00\" is not a UTC offset"),
        (["--hold-days", "0"], "--hold-days 0 must be between 1"),
    ] {
        let (ok, out) = onboard(&[&["--data", p(&data)], &bad[..], &[p(&template)]].concat());
        assert!(!ok && out.contains(named), "{out}");
    }
    // A refused roster leaves a new directory as it was: nothing recorded, the zone included.
    let bad = tmp.path().join("名册.xlsx");
    workbook(
        &bad,
        &[("队伍", TEAMS, &[&["荻溪六老调解队", "没有这个区", "调解"]])],
    );
    let (ok, out) = onboard(&["--data", p(&data), "--utc-offset", "+08:00", p(&bad)]);
    assert!(!ok && out.contains("nothing was written"), "{out}");
    let (ok, out) = onboard(&[
        "--data",
        p(&data),
        "--utc-offset",
        "-05:00",
        "--hold-days",
        "7",
        "--skip-bad-rows",
        p(&template),
    ]);
    assert!(ok && out.contains("imported 2 records"), "{out}");
    let (ok, out) = onboard(&[
        "--data",
        p(&data),
        "--utc-offset",
        "+08:00",
        "--skip-bad-rows",
        p(&template),
    ]);
    assert!(
        !ok && out.contains("keeps its calendar in UTC-05:00, not UTC+08:00"),
        "{out}"
    );
    let (ok, out) = onboard(&[
        "--data",
        p(&data),
        "--utc-offset",
        "-05:00",
        "--skip-bad-rows",
        p(&template),
    ]);
    assert!(ok && out.contains("already there"), "{out}");

    // The service started in the ledger's zone reads both policies as onboard recorded them.
    let server = Server::start_in(&data, &["--utc-offset", "-05:00"]);
    let policies = server.client(ADMIN).get("/v1/policies").await.ok();
    assert_eq!(
        policies["time_zone"]["value"],
        json!("UTC-05:00"),
        "{policies}"
    );
    assert_eq!(policies["hold_days"]["value"], json!("7"), "{policies}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_is_checked_row_by_row_then_imported_once_with_its_rows_remembered() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");

    // The mistakes real sheets have.
    let messy = tmp.path().join("南浔区名册.xlsx");
    {
        let mut book = Workbook::new();
        let d = book.add_worksheet();
        d.set_name("区县").expect("name");
        for (j, h) in DISTRICTS.iter().enumerate() {
            d.write_string(0, j as u16, *h).expect("h");
        }
        for (j, v) in ["  南浔区 ", "区", "湖州市"].iter().enumerate() {
            d.write_string(1, j as u16, *v).expect("v");
        }
        let t = book.add_worksheet();
        t.set_name("队伍").expect("name");
        for (j, h) in TEAMS.iter().enumerate() {
            t.write_string(0, j as u16, *h).expect("h");
        }
        for (j, v) in ["荻溪六老调解队", "南浔区", "矛盾调解"].iter().enumerate() {
            t.write_string(1, j as u16, *v).expect("v");
        }
        let v = book.add_worksheet();
        v.set_name("志愿者").expect("name");
        for (j, h) in VOLUNTEERS.iter().enumerate() {
            v.write_string(0, j as u16, *h).expect("h");
        }
        // Row 2: fine, with full-width digits, stray spaces and a date as text.
        for (j, val) in [
            "沈 阿婆",
            "荻溪六老调解队",
            "南浔区",
            "１９４８",
            "138 0000 3721",
            "2019年3月5日",
        ]
        .iter()
        .enumerate()
        {
            v.write_string(1, j as u16, *val).expect("v");
        }
        // Row 3: fine, its date an Excel serial number.
        for (j, val) in ["王建国", "荻溪六老调解队", "南浔区"].iter().enumerate() {
            v.write_string(2, j as u16, *val).expect("v");
        }
        v.write_number(2, 3, 1951.0).expect("y");
        v.write_number(2, 5, 43_000.0).expect("serial");
        // Row 4: a team that does not exist (its joining day an Excel serial number).
        for (j, val) in ["李秀英", "不存在的队", "南浔区", "1950"]
            .iter()
            .enumerate()
        {
            v.write_string(3, j as u16, *val).expect("v");
        }
        v.write_number(3, 5, 43_000.0).expect("serial");
        // Row 5: a formula instead of a year.
        v.write_string(4, 0, "赵德明").expect("v");
        v.write_string(4, 1, "荻溪六老调解队").expect("v");
        v.write_formula(4, 3, Formula::new("=1940+5")).expect("f");
        // Rows 6-7: merged cells in the team column.
        v.merge_range(5, 1, 6, 1, "荻溪六老调解队", &Format::new())
            .expect("merge");
        v.write_string(5, 0, "钱桂英").expect("v");
        v.write_string(5, 3, "1946").expect("v");
        v.write_string(6, 0, "孙玉兰").expect("v");
        v.write_string(6, 3, "1947").expect("v");
        // Row 8: a date that is not one.
        for (j, val) in ["周福根", "荻溪六老调解队", "南浔区", "1944", "", "去年春天"]
            .iter()
            .enumerate()
        {
            v.write_string(7, j as u16, *val).expect("v");
        }
        let b = book.add_worksheet();
        b.set_name("原有积分").expect("name");
        // A missing column (来源系统).
        for (j, h) in BALANCES.iter().take(7).enumerate() {
            b.write_string(0, j as u16, *h).expect("h");
        }
        book.save(&messy).expect("save");
    }
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&messy)]);
    assert!(!ok, "{out}");
    for expected in [
        "志愿者 row 4 [所在队伍]",
        "不存在的队",
        "志愿者 row 5 [出生年份]",
        "公式",
        "志愿者 row 7 [所在队伍]",
        "合并单元格",
        "志愿者 row 8 [加入日期]",
        "原有积分 row 1 [来源系统]",
        "dry run: nothing was written",
    ] {
        assert!(out.contains(expected), "{expected:?} not in {out}");
    }
    assert!(
        !out.contains("志愿者 row 2") && !out.contains("志愿者 row 3"),
        "{out}"
    );
    let errors = tmp.path().join("南浔区名册-问题.xlsx");
    assert!(errors.exists());
    // The error workbook keeps each cell as it came: a number stays a number (a date typed
    // as Excel's serial number imports again once its row is fixed), text stays text.
    {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let mut book: Xlsx<_> = open_workbook(&errors).expect("the error workbook");
        let sheet = book.worksheet_range("志愿者").expect("its volunteers");
        let row = sheet
            .rows()
            .find(|r| r.first() == Some(&Data::String("李秀英".into())))
            .expect("the refused row");
        assert_eq!(row[3], Data::String("1950".into()), "{row:?}");
        assert_eq!(row[5], Data::Float(43_000.0), "{row:?}");
        let year = sheet
            .rows()
            .find(|r| r.first() == Some(&Data::String("周福根".into())))
            .expect("the row with a bad date");
        assert_eq!(year[5], Data::String("去年春天".into()), "{year:?}");
    }
    // A dry run against a ledger not made yet leaves no directory (nor key) behind.
    let not_yet = tmp.path().join("not-yet");
    let (_, out) = onboard(&["--data", p(&not_yet), "--dry-run", p(&messy)]);
    assert!(out.contains("dry run: nothing was written"), "{out}");
    assert!(!not_yet.exists(), "{out}");
    // A file named with --errors is replaced only when told to, and never the roster.
    let (ok, out) = onboard(&[
        "--data",
        p(&data),
        "--dry-run",
        "--errors",
        p(&messy),
        p(&messy),
    ]);
    assert!(!ok && out.contains("is the roster being read"), "{out}");
    let kept = tmp.path().join("kept.xlsx");
    std::fs::write(&kept, b"a coordinator's own notes").expect("write");
    let (ok, out) = onboard(&[
        "--data",
        p(&data),
        "--dry-run",
        "--errors",
        p(&kept),
        p(&messy),
    ]);
    assert!(!ok && out.contains("--replace"), "{out}");
    assert_eq!(
        std::fs::read(&kept).expect("kept"),
        b"a coordinator's own notes"
    );
    // Without --dry-run, still nothing is written while rows are refused.
    let (ok, out) = onboard(&["--data", p(&data), p(&messy)]);
    assert!(!ok && out.contains("nothing was written"), "{out}");
    // The good rows, with --skip-bad-rows: the district, the team, and three volunteers
    // (rows 2, 3 and 6, the first row of the merged cells).
    let (ok, out) = onboard(&["--data", p(&data), "--skip-bad-rows", p(&messy)]);
    assert!(ok, "{out}");
    assert!(out.contains("imported 5 records"), "{out}");

    // A clean file with balances: imported once; again, nothing new; corrected, only the new.
    let clean = tmp.path().join("名册.xlsx");
    let sheets_with = |extra: bool| -> Vec<Vec<&'static str>> {
        let mut rows = vec![vec![
            "沈阿婆",
            "荻溪六老调解队",
            "1948",
            "312.5",
            "3125",
            "3",
            "2025-12-31",
            "志愿汇",
        ]];
        if extra {
            rows.push(vec![
                "王建国",
                "荻溪六老调解队",
                "1951",
                "20",
                "200",
                "1",
                "2025-12-31",
                "志愿汇",
            ]);
        }
        rows
    };
    let write = |extra: bool| {
        let rows = sheets_with(extra);
        let refs: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        workbook(&clean, &[("原有积分", BALANCES, &refs)]);
    };
    write(false);
    let (ok, out) = onboard(&["--data", p(&data), p(&clean)]);
    assert!(ok && out.contains("1 new"), "{out}");
    let (ok, out) = onboard(&["--data", p(&data), p(&clean)]);
    assert!(
        ok && out.contains("0 new, 0 edited, 1 already there"),
        "{out}"
    );
    write(true);
    let (ok, out) = onboard(&["--data", p(&data), p(&clean)]);
    assert!(
        ok && out.contains("1 new, 0 edited, 1 already there"),
        "{out}"
    );

    // A GB18030 CSV of volunteers, as Chinese Excel saves it, the year from a column
    // formatted with two decimals (read as 1949, not dropped as "already there").
    let csv_text = "姓名,所在队伍,出生年份\r\n吴桂花,荻溪六老调解队,1949.00\r\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(csv_text);
    let csv_path = tmp.path().join("志愿者.csv");
    std::fs::write(&csv_path, &gb).expect("write");
    let (ok, out) = onboard(&["--data", p(&data), p(&csv_path)]);
    assert!(
        ok && out.contains("1 new, 0 edited, 0 already there"),
        "{out}"
    );
    // Excel's "Unicode text": UTF-16 with its BOM, cells separated by tabs.
    let unicode_text = "姓名\t所在队伍\t出生年份\r\n陆金宝\t荻溪六老调解队\t1950.0\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(unicode_text.encode_utf16().flat_map(u16::to_le_bytes));
    let txt_path = tmp.path().join("志愿者.txt");
    std::fs::write(&txt_path, &utf16).expect("write");
    let (ok, out) = onboard(&["--data", p(&data), p(&txt_path)]);
    assert!(
        ok && out.contains("1 new, 0 edited, 0 already there"),
        "{out}"
    );

    // Served: every imported record remembers its row; the carried-over points can be
    // spent and are not service.
    let server = Server::start_in(&data, &[]);
    let admin = server.client(ADMIN);
    let feed = common::demo::feed(&admin).await;
    let imported: Vec<_> = feed
        .iter()
        .filter(|e| e["type"] == "RecordImported")
        .collect();
    assert_eq!(
        imported.len(),
        5 + 2 + 2,
        "5 from the messy file, 2 balances, 1 from the CSV, 1 from the Unicode text"
    );
    for name in ["吴桂花", "陆金宝"] {
        let found = admin.get(&format!("/v1/volunteers?q={name}")).await.ok();
        assert_eq!(
            found["items"].as_array().map(Vec::len),
            Some(1),
            "{name}: {found}"
        );
    }
    assert!(imported.iter().any(|e| e["data"]["sheet"] == "志愿者"
        && e["data"]["row"] == 2
        && e["data"]["joined_on"] == "2019-03-05"));
    assert!(imported
        .iter()
        .any(|e| e["data"]["row"] == 3 && e["data"]["joined_on"] == "2017-09-22"));
    let shen = admin.get("/v1/volunteers?q=沈阿婆").await.ok();
    assert_eq!(
        shen["items"].as_array().map(Vec::len),
        Some(1),
        "the stray space was dropped: {shen}"
    );
    let id = shen["items"][0]["id"].as_str().expect("id").to_owned();
    let account = admin.get(&format!("/v1/volunteers/{id}")).await.ok();
    assert_eq!(account["balance"]["available"], "3125");
    assert_eq!(
        account["hours"], "0",
        "carried-over hours are not service here"
    );
    let statement = admin
        .get(&format!("/v1/volunteers/{id}/statement"))
        .await
        .ok();
    assert!(
        statement.to_string().contains("carried_over"),
        "{statement}"
    );
    // The line says where the points came from and as of when, from the volunteer's record.
    assert!(statement.to_string().contains("（截至 "), "{statement}");
    let _ = json!(null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_uploaded_over_http_is_checked_first_and_written_only_when_asked() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    let csv = "名称,类型,所属地区\r\n南浔区,区,湖州市\r\n德清县,州,湖州市\r\n"
        .as_bytes()
        .to_vec();
    let before = admin.head_seq().await;
    let checked = admin
        .upload("/v1/onboard", "区县.csv", csv.clone())
        .await
        .ok();
    assert_eq!(checked["written"], false);
    assert_eq!(checked["problems"][0]["row"], 3);
    assert_eq!(checked["problems"][0]["column"], "类型");
    assert_eq!(admin.head_seq().await, before, "a check writes nothing");
    // Asked to write while a row is refused: still nothing, unless the bad rows are skipped.
    let refused = admin
        .upload("/v1/onboard?dry_run=false", "区县.csv", csv.clone())
        .await
        .ok();
    assert_eq!(refused["written"], false);
    let written = admin
        .upload(
            "/v1/onboard?dry_run=false&skip_bad_rows=true",
            "区县.csv",
            csv,
        )
        .await
        .ok();
    assert_eq!(written["outcome"]["imported"], 1);
    let districts = admin.get("/v1/districts").await.ok();
    assert!(districts.to_string().contains("南浔区"));
    // The log says who imported it: the administrator who uploaded the file.
    let feed = common::demo::feed(&admin).await;
    let imported = feed
        .iter()
        .rev()
        .find(|e| e["type"] == "DistrictRegistered")
        .expect("the district's event");
    assert_eq!(imported["actor"]["role"], "admin", "{imported}");
    // A file that is no roster at all is refused in plain words; no file at all too.
    let garbage = admin
        .upload("/v1/onboard", "x.csv", b"hello,world\r\n1,2\r\n".to_vec())
        .await;
    assert!(garbage.problem(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("header"));

    // A city's roster is larger than the 1 MiB other bodies may be: 30,000 districts' rows
    // (about 1.3 MiB) are read and checked; a file over the upload limit is refused, named.
    let mut big = String::from("名称,类型,所属地区\r\n");
    for i in 0..30_000 {
        big.push_str(&format!("第{i:05}号测试区,区,湖州市\r\n"));
    }
    assert!(big.len() > 1024 * 1024, "{}", big.len());
    let checked = admin
        .upload("/v1/onboard", "区县.csv", big.into_bytes())
        .await
        .ok();
    assert_eq!(checked["rows"]["区县"], 30_000, "{}", checked["problems"]);
    let (status, _, body) = raw_http(
        &server.base,
        &format!(
            "POST /v1/onboard HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n--x\r\n",
            33 * 1024 * 1024
        ),
    );
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("32 MiB"), "{body}");
}

/// Two uploads of one roster at once (two administrators, two tabs, a client retrying a slow
/// upload) import it once: the second is checked after the first is written, and finds its
/// people already there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_uploads_of_one_roster_at_once_import_it_once() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    for (name, csv) in [
        ("区县.csv", "名称,类型,所属地区\r\n南浔区,区,湖州市\r\n"),
        (
            "队伍.csv",
            "队伍名称,所在区县,主要服务类别\r\n荻溪六老调解队,南浔区,矛盾调解\r\n",
        ),
    ] {
        let done = admin
            .upload("/v1/onboard?dry_run=false", name, csv.as_bytes().to_vec())
            .await
            .ok();
        assert_eq!(done["written"], true, "{done}");
    }
    let mut roster = String::from("姓名,所在队伍,出生年份\r\n");
    for i in 0..200 {
        roster.push_str(&format!("测试{i:03},荻溪六老调解队,{}\r\n", 1940 + i % 30));
    }
    let upload = || {
        admin.upload(
            "/v1/onboard?dry_run=false",
            "志愿者.csv",
            roster.clone().into_bytes(),
        )
    };
    let (first, second) = tokio::join!(upload(), upload());
    let (first, second) = (first.ok(), second.ok());
    let imported = |r: &serde_json::Value| r["outcome"]["imported"].as_u64().unwrap_or(0);
    assert_eq!(
        imported(&first) + imported(&second),
        200,
        "{first} {second}"
    );
    let listed = admin.get("/v1/volunteers?limit=1000").await.ok();
    let named = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|v| v["name"].as_str().is_some_and(|n| n.starts_with("测试")))
        .count();
    assert_eq!(named, 200, "each person once");
}

/// An import that outlasts its request's timeout is not cut off between two rows: the
/// caller hears 408, and the import goes on to its last row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_outlasting_its_request_goes_on_to_its_last_row() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_in(&tmp.path().join("data"), &["--request-timeout", "1"]);
    let admin = server.client(ADMIN);
    for (name, csv) in [
        ("区县.csv", "名称,类型,所属地区\r\n南浔区,区,湖州市\r\n"),
        (
            "队伍.csv",
            "队伍名称,所在区县,主要服务类别\r\n荻溪六老调解队,南浔区,矛盾调解\r\n",
        ),
    ] {
        admin
            .upload("/v1/onboard?dry_run=false", name, csv.as_bytes().to_vec())
            .await
            .ok();
    }
    const PEOPLE: usize = 30_000;
    let mut roster = String::from("姓名,所在队伍,出生年份\r\n");
    for i in 0..PEOPLE {
        roster.push_str(&format!(
            "志愿者{i:05},荻溪六老调解队,{}\r\n",
            1940 + i % 30
        ));
    }
    let cut = admin
        .upload(
            "/v1/onboard?dry_run=false",
            "志愿者.csv",
            roster.into_bytes(),
        )
        .await;
    let volunteers = || async {
        admin.get("/v1/stats").await.ok()["totals"]["volunteers"]
            .as_u64()
            .unwrap_or(0)
    };
    // Thirty thousand people take this build many seconds: the request's one is long past.
    assert_eq!(cut.status.as_u16(), 408, "{}", cut.text);
    // Waited for while the count still grows (an import cut off stops growing).
    let (mut last, mut still) = (0, 0);
    while last < PEOPLE as u64 && still < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = volunteers().await;
        (last, still) = if now == last {
            (now, still + 1)
        } else {
            (now, 0)
        };
    }
    assert_eq!(last, PEOPLE as u64, "every row, once");
}

#[test]
fn an_exported_roster_edited_in_excel_changes_exactly_the_edited_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let first = tmp.path().join("名册.xlsx");
    workbook(
        &first,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            (
                "队伍",
                TEAMS,
                &[
                    &["荻溪六老调解队", "南浔区", "矛盾调解"],
                    &["双林宣讲团", "南浔区", "银星宣讲"],
                ],
            ),
            (
                "志愿者",
                VOLUNTEERS,
                &[
                    &["沈阿婆", "荻溪六老调解队", "南浔区", "1948", "", "", ""],
                    &["王建国", "荻溪六老调解队", "南浔区", "1951", "", "", ""],
                ],
            ),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), p(&first)]);
    assert!(ok, "{out}");
    // Exported, then unchanged: nothing to do.
    let exported = tmp.path().join("导出.xlsx");
    let (ok, out) = onboard(&["--data", p(&data), "--export", p(&exported), "--replace"]);
    assert!(ok, "{out}");
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&exported)]);
    assert!(
        ok && out.contains("志愿者: 2 rows, 0 new, 0 edited, 2 already there"),
        "{out}"
    );

    // Edited in Excel: 王建国 moves to 双林宣讲团 and has phone digits now; 沈阿婆 untouched.
    let book = {
        use calamine_free::read_rows;
        read_rows(&exported)
    };
    let volunteers = &book["志愿者"];
    let rows: Vec<Vec<String>> = volunteers[1..]
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if r[0] == "王建国" {
                r[1] = "双林宣讲团".into();
                r[4] = "13900001234".into();
            }
            r
        })
        .collect();
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let edited = tmp.path().join("改过的.xlsx");
    workbook(&edited, &[("志愿者", VOLUNTEERS, &refs)]);
    let (ok, out) = onboard(&["--data", p(&data), p(&edited)]);
    assert!(
        ok && out.contains("志愿者: 2 rows, 0 new, 1 edited, 1 already there"),
        "{out}"
    );
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&edited)]);
    assert!(
        ok && out.contains("0 new, 0 edited, 2 already there"),
        "{out}"
    );

    // A name written another way is a correction of the same person, not a new one.
    let renamed_rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| {
            let mut v: Vec<&str> = r.iter().map(String::as_str).collect();
            if v[0] == "沈阿婆" {
                v[0] = "沈阿奶";
            }
            v
        })
        .collect();
    let refs: Vec<&[&str]> = renamed_rows.iter().map(Vec::as_slice).collect();
    let renamed = tmp.path().join("改名.xlsx");
    workbook(&renamed, &[("志愿者", VOLUNTEERS, &refs)]);
    let (ok, out) = onboard(&["--data", p(&data), p(&renamed)]);
    assert!(
        ok && out.contains("0 new, 1 edited, 1 already there"),
        "{out}"
    );
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&renamed)]);
    assert!(
        ok && out.contains("0 new, 0 edited, 2 already there"),
        "{out}"
    );

    // The whole export edited: the district's region, one team renamed with another
    // category; its volunteers' rows still say the old name, and that still finds it.
    let (ok, out) = onboard(&["--data", p(&data), "--export", p(&exported), "--replace"]);
    assert!(ok, "{out}");
    let mut book = calamine_free::read_rows(&exported);
    book.get_mut("区县").expect("区县")[1][2] = "浙江省湖州市".into();
    for row in book.get_mut("队伍").expect("队伍").iter_mut() {
        if row[0] == "双林宣讲团" {
            row[0] = "双林镇银星宣讲团".into();
            row[2] = "文旅".into();
        }
    }
    let whole = tmp.path().join("全部改过.xlsx");
    write_rows(&whole, &book);
    let (ok, out) = onboard(&["--data", p(&data), p(&whole)]);
    assert!(ok, "{out}");
    for line in [
        "区县: 1 rows, 0 new, 1 edited, 0 already there",
        "队伍: 2 rows, 0 new, 1 edited, 1 already there",
        "志愿者: 2 rows, 0 new, 0 edited, 2 already there",
    ] {
        assert!(out.contains(line), "{line:?} not in {out}");
    }
    let (ok, out) = onboard(&["--data", p(&data), "--export", p(&exported), "--replace"]);
    assert!(ok, "{out}");
    let again = calamine_free::read_rows(&exported);
    assert_eq!(again["区县"][1][2], "浙江省湖州市");
    assert!(
        again["队伍"]
            .iter()
            .any(|r| r[0] == "双林镇银星宣讲团" && r[2] == "文旅"),
        "{:?}",
        again["队伍"]
    );
    assert!(
        again["志愿者"]
            .iter()
            .any(|r| r[0] == "王建国" && r[1] == "双林镇银星宣讲团"),
        "the volunteer stays in the renamed team: {:?}",
        again["志愿者"]
    );
    // Imported again: nothing left to do; a team moved to another district is refused.
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&exported)]);
    assert!(ok && !out.contains(" 1 edited"), "{out}");
    let mut moved = again.clone();
    moved.get_mut("队伍").expect("队伍")[1][1] = "吴兴区".into();
    let moved_path = tmp.path().join("换区.xlsx");
    write_rows(&moved_path, &moved);
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&moved_path)]);
    assert!(!ok && out.contains("队伍 row 2 [所在区县]"), "{out}");
}

/// Writes sheets of text rows (the first row the header) as a workbook.
fn write_rows(path: &Path, book: &std::collections::BTreeMap<String, Vec<Vec<String>>>) {
    let mut w = Workbook::new();
    for (name, rows) in book {
        let s = w.add_worksheet();
        s.set_name(name).expect("name");
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                s.write_string(i as u32, j as u16, v).expect("cell");
            }
        }
    }
    w.save(path).expect("save");
}

/// Reads a workbook back as text, sheet by sheet (the test's own reader, not the importer).
mod calamine_free {
    use std::collections::BTreeMap;
    use std::path::Path;

    pub fn read_rows(path: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let mut book: Xlsx<_> = open_workbook(path).expect("open");
        let mut out = BTreeMap::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::String(s) => s.clone(),
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            out.insert(name, rows);
        }
        out
    }
}

/// Two districts each with a team of the same name: a balance row says which with the
/// optional district column, as a volunteer row does, and finds its volunteer (without the
/// column every such row was refused, asking for a column the sheet did not have).
#[test]
fn a_balance_in_a_team_whose_name_two_districts_share_names_its_district() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let book = tmp.path().join("同名队伍.xlsx");
    let balances: Vec<&str> = BALANCES.iter().copied().chain(["所在区县"]).collect();
    let sheets = |district: &'static str| -> Vec<Vec<&'static str>> {
        vec![vec![
            "沈阿婆",
            "银龄调解队",
            "1948",
            "12",
            "120",
            "0",
            "2025-12-31",
            "志愿汇",
            district,
        ]]
    };
    let write = |district: &'static str| {
        let rows = sheets(district);
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        workbook(
            &book,
            &[
                (
                    "区县",
                    DISTRICTS,
                    &[&["南浔区", "区", "湖州市"], &["德清县", "县", "湖州市"]],
                ),
                (
                    "队伍",
                    TEAMS,
                    &[
                        &["银龄调解队", "南浔区", "矛盾调解"],
                        &["银龄调解队", "德清县", "矛盾调解"],
                    ],
                ),
                (
                    "志愿者",
                    VOLUNTEERS,
                    &[&["沈阿婆", "银龄调解队", "德清县", "1948"]],
                ),
                ("原有积分", &balances, &rows),
            ],
        );
    };
    write("");
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&book)]);
    assert!(!ok && out.contains("所在区县"), "{out}");
    write("德清县");
    let (ok, out) = onboard(&["--data", p(&data), p(&book)]);
    assert!(ok && out.contains("imported 6 records"), "{out}");
}

/// The plan checks what the import will: a joining day after today, points over the most a
/// balance may carry and a balance dated after today are problems of the dry run, at their
/// column, not refusals that come only once the import runs.
/// A roster in its own column order (a leading 序号, the phone before the year) is read by
/// its headers, and its refused rows come back in the error workbook under the template's
/// headers, each value under its own; a phone Excel saved in scientific notation is refused
/// (its last digits are gone), not cut to the wrong four.
#[test]
fn refused_rows_come_back_under_the_templates_headers_whatever_the_files_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let teams = tmp.path().join("队伍.xlsx");
    workbook(
        &teams,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            ("队伍", TEAMS, &[&["荻溪六老调解队", "南浔区", "矛盾调解"]]),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), p(&teams)]);
    assert!(ok, "{out}");
    let csv = tmp.path().join("志愿者.csv");
    std::fs::write(
        &csv,
        "序号,姓名,所在队伍,手机号,出生年份,加入日期\r\n\
         1,沈阿婆,没有这个队,13800001234,1948,2019-03-05\r\n\
         2,王建国,荻溪六老调解队,8.6138E+12,1951,2019-03-05\r\n",
    )
    .expect("csv");
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&csv)]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("志愿者 row 3 [手机号]") && out.contains("科学计数法"),
        "{out}"
    );
    let book = calamine_free::read_rows(&tmp.path().join("志愿者-问题.xlsx"));
    let rows = &book["志愿者"];
    let at = |name: &str| {
        rows[0]
            .iter()
            .position(|h| h.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {:?}", rows[0]))
    };
    let first = rows
        .iter()
        .find(|r| r.get(at("姓名")).is_some_and(|n| n == "沈阿婆"))
        .unwrap_or_else(|| panic!("沈阿婆 under 姓名: {rows:?}"));
    assert_eq!(first[at("所在队伍")], "没有这个队", "{first:?}");
    assert_eq!(first[at("手机号")], "13800001234", "{first:?}");
    assert_eq!(first[at("出生年份")], "1948", "{first:?}");
}

/// One opening balance a person: the same row twice is one balance, a second row with other
/// figures (two accounts on the old platform) is a problem naming the first, not dropped.
#[test]
fn a_second_balance_with_other_figures_is_named_not_dropped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let book = tmp.path().join("名册.xlsx");
    let balance = |points: &'static str| -> [&'static str; 8] {
        [
            "沈阿婆",
            "荻溪六老调解队",
            "1948",
            "12",
            points,
            "0",
            "2025-12-31",
            "志愿汇",
        ]
    };
    let (same, again, other) = (balance("100"), balance("100"), balance("50"));
    workbook(
        &book,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            ("队伍", TEAMS, &[&["荻溪六老调解队", "南浔区", "矛盾调解"]]),
            (
                "志愿者",
                VOLUNTEERS,
                &[&[
                    "沈阿婆",
                    "荻溪六老调解队",
                    "南浔区",
                    "1948",
                    "",
                    "2019-03-05",
                ]],
            ),
            ("原有积分", BALANCES, &[&same, &again, &other]),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&book)]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("原有积分 row 4 [积分]") && out.contains("第 2 行已经是 12 小时、100 分"),
        "{out}"
    );
    assert!(
        !out.contains("原有积分 row 3 ["),
        "the same figures again: {out}"
    );
}

/// A value typed at the far corner of Excel's grid (XFD1048576) beside a valid sheet is
/// named, and the file refused at once: the reader would otherwise hold a grid of 17 billion
/// cells.
#[test]
fn a_value_at_the_far_corner_of_the_grid_is_named_not_read_into_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let book = tmp.path().join("名册.xlsx");
    let mut w = Workbook::new();
    let s = w.add_worksheet();
    s.set_name("志愿者").expect("name");
    for (j, h) in VOLUNTEERS.iter().enumerate() {
        s.write_string(0, j as u16, *h).expect("header");
    }
    for (j, v) in ["沈阿婆", "荻溪六老调解队", "南浔区", "1948"]
        .iter()
        .enumerate()
    {
        s.write_string(1, j as u16, *v).expect("cell");
    }
    s.write_string(1_048_575, 16_383, "x")
        .expect("the far corner");
    w.save(&book).expect("save");
    let (ok, out) = onboard(&["--data", p(&tmp.path().join("data")), "--dry-run", p(&book)]);
    assert!(!ok && out.contains("XFD1048576"), "{out}");
}

/// A hidden sheet (an old copy kept out of sight) is not what the coordinator sees, and is
/// not imported.
#[test]
fn a_hidden_sheet_is_not_imported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let book = tmp.path().join("名册.xlsx");
    let mut w = Workbook::new();
    for (name, header, row, hidden) in [
        ("区县", DISTRICTS, ["南浔区", "区", "湖州市"], false),
        ("队伍", TEAMS, ["旧队伍", "南浔区", "矛盾调解"], true),
    ] {
        let s = w.add_worksheet();
        s.set_name(name).expect("name");
        for (j, h) in header.iter().enumerate() {
            s.write_string(0, j as u16, *h).expect("header");
        }
        for (j, v) in row.iter().enumerate() {
            s.write_string(1, j as u16, *v).expect("cell");
        }
        s.set_hidden(hidden);
    }
    w.save(&book).expect("save");
    let (ok, out) = onboard(&["--data", p(&tmp.path().join("data")), "--dry-run", p(&book)]);
    assert!(ok, "{out}");
    assert!(
        out.contains("区县: 1 rows") && !out.contains("队伍"),
        "{out}"
    );
}

#[test]
fn a_dry_run_finds_what_the_import_would_refuse() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let book = tmp.path().join("名册.xlsx");
    let next_year = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    workbook(
        &book,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            ("队伍", TEAMS, &[&["荻溪六老调解队", "南浔区", "矛盾调解"]]),
            (
                "志愿者",
                VOLUNTEERS,
                &[
                    &[
                        "沈阿婆",
                        "荻溪六老调解队",
                        "南浔区",
                        "1948",
                        "",
                        "2019-03-05",
                    ],
                    &["王建国", "荻溪六老调解队", "南浔区", "1951", "", &next_year],
                    &[
                        "李阿公",
                        "荻溪六老调解队",
                        "南浔区",
                        &next_year[..4],
                        "",
                        "2019-03-05",
                    ],
                ],
            ),
            (
                "原有积分",
                BALANCES,
                &[
                    &[
                        "沈阿婆",
                        "荻溪六老调解队",
                        "1948",
                        "12",
                        "99999999",
                        "0",
                        "2025-12-31",
                        "志愿汇",
                    ],
                    &[
                        "沈阿婆",
                        "荻溪六老调解队",
                        "1948",
                        "12",
                        "120",
                        "0",
                        &next_year,
                        "志愿汇",
                    ],
                ],
            ),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&book)]);
    assert!(!ok, "{out}");
    for expected in [
        "志愿者 row 3 [加入日期]",
        "原有积分 row 2 [积分]",
        "原有积分 row 3 [截至日期]",
        "日期晚于今天",
        "志愿者 row 4 [出生年份]",
        "在今年",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    assert!(!out.contains("志愿者 row 2 ["), "{out}");
}

/// A roster exported and imported again unchanged changes nothing, whatever was typed
/// through the API or the web: a team named with full-width brackets, a name with a space
/// in it (the importer reads both as a sheet's cells are read), a volunteer registered
/// without a year of birth (the export leaves the cell empty; the import keeps "unknown").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_export_imports_as_no_change_whatever_the_api_was_given() {
    let server = Server::start();
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
            json!({"name": "调解队（一队）", "district": "南浔区", "category": "mediation"}),
        )
        .await
        .id();
    admin
        .post(
            "/v1/volunteers",
            json!({"name": "欧阳 娜娜", "team_id": team}),
        )
        .await
        .ok();
    admin
        .post(
            "/v1/volunteers",
            json!({"name": "沈阿婆", "team_id": team, "birth_year": 1948}),
        )
        .await
        .ok();
    let browser = common::web::Browser::new(&server, ADMIN);
    let exported = browser
        .get("/onboard/roster.xlsx")
        .await
        .bytes()
        .await
        .expect("the roster")
        .to_vec();
    let before = admin.head_seq().await;
    let checked = admin
        .upload("/v1/onboard?dry_run=false", "名册.xlsx", exported)
        .await
        .ok();
    assert_eq!(checked["problems"], json!([]), "{checked}");
    assert_eq!(checked["edited"], json!({}), "{checked}");
    assert_eq!(checked["already"]["志愿者"], 2, "{checked}");
    assert_eq!(checked["already"]["队伍"], 1, "{checked}");
    assert_eq!(
        admin.head_seq().await,
        before,
        "nothing renamed, nothing added"
    );
    let team = admin.get(&format!("/v1/teams/{team}")).await.ok();
    assert_eq!(team["name"], "调解队（一队）");
}

/// Two teams of one district whose names differ only in full-width brackets read alike in
/// a sheet: a row naming them is refused with both names, never put in the wrong one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_whose_names_read_alike_are_named_not_guessed() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    admin
        .post(
            "/v1/districts",
            json!({"name": "南浔区", "kind": "district", "region": "湖州市"}),
        )
        .await
        .ok();
    for name in ["调解队（一队）", "调解队(一队)"] {
        let team = admin
            .post(
                "/v1/teams",
                json!({"name": name, "district": "南浔区", "category": "mediation"}),
            )
            .await
            .id();
        admin
            .post(
                "/v1/volunteers",
                json!({"name": format!("{name}的队员"), "team_id": team, "birth_year": 1950}),
            )
            .await
            .ok();
    }
    let exported = common::web::Browser::new(&server, ADMIN)
        .get("/onboard/roster.xlsx")
        .await
        .bytes()
        .await
        .expect("the roster")
        .to_vec();
    let checked = admin
        .upload("/v1/onboard", "名册.xlsx", exported)
        .await
        .ok();
    let problems = checked["problems"].to_string();
    assert!(
        problems.contains("只差全角半角") && problems.contains("调解队（一队）"),
        "{checked}"
    );
    assert_eq!(checked["edited"], json!({}), "nothing moved: {checked}");
}

/// A coordinator's own numbering typed in the 编号 column (1, 2, 3 down the sheet) is told
/// apart from an exported id that names nobody: the refusal says what the column is for and
/// where their numbers go.
#[test]
fn a_coordinators_own_numbers_in_the_id_column_are_explained() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let roster = tmp.path().join("名册.xlsx");
    workbook(
        &roster,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            ("队伍", TEAMS, &[&["荻溪六老调解队", "南浔区", "矛盾调解"]]),
            (
                "志愿者",
                VOLUNTEERS,
                &[&["王大伯", "荻溪六老调解队", "南浔区", "1950", "", "", "1"]],
            ),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), p(&roster)]);
    assert!(!ok, "{out}");
    assert!(out.contains("序号") && out.contains("“1”不是"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
}

/// A sheet with a title over its table (merged across the top, as rosters are printed) is
/// refused naming the row that is its header, not as missing every column.
#[test]
fn a_title_above_the_header_is_named_with_the_header_row() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let roster = tmp.path().join("名册.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.set_name("志愿者").expect("name");
    s.merge_range(
        0,
        0,
        0,
        6,
        "南浔区志愿者花名册",
        &rust_xlsxwriter::Format::new(),
    )
    .expect("title");
    for (j, h) in VOLUNTEERS.iter().enumerate() {
        s.write_string(2, j as u16, *h).expect("header");
    }
    for (j, v) in ["王大伯", "荻溪六老调解队", "南浔区", "1950"]
        .iter()
        .enumerate()
    {
        s.write_string(3, j as u16, *v).expect("cell");
    }
    book.save(&roster).expect("saved");
    let (ok, out) = onboard(&["--data", p(&data), p(&roster)]);
    assert!(!ok, "{out}");
    assert!(out.contains("第 3 行才是表头"), "{out}");
}

/// A column whose header the roster does not know (a 序号 of one's own, a 备注), or a second
/// column for what another column already gave (手机号码 beside 手机号), is named in the
/// check as not read, never dropped in silence.
#[test]
fn columns_nobody_reads_are_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let roster = tmp.path().join("名册.xlsx");
    workbook(
        &roster,
        &[
            ("区县", DISTRICTS, &[&["南浔区", "区", "湖州市"]]),
            ("队伍", TEAMS, &[&["荻溪六老调解队", "南浔区", "矛盾调解"]]),
            (
                "志愿者",
                &[
                    "序号",
                    "姓名",
                    "所在队伍",
                    "所在区县",
                    "出生年份",
                    "手机号码",
                    "手机号",
                    "备注",
                ],
                &[&[
                    "1",
                    "王大伯",
                    "荻溪六老调解队",
                    "南浔区",
                    "1950",
                    "13800001234",
                    "13800005678",
                    "",
                ]],
            ),
        ],
    );
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&roster)]);
    assert!(ok, "{out}");
    assert!(
        out.contains("columns not read") && out.contains("序号、手机号码、备注"),
        "{out}"
    );
    assert!(!out.contains("read under the template's names"), "{out}");
}

/// A roster as a retired-officials office keeps it, not typed into the template: its own
/// headers (队伍, 区县, 出生年月, 联系电话, 加入时间, 姓名* with a required mark), and
/// 出生年月 written every way such rosters write it (1948.03 as a number, 1950年5月, a date
/// cell, 195304, 1949.1 for October). Each column is read as the template's, the check says
/// which header went where, and the year of birth is the year of each.
#[test]
fn a_roster_under_its_own_headers_is_read_and_says_which_column_went_where() {
    use rust_xlsxwriter::ExcelDateTime;
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let roster = tmp.path().join("老干部志愿者名册.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.set_name("区县").expect("name");
    for (j, v) in DISTRICTS
        .iter()
        .chain(["南浔区", "区", "湖州市"].iter())
        .enumerate()
    {
        s.write_string((j / 3) as u32, (j % 3) as u16, *v)
            .expect("cell");
    }
    let s = book.add_worksheet();
    s.set_name("队伍").expect("name");
    for (j, v) in [
        "队伍",
        "区县",
        "服务类别",
        "荻溪六老调解队",
        "南浔区",
        "矛盾调解",
    ]
    .iter()
    .enumerate()
    {
        s.write_string((j / 3) as u32, (j % 3) as u16, *v)
            .expect("cell");
    }
    let s = book.add_worksheet();
    s.set_name("志愿者").expect("name");
    let header = ["姓名*", "队伍", "区县", "出生年月", "联系电话", "加入时间"];
    for (j, h) in header.iter().enumerate() {
        s.write_string(0, j as u16, *h).expect("header");
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let people = ["陆金宝", "王建国", "沈阿毛", "钱秀英", "周大伯"];
    for (i, name) in people.iter().enumerate() {
        let r = i as u32 + 1;
        s.write_string(r, 0, *name).expect("name");
        s.write_string(r, 1, "荻溪六老调解队").expect("team");
        s.write_string(r, 2, "南浔区").expect("district");
        s.write_string(r, 4, format!("1380000{:04}", 1000 + i))
            .expect("phone");
        s.write_string(r, 5, "2019/3/5").expect("joined");
    }
    s.write_number(1, 3, 1948.03).expect("year and month");
    s.write_string(2, 3, "1950年5月").expect("year and month");
    s.write_datetime_with_format(
        3,
        3,
        ExcelDateTime::from_ymd(1952, 7, 1).expect("date"),
        &date,
    )
    .expect("date");
    s.write_number(4, 3, 195_304.0).expect("year and month");
    s.write_number(5, 3, 1949.1).expect("October");
    // A blank row below the table, a space in it, as formatting leaves one: not a row.
    s.write_string(8, 0, " ").expect("blank");
    book.save(&roster).expect("saved");

    let (ok, out) = onboard(&["--data", p(&data), p(&roster)]);
    assert!(ok, "{out}");
    for said in [
        "志愿者: 5 rows, 5 new",
        "队伍: columns read under the template's names: ",
        "队伍 → 队伍名称",
        "服务类别 → 主要服务类别",
        "队伍 → 所在队伍",
        "出生年月 → 出生年份",
        "联系电话 → 手机号",
        "加入时间 → 加入日期",
    ] {
        assert!(out.contains(said), "{said}: {out}");
    }
    assert!(!out.contains("columns not read"), "{out}");

    let exported = tmp.path().join("导出.xlsx");
    let (ok, out) = onboard(&["--data", p(&data), "--export", p(&exported)]);
    assert!(ok, "{out}");
    let rows = &calamine_free::read_rows(&exported)["志愿者"];
    let born: std::collections::BTreeMap<&str, (&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), (r[3].as_str(), r[4].as_str(), r[5].as_str())))
        .collect();
    for (name, year, last_four) in [
        ("陆金宝", "1948", "1000"),
        ("王建国", "1950", "1001"),
        ("沈阿毛", "1952", "1002"),
        ("钱秀英", "1953", "1003"),
        ("周大伯", "1949", "1004"),
    ] {
        assert_eq!(
            born.get(name),
            Some(&(year, last_four, "2019-03-05")),
            "{name}: {born:?}"
        );
    }
}

/// A list of people with their team but no year of birth, on a sheet named nothing the
/// roster knows, is a volunteer sheet missing a column, and the check names the column,
/// not "no sheet to import".
#[test]
fn people_without_a_year_of_birth_are_told_the_missing_column() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let list = tmp.path().join("名单.csv");
    std::fs::write(
        &list,
        "姓名,队伍,联系电话\r\n王大伯,荻溪六老调解队,13800001234\r\n",
    )
    .expect("written");
    let (ok, out) = onboard(&["--data", p(&data), "--dry-run", p(&list)]);
    assert!(!ok, "{out}");
    assert!(out.contains("缺少列：出生年份"), "{out}");
}

/// A roster under its own headers, uploaded to the API and to the web page: both say which
/// header was read as which of the template's columns, and which were not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_and_the_page_say_which_header_was_read_as_which() {
    let server = Server::start();
    let admin = server.client(ADMIN);
    let csv = "序号,姓名,队伍,区县,出生年月,联系电话\r\n1,王大伯,荻溪六老调解队,南浔区,1950.03,13800001234\r\n"
        .as_bytes()
        .to_vec();
    let checked = admin
        .upload("/v1/onboard", "名单.csv", csv.clone())
        .await
        .ok();
    let read_as = &checked["read_as"]["志愿者"];
    for (header, column) in [
        ("队伍", "所在队伍"),
        ("区县", "所在区县"),
        ("出生年月", "出生年份"),
        ("联系电话", "手机号"),
    ] {
        assert_eq!(read_as[header], column, "{checked}");
    }
    assert_eq!(checked["ignored_columns"]["志愿者"][0], "序号", "{checked}");

    let browser = common::web::Browser::new(&server, ADMIN);
    let csrf = browser.csrf("/onboard").await;
    let (_, page) = browser.upload("/onboard", &csrf, "名单.csv", csv).await;
    for said in [
        "按模板列名读的列",
        "“联系电话”读作“手机号”",
        "“出生年月”读作“出生年份”",
        "没有读的列",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
}
