//! The kinds the events name: service categories, roles, districts, project owners and
//! statuses.

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, TeamId};

/// A kind of volunteer service.
///
/// The seven the ledger started with are built in: dispute mediation, eco patrols, "silver
/// star" lectures, elder care visits, culture and tourism, industry aid, craft. Their numbers
/// are those of the enum they once were, so every stored record decodes exactly as before.
/// Others (垃圾分类, 助力亚运, 送戏下乡) are registered by [`CategoryRegistered`] and take the
/// next number; their codes, names, default rates and dates live in the projections'
/// registry, which starts with the seven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category(pub u32);

#[allow(non_upper_case_globals)]
impl Category {
    /// 矛盾调解: neighbourhood and consumer dispute mediation.
    pub const Mediation: Category = Category(0);
    /// 生态护绿: eco patrols, river and green-space care.
    pub const EcoPatrol: Category = Category(1);
    /// 银星宣讲: lectures and talks.
    pub const Lecture: Category = Category(2);
    /// 关爱陪伴: visits and companionship for elders living alone.
    pub const ElderCare: Category = Category(3);
    /// 文旅: culture and tourism guiding.
    pub const CultureTourism: Category = Category(4);
    /// 产业帮扶: help for farms and local industry.
    pub const IndustryAid: Category = Category(5);
    /// 银发匠人: traditional crafts and their teaching.
    pub const Craft: Category = Category(6);

    /// The seven built-in categories, in catalogue order.
    pub const ALL: [Category; 7] = [
        Category::Mediation,
        Category::EcoPatrol,
        Category::Lecture,
        Category::ElderCare,
        Category::CultureTourism,
        Category::IndustryAid,
        Category::Craft,
    ];

    /// The number the first registered category gets.
    pub const FIRST_REGISTERED: u32 = 7;

    /// Whether it is one of the seven built in.
    pub const fn is_builtin(self) -> bool {
        self.0 < Self::FIRST_REGISTERED
    }

    /// The code, Chinese and English names of a built-in category.
    pub const fn builtin(self) -> Option<(&'static str, &'static str, &'static str)> {
        Some(match self.0 {
            0 => ("mediation", "矛盾调解", "Mediation"),
            1 => ("eco_patrol", "生态护绿", "Eco patrol"),
            2 => ("lecture", "银星宣讲", "Lectures"),
            3 => ("elder_care", "关爱陪伴", "Elder care"),
            4 => ("culture_tourism", "文旅", "Culture & tourism"),
            5 => ("industry_aid", "产业帮扶", "Industry aid"),
            6 => ("craft", "银发匠人", "Crafts"),
            _ => return None,
        })
    }

    /// The built-in category with this code.
    pub fn builtin_by_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.builtin().is_some_and(|(k, _, _)| k == code))
    }
}

/// In JSON a built-in category is its code (`"mediation"`), a registered one its number (its
/// code is in the registry); in the binary codec always the number.
impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.builtin() {
            Some((code, _, _)) if serializer.is_human_readable() => serializer.serialize_str(code),
            _ => serializer.serialize_u32(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        if !deserializer.is_human_readable() {
            return u32::deserialize(deserializer).map(Category);
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            Code(String),
            Number(u32),
        }
        match Text::deserialize(deserializer)? {
            Text::Number(n) => Ok(Category(n)),
            Text::Code(code) => Category::builtin_by_code(&code).ok_or_else(|| {
                D::Error::custom(format!(
                    "{code:?} is not a built-in category; registered ones are written as their number"
                ))
            }),
        }
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
    /// Coordinator of one group of teams (e.g. 银雁协共体): its memberships, its projects and
    /// its joint activities.
    GroupCoordinator,
    /// A clerk at the e-station counter: the queue, hand-overs, restocking, redeeming for a
    /// volunteer at the counter; nothing else.
    StationClerk,
    /// Coordinator of one district's teams: reads everything of them, logs for any of them,
    /// manages their volunteers' cards; no rules, no rewards.
    DistrictCoordinator,
    /// An officer of one partner bank: sees and checks that bank's rate vouchers.
    BankOfficer,
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
            Role::GroupCoordinator => "group_coordinator",
            Role::StationClerk => "station_clerk",
            Role::DistrictCoordinator => "district_coordinator",
            Role::BankOfficer => "bank_officer",
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
