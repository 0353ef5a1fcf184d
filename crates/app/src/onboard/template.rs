//! Workbooks the operator opens in Excel: the roster template (Chinese headers, one example
//! row per sheet) and the error sheet (each refused row as it was, with its problems in a
//! last column, to fix and import again).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::layout::Kind;
use super::read::Cell;
use super::Plan;

/// A refused row for the error workbook: its sheet's kind, its row as Excel numbers it, its
/// cells in the template's columns, and its problems in Chinese.
pub type BadRow = (Kind, u32, Vec<Cell>, Vec<String>);

/// The template, as `.xlsx` bytes.
pub fn template() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for kind in Kind::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(kind.sheet_name())?;
        header(sheet, kind, &bold)?;
        for (j, value) in kind.example().iter().enumerate() {
            put(sheet, kind, (1, j), value)?;
        }
    }
    book.save_to_buffer()
}

/// The error sheet of a plan: per sheet, the header and each refused row with its problems.
/// It is written before anything is imported, so nothing in a row may stop it: a cell longer
/// than Excel holds is cut, and refused rows past one sheet go on to `志愿者 (2)` and on.
pub fn error_sheet(plan: &Plan) -> Result<Vec<u8>, XlsxError> {
    error_sheet_in(plan, crate::limits::EXCEL_SHEET_DATA_ROWS)
}

/// [`error_sheet`] with at most `per_sheet` rows a sheet: Excel's limit for the operator, a
/// few in a test of the split.
pub fn error_sheet_in(plan: &Plan, per_sheet: usize) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for kind in Kind::ALL {
        let rows: Vec<_> = plan.bad_rows.iter().filter(|r| r.0 == kind).collect();
        for (n, part) in rows.chunks(per_sheet.max(1)).enumerate() {
            let sheet = crate::xlsx::part_sheet(&mut book, kind.sheet_name(), n)?;
            refused_rows(sheet, kind, part, &bold)?;
        }
    }
    if plan.bad_rows.is_empty() {
        book.add_worksheet()
            .set_name("问题")?
            .write_string(0, 0, "没有问题")?;
    }
    book.save_to_buffer()
}

/// One sheet of the error workbook: `kind`'s header, 问题 and 原行号, then `rows`.
fn refused_rows(
    sheet: &mut Worksheet,
    kind: Kind,
    rows: &[&BadRow],
    bold: &Format,
) -> Result<(), XlsxError> {
    let columns = kind.columns();
    header(sheet, kind, bold)?;
    let notes_at = columns.len() as u16;
    sheet.write_string_with_format(0, notes_at, "问题", bold)?;
    sheet.write_string_with_format(0, notes_at + 1, "原行号", bold)?;
    for (i, (_, number, cells, notes)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        // Each cell as it came: a number stays a number (a date typed as Excel's serial
        // number is read as one again once the row is fixed), a date is written as the
        // date it is; phone digits and ids stay text.
        for (j, cell) in cells.iter().enumerate().take(columns.len()) {
            match cell {
                Cell::Number(n) if !is_text_column(kind, j) => {
                    sheet.write_number(r, j as u16, *n)?;
                }
                Cell::Number(n) if n.fract() == 0.0 => {
                    put(sheet, kind, (r, j), &format!("{n:.0}"))?;
                }
                Cell::Text(t) => put(sheet, kind, (r, j), t)?,
                Cell::Number(n) => put(sheet, kind, (r, j), &n.to_string())?,
                Cell::Date(d) => put(sheet, kind, (r, j), &d.to_string())?,
                _ => {}
            }
        }
        sheet.write_string(r, notes_at, cut(&notes.join("；")))?;
        sheet.write_number(r, notes_at + 1, f64::from(*number))?;
    }
    Ok(())
}

