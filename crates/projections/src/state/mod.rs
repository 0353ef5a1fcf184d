//! The whole folded state and `apply`, the one function that changes it.
//!
//! `apply` is total: on a log written through `decide` it never fails and never panics. It
//! trusts the log (every value it needs is in the event) and never consults configuration,
//! so folding the same events gives the same state on any machine, from scratch, from a
//! snapshot, or one batch at a time.
//!
//! Each area folds its own events in its own module: `organisation` (teams, volunteers,
//! districts, groups, projects, scoring), `activities` (service, reversals, points rules),
//! `catalogue` (rewards and redemptions) and `tokens`; `apply` only dispatches. The
//! queries answered from the state (rankings, the evaluation) and the invariants live
//! beside them.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::*;

mod activities;
mod catalogue;
mod categories;
mod evaluation;
mod invariants;
mod money;
mod notice;
pub use notice::PendingParts;
mod organisation;
mod privacy;
mod rankings;
mod rerating;
mod stars;
mod tokens;

use crate::activities::{Activity, PendingBackfill};
use crate::catalog::Reward;
use crate::categories::Categories;
use crate::maps::{FastMap, SharedMap};
use crate::organisation::{Group, Project};
use crate::policies::Policies;
use crate::rankings::RankingIndex;
use crate::redemptions::Redemption;
use crate::rules::Rules;
use crate::scoring::Scoring;
use crate::stars::StarScale;
use crate::stations::Stations;
use crate::teams::{District, Team};
use crate::tokens::Tokens;
use crate::volunteers::Volunteer;
use crate::vouchers::Vouchers;

/// The row an imported record came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    /// The file's name.
    pub file_name: String,
    /// SHA-256 of the file.
    pub file_sha256: Hash,
    /// The sheet.
    pub sheet: String,
    /// The row (the header is row 1).
    pub row: u32,
    /// The day the volunteer joined, as the source says.
    pub joined_on: Option<chrono::NaiveDate>,
}

/// Ledger-wide totals of points, for the conservation check and the statistics page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Points ever earned.
    pub points_earned: Decimal,
    /// Points taken back by reversals.
    pub points_reversed: Decimal,
    /// Points currently held.
    pub points_held: Decimal,
    /// Points spent.
    pub points_redeemed: Decimal,
    /// Points carried over from other platforms.
    #[serde(default)]
    pub points_carried: Decimal,
    /// Events folded.
    pub events: u64,
}

