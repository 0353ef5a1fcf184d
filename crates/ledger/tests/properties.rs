//! Property tests: random batches round-trip through codec and store; arbitrary bytes never
//! make a decoder panic.

mod common;

use std::sync::Arc;

use proptest::prelude::*;
use rust_decimal::Decimal;
use yinling_ledger::log::{self, VerifyDepth};
use yinling_ledger::writer::{Outcome, Submission};
use yinling_ledger::*;

/// Any amount an event may hold (up to `MAX_EVENT_AMOUNT` in size, at any scale).
fn decimal() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..=1_000_000_000_000, 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s))
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn uuid() -> impl Strategy<Value = uuid::Uuid> {
    any::<u128>().prop_map(uuid::Uuid::from_u128)
}

fn category() -> impl Strategy<Value = Category> {
    prop::sample::select(Category::ALL.to_vec())
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (uuid(), text(), text(), category()).prop_map(|(id, name, district, category)| {
            Event::TeamRegistered(TeamRegistered {
                team_id: TeamId(id),
                name,
                district,
                category,
            })
        }),
        (
            uuid(),
            uuid(),
            uuid(),
            category(),
            decimal(),
            decimal(),
            0u32..1000,
            -100_000i32..100_000
        )
            .prop_map(|(a, v, t, category, hours, points, rules_version, day)| {
                Event::ServiceLogged(ServiceLogged {
                    activity_id: ActivityId(a),
                    volunteer_id: VolunteerId(v),
                    team_id: TeamId(t),
                    district: "安吉县".into(),
                    category,
                    date: chrono::NaiveDate::from_num_days_from_ce_opt(700_000 + day)
                        .unwrap_or_default(),
                    hours,
                    points,
                    points_per_hour: Decimal::TEN,
                    rules_version,
                })
            }),
        (
            uuid(),
            text(),
            decimal(),
            any::<u32>(),
            prop::option::of((text(), any::<u32>()))
        )
            .prop_map(|(id, name, cost, stock, voucher)| {
                Event::RewardListed(RewardListed {
                    reward_id: RewardId(id),
                    name,
                    kind: match voucher {
                        Some((bank, bp)) => RewardKind::RateVoucher {
                            bank,
                            basis_points: bp,
                        },
                        None => RewardKind::Product {
                            origin: "松阳县".into(),
                        },
                    },
                    cost_points: cost,
                    stock,
                })
            }),
        (uuid(), any::<[u8; 32]>(), text(), prop::option::of(uuid())).prop_map(
            |(id, secret, label, team)| {
                Event::TokenIssued(TokenIssued {
                    token_id: TokenId(id),
                    role: Role::Coordinator,
                    team_id: team.map(TeamId),
                    volunteer_id: None,
                    secret_sha256: secret,
                    label,
                })
            }
        ),
        (
            any::<u32>(),
            decimal(),
            prop::collection::vec((category(), decimal()), 0..7)
        )
            .prop_map(|(version, default, rates)| {
                Event::RulesChanged(RulesChanged {
                    version,
                    default_points_per_hour: default,
                    rates: rates
                        .into_iter()
                        .map(|(category, points_per_hour)| CategoryRate {
                            category,
                            points_per_hour,
                        })
                        .collect(),
                })
            }),
    ]
}

fn commit() -> impl Strategy<Value = Commit> {
    (0u8..4, prop::collection::vec(event(), 1..6)).prop_map(|(stream, events)| {
        Commit::any(
            StreamId::for_entity("s", uuid::Uuid::from_u128(stream.into())),
            events,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_batches_round_trip_through_codec_and_store(
        commands in prop::collection::vec(prop::collection::vec(commit(), 1..3), 1..12)
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = Arc::new(SledLog::open(dir.path(), OpenMode::CreateIfMissing).expect("open"));
        let (handle, thread) = common::pass_through_writer(&log);
        let mut expected = Vec::new();
        for commits in &commands {
            let outcome = handle.submit_blocking(Submission { command: commits.clone(), actor: Actor::SYSTEM, idempotency: None }).expect("submit");
            let Outcome::Committed { envelopes, .. } = outcome else { panic!("not committed") };
            let payloads: Vec<Event> = commits.iter().flat_map(|c| c.events.clone()).collect();
            prop_assert_eq!(envelopes.iter().map(|e| e.payload.clone()).collect::<Vec<_>>(), payloads);
            for e in &envelopes {
                let bytes = codec::encode_record(e).expect("encode");
                prop_assert_eq!(&codec::decode_record(&bytes).expect("decode"), e);
            }
            expected.extend(envelopes);
        }
        handle.shutdown_blocking();
        thread.join().expect("writer");
        drop(handle);
        drop(log);
        let log = SledLog::open(dir.path(), OpenMode::MustExist).expect("reopen");
        let stored = log::read(&log, 0, usize::MAX).expect("read");
        prop_assert_eq!(stored, expected);
        let report = log::verify(&log, VerifyDepth::Full, &mut |_| ()).expect("verify");
        prop_assert!(report.is_ok());
    }

    #[test]
    fn decoding_arbitrary_bytes_returns_an_error_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = codec::decode_record(&bytes);
        let _ = codec::decode_snapshot::<Vec<String>>(&bytes);
        if let Ok(mut reader) = codec::SegmentReader::new(&bytes) {
            while let Ok(Some(record)) = reader.next_record() {
                let _ = codec::decode_record(record);
            }
        }
    }

    #[test]
    fn a_valid_record_with_any_byte_changed_is_refused_or_fails_its_hash(index in 0usize..10_000, flip in 1u8..=255) {
        let envelope = common::fixed_envelope(common::one_of_each()[3].clone(), 1, Hash::GENESIS);
        let mut bytes = codec::encode_record(&envelope).expect("encode");
        let i = index % bytes.len();
        bytes[i] ^= flip;
        let mut check = chain::ChainCheck::after(Head::default());
        prop_assert!(check.check_full(&bytes).is_err());
    }
}
