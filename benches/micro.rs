//! Micro-benchmarks of the hot paths: the codec, `apply`, `decide` and a city-wide ranking.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::str::FromStr;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::writer::Context;
use yinling_ledger::*;
use yinling_projections::rankings::RankingQuery;
use yinling_projections::{decide, Command, ParticipantHours, Policy, State};

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Days::new(n % 300)
}

/// A city of `volunteers` volunteers in 47 teams with `activities` activities, as sealed events.
fn city(
    volunteers: usize,
    activities: usize,
) -> (State, Vec<Envelope>, Vec<TeamId>, Vec<Vec<VolunteerId>>) {
    let mut chain = Chain::after(Head::default());
    let mut state = State::new();
    let mut log = Vec::new();
    let mut push = |state: &mut State, stream: StreamId, payload: Event| {
        let sealed = chain.seal(Draft::system(stream, payload)).expect("seal");
        state.apply(&sealed.envelope);
        log.push(sealed.envelope);
    };
    let teams: Vec<TeamId> = (0..47).map(|_| TeamId::generate()).collect();
    let mut members: Vec<Vec<VolunteerId>> = vec![Vec::new(); teams.len()];
    for (i, t) in teams.iter().enumerate() {
        push(
            &mut state,
            t.stream(),
            Event::TeamRegistered(TeamRegistered {
                team_id: *t,
                name: format!("队{i}"),
                district: ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"][i % 5].into(),
                category: Category::ALL[i % 7],
            }),
        );
    }
    for i in 0..volunteers {
        let v = VolunteerId::generate();
        let t = i % teams.len();
        members[t].push(v);
        push(
            &mut state,
            v.stream(),
            Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: v,
                name: format!("志愿者{i}"),
                team_id: teams[t],
                district: "吴兴区".into(),
                birth_year: Some(1955),
            }),
        );
    }
    for a in 0..activities {
        let t = a % teams.len();
        let id = ActivityId::generate();
        let people: Vec<VolunteerId> = members[t]
            .iter()
            .skip(a % 7)
            .step_by(13)
            .take(15)
            .copied()
            .collect();
        push(
            &mut state,
            id.stream(),
            Event::ActivityLogged(ActivityLogged {
                activity_id: id,
                team_id: teams[t],
                district: "吴兴区".into(),
                category: Category::EcoPatrol,
                date: day(a as u64),
                title: "巡河".into(),
                participants: people.len() as u32,
                hours_total: Decimal::from(2 * people.len()),
                points_total: Decimal::from(20 * people.len()),
                outcomes: Outcomes::default(),
            }),
        );
        for v in people {
            push(
                &mut state,
                id.stream(),
                Event::ServiceLogged(ServiceLogged {
                    activity_id: id,
                    volunteer_id: v,
                    team_id: teams[t],
                    district: "吴兴区".into(),
                    category: Category::EcoPatrol,
                    date: day(a as u64),
                    hours: Decimal::TWO,
                    points: Decimal::from(20),
                    points_per_hour: Decimal::TEN,
                    rules_version: 0,
                }),
            );
        }
    }
    (state, log, teams, members)
}

/// One volunteer who has served once a day on each of the `days` days before today (and
/// once today already, when `today_too`), under an earning rule with a daily cap (as a real
/// city's and the demo's are), and the command that logs more service of theirs today: what
/// deciding one log costs as their statement grows, a year of weekly service (45 lines)
/// against ten (450).
fn served(days: u64, today_too: bool) -> (State, Command) {
    let mut chain = Chain::after(Head::default());
    let mut state = State::new();
    let mut push = |state: &mut State, stream: StreamId, payload: Event| {
        let sealed = chain.seal(Draft::system(stream, payload)).expect("seal");
        state.apply(&sealed.envelope);
    };
    let today = Timestamp::now().local_date();
    let team = TeamId::generate();
    push(
        &mut state,
        team.stream(),
        Event::TeamRegistered(TeamRegistered {
            team_id: team,
            name: "荻溪六老志愿服务队".into(),
            district: "吴兴区".into(),
            category: Category::EcoPatrol,
        }),
    );
    let volunteer = VolunteerId::generate();
    push(
        &mut state,
        volunteer.stream(),
        Event::VolunteerRegistered(VolunteerRegistered {
            volunteer_id: volunteer,
            name: "志愿者".into(),
            team_id: team,
            district: "吴兴区".into(),
            birth_year: Some(1955),
        }),
    );
    push(
        &mut state,
        StreamId::rules(),
        Event::EarningRulesAdopted(EarningRulesAdopted {
            version: 1,
            effective_from: today - chrono::Days::new(days + 1),
            default_points_per_hour: Some(Decimal::TEN),
            rates: Vec::new(),
            multipliers: Vec::new(),
            max_hours_per_day: Some(Decimal::from(8)),
            note: String::new(),
        }),
    );
    let last = if today_too { 0 } else { 1 };
    for back in (last..=days).rev() {
        let id = ActivityId::generate();
        let date = today - chrono::Days::new(back);
        push(
            &mut state,
            id.stream(),
            Event::ActivityLogged(ActivityLogged {
                activity_id: id,
                team_id: team,
                district: "吴兴区".into(),
                category: Category::EcoPatrol,
                date,
                title: "巡河".into(),
                participants: 1,
                hours_total: Decimal::TWO,
                points_total: Decimal::from(20),
                outcomes: Outcomes::default(),
            }),
        );
        push(
            &mut state,
            id.stream(),
            Event::ServiceLogged(ServiceLogged {
                activity_id: id,
                volunteer_id: volunteer,
                team_id: team,
                district: "吴兴区".into(),
                category: Category::EcoPatrol,
                date,
                hours: Decimal::TWO,
                points: Decimal::from(20),
                points_per_hour: Decimal::TEN,
                rules_version: 1,
            }),
        );
    }
    let command = Command::LogActivity(yinling_projections::NewActivity {
        activity_id: ActivityId::generate(),
        team_id: team,
        category: Category::EcoPatrol,
        date: today,
        title: "巡河护水".into(),
        participants: vec![ParticipantHours {
            volunteer_id: volunteer,
            hours: Decimal::TWO,
        }],
        outcomes: Outcomes::default(),
        project_id: None,
        co_organisers: Vec::new(),
        group_id: None,
    });
    (state, command)
}

