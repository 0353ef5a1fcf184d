//! A report as a download, in the format its name asks for: a workbook (`.xlsx`, what the
//! buttons offer: Excel opens it knowing what each cell is) or a CSV file (`.csv`, for
//! whoever feeds another program), both from the same rows and headers.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use yinling_app::reports::{self, Lang as Columns, Table};

/// The two forms of a download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An Excel workbook.
    Xlsx,
    /// Comma-separated values with a byte-order mark.
    Csv,
}

impl Format {
    /// The report a file name names, and its format: `banks.xlsx` is `("banks", Xlsx)`.
    pub fn of(name: &str) -> Option<(&str, Format)> {
        match name.rsplit_once('.')? {
            (stem, "xlsx") => Some((stem, Format::Xlsx)),
            (stem, "csv") => Some((stem, Format::Csv)),
            _ => None,
        }
    }

    /// The file name's ending.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The bytes of `rows` under the headers of `T` in `lang`; `sheet` names the
    /// workbook's sheet.
    pub fn write<'a, T: Table + 'a>(
        self,
        sheet: &str,
        lang: Columns,
        rows: impl IntoIterator<Item = &'a T>,
    ) -> Result<Vec<u8>, String> {
        match self {
            Format::Xlsx => reports::write_xlsx(sheet, lang, rows).map_err(|e| e.to_string()),
            Format::Csv => reports::write_csv(Vec::new(), lang, rows).map_err(|e| e.to_string()),
        }
    }

    /// The download of `bytes` as the file `file_name`.
    pub fn download(self, file_name: &str, bytes: Vec<u8>) -> Response {
        let content_type = match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        };
        (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            bytes,
        )
            .into_response()
    }
}
