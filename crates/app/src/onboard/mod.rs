//! Onboarding a city from its spreadsheets: districts, teams, volunteers and balances carried
//! over from another platform, read from `.xlsx` or CSV, checked row by row (every problem
//! named by sheet, row and column, in Chinese and English), duplicates listed for a person to
//! decide, and only then turned into commands. A row whose record already exists (a district
//! by name, a team by name and district, a volunteer by name and year of birth in their team,
//! a balance once per volunteer) is skipped, so importing a file again appends nothing and a
//! corrected file appends only what is new. Every imported record remembers its source row.

mod area;
mod date_styles;
mod edits;
mod import;
pub mod layout;
mod lookup;
pub mod read;
pub mod template;

pub use import::{apply, check_and_apply};

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use yinling_ledger::{Category, DistrictKind, Hash, TeamId, VolunteerId};
use yinling_projections::{Command, ImportedRow, RowSource, State};

use layout::{matches_header, Bad, Kind};
use yinling_projections::limits::{MAX_STAR_LEVELS, PHONE_DIGITS_KEPT};

use read::{Cell, Sheet};

/// The note on a correction that comes from an edited roster row.
const ROSTER_EDIT: &str = "名册导入更正";

/// One problem with one cell (or one row: `column` empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sheet.
    pub sheet: String,
    /// The row, as Excel numbers it.
    pub row: u32,
    /// The column's header.
    pub column: String,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

/// Rows that may be one person twice: same name and year of birth in the same district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The name.
    pub name: String,
    /// The year of birth.
    pub birth_year: u16,
    /// The district.
    pub district: String,
    /// Where each is: "sheet row N" for a row of the file, the team's name for one already
    /// in the ledger.
    pub places: Vec<String>,
}

/// What a file would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Rows read, per sheet: those with anything in them.
    pub rows: BTreeMap<String, usize>,
    /// New records, per sheet.
    pub new: BTreeMap<String, usize>,
    /// Rows whose record already exists (nothing to do), per sheet.
    pub already: BTreeMap<String, usize>,
    /// Rows of an exported roster that were edited (a move, phone digits), per sheet.
    pub edited: BTreeMap<String, usize>,
    /// Every problem.
    pub problems: Vec<Problem>,
    /// Headers of columns no column of the sheet's kind is (a 序号 of one's own, a 备注, a
    /// second phone column beside 手机号), by sheet: read by nobody, so said, never dropped in
    /// silence. A column the coordinator meant to import is renamed and the file checked
    /// again.
    pub ignored_columns: BTreeMap<String, Vec<String>>,
    /// Headers read as one of the template's columns under another name (联系电话 as
    /// 手机号, 出生年月 as 出生年份), by sheet: header in the file → the template's header.
    /// Said, so a coordinator sees which of their columns went where.
    pub read_as: BTreeMap<String, BTreeMap<String, String>>,
    /// Likely duplicates.
    pub duplicates: Vec<Duplicate>,
    /// The commands, in order (districts, teams, volunteers, balances); rows with problems
    /// are left out.
    #[serde(skip)]
    pub commands: Vec<Command>,
    /// The problem rows (sheet, row), for the error sheet.
    #[serde(skip)]
    pub bad_rows: Vec<template::BadRow>,
}

impl Plan {
    /// Whether every row can be imported.
    pub fn clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The cells of a row by column (`None`: the column is absent from the sheet).
struct Row<'a> {
    sheet: &'a Sheet,
    cells: &'a [Cell],
    number: u32,
}

impl Row<'_> {
    fn cell(&self, column: &layout::Column) -> Option<&Cell> {
        let i = layout::position(&self.sheet.header, column)?;
        Some(self.cells.get(i).unwrap_or(&Cell::Empty))
    }

    /// Whether the row is the template's example of a made-up person (沈阿婆, born 1948),
    /// left in above the real rows: every column the example fills reads the same. The
    /// example district and team are real places and are imported like any row.
    fn is_template_example(&self, kind: Kind) -> bool {
        if !matches!(kind, Kind::Volunteers | Kind::Balances) {
            return false;
        }
        kind.columns()
            .iter()
            .zip(kind.example())
            .all(|(column, example)| {
                let typed = self
                    .cell(column)
                    .and_then(|c| layout::text(c).ok().flatten())
                    .map(|t| layout::plain(&t));
                typed.as_deref() == Some(layout::plain(example).as_str())
            })
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// Records written.
    pub imported: usize,
    /// Commands the ledger refused, in words (a row the check passed but the ledger did not,
    /// e.g. a record another operator added meanwhile).
    pub refused: Vec<String>,
}

