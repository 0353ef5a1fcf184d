//! Service: activities, each participant's credit, reversals and corrections, and the points
//! rules.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::kinds::*;
use crate::ids::{ActivityId, GroupId, ProjectId, TeamId, VolunteerId};

/// Results of an activity beyond hours, so a district can report them from the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcomes {
    /// People who received the service.
    pub people_served: u32,
    /// Problems resolved for them.
    pub problems_resolved: u32,
    /// Disputes taken up (mediation).
    pub disputes_handled: u32,
    /// Disputes settled (mediation); never more than handled.
    pub disputes_settled: u32,
}

/// An activity was logged: the summary shared by its participants' [`ServiceLogged`] events,
/// which follow it in the same stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLogged {
    /// The activity.
    pub activity_id: ActivityId,
    /// The team that ran it.
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// Kind of service.
    pub category: Category,
    /// The civil date.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// What was done, e.g. 社区邻里纠纷调解.
    pub title: String,
    /// Number of participants (one `ServiceLogged` each).
    pub participants: u32,
    /// Sum of the participants' hours.
    #[serde(with = "crate::amount::bounded")]
    pub hours_total: Decimal,
    /// Sum of the participants' points.
    #[serde(with = "crate::amount::bounded")]
    pub points_total: Decimal,
    /// Results beyond hours.
    pub outcomes: Outcomes,
}

/// One volunteer's part in an activity earned points at the rate then in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLogged {
    /// The activity this belongs to.
    pub activity_id: ActivityId,
    /// Who served.
    pub volunteer_id: VolunteerId,
    /// The team credited (the volunteer's team when logged).
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// Kind of service.
    pub category: Category,
    /// The civil date of the service.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// Hours served, in (0, 24], at most two decimals.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// Points earned: `hours * points_per_hour`.
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// The rate applied.
    #[serde(with = "crate::amount::bounded")]
    pub points_per_hour: Decimal,
    /// The version of the point rules that gave the rate.
    pub rules_version: u32,
}

/// A logged service was undone by a compensating entry (the original stays in the log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceReversed {
    /// The activity being reversed.
    pub activity_id: ActivityId,
    /// Whose service is reversed.
    pub volunteer_id: VolunteerId,
    /// The team the original entry credited.
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// Kind of service of the original entry.
    pub category: Category,
    /// Date of the original service.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// Hours taken back.
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// Points taken back (exactly those the original entry earned).
    #[serde(with = "crate::amount::bounded")]
    pub points: Decimal,
    /// Why, in the coordinator's words.
    pub reason: String,
}

/// One participant's hours of an activity were corrected, up or down, or to zero (removed
/// from the activity), at the rate the original entry earned; the other participants and the
/// original entry stay as they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCorrected {
    /// The activity.
    pub activity_id: ActivityId,
    /// Whose hours are corrected.
    pub volunteer_id: VolunteerId,
    /// The team the original entry credited.
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// Kind of service of the original entry.
    pub category: Category,
    /// Date of the original service.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// Hours before the correction.
    #[serde(with = "crate::amount::bounded")]
    pub hours_before: Decimal,
    /// Hours after it (0: removed from the activity).
    #[serde(with = "crate::amount::bounded")]
    pub hours_after: Decimal,
    /// Points before.
    #[serde(with = "crate::amount::bounded")]
    pub points_before: Decimal,
    /// Points after: hours after times the original entry's rate.
    #[serde(with = "crate::amount::bounded")]
    pub points_after: Decimal,
    /// Why, in the coordinator's words.
    pub reason: String,
}

/// A logged activity belongs to a project (recorded right after its `ActivityLogged`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityInProject {
    /// The activity.
    pub activity_id: ActivityId,
    /// The project.
    pub project_id: ProjectId,
}

/// One of the teams that co-organised a joint activity, besides the team that logged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoOrganiser {
    /// The team.
    pub team_id: TeamId,
    /// Its district then.
    pub district: String,
}

/// An activity was organised jointly (联合活动) by the team of its `ActivityLogged` (or
/// `BackfillRequested`) and these teams of one group; recorded right after it, in the same
/// commit. Each participant's `ServiceLogged` credits their own team, which is one of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityCoOrganised {
    /// The activity.
    pub activity_id: ActivityId,
    /// The group every organising team belonged to on the service date.
    pub group_id: GroupId,
    /// The other organising teams.
    pub teams: Vec<CoOrganiser>,
}

