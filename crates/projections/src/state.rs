//! The whole folded state and `apply`, the one function that changes it.
//!
//! `apply` is total: on a log written through `decide` it never fails and never panics. It
//! trusts the log (every value it needs is in the event) and never consults configuration,
//! so folding the same events gives the same state on any machine, from scratch, from a
//! snapshot, or one batch at a time.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use yinling_ledger::*;

use crate::activities::{Activity, Participation, Reversal};
use crate::catalog::Reward;
use crate::evaluation::Scoring;
use crate::organisation::{Group, Membership, Project};
use crate::rankings::{Amounts, RankingIndex};
use crate::redemptions::{Redemption, RedemptionStatus};
use crate::rules::Rules;
use crate::teams::{District, Tally, Team};
use crate::tokens::{TokenRecord, Tokens};
use crate::volunteers::{Balance, EntryKind, EntryRef, TeamStint, Volunteer};

/// The hash map of the state: FxHash, fast on the UUIDv7 keys the service itself generates
/// (no key is chosen by a client, so there is no hash-flooding input).
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

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
    /// Events folded.
    pub events: u64,
}

/// Everything the service knows, folded from the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The last event folded.
    pub head: Head,
    /// Teams.
    pub teams: FastMap<TeamId, Team>,
    /// Districts, by name.
    pub districts: BTreeMap<String, District>,
    /// Volunteers.
    pub volunteers: FastMap<VolunteerId, Volunteer>,
    /// Activities.
    pub activities: FastMap<ActivityId, Activity>,
    /// The e-station catalogue.
    pub rewards: FastMap<RewardId, Reward>,
    /// Redemptions.
    pub redemptions: FastMap<RedemptionId, Redemption>,
    /// Held redemptions by when they lapse.
    pub holds_by_expiry: BTreeSet<(Timestamp, RedemptionId)>,
    /// Point rules.
    pub rules: Rules,
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
    /// (recorded_at, last seq recorded at that instant), for "as of an instant" queries.
    pub timeline: Vec<(Timestamp, u64)>,
}

fn tally_activity(tally: &mut Tally, outcomes: &Outcomes, sign: i64) {
    let add = |n: &mut u64, by: u32| {
        *n = if sign > 0 {
            n.saturating_add(u64::from(by))
        } else {
            n.saturating_sub(u64::from(by))
        }
    };
    add(&mut tally.activities, 1);
    add(&mut tally.people_served, outcomes.people_served);
    add(&mut tally.problems_resolved, outcomes.problems_resolved);
    add(&mut tally.disputes_handled, outcomes.disputes_handled);
    add(&mut tally.disputes_settled, outcomes.disputes_settled);
}

fn tally_service(tally: &mut Tally, hours: Decimal, points: Decimal, sign: i64) {
    if sign > 0 {
        tally.participant_times += 1;
        tally.hours += hours;
        tally.points += points;
    } else {
        tally.participant_times = tally.participant_times.saturating_sub(1);
        tally.hours -= hours;
        tally.points -= points;
    }
}

