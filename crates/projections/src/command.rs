//! Commands: what callers ask for. Ids of new entities are chosen by the caller (UUIDv7),
//! so that deciding stays a pure function and a retried command names the same entity.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::*;

/// One participant of an activity as submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantHours {
    /// Who.
    pub volunteer_id: VolunteerId,
    /// Hours served.
    pub hours: Decimal,
}

/// An activity to log: who served, for which team, when and how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActivity {
    /// New id.
    pub activity_id: ActivityId,
    /// The team that ran it.
    pub team_id: TeamId,
    /// Kind of service.
    pub category: Category,
    /// Service date.
    pub date: NaiveDate,
    /// Title.
    pub title: String,
    /// Participants and their hours.
    pub participants: Vec<ParticipantHours>,
    /// Results beyond hours.
    pub outcomes: Outcomes,
    /// The project it belongs to, if any.
    pub project_id: Option<ProjectId>,
    /// Other teams that organised it with `team_id` (a joint activity); empty for most.
    pub co_organisers: Vec<TeamId>,
    /// The group a joint activity is organised in (if omitted, the first the teams share).
    pub group_id: Option<GroupId>,
}

/// An access token to issue. The caller drew or derived the secret and sends only its
/// SHA-256, so no secret ever reaches the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    /// New id.
    pub token_id: TokenId,
    /// Role.
    pub role: Role,
    /// Team scope (coordinators).
    pub team_id: Option<TeamId>,
    /// Volunteer scope (volunteers).
    pub volunteer_id: Option<VolunteerId>,
    /// What a group coordinator, station clerk, district coordinator or bank officer is
    /// bound to.
    pub scope: Option<TokenScope>,
    /// SHA-256 of the secret.
    pub secret_sha256: [u8; 32],
    /// A note for people.
    pub label: String,
    /// Its last day, included (the ledger's calendar); `None`: it works until stopped.
    pub last_day: Option<chrono::NaiveDate>,
}

/// Where an imported row comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSource {
    /// The file's name.
    pub file_name: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: Hash,
    /// The sheet.
    pub sheet: String,
    /// The row (the header is row 1).
    pub row: u32,
}

/// What one imported row asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportedRow {
    /// A district or county.
    District {
        /// Name.
        name: String,
        /// 区 or 县.
        kind: DistrictKind,
        /// The region.
        region: String,
    },
    /// A team.
    Team {
        /// New id.
        team_id: TeamId,
        /// Name.
        name: String,
        /// District.
        district: String,
        /// Main category.
        category: Category,
    },
    /// A volunteer.
    Volunteer {
        /// New id.
        volunteer_id: VolunteerId,
        /// Name.
        name: String,
        /// Team.
        team_id: TeamId,
        /// Year of birth.
        birth_year: Option<u16>,
        /// The last four digits of a phone, if given.
        phone_last_four: Option<String>,
        /// The day they joined, as the source says.
        joined_on: Option<NaiveDate>,
    },
    /// A volunteer's balance carried over from another platform.
    OpeningBalance {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Hours there.
        hours: Decimal,
        /// Points there.
        points: Decimal,
        /// Star level there.
        star_level: u8,
        /// As of.
        as_of: NaiveDate,
        /// The platform.
        source_system: String,
    },
}

/// How a volunteer standing at the counter confirms a redemption a clerk makes for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CounterProof {
    /// The clerk scanned their points card: SHA-256 of the card's secret.
    Card([u8; 32]),
    /// They typed their PIN.
    Pin(TypedPin),
}

/// A PIN as typed at the counter or set, with the keyed digest the log keeps of it (the
/// application derives it with its mint key). A PIN is four to six digits: a plain hash of
/// it in the log would give every PIN away to whoever reads the log, in a second.
#[derive(Clone, PartialEq, Eq)]
pub struct TypedPin {
    /// The digits as typed (checked for their form; compared with a PIN set before PINs
    /// were keyed).
    pub digits: String,
    /// HMAC-SHA256 of the volunteer's id and the digits, under a key derived from the mint
    /// key.
    pub keyed: Hash,
}

/// The digits are not written to logs or panics.
impl std::fmt::Debug for TypedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedPin").finish_non_exhaustive()
    }
}

/// A project to put on the project list (项目清单).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    /// New id.
    pub project_id: ProjectId,
    /// Who runs it.
    pub owner: ProjectOwner,
    /// Title.
    pub title: String,
    /// Kind of service.
    pub category: Category,
    /// Goal.
    pub goal: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day, if fixed.
    pub ends_on: Option<NaiveDate>,
    /// Initial status.
    pub status: ProjectStatus,
}

