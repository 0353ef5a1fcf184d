//! The fixture rosters in `tests/fixtures/onboard/`: small real-looking workbooks and CSV
//! files, one per mistake real sheets have, each checked with `yinling onboard --dry-run`
//! against a ledger holding 南浔区 and its two teams. A clean fixture reports its new rows and
//! no problem; a faulty one names the sheet, row and column of each mistake and writes
//! nothing. The files are kept in the repository as Excel and Chinese Excel write them;
//! `YINLING_BLESS=1` writes them again from the descriptions below, but for the Excel
//! 97-2003 one (`.xls`), which `tests/fixtures/onboard/old_excel.py` writes.

mod common;

use std::path::{Path, PathBuf};

use common::yinling;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

/// Where the fixtures are kept.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onboard")
}

fn onboard(args: &[&str]) -> (bool, String) {
    yinling(&[&["onboard"], args].concat())
}

/// What a fixture is expected to do on a dry run.
enum Expect {
    /// Clean: each line is in the report.
    Clean(&'static [&'static str]),
    /// Refused: each text is in the report (sheet, row, column, and the reason).
    Refused(&'static [&'static str]),
}

/// Every fixture: its file, what it shows, and the outcome.
const FIXTURES: &[(&str, &str, Expect)] = &[
    (
        "名册-南浔区.xlsx",
        "the city's starting roster: a district, two teams, volunteers, balances carried over",
        Expect::Clean(&[
            "区县: 1 rows, 1 new",
            "队伍: 2 rows, 2 new",
            "志愿者: 4 rows, 4 new",
            "原有积分: 2 rows, 2 new",
        ]),
    ),
    (
        "工作表名不对.xlsx",
        "sheets named Sheet1 and 统计 whose headers are not a roster's",
        Expect::Refused(&["没有找到要导入的工作表", "Sheet1", "统计"]),
    ),
    (
        "表头认得出.xlsx",
        "a sheet named Sheet1 whose header is the volunteers' layout: read as volunteers",
        Expect::Clean(&["Sheet1: 1 rows, 1 new"]),
    ),
    (
        "缺列.xlsx",
        "a volunteer sheet without the year-of-birth column",
        Expect::Refused(&["志愿者 row 1 [出生年份]", "缺少列：出生年份"]),
    ),
    (
        "合并单元格.xlsx",
        "the team column merged over three rows, as coordinators lay sheets out",
        Expect::Refused(&[
            "志愿者 row 3 [所在队伍]",
            "志愿者 row 4 [所在队伍]",
            "合并单元格",
        ]),
    ),
    (
        "公式.xlsx",
        "a year of birth computed by a formula instead of typed",
        Expect::Refused(&["志愿者 row 2 [出生年份]", "公式"]),
    ),
    (
        "日期.xlsx",
        "joined dates as text in four spellings, as a serial number and as an Excel date; one is not a date",
        Expect::Refused(&["志愿者 row 8 [加入日期]", "去年春天"]),
    ),
    (
        "全角数字.xlsx",
        "years and phones typed with full-width digits and an ideographic space",
        Expect::Clean(&["志愿者: 2 rows, 2 new"]),
    ),
    (
        "多余空格.xlsx",
        "names and team names with stray spaces, tabs and a space inside a name",
        Expect::Clean(&["志愿者: 2 rows, 2 new"]),
    ),
    (
        "队伍不存在.xlsx",
        "a volunteer in a team that is not registered",
        Expect::Refused(&["志愿者 row 3 [所在队伍]", "不存在的调解队"]),
    ),
    (
        "旧版名册.xls",
        "a team's own roster saved by Excel 97-2003 (.xls): refused with what to do, nothing read",
        Expect::Refused(&["旧版 Excel 文件（.xls）", "另存为"]),
    ),
    (
        "志愿者-GB18030.csv",
        "volunteers saved as CSV by Chinese Excel (GB18030)",
        Expect::Clean(&["2 rows, 2 new"]),
    ),
    (
        "志愿者-UTF8-BOM.csv",
        "volunteers saved as CSV UTF-8 by Excel (with a byte-order mark)",
        Expect::Clean(&["2 rows, 2 new"]),
    ),
];

