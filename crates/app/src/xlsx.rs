//! The one workbook writer of the reports (`.xlsx`), beside the one CSV writer
//! ([`crate::csv`]). Coordinators open every download in Excel, and a workbook says what
//! each cell is where a CSV leaves Excel to guess: a name typed as `=1+2` is a text cell and
//! is shown as typed, without the `'` a CSV needs in front of it; a run of digits Excel
//! would change (`042917`, an id of eighteen digits) is text; a month `2026-03` stays text
//! instead of becoming a date; and a figure is a number, with as many decimals as the report
//! gives it (`0.00` yuan stays `0.00`; a column shows every figure with the decimals of its
//! most precise one), so a column can be summed. The header row is bold, stays in view when
//! scrolling and carries Excel's filter buttons; each column is as wide as its widest cell.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// Excel keeps fifteen significant digits of a number: a figure with more is written as
/// text, as typed, rather than rounded.
const EXCEL_NUMBER_DIGITS: usize = 15;

/// A cell's text as the number it is, with its count of decimals, when a report wrote a
/// plain figure (`12`, `-3.50`) that Excel keeps exactly; `None` for anything else,
/// including digits Excel would change (a leading zero, twelve digits or more).
pub fn figure(cell: &str) -> Option<(f64, usize)> {
    let unsigned = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        && !(unsigned.contains('.') && fraction.is_empty())
        && !crate::csv::is_digits_excel_changes(whole)
        && whole.len() + fraction.len() <= EXCEL_NUMBER_DIGITS;
    if !plain {
        return None;
    }
    cell.parse::<f64>().ok().map(|n| (n, fraction.len()))
}

