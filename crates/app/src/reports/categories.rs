//! The categories of service as every front end lists them: code, names, the rate each earns
//! today, the service dates it is open for.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use yinling_projections::categories::CategoryRecord;
use yinling_projections::State;

use crate::wire::{Amount, Day};

/// One category of service.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Its code, what the API and the spreadsheets carry (never changes).
    #[schema(value_type = crate::wire::CategoryCode)]
    pub code: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// Whether it is one of the seven the ledger started with.
    pub built_in: bool,
    /// Points an hour when no version of the rules names it.
    pub default_points_per_hour: Amount,
    /// Points an hour it earns on the date asked about, under the rules of that date.
    pub points_per_hour: Amount,
    /// First service date it takes.
    pub active_from: Day,
    /// Last service date it takes, once it is retired or ends.
    pub active_until: Option<Day>,
    /// Why it was retired.
    pub retired_reason: Option<String>,
    /// Whether service on the date asked about may be logged under it.
    pub open: bool,
}

/// A category as it stands on `date`.
pub fn category_out(state: &State, c: &CategoryRecord, date: NaiveDate) -> CategoryOut {
    CategoryOut {
        code: c.code.clone(),
        label_zh: c.label_zh.clone(),
        label_en: c.label_en.clone(),
        built_in: c.id.is_builtin(),
        default_points_per_hour: c.default_points_per_hour.into(),
        points_per_hour: state.rule_for(c.id, date).effective_rate().into(),
        active_from: Day(c.active_from),
        active_until: c.active_until.map(Day),
        retired_reason: c.retired_reason.clone(),
        open: c.open_on(date),
    }
}
