//! The roster's layout: four sheets, their Chinese column headers (English accepted too),
//! which columns are required, and how a typed value is read: full-width digits and spaces
//! made plain, stray whitespace trimmed, dates as text in the usual ways or as Excel serial
//! numbers.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

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
    // A sheet of people (姓名) is never a sheet of teams or districts, whatever else its
    // header holds; with their team and without their year of birth it is a volunteer sheet
    // missing a column, and the check says which, instead of "no sheet to import".
    let people = has(&Kind::Volunteers.columns()[0]);
    let in_teams = people && has(&Kind::Volunteers.columns()[1]);
    // The most specific first: a balance sheet also has a volunteer's columns.
    [
        Kind::Balances,
        Kind::Volunteers,
        Kind::Teams,
        Kind::Districts,
    ]
    .into_iter()
    .find(|k| {
        !(people && matches!(k, Kind::Teams | Kind::Districts))
            && k.columns().iter().filter(|c| c.2).all(has)
    })
    .or(in_teams.then_some(Kind::Volunteers))
}

/// Whether a header cell names a column: its own name (Chinese or English) or one of its
/// other names, whatever the spacing, a required mark (`姓名*`) or a note in brackets
/// (`服务时长（小时）`).
pub fn matches_header(header: &str, column: &Column) -> bool {
    is_own_name(header, column) || is_other_name(header, column)
}

/// Where a column is in a header row: the header that is its own name first, else the first
/// that is one of its other names. A second header for the same column (手机 beside 手机号)
/// is read by nobody, and said so.
pub fn position(header: &[String], column: &Column) -> Option<usize> {
    header
        .iter()
        .position(|h| is_own_name(h, column))
        .or_else(|| header.iter().position(|h| is_other_name(h, column)))
}

/// How a sheet's header row is read: the headers no column reads (a 序号 of one's own, a
/// second column for what another gave), and the headers read as a column under another
/// name, each with the template's header.
pub fn header_reading(
    kind: Kind,
    header: &[String],
) -> (Vec<String>, std::collections::BTreeMap<String, String>) {
    let read: Vec<(usize, &Column)> = kind
        .columns()
        .iter()
        .filter_map(|c| Some((position(header, c)?, c)))
        .collect();
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.trim().is_empty() && !read.iter().any(|(at, _)| at == i))
        .map(|(_, h)| h.clone())
        .collect();
    let renamed = read
        .iter()
        .filter_map(|(at, c)| {
            let h = header.get(*at)?;
            (!is_own_name(h, c)).then(|| (h.clone(), c.0.to_owned()))
        })
        .collect();
    (ignored, renamed)
}

/// Whether a header is the column's own name, as the template writes it or in English. A
/// name with a mark or a note after it (`姓名*`, `积分（已兑换）`) is another name: read, and
/// said in the check, since the note may say the column is not what the name alone means.
fn is_own_name(header: &str, column: &Column) -> bool {
    let h = plain(header);
    h == column.0 || h.eq_ignore_ascii_case(column.1)
}

/// Whether a header is one of the names coordinators' own spreadsheets give the column.
fn is_other_name(header: &str, column: &Column) -> bool {
    let h = plain(header);
    let others = other_names(column);
    let bare = bare(&h);
    others.contains(&h.as_str())
        || (bare != h && (others.contains(&bare) || is_own_name(bare, column)))
}

/// A header without a required mark (`姓名*`) or a note in brackets at its end
/// (`服务时长(小时)`, `手机号(选填)`), as `plain` leaves them.
fn bare(header: &str) -> &str {
    let h = header.trim_end_matches('*').trim_end();
    let h = match h.strip_suffix(')').and_then(|h| h.rsplit_once('(')) {
        Some((before, _)) if !before.trim().is_empty() => before.trim_end(),
        _ => h,
    };
    h.trim_end_matches('*').trim_end()
}

