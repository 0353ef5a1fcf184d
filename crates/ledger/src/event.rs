//! The event catalogue: every fact the ledger can record, in the past tense.
//!
//! Each event carries every value a fold needs (the rate used, the team at the time, the
//! district), so replay never consults today's configuration. The order of the variants of
//! [`Event`] is part of the stored format: extend at the end, never reorder or remove. A
//! change to the shape of an existing event is a new schema version (see `codec`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{
    ActivityId, GroupId, ProjectId, RedemptionId, RewardId, TeamId, TokenId, VolunteerId,
};
use crate::time::Timestamp;

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

/// What an e-station reward is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// A farm product from a partner region (e.g. tea from 松阳县).
    Product {
        /// Where it comes from.
        origin: String,
    },
    /// A preferential deposit or loan rate at a partner bank.
    RateVoucher {
        /// The bank that honours it.
        bank: String,
        /// The rate bonus in basis points (1/100 of a percent).
        basis_points: u32,
    },
}

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

/// A team was registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRegistered {
    /// The new team.
    pub team_id: TeamId,
    /// Its name, e.g. 荻溪六老调解队.
    pub name: String,
    /// The district or county it belongs to, e.g. 南浔区.
    pub district: String,
    /// Its main kind of service.
    pub category: Category,
}

/// A volunteer joined a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerRegistered {
    /// The new volunteer.
    pub volunteer_id: VolunteerId,
    /// Their name.
    pub name: String,
    /// The team they joined.
    pub team_id: TeamId,
    /// That team's district at the time.
    pub district: String,
    /// Year of birth, if given (used for age statistics only).
    pub birth_year: Option<u16>,
}

/// A volunteer moved from one team to another. Earlier service stays with the old team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerMovedTeam {
    /// Who moved.
    pub volunteer_id: VolunteerId,
    /// The team they left.
    pub from_team_id: TeamId,
    /// The team they joined.
    pub to_team_id: TeamId,
    /// The new team's district.
    pub district: String,
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
    pub date: NaiveDate,
    /// Hours served, in (0, 24], at most two decimals.
    #[serde(with = "crate::amount")]
    pub hours: Decimal,
    /// Points earned: `hours * points_per_hour`.
    #[serde(with = "crate::amount")]
    pub points: Decimal,
    /// The rate applied.
    #[serde(with = "crate::amount")]
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
    pub date: NaiveDate,
    /// Hours taken back.
    #[serde(with = "crate::amount")]
    pub hours: Decimal,
    /// Points taken back (exactly those the original entry earned).
    #[serde(with = "crate::amount")]
    pub points: Decimal,
    /// Why, in the coordinator's words.
    pub reason: String,
}

/// A rate for one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRate {
    /// The category.
    pub category: Category,
    /// Points per hour of service.
    #[serde(with = "crate::amount")]
    pub points_per_hour: Decimal,
}

/// The point rules changed; applies to services logged from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesChanged {
    /// Monotonic version number (the default rules are version 0).
    pub version: u32,
    /// The rate of every category not listed in `rates`.
    #[serde(with = "crate::amount")]
    pub default_points_per_hour: Decimal,
    /// Per-category rates.
    pub rates: Vec<CategoryRate>,
}

/// A reward was added to the e-station catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardListed {
    /// The new reward.
    pub reward_id: RewardId,
    /// Its name, e.g. 松阳银猴茶 250g.
    pub name: String,
    /// Product or rate voucher.
    pub kind: RewardKind,
    /// Points per unit, > 0.
    #[serde(with = "crate::amount")]
    pub cost_points: Decimal,
    /// Units in stock.
    pub stock: u32,
}

/// Units were added to a reward's stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRestocked {
    /// The reward.
    pub reward_id: RewardId,
    /// Units added.
    pub quantity: u32,
    /// Stock after the addition (free, not counting held units).
    pub stock_after: u32,
}

/// A reward's price changed; existing holds keep their price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRepriced {
    /// The reward.
    pub reward_id: RewardId,
    /// The old price per unit.
    #[serde(with = "crate::amount")]
    pub cost_points_before: Decimal,
    /// The new price per unit.
    #[serde(with = "crate::amount")]
    pub cost_points: Decimal,
}

/// A reward was withdrawn from the catalogue; holds already made can still be settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRetired {
    /// The reward.
    pub reward_id: RewardId,
}

