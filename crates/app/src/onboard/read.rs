//! Reading a roster file into sheets of cells: an Excel workbook (`.xlsx`, with its merged
//! regions and formulas), or a CSV file (UTF-8 with or without a BOM, GB18030 as Chinese
//! Excel writes it, or UTF-16 tab-separated text as Excel's "Unicode text" writes it), whose
//! one sheet is named after the kind its header row says.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::layout::{kind_of_header, Kind};

/// One cell as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text (as typed; normalised when checked).
    Text(String),
    /// A number.
    Number(f64),
    /// A date Excel knows as a date.
    Date(NaiveDate),
    /// A formula (its value is not taken: the operator pastes values).
    Formula,
    /// Part of a merged region other than its first cell.
    Merged,
    /// An Excel error value (#N/A, #REF!...).
    Error(String),
}

/// A sheet: its kind, its name in the file, the header row and the data rows (numbered as
/// Excel numbers them).
#[derive(Clone, Debug)]
pub struct Sheet {
    /// What it holds.
    pub kind: Kind,
    /// Its name in the file.
    pub name: String,
    /// The header cells, as text.
    pub header: Vec<String>,
    /// Data rows with their Excel row number.
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// What could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

fn unreadable(zh: impl Into<String>, en: impl Into<String>) -> Unreadable {
    Unreadable {
        zh: zh.into(),
        en: en.into(),
    }
}

/// The first bytes of an Excel 97-2003 workbook (a compound file).
const COMPOUND_FILE_SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads a file: `.xlsx` by its zip signature, anything else as CSV (a `.xls` some systems
/// export is tab-separated text underneath, and reads as such). An Excel 97-2003 workbook
/// (`.xls`, by its compound file's signature, whatever its name) is refused with what to do:
/// calamine's reader of the format trusts the sizes the file states for what it reserves,
/// and one damaged or crafted file could make the service ask for more memory than any
/// machine has, which ends the process. A `.xls` that is a web page underneath is refused
/// too.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Vec<Sheet>, Unreadable> {
    if bytes.starts_with(b"PK\x03\x04") {
        // Chinese Excel's date styles spelled out first, so their cells read as dates.
        let bytes = super::date_styles::spelled_out(bytes).unwrap_or_else(|| bytes.to_vec());
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(cannot_open)?;
        let _ = book.load_merged_regions();
        read_xlsx(book)
    } else if bytes.starts_with(COMPOUND_FILE_SIGNATURE) {
        Err(unreadable(
            "这是旧版 Excel 文件（.xls）：请在 Excel 里打开它，“另存为” .xlsx（Excel 工作簿）或 CSV 后再导入。",
            "This is an old Excel file (.xls): open it in Excel, save it as .xlsx (Excel Workbook) or CSV, then import that.",
        ))
    } else if file_name.to_lowercase().ends_with(".xls")
        && decode(bytes).trim_start().starts_with('<')
    {
        Err(unreadable(
            "这个 .xls 文件其实是网页格式（不少系统导出的“Excel”是这样）：请在 Excel 里打开它，“另存为” .xlsx 后再导入。",
            "This .xls file is a web page underneath (as many systems export \"Excel\"): open it in Excel, save it as .xlsx, then import that.",
        ))
    } else {
        read_csv(bytes).map(|s| vec![s])
    }
}

fn cannot_open(e: impl std::fmt::Display) -> Unreadable {
    unreadable(
        format!("打不开这个 Excel 文件：{e}。请在 Excel 里打开它，“另存为” .xlsx 后再导入。"),
        format!("This Excel file cannot be opened: {e}. Open it in Excel, save it as .xlsx, then import that."),
    )
}

/// The shown worksheets of a workbook: each sheet's area checked, its merged regions,
/// values and formulas read.
fn read_xlsx(mut book: Xlsx<Cursor<Vec<u8>>>) -> Result<Vec<Sheet>, Unreadable> {
    let mut sheets = Vec::new();
    let mut unknown = Vec::new();
    // A hidden sheet is not what the coordinator sees in Excel (an old copy kept out of
    // sight, say): it is not imported; nor is a chart.
    let shown: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| {
            s.visible == calamine::SheetVisible::Visible && s.typ == calamine::SheetType::WorkSheet
        })
        .map(|s| s.name.clone())
        .collect();
    for name in shown {
        check_area(&mut book, &name)?;
        let range = book.worksheet_range(&name).map_err(|e| {
            unreadable(
                format!("工作表“{name}”读不出来：{e}。请在 Excel 里打开它，另存为新的 .xlsx 再导入。"),
                format!("Sheet {name:?} cannot be read: {e}. Open it in Excel, save it as a new .xlsx, then import that."),
            )
        })?;
        let formulas = book.worksheet_formula(&name).ok();
        let merged: Vec<calamine::Dimensions> = book
            .merged_regions_by_sheet(&name)
            .into_iter()
            .map(|(_, _, d)| *d)
            .collect();
        let mut rows = range.rows();
        let Some(first) = rows.next() else {
            continue;
        };
        let header: Vec<String> = first.iter().map(|c| text_of(c).trim().to_owned()).collect();
        let Some(kind) = Kind::of_sheet(&name).or_else(|| kind_of_header(&header)) else {
            unknown.push(name.clone());
            continue;
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut data = Vec::new();
        for (i, row) in rows.enumerate() {
            // A damaged file may claim a row near u32's end: its number saturates there
            // rather than wrapping to row 0.
            let r = top
                .saturating_add(1)
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
            let cells = row
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let col = left + j as u32;
                    let in_merge = merged.iter().any(|m| {
                        m.start != (r, col)
                            && m.start.0 <= r
                            && r <= m.end.0
                            && m.start.1 <= col
                            && col <= m.end.1
                    });
                    let formula = formulas
                        .as_ref()
                        .is_some_and(|f| f.get_value((r, col)).is_some_and(|t| !t.is_empty()));
                    if in_merge {
                        Cell::Merged
                    } else if formula {
                        Cell::Formula
                    } else {
                        cell_of(c)
                    }
                })
                .collect();
            data.push((r.saturating_add(1), cells));
        }
        sheets.push(Sheet {
            kind,
            name,
            header,
            rows: data,
        });
    }
    if sheets.is_empty() {
        return Err(unreadable(
            format!(
                "没有找到要导入的工作表（应叫“区县”“队伍”“志愿者”“原有积分”）；文件里的工作表是：{}",
                unknown.join("、")
            ),
            format!(
                "No sheet to import (they are named 区县, 队伍, 志愿者, 原有积分); the file has: {}",
                unknown.join(", ")
            ),
        ));
    }
    Ok(sheets)
}

