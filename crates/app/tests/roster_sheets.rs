//! The roster's export past one sheet: a province's volunteers do not fit the 1,048,575 rows
//! Excel gives a sheet, so they go on to `志愿者 (2)` and further sheets, and the import reads
//! every one of them back (here three volunteers a sheet stand for Excel's limit).

#[path = "../../projections/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use calamine::Reader as _;
use common::*;
use yinling_app::onboard::{plan, template};
use yinling_ledger::*;

#[test]
fn volunteers_past_a_sheet_go_on_to_further_sheets_and_import_back_as_they_are() {
    let mut sim = Sim::new();
    let one = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let two = sim.team("银龄护绿队", "吴兴区", Category::Mediation);
    let mut ids = BTreeSet::new();
    for i in 0..8 {
        let team = if i % 2 == 0 { one } else { two };
        ids.insert(sim.volunteer(&format!("志愿者{i}"), team).to_string());
    }
    let bytes = template::roster_in(&sim.state, 3).expect("a roster");

    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("opens");
    assert_eq!(
        book.sheet_names(),
        ["区县", "队伍", "志愿者", "志愿者 (2)", "志愿者 (3)"]
    );
    let mut seen = Vec::new();
    for name in ["志愿者", "志愿者 (2)", "志愿者 (3)"] {
        let range = book.worksheet_range(name).expect("a sheet");
        let mut rows = range.rows();
        let header: Vec<String> = rows
            .next()
            .expect("a header")
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header.first().map(String::as_str), Some("姓名"), "{name}");
        assert_eq!(header.last().map(String::as_str), Some("编号"), "{name}");
        let held: Vec<String> = rows
            .map(|r| r.last().expect("an id cell").to_string())
            .collect();
        assert!(held.len() <= 3, "{name} holds {} rows", held.len());
        seen.extend(held);
    }
    assert_eq!(seen.len(), ids.len(), "each volunteer once");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), ids);

    // Imported again unchanged, every row of every sheet is someone the ledger holds.
    let p = plan(&sim.state, "名册.xlsx", &bytes).expect("readable");
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert!(p.commands.is_empty(), "nothing to do");
    let volunteers: usize = ["志愿者", "志愿者 (2)", "志愿者 (3)"]
        .iter()
        .map(|s| p.already.get(*s).copied().unwrap_or(0))
        .sum();
    assert_eq!(volunteers, ids.len());
}

/// A refused row of a further sheet says which sheet it was on: the error workbook has one
/// sheet of volunteers, and its 原行号 alone would point at a row of the first.
#[test]
fn a_refused_row_of_a_further_sheet_names_its_sheet_in_the_error_workbook() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    sim.volunteer("志愿者0", team);
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, year) in [("志愿者", "1950"), ("志愿者 (2)", "一九五零")] {
        let sheet = book.add_worksheet();
        sheet.set_name(name).expect("a name");
        for (j, h) in ["姓名", "所在队伍", "所在区县", "出生年份"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, j as u16, *h).expect("a header");
        }
        for (j, c) in ["沈阿公", "荻溪六老调解队", "南浔区", year]
            .iter()
            .enumerate()
        {
            sheet.write_string(1, j as u16, *c).expect("a cell");
        }
    }
    let bytes = book.save_to_buffer().expect("a workbook");
    let p = plan(&sim.state, "名册.xlsx", &bytes).expect("readable");
    assert_eq!(p.bad_rows.len(), 1, "{:?}", p.problems);
    let (_, row, _, notes) = &p.bad_rows[0];
    assert_eq!(*row, 2);
    assert_eq!(notes[0], "原在工作表“志愿者 (2)”", "{notes:?}");
    assert_eq!(p.problems[0].sheet, "志愿者 (2)");

    let errors = template::error_sheet(&p).expect("an error workbook");
    let mut read: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(errors)).expect("opens");
    let range = read
        .worksheet_range("志愿者")
        .expect("the volunteers' sheet");
    let row: Vec<String> = range
        .rows()
        .nth(1)
        .expect("the row")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        row.iter().any(|c| c.starts_with("原在工作表“志愿者 (2)”")),
        "{row:?}"
    );
}

/// The error workbook is written before anything is imported, so no row may stop it: a CSV
/// cell that opens a quote and never closes it swallows the rest of the file (here longer
/// than the 32,767 characters an Excel cell holds), is refused as a row, and is written cut
/// to what Excel holds; refused rows past a sheet go on to the next.
#[test]
fn the_error_workbook_takes_any_refused_row_and_more_rows_than_a_sheet() {
    let mut sim = Sim::new();
    sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let mut csv = String::from("姓名,所在队伍,所在区县,出生年份\r\n");
    csv.push_str("沈阿公,没有这个队,南浔区,1950\r\n");
    csv.push_str("\"王小明,荻溪六老调解队,南浔区,1951\r\n");
    for i in 0..3000 {
        csv.push_str(&format!("钱老伯{i},荻溪六老调解队,南浔区,1952\r\n"));
    }
    let p = plan(&sim.state, "志愿者.csv", csv.as_bytes()).expect("readable");
    assert_eq!(p.bad_rows.len(), 2, "{:?}", p.problems);

    let whole = template::error_sheet(&p).expect("an error workbook despite the long cell");
    let mut read: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(whole)).expect("opens");
    assert_eq!(read.sheet_names(), ["志愿者"]);
    let range = read.worksheet_range("志愿者").expect("a sheet");
    let longest = range
        .rows()
        // A carriage return is stored as `_x000D_`, which this reader leaves as it is.
        .flat_map(|r| {
            r.iter()
                .map(|c| c.to_string().replace("_x000D_", "\r").chars().count())
        })
        .max();
    assert_eq!(longest, Some(32_767), "cut to what a cell holds");

    let split = template::error_sheet_in(&p, 1).expect("an error workbook");
    let read: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(split)).expect("opens");
    assert_eq!(read.sheet_names(), ["志愿者", "志愿者 (2)"]);
}