/// Times deciding `command` on `state`, under the default policy.
fn time_decide(b: &mut criterion::Bencher, state: &State, command: &Command, context: &Context) {
    b.iter(|| {
        decide(
            black_box(state),
            &Policy::default(),
            black_box(command),
            context,
        )
    })
}

fn benches(c: &mut Criterion) {
    let (state, log, teams, members) = city(10_000, 3_600);
    let service = log
        .iter()
        .rev()
        .find(|e| matches!(e.payload, Event::ServiceLogged(_)))
        .cloned()
        .expect("a service event");
    let record = codec::encode_record(&service).expect("encode");

    c.bench_function("codec/encode_service_logged", |b| {
        b.iter(|| codec::encode_record(black_box(&service)))
    });
    c.bench_function("codec/decode_service_logged", |b| {
        b.iter(|| codec::decode_record(black_box(&record)))
    });
    c.bench_function("chain/check_hash", |b| {
        b.iter(|| {
            Hash::link(
                black_box(&service.prev_hash),
                black_box(&record[..record.len() - 32]),
            )
        })
    });

    // apply: fold the same 1,000 events onto a fresh copy of the city each iteration batch.
    let tail: Vec<Envelope> = log.iter().skip(log.len() - 1000).cloned().collect();
    let (before, _, _, _) = {
        let mut s = State::new();
        for e in &log[..log.len() - 1000] {
            s.apply(e);
        }
        (s, (), (), ())
    };
    c.bench_function("projections/apply_1000_events", |b| {
        b.iter_batched(
            || before.clone(),
            |mut s| {
                for e in &tail {
                    s.apply(e);
                }
                s
            },
            criterion::BatchSize::LargeInput,
        )
    });

    let context = Context {
        now: Timestamp::now(),
        actor: Actor::SYSTEM,
    };
    let command = Command::LogActivity(yinling_projections::NewActivity {
        activity_id: ActivityId::generate(),
        team_id: teams[0],
        category: Category::EcoPatrol,
        date: Timestamp::now().local_date(),
        title: "巡河护水".into(),
        participants: members[0]
            .iter()
            .take(15)
            .map(|v| ParticipantHours {
                volunteer_id: *v,
                hours: Decimal::from_str("2.5").expect("decimal"),
            })
            .collect(),
        outcomes: Outcomes::default(),
        project_id: None,
        co_organisers: Vec::new(),
        group_id: None,
    });
    c.bench_function("projections/decide_log_activity_15_participants", |b| {
        time_decide(b, &state, &command, &context)
    });
    for (days, today_too) in [(45, false), (450, false), (45, true), (450, true)] {
        let (state, command) = served(days, today_too);
        // The bench measures a log that goes through, not a refusal.
        assert!(
            decide(&state, &Policy::default(), &command, &context).is_ok(),
            "the log of today is decided"
        );
        c.bench_function(
            &format!(
                "projections/decide_log_one_participant_{days}_days_before{}",
                if today_too { "_and_today" } else { "" }
            ),
            |b| time_decide(b, &state, &command, &context),
        );
    }
    // A service dated four weeks back added to a volunteer's hours per date after a year
    // (or ten) of weekly service: the dates after it are written again.
    for weeks in [52, 520] {
        let mut hours = yinling_projections::day_hours::DayHours::default();
        for week in 0..weeks {
            hours.add(739_000 + week * 7, Decimal::TWO);
        }
        let back = 739_000 + (weeks - 4) * 7 + 1;
        c.bench_function(
            &format!("projections/day_hours_add_4_weeks_back_of_{weeks}_weeks"),
            |b| {
                b.iter_batched(
                    || hours.clone(),
                    |mut h| {
                        h.add(black_box(back), Decimal::ONE);
                        h
                    },
                    criterion::BatchSize::SmallInput,
                )
            },
        );
    }
    let query = RankingQuery {
        limit: 20,
        ..RankingQuery::default()
    };
    c.bench_function("rankings/volunteers_whole_city_10000", |b| {
        b.iter(|| state.rank_volunteers(black_box(&query)))
    });
    c.bench_function("rankings/teams_47", |b| {
        b.iter(|| state.rank_teams(black_box(&query)))
    });
}

criterion_group!(micro, benches);
criterion_main!(micro);
