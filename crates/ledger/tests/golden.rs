//! Golden fixtures: the stored bytes of every event type at every schema version must decode
//! forever to the same value. Run with `YINLING_BLESS=1` once to write a new fixture; never
//! rewrite an existing one.

mod common;

use std::path::PathBuf;

use yinling_ledger::codec;
use yinling_ledger::{Event, Hash};

fn fixture_path(version: u16, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("v{version}"))
        .join(format!("{name}.bin"))
}

#[test]
fn every_event_type_has_a_v1_fixture_that_decodes_to_the_expected_value() {
    let bless = std::env::var_os("YINLING_BLESS").is_some();
    let events = common::one_of_each();
    assert_eq!(
        events.len(),
        Event::TYPE_NAMES.len(),
        "one sample per event type"
    );
    for (i, event) in events.into_iter().enumerate() {
        let name = event.type_name();
        assert_eq!(name, Event::TYPE_NAMES[i], "samples are in catalogue order");
        let expected = common::fixed_envelope(event, i as u64 + 1, Hash::GENESIS);
        let path = fixture_path(1, name);
        if !path.exists() {
            assert!(
                bless,
                "missing fixture {}; run the tests once with YINLING_BLESS=1 to write it",
                path.display()
            );
            std::fs::write(&path, codec::encode_record(&expected).expect("encodes"))
                .expect("write fixture");
        }
        let stored = std::fs::read(&path).expect("read fixture");
        let decoded = codec::decode_record(&stored)
            .unwrap_or_else(|e| panic!("fixture {name} no longer decodes: {e}"));
        assert_eq!(
            decoded, expected,
            "fixture {name} decodes to a different value"
        );
        assert_eq!(
            codec::encode_record(&expected).expect("encodes"),
            stored,
            "the v1 encoding of {name} changed; old hashes would no longer verify"
        );
    }
}

#[test]
fn every_later_variant_inside_an_event_has_a_v1_fixture_too() {
    let bless = std::env::var_os("YINLING_BLESS").is_some();
    for (i, (name, event)) in common::variants().into_iter().enumerate() {
        let expected = common::fixed_envelope(event, 1000 + i as u64, Hash::GENESIS);
        let path = fixture_path(1, name);
        if !path.exists() {
            assert!(bless, "missing fixture {}; bless it once", path.display());
            std::fs::write(&path, codec::encode_record(&expected).expect("encodes"))
                .expect("write fixture");
        }
        let stored = std::fs::read(&path).expect("read fixture");
        let decoded = codec::decode_record(&stored)
            .unwrap_or_else(|e| panic!("fixture {name} no longer decodes: {e}"));
        assert_eq!(
            decoded, expected,
            "fixture {name} decodes to a different value"
        );
    }
}

#[test]
fn an_unknown_format_byte_is_refused_not_guessed() {
    let stored = std::fs::read(fixture_path(1, "TeamRegistered")).expect("fixture");
    let mut changed = stored.clone();
    changed[0] = 99;
    assert_eq!(
        codec::decode_record(&changed),
        Err(codec::CodecError::UnknownFormat(99))
    );
}

#[test]
fn a_schema_this_build_does_not_read_is_named_not_decoded() {
    let stored = std::fs::read(fixture_path(1, "TeamRegistered")).expect("fixture");
    let mut envelope = codec::decode_record(&stored).expect("decodes");
    envelope.schema_version = 7;
    let record = codec::encode_record(&envelope).expect("encodes");
    assert_eq!(
        codec::decode_record(&record),
        Err(codec::CodecError::UnknownSchema(7))
    );
}

#[test]
fn bytes_after_the_previous_hash_are_refused() {
    let stored = std::fs::read(fixture_path(1, "TeamRegistered")).expect("fixture");
    let (canonical, hash) = codec::split_record(&stored).expect("splits");
    let mut padded = canonical.to_vec();
    padded.push(0);
    padded.extend_from_slice(&hash.0);
    assert!(matches!(
        codec::decode_record(&padded),
        Err(codec::CodecError::Malformed(_))
    ));
}

#[test]
fn events_serialize_to_json_with_decimals_as_strings() {
    let events = common::one_of_each();
    let json = serde_json::to_value(&events[3]).expect("json");
    assert_eq!(json["ServiceLogged"]["hours"], "2.5");
    assert_eq!(json["ServiceLogged"]["points"], "25.0");
    assert_eq!(json["ServiceLogged"]["date"], "2026-03-14");
    let token = serde_json::to_value(&events[14]).expect("json");
    assert_eq!(token["TokenIssued"]["secret_sha256"], "07".repeat(32));
}
