//! How the category registry is folded, and how a category earns on a date (its rule
//! version, or its own default rate when no version names it).

use chrono::NaiveDate;
use yinling_ledger::*;

use super::State;
use crate::categories::CategoryRecord;
use crate::rules::Applied;

impl State {
    pub(super) fn category_registered(&mut self, e: &CategoryRegistered) {
        self.categories.insert(CategoryRecord {
            id: e.category,
            code: e.code.clone(),
            label_zh: e.label_zh.clone(),
            label_en: e.label_en.clone(),
            default_points_per_hour: e.default_points_per_hour,
            active_from: e.active_from,
            active_until: e.active_until,
            retired_reason: None,
        });
    }

    pub(super) fn category_renamed(&mut self, e: &CategoryRenamed) {
        if let Some(r) = self.categories.get_mut(&e.category) {
            r.label_zh = e.label_zh.clone();
            r.label_en = e.label_en.clone();
        }
    }

    pub(super) fn category_retired(&mut self, e: &CategoryRetired) {
        if let Some(r) = self.categories.get_mut(&e.category) {
            r.active_until = Some(e.last_day);
            r.retired_reason = Some(e.reason.clone());
        }
    }

    /// How `category` earns on `date`: under the rule version in force for it, or at its own
    /// default rate when no version names it (a registered category is covered by a
    /// version's default rate only if it names the category).
    pub fn rule_for(&self, category: Category, date: NaiveDate) -> Applied {
        let own = self
            .categories
            .get(&category)
            .map(|r| r.default_points_per_hour);
        self.rules.rule_for(category, date, own)
    }

    /// A volunteer's hours on `date` in the categories whose rule that day is `version`:
    /// what that version's daily cap limits ("in the categories it covers"), so a log is
    /// accepted or refused the same whichever of the day's entries came first. Read off the
    /// activities on their statement for that date, at the hours each holds now; a reversed
    /// activity counts nothing.
    ///
    /// A day with no net hours for them has nothing under any version, and their statement
    /// is not read: a day's net hours (`Volunteer::hours_on`) are the hours each activity of
    /// that day holds for them now, none below zero, with a reversed one's taken back, so
    /// they are zero only when every activity that counts here holds zero. The statement
    /// grows with every year of service; reading it whole on every log was the largest part
    /// of deciding one on a city of weekly volunteers (BENCHMARKS.md, "A write on a city of
    /// 100,000 volunteers taken apart").
    pub fn hours_under_version(
        &self,
        volunteer: &crate::volunteers::Volunteer,
        date: NaiveDate,
        version: u32,
    ) -> rust_decimal::Decimal {
        if volunteer.hours_on(date).is_zero() {
            return rust_decimal::Decimal::ZERO;
        }
        let mut seen: Vec<ActivityId> = Vec::new();
        let mut hours = rust_decimal::Decimal::ZERO;
        for entry in volunteer
            .statement
            .iter(self.stamps())
            .filter(|e| e.date == Some(date))
        {
            let crate::volunteers::EntryRef::Activity(id) = entry.reference else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let Some(a) = self.activities.get(&id) else {
                continue;
            };
            if a.reversal().is_some() || self.rule_for(a.category, date).version != version {
                continue;
            }
            hours += a
                .participants
                .iter()
                .filter(|p| p.number == volunteer.number)
                .map(|p| p.hours)
                .sum::<rust_decimal::Decimal>();
        }
        hours
    }

    /// Whether a change of `volunteer`'s hours on `date` passes the daily cap `cap` of rule
    /// version `version`: the change takes away `leaving` hours of theirs under that version
    /// (the hours a correction replaces; zero for a log) and adds `adding`. `Some(covered)`,
    /// their hours under the version less `leaving` (what a refusal names), when it would
    /// pass the cap; `None` when it stays within it.
    ///
    /// The hours under one version are some of the day's net hours, each activity's at zero
    /// or more, so when the whole day after the change (`Volunteer::hours_on` less `leaving`
    /// plus `adding`) is within the cap, so are the version's, and the statement is not read:
    /// only a day already near its cap pays for [`State::hours_under_version`]. A second log
    /// of the same day read the volunteer's whole statement before, about a tenth of a write's
    /// server CPU on a city of weekly volunteers (BENCHMARKS.md, "A second log of a day
    /// within its cap").
    pub fn over_daily_cap(
        &self,
        volunteer: &crate::volunteers::Volunteer,
        (date, version, cap): (NaiveDate, u32, rust_decimal::Decimal),
        leaving: rust_decimal::Decimal,
        adding: rust_decimal::Decimal,
    ) -> Option<rust_decimal::Decimal> {
        if volunteer.hours_on(date) - leaving + adding <= cap {
            return None;
        }
        let covered = self.hours_under_version(volunteer, date, version) - leaving;
        (covered + adding > cap).then_some(covered)
    }
}