/// Reads and checks a file against the ledger as it stands; nothing is written.
pub fn plan(state: &State, file_name: &str, bytes: &[u8]) -> Result<Plan, read::Unreadable> {
    let sheets = read::read(file_name, bytes)?;
    let sha = Hash::of(bytes);
    let mut p = Plan {
        file_sha256: sha.to_hex(),
        ..Plan::default()
    };
    // Missing required columns: the whole sheet is refused, named.
    let mut usable = Vec::new();
    for s in &sheets {
        let (ignored, renamed) = layout::header_reading(s.kind, &s.header);
        if !ignored.is_empty() {
            p.ignored_columns.insert(s.name.clone(), ignored);
        }
        if !renamed.is_empty() {
            p.read_as.insert(s.name.clone(), renamed);
        }
        let missing: Vec<&str> = s
            .kind
            .columns()
            .iter()
            .filter(|c| c.2 && !s.header.iter().any(|h| matches_header(h, c)))
            .map(|c| c.0)
            .collect();
        if missing.is_empty() {
            usable.push(s);
        } else if let Some(row) = read::header_further_down(s) {
            // A title over the table ("南浔区志愿者花名册" across the top): the header is
            // lower down, and the sheet is read from its first row.
            p.problems.push(Problem {
                sheet: s.name.clone(),
                row,
                column: missing.join("、"),
                zh: format!("表头要在第一行：第 {row} 行才是表头，请删掉它上面的标题行后再导入。"),
                en: format!("The header must be the first row: row {row} is the header; delete the title rows above it, then import again."),
            });
        } else {
            p.problems.push(Problem {
                sheet: s.name.clone(),
                row: 1,
                column: missing.join("、"),
                zh: format!("缺少列：{}", missing.join("、")),
                en: format!("Missing columns: {}", missing.join(", ")),
            });
        }
    }
    usable.sort_by_key(|s| s.kind);
    let mut checker = Checker::new(state, file_name, sha);
    for s in usable {
        // A row with nothing in it (a blank line between blocks, cells formatted below the
        // table) is not a row of the roster: "300 rows, 5 new" would send a coordinator
        // looking for 295 people.
        let filled = s
            .rows
            .iter()
            .filter(|(_, cells)| !cells.iter().all(|c| *c == Cell::Empty))
            .count();
        p.rows.insert(s.name.clone(), filled);
        for (number, cells) in &s.rows {
            if cells.iter().all(|c| *c == Cell::Empty) {
                continue;
            }
            let row = Row {
                sheet: s,
                cells,
                number: *number,
            };
            if row.is_template_example(s.kind) {
                p.problems.push(Problem {
                    sheet: s.name.clone(),
                    row: *number,
                    column: s.kind.columns()[0].0.to_owned(),
                    zh: "这是模板里的示例行（沈阿婆不是真实的志愿者）：导入前请删除这一行。".into(),
                    en: "This is the template's example row (沈阿婆 is not a real volunteer): delete it before importing.".into(),
                });
                continue;
            }
            checker.row(&mut p, &row);
        }
    }
    p.duplicates = checker.duplicates();
    Ok(p)
}

/// A balance carried over: hours, points and star level.
type Carried = (Decimal, Decimal, u8);

/// The state of a check: what the file adds on top of the ledger, so later rows can refer to
/// records of earlier rows (a team of a district on the sheet before).
struct Checker<'a> {
    state: &'a State,
    /// The ledger's date today: no joining date or balance date may be after it.
    today: chrono::NaiveDate,
    source: (String, Hash),
    districts: BTreeMap<String, bool>,
    teams: BTreeMap<(String, String), TeamId>,
    /// Teams of one district whose names read alike once made plain (`调解队（一队）` and
    /// `调解队(一队)`): a row naming either cannot say which, and is refused.
    alike: BTreeMap<(String, String), Vec<String>>,
    volunteers: BTreeMap<(TeamId, String, u16), VolunteerId>,
    /// Each opening balance already recorded or on an earlier row: its hours, points and
    /// star, and the row (`None`: in the ledger).
    carried: BTreeMap<VolunteerId, (Carried, Option<u32>)>,
    people: BTreeMap<(String, u16, String), Vec<String>>,
    /// Edits of exported rows (moves, phone digits), sent with their sheet.
    edits: Vec<Command>,
}

