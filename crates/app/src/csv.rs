//! The one CSV writer of the project: UTF-8 with a byte-order mark (so Excel shows Chinese
//! text), RFC 4180 quoting, CRLF line ends, and the formula guard.
//!
//! Coordinators open every export in Excel. A cell that starts with `=`, `+`, `-`, `@`, a
//! tab or a carriage return is a formula to Excel (`=HYPERLINK(...)` in a volunteer's name
//! would become a live link), so such a cell is written with a leading `'`, which makes
//! Excel show it as text. A plain number such as `-12.5` (a reversal on a statement) stays
//! a number. So does a run of digits Excel would read back as another number: a leading
//! zero dropped (`042917`), or twelve digits and more shown as `1.23457E+11` and, past
//! fifteen, their last digits lost (a hash of all zeros, an id number): those are written
//! with the leading `'` too. So is text Excel would turn into a date of this year: two
//! numbers of one or two digits joined by `-` or `/` (`3-5` becomes 5 March, `1/2` 2
//! January), which a re-saved file would then hold as the date. A whole date
//! (`2026-03-14`) and a month (`2026-03`, the first of March 2026) stay as they are: Excel
//! reads them as that very day and month.

use std::io::Write;

/// The UTF-8 byte-order mark Excel needs to read UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a spreadsheet would read `cell` as the start of a formula.
pub fn is_formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(cell)
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a spreadsheet would read `cell`, all digits, as a number that is not what it
/// says: a leading zero dropped, or twelve digits and more shown in scientific notation
/// (past fifteen, the last ones lost).
pub fn is_digits_excel_changes(cell: &str) -> bool {
    !cell.is_empty()
        && cell.bytes().all(|b| b.is_ascii_digit())
        && ((cell.len() > 1 && cell.starts_with('0'))
            || cell.len() >= crate::limits::EXCEL_SCIENTIFIC_DIGITS)
}

/// Whether a spreadsheet would read `cell` as a date it is not: two runs of one or two
/// digits joined by one `-` or `/`.
pub fn is_pair_excel_makes_a_date(cell: &str) -> bool {
    let Some((a, b)) = cell.split_once(['-', '/']) else {
        return false;
    };
    let small = |s: &str| {
        (1..=crate::limits::EXCEL_DATE_PART_DIGITS).contains(&s.len())
            && s.bytes().all(|c| c.is_ascii_digit())
    };
    small(a) && small(b)
}

/// The cell as it is safe to write: formula-like text, and digits a spreadsheet would
/// change (into another number or a date), get a leading `'`. Excel opens such a cell as
/// text with the `'` shown in front of it (only a typed `'` is hidden): kept, but marked.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(cell) || is_digits_excel_changes(cell) || is_pair_excel_makes_a_date(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes rows of text cells as a spreadsheet file.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    /// Rows written, the header among them: past what Excel opens of a CSV, the caller says so.
    rows: u64,
}

impl<W: Write> CsvWriter<W> {
    /// Starts a file: writes the byte-order mark.
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(UTF8_BOM)?;
        Ok(CsvWriter {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(out),
            rows: 0,
        })
    }

    /// Rows written so far, the header among them. Excel opens only a CSV's first
    /// 1,048,576 lines ([`crate::limits::EXCEL_SHEET_DATA_ROWS`] and the header) and drops
    /// the rest with a warning few read, so a writer of longer files says so.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// One row, every cell guarded.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.inner
            .write_record(cells.iter().map(|c| guard(c.as_ref()).into_owned()))
            .map_err(std::io::Error::other)?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cells: &[&str]) -> String {
        let mut w = CsvWriter::new(Vec::new()).expect("bom");
        w.row(cells).expect("row");
        let bytes = w.finish().expect("finish");
        String::from_utf8(bytes[UTF8_BOM.len()..].to_vec()).expect("utf-8")
    }

    /// The count a writer of a long file compares with what Excel opens: every row written,
    /// the header among them, and a refused write not counted.
    #[test]
    fn a_writer_counts_the_rows_it_wrote() {
        let mut w = CsvWriter::new(Vec::new()).expect("bom");
        assert_eq!(w.rows(), 0);
        w.row(&["编号", "积分"]).expect("header");
        for i in 0..3 {
            w.row(&[format!("V{i}"), "1.00".into()]).expect("row");
        }
        assert_eq!(w.rows(), 4);
        assert!(w.row(&["one cell too few"]).is_err());
        assert_eq!(w.rows(), 4);
    }

    #[test]
    fn formula_like_cells_are_written_as_text() {
        for cell in [
            "=1+2",
            "+1",
            "-x",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\",\"点我\")",
        ] {
            assert!(is_formula_like(cell), "{cell:?}");
            assert!(guard(cell).starts_with('\''), "{cell:?}");
        }
        for cell in ["-12.5", "-3", "0", "12", "银雁协共体", "", "a=b"] {
            assert!(!is_formula_like(cell), "{cell:?}");
        }
        assert_eq!(written(&["=1+2", "-5", "荻溪"]), "'=1+2,-5,荻溪\r\n");
        assert_eq!(
            written(&["a,b", "say \"hi\""]),
            "\"a,b\",\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn digits_a_spreadsheet_would_read_as_another_number_are_written_as_text() {
        for cell in ["042917", "00", "123456789012", &"0".repeat(64)] {
            assert!(is_digits_excel_changes(cell), "{cell:?}");
            assert_eq!(guard(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in [
            "0",
            "7",
            "12",
            "13800138000",
            "12.50",
            "-3",
            "2026-03-14",
            "a01",
        ] {
            assert!(!is_digits_excel_changes(cell), "{cell:?}");
            assert_eq!(guard(cell), cell, "{cell:?}");
        }
    }

    /// Excel turns `3-5` into 5 March of this year, and a coordinator who saves the file
    /// again keeps the date; a whole date and a month are read as themselves and stay.
    #[test]
    fn a_pair_of_numbers_excel_would_read_as_a_date_is_written_as_text() {
        for cell in ["3-5", "03-14", "1/2", "12/31", "13-5", "5-40"] {
            assert!(is_pair_excel_makes_a_date(cell), "{cell:?}");
            assert_eq!(guard(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in [
            "2026-03-14",
            "2026-03",
            "03-2026",
            "123-456",
            "12345-1",
            "3-",
            "-5",
            "a-5",
            "3--5",
            "3-5室",
            "12.5",
        ] {
            assert!(!is_pair_excel_makes_a_date(cell), "{cell:?}");
        }
        assert_eq!(written(&["3-5", "2026-03-14"]), "'3-5,2026-03-14\r\n");
    }
}