/// Points and stock were reserved for a volunteer's redemption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionHeld {
    /// The new redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// Their team at the time (for per-team redemption statistics).
    pub team_id: TeamId,
    /// That team's district.
    pub district: String,
    /// What is redeemed.
    pub reward_id: RewardId,
    /// How many units.
    pub quantity: u32,
    /// Price per unit at the time.
    #[serde(with = "crate::amount")]
    pub cost_points: Decimal,
    /// Points reserved: `cost_points * quantity`.
    #[serde(with = "crate::amount")]
    pub points: Decimal,
    /// When the hold lapses if not settled.
    pub expires_at: Timestamp,
}

/// A held redemption was handed over at the counter: the points are spent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionFulfilled {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// What was handed over.
    pub reward_id: RewardId,
    /// How many units.
    pub quantity: u32,
    /// Points spent.
    #[serde(with = "crate::amount")]
    pub points: Decimal,
}

/// A held redemption was cancelled: points and stock return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionCancelled {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// The reward whose stock returns.
    pub reward_id: RewardId,
    /// Units returned to stock.
    pub quantity: u32,
    /// Points returned to the volunteer.
    #[serde(with = "crate::amount")]
    pub points: Decimal,
    /// Why, if given.
    pub reason: String,
}

/// A held redemption lapsed after its time to live: points and stock return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedemptionExpired {
    /// The redemption.
    pub redemption_id: RedemptionId,
    /// Whose points.
    pub volunteer_id: VolunteerId,
    /// The reward whose stock returns.
    pub reward_id: RewardId,
    /// Units returned to stock.
    pub quantity: u32,
    /// Points returned to the volunteer.
    #[serde(with = "crate::amount")]
    pub points: Decimal,
}

/// An access token was issued. Only the SHA-256 of the secret is recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenIssued {
    /// The token's id (not secret).
    pub token_id: TokenId,
    /// Its role.
    pub role: Role,
    /// The team a coordinator token is scoped to.
    pub team_id: Option<TeamId>,
    /// The volunteer a volunteer token is scoped to.
    pub volunteer_id: Option<VolunteerId>,
    /// SHA-256 of the secret token text.
    #[serde(with = "crate::digest::bytes32")]
    pub secret_sha256: [u8; 32],
    /// A note for people, e.g. "counter at 南浔 e站".
    pub label: String,
}

/// An access token was revoked; every later request with it is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    /// The token.
    pub token_id: TokenId,
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
    pub date: NaiveDate,
    /// What was done, e.g. 社区邻里纠纷调解.
    pub title: String,
    /// Number of participants (one `ServiceLogged` each).
    pub participants: u32,
    /// Sum of the participants' hours.
    #[serde(with = "crate::amount")]
    pub hours_total: Decimal,
    /// Sum of the participants' points.
    #[serde(with = "crate::amount")]
    pub points_total: Decimal,
    /// Results beyond hours.
    pub outcomes: Outcomes,
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
    pub left_on: NaiveDate,
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
    pub starts_on: NaiveDate,
    /// Last day, if fixed.
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
    pub on: NaiveDate,
}

/// A logged activity belongs to a project (recorded right after its `ActivityLogged`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityInProject {
    /// The activity.
    pub activity_id: ActivityId,
    /// The project.
    pub project_id: ProjectId,
}

/// The weights of the performance evaluation (绩效评价): a team's score is the sum of each
/// figure times its weight. Published and versioned like the point rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringWeights {
    /// Per activity.
    #[serde(with = "crate::amount")]
    pub per_activity: Decimal,
    /// Per participation (volunteer-activity).
    #[serde(with = "crate::amount")]
    pub per_participant_time: Decimal,
    /// Per distinct active volunteer.
    #[serde(with = "crate::amount")]
    pub per_active_volunteer: Decimal,
    /// Per hour of service.
    #[serde(with = "crate::amount")]
    pub per_hour: Decimal,
    /// Per person served.
    #[serde(with = "crate::amount")]
    pub per_person_served: Decimal,
    /// Per problem resolved.
    #[serde(with = "crate::amount")]
    pub per_problem_resolved: Decimal,
    /// Per dispute settled.
    #[serde(with = "crate::amount")]
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

