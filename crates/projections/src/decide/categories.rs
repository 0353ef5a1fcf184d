//! Decisions about the categories of service: registering one (a campaign such as 垃圾分类,
//! a new line of work), renaming one, retiring one. History is never rewritten: a retired
//! category keeps every entry it had and refuses new ones.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// What a code may be: what the API, the spreadsheets and the URLs carry.
fn check_code(code: &str) -> Result<String, Rejection> {
    let code = code.trim();
    let ok = (MIN_CATEGORY_CODE_CHARS..=MAX_CATEGORY_CODE_CHARS).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(Rejection::invalid(
            "bad_code",
            format!(
                "code {code:?} must be {MIN_CATEGORY_CODE_CHARS} to {MAX_CATEGORY_CODE_CHARS} lower-case letters, digits or _, starting with a letter (e.g. garbage_sorting)"
            ),
        ));
    }
    Ok(code.to_owned())
}

/// A new category, numbered after every category so far.
#[allow(clippy::too_many_arguments)]
pub(super) fn register(
    state: &State,
    who: &Principal,
    code: &str,
    label_zh: &str,
    label_en: &str,
    default_points_per_hour: Decimal,
    active_from: NaiveDate,
    active_until: Option<NaiveDate>,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("register categories of service"))?;
    let code = check_code(code)?;
    let label_zh = text("label_zh", label_zh, MAX_NAME_CHARS)?;
    let label_en = text("label_en", label_en, MAX_NAME_CHARS)?;
    checks::rate("default_points_per_hour", default_points_per_hour)?;
    checks::service_date("active_from", active_from)?;
    if active_until.is_some_and(|u| u < active_from) {
        return Err(Rejection::invalid(
            "bad_window",
            "active_until is before active_from",
        ));
    }
    if let Some(existing) = state.categories.by_code(&code) {
        return Err(Rejection::conflict(
            "duplicate_code",
            format!("the code {code} is taken by {}", existing.label_zh),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::categories(),
        vec![Event::CategoryRegistered(CategoryRegistered {
            category: state.categories.next_id(),
            code,
            label_zh,
            label_en,
            default_points_per_hour: default_points_per_hour.normalize(),
            active_from,
            active_until,
        })],
    )])
}

/// New names for a category.
pub(super) fn rename(
    state: &State,
    who: &Principal,
    category: Category,
    label_zh: &str,
    label_en: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("rename categories of service"))?;
    let label_zh = text("label_zh", label_zh, MAX_NAME_CHARS)?;
    let label_en = text("label_en", label_en, MAX_NAME_CHARS)?;
    let record = checks::category(state, category)?;
    if record.label_zh == label_zh && record.label_en == label_en {
        return Err(Rejection::conflict(
            "no_change",
            format!("{} already has these names", record.code),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::categories(),
        vec![Event::CategoryRenamed(CategoryRenamed {
            category,
            label_zh,
            label_en,
        })],
    )])
}

/// A category takes no service after `last_day`.
pub(super) fn retire(
    state: &State,
    who: &Principal,
    category: Category,
    last_day: NaiveDate,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("retire categories of service"))?;
    let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
    let record = checks::category(state, category)?;
    if last_day < record.active_from {
        return Err(Rejection::invalid(
            "bad_window",
            format!(
                "{} opened on {}; its last day cannot come before that",
                record.code, record.active_from
            ),
        ));
    }
    if record.active_until.is_some_and(|u| u <= last_day) {
        return Err(Rejection::conflict(
            "already_retired",
            format!(
                "{} already takes no service after {}",
                record.code,
                record.active_until.unwrap_or(last_day)
            ),
        ));
    }
    Ok(vec![Commit::any(
        StreamId::categories(),
        vec![Event::CategoryRetired(CategoryRetired {
            category,
            last_day,
            reason,
        })],
    )])
}