/// The names a column goes by in the rosters teams already keep, besides the template's
/// (联系电话 for 手机号, 出生年月 for 出生年份, 截止日期 for 截至日期): such a column is read
/// as the template's, and the check says which header it read as which. 序号 is none of
/// them: a row count of one's own is not the ledger's 编号.
pub fn other_names(column: &Column) -> &'static [&'static str] {
    match column.0 {
        "姓名" => &["名字", "志愿者姓名"],
        "所在队伍" => &[
            "队伍",
            "所属队伍",
            "队伍名称",
            "服务队",
            "服务队名称",
            "团队",
            "所在团队",
            "所属团队",
            "团队名称",
        ],
        "队伍名称" => &["队伍", "队名", "服务队", "服务队名称", "团队", "团队名称"],
        "所在区县" => &[
            "区县",
            "所属区县",
            "所在区",
            "所属区",
            "区",
            "区(县)",
            "所在区(县)",
        ],
        "出生年份" => &["出生年", "出生年月", "出生日期", "出生年月日", "生日"],
        "手机号" => &[
            "手机",
            "手机号码",
            "联系电话",
            "电话",
            "电话号码",
            "联系方式",
            "移动电话",
        ],
        "加入日期" => &["加入时间", "入队日期", "入队时间", "参加日期", "参加时间"],
        "主要服务类别" => &["服务类别", "服务类型", "类别", "服务领域"],
        "服务时长" => &[
            "时长",
            "累计时长",
            "累计服务时长",
            "服务总时长",
            "志愿服务时长",
        ],
        "积分" => &["现有积分", "积分余额", "剩余积分", "可用积分", "当前积分"],
        "星级" => &["星级评定", "志愿者星级"],
        "截至日期" => &["截止日期", "统计日期", "截至时间", "截止时间"],
        "来源系统" => &["来源平台", "原平台", "原系统"],
        "名称" => &["区县名称"],
        "类型" => &["区县类型"],
        _ => &[],
    }
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

/// The digits of a year (`1948`): a number of four digits is a year; more is a date
/// written as a number or Excel's day number.
const YEAR_NUMBERS: std::ops::RangeInclusive<i64> = 1000..=9999;

/// A year and month written as one number (`194803`).
const YEAR_MONTH_NUMBERS: std::ops::RangeInclusive<i64> = 100_000..=999_999;

/// A whole date written as one number (`19480305`).
const DATE_NUMBERS: std::ops::RangeInclusive<i64> = 10_000_000..=99_999_999;

/// A year of birth as rosters write it: the year alone (`1948`, `1948年`), a year and month
/// (`1948.03`, `1948.3`, `1948年3月`, `1948-03`, `194803`: 出生年月 as cadre rosters keep
/// it), or a whole date (a date cell, `1948-03-05`, `19480305`). Five digits are refused:
/// Excel's day number or a year and month without its point, nobody can say. Only
/// the year is kept; the month and day are read only to know the text is a date. Whether
/// the year is plausible is the caller's to say, as for a year typed alone.
pub fn birth_year(cell: &Cell) -> Result<Option<Decimal>, Bad> {
    use chrono::Datelike;
    use rust_decimal::prelude::ToPrimitive;
    if let Cell::Date(d) = cell {
        return Ok(Some(Decimal::from(d.year())));
    }
    let typed = match text(cell)? {
        None => return Ok(None),
        Some(t) => without_time(&t),
    };
    let year_of = |y: i64, m: i64, d: i64| {
        let ok = YEAR_NUMBERS.contains(&y)
            && i32::try_from(y).ok().is_some_and(|y| {
                let (m, d) = (u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0));
                NaiveDate::from_ymd_opt(y, m, d).is_some()
            });
        ok.then(|| Decimal::from(y))
    };
    if let Ok(Some(n)) = number(cell) {
        let whole = n.trunc().to_i64().unwrap_or(0);
        let read = if !n.fract().is_zero() {
            // 1948.03 or 1948.3 (March); 1948.1 is January, or October as Excel keeps
            // 1948.10: the year is the same either way.
            let month = |scale: u32| {
                let m = n.fract() * Decimal::from(10u32.pow(scale));
                m.fract().is_zero().then(|| m.to_i64()).flatten()
            };
            month(1)
                .or_else(|| month(2))
                .and_then(|m| year_of(whole, m, 1))
        } else if YEAR_MONTH_NUMBERS.contains(&whole) {
            year_of(whole / 100, whole % 100, 1)
        } else if DATE_NUMBERS.contains(&whole) {
            year_of(whole / 10_000, whole / 100 % 100, whole % 100)
        } else {
            None
        };
        // Not Excel's day number: 19483 could be that (1953) or 1948.3 typed without its
        // point, and a date cell is read as a date already.
        return match read {
            Some(year) => Ok(Some(year)),
            None if whole > *YEAR_NUMBERS.end() => Err(no_year(&typed)),
            None => Ok(Some(n)),
        };
    }
    // Text: 1948年3月5日, 1948-03, 1948/3/5, 1948年.
    let dashed = typed.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let parts: Vec<&str> = dashed
        .trim_end_matches('-')
        .split('-')
        .map(str::trim)
        .collect();
    let four_digit_year = parts.first().is_some_and(|y| y.len() == 4);
    let numbers: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
    let read = match numbers.as_deref() {
        Some([y]) if four_digit_year => year_of(*y, 1, 1),
        Some([y, m]) if four_digit_year => year_of(*y, *m, 1),
        Some([y, m, d]) if four_digit_year => year_of(*y, *m, *d),
        _ => None,
    };
    read.map(Some).ok_or_else(|| no_year(&typed))
}