/// `text` cut at the most characters an Excel cell holds, where the writer would refuse the
/// whole workbook (a CSV cell that opened a quote and never closed it runs to the end of
/// the file, and is refused as a row all the same).
fn cut(text: &str) -> &str {
    match text.char_indices().nth(crate::limits::EXCEL_CELL_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The ledger's roster in the template's layout, each volunteer with their id: edit it in
/// Excel and import it again to move volunteers or record phone digits; rows without an id
/// are new people.
///
/// Past the 1,048,575 volunteers one sheet holds below its header, the rest go on to sheets
/// `志愿者 (2)`, `志愿者 (3)` and so on, each with the header, which the import reads as
/// volunteers by their header.
pub fn roster(state: &yinling_projections::State) -> Result<Vec<u8>, XlsxError> {
    roster_in(state, crate::limits::EXCEL_SHEET_DATA_ROWS)
}

/// [`roster`] with at most `per_sheet` volunteers a sheet: the operator's file uses Excel's
/// limit; a test of the split uses a few.
pub fn roster_in(
    state: &yinling_projections::State,
    per_sheet: usize,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(Kind::Districts.sheet_name())?;
    header(sheet, Kind::Districts, &bold)?;
    let mut districts: Vec<_> = state.districts.values().filter(|d| d.registered).collect();
    districts.sort_by(|a, b| a.name.cmp(&b.name));
    for (i, d) in districts.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &d.name)?;
        let kind = match d.kind {
            Some(yinling_ledger::DistrictKind::County) => "县",
            _ => "区",
        };
        sheet.write_string(r, 1, kind)?;
        sheet.write_string(r, 2, &d.region)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name(Kind::Teams.sheet_name())?;
    header(sheet, Kind::Teams, &bold)?;
    let mut teams: Vec<_> = state.teams.values().collect();
    teams.sort_by(|a, b| (&a.district, &a.name).cmp(&(&b.district, &b.name)));
    for (i, t) in teams.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &t.name)?;
        sheet.write_string(r, 1, &t.district)?;
        // The category by its Chinese name, as the template's example and the coordinators
        // write it (the import reads the code too).
        sheet.write_string(r, 2, state.categories.label(&t.category, true))?;
        put(sheet, Kind::Teams, (r, 3), &t.id.to_string())?;
    }
    let mut volunteers: Vec<_> = state.volunteers.values().collect();
    volunteers
        .sort_by(|a, b| (&a.district, a.team_id, &a.name).cmp(&(&b.district, b.team_id, &b.name)));
    // No volunteer yet: the sheet with its header all the same.
    let parts: Vec<&[&yinling_projections::volunteers::Volunteer]> = if volunteers.is_empty() {
        vec![&[]]
    } else {
        volunteers.chunks(per_sheet.max(1)).collect()
    };
    for (n, part) in parts.into_iter().enumerate() {
        let sheet = crate::xlsx::part_sheet(&mut book, Kind::Volunteers.sheet_name(), n)?;
        header(sheet, Kind::Volunteers, &bold)?;
        volunteer_rows(state, sheet, part)?;
    }
    book.save_to_buffer()
}

/// The rows of `volunteers` on their sheet of the roster, from its second row.
fn volunteer_rows(
    state: &yinling_projections::State,
    sheet: &mut Worksheet,
    volunteers: &[&yinling_projections::volunteers::Volunteer],
) -> Result<(), XlsxError> {
    for (i, v) in volunteers.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        let team = state
            .teams
            .get(&v.team_id)
            .map(|t| t.name.as_str())
            .unwrap_or_default();
        sheet.write_string(r, 0, &v.name)?;
        sheet.write_string(r, 1, team)?;
        sheet.write_string(r, 2, v.district.as_str())?;
        if let Some(y) = v.birth_year {
            sheet.write_number(r, 3, f64::from(y))?;
        }
        put(
            sheet,
            Kind::Volunteers,
            (r, 4),
            v.phone_last_four.as_deref().unwrap_or_default(),
        )?;
        let joined = state
            .imported
            .get(&yinling_ledger::ImportedRecord::Volunteer(v.id))
            .and_then(|s| s.joined_on)
            .map(|d| d.to_string())
            .unwrap_or_default();
        sheet.write_string(r, 5, joined)?;
        put(sheet, Kind::Volunteers, (r, 6), &v.id.to_string())?;
    }
    Ok(())
}

/// Excel's text format: a cell of it keeps what is typed (a phone's `0456` stays `0456`
/// instead of becoming the number 456, which the import would refuse).
fn text_format() -> Format {
    Format::new().set_num_format("@")
}

/// The header of `kind` in bold, each column 16 wide; the phone and id columns in the text
/// format, for the cells written here and those a coordinator types below them.
fn header(sheet: &mut Worksheet, kind: Kind, bold: &Format) -> Result<(), XlsxError> {
    for (j, column) in kind.columns().iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, column.0, bold)?;
        sheet.set_column_width(j as u16, 16)?;
        if is_text_column(kind, j) {
            sheet.set_column_format(j as u16, &text_format())?;
        }
    }
    Ok(())
}

/// Whether column `j` of `kind` holds digits that are text: phone digits, ids.
fn is_text_column(kind: Kind, j: usize) -> bool {
    kind.columns()
        .get(j)
        .is_some_and(|c| matches!(c.1, "phone" | "id"))
}

/// Writes `text` into column `j` of `kind`'s sheet, in the text format where the column
/// keeps digits as typed.
fn put(
    sheet: &mut Worksheet,
    kind: Kind,
    (r, j): (u32, usize),
    text: &str,
) -> Result<(), XlsxError> {
    let text = cut(text);
    if is_text_column(kind, j) {
        sheet.write_string_with_format(r, j as u16, text, &text_format())?;
    } else {
        sheet.write_string(r, j as u16, text)?;
    }
    Ok(())
}