impl<'a> Checker<'a> {
    fn new(state: &'a State, file_name: &str, sha: Hash) -> Self {
        let mut c = Checker {
            state,
            today: state.policies.date_of(yinling_ledger::Timestamp::now()),
            source: (file_name.to_owned(), sha),
            districts: BTreeMap::new(),
            teams: BTreeMap::new(),
            alike: BTreeMap::new(),
            volunteers: BTreeMap::new(),
            carried: Default::default(),
            people: BTreeMap::new(),
            edits: Vec::new(),
        };
        // Names as a sheet's cells are read (`layout::plain`: full-width brackets made plain,
        // spaces between Chinese characters dropped), so a name typed through the API or the
        // web with a full-width bracket still finds its team or person in a file exported
        // from here, and an unchanged file renames nobody.
        for d in state.districts.values().filter(|d| d.registered) {
            c.districts.insert(layout::plain(&d.name), true);
        }
        for t in state.teams.values() {
            let key = (layout::plain(&t.name), layout::plain(&t.district));
            c.alike.entry(key.clone()).or_default().push(t.name.clone());
            c.teams.insert(key, t.id);
        }
        c.alike.retain(|_, names| names.len() > 1);
        for v in state.volunteers.values() {
            if let Some(y) = v.birth_year {
                c.volunteers
                    .insert((v.team_id, layout::plain(&v.name), y), v.id);
                let team = state
                    .teams
                    .get(&v.team_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                c.people
                    .entry((layout::plain(&v.name), y, v.district.to_string()))
                    .or_default()
                    .push(team);
            }
            if let Some(k) = &v.carried {
                c.carried
                    .insert(v.id, ((k.hours, k.points, k.star_level), None));
            }
        }
        c
    }

    fn source(&self, sheet: &Sheet, row: u32) -> RowSource {
        RowSource {
            file_name: self.source.0.clone(),
            file_sha256: self.source.1,
            sheet: sheet.name.clone(),
            row,
        }
    }

    fn row(&mut self, p: &mut Plan, row: &Row<'_>) {
        let mut problems = Vec::new();
        let outcome = match row.sheet.kind {
            Kind::Districts => self.district(row, &mut problems),
            Kind::Teams => self.team(row, &mut problems),
            Kind::Volunteers => self.volunteer(row, &mut problems),
            Kind::Balances => self.balance(row, &mut problems),
        };
        let sheet = row.sheet.name.clone();
        if !problems.is_empty() {
            let mut notes = Vec::new();
            for (column, b) in problems {
                notes.push(b.zh.clone());
                p.problems.push(Problem {
                    sheet: sheet.clone(),
                    row: row.number,
                    column,
                    zh: b.zh,
                    en: b.en,
                });
            }
            // In the template's columns, whatever the file's order (a leading 序号, say): the
            // error workbook is written under the template's headers, to fix and import again.
            let cells = row
                .sheet
                .kind
                .columns()
                .iter()
                .map(|c| row.cell(c).cloned().unwrap_or(Cell::Empty))
                .collect();
            // The error workbook has one sheet a kind: a row of another sheet of the same
            // kind (`志愿者 (2)` of an exported province) says which, as its row number alone
            // would point at the wrong one.
            if sheet != row.sheet.kind.sheet_name() {
                notes.insert(0, format!("原在工作表“{sheet}”"));
            }
            p.bad_rows.push((row.sheet.kind, row.number, cells, notes));
            return;
        }
        let edits = std::mem::take(&mut self.edits);
        match outcome {
            Some(imported) => {
                *p.new.entry(sheet).or_default() += 1;
                p.commands.push(Command::Import {
                    row: imported,
                    source: self.source(row.sheet, row.number),
                });
            }
            None if !edits.is_empty() => {
                *p.edited.entry(sheet).or_default() += 1;
                p.commands.extend(edits);
            }
            None => *p.already.entry(sheet).or_default() += 1,
        }
    }

    /// A required text cell, or a problem naming its column.
    fn need(
        row: &Row<'_>,
        column: &layout::Column,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<String> {
        match row.cell(column).map(layout::text) {
            Some(Ok(Some(t))) => Some(t),
            Some(Err(b)) => {
                problems.push((column.0.to_owned(), b));
                None
            }
            _ => {
                problems.push((
                    column.0.to_owned(),
                    Bad {
                        zh: format!("“{}”是必填的。", column.0),
                        en: format!("{} is required.", column.1),
                    },
                ));
                None
            }
        }
    }

    fn district(
        &mut self,
        row: &Row<'_>,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<ImportedRow> {
        let cols = Kind::Districts.columns();
        let name = Self::need(row, &cols[0], problems);
        let kind = Self::need(row, &cols[1], problems).and_then(|k| match k.as_str() {
            "区" | "district" => Some(DistrictKind::District),
            "县" | "county" => Some(DistrictKind::County),
            other => {
                problems.push((
                    cols[1].0.to_owned(),
                    Bad {
                        zh: format!("类型填“区”或“县”，不是“{other}”。"),
                        en: format!("kind is 区 or 县, not {other:?}."),
                    },
                ));
                None
            }
        });
        let region = Self::need(row, &cols[2], problems);
        let (name, kind, region) = (name?, kind?, region?);
        if self.districts.insert(name.clone(), true).is_some() {
            // Known by its name: a different kind or region is a correction.
            if let Some(d) = self.state.districts.get(&name).filter(|d| d.registered) {
                if d.kind != Some(kind) || d.region != region {
                    self.edits.push(Command::CorrectDistrict {
                        name,
                        kind,
                        region,
                        note: ROSTER_EDIT.into(),
                    });
                }
            }
            return None;
        }
        Some(ImportedRow::District { name, kind, region })
    }

    fn district_known(&self, name: &str, column: &str, problems: &mut Vec<(String, Bad)>) -> bool {
        if self.districts.contains_key(name) {
            return true;
        }
        problems.push((
            column.to_owned(),
            Bad {
                zh: format!("区县“{name}”不存在：请先在“区县”表里登记。"),
                en: format!(
                    "The district {name:?} does not exist: register it on the 区县 sheet first."
                ),
            },
        ));
        false
    }

    fn team(&mut self, row: &Row<'_>, problems: &mut Vec<(String, Bad)>) -> Option<ImportedRow> {
        let cols = Kind::Teams.columns();
        let name = Self::need(row, &cols[0], problems);
        let district = Self::need(row, &cols[1], problems);
        let category = Self::need(row, &cols[2], problems).and_then(|c| {
            let found = self.state.categories.all().find(|k| {
                k.code == c
                    || layout::plain(&k.label_zh) == c
                    || k.label_en.eq_ignore_ascii_case(&c)
            });
            match found {
                Some(k) => Some(k.id),
                None => {
                    problems.push((
                        cols[2].0.to_owned(),
                        Bad {
                            zh: format!("服务类别“{c}”不存在，请从类别表里选。"),
                            en: format!("No category {c:?}; pick one from the category list."),
                        },
                    ));
                    None
                }
            }
        });
        let (name, district, category): (String, String, Category) = (name?, district?, category?);
        if !self.district_known(&district, cols[1].0, problems) {
            return None;
        }
        // A row of an exported roster carries the team's id: it is an edit.
        if let Some(id) = row
            .cell(&cols[3])
            .and_then(|c| layout::text(c).ok().flatten())
        {
            return self.edit_team(&id, (&name, &district, category), problems);
        }
        let key = (name.clone(), district.clone());
        if let Some(id) = self.teams.get(&key) {
            // Known by name and district: a different category is a correction.
            if let Some(t) = self.state.teams.get(id).filter(|t| t.category != category) {
                self.edits.push(Command::CorrectTeam {
                    team_id: t.id,
                    name,
                    category,
                    note: ROSTER_EDIT.into(),
                });
            }
            return None;
        }
        let team_id = TeamId::generate();
        self.teams.insert(key, team_id);
        Some(ImportedRow::Team {
            team_id,
            name,
            district,
            category,
        })
    }

    fn volunteer(
        &mut self,
        row: &Row<'_>,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<ImportedRow> {
        let cols = Kind::Volunteers.columns();
        let name = Self::need(row, &cols[0], problems);
        let team = Self::need(row, &cols[1], problems);
        let district = row
            .cell(&cols[2])
            .and_then(|c| layout::text(c).ok().flatten());
        // A row of an exported roster carries the volunteer's id: it is an edit, and its
        // year of birth may stay empty (someone registered without it, or erased): nothing
        // to correct then.
        let id = row
            .cell(&cols[6])
            .and_then(|c| layout::text(c).ok().flatten());
        let year_left_empty = id.is_some()
            && row
                .cell(&cols[3])
                .is_none_or(|c| matches!(layout::number(c), Ok(None)));
        let birth_year = if year_left_empty {
            Some(None)
        } else {
            Self::birth_year(row, &cols[3], self.today, problems).map(Some)
        };
        let phone = match row.cell(&cols[4]).map(layout::text) {
            // A long number Excel saved in scientific notation (8.6138E+12 in a CSV) has
            // lost its last digits: the ones kept here would be the wrong ones.
            Some(Ok(Some(t))) if t.contains(['e', 'E']) && t.trim().parse::<f64>().is_ok() => {
                problems.push((
                    cols[4].0.to_owned(),
                    Bad {
                        zh: format!(
                            "手机号“{t}”是 Excel 的科学计数法，末几位已经丢失：请把这一列设为“文本”后重新输入。"
                        ),
                        en: format!(
                            "The phone {t:?} is in Excel's scientific notation and has lost its last digits: format the column as Text and type the numbers again."
                        ),
                    },
                ));
                None
            }
            Some(Ok(Some(t))) => {
                let digits: String = t.chars().filter(char::is_ascii_digit).collect();
                if digits.len() < PHONE_DIGITS_KEPT {
                    problems.push((
                        cols[4].0.to_owned(),
                        Bad {
                            zh: format!("手机号“{t}”不足四位数字。"),
                            en: format!("The phone {t:?} has fewer than four digits."),
                        },
                    ));
                }
                digits
                    .get(digits.len().saturating_sub(4)..)
                    .map(str::to_owned)
            }
            Some(Err(b)) => {
                problems.push((cols[4].0.to_owned(), b));
                None
            }
            _ => None,
        };
        let joined_on = match row.cell(&cols[5]).map(layout::date) {
            Some(Ok(Some(d))) => {
                if let Err(r) = yinling_projections::decide::check_joined(d, self.today) {
                    problems.push((cols[5].0.to_owned(), in_words(&r)));
                }
                Some(d)
            }
            Some(Ok(None)) => None,
            Some(Err(b)) => {
                problems.push((cols[5].0.to_owned(), b));
                None
            }
            None => None,
        };
        let (name, team, birth_year) = (name?, team?, birth_year?);
        let (team_id, district) = self.team_of(&team, district.as_deref(), cols[1].0, problems)?;
        if !problems.is_empty() {
            return None;
        }
        if let Some(id) = id {
            return self.edit(&id, (&name, birth_year, team_id), phone, problems);
        }
        let birth_year = birth_year?;
        let key = (team_id, name.clone(), birth_year);
        if self.volunteers.contains_key(&key) {
            return None;
        }
        // Only a new person can be someone already there under another team.
        let place = format!("{} 第 {} 行", row.sheet.name, row.number);
        self.people
            .entry((name.clone(), birth_year, district))
            .or_default()
            .push(place);
        let volunteer_id = VolunteerId::generate();
        self.volunteers.insert(key, volunteer_id);
        Some(ImportedRow::Volunteer {
            volunteer_id,
            name,
            team_id,
            birth_year: Some(birth_year),
            phone_last_four: phone,
            joined_on,
        })
    }

    fn balance(&mut self, row: &Row<'_>, problems: &mut Vec<(String, Bad)>) -> Option<ImportedRow> {
        let cols = Kind::Balances.columns();
        let name = Self::need(row, &cols[0], problems);
        let team = Self::need(row, &cols[1], problems);
        let birth_year = Self::birth_year(row, &cols[2], self.today, problems);
        let amount = |c: &layout::Column, problems: &mut Vec<(String, Bad)>| match row
            .cell(c)
            .map(layout::number)
        {
            Some(Ok(Some(n))) if n >= Decimal::ZERO => Some(n),
            Some(Ok(Some(n))) => {
                problems.push((
                    c.0.to_owned(),
                    Bad {
                        zh: format!("“{}”不能是负数（{n}）。", c.0),
                        en: format!("{} cannot be negative ({n}).", c.1),
                    },
                ));
                None
            }
            Some(Err(b)) => {
                problems.push((c.0.to_owned(), b));
                None
            }
            _ => {
                problems.push((
                    c.0.to_owned(),
                    Bad {
                        zh: format!("“{}”是必填的。", c.0),
                        en: format!("{} is required.", c.1),
                    },
                ));
                None
            }
        };
        let hours = amount(&cols[3], problems);
        let points = amount(&cols[4], problems);
        let stars = match row.cell(&cols[5]).map(layout::number) {
            Some(Ok(Some(s)))
                if s.fract().is_zero()
                    && s >= Decimal::ZERO
                    && s <= Decimal::from(MAX_STAR_LEVELS as u64) =>
            {
                s.to_u8()
            }
            Some(Ok(None)) | None => Some(0),
            Some(Ok(Some(s))) => {
                problems.push((
                    cols[5].0.to_owned(),
                    Bad {
                        zh: format!("星级“{s}”不对，填 0 到 10 的整数。"),
                        en: format!("stars {s} is not a whole number from 0 to 10."),
                    },
                ));
                None
            }
            Some(Err(b)) => {
                problems.push((cols[5].0.to_owned(), b));
                None
            }
        };
        let as_of = match row.cell(&cols[6]).map(layout::date) {
            Some(Ok(Some(d))) => Some(d),
            Some(Err(b)) => {
                problems.push((cols[6].0.to_owned(), b));
                None
            }
            _ => {
                problems.push((
                    cols[6].0.to_owned(),
                    Bad {
                        zh: "“截至日期”是必填的。".into(),
                        en: "as_of is required.".into(),
                    },
                ));
                None
            }
        };
        let source_system = Self::need(row, &cols[7], problems);
        let (name, team, birth_year, hours, points, star_level, as_of, source_system) = (
            name?,
            team?,
            birth_year?,
            hours?,
            points?,
            stars?,
            as_of?,
            source_system?,
        );
        if let Err(r) = yinling_projections::decide::check_carried(
            (hours, points, star_level),
            as_of,
            self.today,
        ) {
            let column = match r.code {
                "bad_hours" => cols[3].0,
                "bad_star_level" => cols[5].0,
                "date_in_future" => cols[6].0,
                _ => cols[4].0,
            };
            problems.push((column.to_owned(), in_words(&r)));
            return None;
        }
        let district = row
            .cell(&cols[8])
            .and_then(|c| layout::text(c).ok().flatten());
        let (team_id, _) = self.team_of(&team, district.as_deref(), cols[1].0, problems)?;
        let Some(volunteer_id) = self
            .volunteers
            .get(&(team_id, name.clone(), birth_year))
            .copied()
        else {
            problems.push((cols[0].0.to_owned(), Bad { zh: format!("“{team}”里没有 {birth_year} 年生的“{name}”：请先在“志愿者”表里登记。"), en: format!("{team} has no {name} born {birth_year}: register them on the 志愿者 sheet first.") }));
            return None;
        };
        // Once a person: the same figures again are already there; others are a problem to
        // look at (two accounts on the old platform, a figure corrected after its import),
        // never dropped without a word.
        let figures = (hours, points, star_level);
        match self.carried.get(&volunteer_id) {
            Some((before, _)) if *before == figures => return None,
            Some(((h, p, s), at)) => {
                let (zh_at, en_at) = match at {
                    Some(n) => (format!("第 {n} 行"), format!("row {n}")),
                    None => ("账本里".to_owned(), "the ledger".to_owned()),
                };
                problems.push((
                    cols[4].0.to_owned(),
                    Bad {
                        zh: format!("“{name}”的原有积分{zh_at}已经是 {h} 小时、{p} 分、{s} 星，和这一行不同：一个人只能有一笔原有积分，请核对后只留一行。"),
                        en: format!("{name}'s carried-over balance is already {h} hours, {p} points, {s} stars in {en_at}, unlike this row: one balance a person; check and keep one row."),
                    },
                ));
                return None;
            }
            None => {
                self.carried
                    .insert(volunteer_id, (figures, Some(row.number)));
            }
        }
        Some(ImportedRow::OpeningBalance {
            volunteer_id,
            hours,
            points,
            star_level,
            as_of,
            source_system,
        })
    }

    fn duplicates(&self) -> Vec<Duplicate> {
        self.people
            .iter()
            .filter(|(_, places)| places.len() > 1)
            .map(|((name, birth_year, district), places)| Duplicate {
                name: name.clone(),
                birth_year: *birth_year,
                district: district.clone(),
                places: places.clone(),
            })
            .collect()
    }
}

/// A refusal of the import's own checks, as a plan's problem: in Chinese for the codes a
/// roster meets, the refusal's words beside.
fn in_words(r: &yinling_projections::Rejection) -> Bad {
    let zh = match r.code {
        "bad_hours" => "服务时长超出范围，或小数超过两位。",
        "bad_points" => "积分超出范围，或小数超过两位。",
        "bad_star_level" => "星级超出范围。",
        "date_in_future" => "日期晚于今天。",
        _ => "这一行导入时会被拒绝。",
    };
    Bad {
        zh: format!("{zh}（{}）", r.detail),
        en: r.detail.clone(),
    }
}
