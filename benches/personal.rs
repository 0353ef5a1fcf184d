//! What sealing personal data costs, side by side in one run: folding a city's log whose
//! registrations carry plain names (as before sealing) against the same city sealed (keys
//! in memory, and in a sled key store as `serve` has them), and a registration decided with
//! real encryption against the same decision with the encryption replaced by a copy.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::personal::{
    DataKey, KeyCheck, KeyError, Keyring, MemoryKeys, PersonalFields, Sealed, SharedKeyring,
};
use yinling_ledger::writer::Context;
use yinling_ledger::*;
use yinling_projections::{decide, Command, Policy, State};

const VOLUNTEERS: usize = 10_000;
/// About twenty events per volunteer, as in the demo city's year (1,060,281 events for
/// 50,000 volunteers).
const ACTIVITIES: usize = 13_500;

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Days::new(n % 300)
}

/// A city's log: 47 teams, `VOLUNTEERS` volunteers, `ACTIVITIES` activities of up to 15
/// people; registrations plain (`keys` None) or sealed with `keys`.
fn city(keys: Option<&dyn Keyring>) -> Vec<Envelope> {
    let mut chain = Chain::after(Head::default());
    let mut log = Vec::new();
    let mut push = |stream: StreamId, payload: Event| {
        let sealed = chain.seal(Draft::system(stream, payload)).expect("seal");
        log.push(sealed.envelope);
    };
    let teams: Vec<TeamId> = (0..47).map(|_| TeamId::generate()).collect();
    let mut members: Vec<Vec<VolunteerId>> = vec![Vec::new(); teams.len()];
    for (i, t) in teams.iter().enumerate() {
        push(
            t.stream(),
            Event::TeamRegistered(TeamRegistered {
                team_id: *t,
                name: format!("队{i}"),
                district: "吴兴区".into(),
                category: Category::ALL[i % 7],
            }),
        );
    }
    for i in 0..VOLUNTEERS {
        let v = VolunteerId::generate();
        let t = i % teams.len();
        members[t].push(v);
        let (name, birth_year) = (format!("志愿者{i}"), Some(1955));
        match keys {
            None => push(
                v.stream(),
                Event::VolunteerRegistered(VolunteerRegistered {
                    volunteer_id: v,
                    name,
                    team_id: teams[t],
                    district: "吴兴区".into(),
                    birth_year,
                }),
            ),
            Some(keys) => {
                push(
                    v.stream(),
                    Event::VolunteerRegistered(VolunteerRegistered {
                        volunteer_id: v,
                        name: String::new(),
                        team_id: teams[t],
                        district: "吴兴区".into(),
                        birth_year: None,
                    }),
                );
                let fields = PersonalFields {
                    name: Some(name),
                    birth_year,
                    ..PersonalFields::default()
                };
                push(
                    v.stream(),
                    Event::PersonalDataSealed(PersonalDataSealed {
                        volunteer_id: v,
                        sealed: keys.seal(&v, &fields).expect("seal"),
                    }),
                );
            }
        }
    }
    for a in 0..ACTIVITIES {
        let t = a % teams.len();
        let id = ActivityId::generate();
        let people: Vec<VolunteerId> = members[t]
            .iter()
            .skip(a % 7)
            .step_by(13)
            .take(15)
            .copied()
            .collect();
        for v in people {
            push(
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
    log
}

/// The same decisions without encryption: the fields are "sealed" as their plain bytes.
struct CopyKeys;

impl Keyring for CopyKeys {
    fn key(&self, _: &VolunteerId) -> Result<Option<DataKey>, KeyError> {
        Ok(None)
    }
    fn key_or_create(&self, _: &VolunteerId) -> Result<DataKey, KeyError> {
        Ok(DataKey::generate())
    }
    fn destroy(&self, _: &VolunteerId) -> Result<(), KeyError> {
        Ok(())
    }
    fn check_all(&self) -> Result<KeyCheck, KeyError> {
        Ok(Vec::new())
    }
    fn put_all(&self, _: &[(VolunteerId, DataKey)]) -> Result<(), KeyError> {
        Ok(())
    }
    fn seal(&self, _: &VolunteerId, fields: &PersonalFields) -> Result<Sealed, KeyError> {
        Ok(Sealed {
            nonce: [0; 12],
            ciphertext: serde_json::to_vec(fields).map_err(|e| KeyError::Storage(e.to_string()))?,
        })
    }
}

/// A replay as a restart does it: every stored record checked against the chain, decoded,
/// and folded.
fn replay(records: &[Vec<u8>], keys: &SharedKeyring) -> State {
    let mut s = State::new();
    s.attach_keys(keys.clone());
    let mut check = yinling_ledger::chain::ChainCheck::after(Head::default());
    for r in records {
        let e = check.check_full(r).expect("a sound chain");
        s.apply(&e);
    }
    s
}

fn fold(log: &[Envelope], keys: &SharedKeyring) -> State {
    let mut s = State::new();
    s.attach_keys(keys.clone());
    for e in log {
        s.apply(e);
    }
    s
}

fn benches(c: &mut Criterion) {
    let memory: SharedKeyring = Arc::new(MemoryKeys::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SledLog::open(dir.path(), OpenMode::CreateIfMissing).expect("store");
    let sled_keys: SharedKeyring = store.keyring().expect("keys");
    let plain = city(None);
    let sealed_memory = city(Some(memory.as_ref()));
    let sealed_sled = city(Some(sled_keys.as_ref()));
    let bytes = |log: &[Envelope]| -> usize {
        log.iter()
            .map(|e| codec::encode_record(e).map(|r| r.len()).unwrap_or(0))
            .sum()
    };
    eprintln!(
        "city logs: plain {} events, {} bytes; sealed {} events, {} bytes",
        plain.len(),
        bytes(&plain),
        sealed_sled.len(),
        bytes(&sealed_sled)
    );
    assert_eq!(
        fold(&sealed_sled, &sled_keys)
            .volunteers
            .values()
            .filter(|v| v.name.starts_with("志愿者"))
            .count(),
        VOLUNTEERS,
        "every name reads back"
    );

    let records = |log: &[Envelope]| -> Vec<Vec<u8>> {
        log.iter()
            .map(|e| codec::encode_record(e).expect("encode"))
            .collect()
    };
    let (plain_records, sealed_records) = (records(&plain), records(&sealed_sled));
    let mut g = c.benchmark_group("personal");
    g.sample_size(10);
    g.bench_function("replay_city_plain", |b| {
        b.iter(|| replay(black_box(&plain_records), &memory))
    });
    g.bench_function("replay_city_sealed_sled_keys", |b| {
        b.iter(|| replay(black_box(&sealed_records), &sled_keys))
    });
    let one = VolunteerId::generate();
    let blob = memory
        .seal(
            &one,
            &PersonalFields {
                name: Some("沈阿婆".into()),
                birth_year: Some(1948),
                ..PersonalFields::default()
            },
        )
        .expect("seal");
    g.bench_function("open_one_blob", |b| {
        b.iter(|| memory.open(black_box(&one), black_box(&blob)))
    });
    g.bench_function("fold_city_plain", |b| {
        b.iter(|| fold(black_box(&plain), &memory))
    });
    g.bench_function("fold_city_sealed_memory_keys", |b| {
        b.iter(|| fold(black_box(&sealed_memory), &memory))
    });
    g.bench_function("fold_city_sealed_sled_keys", |b| {
        b.iter(|| fold(black_box(&sealed_sled), &sled_keys))
    });

    // A volunteer's key asked for as their notice is addressed or a blob of theirs is folded,
    // in a store of 400,000 keys: every key held in memory (a store warmed for a load), and
    // after the load let go of them (cooled: the bounded cache holds about a third of these
    // volunteers, so most are read from the key tree). Volunteers taken in a stride that
    // visits each before any comes back.
    let many_dir = tempfile::tempdir().expect("tempdir");
    let many = SledLog::open(many_dir.path(), OpenMode::CreateIfMissing).expect("store");
    let ids: Vec<VolunteerId> = {
        let keys = many.keyring().expect("keys");
        (0..400_000)
            .map(|_| {
                let id = VolunteerId::generate();
                keys.key_or_create(&id).expect("key");
                id
            })
            .collect()
    };
    let (warmed, cooled) = (many.keyring().expect("keys"), many.keyring().expect("keys"));
    warmed.warm().expect("warm");
    cooled.warm().expect("warm");
    cooled.cool();
    for (name, keys) in [
        ("key_of_the_next_of_400000_held", &warmed),
        ("key_of_the_next_of_400000_cooled", &cooled),
    ] {
        let mut next = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 7_919) % ids.len();
                keys.key(black_box(&ids[next]))
            })
        });
    }

    // A registration decided against the whole city.
    let context = Context {
        now: Timestamp::now(),
        actor: Actor::SYSTEM,
    };
    let team_of = |log: &[Envelope]| match &log[0].payload {
        Event::TeamRegistered(t) => t.team_id,
        _ => unreachable!("the first event registers a team"),
    };
    let register = |team| Command::RegisterVolunteer {
        volunteer_id: VolunteerId::generate(),
        name: "沈阿婆".into(),
        team_id: team,
        birth_year: Some(1948),
        consent: None,
    };
    let copy: SharedKeyring = Arc::new(CopyKeys);
    let with_copy = fold(&plain, &copy);
    let with_sled = fold(&sealed_sled, &sled_keys);
    let (plain_team, sealed_team) = (team_of(&plain), team_of(&sealed_sled));
    for (state, team) in [(&with_copy, plain_team), (&with_sled, sealed_team)] {
        let out = decide(state, &Policy::default(), &register(team), &context);
        assert!(out.is_ok(), "{out:?}");
    }
    g.bench_function("register_without_encryption", |b| {
        b.iter(|| {
            decide(
                black_box(&with_copy),
                &Policy::default(),
                &register(plain_team),
                &context,
            )
        })
    });
    g.bench_function("register_sealed_sled_keys", |b| {
        b.iter(|| {
            decide(
                black_box(&with_sled),
                &Policy::default(),
                &register(sealed_team),
                &context,
            )
        })
    });
    g.finish();
}

criterion_group!(personal, benches);
criterion_main!(personal);
