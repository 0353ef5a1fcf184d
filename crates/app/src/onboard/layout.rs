//! The roster's layout: four sheets, their Chinese column headers (English accepted too),
//! which columns are required, and how a typed value is read: full-width digits and spaces
//! made plain, stray whitespace trimmed, dates as text in the usual ways or as Excel serial
//! numbers.

use chrono::{Days, NaiveDate};

use super::read::Cell;

/// What a sheet holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Districts and counties.
    Districts,
    /// Teams.
    Teams,
    /// Volunteers.
    Volunteers,
    /// Balances carried over from another platform.
    Balances,
}

/// One column: Chinese header, English header, required.
pub type Column = (&'static str, &'static str, bool);

impl Kind {
    /// Every kind, in the order they are imported.
    pub const ALL: [Kind; 4] = [
        Kind::Districts,
        Kind::Teams,
        Kind::Volunteers,
        Kind::Balances,
    ];

    /// The sheet's name in the template.
    pub const fn sheet_name(self) -> &'static str {
        match self {
            Kind::Districts => "区县",
            Kind::Teams => "队伍",
            Kind::Volunteers => "志愿者",
            Kind::Balances => "原有积分",
        }
    }

    /// The kind a sheet name says.
    pub fn of_sheet(name: &str) -> Option<Kind> {
        let name = plain(name);
        Kind::ALL.into_iter().find(|k| {
            name == k.sheet_name()
                || name.eq_ignore_ascii_case(match k {
                    Kind::Districts => "districts",
                    Kind::Teams => "teams",
                    Kind::Volunteers => "volunteers",
                    Kind::Balances => "balances",
                })
        })
    }

    /// Its columns.
    pub const fn columns(self) -> &'static [Column] {
        match self {
            Kind::Districts => &[
                ("名称", "name", true),
                ("类型", "kind", true),
                ("所属地区", "region", true),
            ],
            Kind::Teams => &[
                ("队伍名称", "team", true),
                ("所在区县", "district", true),
                ("主要服务类别", "category", true),
                ("编号", "id", false),
            ],
            Kind::Volunteers => &[
                ("姓名", "name", true),
                ("所在队伍", "team", true),
                ("所在区县", "district", false),
                ("出生年份", "birth_year", true),
                ("手机号", "phone", false),
                ("加入日期", "joined_on", false),
                ("编号", "id", false),
            ],
            Kind::Balances => &[
                ("姓名", "name", true),
                ("所在队伍", "team", true),
                ("出生年份", "birth_year", true),
                ("服务时长", "hours", true),
                ("积分", "points", true),
                ("星级", "stars", false),
                ("截至日期", "as_of", true),
                ("来源系统", "source_system", true),
                // Needed only where two districts each have a team of the same name.
                ("所在区县", "district", false),
            ],
        }
    }

    /// One example row for the template.
    pub const fn example(self) -> &'static [&'static str] {
        match self {
            Kind::Districts => &["南浔区", "区", "湖州市"],
            Kind::Teams => &["荻溪六老调解队", "南浔区", "矛盾调解"],
            Kind::Volunteers => &[
                "沈阿婆",
                "荻溪六老调解队",
                "南浔区",
                "1948",
                "13800003721",
                "2019-03-05",
            ],
            Kind::Balances => &[
                "沈阿婆",
                "荻溪六老调解队",
                "1948",
                "312.5",
                "3125",
                "3",
                "2025-12-31",
                "志愿汇",
                "南浔区",
            ],
        }
    }
}

/// The kind a header row says: the one whose required columns are all there.
pub fn kind_of_header(header: &[String]) -> Option<Kind> {
    let has = |c: &Column| header.iter().any(|h| matches_header(h, c));
    // The most specific first: a balance sheet also has a volunteer's columns.
    [
        Kind::Balances,
        Kind::Volunteers,
        Kind::Teams,
        Kind::Districts,
    ]
    .into_iter()
    .find(|k| k.columns().iter().filter(|c| c.2).all(has))
}

/// Whether a header cell names a column (Chinese or English, whatever the spacing).
pub fn matches_header(header: &str, column: &Column) -> bool {
    let h = plain(header);
    h == column.0 || h.eq_ignore_ascii_case(column.1)
}

