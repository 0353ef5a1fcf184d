//! What a row's cells name in the ledger: a team by its name (with its district where two
//! districts share the name, refused where two teams of one district read alike), a year of
//! birth in the years people are born in.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use yinling_ledger::TeamId;
use yinling_projections::limits::EARLIEST_BIRTH_YEAR;

use super::layout::{self, Bad};
use super::read::Cell;
use super::{Checker, Row};

impl Checker<'_> {
    /// The team a row names (with its district when the name alone is ambiguous).
    pub(super) fn team_of(
        &self,
        name: &str,
        district: Option<&str>,
        column: &str,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<(TeamId, String)> {
        if let Some(((_, d), names)) = self
            .alike
            .iter()
            .find(|((n, d), _)| n == name && district.is_none_or(|x| x == d))
        {
            problems.push((
                column.to_owned(),
                Bad {
                    zh: format!(
                        "{d}有几支队伍的名字只差全角半角或空格（{}），表格里分不出是哪一支：请先在系统里给它们改个不同的名字。",
                        names.join("、")
                    ),
                    en: format!(
                        "{d} has teams whose names differ only in full-width characters or spaces ({}); a sheet cannot tell them apart: rename them first.",
                        names.join(", ")
                    ),
                },
            ));
            return None;
        }
        let found: Vec<(&(String, String), &TeamId)> = self
            .teams
            .iter()
            .filter(|((n, d), _)| n == name && district.is_none_or(|x| x == d))
            .collect();
        match found.as_slice() {
            [((_, d), id)] => Some((**id, d.clone())),
            [] => {
                problems.push((column.to_owned(), Bad { zh: format!("队伍“{name}”不存在：请先在“队伍”表里登记。"), en: format!("The team {name:?} does not exist: register it on the 队伍 sheet first.") }));
                None
            }
            _ => {
                problems.push((
                    column.to_owned(),
                    Bad {
                        zh: format!("有几个区县都有叫“{name}”的队伍，请填“所在区县”。"),
                        en: format!(
                            "Several districts have a team {name:?}; fill in the district."
                        ),
                    },
                ));
                None
            }
        }
    }

    /// A year of birth from `EARLIEST_BIRTH_YEAR` to this year (`today`'s), as the ledger
    /// takes it: a year after this one found here is a problem of its row, not a refusal
    /// in the middle of an import the check called clean.
    pub(super) fn birth_year(
        row: &Row<'_>,
        column: &layout::Column,
        today: chrono::NaiveDate,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<u16> {
        let this_year = chrono::Datelike::year(&today);
        let cell = row.cell(column).unwrap_or(&Cell::Empty);
        match layout::birth_year(cell) {
            Ok(Some(y))
                if y.fract().is_zero()
                    && y >= Decimal::from(EARLIEST_BIRTH_YEAR)
                    && y <= Decimal::from(this_year) =>
            {
                y.to_u16()
            }
            Ok(None) => {
                problems.push((
                    column.0.to_owned(),
                    Bad {
                        zh: "“出生年份”是必填的（用来区分同名的人）。".into(),
                        en: "birth_year is required (it tells people of the same name apart)."
                            .into(),
                    },
                ));
                None
            }
            Ok(Some(y)) if y.fract().is_zero() && y > Decimal::from(this_year) => {
                problems.push((
                    column.0.to_owned(),
                    Bad {
                        zh: format!("出生年份“{y}”在今年（{this_year}）之后，请核对，例如 1948。"),
                        en: format!("birth_year {y} is after this year ({this_year}); check it (like 1948)."),
                    },
                ));
                None
            }
            Ok(Some(y)) => {
                problems.push((
                    column.0.to_owned(),
                    Bad {
                        zh: format!("出生年份“{y}”不对，请填四位年份，例如 1948，或出生年月，例如 1948.03。"),
                        en: format!("birth_year {y} is not a year like 1948, nor a year and month like 1948.03."),
                    },
                ));
                None
            }
            Err(b) => {
                problems.push((column.0.to_owned(), b));
                None
            }
        }
    }
}