/// A version of the earning rules to adopt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRules {
    /// First service date it applies to.
    pub effective_from: NaiveDate,
    /// The rate of categories it covers without their own; `None`: only the listed ones.
    pub default_points_per_hour: Option<Decimal>,
    /// Per-category rates.
    pub rates: Vec<CategoryRate>,
    /// Days that earn a multiple of the rate.
    pub multipliers: Vec<DayMultiplier>,
    /// Most hours one volunteer may have credited on one day.
    pub max_hours_per_day: Option<Decimal>,
    /// What changed and why.
    pub note: String,
}

/// Every change the service accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Register a team.
    RegisterTeam {
        /// New id.
        team_id: TeamId,
        /// Name.
        name: String,
        /// District or county.
        district: String,
        /// Main kind of service.
        category: Category,
    },
    /// Register a volunteer in a team.
    RegisterVolunteer {
        /// New id.
        volunteer_id: VolunteerId,
        /// Name.
        name: String,
        /// Team.
        team_id: TeamId,
        /// Year of birth, if given.
        birth_year: Option<u16>,
        /// The consent given at registration, if collected then.
        consent: Option<GivenConsent>,
    },
    /// Move a volunteer to another team.
    MoveVolunteer {
        /// Who.
        volunteer_id: VolunteerId,
        /// Where to.
        to_team_id: TeamId,
    },
    /// Log an activity with its participants, atomically.
    LogActivity(NewActivity),
    /// Correct one participant's hours of an activity (0 removes them from it).
    CorrectParticipation {
        /// The activity.
        activity_id: ActivityId,
        /// Whose hours.
        volunteer_id: VolunteerId,
        /// The right hours (0: they did not take part).
        hours: Decimal,
        /// Why.
        reason: String,
    },
    /// Reverse a whole activity.
    ReverseActivity {
        /// Which.
        activity_id: ActivityId,
        /// Why.
        reason: String,
    },
    /// Register a kind of service (a campaign, a new line of work).
    RegisterCategory {
        /// Its wire code: lower-case letters, digits and `_`.
        code: String,
        /// Its Chinese name.
        label_zh: String,
        /// Its English name.
        label_en: String,
        /// Points per hour when no rule version names it.
        default_points_per_hour: Decimal,
        /// First service date.
        active_from: NaiveDate,
        /// Last service date, for a campaign with an end.
        active_until: Option<NaiveDate>,
    },
    /// Rename a category (its code and history stay).
    RenameCategory {
        /// Which.
        category: Category,
        /// The new Chinese name.
        label_zh: String,
        /// The new English name.
        label_en: String,
    },
    /// Retire a category: no service after `last_day`; its history stays.
    RetireCategory {
        /// Which.
        category: Category,
        /// The last service date it takes.
        last_day: NaiveDate,
        /// Why.
        reason: String,
    },
    /// Adopt an effective-dated version of the earning rules.
    AdoptEarningRules(NewRules),
    /// Re-rate the credits of service dated `from` to `to` under the rules in force on their
    /// dates (adjustment events with the reason; credits already right are left alone).
    RerateServices {
        /// First service date.
        from: NaiveDate,
        /// Last service date.
        to: NaiveDate,
        /// Why.
        reason: String,
    },
    /// Adopt a version of the star scale (and award the stars it puts anyone past).
    AdoptStarScale {
        /// Net hours per level, strictly increasing.
        thresholds_hours: Vec<Decimal>,
        /// Whether a star reached waits for an administrator's confirmation.
        review: bool,
        /// What changed and why.
        note: String,
    },
    /// Confirm the star a volunteer is waiting for, after review and public notice.
    ConfirmStar {
        /// Who.
        volunteer_id: VolunteerId,
        /// The level being confirmed (as seen by the administrator).
        level: u8,
        /// When and where it was publicly shown, any objection.
        note: String,
    },
    /// Set a policy: the hold time, the back-fill limit (by an administrator), the time zone
    /// (only at start-up, by the node itself).
    SetPolicy {
        /// The policy and its value.
        change: PolicyChange,
        /// What changed and why.
        note: String,
    },
    /// Credit a back-filled activity that waits for approval.
    ApproveBackfill {
        /// Which.
        activity_id: ActivityId,
        /// The review's note (e.g. the sign-in sheet seen).
        note: String,
    },
    /// Decline a back-filled activity that waits for approval; nothing is credited.
    DeclineBackfill {
        /// Which.
        activity_id: ActivityId,
        /// Why.
        reason: String,
    },
    /// Replace the point rules from today, for every category.
    ChangeRules {
        /// Rate of unlisted categories.
        default_points_per_hour: Decimal,
        /// Per-category rates.
        rates: Vec<CategoryRate>,
    },
    /// Add a reward to the catalogue.
    ListReward {
        /// New id.
        reward_id: RewardId,
        /// Name.
        name: String,
        /// Product or voucher.
        kind: RewardKind,
        /// Points per unit.
        cost_points: Decimal,
        /// Initial stock.
        stock: u32,
    },
    /// Add stock at a station.
    RestockReward {
        /// Which.
        reward_id: RewardId,
        /// Units to add.
        quantity: u32,
        /// Where (`None`: a clerk's own station, or the first station).
        station_id: Option<StationId>,
    },
    /// Take free units off a station's shelf that are not there (damaged, lost, a restock
    /// found short), with the reason.
    WriteOffStock {
        /// Which.
        reward_id: RewardId,
        /// Units to take off.
        quantity: u32,
        /// Where (`None`: a clerk's own station, or the first station).
        station_id: Option<StationId>,
        /// Why, in the clerk's words (required).
        reason: String,
    },
    /// Open an e-station.
    OpenStation {
        /// New id.
        station_id: StationId,
        /// Name.
        name: String,
        /// District or county (registered).
        district: String,
        /// Address.
        address: String,
        /// Opening hours, in words.
        opening_hours: String,
    },
    /// Move free units of a reward from one station to another.
    TransferStock {
        /// Which reward.
        reward_id: RewardId,
        /// From.
        from_station: StationId,
        /// To.
        to_station: StationId,
        /// How many.
        quantity: u32,
        /// Why (may be empty).
        note: String,
    },
    /// Record (or forget, with an empty text) the last four digits of a volunteer's phone.
    RecordPhone {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Four digits, or empty.
        last_four: String,
    },
    /// Set (or clear, with `None`) the PIN a volunteer confirms counter redemptions with.
    SetPin {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Four to six digits, with their keyed digest.
        pin: Option<TypedPin>,
    },
    /// Change a price.
    RepriceReward {
        /// Which.
        reward_id: RewardId,
        /// New points per unit.
        cost_points: Decimal,
    },
    /// Withdraw a reward.
    RetireReward {
        /// Which.
        reward_id: RewardId,
    },
    /// Reserve points and stock for a redemption.
    HoldRedemption {
        /// New id.
        redemption_id: RedemptionId,
        /// Whose points.
        volunteer_id: VolunteerId,
        /// What.
        reward_id: RewardId,
        /// Units.
        quantity: u32,
        /// The pickup station (`None`: a clerk's own station, else the first station that
        /// has the units).
        station_id: Option<StationId>,
        /// The volunteer's confirmation at the counter (a clerk's hold needs one).
        proof: Option<CounterProof>,
        /// The digest of the six digits the volunteer will show at pickup, both drawn by the
        /// application layer under its key (`App::submit` fills it in): a code computed from
        /// the redemption's id alone is known to everyone who sees the id, a station's queue
        /// included, and the log keeps only the digest. `None` only where no key is at hand
        /// (the projections' own tests), and then the code is read off the id.
        pickup_code_digest: Option<[u8; 32]>,
    },
    /// Hand a held redemption over at the counter.
    FulfilRedemption {
        /// Which.
        redemption_id: RedemptionId,
        /// The pickup code the volunteer shows (a clerk enters it when the hold has one).
        pickup_code: Option<String>,
        /// Its digest under the service's key, for a hold whose log keeps only the digest
        /// (`App::submit` fills it in from `pickup_code`; `None` where no key is at hand, and
        /// then the unkeyed digest is compared).
        pickup_code_digest: Option<[u8; 32]>,
        /// SHA-256 of the volunteer's own points card, scanned instead of the pickup code
        /// (a slip lost, no phone to show it on).
        card_sha256: Option<[u8; 32]>,
        /// The keyed digest of the code a rate voucher is handed over with (the application
        /// derives the code and its digest from its mint key; a voucher's hand-over needs it).
        voucher_code_digest: Option<Hash>,
    },
    /// The bank takes a voucher.
    UseVoucher {
        /// The digest the ledger keeps of the code presented (keyed, or the code's SHA-256
        /// for a voucher from before keyed digests; the application finds which).
        code_digest: Hash,
        /// Deposit or loan.
        product: VoucherProduct,
        /// The amount, yuan.
        amount_yuan: Decimal,
        /// The day.
        used_on: NaiveDate,
    },
    /// The bank refuses a voucher, with a reason (it stays valid).
    RefuseVoucher {
        /// The digest the ledger keeps of the code presented (keyed, or the code's SHA-256
        /// for a voucher from before keyed digests; the application finds which).
        code_digest: Hash,
        /// Why.
        reason: String,
    },
    /// An administrator cancels a voucher (lost, issued in error).
    CancelVoucher {
        /// The voucher's redemption.
        redemption_id: RedemptionId,
        /// Why.
        reason: String,
        /// Whether the points it cost go back to the volunteer (lost, issued in error: they
        /// redeem again), or stay spent.
        return_points: bool,
    },
    /// A bank's budget for a year.
    SetBankBudget {
        /// The bank.
        bank: String,
        /// The year.
        year: i32,
        /// Vouchers (`None`: no limit).
        vouchers: Option<u32>,
        /// Rate bonus yuan (`None`: no limit).
        bonus_yuan: Option<Decimal>,
        /// Why.
        note: String,
    },
    /// A reward's value in yuan and its supplier.
    ValueReward {
        /// The reward.
        reward_id: RewardId,
        /// Yuan per unit.
        unit_value_yuan: Decimal,
        /// Who supplies it.
        supplier: String,
    },
    /// Correct a volunteer's name or year of birth.
    CorrectVolunteer {
        /// Whose.
        volunteer_id: VolunteerId,
        /// The name from now on.
        name: String,
        /// The year of birth from now on.
        birth_year: Option<u16>,
        /// Why.
        note: String,
    },
    /// Correct a team's name or main category.
    CorrectTeam {
        /// Which team.
        team_id: TeamId,
        /// The name from now on.
        name: String,
        /// The main category from now on.
        category: Category,
        /// Why.
        note: String,
    },
    /// Correct a district's kind or region.
    CorrectDistrict {
        /// Which district.
        name: String,
        /// 区 or 县 from now on.
        kind: DistrictKind,
        /// The region from now on.
        region: String,
        /// Why.
        note: String,
    },
    /// End every public notice whose last day has passed and escalate every dispute left
    /// too long (the service's own clock).
    EndNotices,
    /// Dispute an entry, or report one missing.
    OpenDispute {
        /// New id.
        dispute_id: DisputeId,
        /// Whose.
        volunteer_id: VolunteerId,
        /// The entry's activity (required to contest).
        activity_id: Option<ActivityId>,
        /// Contested or missing.
        kind: DisputeKind,
        /// In the volunteer's words.
        reason: String,
    },
    /// Resolve a dispute.
    ResolveDispute {
        /// Which.
        dispute_id: DisputeId,
        /// How.
        outcome: DisputeOutcome,
        /// Why.
        reason: String,
    },
    /// Give the party an activity served a one-time code to confirm it with.
    RequestConfirmation {
        /// The activity.
        activity_id: ActivityId,
        /// Which code of the activity (one more than it has).
        number: u32,
        /// The code's keyed digest (the code itself never reaches the log).
        code_digest: [u8; 32],
        /// Who was served (荻港村村委会).
        party: String,
    },
    /// The party an activity served confirms it with its code (no token: the code is the
    /// credential; submitted as the service).
    ConfirmActivity {
        /// The code's keyed digest.
        code_digest: [u8; 32],
        /// Who confirms.
        name: String,
        /// Their role.
        role: String,
    },
    /// Give up an activity's wait for confirmation by the party it served, with the reason
    /// (an administrator, when the party cannot be reached): its points are released.
    WaiveConfirmation {
        /// The activity.
        activity_id: ActivityId,
        /// Why.
        reason: String,
    },
    /// Set where a volunteer's notices go (replaces what was set before).
    SetNoticeContacts {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Their own mobile number, if they want text messages.
        phone: Option<String>,
        /// A relative who receives them as well.
        relative: Option<yinling_ledger::personal::Relative>,
    },
    /// Erase a volunteer's personal data at their request (administrators).
    EraseVolunteer {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Who asked, as a role (本人, 监护人).
        requested_by: String,
        /// The day of the request.
        requested_on: NaiveDate,
        /// The legal basis.
        legal_basis: String,
    },
    /// Record a consent.
    RecordConsent {
        /// Whose.
        volunteer_id: VolunteerId,
        /// The consent.
        consent: GivenConsent,
        /// The day it was given.
        given_on: NaiveDate,
    },
    /// Withdraw a consent.
    WithdrawConsent {
        /// Whose.
        volunteer_id: VolunteerId,
        /// Which purpose.
        purpose: String,
        /// The day.
        withdrawn_on: NaiveDate,
    },
    /// Publish a new version of the privacy notice.
    PublishPrivacyNotice {
        /// In Chinese.
        text_zh: String,
        /// In English.
        text_en: String,
        /// From when.
        published_on: NaiveDate,
    },
    /// One row of a roster, imported with its source row in the same commit.
    Import {
        /// What the row asks for.
        row: ImportedRow,
        /// Where it comes from.
        source: RowSource,
    },
    /// A stock receipt with its cost: the restock and what each unit cost.
    ReceiveStock {
        /// The reward.
        reward_id: RewardId,
        /// The station (`None`: a clerk's own, or the first).
        station_id: Option<StationId>,
        /// Units.
        quantity: u32,
        /// Yuan per unit.
        unit_cost_yuan: Decimal,
        /// Who delivered them.
        supplier: String,
    },
    /// Cancel a held redemption.
    CancelRedemption {
        /// Which.
        redemption_id: RedemptionId,
        /// Why (may be empty).
        reason: String,
    },
    /// Expire every hold whose time is up.
    ExpireHolds,
    /// Issue an access token (the caller generated the secret and sends only its hash).
    IssueToken(NewToken),
    /// A lost card (or any token) stops and its replacement starts, in one commit: the new
    /// token has the old one's role and scope.
    ReplaceToken {
        /// The token that stops.
        token_id: TokenId,
        /// The new token's id.
        new_token_id: TokenId,
        /// SHA-256 of the new secret.
        secret_sha256: [u8; 32],
        /// A note for people (empty: the old token's).
        label: String,
    },
    /// Revoke a token.
    RevokeToken {
        /// Which.
        token_id: TokenId,
    },
    /// Move a live token's last day, or take it away (`None`).
    SetTokenLastDay {
        /// Which.
        token_id: TokenId,
        /// Its new last day, today or later; `None`: none.
        last_day: Option<chrono::NaiveDate>,
    },
    /// Register a district or county.
    RegisterDistrict {
        /// Name, e.g. 南浔区.
        name: String,
        /// 区 or 县.
        kind: DistrictKind,
        /// Region, e.g. 湖州市.
        region: String,
    },
    /// Found a cross-region group.
    FoundGroup {
        /// New id.
        group_id: GroupId,
        /// Name.
        name: String,
        /// What it is for.
        purpose: String,
        /// Founding day.
        founded_on: NaiveDate,
    },
    /// Add a sub-group to a group.
    AddSubGroup {
        /// The group.
        group_id: GroupId,
        /// New id.
        sub_group_id: GroupId,
        /// Name.
        name: String,
        /// From when.
        added_on: NaiveDate,
    },
    /// A team joins a group (and possibly a sub-group).
    JoinGroup {
        /// The team.
        team_id: TeamId,
        /// The group.
        group_id: GroupId,
        /// The sub-group, if any.
        sub_group_id: Option<GroupId>,
        /// First day of membership.
        joined_on: NaiveDate,
    },
    /// A team leaves a group.
    LeaveGroup {
        /// The team.
        team_id: TeamId,
        /// The group.
        group_id: GroupId,
        /// First day no longer a member.
        left_on: NaiveDate,
    },
    /// Put a project on the list.
    RegisterProject(NewProject),
    /// Change a project's status.
    ChangeProjectStatus {
        /// The project.
        project_id: ProjectId,
        /// New status.
        status: ProjectStatus,
        /// From when.
        on: NaiveDate,
    },
    /// Replace the evaluation's scoring weights.
    ChangeScoring {
        /// The weights.
        weights: ScoringWeights,
    },
}

/// A consent as collected: what for, under which notice version, by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenConsent {
    /// What for, e.g. 志愿服务积分记录.
    pub purpose: String,
    /// The notice version shown.
    pub notice_version: u32,
    /// Who collected it (a role or desk).
    pub collected_by: String,
}