/// Everything the service knows, folded from the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The last event folded.
    pub head: Head,
    /// Teams (shared between the copies, like volunteers: a team holds its members' ids).
    #[serde(with = "crate::maps::plain")]
    pub teams: SharedMap<TeamId, Team>,
    /// Districts, by name.
    pub districts: BTreeMap<String, District>,
    /// Volunteers.
    pub volunteers: SharedMap<VolunteerId, Volunteer>,
    /// Volunteers' ids by registration number, which an activity's participants name them
    /// by. Derived from the volunteers, so not part of a snapshot: built again when one is
    /// decoded.
    #[serde(skip)]
    pub volunteer_numbers: crate::numbers::Numbered<VolunteerId>,
    /// Activities.
    pub activities: SharedMap<ActivityId, Activity>,
    /// Activities' ids by number, which statement lines name them by (turned back into
    /// their activities' stamps by [`State::stamps`]). Derived from the activities, so not
    /// part of a snapshot: built again when one is decoded.
    #[serde(skip)]
    pub activity_numbers: crate::numbers::Numbered<ActivityId>,
    /// The e-station catalogue.
    pub rewards: FastMap<RewardId, Reward>,
    /// Redemptions.
    pub redemptions: SharedMap<RedemptionId, Redemption>,
    /// The e-stations and their stock.
    pub stations: Stations,
    /// Rate vouchers and the banks' budgets.
    pub vouchers: Vouchers,
    /// Where each imported record came from.
    pub imported: BTreeMap<ImportedRecord, ImportSource>,
    /// Stock receipts with their cost, oldest first.
    pub stock_receipts: Vec<crate::stations::StockReceipt>,
    /// Held redemptions by when they lapse.
    pub holds_by_expiry: BTreeSet<(Timestamp, RedemptionId)>,
    /// Units of each bank's rate vouchers held and not yet handed over, kept as holds open
    /// and settle: each voucher hold checks the bank's budget against it, and walking the
    /// open holds for it made a province's redemptions quadratic. Derived, so not part of a
    /// snapshot: counted again from the open holds when one is decoded.
    #[serde(skip)]
    pub voucher_units_waiting: FastMap<String, u32>,
    /// Point rules.
    pub rules: Rules,
    /// Service categories.
    pub categories: Categories,
    /// The star scale's versions.
    pub star_scale: StarScale,
    /// The policies the log sets, with their history.
    pub policies: Policies,
    /// Back-filled activities waiting for approval.
    pub pending_backfills: FastMap<ActivityId, PendingBackfill>,
    /// Cross-region groups and their sub-groups.
    pub groups: FastMap<GroupId, Group>,
    /// The project list.
    pub projects: FastMap<ProjectId, Project>,
    /// The evaluation's scoring formula.
    pub scoring: Scoring,
    /// Access tokens.
    pub tokens: Tokens,
    /// Ranking aggregates.
    pub rankings: RankingIndex,
    /// Point totals.
    pub totals: Totals,
    /// When the last event folded was recorded, and its seq (see [`crate::timeline`]).
    pub timeline: crate::timeline::Timeline,
    /// Why, for the statement lines that carry their own reason (one participant's
    /// correction, a re-rating), by the seq of their event.
    pub reasons: FastMap<u64, String>,
    /// The privacy notice's versions, oldest first.
    pub privacy_notices: Vec<PrivacyNoticePublished>,
    /// Activities on public notice, by the notice's last day.
    pub on_notice: BTreeSet<(chrono::NaiveDate, ActivityId)>,
    /// Disputes, open and resolved.
    pub disputes: BTreeMap<DisputeId, crate::disputes::Dispute>,
    /// Confirmation codes not used yet, by their keyed digest.
    pub confirmation_codes: BTreeMap<[u8; 32], ActivityId>,
    /// The key store personal fields are revealed with (not part of a snapshot).
    #[serde(skip)]
    pub keys: crate::personal::KeyringHandle,
}

/// How many volunteers each thread takes when a pass over all of them (the reveal of names,
/// the invariants' check) runs a thread a core; `None` when one thread does it (one core, or
/// too few volunteers to be worth the threads).
fn volunteers_per_thread(count: usize) -> Option<usize> {
    let threads = crate::map_parts::part_threads();
    (threads > 1 && count >= crate::limits::PARALLEL_REVEAL_MIN_VOLUNTEERS)
        .then(|| count.div_ceil(threads))
}

impl crate::statement::Stamps for State {
    /// The activity numbered `number`, through its id, in the activities.
    fn stamp(&self, number: u32) -> Option<crate::statement::ActivityStamp> {
        let id = self.activity_numbers.id_of(number)?;
        self.activities.get(&id).map(|a| a.stamp().1)
    }
}

impl State {
    /// An empty state (before seq 1).
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of the volunteer with registration number `number`, as an activity's
    /// participants name them.
    pub fn volunteer_id_of(&self, number: u32) -> Option<VolunteerId> {
        self.volunteer_numbers.id_of(number)
    }

    /// The registration number of volunteer `id`, if registered.
    pub fn volunteer_number(&self, id: &VolunteerId) -> Option<u32> {
        self.volunteers.get(id).map(|v| v.number)
    }

    /// What reads a volunteer's statement: its lines name activities by number, and most are
    /// written from their activity's stamp (`statement`), which this finds.
    pub fn stamps(&self) -> &dyn crate::statement::Stamps {
        self
    }