/// A rate for one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRate {
    /// The category.
    pub category: Category,
    /// Points per hour of service.
    #[serde(with = "crate::amount::bounded")]
    pub points_per_hour: Decimal,
}

/// The point rules changed; applies to services logged from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesChanged {
    /// Monotonic version number (the default rules are version 0).
    pub version: u32,
    /// The rate of every category not listed in `rates`.
    #[serde(with = "crate::amount::bounded")]
    pub default_points_per_hour: Decimal,
    /// Per-category rates.
    pub rates: Vec<CategoryRate>,
}

/// Which days a multiplier applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySet {
    /// Saturdays and Sundays.
    Weekends,
    /// Every day from `from` to `to`, both included (a campaign: 助力亚运, 垃圾分类宣传周).
    Dates {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

/// Service on some days earns a multiple of the rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayMultiplier {
    /// What the days are called, e.g. 周末 or 助力亚运.
    pub label: String,
    /// Which days.
    pub days: DaySet,
    /// The factor, e.g. 1.5.
    #[serde(with = "crate::amount::bounded")]
    pub multiplier: Decimal,
}

/// A version of the earning rules was adopted: service on and after `effective_from`, in the
/// categories it covers, earns under it. Credits already made never change; re-rating a past
/// period is a command of its own ([`ServiceRerated`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarningRulesAdopted {
    /// Monotonic version number (shared with the versions [`RulesChanged`] recorded).
    pub version: u32,
    /// First service date it applies to.
    #[serde(with = "super::dates")]
    pub effective_from: NaiveDate,
    /// The rate of every category not listed in `rates`; `None`: the version covers only the
    /// listed categories, and the others keep the rule they had.
    #[serde(with = "crate::amount::bounded::option")]
    pub default_points_per_hour: Option<Decimal>,
    /// Per-category rates.
    pub rates: Vec<CategoryRate>,
    /// Days that earn a multiple of the rate.
    pub multipliers: Vec<DayMultiplier>,
    /// Most hours one volunteer may have credited on one day in the categories it covers.
    #[serde(with = "crate::amount::bounded::option")]
    pub max_hours_per_day: Option<Decimal>,
    /// What changed and why, published with the rule.
    pub note: String,
}

/// One credit was re-rated under the rules in force on its service date (an explicit
/// re-rating of a past period, with its reason); hours are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRerated {
    /// The activity.
    pub activity_id: ActivityId,
    /// Whose credit.
    pub volunteer_id: VolunteerId,
    /// The team the credit went to.
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// Kind of service.
    pub category: Category,
    /// Service date.
    #[serde(with = "super::dates")]
    pub date: NaiveDate,
    /// Hours (unchanged).
    #[serde(with = "crate::amount::bounded")]
    pub hours: Decimal,
    /// Points before.
    #[serde(with = "crate::amount::bounded")]
    pub points_before: Decimal,
    /// Points after.
    #[serde(with = "crate::amount::bounded")]
    pub points_after: Decimal,
    /// The rate now applied (multiplier included).
    #[serde(with = "crate::amount::bounded")]
    pub points_per_hour: Decimal,
    /// The rules version now applied.
    pub rules_version: u32,
    /// Why the period was re-rated.
    pub reason: String,
}

/// A kind of service was registered (a campaign such as 垃圾分类 or 送戏下乡, or a new line of
/// work): its number, code, names, the rate it earns when no rule names it, and its dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRegistered {
    /// Its number (the next after every category so far).
    pub category: Category,
    /// Its wire code, e.g. `garbage_sorting`.
    pub code: String,
    /// Its Chinese name, e.g. 垃圾分类.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// Points per hour when no rule version names it.
    #[serde(with = "crate::amount::bounded")]
    pub default_points_per_hour: Decimal,
    /// First service date it may be logged for.
    #[serde(with = "super::dates")]
    pub active_from: NaiveDate,
    /// Last service date, if it is a campaign with an end.
    #[serde(with = "super::dates::option")]
    pub active_until: Option<NaiveDate>,
}

/// A category's names changed (its code and history stay).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRenamed {
    /// The category.
    pub category: Category,
    /// The new Chinese name.
    pub label_zh: String,
    /// The new English name.
    pub label_en: String,
}

/// A category takes no service after `last_day`; its history stays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRetired {
    /// The category.
    pub category: Category,
    /// The last service date it may be logged for.
    #[serde(with = "super::dates")]
    pub last_day: NaiveDate,
    /// Why.
    pub reason: String,
}
