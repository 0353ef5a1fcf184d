//! How the city organises its volunteering: districts, cross-region groups and memberships,
//! projects, and the evaluation's scoring weights.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::kinds::*;
use crate::ids::{GroupId, ProjectId, TeamId};

/// A district or county was registered; teams belong to one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictRegistered {
    /// Its name, unique: e.g. 南浔区.
    pub name: String,
    /// 区 or 县.
    pub kind: DistrictKind,
    /// The region it belongs to, e.g. 湖州市 (or 丽水市 for a partner county).
    pub region: String,
}

/// A cross-region group was founded (e.g. 银雁协共体 of 南浔 and 松阳).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFounded {
    /// The group.
    pub group_id: GroupId,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// The day it was founded.
    #[serde(with = "super::dates")]
    pub founded_on: NaiveDate,
}

/// A sub-group was added to a group (e.g. 乐学, 关爱, 智库, 文旅, 产业, 宣讲).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubGroupAdded {
    /// The group.
    pub group_id: GroupId,
    /// The new sub-group.
    pub sub_group_id: GroupId,
    /// Its name.
    pub name: String,
    /// From when.
    #[serde(with = "super::dates")]
    pub added_on: NaiveDate,
}

/// A team joined a group (and possibly one of its sub-groups) from a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamJoinedGroup {
    /// The team.
    pub team_id: TeamId,
    /// The group.
    pub group_id: GroupId,
    /// The sub-group, if any.
    pub sub_group_id: Option<GroupId>,
    /// The first day of membership.
    #[serde(with = "super::dates")]
    pub joined_on: NaiveDate,
}

/// A team left a group from a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamLeftGroup {
    /// The team.
    pub team_id: TeamId,
    /// The group.
    pub group_id: GroupId,
    /// The first day no longer a member.
    #[serde(with = "super::dates")]
    pub left_on: NaiveDate,
}

/// A project was put on the project list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRegistered {
    /// The project.
    pub project_id: ProjectId,
    /// Who runs it.
    pub owner: ProjectOwner,
    /// Title.
    pub title: String,
    /// Kind of service.
    pub category: Category,
    /// What it aims at, in words.
    pub goal: String,
    /// First day.
    #[serde(with = "super::dates")]
    pub starts_on: NaiveDate,
    /// Last day, if fixed.
    #[serde(with = "super::dates::option")]
    pub ends_on: Option<NaiveDate>,
    /// Status at registration.
    pub status: ProjectStatus,
}

/// A project changed status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectStatusChanged {
    /// The project.
    pub project_id: ProjectId,
    /// The new status.
    pub status: ProjectStatus,
    /// From when.
    #[serde(with = "super::dates")]
    pub on: NaiveDate,
}

/// The weights of the performance evaluation (绩效评价): a team's score is the sum of each
/// figure times its weight. Published and versioned like the point rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringWeights {
    /// Per activity.
    #[serde(with = "crate::amount::bounded")]
    pub per_activity: Decimal,
    /// Per participation (volunteer-activity).
    #[serde(with = "crate::amount::bounded")]
    pub per_participant_time: Decimal,
    /// Per distinct active volunteer.
    #[serde(with = "crate::amount::bounded")]
    pub per_active_volunteer: Decimal,
    /// Per hour of service.
    #[serde(with = "crate::amount::bounded")]
    pub per_hour: Decimal,
    /// Per person served.
    #[serde(with = "crate::amount::bounded")]
    pub per_person_served: Decimal,
    /// Per problem resolved.
    #[serde(with = "crate::amount::bounded")]
    pub per_problem_resolved: Decimal,
    /// Per dispute settled.
    #[serde(with = "crate::amount::bounded")]
    pub per_dispute_settled: Decimal,
}

/// The evaluation weights changed; reports computed from now on use them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringChanged {
    /// Monotonic version (the built-in default is version 0).
    pub version: u32,
    /// The weights.
    pub weights: ScoringWeights,
}