/// Full-width ASCII made plain (１２ → 12), ideographic spaces made plain, trimmed, inner
/// runs of whitespace made one space, and spaces between Chinese characters dropped.
pub fn plain(text: &str) -> String {
    let half: String = text
        .chars()
        .map(yinling_projections::checks::halfwidth)
        .collect();
    let words: Vec<&str> = half.split_whitespace().collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev_cjk = words[i - 1].chars().last().is_some_and(is_cjk);
            let next_cjk = w.chars().next().is_some_and(is_cjk);
            if !(prev_cjk && next_cjk) {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Why a cell cannot be read as what its column needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bad {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

fn bad(zh: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad {
        zh: zh.into(),
        en: en.into(),
    }
}

/// A cell as text (a number as Excel shows it).
pub fn text(cell: &Cell) -> Result<Option<String>, Bad> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(t) => Ok(Some(plain(t)).filter(|t| !t.is_empty())),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(Some(format!("{}", *n as i64))),
        Cell::Number(n) => Ok(Some(n.to_string())),
        Cell::Date(d) => Ok(Some(d.to_string())),
        Cell::Formula => Err(bad(
            "这一格是公式，请复制后“选择性粘贴为数值”。",
            "This cell is a formula; copy it and paste it as values.",
        )),
        Cell::Merged => Err(bad(
            "这一格属于合并单元格，请取消合并，每行填完整。",
            "This cell is part of merged cells; unmerge them and fill every row.",
        )),
        Cell::Error(e) => Err(bad(
            format!("这一格是 Excel 错误值 {e}。"),
            format!("This cell holds the Excel error {e}."),
        )),
    }
}

/// A cell as a decimal number, its trailing zeros dropped (`1948.00` is the year 1948, as
/// Excel writes a column formatted with two decimals). Commas are taken out only where they
/// group thousands (`1,234.5`); a comma anywhere else is refused, not dropped: `12,5` is a
/// decimal comma, and read without it would be 125.
pub fn number(cell: &Cell) -> Result<Option<rust_decimal::Decimal>, Bad> {
    match cell {
        Cell::Number(n) => rust_decimal::Decimal::try_from(*n)
            .map(|d| Some(d.round_dp(4).normalize()))
            .map_err(|_| bad("数字太大了。", "The number is too large.")),
        other => match text(other)? {
            None => Ok(None),
            Some(t) => {
                let Some(digits) = without_thousands_commas(&t) else {
                    return Err(bad(
                        format!("“{t}”里的逗号看不懂：小数请用小数点，例如 12.5。"),
                        format!("{t:?} has a comma that does not group thousands; write decimals with a point, e.g. 12.5."),
                    ));
                };
                crate::wire::parse_decimal(&digits)
                    .map(|d| Some(d.normalize()))
                    .map_err(|_| {
                        bad(
                            format!("“{t}”不是数字，例如 12.5。"),
                            format!("{t:?} is not a number, e.g. 12.5."),
                        )
                    })
            }
        },
    }
}

/// Digits between two thousands separators (`12,345,678`).
const THOUSANDS_GROUP: usize = 3;

/// `text` without the commas that group its whole part in threes (`12,345.5`), or `None` when
/// a comma stands anywhere else.
fn without_thousands_commas(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_owned());
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut groups = whole.split(',');
    let first = groups.next()?;
    // `0,125` is a decimal comma, not a group: a group never starts with a zero.
    let grouped = !first.is_empty()
        && !first.starts_with('0')
        && first.len() <= THOUSANDS_GROUP
        && groups.all(|g| g.len() == THOUSANDS_GROUP)
        && !fraction.contains(',');
    grouped.then(|| text.replace(',', ""))
}

/// The earliest and latest years a roster's date may carry: a year outside them is a typing
/// slip (`19/3/5` read as the year 19) or a number that was never a date (`2019` read as Excel's
/// day 2019, in 1905).
const DATE_YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;

/// A parsed date, refused when its year is outside [`DATE_YEARS`].
fn plausible(date: NaiveDate, typed: &str) -> Result<Option<NaiveDate>, Bad> {
    use chrono::Datelike;
    if DATE_YEARS.contains(&date.year()) {
        Ok(Some(date))
    } else {
        Err(bad(
            format!("“{typed}”读出来是 {date}，不像是真的日期：请写四位年份，例如 2019-03-05。"),
            format!("{typed:?} reads as {date}, which cannot be right; write the year in four digits, e.g. 2019-03-05."),
        ))
    }
}

