//! The one workbook writer of the reports (`.xlsx`), beside the one CSV writer
//! ([`crate::csv`]). Coordinators open every download in Excel, and a workbook says what
//! each cell is where a CSV leaves Excel to guess: a name typed as `=1+2` is a text cell and
//! is shown as typed, without the `'` a CSV needs in front of it; a run of digits Excel
//! would change (`042917`, an id of eighteen digits) is text; a month `2026-03` stays text
//! instead of becoming a date; and a figure is a number, with as many decimals as the report
//! gives it (`0.00` yuan stays `0.00`), so a column can be summed. The header row is bold,
//! stays in view when scrolling and carries Excel's filter buttons.

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

/// A new workbook of one sheet named `name`, `header` in its first row.
pub struct Sheet {
    book: Workbook,
    rows: u32,
    columns: u16,
    formats: Vec<Format>,
}

impl Sheet {
    /// Starts the workbook: its one sheet and the header row.
    pub fn new<S: AsRef<str>>(name: &str, header: &[S]) -> Result<Self, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (j, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column(j)?, h.as_ref(), &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let columns = column(header.len())?;
        Ok(Sheet {
            book,
            rows: 1,
            columns,
            formats: Vec::new(),
        })
    }

    /// One row: a plain figure as a number shown with its decimals, anything else as text.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), XlsxError> {
        let r = self.rows;
        for (j, cell) in cells.iter().enumerate() {
            let c = column(j)?;
            let cell = cell.as_ref();
            match figure(cell) {
                Some((n, 0)) => {
                    self.sheet()?.write_number(r, c, n)?;
                }
                Some((n, decimals)) => {
                    let format = self.decimals(decimals);
                    self.sheet()?.write_number_with_format(r, c, n, &format)?;
                }
                None if cell.is_empty() => {}
                None => {
                    let text: String = cell.chars().take(crate::limits::EXCEL_CELL_CHARS).collect();
                    self.sheet()?.write_string(r, c, text)?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let (last_row, last_column) = (self.rows - 1, self.columns.saturating_sub(1));
        let sheet = self.sheet()?;
        sheet.autofilter(0, 0, last_row, last_column)?;
        sheet.autofit();
        self.book.save_to_buffer()
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.book.worksheet_from_index(0)
    }

    /// The number format showing `decimals` places (`0.00`), made once.
    fn decimals(&mut self, decimals: usize) -> Format {
        while self.formats.len() < decimals {
            let places = "0".repeat(self.formats.len() + 1);
            self.formats
                .push(Format::new().set_num_format(format!("0.{places}")));
        }
        self.formats[decimals - 1].clone()
    }
}

fn column(j: usize) -> Result<u16, XlsxError> {
    u16::try_from(j).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::figure;

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
