//! Random command sequences, valid and invalid: after every step the invariants hold, and
//! the state folded from scratch equals snapshot + tail equals the incremental state.
//! Rankings are checked against a naive recomputation from the raw events.

mod common;
#[path = "properties/naive_rankings.rs"]
mod naive_rankings;

use chrono::Days;
use common::*;
use naive_rankings::check_rankings;
use proptest::prelude::*;
use rust_decimal::Decimal;
use yinling_ledger::*;
use yinling_projections::rankings::RankBy;
use yinling_projections::replay;
use yinling_projections::*;

#[derive(Clone, Debug)]
enum Op {
    Log {
        team: usize,
        day_back: u64,
        participants: Vec<(usize, u32)>,
    },
    Reverse {
        activity: usize,
    },
    Correct {
        activity: usize,
        participant: usize,
        hundredths: u32,
    },
    Hold {
        volunteer: usize,
        reward: usize,
        quantity: u32,
    },
    HoldAt {
        volunteer: usize,
        reward: usize,
        station: usize,
    },
    Transfer {
        reward: usize,
        from: usize,
        to: usize,
        quantity: u32,
    },
    RestockAt {
        reward: usize,
        station: usize,
        quantity: u32,
    },
    WriteOff {
        reward: usize,
        station: usize,
        quantity: u32,
    },
    Fulfil {
        redemption: usize,
    },
    Cancel {
        redemption: usize,
    },
    Expire {
        advance_days: i64,
    },
    Move {
        volunteer: usize,
        team: usize,
    },
    Restock {
        reward: usize,
        quantity: u32,
    },
    Reprice {
        reward: usize,
        cost: u32,
    },
    Rules {
        rate_tenths: u32,
    },
    Adopt {
        days_back: u64,
        rate_tenths: u32,
        weekend_tenths: u32,
        cap_hours: Option<u32>,
    },
    Rerate {
        days_back: u64,
        span: u64,
    },
    Register {
        team: usize,
    },
    Scale {
        steps: Vec<u32>,
        review: bool,
    },
    Confirm {
        volunteer: usize,
    },
    Backfill {
        days: Option<u32>,
    },
    Approve {
        request: usize,
    },
    Decline {
        request: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..4, 0u64..60, prop::collection::vec((0usize..12, prop_oneof![9 => 100u32..1200, 1 => 0u32..2600]), 0..5))
            .prop_map(|(team, day_back, participants)| Op::Log { team, day_back, participants }),
        1 => (0usize..20).prop_map(|activity| Op::Reverse { activity }),
        2 => (0usize..20, 0usize..5, prop_oneof![3 => 0u32..1200, 1 => Just(0u32)])
            .prop_map(|(activity, participant, hundredths)| Op::Correct { activity, participant, hundredths }),
        3 => (0usize..12, 0usize..3, 0u32..4).prop_map(|(volunteer, reward, quantity)| Op::Hold { volunteer, reward, quantity }),
        2 => (0usize..12, 0usize..3, 0usize..3).prop_map(|(volunteer, reward, station)| Op::HoldAt { volunteer, reward, station }),
        2 => (0usize..3, 0usize..3, 0usize..3, 0u32..5).prop_map(|(reward, from, to, quantity)| Op::Transfer { reward, from, to, quantity }),
        1 => (0usize..3, 0usize..3, 0u32..4).prop_map(|(reward, station, quantity)| Op::RestockAt { reward, station, quantity }),
        1 => (0usize..3, 0usize..3, 0u32..4).prop_map(|(reward, station, quantity)| Op::WriteOff { reward, station, quantity }),
        1 => (0usize..10).prop_map(|redemption| Op::Fulfil { redemption }),
        1 => (0usize..10).prop_map(|redemption| Op::Cancel { redemption }),
        1 => (0i64..16).prop_map(|advance_days| Op::Expire { advance_days }),
        1 => (0usize..12, 0usize..4).prop_map(|(volunteer, team)| Op::Move { volunteer, team }),
        1 => (0usize..3, 0u32..5).prop_map(|(reward, quantity)| Op::Restock { reward, quantity }),
        1 => (0usize..3, 0u32..200).prop_map(|(reward, cost)| Op::Reprice { reward, cost }),
        1 => (0u32..300).prop_map(|rate_tenths| Op::Rules { rate_tenths }),
        1 => (0u64..60, 0u32..300, 11u32..30, prop::option::of(4u32..16)).prop_map(|(days_back, rate_tenths, weekend_tenths, cap_hours)| Op::Adopt { days_back, rate_tenths, weekend_tenths, cap_hours }),
        1 => (0u64..60, 0u64..30).prop_map(|(days_back, span)| Op::Rerate { days_back, span }),
        1 => (0usize..4).prop_map(|team| Op::Register { team }),
        1 => (prop::collection::vec(1u32..40, 0..7), any::<bool>()).prop_map(|(steps, review)| Op::Scale { steps, review }),
        1 => (0usize..12).prop_map(|volunteer| Op::Confirm { volunteer }),
        1 => prop::option::of(1u32..40).prop_map(|days| Op::Backfill { days }),
        1 => (0usize..10).prop_map(|request| Op::Approve { request }),
        1 => (0usize..10).prop_map(|request| Op::Decline { request }),
    ]
}