#[test]
fn every_fixture_roster_is_checked_as_its_description_says() {
    if std::env::var_os("YINLING_BLESS").is_some() {
        bless();
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let path = |f: &str| dir().join(f);
    let base = path("名册-南浔区.xlsx");
    let data_s = data.to_str().expect("utf-8");
    // The starting roster on a fresh ledger; the others against it.
    let (ok, out) = onboard(&["--data", data_s, "--dry-run", base.to_str().expect("p")]);
    check(FIXTURES[0].0, &FIXTURES[0].2, ok, &out);
    let (ok, out) = onboard(&["--data", data_s, base.to_str().expect("p")]);
    assert!(ok, "{out}");
    for (file, what, expect) in &FIXTURES[1..] {
        let kept = path(file);
        assert!(
            kept.exists(),
            "{file} ({what}) is kept in tests/fixtures/onboard"
        );
        // A copy: the error sheet of a refused file is written beside it.
        let p = tmp.path().join(file);
        std::fs::copy(&kept, &p).expect("copy");
        let (ok, out) = onboard(&["--data", data_s, "--dry-run", p.to_str().expect("p")]);
        check(file, expect, ok, &out);
        assert!(out.contains("dry run") || !ok, "{file}: {out}");
    }
    // The dry runs wrote nothing: the starting roster is all there is.
    let (ok, out) = onboard(&["--data", data_s, "--dry-run", base.to_str().expect("p")]);
    assert!(
        ok && out.contains("志愿者: 4 rows, 0 new, 0 edited, 4 already there"),
        "{out}"
    );

    // Imported, the odd spellings are read as a person means them: every date of 日期.xlsx
    // but the bad one, full-width digits, names without their stray spaces.
    for file in ["日期.xlsx", "全角数字.xlsx", "多余空格.xlsx"] {
        let p = tmp.path().join(file);
        let (ok, out) = onboard(&["--data", data_s, "--skip-bad-rows", p.to_str().expect("p")]);
        assert!(ok, "{file}: {out}");
    }
    let export = tmp.path().join("导出.xlsx");
    let (ok, out) = onboard(&["--data", data_s, "--export", export.to_str().expect("p")]);
    assert!(ok, "{out}");
    let people = volunteers(&export);
    let joined = |name: &str| {
        people
            .iter()
            .find(|r| r[0] == name)
            .map(|r| (r[3].clone(), r[4].clone(), r[5].clone()))
            .unwrap_or_else(|| panic!("{name} not in {people:?}"))
    };
    for name in ["严小妹", "冯阿根", "褚凤英", "卫国强"] {
        assert_eq!(joined(name).2, "2019-03-05", "{name}");
    }
    assert_eq!(joined("蒋秀珍").2, "2017-09-22", "serial 43000");
    assert_eq!(joined("韩志高").2, "2018-06-01", "an Excel date");
    assert!(
        people.iter().all(|r| r[0] != "杨月娥"),
        "the bad row was skipped"
    );
    assert_eq!(
        joined("许莲英"),
        ("1948".into(), "2233".into(), "2020-05-01".into())
    );
    assert_eq!(joined("吕阿大").0, "1946");
    assert_eq!(joined("施美娟").0, "1957");
}

/// The volunteer rows of an exported roster, as text.
fn volunteers(path: &Path) -> Vec<Vec<String>> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(path).expect("open");
    let range = book.worksheet_range("志愿者").expect("sheet");
    range
        .rows()
        .skip(1)
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
        .collect()
}

