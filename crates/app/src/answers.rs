//! What a write did, typed per command and built only from that command's own events.
//!
//! A retried request with the same Idempotency-Key gets the events of its first attempt back
//! from the log, so an answer built from them alone is the same answer, byte for byte, however
//! the state has moved since. Nothing here reads the state.

use yinling_ledger::*;
use yinling_projections::redemptions::PickupCode;

/// Where a write sits in the hash chain: its receipt, which a client can later check in the
/// feed. A retry gets the same receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Seq of the first event the write appended (0 when it appended none).
    pub first_seq: u64,
    /// Seq of the last event it appended (0 when it appended none).
    pub seq: u64,
    /// Hash of that last event.
    pub hash: Hash,
    /// When the write was recorded (the instant of its first event).
    pub recorded_at: Option<Timestamp>,
}

impl Receipt {
    /// The receipt of these events.
    pub fn of(envelopes: &[Envelope]) -> Receipt {
        Receipt {
            first_seq: envelopes.first().map_or(0, |e| e.seq),
            seq: envelopes.last().map_or(0, |e| e.seq),
            hash: envelopes.last().map_or(Hash::GENESIS, |e| e.hash),
            recorded_at: envelopes.first().map(|e| e.recorded_at),
        }
    }
}

/// A write's typed answer with its receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Written<A> {
    /// What the write did.
    pub answer: A,
    /// Where it sits in the chain.
    pub receipt: Receipt,
}

/// An answer that can be read off a command's own events.
pub trait Answer: Sized {
    /// The answer these events give, or `None` when they are not the events of this kind of
    /// answer (a caller asked for the wrong answer type: an internal error).
    fn from_events(envelopes: &[Envelope]) -> Option<Self>;
}

/// For a caller that needs only the receipt.
impl Answer for () {
    fn from_events(_: &[Envelope]) -> Option<Self> {
        Some(())
    }
}

macro_rules! single_event_answers {
    ($($event:ident),* $(,)?) => {$(
        impl Answer for $event {
            fn from_events(envelopes: &[Envelope]) -> Option<Self> {
                match envelopes.first().map(|e| &e.payload) {
                    Some(Event::$event(e)) => Some(e.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

single_event_answers!(
    TeamRegistered,
    VolunteerRegistered,
    VolunteerMovedTeam,
    RulesChanged,
    RewardListed,
    TokenIssued,
    StationOpened,
    StockTransferred,
    VolunteerPhoneRecorded,
    PersonalDataSealed,
    VolunteerErased,
    ConsentRecorded,
    ConsentWithdrawn,
    PrivacyNoticePublished,
    DisputeOpened,
    DisputeResolved,
    ConfirmationRequested,
    ActivityConfirmed,
    NoticeContactsSet,
    VolunteerPinSet,
    VoucherUsed,
    VoucherRefused,
    VoucherCancelled,
    BankBudgetSet,
    RewardValued,
    TokenRevoked,
    DistrictRegistered,
    GroupFounded,
    SubGroupAdded,
    TeamJoinedGroup,
    TeamLeftGroup,
    ProjectRegistered,
    ProjectStatusChanged,
    ScoringChanged,
    ServiceCorrected,
    EarningRulesAdopted,
    StarConfirmed,
    CategoryRegistered,
    CategoryRenamed,
    CategoryRetired,
    PolicySet,
    BackfillDeclined,
    ConfirmationWaived,
    TokenLastDaySet,
);

/// A token as issued, with the scope recorded after it (a group coordinator's group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token.
    pub issued: TokenIssued,
    /// What it is bound to, for a group coordinator, station clerk, district coordinator
    /// or bank officer.
    pub scope: Option<TokenScope>,
    /// Its last day, if it was issued with one.
    pub last_day: Option<chrono::NaiveDate>,
}

impl Answer for IssuedToken {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let issued = TokenIssued::from_events(envelopes)?;
        let scope = envelopes.iter().find_map(|e| match &e.payload {
            Event::TokenScoped(s) => Some(s.scope.clone()),
            _ => None,
        });
        let last_day = envelopes.iter().find_map(|e| match &e.payload {
            Event::TokenLastDaySet(d) => d.last_day,
            _ => None,
        });
        Some(IssuedToken {
            issued,
            scope,
            last_day,
        })
    }
}

/// A token replaced: the one that stopped and the one that started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacedToken {
    /// The token that stopped.
    pub revoked: TokenId,
    /// Its replacement.
    pub issued: IssuedToken,
}

impl Answer for ReplacedToken {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let (first, rest) = envelopes.split_first()?;
        let Event::TokenRevoked(r) = &first.payload else {
            return None;
        };
        Some(ReplacedToken {
            revoked: r.token_id,
            issued: IssuedToken::from_events(rest)?,
        })
    }
}

/// An activity as logged: the activity, its project, one service entry per participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedActivity {
    /// The activity.
    pub activity: ActivityLogged,
    /// The project it was logged under.
    pub project_id: Option<ProjectId>,
    /// The other organising teams, for a joint activity.
    pub joint: Option<ActivityCoOrganised>,
    /// Each participant's hours and points.
    pub services: Vec<ServiceLogged>,
    /// Stars the hours brought.
    pub stars: Vec<StarReached>,
    /// Its public notice (公示), when its category has one: the points wait for it.
    pub notice: Option<ActivityOnNotice>,
    /// Whether its points wait for confirmation by the people served.
    pub awaits_confirmation: bool,
    /// Seq of the activity's first event.
    pub seq: u64,
}

impl Answer for LoggedActivity {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let first = envelopes.first()?;
        let Event::ActivityLogged(activity) = &first.payload else {
            return None;
        };
        let mut out = LoggedActivity {
            activity: activity.clone(),
            project_id: None,
            joint: None,
            services: Vec::with_capacity(envelopes.len()),
            stars: Vec::new(),
            notice: None,
            awaits_confirmation: false,
            seq: first.seq,
        };
        for e in &envelopes[1..] {
            match &e.payload {
                Event::ActivityInProject(p) => out.project_id = Some(p.project_id),
                Event::ActivityCoOrganised(j) => out.joint = Some(j.clone()),
                Event::ServiceLogged(s) => out.services.push(s.clone()),
                Event::StarReached(r) => out.stars.push(r.clone()),
                Event::ActivityOnNotice(n) => out.notice = Some(n.clone()),
                Event::ActivityAwaitsConfirmation(_) => out.awaits_confirmation = true,
                _ => return None,
            }
        }
        Some(out)
    }
}

/// An activity reversed: one compensating entry per participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReversedActivity {
    /// The entries, in the order of the activity's participants (never empty).
    pub reversals: Vec<ServiceReversed>,
    /// Stars the hours taken back no longer support.
    pub withdrawn: Vec<StarWithdrawn>,
}

