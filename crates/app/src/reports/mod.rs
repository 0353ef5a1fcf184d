//! Reports: the rows every front end shows the same way. The API answers them as JSON, the
//! web app renders them, and the CLI and the web app write them as spreadsheets through
//! the one CSV writer ([`crate::csv`]) and the one workbook writer ([`crate::xlsx`]), with the column headers defined here once, in
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

/// The day a report is of, in the ledger's zone: today for the live state, and for a state
/// read as of a past event (`as_of`) the day of the last event it holds, so a voucher read as
/// of the day it was issued is valid, not expired by the calendar of the day it is read.
pub fn day_of(state: &yinling_projections::State, as_of: Option<u64>) -> chrono::NaiveDate {
    let now = yinling_ledger::Timestamp::now();
    let at = match as_of {
        None => now,
        Some(_) => state.timeline.last().map_or(now, |(at, _)| *at),
    };
    state.policies.date_of(at)
}

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

/// The same table as a workbook of one sheet named `sheet` ([`crate::xlsx`]): what Excel
/// opens without guessing what a cell is.
pub fn write_xlsx<'a, T: Table + 'a>(
    sheet: &str,
    lang: Lang,
    rows: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = crate::xlsx::Sheet::new(sheet, &header::<T>(lang));
    for row in rows {
        book.row(&row.cells_in(lang));
    }
    book.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state read as of a past event is of that event's day in the ledger's zone (20:00 UTC
    /// is the next day at +08:00); the live state is of today.
    #[test]
    fn a_report_as_of_an_event_is_of_that_events_day() {
        let mut state = yinling_projections::State::default();
        // 2026-03-14 20:00:00 UTC.
        state
            .timeline
            .record(yinling_ledger::Timestamp(1_773_518_400_000_000), 5);
        let then = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).expect("a date");
        assert_eq!(day_of(&state, Some(5)), then);
        assert_eq!(
            day_of(&state, None),
            state.policies.date_of(yinling_ledger::Timestamp::now())
        );
        assert_eq!(
            day_of(&yinling_projections::State::default(), Some(0)),
            state.policies.date_of(yinling_ledger::Timestamp::now()),
            "an empty ledger's as-of day is today"
        );
    }
}