/// Every event the ledger records. Variant order is stored format: append only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// See [`TeamRegistered`].
    TeamRegistered(TeamRegistered),
    /// See [`VolunteerRegistered`].
    VolunteerRegistered(VolunteerRegistered),
    /// See [`VolunteerMovedTeam`].
    VolunteerMovedTeam(VolunteerMovedTeam),
    /// See [`ServiceLogged`].
    ServiceLogged(ServiceLogged),
    /// See [`ServiceReversed`].
    ServiceReversed(ServiceReversed),
    /// See [`RulesChanged`].
    RulesChanged(RulesChanged),
    /// See [`RewardListed`].
    RewardListed(RewardListed),
    /// See [`RewardRestocked`].
    RewardRestocked(RewardRestocked),
    /// See [`RewardRepriced`].
    RewardRepriced(RewardRepriced),
    /// See [`RewardRetired`].
    RewardRetired(RewardRetired),
    /// See [`RedemptionHeld`].
    RedemptionHeld(RedemptionHeld),
    /// See [`RedemptionFulfilled`].
    RedemptionFulfilled(RedemptionFulfilled),
    /// See [`RedemptionCancelled`].
    RedemptionCancelled(RedemptionCancelled),
    /// See [`RedemptionExpired`].
    RedemptionExpired(RedemptionExpired),
    /// See [`TokenIssued`].
    TokenIssued(TokenIssued),
    /// See [`TokenRevoked`].
    TokenRevoked(TokenRevoked),
    /// See [`ActivityLogged`].
    ActivityLogged(ActivityLogged),
    /// See [`DistrictRegistered`].
    DistrictRegistered(DistrictRegistered),
    /// See [`GroupFounded`].
    GroupFounded(GroupFounded),
    /// See [`SubGroupAdded`].
    SubGroupAdded(SubGroupAdded),
    /// See [`TeamJoinedGroup`].
    TeamJoinedGroup(TeamJoinedGroup),
    /// See [`TeamLeftGroup`].
    TeamLeftGroup(TeamLeftGroup),
    /// See [`ProjectRegistered`].
    ProjectRegistered(ProjectRegistered),
    /// See [`ProjectStatusChanged`].
    ProjectStatusChanged(ProjectStatusChanged),
    /// See [`ActivityInProject`].
    ActivityInProject(ActivityInProject),
    /// See [`ScoringChanged`].
    ScoringChanged(ScoringChanged),
}

impl Event {
    /// Every event type name, in catalogue order.
    pub const TYPE_NAMES: [&'static str; 26] = [
        "TeamRegistered",
        "VolunteerRegistered",
        "VolunteerMovedTeam",
        "ServiceLogged",
        "ServiceReversed",
        "RulesChanged",
        "RewardListed",
        "RewardRestocked",
        "RewardRepriced",
        "RewardRetired",
        "RedemptionHeld",
        "RedemptionFulfilled",
        "RedemptionCancelled",
        "RedemptionExpired",
        "TokenIssued",
        "TokenRevoked",
        "ActivityLogged",
        "DistrictRegistered",
        "GroupFounded",
        "SubGroupAdded",
        "TeamJoinedGroup",
        "TeamLeftGroup",
        "ProjectRegistered",
        "ProjectStatusChanged",
        "ActivityInProject",
        "ScoringChanged",
    ];

    /// The event's type name as shown in the feed, e.g. `ServiceLogged`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::TeamRegistered(_) => "TeamRegistered",
            Event::VolunteerRegistered(_) => "VolunteerRegistered",
            Event::VolunteerMovedTeam(_) => "VolunteerMovedTeam",
            Event::ServiceLogged(_) => "ServiceLogged",
            Event::ServiceReversed(_) => "ServiceReversed",
            Event::RulesChanged(_) => "RulesChanged",
            Event::RewardListed(_) => "RewardListed",
            Event::RewardRestocked(_) => "RewardRestocked",
            Event::RewardRepriced(_) => "RewardRepriced",
            Event::RewardRetired(_) => "RewardRetired",
            Event::RedemptionHeld(_) => "RedemptionHeld",
            Event::RedemptionFulfilled(_) => "RedemptionFulfilled",
            Event::RedemptionCancelled(_) => "RedemptionCancelled",
            Event::RedemptionExpired(_) => "RedemptionExpired",
            Event::TokenIssued(_) => "TokenIssued",
            Event::TokenRevoked(_) => "TokenRevoked",
            Event::ActivityLogged(_) => "ActivityLogged",
            Event::DistrictRegistered(_) => "DistrictRegistered",
            Event::GroupFounded(_) => "GroupFounded",
            Event::SubGroupAdded(_) => "SubGroupAdded",
            Event::TeamJoinedGroup(_) => "TeamJoinedGroup",
            Event::TeamLeftGroup(_) => "TeamLeftGroup",
            Event::ProjectRegistered(_) => "ProjectRegistered",
            Event::ProjectStatusChanged(_) => "ProjectStatusChanged",
            Event::ActivityInProject(_) => "ActivityInProject",
            Event::ScoringChanged(_) => "ScoringChanged",
        }
    }
}