impl State {
    /// An empty state (before seq 1).
    pub fn new() -> Self {
        Self::default()
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
            Event::TeamRegistered(e) => {
                self.teams.insert(
                    e.team_id,
                    Team {
                        id: e.team_id,
                        name: e.name.clone(),
                        district: e.district.clone(),
                        category: e.category,
                        registered_at: at,
                        members: BTreeSet::new(),
                        tally: Tally::default(),
                    },
                );
                let district = self.district_mut(&e.district);
                district.teams.insert(e.team_id);
            }
            Event::VolunteerRegistered(e) => {
                self.volunteers.insert(
                    e.volunteer_id,
                    Volunteer {
                        id: e.volunteer_id,
                        name: e.name.clone(),
                        team_id: e.team_id,
                        district: e.district.clone(),
                        birth_year: e.birth_year,
                        registered_at: at,
                        balance: Balance::default(),
                        hours_served: Decimal::ZERO,
                        hours_reversed: Decimal::ZERO,
                        hours_by_date: BTreeMap::new(),
                        team_history: vec![TeamStint {
                            team_id: e.team_id,
                            since_seq: seq,
                            since: at,
                        }],
                        statement: Vec::new(),
                    },
                );
                if let Some(team) = self.teams.get_mut(&e.team_id) {
                    team.members.insert(e.volunteer_id);
                }
                self.district_mut(&e.district).volunteers += 1;
            }
            Event::VolunteerMovedTeam(e) => {
                let mut old_district = None;
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    old_district = Some(std::mem::replace(&mut v.district, e.district.clone()));
                    v.team_id = e.to_team_id;
                    v.team_history.push(TeamStint {
                        team_id: e.to_team_id,
                        since_seq: seq,
                        since: at,
                    });
                }
                if let Some(team) = self.teams.get_mut(&e.from_team_id) {
                    team.members.remove(&e.volunteer_id);
                }
                if let Some(team) = self.teams.get_mut(&e.to_team_id) {
                    team.members.insert(e.volunteer_id);
                }
                if let Some(old) = old_district {
                    let d = self.district_mut(&old);
                    d.volunteers = d.volunteers.saturating_sub(1);
                }
                self.district_mut(&e.district).volunteers += 1;
            }
            Event::ActivityLogged(e) => {
                self.activities.insert(
                    e.activity_id,
                    Activity {
                        id: e.activity_id,
                        team_id: e.team_id,
                        district: e.district.clone(),
                        category: e.category,
                        date: e.date,
                        title: e.title.clone(),
                        outcomes: e.outcomes,
                        logged_at: at,
                        logged_by: envelope.actor,
                        seq,
                        participants: Vec::with_capacity(e.participants as usize),
                        reversal: None,
                        project_id: None,
                    },
                );
                if let Some(team) = self.teams.get_mut(&e.team_id) {
                    tally_activity(&mut team.tally, &e.outcomes, 1);
                }
                tally_activity(&mut self.district_mut(&e.district).tally, &e.outcomes, 1);
            }
            Event::ServiceLogged(e) => {
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.balance.earned += e.points;
                    v.hours_served += e.hours;
                    v.add_hours_on(e.date, e.hours);
                    v.record(
                        envelope,
                        EntryKind::Service,
                        Some(e.date),
                        e.points,
                        e.hours,
                        EntryRef::Activity(e.activity_id),
                    );
                }
                if let Some(a) = self.activities.get_mut(&e.activity_id) {
                    a.participants.push(Participation {
                        volunteer_id: e.volunteer_id,
                        hours: e.hours,
                        points: e.points,
                    });
                }
                if let Some(team) = self.teams.get_mut(&e.team_id) {
                    tally_service(&mut team.tally, e.hours, e.points, 1);
                }
                tally_service(
                    &mut self.district_mut(&e.district).tally,
                    e.hours,
                    e.points,
                    1,
                );
                self.rankings.add(
                    e.team_id,
                    e.volunteer_id,
                    e.date,
                    Amounts {
                        points: e.points,
                        hours: e.hours,
                    },
                );
                self.totals.points_earned += e.points;
            }
            Event::ServiceReversed(e) => {
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.balance.reversed += e.points;
                    v.hours_reversed += e.hours;
                    v.add_hours_on(e.date, -e.hours);
                    v.record(
                        envelope,
                        EntryKind::Reversal,
                        Some(e.date),
                        -e.points,
                        -e.hours,
                        EntryRef::Activity(e.activity_id),
                    );
                }
                let mut first_of_activity = None;
                if let Some(a) = self.activities.get_mut(&e.activity_id) {
                    if a.reversal.is_none() {
                        a.reversal = Some(Reversal {
                            reason: e.reason.clone(),
                            at,
                            by: envelope.actor,
                        });
                        first_of_activity = Some(a.outcomes);
                    }
                }
                if let Some(team) = self.teams.get_mut(&e.team_id) {
                    tally_service(&mut team.tally, e.hours, e.points, -1);
                    if let Some(outcomes) = &first_of_activity {
                        tally_activity(&mut team.tally, outcomes, -1);
                    }
                }
                let district = self.district_mut(&e.district);
                tally_service(&mut district.tally, e.hours, e.points, -1);
                if let Some(outcomes) = &first_of_activity {
                    tally_activity(&mut district.tally, outcomes, -1);
                }
                self.rankings.add(
                    e.team_id,
                    e.volunteer_id,
                    e.date,
                    Amounts {
                        points: -e.points,
                        hours: -e.hours,
                    },
                );
                self.totals.points_reversed += e.points;
            }
            Event::RulesChanged(e) => self.rules.apply(e, seq, at),
            Event::RewardListed(e) => {
                self.rewards.insert(
                    e.reward_id,
                    Reward {
                        id: e.reward_id,
                        name: e.name.clone(),
                        kind: e.kind.clone(),
                        cost_points: e.cost_points,
                        stock: e.stock,
                        held: 0,
                        redeemed: 0,
                        supplied: u64::from(e.stock),
                        retired: false,
                        listed_at: at,
                    },
                );
            }
            Event::RewardRestocked(e) => {
                if let Some(r) = self.rewards.get_mut(&e.reward_id) {
                    r.stock = r.stock.saturating_add(e.quantity);
                    r.supplied += u64::from(e.quantity);
                    debug_assert_eq!(r.stock, e.stock_after);
                }
            }
            Event::RewardRepriced(e) => {
                if let Some(r) = self.rewards.get_mut(&e.reward_id) {
                    r.cost_points = e.cost_points;
                }
            }
            Event::RewardRetired(e) => {
                if let Some(r) = self.rewards.get_mut(&e.reward_id) {
                    r.retired = true;
                }
            }
            Event::RedemptionHeld(e) => {
                if let Some(r) = self.rewards.get_mut(&e.reward_id) {
                    debug_assert!(r.stock >= e.quantity, "decide never oversells");
                    r.stock = r.stock.saturating_sub(e.quantity);
                    r.held += e.quantity;
                }
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.balance.held += e.points;
                    debug_assert!(
                        v.balance.available() >= Decimal::ZERO,
                        "decide never overdraws"
                    );
                    v.record(
                        envelope,
                        EntryKind::Hold,
                        None,
                        -e.points,
                        Decimal::ZERO,
                        EntryRef::Redemption(e.redemption_id),
                    );
                }
                self.redemptions.insert(
                    e.redemption_id,
                    Redemption {
                        id: e.redemption_id,
                        volunteer_id: e.volunteer_id,
                        team_id: e.team_id,
                        district: e.district.clone(),
                        reward_id: e.reward_id,
                        quantity: e.quantity,
                        cost_points: e.cost_points,
                        points: e.points,
                        status: RedemptionStatus::Held,
                        held_at: at,
                        held_by: envelope.actor,
                        expires_at: e.expires_at,
                        settled_at: None,
                        settled_by: None,
                        reason: None,
                    },
                );
                self.holds_by_expiry.insert((e.expires_at, e.redemption_id));
                self.totals.points_held += e.points;
            }
            Event::RedemptionFulfilled(e) => {
                if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
                    v.balance.held -= e.points;
                    v.balance.redeemed += e.points;
                    v.record(
                        envelope,
                        EntryKind::Fulfilment,
                        None,
                        Decimal::ZERO,
                        Decimal::ZERO,
                        EntryRef::Redemption(e.redemption_id),
                    );
                }
                if let Some(r) = self.rewards.get_mut(&e.reward_id) {
                    r.held = r.held.saturating_sub(e.quantity);
                    r.redeemed += e.quantity;
                }
                let team_and_district = self.settle(
                    &e.redemption_id,
                    RedemptionStatus::Fulfilled,
                    at,
                    envelope.actor,
                    None,
                );
                if let Some((team, district)) = team_and_district {
                    if let Some(t) = self.teams.get_mut(&team) {
                        t.tally.redemptions += 1;
                        t.tally.redemption_points += e.points;
                    }
                    let d = self.district_mut(&district);
                    d.tally.redemptions += 1;
                    d.tally.redemption_points += e.points;
                }
                self.totals.points_held -= e.points;
                self.totals.points_redeemed += e.points;
            }
            Event::RedemptionCancelled(e) => {
                self.release(
                    envelope,
                    &e.redemption_id,
                    &e.volunteer_id,
                    &e.reward_id,
                    e.quantity,
                    e.points,
                    EntryKind::Cancellation,
                );
                self.settle(
                    &e.redemption_id,
                    RedemptionStatus::Cancelled,
                    at,
                    envelope.actor,
                    Some(e.reason.clone()),
                );
            }
            Event::RedemptionExpired(e) => {
                self.release(
                    envelope,
                    &e.redemption_id,
                    &e.volunteer_id,
                    &e.reward_id,
                    e.quantity,
                    e.points,
                    EntryKind::Expiry,
                );
                self.settle(
                    &e.redemption_id,
                    RedemptionStatus::Expired,
                    at,
                    envelope.actor,
                    None,
                );
            }
            Event::TokenIssued(e) => self.tokens.insert(TokenRecord {
                id: e.token_id,
                role: e.role,
                team_id: e.team_id,
                volunteer_id: e.volunteer_id,
                secret_sha256: e.secret_sha256,
                label: e.label.clone(),
                issued_at: at,
                revoked_at: None,
            }),
            Event::TokenRevoked(e) => self.tokens.revoke(&e.token_id, at),
            Event::DistrictRegistered(e) => {
                let d = self.district_mut(&e.name);
                d.kind = Some(e.kind);
                d.region = e.region.clone();
                d.registered = true;
            }
            Event::GroupFounded(e) => {
                self.groups.insert(
                    e.group_id,
                    Group {
                        id: e.group_id,
                        name: e.name.clone(),
                        purpose: e.purpose.clone(),
                        founded_on: e.founded_on,
                        parent: None,
                        sub_groups: Vec::new(),
                        memberships: Vec::new(),
                    },
                );
            }
            Event::SubGroupAdded(e) => {
                self.groups.insert(
                    e.sub_group_id,
                    Group {
                        id: e.sub_group_id,
                        name: e.name.clone(),
                        purpose: String::new(),
                        founded_on: e.added_on,
                        parent: Some(e.group_id),
                        sub_groups: Vec::new(),
                        memberships: Vec::new(),
                    },
                );
                if let Some(g) = self.groups.get_mut(&e.group_id) {
                    g.sub_groups.push(e.sub_group_id);
                }
            }
            Event::TeamJoinedGroup(e) => {
                if let Some(g) = self.groups.get_mut(&e.group_id) {
                    g.memberships.push(Membership {
                        team_id: e.team_id,
                        sub_group_id: e.sub_group_id,
                        joined_on: e.joined_on,
                        left_on: None,
                    });
                }
            }
            Event::TeamLeftGroup(e) => {
                if let Some(m) = self.groups.get_mut(&e.group_id).and_then(|g| {
                    g.memberships
                        .iter_mut()
                        .rev()
                        .find(|m| m.team_id == e.team_id && m.left_on.is_none())
                }) {
                    m.left_on = Some(e.left_on);
                }
            }
            Event::ProjectRegistered(e) => {
                self.projects.insert(
                    e.project_id,
                    Project {
                        id: e.project_id,
                        owner: e.owner,
                        title: e.title.clone(),
                        category: e.category,
                        goal: e.goal.clone(),
                        starts_on: e.starts_on,
                        ends_on: e.ends_on,
                        status: e.status,
                        history: vec![(
                            e.status,
                            yinling_ledger::time::day_number::of(e.starts_on),
                        )],
                        activities: Vec::new(),
                    },
                );
            }
            Event::ProjectStatusChanged(e) => {
                if let Some(p) = self.projects.get_mut(&e.project_id) {
                    p.status = e.status;
                    p.history
                        .push((e.status, yinling_ledger::time::day_number::of(e.on)));
                }
            }
            Event::ActivityInProject(e) => {
                if let Some(a) = self.activities.get_mut(&e.activity_id) {
                    a.project_id = Some(e.project_id);
                }
                if let Some(p) = self.projects.get_mut(&e.project_id) {
                    p.activities.push(e.activity_id);
                }
            }
            Event::ScoringChanged(e) => {
                self.scoring.version = e.version;
                self.scoring.weights = e.weights.clone();
            }
        }
        self.head = Head {
            seq,
            hash: envelope.hash,
        };
        self.totals.events += 1;
        match self.timeline.last_mut() {
            Some((last_at, last_seq)) if *last_at == at => *last_seq = seq,
            _ => self.timeline.push((at, seq)),
        }
    }

    fn district_mut(&mut self, name: &str) -> &mut District {
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

    /// Returns points and stock of a hold that ended without fulfilment.
    #[allow(clippy::too_many_arguments)]
    fn release(
        &mut self,
        envelope: &Envelope,
        redemption: &RedemptionId,
        volunteer: &VolunteerId,
        reward: &RewardId,
        quantity: u32,
        points: Decimal,
        kind: EntryKind,
    ) {
        if let Some(v) = self.volunteers.get_mut(volunteer) {
            v.balance.held -= points;
            v.record(
                envelope,
                kind,
                None,
                points,
                Decimal::ZERO,
                EntryRef::Redemption(*redemption),
            );
        }
        if let Some(r) = self.rewards.get_mut(reward) {
            r.held = r.held.saturating_sub(quantity);
            r.stock = r.stock.saturating_add(quantity);
        }
        self.totals.points_held -= points;
    }

    /// Moves a redemption out of `Held`; returns its team and district.
    fn settle(
        &mut self,
        id: &RedemptionId,
        status: RedemptionStatus,
        at: Timestamp,
        by: Actor,
        reason: Option<String>,
    ) -> Option<(TeamId, String)> {
        let r = self.redemptions.get_mut(id)?;
        self.holds_by_expiry.remove(&(r.expires_at, *id));
        r.status = status;
        r.settled_at = Some(at);
        r.settled_by = Some(by);
        r.reason = reason;
        Some((r.team_id, r.district.clone()))
    }

    /// The last seq recorded at or before `instant` (0 if none).
    pub fn seq_at(&self, instant: Timestamp) -> u64 {
        let n = self.timeline.partition_point(|(at, _)| *at <= instant);
        if n == 0 {
            0
        } else {
            self.timeline[n - 1].1
        }
    }

    /// Checks every invariant of the design; returns the first violation in words.
    ///
    /// Used by tests after every step, and by `yinling verify --deep`.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut sum = Balance::default();
        for v in self.volunteers.values() {
            let b = &v.balance;
            if b.available() < Decimal::ZERO {
                return Err(format!(
                    "volunteer {} has {} available points",
                    v.id,
                    b.available()
                ));
            }
            if b.held < Decimal::ZERO || b.earned < b.reversed {
                return Err(format!(
                    "volunteer {} has an impossible balance {b:?}",
                    v.id
                ));
            }
            for (day, hours) in &v.hours_by_date {
                if *hours < Decimal::ZERO || *hours > crate::limits::MAX_HOURS_PER_DAY {
                    let date = yinling_ledger::time::day_number::date(*day);
                    return Err(format!("volunteer {} has {hours} hours on {date}", v.id));
                }
            }
            if let Some(last) = v.statement.last() {
                if last.available_after != b.available() {
                    return Err(format!(
                        "volunteer {}'s statement does not end at the balance",
                        v.id
                    ));
                }
            }
            sum.earned += b.earned;
            sum.reversed += b.reversed;
            sum.held += b.held;
            sum.redeemed += b.redeemed;
        }
        let t = &self.totals;
        if (sum.earned, sum.reversed, sum.held, sum.redeemed)
            != (
                t.points_earned,
                t.points_reversed,
                t.points_held,
                t.points_redeemed,
            )
        {
            return Err(format!(
                "points are not conserved: volunteers {sum:?}, ledger {t:?}"
            ));
        }
        let issued = t.points_earned - t.points_reversed;
        let accounted = sum.available() + sum.held + sum.redeemed;
        if issued != accounted {
            return Err(format!(
                "issued {issued} but available + held + redeemed = {accounted}"
            ));
        }
        let mut held_units: HashMap<RewardId, u32> = HashMap::new();
        let mut held_points = Decimal::ZERO;
        let mut redeemed_points = Decimal::ZERO;
        for r in self.redemptions.values() {
            match r.status {
                RedemptionStatus::Held => {
                    *held_units.entry(r.reward_id).or_default() += r.quantity;
                    held_points += r.points;
                }
                RedemptionStatus::Fulfilled => redeemed_points += r.points,
                _ => {}
            }
        }
        if held_points != t.points_held || redeemed_points != t.points_redeemed {
            return Err("redemption records disagree with balances".into());
        }
        for r in self.rewards.values() {
            if u64::from(r.stock) + u64::from(r.held) + u64::from(r.redeemed) != r.supplied {
                return Err(format!("reward {} stock does not add up", r.id));
            }
            if held_units.get(&r.id).copied().unwrap_or(0) != r.held {
                return Err(format!(
                    "reward {} held units disagree with redemptions",
                    r.id
                ));
            }
        }
        Ok(())
    }
}
