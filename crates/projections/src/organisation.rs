//! How the city organises its volunteering beyond teams: cross-region groups with
//! sub-groups and dated memberships, and the managed project list (项目清单).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yinling_ledger::{
    ActivityId, Category, GroupId, ProjectId, ProjectOwner, ProjectStatus, TeamId,
};

/// A team's membership of a group over a span of days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The team.
    pub team_id: TeamId,
    /// The sub-group, if the team joined one.
    pub sub_group_id: Option<GroupId>,
    /// First day of membership.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub joined_on: NaiveDate,
    /// First day no longer a member (open while `None`).
    #[serde(with = "yinling_ledger::time::day_number::option")]
    pub left_on: Option<NaiveDate>,
}

impl Membership {
    /// Whether the team was a member on `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.joined_on <= date && self.left_on.is_none_or(|left| date < left)
    }

    /// The part of `[from, to]` (inclusive, open ends allowed) the membership covers, as an
    /// inclusive range; `None` if they do not meet.
    pub fn overlap(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let start = from.map_or(self.joined_on, |f| f.max(self.joined_on));
        let last_member_day = self.left_on.and_then(|l| l.pred_opt());
        let end = match (to, last_member_day) {
            (Some(t), Some(l)) => Some(t.min(l)),
            (Some(t), None) => Some(t),
            (None, l) => l,
        };
        match end {
            Some(e) if e < start => None,
            _ => Some((start, end)),
        }
    }
}

/// A cross-region group or one of its sub-groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Id.
    pub id: GroupId,
    /// Name.
    pub name: String,
    /// What it is for (empty for sub-groups).
    pub purpose: String,
    /// Founded (or added, for a sub-group).
    #[serde(with = "yinling_ledger::time::day_number")]
    pub founded_on: NaiveDate,
    /// The group a sub-group belongs to.
    pub parent: Option<GroupId>,
    /// Sub-groups of a group.
    pub sub_groups: Vec<GroupId>,
    /// Memberships of a (top-level) group, in order.
    pub memberships: Vec<Membership>,
}

/// A project on the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// Who runs it.
    pub owner: ProjectOwner,
    /// Title.
    pub title: String,
    /// Kind of service.
    pub category: Category,
    /// Goal, in words.
    pub goal: String,
    /// First day.
    #[serde(with = "yinling_ledger::time::day_number")]
    pub starts_on: NaiveDate,
    /// Last day, if fixed.
    #[serde(with = "yinling_ledger::time::day_number::option")]
    pub ends_on: Option<NaiveDate>,
    /// Current status.
    pub status: ProjectStatus,
    /// Every status with the day it took effect.
    pub history: Vec<(ProjectStatus, i32)>,
    /// Activities logged under it.
    pub activities: Vec<ActivityId>,
}