impl ReversedActivity {
    /// The first entry: the activity, team, date and reason all entries share.
    pub fn common(&self) -> &ServiceReversed {
        &self.reversals[0]
    }
}

impl Answer for ReversedActivity {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let mut out = ReversedActivity {
            reversals: Vec::with_capacity(envelopes.len()),
            withdrawn: Vec::new(),
        };
        for e in envelopes {
            match &e.payload {
                Event::ServiceReversed(r) => out.reversals.push(r.clone()),
                Event::StarWithdrawn(w) => out.withdrawn.push(w.clone()),
                _ => return None,
            }
        }
        (!out.reversals.is_empty()).then_some(out)
    }
}

/// A change to a reward of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogueChange {
    /// More stock at the first station.
    Restocked(RewardRestocked),
    /// More stock at another station.
    Stocked(StationStocked),
    /// Stock taken off a station's shelf.
    WrittenOff(StockWrittenOff),
    /// A new price.
    Repriced(RewardRepriced),
    /// No longer offered.
    Retired(RewardRetired),
}

impl Answer for CatalogueChange {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        match &envelopes.first()?.payload {
            Event::RewardRestocked(r) => Some(CatalogueChange::Restocked(r.clone())),
            Event::StationStocked(r) => Some(CatalogueChange::Stocked(r.clone())),
            Event::StockWrittenOff(r) => Some(CatalogueChange::WrittenOff(r.clone())),
            Event::RewardRepriced(r) => Some(CatalogueChange::Repriced(r.clone())),
            Event::RewardRetired(r) => Some(CatalogueChange::Retired(r.clone())),
            _ => None,
        }
    }
}

/// A stock receipt: the restock, then its cost (read off the cost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received(pub StockCosted);

impl Answer for Received {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        envelopes.iter().find_map(|e| match &e.payload {
            Event::StockCosted(c) => Some(Received(c.clone())),
            _ => None,
        })
    }
}