/// The back-fills waiting, oldest first.
fn waiting(w: &World) -> Vec<ActivityId> {
    let mut pending: Vec<(u64, ActivityId)> = w
        .sim
        .state
        .pending_backfills
        .values()
        .map(|p| (p.seq, p.request.activity_id))
        .collect();
    pending.sort();
    pending.into_iter().map(|(_, id)| id).collect()
}

/// Strictly increasing thresholds from positive steps.
fn thresholds(steps: &[u32]) -> Vec<Decimal> {
    steps
        .iter()
        .scan(0u32, |sum, s| {
            *sum += s;
            Some(Decimal::from(*sum))
        })
        .collect()
}

struct World {
    sim: Sim,
    teams: Vec<TeamId>,
    volunteers: Vec<VolunteerId>,
    rewards: Vec<RewardId>,
    activities: Vec<ActivityId>,
    redemptions: Vec<RedemptionId>,
    /// The first station and two opened ones.
    stations: Vec<StationId>,
}

fn world() -> World {
    let mut sim = Sim::new();
    let districts = ["吴兴区", "南浔区", "德清县"];
    let teams: Vec<TeamId> = (0..4)
        .map(|i| sim.team(&format!("队{i}"), districts[i % 3], Category::ALL[i]))
        .collect();
    let volunteers = (0..8)
        .map(|i| sim.volunteer(&format!("志愿者{i}"), teams[i % 4]))
        .collect();
    let rewards = vec![
        sim.reward("20", 3),
        sim.reward("7.5", 10),
        sim.reward("100", 1),
    ];
    let mut stations = vec![StationId::FIRST];
    for (i, district) in ["南浔区", "德清县"].into_iter().enumerate() {
        let station_id = StationId(sim.uuid());
        sim.system(Command::OpenStation {
            station_id,
            name: format!("站{i}"),
            district: district.into(),
            address: "地址".into(),
            opening_hours: String::new(),
        })
        .expect("a station opens");
        stations.push(station_id);
    }
    // Lectures are on public notice for three days.
    sim.system(Command::SetPolicy {
        change: PolicyChange::NoticePeriod {
            category: Category::Lecture,
            days: 3,
        },
        note: "宣讲公示三天".into(),
    })
    .expect("a notice period");
    World {
        sim,
        teams,
        volunteers,
        rewards,
        activities: vec![],
        redemptions: vec![],
        stations,
    }
}