    /// Takes the writer's teams, volunteers, activities and redemptions for everything its batch
    /// changed, once this copy has folded the same batch: the two copies share those values
    /// again instead of holding one each (see [`SharedMap::adopt`]).
    ///
    /// With `since`, the keys of the volunteers, activities and redemptions the batch changed
    /// are added to it: what a snapshot of the changes since the last whole one writes.
    pub fn adopt(
        &mut self,
        writer: &mut State,
        since: Option<&mut crate::changed_since::ChangedSince>,
    ) {
        debug_assert_eq!(
            self.head, writer.head,
            "adopting from a state at another head"
        );
        self.teams.adopt(&mut writer.teams, None);
        let (volunteers, activities, redemptions) = match since {
            Some(since) => (
                Some(&mut since.volunteers),
                Some(&mut since.activities),
                Some(&mut since.redemptions),
            ),
            None => (None, None, None),
        };
        self.volunteers.adopt(&mut writer.volunteers, volunteers);
        self.activities.adopt(&mut writer.activities, activities);
        self.redemptions.adopt(&mut writer.redemptions, redemptions);
    }

    /// Keeps no ranking index from now on (an empty one): for the writer's working copy,
    /// whose decisions never read a ranking; the readers' copy holds the node's one index, and
    /// snapshots are taken from it.
    pub fn keep_no_rankings(&mut self) {
        self.rankings.keep_none();
    }

    /// A copy for the writer: everything but the ranking index, which stays here (the
    /// readers' copy). Cloning the index costs its tables' and chunks' pointers, dropped at
    /// once.
    pub fn clone_for_writer(&self) -> State {
        let mut copy = self.clone();
        copy.keep_no_rankings();
        copy
    }

