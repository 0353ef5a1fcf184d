//! No event holds an amount so large that folding it could overflow: such an event is refused
//! when written and does not decode when read, whoever wrote it.

mod common;

use std::sync::Arc;

use rust_decimal::Decimal;
use yinling_ledger::codec::CodecError;
use yinling_ledger::limits::MAX_EVENT_AMOUNT;
use yinling_ledger::log;
use yinling_ledger::writer::{Outcome, Submission};
use yinling_ledger::*;

fn service_of(points: Decimal) -> Event {
    let Event::ServiceLogged(mut logged) = common::one_of_each()
        .into_iter()
        .find(|e| matches!(e, Event::ServiceLogged(_)))
        .expect("the catalogue has a service event")
    else {
        unreachable!()
    };
    logged.points = points;
    Event::ServiceLogged(logged)
}

/// bincode's varint of a signed 128-bit mantissa: zigzag, then a tag for the width.
fn varint(mantissa: i128) -> Vec<u8> {
    let zigzag = ((mantissa << 1) ^ (mantissa >> 127)) as u128;
    if let Ok(small) = u64::try_from(zigzag) {
        assert!(small >= 1 << 32, "the test's figures are wide");
        let mut out = vec![253];
        out.extend_from_slice(&small.to_le_bytes());
        out
    } else {
        let mut out = vec![254];
        out.extend_from_slice(&zigzag.to_le_bytes());
        out
    }
}

#[test]
fn the_largest_amount_an_event_may_hold_round_trips() {
    for points in [MAX_EVENT_AMOUNT, -MAX_EVENT_AMOUNT, Decimal::new(1, 28)] {
        let envelope = common::fixed_envelope(service_of(points), 1, Hash::GENESIS);
        let record = codec::encode_record(&envelope).expect("encode");
        assert_eq!(codec::decode_record(&record).expect("decode"), envelope);
    }
}

#[test]
fn an_amount_larger_is_never_written() {
    let past = MAX_EVENT_AMOUNT + Decimal::new(1, 4);
    let mut envelope = common::fixed_envelope(service_of(Decimal::ONE), 1, Hash::GENESIS);
    for points in [past, -past, Decimal::MAX, Decimal::MIN] {
        envelope.payload = service_of(points);
        let refused = codec::encode_record(&envelope).expect_err("refused");
        assert!(
            refused
                .to_string()
                .contains("larger than any event may hold"),
            "{refused}"
        );
    }
    // Through the log's writer: the command fails and the log stays empty.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = Arc::new(SledLog::open(dir.path(), OpenMode::CreateIfMissing).expect("open"));
    let (handle, thread) = common::pass_through_writer(&log);
    let commit = Commit::any(
        StreamId::for_entity("volunteer", uuid::Uuid::from_u128(10)),
        vec![service_of(Decimal::MAX)],
    );
    let outcome = handle.submit_blocking(Submission {
        command: vec![commit],
        actor: Actor::SYSTEM,
        idempotency: None,
    });
    assert!(
        matches!(&outcome, Ok(Outcome::Unencodable(why)) if why.contains("larger than any event may hold")),
        "refused for good, not as a disk's passing trouble: {outcome:?}"
    );
    handle.shutdown_blocking();
    thread.join().expect("writer");
    assert!(log::read(log.as_ref(), 0, usize::MAX)
        .expect("read")
        .is_empty());
}

#[test]
fn an_event_written_elsewhere_with_decimal_max_points_does_not_decode() {
    // A record as this service writes it, its points then swapped in the bytes for
    // Decimal::MAX's mantissa (as a message put on a cluster's subject by hand could carry).
    let honest = Decimal::new(777_777_777_777, 0);
    let envelope = common::fixed_envelope(service_of(honest), 1, Hash::GENESIS);
    let record = codec::encode_record(&envelope).expect("encode");
    let written = varint(honest.mantissa());
    let at = record
        .windows(written.len())
        .position(|w| w == written.as_slice())
        .expect("the points' mantissa in the record");
    for forged in [Decimal::MAX, Decimal::MIN] {
        let mut bytes = record[..at].to_vec();
        bytes.extend(varint(forged.mantissa()));
        bytes.extend_from_slice(&record[at + written.len()..]);
        let refused = codec::decode_record(&bytes).expect_err("refused");
        assert!(
            matches!(refused, CodecError::Malformed(ref why) if why.contains("larger than any event may hold")),
            "{refused}"
        );
    }
    // The splice itself is sound: the honest figure put back decodes as the original.
    let mut back = record[..at].to_vec();
    back.extend(varint(honest.mantissa()));
    back.extend_from_slice(&record[at + written.len()..]);
    assert_eq!(codec::decode_record(&back).expect("decode"), envelope);
}
