//! A cell as Excel reads it when it opens a CSV file with every column in the General
//! format, for tests that check what coordinators will see.

/// What Excel would change about a cell's meaning, beyond a formula (checked apart), or
/// `None` when it reads back as written: as text, as the number it is, or as a date of the
/// same day or month (2026-03-14; 2026-03 becomes the first of that month, still March).
/// A cell led by `'` opens as text with the `'` shown in front (Excel hides the mark only
/// when it is typed into a cell, not when it comes in a CSV): the digits or the formula-like
/// text stay as written, behind a visible mark, and an edit of the cell in Excel that
/// drops the mark brings the formula back. XLSX downloads would need no mark. Runs of digits are the cases that lose data: a
/// leading zero is dropped, a number of more than fifteen digits loses its last ones, and
/// from twelve digits on it is shown as 1.23457E+11. Two small numbers joined by `-` or `/`
/// (3-14, 3/5) become a date in the current year.
pub fn changes(cell: &str) -> Option<&'static str> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(cell) {
        if cell.len() > 15 {
            return Some("a number of more than fifteen digits loses its last ones");
        }
        if cell.len() > 1 && cell.starts_with('0') {
            return Some("a leading zero is dropped");
        }
        if cell.len() >= 12 {
            return Some("a number of twelve digits or more is shown as 1.23457E+11");
        }
        return None;
    }
    for sep in ['-', '/'] {
        let parts: Vec<&str> = cell.split(sep).collect();
        if parts.len() == 2 && parts.iter().all(|p| digits(p) && p.len() <= 2) {
            return Some("two small numbers joined by - or / become a date of this year");
        }
    }
    None
}
