//! The registry of service categories: the seven built in, and those registered since
//! (campaigns such as 垃圾分类, 助力亚运, 送戏下乡), each with its code, names, the rate it earns
//! when no rule version names it, and the service dates it is open for.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::Category;

use crate::limits::{DEFAULT_POINTS_PER_HOUR, EARLIEST_ACTIVITY_YEAR};

/// One category as registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRecord {
    /// Its number.
    pub id: Category,
    /// Its wire code.
    pub code: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// Points per hour when no rule version names it.
    pub default_points_per_hour: Decimal,
    /// First service date it may be logged for.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub active_from: NaiveDate,
    /// Last service date it may be logged for.
    #[serde(with = "yinling_ledger::time::day_number::option")]
    pub active_until: Option<NaiveDate>,
    /// Why it was retired, once it is.
    pub retired_reason: Option<String>,
}

impl CategoryRecord {
    /// Whether service on `date` may be logged under it.
    pub fn open_on(&self, date: NaiveDate) -> bool {
        self.active_from <= date && self.active_until.is_none_or(|u| date <= u)
    }

    /// Its name in Chinese or English.
    pub fn label(&self, zh: bool) -> &str {
        if zh {
            &self.label_zh
        } else {
            &self.label_en
        }
    }
}

/// Every category, by number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Categories {
    records: BTreeMap<Category, CategoryRecord>,
}

impl Default for Categories {
    /// A new ledger starts with the seven built-in categories, open since the earliest date
    /// the ledger accepts.
    fn default() -> Self {
        let since = NaiveDate::from_ymd_opt(EARLIEST_ACTIVITY_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
        let records = Category::ALL
            .into_iter()
            .filter_map(|c| {
                c.builtin().map(|(code, zh, en)| {
                    (
                        c,
                        CategoryRecord {
                            id: c,
                            code: code.to_owned(),
                            label_zh: zh.to_owned(),
                            label_en: en.to_owned(),
                            default_points_per_hour: DEFAULT_POINTS_PER_HOUR,
                            active_from: since,
                            active_until: None,
                            retired_reason: None,
                        },
                    )
                })
            })
            .collect();
        Categories { records }
    }
}

impl Categories {
    /// The record of a category.
    pub fn get(&self, c: &Category) -> Option<&CategoryRecord> {
        self.records.get(c)
    }

    /// The category with this code.
    pub fn by_code(&self, code: &str) -> Option<&CategoryRecord> {
        self.records.values().find(|r| r.code == code)
    }

    /// Its code (its number, for a category the log never registered: impossible on a log
    /// written through `decide`).
    pub fn code(&self, c: &Category) -> String {
        self.records
            .get(c)
            .map(|r| r.code.clone())
            .unwrap_or_else(|| c.0.to_string())
    }

    /// Its name in Chinese or English.
    pub fn label(&self, c: &Category, zh: bool) -> String {
        self.records
            .get(c)
            .map(|r| r.label(zh).to_owned())
            .unwrap_or_else(|| c.0.to_string())
    }

    /// Every category, by number.
    pub fn all(&self) -> impl Iterator<Item = &CategoryRecord> {
        self.records.values()
    }

    /// Those open for service on `date`.
    pub fn open_on(&self, date: NaiveDate) -> impl Iterator<Item = &CategoryRecord> {
        self.records.values().filter(move |r| r.open_on(date))
    }

    /// The number the next registered category gets.
    pub fn next_id(&self) -> Category {
        let last = self.records.keys().map(|c| c.0).max().unwrap_or(0);
        Category((last + 1).max(Category::FIRST_REGISTERED))
    }

    pub(crate) fn insert(&mut self, record: CategoryRecord) {
        self.records.insert(record.id, record);
    }

    pub(crate) fn get_mut(&mut self, c: &Category) -> Option<&mut CategoryRecord> {
        self.records.get_mut(c)
    }
}