/// A cell as a date: an Excel date, an Excel serial number, or text such as 2019-03-05,
/// 2019/3/5, 2019.3.5, 2019年3月5日 or 20190305.
pub fn date(cell: &Cell) -> Result<Option<NaiveDate>, Bad> {
    match cell {
        Cell::Date(d) => plausible(*d, &d.to_string()),
        // 20190305 typed as a number is a date written without separators, not Excel's day
        // twenty million.
        Cell::Number(n) if n.fract() == 0.0 && (19_000_101.0..=21_001_231.0).contains(n) => {
            let typed = format!("{}", *n as i64);
            match NaiveDate::parse_from_str(&typed, "%Y%m%d") {
                Ok(d) => plausible(d, &typed),
                Err(_) => Err(not_a_date(&typed)),
            }
        }
        Cell::Number(n) if *n >= 1.0 && n.fract() == 0.0 => {
            let typed = format!("{}", *n as i64);
            NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|base| base.checked_add_days(Days::new(*n as u64)))
                .map_or_else(|| Err(not_a_date(&typed)), |d| plausible(d, &typed))
        }
        other => match text(other)? {
            None => Ok(None),
            // A CSV holds only text: a date column Excel left as General is saved as its day
            // number (46095 for 2026-03-14), read as the same number in a workbook would be.
            Some(t) if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) => {
                date(&Cell::Number(t.parse::<f64>().unwrap_or(0.0)))
            }
            Some(t) => {
                // A time after the day (`2019/3/5 0:00`, `2019-03-05T00:00:00`, as Excel
                // saves a date-time cell) says nothing about the day.
                let t = without_time(&t);
                let t2 = t
                    .replace(['年', '月'], "-")
                    .replace('日', "")
                    .replace(['/', '.'], "-");
                // Four digits of year: chrono's `%Y` takes one to four, so `19-3-5` would
                // be the year 19, and `2019123` the third of December.
                let four_digit_year = t2.split('-').next().is_some_and(|y| y.len() == 4);
                let parsed = if t2.contains('-') {
                    NaiveDate::parse_from_str(&t2, "%Y-%m-%d")
                        .ok()
                        .filter(|_| four_digit_year)
                } else if t2.len() == 8 {
                    NaiveDate::parse_from_str(&t2, "%Y%m%d").ok()
                } else {
                    None
                };
                match parsed {
                    Some(d) => plausible(d, &t),
                    None => Err(not_a_date(&t)),
                }
            }
        },
    }
}

/// A day written with a time of day after it, the day alone: `2019/3/5 0:00` is
/// `2019/3/5`; text without a time is as it was.
fn without_time(text: &str) -> String {
    let is_time = |t: &str| {
        let parts: Vec<&str> = t.split(':').collect();
        // Hours and minutes, and seconds or not; one or two digits each.
        matches!(parts.len(), 2 | 3)
            && parts
                .iter()
                .all(|p| matches!(p.len(), 1 | 2) && p.bytes().all(|b| b.is_ascii_digit()))
    };
    match text.trim().split_once([' ', 'T']) {
        Some((day, time)) if is_time(time.trim()) => day.to_owned(),
        _ => text.to_owned(),
    }
}

/// The problem of a cell that is not a date.
fn not_a_date(typed: &str) -> Bad {
    bad(
        format!("“{typed}”不是日期，请写成 2019-03-05。"),
        format!("{typed:?} is not a date; write it like 2019-03-05."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn text(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// Excel writes a column formatted with decimals as `1948.00`; thousands are grouped with
    /// commas; a decimal comma is a mistake to be told, not a number ten times larger.
    #[test]
    fn numbers_are_read_as_excel_writes_them_and_a_decimal_comma_is_refused() {
        let read = |t: &str| number(&text(t));
        let year = read("1948.00").expect("read").expect("given");
        assert_eq!((year, year.scale()), (Decimal::from(1948), 0));
        assert_eq!(read("1,234.5"), Ok(Some(Decimal::new(12345, 1))));
        assert_eq!(read("12,345,678"), Ok(Some(Decimal::from(12_345_678))));
        assert_eq!(read("-1,234"), Ok(Some(Decimal::from(-1234))));
        for comma in [
            "12,5",
            "１２，５",
            "1,23",
            "1234,567",
            ",5",
            "1,234.5,6",
            "0,125",
            "-0,500",
        ] {
            let refused = read(comma).expect_err(comma);
            assert!(refused.en.contains("comma"), "{comma}: {refused:?}");
        }
        assert_eq!(number(&Cell::Number(3.0)), Ok(Some(Decimal::from(3))));
    }

    /// Dates as text in the usual ways, Excel's serial days, and 20190305 typed as a number;
    /// a two-digit year or a number that was never a date is refused, not stored as the year
    /// 19 or a day in 1905.
    #[test]
    fn dates_are_read_in_the_usual_ways_and_implausible_ones_are_refused() {
        for typed in [
            "2019-03-05",
            "2019/3/5",
            "2019.3.5",
            "2019年3月5日",
            "20190305",
            // As a CSV saved by Excel holds them: a date-time cell, and a date column left
            // as General (its day number).
            "2019/3/5 0:00",
            "2019-03-05 14:30",
            "2019-03-05T00:00:00",
            "43529",
        ] {
            assert_eq!(date(&text(typed)), Ok(day(2019, 3, 5)), "{typed}");
        }
        for typed in ["2019/3/5 morning", "2019/3/5 25", "12345"] {
            assert!(date(&text(typed)).is_err(), "{typed}");
        }
        assert_eq!(date(&Cell::Number(43_000.0)), Ok(day(2017, 9, 22)));
        assert_eq!(date(&Cell::Number(20_190_305.0)), Ok(day(2019, 3, 5)));
        for typed in ["19/3/5", "19-3-5", "2019123", "0019-03-05", "3/5", "明年"] {
            assert!(date(&text(typed)).is_err(), "{typed}");
        }
        for serial in [2019.0, 20_191_305.0, 1e12] {
            assert!(date(&Cell::Number(serial)).is_err(), "{serial}");
        }
        assert_eq!(date(&text("")), Ok(None));
    }
}