/// A step of a redemption, with the instant it was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedemptionStep {
    /// Points and stock reserved for pickup at a station, with the pickup code as the log
    /// keeps it (a hold from before stations has neither station nor code: the first
    /// station, `None`); `TokenMint::shown_pickup_code` gives the digits to show.
    Held(RedemptionHeld, StationId, Option<PickupCode>),
    /// Handed over at `at`, with the last day of the voucher it issued for a rate voucher.
    Fulfilled(RedemptionFulfilled, Timestamp, Option<chrono::NaiveDate>),
    /// Given up at `at`.
    Cancelled(RedemptionCancelled, Timestamp),
}

impl Answer for RedemptionStep {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let e = envelopes.first()?;
        match &e.payload {
            Event::RedemptionHeld(h) => {
                Some(RedemptionStep::Held(h.clone(), StationId::FIRST, None))
            }
            Event::RedemptionHeldAt(h) => Some(RedemptionStep::Held(
                h.held.clone(),
                h.station_id,
                Some(PickupCode::Written(h.pickup_code.clone())),
            )),
            Event::RedemptionHeldForPickup(h) => Some(RedemptionStep::Held(
                h.held.clone(),
                h.station_id,
                Some(PickupCode::Digest(h.pickup_code_digest)),
            )),
            Event::RedemptionFulfilled(f) => Some(RedemptionStep::Fulfilled(
                f.clone(),
                e.recorded_at,
                envelopes.iter().find_map(|x| match &x.payload {
                    Event::VoucherIssued(v) => Some(v.expires_on),
                    Event::VoucherHandedOver(v) => Some(v.expires_on),
                    _ => None,
                }),
            )),
            Event::RedemptionCancelled(c) => {
                Some(RedemptionStep::Cancelled(c.clone(), e.recorded_at))
            }
            _ => None,
        }
    }
}

/// Holds that lapsed (possibly none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpiredHolds(pub Vec<RedemptionExpired>);

impl Answer for ExpiredHolds {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        envelopes
            .iter()
            .map(|e| match &e.payload {
                Event::RedemptionExpired(x) => Some(x.clone()),
                _ => None,
            })
            .collect::<Option<_>>()
            .map(ExpiredHolds)
    }
}

/// Credits re-rated under the rules of their dates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rerated(pub Vec<ServiceRerated>);

impl Answer for Rerated {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        envelopes
            .iter()
            .map(|e| match &e.payload {
                Event::ServiceRerated(x) => Some(x.clone()),
                _ => None,
            })
            .collect::<Option<_>>()
            .map(Rerated)
    }
}

/// A star scale adopted, with the stars it awarded at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleAdopted {
    /// The version.
    pub scale: StarScaleAdopted,
    /// Stars recorded or reached with it.
    pub awarded: Vec<StarReached>,
}

impl Answer for ScaleAdopted {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let (first, rest) = envelopes.split_first()?;
        let Event::StarScaleAdopted(scale) = &first.payload else {
            return None;
        };
        let awarded = rest
            .iter()
            .map(|e| match &e.payload {
                Event::StarReached(r) => Some(r.clone()),
                _ => None,
            })
            .collect::<Option<_>>()?;
        Some(ScaleAdopted {
            scale: scale.clone(),
            awarded,
        })
    }
}

/// What logging an activity did: credited it, or held it for approval (logged later than
/// the back-fill limit allows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logged {
    /// Credited.
    Credited(LoggedActivity),
    /// Waiting for an administrator.
    AwaitingApproval(BackfillRequested),
}

impl Answer for Logged {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        // A request, alone or with the joint activity's other organisers after it.
        match envelopes.first().map(|e| &e.payload) {
            Some(Event::BackfillRequested(r)) => Some(Logged::AwaitingApproval(r.clone())),
            _ => LoggedActivity::from_events(envelopes).map(Logged::Credited),
        }
    }
}

/// A back-filled activity approved and credited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedBackfill {
    /// The approval.
    pub approval: BackfillApproved,
    /// The activity as credited.
    pub activity: LoggedActivity,
}

impl Answer for ApprovedBackfill {
    fn from_events(envelopes: &[Envelope]) -> Option<Self> {
        let (first, rest) = envelopes.split_first()?;
        let Event::BackfillApproved(approval) = &first.payload else {
            return None;
        };
        Some(ApprovedBackfill {
            approval: approval.clone(),
            activity: LoggedActivity::from_events(rest)?,
        })
    }
}
