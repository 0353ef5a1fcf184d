//! Personal data sealed per person: a blob opens only with its person's key and only as
//! theirs; a destroyed key reads as nothing; a damaged key record is named, never used.

mod common;

use yinling_ledger::personal::*;
use yinling_ledger::VolunteerId;

fn fields() -> PersonalFields {
    PersonalFields {
        name: Some("沈阿婆".into()),
        birth_year: Some(1948),
        phone_last_four: Some("3721".into()),
        note: None,
    }
}

/// Flips bits of one byte of `id`'s stored key record, as a failing disk would.
fn damage_key(db: &sled::Db, id: &VolunteerId, at: usize, bits: u8) {
    let tree = db.open_tree(KEY_TREE).expect("tree");
    let mut record = tree
        .get(id.0.as_bytes())
        .expect("get")
        .expect("record")
        .to_vec();
    record[at] ^= bits;
    tree.insert(id.0.as_bytes(), record).expect("insert");
}

#[test]
fn a_blob_opens_with_its_persons_key_and_as_theirs_only() {
    let keys = MemoryKeys::default();
    let (a, b) = (VolunteerId::generate(), VolunteerId::generate());
    let sealed = keys.seal(&a, &fields()).expect("seal");
    assert!(
        !sealed
            .ciphertext
            .windows("沈阿婆".len())
            .any(|w| w == "沈阿婆".as_bytes()),
        "no plain text in the blob"
    );
    assert_eq!(keys.open(&a, &sealed).expect("open"), Some(fields()));
    // Another person's key does not open it, nor does their id with the right key.
    keys.key_or_create(&b).expect("key");
    assert_eq!(keys.open(&b, &sealed), Err(KeyError::Unopenable(b)));
    let key_a = keys.key(&a).expect("key").expect("a key");
    assert!(open(&key_a, &b, &sealed).is_err(), "the id is bound in");
    // Two seals of the same fields differ (a fresh nonce each time).
    assert_ne!(keys.seal(&a, &fields()).expect("seal"), sealed);
    // Destroyed: nothing opens it any more.
    keys.destroy(&a).expect("destroy");
    assert_eq!(keys.open(&a, &sealed).expect("open"), None);
}

#[test]
fn the_sled_key_store_keeps_keys_durably_and_names_a_damaged_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = VolunteerId::generate();
    let sealed;
    {
        let db = sled::open(dir.path()).expect("sled");
        let keys = SledKeys::open(&db).expect("keys");
        sealed = keys.seal(&id, &fields()).expect("seal");
        db.flush().expect("flush");
    }
    let db = common::reopen_sled(dir.path());
    let keys = SledKeys::open(&db).expect("keys");
    assert_eq!(keys.open(&id, &sealed).expect("open"), Some(fields()));
    let all = keys.check_all().expect("check");
    assert_eq!(all.len(), 1);
    assert!(all[0].1.is_ok());
    // One flipped byte in the stored key: named, not used.
    damage_key(&db, &id, 3, 0x40);
    // As the next start reads it (a running store keeps the keys it has read).
    let keys = SledKeys::open(&db).expect("keys");
    match keys.open(&id, &sealed) {
        Err(KeyError::Damaged { volunteer_id, .. }) => assert_eq!(volunteer_id, id),
        other => panic!("expected the damage named, got {other:?}"),
    }
    let all = keys.check_all().expect("check");
    assert!(matches!(all[0].1, Err(KeyError::Damaged { .. })));
    assert!(all[0]
        .1
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default()
        .contains("restore the key store from a backup"));
}

/// A start warms the key store in one pass: every good key opens its blob afterwards, even
/// with the tree gone from under it, and a damaged record is still named, not used.
#[test]
fn a_warmed_key_store_opens_every_blob_and_still_names_a_damaged_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let ids: Vec<VolunteerId> = (0..50).map(|_| VolunteerId::generate()).collect();
    let sealed: Vec<Sealed> = {
        let keys = SledKeys::open(&db).expect("keys");
        ids.iter()
            .map(|id| keys.seal(id, &fields()).expect("seal"))
            .collect()
    };
    let tree = db.open_tree(KEY_TREE).expect("tree");
    let damaged = ids[7];
    damage_key(&db, &damaged, 0, 0x01);
    let keys = SledKeys::open(&db).expect("keys");
    keys.warm().expect("warm");
    // The good keys are in memory now: removed from the tree, they still open their blobs.
    for id in ids.iter().filter(|id| **id != damaged) {
        tree.remove(id.0.as_bytes()).expect("remove");
    }
    for (id, blob) in ids.iter().zip(&sealed) {
        let opened = keys.open(id, blob);
        if *id == damaged {
            assert!(
                matches!(opened, Err(KeyError::Damaged { .. })),
                "{opened:?}"
            );
        } else {
            assert_eq!(opened.expect("open"), Some(fields()));
        }
    }
}

/// Once a load has revealed everyone, the keys it read ahead are let go: the store then
/// reads a key from its tree when asked and holds no more than `KEYS_REMEMBERED`, whoever
/// is asked for, and every key still opens its person's blob. A store never warmed (the one
/// a node serves with) holds no more either.
#[test]
fn a_cooled_key_store_reads_keys_again_and_holds_a_bounded_number() {
    use yinling_ledger::limits::KEYS_REMEMBERED;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let everyone = KEYS_REMEMBERED + KEYS_REMEMBERED / 4;
    let made: Vec<(VolunteerId, DataKey)> = {
        let keys = SledKeys::open(&db).expect("keys");
        (0..everyone)
            .map(|_| {
                let id = VolunteerId::generate();
                (id, keys.key_or_create(&id).expect("key"))
            })
            .collect()
    };
    let keys = SledKeys::open(&db).expect("keys");
    keys.warm().expect("warm");
    assert_eq!(keys.held(), everyone, "a warmed store holds every key");
    keys.cool();
    assert_eq!(
        keys.held(),
        0,
        "a cooled store has let go of what it read ahead"
    );
    // A key asked for now is read from the tree: one removed from under the store is gone.
    let (gone, _) = &made[0];
    db.open_tree(KEY_TREE)
        .expect("tree")
        .remove(gone.0.as_bytes())
        .expect("remove");
    assert_eq!(keys.key(gone).expect("key"), None);
    for (n, (id, key)) in made.iter().enumerate().skip(1) {
        assert_eq!(keys.key(id).expect("key").as_ref(), Some(key));
        if n % 1_000 == 0 || n == everyone - 1 {
            assert!(keys.held() <= KEYS_REMEMBERED, "{} keys held", keys.held());
        }
    }
    assert!(keys.held() > 0, "the keys asked for lately are held");
    let fresh = SledKeys::open(&db).expect("keys");
    for (id, key) in &made[1..] {
        assert_eq!(fresh.key(id).expect("key").as_ref(), Some(key));
    }
    assert!(
        fresh.held() <= KEYS_REMEMBERED,
        "{} keys held",
        fresh.held()
    );
    // Blobs sealed and opened after the cooling, by someone new and someone known.
    let (known, _) = &made[everyone - 1];
    for id in [VolunteerId::generate(), *known] {
        let sealed = keys.seal(&id, &fields()).expect("seal");
        assert_eq!(keys.open(&id, &sealed).expect("open"), Some(fields()));
    }
}