/// The problem of a cell that gives no year of birth.
fn no_year(typed: &str) -> Bad {
    bad(
        format!("“{typed}”看不出出生年份：请填四位年份，例如 1948，或出生年月，例如 1948.03。"),
        format!("{typed:?} gives no year of birth: write the year like 1948, or year and month like 1948.03."),
    )
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

    /// 出生年月 as rosters keep it gives the year of birth, every way it is written; text
    /// that is no year, or a month that is no month, gives none.
    #[test]
    fn a_year_of_birth_is_read_from_a_year_a_year_and_month_or_a_date() {
        for typed in [
            "1948",
            "1948年",
            "1948.03",
            "1948.3",
            "1948.10",
            "1948年3月",
            "1948年03月05日",
            "1948-03",
            "1948/3/5",
            "1948-03-05 0:00",
            "194803",
            "19480305",
            "１９４８．０３",
        ] {
            assert_eq!(
                birth_year(&text(typed)),
                Ok(Some(Decimal::from(1948))),
                "{typed}"
            );
        }
        assert_eq!(
            birth_year(&Cell::Date(day(1948, 3, 5).expect("day"))),
            Ok(Some(Decimal::from(1948)))
        );
        // 1948.1 as Excel keeps 1948.10.
        for n in [1948.1, 1948.03, 194_812.0] {
            assert_eq!(
                birth_year(&Cell::Number(n)),
                Ok(Some(Decimal::from(1948))),
                "{n}"
            );
        }
        // No month 13, no day 32: refused as no year, or given back with its fraction for
        // the caller to refuse; nor is Excel's day number read (17597 or 1948.3 typed
        // without its point, nobody can say).
        for n in ["194813", "19480332", "17597", "19483"] {
            assert!(birth_year(&text(n)).is_err(), "{n}");
        }
        for n in ["1948.13", "1948.25"] {
            let read = birth_year(&text(n)).expect(n).expect(n);
            assert!(!read.fract().is_zero(), "{n}: {read}");
        }
        for typed in ["48.03", "03/1948", "一九四八年", "1948年13月", "1948-3-32"] {
            let read = birth_year(&text(typed));
            assert!(
                read.as_ref()
                    .map_or(true, |y| y.is_some_and(|y| y != Decimal::from(1948))),
                "{typed}: {read:?}"
            );
        }
        assert_eq!(birth_year(&text("")), Ok(None));
        assert!(birth_year(&Cell::Formula).is_err());
    }

    /// A header is the column's own name or one of its other names, with a required mark or
    /// a note in brackets after it; 序号 is never 编号.
    #[test]
    fn headers_are_read_under_the_names_rosters_give_them() {
        let column = |kind: Kind, zh: &str| -> Column {
            *kind.columns().iter().find(|c| c.0 == zh).expect(zh)
        };
        let phone = column(Kind::Volunteers, "手机号");
        for h in [
            "手机号",
            "phone",
            "联系电话",
            "手机号码（选填）",
            "手机号*",
            " 联系 电话 ",
        ] {
            assert!(matches_header(h, &phone), "{h}");
        }
        let hours = column(Kind::Balances, "服务时长");
        assert!(matches_header("服务时长（小时）", &hours));
        assert!(matches_header("累计时长(h)", &hours));
        assert!(!matches_header("序号", &column(Kind::Volunteers, "编号")));
        assert!(!matches_header("累计积分", &column(Kind::Balances, "积分")));
        let header: Vec<String> = ["手机", "手机号"].map(String::from).into();
        assert_eq!(position(&header, &phone), Some(1), "its own name first");
        assert_eq!(
            kind_of_header(&["姓名", "队伍", "出生年月"].map(String::from)),
            Some(Kind::Volunteers)
        );
        // People without a year of birth are not teams: a volunteer sheet missing a column.
        assert_eq!(
            kind_of_header(&["姓名", "队伍", "所在区", "服务类别", "联系电话"].map(String::from)),
            Some(Kind::Volunteers)
        );
        assert_eq!(kind_of_header(&["姓名", "积分"].map(String::from)), None);
        // A note after a name is read, but not as the column's own name: it is said.
        let points = column(Kind::Balances, "积分");
        let header: Vec<String> = ["积分（已兑换）", "积分"].map(String::from).into();
        assert_eq!(position(&header, &points), Some(1));
        assert!(!is_own_name("积分（已兑换）", &points));
        let (_, renamed) = header_reading(Kind::Volunteers, &["姓名*".to_owned()]);
        assert_eq!(renamed.get("姓名*").map(String::as_str), Some("姓名"));
    }
}