fn text_of(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Refuses a sheet whose used area is far larger than its values hold (a value typed far
/// below or to the right of the rest), naming the far cell, before the reader makes a grid
/// of the whole area. The sheet's cells are streamed once for this.
fn check_area<R: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<R>,
    name: &str,
) -> Result<(), Unreadable> {
    {
        let Ok(mut cells) = book.worksheet_cells_reader(name) else {
            return Ok(());
        };
        let mut extent = super::area::Extent::default();
        while let Ok(Some(cell)) = cells.next_cell() {
            if !matches!(cell.get_value(), calamine::DataRef::Empty) {
                let (r, c) = cell.get_position();
                extent.value(r, c);
            }
        }
        extent.check(name)?;
    }
    // The formulas are a grid of their own, and a formula whose value was never worked out
    // holds none to count above.
    let Ok(mut cells) = book.worksheet_cells_reader(name) else {
        return Ok(());
    };
    let mut formulas = super::area::Extent::default();
    while let Ok(Some(cell)) = cells.next_formula() {
        if !cell.get_value().is_empty() {
            let (r, c) = cell.get_position();
            formulas.value(r, c);
        }
    }
    formulas.check(name)
}

fn cell_of(c: &Data) -> Cell {
    match c {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        // Excel's serial day count, from 1899-12-30, or from 1904-01-01 in a workbook saved
        // with the 1904 date system (older Excel for Mac): calamine knows which.
        Data::DateTime(d) => d
            .as_datetime()
            .map_or(Cell::Number(d.as_f64()), |t| Cell::Date(t.date())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

/// CSV bytes as text: a UTF-8 BOM is dropped; UTF-16 with its BOM (Excel's "Unicode text")
/// is read as such; other text that is not UTF-8 is GB18030.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        if encoding != encoding_rs::UTF_8 {
            return encoding.decode_with_bom_removal(bytes).0.into_owned();
        }
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, Unreadable> {
    let text = decode(bytes);
    // Excel's "Unicode text" and "Text (tab delimited)" separate cells with tabs.
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Rows numbered as Excel shows the file: the reader skips blank lines (Excel shows each
    // as a row), and a cell with line breaks in it is one row over several lines. A record
    // ends on the line the reader stands at once it is read (the blank lines after it are
    // skipped only with the next), and starts as many lines earlier as its cells hold line
    // breaks.
    let bytes = text.as_bytes();
    let mut next_line = 1u64;
    let mut row_number = 0u64;
    let mut record = csv::StringRecord::new();
    let mut read = |reader: &mut csv::Reader<&[u8]>,
                    record: &mut csv::StringRecord|
     -> Result<Option<u32>, csv::Error> {
        if !reader.read_record(record)? {
            return Ok(None);
        }
        let breaks: u64 = record.iter().map(|c| c.matches('\n').count() as u64).sum();
        // A record ended by `\n` has its line counted already; one ended by `\r\n` leaves
        // the `\n` (and the count) to the next read.
        let at = reader.position();
        let counted = at
            .byte()
            .checked_sub(1)
            .and_then(|b| bytes.get(usize::try_from(b).ok()?))
            == Some(&b'\n');
        let line = if counted {
            at.line().saturating_sub(1)
        } else {
            at.line()
        };
        let end = line.max(next_line + breaks);
        let start = end - breaks;
        row_number += 1 + start.saturating_sub(next_line);
        next_line = end + 1;
        Ok(Some(u32::try_from(row_number).unwrap_or(u32::MAX)))
    };
    let header: Vec<String> = match read(&mut reader, &mut record) {
        Ok(Some(_)) => record.iter().map(|c| c.trim().to_owned()).collect(),
        _ => {
            return Err(unreadable(
                "文件是空的，或第一行不是表头。",
                "The file is empty, or its first line is not a header.",
            ))
        }
    };
    let Some(kind) = kind_of_header(&header) else {
        return Err(unreadable(
            format!("看不出这是哪种名册：表头是“{}”。请用模板里的表头。", header.join("，")),
            format!("Cannot tell which roster this is from its header ({}); use the template's headers.", header.join(", ")),
        ));
    };
    let mut rows = Vec::new();
    loop {
        let number = match read(&mut reader, &mut record) {
            Ok(Some(n)) => n,
            Ok(None) => break,
            Err(e) => {
                let n = row_number + 1;
                return Err(unreadable(
                    format!("第 {n} 行读不出来：{e}"),
                    format!("Row {n} cannot be read: {e}"),
                ));
            }
        };
        let cells = record
            .iter()
            .map(|c| {
                if c.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(c.to_owned())
                }
            })
            .collect();
        rows.push((number, cells));
    }
    Ok(Sheet {
        kind,
        name: kind.sheet_name().to_owned(),
        header,
        rows,
    })
}

/// The row, among a sheet's first few, that holds every required column's header, when the
/// first row does not: the sheet has a title above its table.
pub fn header_further_down(s: &Sheet) -> Option<u32> {
    s.rows
        .iter()
        .take(crate::limits::HEADER_SEARCH_ROWS)
        .find(|(_, cells)| {
            let texts: Vec<String> = cells
                .iter()
                .filter_map(|c| super::layout::text(c).ok().flatten())
                .collect();
            s.kind
                .columns()
                .iter()
                .filter(|c| c.2)
                .all(|c| texts.iter().any(|t| super::layout::matches_header(t, c)))
        })
        .map(|(number, _)| *number)
}

#[cfg(test)]
mod tests {
    /// A CSV's rows are numbered as Excel shows them: a blank line is a row, a cell with a
    /// line break in it is not two.
    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        let text = "姓名,所在队伍,出生年份\r\n\r\n陆金宝,荻溪六老调解队,1950\r\n\"王\n建国\",荻溪六老调解队,1951\r\n沈阿婆,荻溪六老调解队,1948\r\n";
        for text in [
            text.to_owned(),
            text.replace("\r\n", "\n"),
            text.replace("1948\r\n", "1948"),
        ] {
            let sheet = super::read_csv(text.as_bytes()).expect("read");
            let numbers: Vec<u32> = sheet.rows.iter().map(|(n, _)| *n).collect();
            assert_eq!(numbers, [3, 4, 5], "{text:?}");
        }
        let plain =
            super::read_csv("姓名,所在队伍,出生年份\n陆金宝,荻溪六老调解队,1950\n".as_bytes())
                .expect("read");
        assert_eq!(plain.rows[0].0, 2, "Unix line ends");
    }

    /// A volunteers' sheet with two formulas at opposite corners of the grid (A2 and
    /// XFD1048576), each recorded with `result`.
    fn far_formulas(result: &str) -> Vec<u8> {
        use rust_xlsxwriter::{Formula, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("志愿者").expect("name");
        for (j, h) in ["姓名", "所在队伍", "出生年份"].iter().enumerate() {
            sheet.write_string(0, j as u16, *h).expect("header");
        }
        for (r, c) in [(1, 0), (1_048_575, 16_383)] {
            sheet
                .write_formula(r, c, Formula::new("=1+1").set_result(result))
                .expect("formula");
        }
        book.save_to_buffer().expect("saved")
    }

    /// Two formulas at opposite corners of the grid, with an empty result, are refused before
    /// calamine makes a grid of what lies between them (their results count as values).
    #[test]
    fn formulas_far_apart_without_values_are_refused() {
        let refused = read("名册.xlsx", &far_formulas("")).expect_err("far formulas");
        assert!(refused.zh.contains("XFD1048576"), "{refused:?}");
    }

    /// Formulas far apart whose value was never worked out (no value recorded at all, as a
    /// workbook saved without recalculating holds them) are refused by the formula pass:
    /// the first pass has no value to count.
    #[test]
    fn formulas_far_apart_with_no_value_recorded_are_refused() {
        use std::io::{Read, Write};
        let bytes = far_formulas("7");
        // The same workbook with the formulas' recorded values taken out.
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().to_owned();
            let mut text = Vec::new();
            entry.read_to_end(&mut text).expect("read");
            if name.ends_with("sheet1.xml") {
                let xml = String::from_utf8(text).expect("xml");
                assert!(xml.contains("<v>7</v>"), "{xml}");
                text = xml.replace("<v>7</v>", "").into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            out.write_all(&text).expect("write");
        }
        let rewritten = out.finish().expect("zip").into_inner();
        let refused = read("名册.xlsx", &rewritten).expect_err("far formulas");
        assert!(refused.zh.contains("XFD1048576"), "{refused:?}");
    }

    /// Columns are named as Excel names them, to its last (XFD).
    #[test]
    fn columns_are_named_as_excel_names_them() {
        for (n, letters) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16_383, "XFD"),
        ] {
            assert_eq!(super::super::area::column_letters(n), letters);
        }
    }

    /// A date cell reads as the same day in either of Excel's date systems.
    #[test]
    fn a_date_reads_alike_in_both_of_excels_date_systems() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::DateTime};
        let day = NaiveDate::from_ymd_opt(2019, 3, 5).expect("a date");
        for (serial, is_1904) in [(43_529.0, false), (42_067.0, true), (43_529.25, false)] {
            let cell = super::cell_of(&Data::DateTime(ExcelDateTime::new(
                serial, DateTime, is_1904,
            )));
            assert!(
                matches!(cell, Cell::Date(d) if d == day),
                "{serial} {is_1904}: {cell:?}"
            );
        }
    }

    use super::*;

    /// Excel's "Unicode text" is UTF-16 with a BOM and tabs between cells; an old `.xls`
    /// renamed `.csv` is told apart by its signature, not read as garbled text; a `.xls` a
    /// system exported as tab-separated text reads as text, one that is a web page
    /// underneath is named as such.
    #[test]
    fn unicode_text_reads_and_an_old_workbook_is_named_whatever_its_file_name() {
        let unicode = "姓名\t所在队伍\t出生年份\r\n陆金宝\t荻溪六老调解队\t1950\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(unicode.encode_utf16().flat_map(u16::to_le_bytes));
        let sheets = read("名册.txt", &bytes).expect("read");
        assert_eq!(sheets[0].kind, Kind::Volunteers);
        assert_eq!(sheets[0].header, ["姓名", "所在队伍", "出生年份"]);
        assert_eq!(sheets[0].rows[0].1[0], Cell::Text("陆金宝".into()));
        let exported = read("导出.xls", &bytes).expect("text named .xls");
        assert_eq!(exported[0].rows[0].1[0], Cell::Text("陆金宝".into()));

        let mut damaged = COMPOUND_FILE_SIGNATURE.to_vec();
        damaged.extend([0u8; 64]);
        let refused = read("名册.csv", &damaged).expect_err("a damaged workbook");
        assert!(refused.en.contains(".xls"), "{refused:?}");

        let page = "<html><body><table><tr><td>姓名</td></tr></table></body></html>";
        let refused = read("名册.xls", page.as_bytes()).expect_err("a web page");
        assert!(refused.zh.contains("网页格式"), "{refused:?}");
    }
}
