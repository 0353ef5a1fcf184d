//! Reports: the rows every front end shows the same way. The API answers them as JSON, the
//! web app renders them, and the CLI and the web app write them as spreadsheets through
//! the one CSV writer ([`crate::csv`]), with the column headers defined here once, in
//! English and Chinese.

pub mod accounts;
pub mod backfills;
pub mod categories;
pub mod disputes;
pub mod evaluation;
pub mod events;
pub mod inclusion;
pub mod money;
pub mod policies;
pub mod provenance;
pub mod rankings;
pub mod rules;
pub mod stars;
pub mod stations;
pub mod teams;
pub mod tokens;

use std::io::Write;

use crate::csv::CsvWriter;

/// The language of a spreadsheet's column headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Chinese.
    Zh,
}

/// A kind of row that can be a spreadsheet line.
pub trait Table {
    /// The column headers, (English, Chinese), in order.
    const COLUMNS: &'static [(&'static str, &'static str)];

    /// This row's cells, in column order (numbers as plain decimals).
    fn cells(&self) -> Vec<String>;

    /// This row's cells for a spreadsheet in `lang`: the same as [`Table::cells`] except for
    /// rows with cells in words, which are written in the header's language.
    fn cells_in(&self, lang: Lang) -> Vec<String> {
        let _ = lang;
        self.cells()
    }
}

/// The header row of `T` in `lang`.
pub fn header<T: Table>(lang: Lang) -> Vec<&'static str> {
    T::COLUMNS
        .iter()
        .map(|(en, zh)| if lang == Lang::Zh { *zh } else { *en })
        .collect()
}

/// Writes the header of `T`, then one line per row, to a new spreadsheet on `out`.
pub fn write_csv<'a, T: Table + 'a, W: Write>(
    out: W,
    lang: Lang,
    rows: impl IntoIterator<Item = &'a T>,
) -> std::io::Result<W> {
    let mut csv = CsvWriter::new(out)?;
    csv.row(&header::<T>(lang))?;
    for row in rows {
        csv.row(&row.cells_in(lang))?;
    }
    csv.finish()
}
