//! The event catalogue: every fact the ledger can record, in the past tense.
//!
//! Each event carries every value a fold needs (the rate used, the team at the time, the
//! district), so replay never consults today's configuration. The order of the variants of
//! [`Event`] is part of the stored format: extend at the end, never reorder or remove. A
//! change to the shape of an existing event is a new schema version (see `codec`).

mod catalogue;
mod dates;
mod kinds;
mod money;
mod notice;
mod onboarding;
mod organisation;
mod people;
mod policies;
mod privacy;
mod service;
mod stars;
mod tokens;

pub use catalogue::*;
pub use kinds::*;
pub use money::*;
pub use notice::*;
pub use onboarding::*;
pub use organisation::*;
pub use people::*;
pub use policies::*;
pub use privacy::*;
pub use service::*;
pub use stars::*;
pub use tokens::*;

use serde::{Deserialize, Serialize};

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
    /// See [`ServiceCorrected`].
    ServiceCorrected(ServiceCorrected),
    /// See [`EarningRulesAdopted`].
    EarningRulesAdopted(EarningRulesAdopted),
    /// See [`ServiceRerated`].
    ServiceRerated(ServiceRerated),
    /// See [`CategoryRegistered`].
    CategoryRegistered(CategoryRegistered),
    /// See [`CategoryRenamed`].
    CategoryRenamed(CategoryRenamed),
    /// See [`CategoryRetired`].
    CategoryRetired(CategoryRetired),
    /// See [`StarScaleAdopted`].
    StarScaleAdopted(StarScaleAdopted),
    /// See [`StarReached`].
    StarReached(StarReached),
    /// See [`StarConfirmed`].
    StarConfirmed(StarConfirmed),
    /// See [`StarWithdrawn`].
    StarWithdrawn(StarWithdrawn),
    /// See [`PolicySet`].
    PolicySet(PolicySet),
    /// See [`BackfillRequested`].
    BackfillRequested(BackfillRequested),
    /// See [`BackfillApproved`].
    BackfillApproved(BackfillApproved),
    /// See [`BackfillDeclined`].
    BackfillDeclined(BackfillDeclined),
    /// See [`ActivityCoOrganised`].
    ActivityCoOrganised(ActivityCoOrganised),
    /// See [`TokenScoped`].
    TokenScoped(TokenScoped),
    /// See [`StationOpened`].
    StationOpened(StationOpened),
    /// See [`StationStocked`].
    StationStocked(StationStocked),
    /// See [`StockTransferred`].
    StockTransferred(StockTransferred),
    /// See [`RedemptionHeldAt`].
    RedemptionHeldAt(RedemptionHeldAt),
    /// See [`RedemptionPickedUp`].
    RedemptionPickedUp(RedemptionPickedUp),
    /// See [`VolunteerPhoneRecorded`].
    VolunteerPhoneRecorded(VolunteerPhoneRecorded),
    /// See [`VolunteerPinSet`].
    VolunteerPinSet(VolunteerPinSet),
    /// See [`VoucherIssued`].
    VoucherIssued(VoucherIssued),
    /// See [`VoucherUsed`].
    VoucherUsed(VoucherUsed),
    /// See [`VoucherRefused`].
    VoucherRefused(VoucherRefused),
    /// See [`VoucherCancelled`].
    VoucherCancelled(VoucherCancelled),
    /// See [`BankBudgetSet`].
    BankBudgetSet(BankBudgetSet),
    /// See [`RewardValued`].
    RewardValued(RewardValued),
    /// See [`StockCosted`].
    StockCosted(StockCosted),
    /// See [`RecordImported`].
    RecordImported(RecordImported),
    /// See [`OpeningBalanceRecorded`].
    OpeningBalanceRecorded(OpeningBalanceRecorded),
    /// See [`VolunteerCorrected`].
    VolunteerCorrected(VolunteerCorrected),
    /// See [`TeamCorrected`].
    TeamCorrected(TeamCorrected),
    /// See [`DistrictCorrected`].
    DistrictCorrected(DistrictCorrected),
    /// See [`PersonalDataSealed`].
    PersonalDataSealed(PersonalDataSealed),
    /// See [`VolunteerErased`].
    VolunteerErased(VolunteerErased),
    /// See [`ConsentRecorded`].
    ConsentRecorded(ConsentRecorded),
    /// See [`ConsentWithdrawn`].
    ConsentWithdrawn(ConsentWithdrawn),
    /// See [`PrivacyNoticePublished`].
    PrivacyNoticePublished(PrivacyNoticePublished),
    /// See [`ActivityOnNotice`].
    ActivityOnNotice(ActivityOnNotice),
    /// See [`NoticeEnded`].
    NoticeEnded(NoticeEnded),
    /// See [`DisputeOpened`].
    DisputeOpened(DisputeOpened),
    /// See [`DisputeResolved`].
    DisputeResolved(DisputeResolved),
    /// See [`DisputeEscalated`].
    DisputeEscalated(DisputeEscalated),
    /// See [`ConfirmationRequested`].
    ConfirmationRequested(ConfirmationRequested),
    /// See [`ActivityConfirmed`].
    ActivityConfirmed(ActivityConfirmed),
    /// See [`ActivityAwaitsConfirmation`].
    ActivityAwaitsConfirmation(ActivityAwaitsConfirmation),
    /// See [`NoticeContactsSet`].
    NoticeContactsSet(NoticeContactsSet),
    /// See [`RedemptionRefunded`].
    RedemptionRefunded(RedemptionRefunded),
    /// See [`StockWrittenOff`].
    StockWrittenOff(StockWrittenOff),
    /// See [`RedemptionHeldForPickup`].
    RedemptionHeldForPickup(RedemptionHeldForPickup),
    /// See [`ConfirmationWaived`].
    ConfirmationWaived(ConfirmationWaived),
    /// See [`VoucherHandedOver`].
    VoucherHandedOver(VoucherHandedOver),
    /// See [`TokenLastDaySet`].
    TokenLastDaySet(TokenLastDaySet),
}