fn check(file: &str, expect: &Expect, ok: bool, out: &str) {
    match expect {
        Expect::Clean(lines) => {
            assert!(ok, "{file} should be clean: {out}");
            assert!(!out.contains(" row "), "{file} has no problem: {out}");
            for l in *lines {
                assert!(out.contains(l), "{file}: {l:?} not in {out}");
            }
        }
        Expect::Refused(texts) => {
            assert!(!ok, "{file} should be refused: {out}");
            for t in *texts {
                assert!(out.contains(t), "{file}: {t:?} not in {out}");
            }
        }
    }
}

const VOLUNTEERS: &[&str] = &[
    "姓名",
    "所在队伍",
    "所在区县",
    "出生年份",
    "手机号",
    "加入日期",
];

fn header(s: &mut Worksheet, h: &[&str]) {
    let bold = Format::new().set_bold();
    for (j, v) in h.iter().enumerate() {
        s.write_string_with_format(0, j as u16, *v, &bold)
            .expect("header");
        s.set_column_width(j as u16, 14).expect("width");
    }
}

fn rows(s: &mut Worksheet, rows: &[&[&str]]) {
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if !v.is_empty() {
                s.write_string(i as u32 + 1, j as u16, *v).expect("cell");
            }
        }
    }
}

fn sheet<'a>(book: &'a mut Workbook, name: &str, h: &[&str]) -> &'a mut Worksheet {
    let s = book.add_worksheet();
    s.set_name(name).expect("name");
    header(s, h);
    s
}

fn save(mut book: Workbook, file: &str) {
    book.save(dir().join(file)).expect("save");
}