/// Every volunteer's hours on every day an activity names, recounted from the activities
/// alone: their net hours that day are what the day's activities not reversed hold for
/// them, and the hours under each rule version (what a version's daily cap limits) those of
/// the activities whose category that version rates that day, read as the deciding does
/// (which reads nothing when the day's net hours are zero), and a daily cap's check read off
/// them (which reads nothing when the whole day stays within the cap).
fn check_day_hours(w: &World, op: &Op) {
    let state = &w.sim.state;
    let activities: Vec<&activities::Activity> = state.activities.values().collect();
    let days: std::collections::BTreeSet<chrono::NaiveDate> =
        activities.iter().map(|a| a.date).collect();
    for v in state.volunteers.values() {
        for &date in &days {
            // What each of the day's activities not reversed holds for them, with the rule
            // version its category earns under that day.
            let held: Vec<(u32, Decimal)> = activities
                .iter()
                .filter(|a| a.date == date && a.reversal().is_none())
                .flat_map(|a| {
                    let version = state.rule_for(a.category, date).version;
                    a.participants
                        .iter()
                        .filter(|p| p.number == v.number)
                        .map(move |p| (version, p.hours))
                })
                .collect();
            // What the daily cap's shortcut stands on (`State::over_daily_cap`): no activity
            // holds hours below zero for anyone, so a version's hours are never more than the
            // day's net hours.
            assert!(
                held.iter().all(|(_, hours)| *hours >= Decimal::ZERO),
                "after {op:?}: {} holds hours below zero on {date}: {held:?}",
                v.id
            );
            let net: Decimal = held.iter().map(|(_, hours)| hours).sum();
            assert_eq!(
                v.hours_on(date),
                net,
                "after {op:?}: {}'s net hours on {date}",
                v.id
            );
            let versions: std::collections::BTreeSet<u32> = held
                .iter()
                .map(|(version, _)| *version)
                .chain([u32::MAX])
                .collect();
            for version in versions {
                let under: Decimal = held
                    .iter()
                    .filter(|(of, _)| *of == version)
                    .map(|(_, hours)| hours)
                    .sum();
                assert_eq!(
                    state.hours_under_version(v, date, version),
                    under,
                    "after {op:?}: {}'s hours under version {version} on {date}",
                    v.id
                );
                // The cap's check, with and without the hours of one of the day's entries
                // under the version taken away (a correction), against the recount.
                let one = held.iter().find(|(of, _)| *of == version).map(|(_, h)| *h);
                for leaving in [Decimal::ZERO, one.unwrap_or_default()] {
                    for (cap, adding) in [(4, 1), (4, 5), (8, 1), (8, 5), (10, 3)] {
                        let (cap, adding) = (Decimal::from(cap), Decimal::from(adding));
                        let covered = under - leaving;
                        assert_eq!(
                            state.over_daily_cap(v, (date, version, cap), leaving, adding),
                            (covered + adding > cap).then_some(covered),
                            "after {op:?}: {}'s cap of {cap} under version {version} on {date}, \
                             {leaving} hours leaving and {adding} coming",
                            v.id
                        );
                    }
                }
            }
        }
    }
}

fn pick<T: Copy>(items: &[T], i: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[i % items.len()])
}

