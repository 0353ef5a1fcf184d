//! Rows of an exported roster edited in Excel: the row's 编号 says which record it is, and a
//! changed field becomes a correction, a move or phone digits, never a new record.

use yinling_ledger::{Category, TeamId, VolunteerId};
use yinling_projections::Command;

use super::layout::{plain, Bad};
use super::{Checker, ROSTER_EDIT};
use yinling_projections::ImportedRow;

/// Why an 编号 finds no record: a number of the coordinator's own (1, 2, 3 down the sheet)
/// is told apart from an exported id that names nobody, since the fix differs.
fn unknown_id(id: &str, zh_what: &str, en_what: &str) -> Bad {
    if uuid::Uuid::parse_str(id).is_err() {
        return Bad {
            zh: format!("“编号”一栏只填本系统导出名册里的编号（一长串字母和数字），“{id}”不是；自己的序号请放在另一列（例如“序号”），新来的请把编号留空。"),
            en: format!("The 编号 column holds only the ids of an exported roster (a long string of letters and digits), and {id:?} is not one: put your own numbering in another column (序号, say), and leave 编号 empty for a new {en_what}."),
        };
    }
    Bad {
        zh: format!("编号“{id}”的{zh_what}不存在；新的请把编号留空。"),
        en: format!("No {en_what} has id {id:?}; leave the id empty for a new one."),
    }
}

impl Checker<'_> {
    /// An exported row edited in Excel (its id says who it is): a new name or year of birth
    /// is a correction (an empty year keeps the recorded one), a new team a move, new phone
    /// digits are recorded.
    pub(super) fn edit(
        &mut self,
        id: &str,
        (name, birth_year, team_id): (&str, Option<u16>, TeamId),
        phone: Option<String>,
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<ImportedRow> {
        let Some(v) = id
            .parse::<VolunteerId>()
            .ok()
            .and_then(|i| self.state.volunteers.get(&i))
        else {
            problems.push(("编号".into(), unknown_id(id, "志愿者", "volunteer")));
            return None;
        };
        // An empty year keeps the one recorded (or none).
        let birth_year = birth_year.or(v.birth_year);
        let renamed = plain(&v.name) != name;
        if renamed || v.birth_year != birth_year {
            self.edits.push(Command::CorrectVolunteer {
                volunteer_id: v.id,
                // A year corrected alone keeps the name as it was typed (brackets and all).
                name: if renamed {
                    name.to_owned()
                } else {
                    v.name.clone()
                },
                birth_year,
                note: ROSTER_EDIT.into(),
            });
        }
        if v.team_id != team_id {
            self.edits.push(Command::MoveVolunteer {
                volunteer_id: v.id,
                to_team_id: team_id,
            });
        }
        if let Some(digits) = phone.filter(|d| v.phone_last_four.as_deref() != Some(d.as_str())) {
            self.edits.push(Command::RecordPhone {
                volunteer_id: v.id,
                last_four: digits,
            });
        }
        None
    }

    /// An exported team row edited in Excel (its id says which team): a new name or category
    /// is a correction; a team does not change district here (its volunteers' district
    /// figures would move with it), which is said.
    pub(super) fn edit_team(
        &mut self,
        id: &str,
        (name, district, category): (&str, &str, Category),
        problems: &mut Vec<(String, Bad)>,
    ) -> Option<ImportedRow> {
        let Some(t) = id
            .parse::<TeamId>()
            .ok()
            .and_then(|i| self.state.teams.get(&i))
        else {
            problems.push(("编号".into(), unknown_id(id, "队伍", "team")));
            return None;
        };
        if plain(&t.district) != district {
            problems.push((
                "所在区县".into(),
                Bad {
                    zh: format!(
                        "队伍“{}”属于{}，不能在名册里改到{district}：请在{district}登记新队伍，再把队员调过去。",
                        t.name, t.district
                    ),
                    en: format!(
                        "The team {:?} belongs to {}; it cannot move to {district} in a roster: register a new team there and move the volunteers.",
                        t.name, t.district
                    ),
                },
            ));
            return None;
        }
        if plain(&t.name) != name {
            let key = (name.to_owned(), district.to_owned());
            if self.teams.get(&key).is_some_and(|other| *other != t.id) {
                problems.push((
                    "队伍名称".into(),
                    Bad {
                        zh: format!("{district}已经有叫“{name}”的队伍。"),
                        en: format!("{district} already has a team named {name:?}."),
                    },
                ));
                return None;
            }
            // The old name still finds the team on the volunteer rows of the same file.
            self.teams.insert(key, t.id);
        }
        if plain(&t.name) != name || t.category != category {
            self.edits.push(Command::CorrectTeam {
                team_id: t.id,
                name: name.to_owned(),
                category,
                note: ROSTER_EDIT.into(),
            });
        }
        None
    }
}