/// Writes every fixture again.
fn bless() {
    std::fs::create_dir_all(dir()).expect("mkdir");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "区县", &["名称", "类型", "所属地区"]);
    rows(s, &[&["南浔区", "区", "湖州市"]]);
    let s = sheet(&mut b, "队伍", &["队伍名称", "所在区县", "主要服务类别"]);
    rows(
        s,
        &[
            &["荻溪六老调解队", "南浔区", "矛盾调解"],
            &["双林银星宣讲团", "南浔区", "银星宣讲"],
        ],
    );
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(
        s,
        &[
            &[
                "沈阿婆",
                "荻溪六老调解队",
                "南浔区",
                "1948",
                "13800002918",
                "2019-03-05",
            ],
            &[
                "王建国",
                "荻溪六老调解队",
                "南浔区",
                "1951",
                "",
                "2017-09-22",
            ],
            &[
                "陆文华",
                "双林银星宣讲团",
                "南浔区",
                "1955",
                "13905721288",
                "2021-04-01",
            ],
            &["钱桂英", "双林银星宣讲团", "南浔区", "1946", "", ""],
        ],
    );
    let s = sheet(
        &mut b,
        "原有积分",
        &[
            "姓名",
            "所在队伍",
            "出生年份",
            "服务时长",
            "积分",
            "星级",
            "截至日期",
            "来源系统",
        ],
    );
    rows(
        s,
        &[
            &[
                "沈阿婆",
                "荻溪六老调解队",
                "1948",
                "312.5",
                "3125",
                "3",
                "2025-12-31",
                "志愿汇",
            ],
            &[
                "陆文华",
                "双林银星宣讲团",
                "1955",
                "86",
                "860",
                "1",
                "2025-12-31",
                "浙江志愿者",
            ],
        ],
    );
    save(b, "名册-南浔区.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "Sheet1", &["序号", "备注"]);
    rows(s, &[&["1", "荻溪六老调解队 名单见附件"]]);
    let s = sheet(&mut b, "统计", &["月份", "人数"]);
    rows(s, &[&["2025-11", "86"]]);
    save(b, "工作表名不对.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "Sheet1", VOLUNTEERS);
    rows(
        s,
        &[&["吴桂花", "荻溪六老调解队", "南浔区", "1949", "", ""]],
    );
    save(b, "表头认得出.xlsx");

    let mut b = Workbook::new();
    let s = sheet(
        &mut b,
        "志愿者",
        &["姓名", "所在队伍", "所在区县", "手机号"],
    );
    rows(s, &[&["吴桂花", "荻溪六老调解队", "南浔区", ""]]);
    save(b, "缺列.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    s.merge_range(1, 1, 3, 1, "荻溪六老调解队", &Format::new())
        .expect("merge");
    for (i, (name, year)) in [("周福根", "1944"), ("孙玉兰", "1947"), ("朱家明", "1950")]
        .iter()
        .enumerate()
    {
        s.write_string(i as u32 + 1, 0, *name).expect("v");
        s.write_string(i as u32 + 1, 2, "南浔区").expect("v");
        s.write_string(i as u32 + 1, 3, *year).expect("v");
    }
    save(b, "合并单元格.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(s, &[&["赵德明", "荻溪六老调解队", "南浔区"]]);
    s.write_formula(1, 3, Formula::new("=2025-80").set_result("1945"))
        .expect("formula");
    save(b, "公式.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(
        s,
        &[
            &[
                "严小妹",
                "荻溪六老调解队",
                "南浔区",
                "1952",
                "",
                "2019-03-05",
            ],
            &["冯阿根", "荻溪六老调解队", "南浔区", "1950", "", "2019/3/5"],
            &["褚凤英", "荻溪六老调解队", "南浔区", "1953", "", "2019.3.5"],
            &[
                "卫国强",
                "荻溪六老调解队",
                "南浔区",
                "1949",
                "",
                "2019年3月5日",
            ],
            &["蒋秀珍", "荻溪六老调解队", "南浔区", "1954"],
            &["韩志高", "荻溪六老调解队", "南浔区", "1947"],
            &["杨月娥", "荻溪六老调解队", "南浔区", "1951", "", "去年春天"],
        ],
    );
    s.write_number(5, 5, 43_000.0).expect("serial");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    s.write_datetime_with_format(
        6,
        5,
        ExcelDateTime::from_ymd(2018, 6, 1).expect("date"),
        &date,
    )
    .expect("date");
    save(b, "日期.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(
        s,
        &[
            &[
                "许莲英",
                "荻溪六老调解队",
                "南浔区",
                "１９４８",
                "１３８\u{3000}０００１\u{3000}２２３３",
                "２０２０－０５－０１",
            ],
            &["何长根", "双林银星宣讲团", "南浔区", "１９５０", "", ""],
        ],
    );
    save(b, "全角数字.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(
        s,
        &[
            &[
                "  吕 阿大 ",
                " 荻溪六老调解队\t",
                "南浔区 ",
                " 1946",
                "",
                "",
            ],
            &[
                "施\u{3000}美娟",
                "双林银星宣讲团  ",
                " 南浔区",
                "1957 ",
                "",
                "",
            ],
        ],
    );
    save(b, "多余空格.xlsx");

    let mut b = Workbook::new();
    let s = sheet(&mut b, "志愿者", VOLUNTEERS);
    rows(
        s,
        &[
            &["张福宝", "荻溪六老调解队", "南浔区", "1948"],
            &["曹金花", "不存在的调解队", "南浔区", "1950"],
        ],
    );
    save(b, "队伍不存在.xlsx");

    let csv = "姓名,所在队伍,出生年份,加入日期\r\n金阿毛,荻溪六老调解队,1945,2016/5/1\r\n魏巧珍,双林银星宣讲团,1953,\r\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(csv);
    std::fs::write(dir().join("志愿者-GB18030.csv"), &gb).expect("write");
    let csv = "姓名,所在队伍,出生年份,加入日期\r\n陶福林,荻溪六老调解队,1944,2015-10-09\r\n姜彩凤,双林银星宣讲团,1956,\r\n";
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(csv.as_bytes());
    std::fs::write(dir().join("志愿者-UTF8-BOM.csv"), &bom).expect("write");
}