impl Event {
    /// Every event type name, in catalogue order.
    pub const TYPE_NAMES: [&'static str; 81] = [
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
        "ServiceCorrected",
        "EarningRulesAdopted",
        "ServiceRerated",
        "CategoryRegistered",
        "CategoryRenamed",
        "CategoryRetired",
        "StarScaleAdopted",
        "StarReached",
        "StarConfirmed",
        "StarWithdrawn",
        "PolicySet",
        "BackfillRequested",
        "BackfillApproved",
        "BackfillDeclined",
        "ActivityCoOrganised",
        "TokenScoped",
        "StationOpened",
        "StationStocked",
        "StockTransferred",
        "RedemptionHeldAt",
        "RedemptionPickedUp",
        "VolunteerPhoneRecorded",
        "VolunteerPinSet",
        "VoucherIssued",
        "VoucherUsed",
        "VoucherRefused",
        "VoucherCancelled",
        "BankBudgetSet",
        "RewardValued",
        "StockCosted",
        "RecordImported",
        "OpeningBalanceRecorded",
        "VolunteerCorrected",
        "TeamCorrected",
        "DistrictCorrected",
        "PersonalDataSealed",
        "VolunteerErased",
        "ConsentRecorded",
        "ConsentWithdrawn",
        "PrivacyNoticePublished",
        "ActivityOnNotice",
        "NoticeEnded",
        "DisputeOpened",
        "DisputeResolved",
        "DisputeEscalated",
        "ConfirmationRequested",
        "ActivityConfirmed",
        "ActivityAwaitsConfirmation",
        "NoticeContactsSet",
        "RedemptionRefunded",
        "StockWrittenOff",
        "RedemptionHeldForPickup",
        "ConfirmationWaived",
        "VoucherHandedOver",
        "TokenLastDaySet",
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
            Event::ServiceCorrected(_) => "ServiceCorrected",
            Event::EarningRulesAdopted(_) => "EarningRulesAdopted",
            Event::ServiceRerated(_) => "ServiceRerated",
            Event::CategoryRegistered(_) => "CategoryRegistered",
            Event::CategoryRenamed(_) => "CategoryRenamed",
            Event::CategoryRetired(_) => "CategoryRetired",
            Event::StarScaleAdopted(_) => "StarScaleAdopted",
            Event::StarReached(_) => "StarReached",
            Event::StarConfirmed(_) => "StarConfirmed",
            Event::StarWithdrawn(_) => "StarWithdrawn",
            Event::PolicySet(_) => "PolicySet",
            Event::BackfillRequested(_) => "BackfillRequested",
            Event::BackfillApproved(_) => "BackfillApproved",
            Event::BackfillDeclined(_) => "BackfillDeclined",
            Event::ActivityCoOrganised(_) => "ActivityCoOrganised",
            Event::TokenScoped(_) => "TokenScoped",
            Event::StationOpened(_) => "StationOpened",
            Event::StationStocked(_) => "StationStocked",
            Event::StockTransferred(_) => "StockTransferred",
            Event::RedemptionHeldAt(_) => "RedemptionHeldAt",
            Event::RedemptionPickedUp(_) => "RedemptionPickedUp",
            Event::VolunteerPhoneRecorded(_) => "VolunteerPhoneRecorded",
            Event::VolunteerPinSet(_) => "VolunteerPinSet",
            Event::VoucherIssued(_) => "VoucherIssued",
            Event::VoucherUsed(_) => "VoucherUsed",
            Event::VoucherRefused(_) => "VoucherRefused",
            Event::VoucherCancelled(_) => "VoucherCancelled",
            Event::BankBudgetSet(_) => "BankBudgetSet",
            Event::RewardValued(_) => "RewardValued",
            Event::StockCosted(_) => "StockCosted",
            Event::RecordImported(_) => "RecordImported",
            Event::OpeningBalanceRecorded(_) => "OpeningBalanceRecorded",
            Event::VolunteerCorrected(_) => "VolunteerCorrected",
            Event::TeamCorrected(_) => "TeamCorrected",
            Event::DistrictCorrected(_) => "DistrictCorrected",
            Event::PersonalDataSealed(_) => "PersonalDataSealed",
            Event::VolunteerErased(_) => "VolunteerErased",
            Event::ConsentRecorded(_) => "ConsentRecorded",
            Event::ConsentWithdrawn(_) => "ConsentWithdrawn",
            Event::PrivacyNoticePublished(_) => "PrivacyNoticePublished",
            Event::ActivityOnNotice(_) => "ActivityOnNotice",
            Event::NoticeEnded(_) => "NoticeEnded",
            Event::DisputeOpened(_) => "DisputeOpened",
            Event::DisputeResolved(_) => "DisputeResolved",
            Event::DisputeEscalated(_) => "DisputeEscalated",
            Event::ConfirmationRequested(_) => "ConfirmationRequested",
            Event::ActivityConfirmed(_) => "ActivityConfirmed",
            Event::ActivityAwaitsConfirmation(_) => "ActivityAwaitsConfirmation",
            Event::NoticeContactsSet(_) => "NoticeContactsSet",
            Event::RedemptionRefunded(_) => "RedemptionRefunded",
            Event::StockWrittenOff(_) => "StockWrittenOff",
            Event::RedemptionHeldForPickup(_) => "RedemptionHeldForPickup",
            Event::ConfirmationWaived(_) => "ConfirmationWaived",
            Event::VoucherHandedOver(_) => "VoucherHandedOver",
            Event::TokenLastDaySet(_) => "TokenLastDaySet",
        }
    }
}