    /// [`State::clone_for_writer`] with [`State::check_invariants`] run beside the clone on a
    /// second thread: a start does both over the same state, a few hundred milliseconds each
    /// at a province, and neither changes it.
    pub fn clone_for_writer_checked(&self) -> (State, Result<(), String>) {
        std::thread::scope(|scope| {
            let checking = std::thread::Builder::new()
                .name("yinling-invariants".into())
                .spawn_scoped(scope, || self.check_invariants());
            let copy = self.clone_for_writer();
            let checked = match checking {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|_| Err("the invariants' check panicked".into())),
                // No thread to spare: checked here, after the clone.
                Err(_) => self.check_invariants(),
            };
            (copy, checked)
        })
    }

    /// Clears the record of what changed (a state just loaded, or one nobody adopts from),
    /// and records changes from now on.
    pub fn forget_changes(&mut self) {
        self.teams.forget_changes();
        self.volunteers.forget_changes();
        self.activities.forget_changes();
        self.redemptions.forget_changes();
    }

    /// The keys of the volunteers, activities and redemptions noted as changed since
    /// [`State::forget_changes`], taken: what a start folded after a snapshot, which the
    /// service's next snapshot of changes must hold.
    pub fn take_changes(&mut self) -> crate::changed_since::ChangedSince {
        crate::changed_since::ChangedSince {
            volunteers: self.volunteers.take_changed(),
            activities: self.activities.take_changed(),
            redemptions: self.redemptions.take_changed(),
        }
    }

    /// Records no changes until [`State::forget_changes`]: for a state being loaded, which no
    /// copy adopts from (recording every key a province's fold touches cost a tenth of a
    /// rebuild). `forget_changes` turns recording back on before the state is shared.
    pub fn stop_recording_changes(&mut self) {
        self.teams.stop_recording_changes();
        self.volunteers.stop_recording_changes();
        self.activities.stop_recording_changes();
        self.redemptions.stop_recording_changes();
    }

    /// Folds a batch of envelopes in order.
    pub fn apply_all<'a>(&mut self, envelopes: impl IntoIterator<Item = &'a Envelope>) {
        for e in envelopes {
            self.apply(e);
        }
    }

    /// Folds one event. Total: never fails, never panics on a log written through `decide`.
    pub fn apply(&mut self, envelope: &Envelope) {
        debug_assert_eq!(
            envelope.seq,
            self.head.seq + 1,
            "events are folded in order"
        );
        let seq = envelope.seq;
        let at = envelope.recorded_at;
        match &envelope.payload {
            Event::TeamRegistered(e) => self.team_registered(envelope, e),
            Event::VolunteerRegistered(e) => self.volunteer_registered(envelope, e),
            Event::VolunteerMovedTeam(e) => self.volunteer_moved_team(envelope, e),
            Event::ActivityLogged(e) => self.activity_logged(envelope, e),
            Event::ServiceLogged(e) => self.service_logged(envelope, e),
            Event::ServiceReversed(e) => {
                self.service_reversed(envelope, e);
                self.notice_changed(envelope, &e.activity_id, &e.volunteer_id);
            }
            Event::RulesChanged(e) => self.rules_changed(envelope, e),
            Event::RewardListed(e) => self.reward_listed(envelope, e),
            Event::RewardRestocked(e) => self.reward_restocked(e),
            Event::RewardRepriced(e) => self.reward_repriced(e),
            Event::RewardRetired(e) => self.reward_retired(e),
            Event::RedemptionHeld(e) => self.redemption_held(envelope, e),
            Event::RedemptionFulfilled(e) => self.redemption_fulfilled(envelope, e),
            Event::RedemptionCancelled(e) => self.redemption_cancelled(envelope, e),
            Event::RedemptionExpired(e) => self.redemption_expired(envelope, e),
            Event::TokenIssued(e) => self.token_issued(envelope, e),
            Event::TokenRevoked(e) => self.token_revoked(envelope, e),
            Event::TokenLastDaySet(e) => self.token_last_day_set(e),
            Event::TokenScoped(e) => self.token_scoped(e),
            Event::DistrictRegistered(e) => self.district_registered(e),
            Event::GroupFounded(e) => self.group_founded(e),
            Event::SubGroupAdded(e) => self.sub_group_added(e),
            Event::TeamJoinedGroup(e) => self.team_joined_group(e),
            Event::TeamLeftGroup(e) => self.team_left_group(e),
            Event::ProjectRegistered(e) => self.project_registered(e),
            Event::ProjectStatusChanged(e) => self.project_status_changed(e),
            Event::ActivityInProject(e) => self.activity_in_project(e),
            Event::ScoringChanged(e) => self.scoring_changed(e),
            Event::ServiceCorrected(e) => {
                self.service_corrected(envelope, e);
                self.notice_changed(envelope, &e.activity_id, &e.volunteer_id);
            }
            Event::EarningRulesAdopted(e) => self.earning_rules_adopted(envelope, e),
            Event::ServiceRerated(e) => {
                self.service_rerated(envelope, e);
                self.notice_changed(envelope, &e.activity_id, &e.volunteer_id);
            }
            Event::CategoryRegistered(e) => self.category_registered(e),
            Event::CategoryRenamed(e) => self.category_renamed(e),
            Event::CategoryRetired(e) => self.category_retired(e),
            Event::StarScaleAdopted(e) => self.star_scale_adopted(envelope, e),
            Event::StarReached(e) => self.star_reached(envelope, e),
            Event::StarConfirmed(e) => self.star_confirmed(envelope, e),
            Event::StarWithdrawn(e) => self.star_withdrawn(envelope, e),
            Event::PolicySet(e) => {
                self.policies
                    .set(&e.change, &e.note, envelope.recorded_at, envelope.seq)
            }
            Event::BackfillRequested(e) => self.backfill_requested(envelope, e),
            Event::BackfillApproved(e) => self.backfill_approved(envelope, e),
            Event::BackfillDeclined(e) => self.backfill_declined(e),
            Event::ActivityCoOrganised(e) => self.activity_co_organised(e),
            Event::StationOpened(e) => self.station_opened(envelope, e),
            Event::StationStocked(e) => self.station_stocked(e),
            Event::StockWrittenOff(e) => self.stock_written_off(e),
            Event::StockTransferred(e) => self.stock_transferred(e),
            Event::RedemptionHeldAt(e) => self.redemption_held_at(envelope, e),
            Event::RedemptionHeldForPickup(e) => self.redemption_held_for_pickup(envelope, e),
            Event::RedemptionPickedUp(e) => self.redemption_picked_up(e),
            Event::VolunteerPhoneRecorded(e) => self.phone_recorded(e),
            Event::VoucherIssued(e) => self.voucher_issued(envelope, e),
            Event::VoucherHandedOver(e) => self.voucher_handed_over(envelope, e),
            Event::VoucherUsed(e) => self.voucher_used(envelope, e),
            Event::VoucherRefused(e) => self.voucher_refused(envelope, e),
            Event::VoucherCancelled(e) => self.voucher_cancelled(envelope, e),
            Event::RedemptionRefunded(e) => self.redemption_refunded(envelope, e),
            Event::BankBudgetSet(e) => self.bank_budget_set(e),
            Event::RewardValued(e) => self.reward_valued(e),
            Event::StockCosted(e) => self.stock_costed(envelope, e),
            Event::RecordImported(e) => {
                self.imported.insert(
                    e.record.clone(),
                    ImportSource {
                        file_name: e.file_name.clone(),
                        file_sha256: e.file_sha256,
                        sheet: e.sheet.clone(),
                        row: e.row,
                        joined_on: e.joined_on,
                    },
                );
            }
            Event::OpeningBalanceRecorded(e) => self.opening_balance(envelope, e),
            Event::VolunteerCorrected(e) => self.volunteer_corrected(e),
            Event::PersonalDataSealed(e) => self.personal_data_sealed(e),
            Event::VolunteerErased(e) => self.volunteer_erased(e),
            Event::ConsentRecorded(e) => self.consent_recorded(e),
            Event::ConsentWithdrawn(e) => self.consent_withdrawn(e),
            Event::PrivacyNoticePublished(e) => self.privacy_notices.push(e.clone()),
            Event::ActivityOnNotice(e) => self.activity_on_notice(envelope, e),
            Event::NoticeEnded(e) => self.notice_ended(envelope, e),
            Event::DisputeOpened(e) => self.dispute_opened(envelope, e),
            Event::DisputeResolved(e) => self.dispute_resolved(envelope, e),
            Event::ConfirmationRequested(e) => self.confirmation_requested(e),
            Event::ActivityConfirmed(e) => self.activity_confirmed(envelope, e),
            Event::ConfirmationWaived(e) => self.confirmation_waived(envelope, e),
            Event::ActivityAwaitsConfirmation(e) => {
                self.awaits_confirmation(envelope, &e.activity_id)
            }
            Event::NoticeContactsSet(e) => {
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.personal.contacts = Some(Box::new(e.sealed.clone()));
                }
            }
            Event::DisputeEscalated(e) => {
                if let Some(d) = self.disputes.get_mut(&e.dispute_id) {
                    d.escalated_on = Some(e.escalated_on);
                }
            }
            Event::TeamCorrected(e) => {
                if let Some(t) = self.teams.get_mut(&e.team_id) {
                    t.name = e.name.clone();
                    t.category = e.category;
                }
            }
            Event::DistrictCorrected(e) => {
                let d = self.district_mut(&e.name);
                d.kind = Some(e.kind);
                d.region = e.region.clone();
            }
            Event::VolunteerPinSet(e) => {
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.pin_sha256 = e.pin_sha256.map(Box::new);
                }
            }
        }
        self.head = Head {
            seq,
            hash: envelope.hash,
        };
        self.totals.events += 1;
        self.timeline.record(at, seq);
    }

    pub(super) fn district_mut(&mut self, name: &str) -> &mut District {
        if !self.districts.contains_key(name) {
            self.districts.insert(
                name.to_owned(),
                District {
                    name: name.to_owned(),
                    ..District::default()
                },
            );
        }
        self.districts
            .get_mut(name)
            .unwrap_or_else(|| unreachable!("inserted just above"))
    }
}
