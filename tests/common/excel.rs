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

/// A CSV cell Excel keeps as the number it says: a sign, up to eleven whole digits without a
/// leading zero, a point and digits, fifteen digits in all (written apart from the writer's
/// own reading, as its oracle).
fn figure(text: &str) -> Option<(f64, usize)> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = !whole.is_empty()
        && whole.len() < 12
        && (whole == "0" || !whole.starts_with('0'))
        && digits(whole)
        && digits(fraction)
        && whole.len() + fraction.len() <= 15;
    ok.then(|| text.parse().ok().map(|n| (n, fraction.len())))
        .flatten()
}

/// Checks a workbook download against the CSV of the same table, cell by cell: every
/// figure of the CSV is a number in the workbook, every other cell the same text without
/// the `'` a CSV puts before formula-like text and digits Excel would change, and nothing in
/// the workbook is a formula. The header row is the same text.
pub fn workbook_matches_csv(what: &str, xlsx: &[u8], csv: &[u8]) {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).expect("a workbook");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("its cells");
    let formulas = book.worksheet_formula(&name).expect("its formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "{what}: a formula in the workbook"
    );
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM"))
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(range.height(), rows.len(), "{what}: rows");
    for (i, (cells, row)) in range.rows().zip(&rows).enumerate() {
        for (j, text) in row.iter().enumerate() {
            let cell = cells.get(j).unwrap_or(&Data::Empty);
            let plain = text.strip_prefix('\'').unwrap_or(text);
            let figure = (i > 0).then(|| figure(text)).flatten();
            match (figure, cell) {
                (Some((n, _)), Data::Float(f)) => assert_eq!(*f, n, "{what} {i},{j}"),
                (Some((n, _)), Data::Int(f)) => assert_eq!(*f as f64, n, "{what} {i},{j}"),
                (None, Data::String(s)) => assert_eq!(s, plain, "{what} {i},{j}"),
                (None, Data::Empty) => assert!(text.is_empty(), "{what} {i},{j}: {text:?}"),
                (expected, found) => {
                    panic!("{what} {i},{j}: {text:?} ({expected:?}) is {found:?}")
                }
            }
        }
    }
}