/// A workbook of one sheet in the making: the rows are kept until [`Sheet::finish`], which
/// gives each column one number format (as many decimals as its most precise figure, so a
/// column of points reads `1.00`, `0.50`, `0.83` rather than `1`, `0.5`, `0.8333`) and a
/// width that fits its widest cell, a Chinese character counted twice.
pub struct Sheet {
    name: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    /// Starts the workbook: its one sheet's name and header row.
    pub fn new<S: AsRef<str>>(name: &str, header: &[S]) -> Self {
        Sheet {
            name: name.to_owned(),
            header: header.iter().map(|h| h.as_ref().to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// One row (kept; the sheet's limits are met in [`Sheet::finish`]).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        self.rows
            .push(cells.iter().map(|c| c.as_ref().to_owned()).collect());
    }

    /// The finished file: a plain figure as a number in its column's format, anything else
    /// as text; the header bold, kept in view and carrying Excel's filter buttons. Rows past
    /// what one sheet holds ([`crate::limits::EXCEL_SHEET_DATA_ROWS`]) go on to a second
    /// sheet named `NAME (2)`, and so on, each with the header.
    pub fn finish(self) -> Result<Vec<u8>, XlsxError> {
        self.finish_in(crate::limits::EXCEL_SHEET_DATA_ROWS)
    }

    /// [`Sheet::finish`] with `per_sheet` rows a sheet (fewer in tests).
    fn finish_in(self, per_sheet: usize) -> Result<Vec<u8>, XlsxError> {
        let columns = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut decimals = vec![0usize; columns];
        let mut widths: Vec<usize> = (0..columns)
            .map(|j| self.header.get(j).map_or(0, |h| shown_width(h)))
            .collect();
        for row in &self.rows {
            for (j, cell) in row.iter().enumerate() {
                if let Some((_, places)) = figure(cell) {
                    decimals[j] = decimals[j].max(places);
                }
                widths[j] = widths[j].max(shown_width(cell));
            }
        }
        let formats: Vec<Format> = decimals
            .iter()
            .map(|&places| match places {
                0 => Format::new().set_num_format("0"),
                n => Format::new().set_num_format(format!("0.{}", "0".repeat(n))),
            })
            .collect();
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        // An empty sheet still gets its one sheet, with the header.
        let parts: Vec<&[Vec<String>]> = if self.rows.is_empty() {
            vec![&[]]
        } else {
            self.rows.chunks(per_sheet.max(1)).collect()
        };
        for (n, rows) in parts.into_iter().enumerate() {
            let sheet = part_sheet(&mut book, &self.name, n)?;
            for (j, h) in self.header.iter().enumerate() {
                sheet.write_string_with_format(0, column(j)?, h, &bold)?;
            }
            for (i, row) in rows.iter().enumerate() {
                let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
                for (j, cell) in row.iter().enumerate() {
                    put(sheet, (r, column(j)?), cell, &formats[j])?;
                }
            }
            for (j, width) in widths.iter().enumerate() {
                // Room for the decimals a format adds (`1` shown as `1.00`) and the filter
                // button.
                let shown = width + decimals[j] + 1;
                let width = shown.clamp(
                    crate::limits::XLSX_MIN_COLUMN_CHARS,
                    crate::limits::XLSX_MAX_COLUMN_CHARS,
                ) + 2;
                sheet.set_column_width(column(j)?, width as f64)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
            sheet.autofilter(0, 0, last_row, column(columns.saturating_sub(1))?)?;
        }
        book.save_to_buffer()
    }
}

/// One cell: a figure as a number in `format`, an empty cell as nothing, other text as text
/// (cut at the most an Excel cell holds).
fn put(
    sheet: &mut Worksheet,
    (r, c): (u32, u16),
    cell: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    match figure(cell) {
        Some((n, _)) => {
            sheet.write_number_with_format(r, c, n, format)?;
        }
        None if cell.is_empty() => {}
        None => {
            let text: String = cell.chars().take(crate::limits::EXCEL_CELL_CHARS).collect();
            sheet.write_string(r, c, text)?;
        }
    }
    Ok(())
}

/// How wide a cell's text shows, in the widths of a digit: a Chinese (or other wide)
/// character takes two.
fn shown_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// A new sheet for the `part`th part (from 0) of `name`'s rows: named `name` for the first,
/// `NAME (2)`, `NAME (3)` and on after it. The reports, the roster's export and the error
/// workbook split their rows past one sheet the same way.
pub fn part_sheet<'b>(
    book: &'b mut Workbook,
    name: &str,
    part: usize,
) -> Result<&'b mut Worksheet, XlsxError> {
    let sheet = book.add_worksheet();
    if part == 0 {
        sheet.set_name(name)?;
    } else {
        sheet.set_name(continued(name, part + 1))?;
    }
    Ok(sheet)
}

/// The name of the `n`th sheet of `name`'s rows, `NAME (n)`, NAME cut so that the whole fits
/// the characters Excel allows a sheet's name.
fn continued(name: &str, n: usize) -> String {
    let suffix = format!(" ({n})");
    let room = crate::limits::EXCEL_SHEET_NAME_CHARS.saturating_sub(suffix.chars().count());
    let base: String = name.chars().take(room).collect();
    format!("{base}{suffix}")
}

fn column(j: usize) -> Result<u16, XlsxError> {
    u16::try_from(j).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::{figure, Sheet};
    use calamine::Reader as _;

    /// Rows past what a sheet holds go on to the next sheets, each with the header, in order
    /// and none lost: here three rows a sheet.
    #[test]
    fn rows_past_a_sheet_go_on_to_the_next_sheets_each_with_the_header() {
        let mut book = Sheet::new("余额", &["编号", "积分"]);
        for i in 0..8 {
            book.row(&[format!("V{i}"), format!("{i}.50")]);
        }
        let bytes = book.finish_in(3).expect("a workbook");
        let mut read: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
        assert_eq!(read.sheet_names(), ["余额", "余额 (2)", "余额 (3)"]);
        let mut ids = Vec::new();
        for name in read.sheet_names() {
            let range = read.worksheet_range(&name).expect("a sheet");
            let mut rows = range.rows();
            let header: Vec<String> = rows
                .next()
                .expect("a header")
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(header, ["编号", "积分"], "{name}");
            for row in rows {
                ids.push(row[0].to_string());
                assert!(
                    matches!(row[1], calamine::Data::Float(f) if f.fract() == 0.5),
                    "a number: {:?}",
                    row[1]
                );
            }
        }
        assert_eq!(ids, (0..8).map(|i| format!("V{i}")).collect::<Vec<_>>());
        // A name as long as Excel allows is cut to make room for the sheet's number.
        assert_eq!(super::continued("余额", 2), "余额 (2)");
        let long = "积".repeat(31);
        assert_eq!(super::continued(&long, 12).chars().count(), 31);
        assert!(super::continued(&long, 12).ends_with("积 (12)"));
        // No rows: one sheet, the header alone.
        let bytes = Sheet::new("余额", &["编号"])
            .finish_in(3)
            .expect("a workbook");
        let read: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
        assert_eq!(read.sheet_names(), ["余额"]);
    }

    /// A figure is a number with its decimals; digits Excel would change, and anything
    /// that is not a plain figure, stay text.
    #[test]
    fn plain_figures_are_numbers_and_everything_else_is_text() {
        assert_eq!(figure("12"), Some((12.0, 0)));
        assert_eq!(figure("-3.50"), Some((-3.5, 2)));
        assert_eq!(figure("0.00"), Some((0.0, 2)));
        assert_eq!(figure("0"), Some((0.0, 0)));
        for text in [
            "042917",
            "123456789012",
            "2026-03",
            "2026-03-14",
            "=1+2",
            "1e5",
            "12.",
            ".5",
            "-",
            "",
            "1,234",
            "1234567890.123456",
            "NaN",
        ] {
            assert_eq!(figure(text), None, "{text}");
        }
    }
}
