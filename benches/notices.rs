//! What notices cost beside the ledger, side by side in one run: a busy day's service entries
//! in a 10,000-volunteer city (every volunteer with a mobile, every other one with a relative
//! too, all sealed) turned into addressed notices, and those notices stored in the outbox with
//! its flush, against folding the same events into the state (what the ledger itself does).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::outbox::Outbox;
use yinling_ledger::personal::{Keyring, MemoryKeys, NoticeContacts, Relative, SharedKeyring};
use yinling_ledger::*;
use yinling_projections::State;

const VOLUNTEERS: usize = 10_000;
const TEAMS: usize = 47;
/// A busy day: 1,000 activities of ten people each.
const DAY_ACTIVITIES: usize = 1_000;
const PEOPLE: usize = 10;

struct City {
    /// Teams, volunteers and their contacts.
    setup: Vec<Envelope>,
    /// The day's activities.
    day: Vec<Envelope>,
}

fn city(keys: &dyn Keyring) -> City {
    let mut chain = Chain::after(Head::default());
    let mut seal = |stream: StreamId, payload: Event| {
        chain
            .seal(Draft::system(stream, payload))
            .expect("seal")
            .envelope
    };
    let mut setup = Vec::new();
    let teams: Vec<TeamId> = (0..TEAMS).map(|_| TeamId::generate()).collect();
    let mut members: Vec<Vec<VolunteerId>> = vec![Vec::new(); TEAMS];
    for (i, t) in teams.iter().enumerate() {
        setup.push(seal(
            t.stream(),
            Event::TeamRegistered(TeamRegistered {
                team_id: *t,
                name: format!("队{i}"),
                district: "南浔区".into(),
                category: Category::Mediation,
            }),
        ));
    }
    for i in 0..VOLUNTEERS {
        let v = VolunteerId::generate();
        members[i % TEAMS].push(v);
        setup.push(seal(
            v.stream(),
            Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: v,
                name: format!("志愿者{i}"),
                team_id: teams[i % TEAMS],
                district: "南浔区".into(),
                birth_year: Some(1950),
            }),
        ));
        let contacts = NoticeContacts {
            phone: Some(format!("138{:08}", i)),
            relative: (i % 2 == 0).then(|| Relative {
                name: "沈丽".into(),
                relation: "女儿".into(),
                phone: format!("139{:08}", i),
            }),
        };
        setup.push(seal(
            v.stream(),
            Event::NoticeContactsSet(NoticeContactsSet {
                volunteer_id: v,
                sealed: keys.seal_contacts(&v, &contacts).expect("seal"),
            }),
        ));
    }
    let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    let mut day = Vec::new();
    for a in 0..DAY_ACTIVITIES {
        let t = a % TEAMS;
        let id = ActivityId::generate();
        let people: Vec<VolunteerId> = members[t]
            .iter()
            .skip(a % 11)
            .take(PEOPLE)
            .copied()
            .collect();
        day.push(seal(
            id.stream(),
            Event::ActivityLogged(ActivityLogged {
                activity_id: id,
                team_id: teams[t],
                district: "南浔区".into(),
                category: Category::Mediation,
                date,
                title: "社区邻里纠纷调解".into(),
                participants: people.len() as u32,
                hours_total: Decimal::from(2 * people.len()),
                points_total: Decimal::from(20 * people.len()),
                outcomes: Outcomes::default(),
            }),
        ));
        for v in people {
            day.push(seal(
                id.stream(),
                Event::ServiceLogged(ServiceLogged {
                    activity_id: id,
                    volunteer_id: v,
                    team_id: teams[t],
                    district: "南浔区".into(),
                    category: Category::Mediation,
                    date,
                    hours: Decimal::TWO,
                    points: Decimal::from(20),
                    points_per_hour: Decimal::TEN,
                    rules_version: 0,
                }),
            ));
        }
    }
    City { setup, day }
}

fn fold(events: &[Envelope], keys: &SharedKeyring) -> State {
    let mut s = State::new();
    s.attach_keys(keys.clone());
    for e in events {
        s.apply(e);
    }
    s
}

fn benches(c: &mut Criterion) {
    let keys: SharedKeyring = Arc::new(MemoryKeys::default());
    let city = city(keys.as_ref());
    let before = fold(&city.setup, &keys);
    let mut after = before.clone();
    for e in &city.day {
        after.apply(e);
    }
    let mint = yinling_app::mint::TokenMint::from_key([5; 32]);
    let entries =
        yinling_app::notices::entries_of(&after, &mint, &city.day, true).expect("addressed");
    eprintln!(
        "a day of {} events ({} activities of {} people): {} notices",
        city.day.len(),
        DAY_ACTIVITIES,
        PEOPLE,
        entries.len()
    );
    assert_eq!(
        entries.len(),
        DAY_ACTIVITIES * PEOPLE * 3 / 2,
        "every volunteer told, every other one's relative too"
    );

    let mut g = c.benchmark_group("notices");
    g.sample_size(10);
    g.bench_function("fold_the_day", |b| {
        b.iter(|| {
            let mut s = before.clone();
            for e in black_box(&city.day) {
                s.apply(e);
            }
            s
        })
    });
    g.bench_function("compose_and_address_the_day", |b| {
        b.iter(|| yinling_app::notices::entries_of(black_box(&after), &mint, &city.day, true))
    });
    // The runner stores the notices of each batch of events it reads, with one flush.
    let per_batch =
        (entries.len() * yinling_app::limits::NOTICE_BATCH_EVENTS / city.day.len()).max(1);
    g.bench_function("store_the_days_notices_in_the_outbox", |b| {
        b.iter_with_setup(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                let outbox = Outbox::open(dir.path()).expect("outbox");
                for chunk in entries.chunks(per_batch) {
                    outbox.enqueue(chunk, Some(1)).expect("enqueue");
                }
                dir
            },
        )
    });
    g.bench_function("clone_the_state_alone", |b| b.iter(|| before.clone()));
    g.finish();
}

criterion_group!(notices, benches);
criterion_main!(notices);
