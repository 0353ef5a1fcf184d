//! The kinds the events name: service categories, roles, districts, project owners and
//! statuses.

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, TeamId};

/// Kinds of volunteer service, each with its own points-per-hour rate.
///
/// The set comes from the teams the city actually runs: dispute mediation, eco patrols,
/// "silver star" lectures, elder care visits, culture and tourism, industry aid, craft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 矛盾调解: neighbourhood and consumer dispute mediation.
    Mediation,
    /// 生态护绿: eco patrols, river and green-space care.
    EcoPatrol,
    /// 银星宣讲: lectures and talks.
    Lecture,
    /// 关爱陪伴: visits and companionship for elders living alone.
    ElderCare,
    /// 文旅: culture and tourism guiding.
    CultureTourism,
    /// 产业帮扶: help for farms and local industry.
    IndustryAid,
    /// 银发匠人: traditional crafts and their teaching.
    Craft,
}

impl Category {
    /// Every category, in catalogue order.
    pub const ALL: [Category; 7] = [
        Category::Mediation,
        Category::EcoPatrol,
        Category::Lecture,
        Category::ElderCare,
        Category::CultureTourism,
        Category::IndustryAid,
        Category::Craft,
    ];

    /// The wire name (`mediation`, `eco_patrol`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Mediation => "mediation",
            Category::EcoPatrol => "eco_patrol",
            Category::Lecture => "lecture",
            Category::ElderCare => "elder_care",
            Category::CultureTourism => "culture_tourism",
            Category::IndustryAid => "industry_aid",
            Category::Craft => "craft",
        }
    }

    /// The Chinese name the volunteers know it by.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Category::Mediation => "矛盾调解",
            Category::EcoPatrol => "生态护绿",
            Category::Lecture => "银星宣讲",
            Category::ElderCare => "关爱陪伴",
            Category::CultureTourism => "文旅",
            Category::IndustryAid => "产业帮扶",
            Category::Craft => "银发匠人",
        }
    }

    /// A short English name.
    pub const fn label_en(self) -> &'static str {
        match self {
            Category::Mediation => "Mediation",
            Category::EcoPatrol => "Eco patrol",
            Category::Lecture => "Lectures",
            Category::ElderCare => "Elder care",
            Category::CultureTourism => "Culture & tourism",
            Category::IndustryAid => "Industry aid",
            Category::Craft => "Crafts",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Who may do what. Stored in token events and in every envelope's actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Station keeper / administrator: catalogue, rules, tokens, fulfilment.
    Admin,
    /// Coordinator of exactly one team.
    Coordinator,
    /// A volunteer acting for themself.
    Volunteer,
    /// Read-only access to everything, including the raw event feed.
    Auditor,
    /// The service itself (bootstrap, hold expiry); never held by a token.
    System,
}

impl Role {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Volunteer => "volunteer",
            Role::Auditor => "auditor",
            Role::System => "system",
        }
    }
}

/// Whether a district is an urban district (区) or a county (县).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    /// 区.
    District,
    /// 县.
    County,
}

impl DistrictKind {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DistrictKind::District => "district",
            DistrictKind::County => "county",
        }
    }
}

/// Who runs a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectOwner {
    /// A team.
    Team(TeamId),
    /// A group.
    Group(GroupId),
}

/// Where a project stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Registered, not started.
    Planned,
    /// Under way.
    Running,
    /// Finished.
    Closed,
}

impl ProjectStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "planned",
            ProjectStatus::Running => "running",
            ProjectStatus::Closed => "closed",
        }
    }
}