fn run(w: &mut World, op: &Op) {
    let today = w.sim.now.local_date();
    let _ = match op {
        Op::Log {
            team,
            day_back,
            participants,
        } => {
            let team = w.teams[*team];
            let date = today
                .checked_sub_days(Days::new(*day_back))
                .unwrap_or(today);
            // Mostly the team's own members (valid), sometimes anyone (not a member).
            let members: Vec<VolunteerId> =
                w.sim.state.teams[&team].members.iter().copied().collect();
            let people: Vec<(VolunteerId, String)> = participants
                .iter()
                .map(|(v, h)| {
                    let who = if *v < 11 && !members.is_empty() {
                        members[*v % members.len()]
                    } else {
                        w.volunteers[*v % w.volunteers.len()]
                    };
                    (who, (Decimal::from(*h) / Decimal::from(100)).to_string())
                })
                .collect();
            let refs: Vec<(VolunteerId, &str)> =
                people.iter().map(|(v, h)| (*v, h.as_str())).collect();
            // A third of them lectures, which go on public notice: their points are pending.
            let category = if day_back % 3 == 0 {
                Category::Lecture
            } else {
                Category::EcoPatrol
            };
            w.sim
                .log_activity(team, category, date, &refs)
                .map(|a| w.activities.push(a))
        }
        Op::Reverse { activity } => match pick(&w.activities, *activity) {
            Some(activity_id) => w
                .sim
                .system(Command::ReverseActivity {
                    activity_id,
                    reason: "录错".into(),
                })
                .map(drop),
            None => Ok(()),
        },
        Op::Correct {
            activity,
            participant,
            hundredths,
        } => match pick(&w.activities, *activity) {
            Some(activity_id) => {
                let who = w.sim.state.activities.get(&activity_id).and_then(|a| {
                    pick(
                        &a.participants
                            .iter()
                            .filter_map(|p| w.sim.state.volunteer_id_of(p.number))
                            .collect::<Vec<_>>(),
                        *participant,
                    )
                });
                match who {
                    Some(volunteer_id) => w
                        .sim
                        .system(Command::CorrectParticipation {
                            activity_id,
                            volunteer_id,
                            hours: Decimal::from(*hundredths) / Decimal::from(100),
                            reason: "更正".into(),
                        })
                        .map(drop),
                    None => Ok(()),
                }
            }
            None => Ok(()),
        },
        Op::Hold {
            volunteer,
            reward,
            quantity,
        } => {
            let (v, r) = (
                w.volunteers[*volunteer % w.volunteers.len()],
                w.rewards[*reward],
            );
            w.sim
                .hold(Actor::SYSTEM, v, r, *quantity)
                .map(|id| w.redemptions.push(id))
        }
        Op::HoldAt {
            volunteer,
            reward,
            station,
        } => {
            let redemption_id = RedemptionId(w.sim.uuid());
            w.sim
                .system(Command::HoldRedemption {
                    redemption_id,
                    volunteer_id: w.volunteers[*volunteer % w.volunteers.len()],
                    reward_id: w.rewards[*reward],
                    quantity: 1,
                    station_id: Some(w.stations[*station]),
                    proof: None,
                    pickup_code_digest: None,
                })
                .map(|_| w.redemptions.push(redemption_id))
        }
        Op::Transfer {
            reward,
            from,
            to,
            quantity,
        } => w
            .sim
            .system(Command::TransferStock {
                reward_id: w.rewards[*reward],
                from_station: w.stations[*from],
                to_station: w.stations[*to],
                quantity: *quantity,
                note: String::new(),
            })
            .map(drop),
        Op::RestockAt {
            reward,
            station,
            quantity,
        } => w
            .sim
            .system(Command::RestockReward {
                reward_id: w.rewards[*reward],
                quantity: *quantity,
                station_id: Some(w.stations[*station]),
            })
            .map(drop),
        Op::WriteOff {
            reward,
            station,
            quantity,
        } => w
            .sim
            .system(Command::WriteOffStock {
                reward_id: w.rewards[*reward],
                quantity: *quantity,
                station_id: Some(w.stations[*station]),
                reason: "盘点少了".into(),
            })
            .map(drop),
        Op::Fulfil { redemption } => match pick(&w.redemptions, *redemption) {
            Some(redemption_id) => w
                .sim
                .system(Command::FulfilRedemption {
                    redemption_id,
                    pickup_code: None,
                    pickup_code_digest: None,
                    card_sha256: None,
                    voucher_code_digest: None,
                })
                .map(drop),
            None => Ok(()),
        },
        Op::Cancel { redemption } => match pick(&w.redemptions, *redemption) {
            Some(redemption_id) => w
                .sim
                .system(Command::CancelRedemption {
                    redemption_id,
                    reason: String::new(),
                })
                .map(drop),
            None => Ok(()),
        },
        Op::Expire { advance_days } => {
            w.sim.advance_days(*advance_days);
            let expired = w.sim.system(Command::ExpireHolds).map(drop);
            expired.and_then(|()| w.sim.system(Command::EndNotices).map(drop))
        }
        Op::Move { volunteer, team } => {
            let (volunteer_id, to_team_id) = (
                w.volunteers[*volunteer % w.volunteers.len()],
                w.teams[*team],
            );
            w.sim
                .system(Command::MoveVolunteer {
                    volunteer_id,
                    to_team_id,
                })
                .map(drop)
        }
        Op::Restock { reward, quantity } => w
            .sim
            .system(Command::RestockReward {
                reward_id: w.rewards[*reward],
                quantity: *quantity,
                station_id: None,
            })
            .map(drop),
        Op::Reprice { reward, cost } => w
            .sim
            .system(Command::RepriceReward {
                reward_id: w.rewards[*reward],
                cost_points: Decimal::from(*cost) / Decimal::from(2),
            })
            .map(drop),
        Op::Rules { rate_tenths } => w
            .sim
            .system(Command::ChangeRules {
                default_points_per_hour: Decimal::new(i64::from(*rate_tenths), 1),
                rates: vec![],
            })
            .map(drop),
        Op::Adopt {
            days_back,
            rate_tenths,
            weekend_tenths,
            cap_hours,
        } => w
            .sim
            .system(Command::AdoptEarningRules(NewRules {
                effective_from: today - Days::new(*days_back),
                default_points_per_hour: None,
                // Both kinds: a re-rating moves settled and pending points at once.
                rates: [(Category::EcoPatrol, 0), (Category::Lecture, 25)]
                    .into_iter()
                    .map(|(category, more)| CategoryRate {
                        category,
                        points_per_hour: Decimal::new(i64::from(*rate_tenths + more), 1),
                    })
                    .collect(),
                multipliers: vec![DayMultiplier {
                    label: "周末".into(),
                    days: DaySet::Weekends,
                    multiplier: Decimal::new(i64::from(*weekend_tenths), 1),
                }],
                max_hours_per_day: cap_hours.map(Decimal::from),
                note: String::new(),
            }))
            .map(drop),
        Op::Rerate { days_back, span } => {
            let from = today - Days::new(*days_back);
            w.sim
                .system(Command::RerateServices {
                    from,
                    to: from + Days::new(*span),
                    reason: "补算".into(),
                })
                .map(drop)
        }
        Op::Register { team } => {
            let team = w.teams[*team];
            let id = w.sim.volunteer("新人", team);
            w.volunteers.push(id);
            Ok(())
        }
        Op::Scale { steps, review } => w
            .sim
            .system(Command::AdoptStarScale {
                thresholds_hours: thresholds(steps),
                review: *review,
                note: String::new(),
            })
            .map(drop),
        Op::Confirm { volunteer } => {
            let v = w.volunteers[*volunteer % w.volunteers.len()];
            let level = w.sim.state.volunteers[&v]
                .star
                .pending
                .as_ref()
                .map_or(1, |p| p.level);
            w.sim
                .system(Command::ConfirmStar {
                    volunteer_id: v,
                    level,
                    note: "公示无异议".into(),
                })
                .map(drop)
        }
        Op::Backfill { days } => w
            .sim
            .system(Command::SetPolicy {
                change: PolicyChange::BackfillLimit { days: *days },
                note: String::new(),
            })
            .map(drop),
        Op::Approve { request } => match pick(&waiting(w), *request) {
            Some(activity_id) => w
                .sim
                .system(Command::ApproveBackfill {
                    activity_id,
                    note: String::new(),
                })
                .map(|_| w.activities.push(activity_id)),
            None => Ok(()),
        },
        Op::Decline { request } => match pick(&waiting(w), *request) {
            Some(activity_id) => w
                .sim
                .system(Command::DeclineBackfill {
                    activity_id,
                    reason: "无记录".into(),
                })
                .map(drop),
            None => Ok(()),
        },
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Without review and with one scale, the recorded stars are exactly the level the net
    /// hours reach on it, after every log, reversal and correction (a naive recount); and a
    /// scale adopted later never takes a star away.
    #[test]
    fn recorded_stars_follow_the_hours_and_a_new_scale_takes_none_away(
        steps in prop::collection::vec(1u32..30, 1..6),
        later in prop::collection::vec(1u32..60, 1..6),
        ops in prop::collection::vec(prop_oneof![
            6 => (0usize..4, 0u64..60, prop::collection::vec((0usize..12, 100u32..1200), 1..5))
                .prop_map(|(team, day_back, participants)| Op::Log { team, day_back, participants }),
            1 => (0usize..20).prop_map(|activity| Op::Reverse { activity }),
            2 => (0usize..20, 0usize..5, prop_oneof![3 => 0u32..1200, 1 => Just(0u32)])
                .prop_map(|(activity, participant, hundredths)| Op::Correct { activity, participant, hundredths }),
        ], 1..80),
    ) {
        let mut w = world();
        let scale = thresholds(&steps);
        w.sim.ok(Actor::SYSTEM, Command::AdoptStarScale { thresholds_hours: scale.clone(), review: false, note: String::new() });
        for op in &ops {
            run(&mut w, op);
            for v in w.sim.state.volunteers.values() {
                prop_assert_eq!(v.stars().0, stars::level_on(&scale, v.hours_net()), "after {:?}", op);
            }
        }
        let before: Vec<(VolunteerId, u8)> = w.sim.state.volunteers.values().map(|v| (v.id, v.stars().0)).collect();
        let _ = w.sim.system(Command::AdoptStarScale { thresholds_hours: thresholds(&later), review: false, note: String::new() });
        for (id, level) in before {
            prop_assert!(w.sim.state.volunteers[&id].stars().0 >= level);
        }
    }

    #[test]
    fn invariants_hold_after_every_step_and_every_way_of_folding_agrees(
        ops in prop::collection::vec(op(), 1..160),
        cut in 0usize..1000,
        window in (0u64..60, 0u64..60),
        batch in 1usize..9,
    ) {
        let mut w = world();
        // Half way, the rankings over two windows and of all time are asked for, which fills
        // the boards they are then read off (`leaders`); the rest of the steps move them.
        let mut asked = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            if step == ops.len() / 2 {
                let today = w.sim.now.local_date();
                let (a, b) = (today - Days::new(window.0), today - Days::new(window.1));
                asked = vec![
                    (None, None, RankBy::Points),
                    (Some(a.min(b)), Some(a.max(b)), RankBy::Hours),
                    (Some(a), None, RankBy::Points),
                ];
                for &(from, to, by) in &asked {
                    check_rankings(&w, from, to, by);
                }
            }
            run(&mut w, op);
            if let Err(violation) = w.sim.state.check_invariants() {
                panic!("after {op:?}: {violation}");
            }
            check_day_hours(&w, op);
        }
        for &(from, to, by) in &asked {
            check_rankings(&w, from, to, by);
        }
        // From scratch.
        let scratch = replay::fold_until(w.sim.fresh(), w.sim.log.clone(), None);
        prop_assert_eq!(&scratch, &w.sim.state);
        // The ranking index folded apart, as a start folds it: the fold queues the index's
        // changes, handed over after every few events to the index taken out, which is then
        // put back. The state is the one folded with the index in place.
        let mut apart = w.sim.fresh();
        let mut index = apart.defer_rankings().expect("a fresh state keeps an index");
        for events in w.sim.log.chunks(batch) {
            apart.apply_all(events);
            index.apply_ops(&apart.take_ranking_ops());
        }
        prop_assert!(apart.take_ranking_ops().is_empty());
        apart.restore_rankings(index);
        prop_assert_eq!(&apart, &w.sim.state);
        // Snapshot at a random point, through the real bytes, then the tail.
        let cut = cut % (w.sim.log.len() + 1);
        let prefix = replay::fold_until(w.sim.fresh(), w.sim.log[..cut].iter().cloned(), None);
        let bytes = replay::encode_snapshot(&prefix, None).expect("encode");
        let mut restored = replay::decode_snapshot(&bytes).expect("decode").state;
        // A snapshot holds the sealed fields only; the key store reveals them again.
        restored.attach_keys(w.sim.state.keys.0.clone());
        prop_assert_eq!(&restored, &prefix);
        let resumed = replay::fold_until(restored, w.sim.log[cut..].iter().cloned(), None);
        prop_assert_eq!(&resumed, &w.sim.state);
        // A snapshot's clone taken at the cut keeps what it saw while the copy it was cloned
        // from folds the tail: the tables and chunks they share are copied on write, never
        // changed under the clone (its bytes are those encoded before the tail was folded).
        let held = prefix.clone();
        let going_on = replay::fold_until(prefix.clone(), w.sim.log[cut..].iter().cloned(), None);
        prop_assert_eq!(&going_on, &w.sim.state);
        prop_assert!(replay::encode_snapshot(&held, None).expect("encode") == bytes);
        prop_assert!(replay::encode_snapshot(&prefix, None).expect("encode") == bytes);
        // As-of: folding up to a seq equals the prefix.
        let as_of = replay::fold_until(w.sim.fresh(), w.sim.log.clone(), Some(cut as u64));
        prop_assert_eq!(&as_of, &prefix);
        // Rankings against a naive recomputation, whole history and a window.
        let today = w.sim.now.local_date();
        let (a, b) = (today - Days::new(window.0), today - Days::new(window.1));
        check_rankings(&w, None, None, RankBy::Points);
        check_rankings(&w, None, None, RankBy::Hours);
        check_rankings(&w, Some(a.min(b)), Some(a.max(b)), RankBy::Hours);
        check_rankings(&w, Some(a), None, RankBy::Points);
    }

    /// A snapshot of only what changed since a whole one, read on that one, is the state it
    /// was taken from: the changes are gathered as the readers' copy adopts the writer's
    /// batches (as the service does), encoded through the real bytes, and checked against a
    /// fold of the same prefix from scratch and against the rest of the log folded after it.
    #[test]
    fn a_snapshot_of_the_changes_since_a_whole_one_is_the_state_it_was_taken_from(
        ops in prop::collection::vec(op(), 1..120),
        cuts in (0usize..1000, 0usize..1000),
        batch in 1usize..6,
        track_rows in any::<bool>(),
    ) {
        let mut w = world();
        for op in &ops {
            run(&mut w, op);
        }
        let n = w.sim.log.len();
        let (a, b) = ((cuts.0 % (n + 1)).min(cuts.1 % (n + 1)), (cuts.0 % (n + 1)).max(cuts.1 % (n + 1)));
        let mut shared = replay::fold_until(w.sim.fresh(), w.sim.log[..a].iter().cloned(), None);
        let whole = replay::encode_snapshot(&shared, None).expect("encode");
        let base_head = shared.head;
        shared.forget_changes();
        // The service marks the ranking rows changed after each whole snapshot; without
        // the marks the index is written whole.
        if track_rows {
            shared.rankings.track_rows();
        }
        let mut working = shared.clone();
        let mut since = replay::ChangedSince::default();
        for events in w.sim.log[a..b].chunks(batch) {
            working.apply_all(events);
            shared.apply_all(events);
            shared.adopt(&mut working, Some(&mut since));
        }
        let mut out = std::io::Cursor::new(Vec::new());
        replay::encode_changes_into(&mut out, shared.clone(), None, &base_head, &since).expect("encode");
        let bytes = out.into_inner();
        let read = |bytes: &[u8]| replay::decode_any_from(bytes, bytes.len() as u64).expect("decode");
        prop_assert!(replay::decode_snapshot(&bytes).is_err(), "changes read as a whole snapshot");
        prop_assert!(read(&bytes).on(None).is_err(), "changes read without their base");
        let changes = read(&bytes);
        prop_assert_eq!(changes.base_seq(), Some(a as u64));
        let base = replay::decode_snapshot(&whole).expect("decode");
        // The whole snapshot read for these changes, the values they replace dropped as read
        // (as a start reads it), gives the same state once they are put on it.
        let passed = replay::decode_base_from(&whole[..], whole.len() as u64, &changes)
            .expect("decode")
            .on(None)
            .expect("a whole snapshot");
        let mut restored = changes.on(Some(base)).expect("on its base").state;
        restored.attach_keys(w.sim.state.keys.0.clone());
        let prefix = replay::fold_until(w.sim.fresh(), w.sim.log[..b].iter().cloned(), None);
        prop_assert_eq!(&restored, &prefix);
        let mut passed = read(&bytes).on(Some(passed)).expect("on its base").state;
        passed.attach_keys(w.sim.state.keys.0.clone());
        prop_assert_eq!(&passed, &prefix);
        // And a whole snapshot read afterwards on the same thread is read in full.
        let at_a = replay::fold_until(w.sim.fresh(), w.sim.log[..a].iter().cloned(), None);
        let mut again = replay::decode_snapshot(&whole).expect("decode").state;
        again.attach_keys(w.sim.state.keys.0.clone());
        prop_assert_eq!(&again, &at_a);
        let resumed = replay::fold_until(restored, w.sim.log[b..].iter().cloned(), None);
        prop_assert_eq!(&resumed, &w.sim.state);
        if a > 0 {
            // Changes on a whole snapshot of another point are refused.
            let other = replay::fold_until(w.sim.fresh(), w.sim.log[..a - 1].iter().cloned(), None);
            let other = replay::decode_snapshot(&replay::encode_snapshot(&other, None).expect("encode")).expect("decode");
            prop_assert!(read(&bytes).on(Some(other)).is_err(), "changes read on another base");
        }
    }
}
