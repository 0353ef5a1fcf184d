//! The outbox's own tests: notices stored once, due, settled, listed, pruned and counted, and
//! an outbox of the first layout carried over.

use super::*;

fn entry(key: &str, v: u128, at: i64) -> OutboxEntry {
    OutboxEntry {
        key: key.into(),
        volunteer_id: VolunteerId(uuid::Uuid::from_u128(v)),
        recipient: Recipient::Volunteer,
        kind: "points_credited".into(),
        text_zh: "积分已到账".into(),
        text_en: "Points credited".into(),
        seq: 7,
        created_at: Timestamp(at),
        attempts: 0,
        next_at: Timestamp(at),
        status: DeliveryStatus::Pending,
        last_error: None,
    }
}

/// A page of the latest notices gets the newest, not the month's oldest.
#[test]
fn a_volunteers_latest_notices_are_the_newest_listed_oldest_first() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Outbox::open(dir.path()).expect("open");
    let all: Vec<_> = (1..=6)
        .map(|i| entry(&format!("{i}:points_credited:v"), 1, i * 100))
        .collect();
    o.enqueue(&all, Some(6)).expect("enqueue");
    let latest = o
        .of_volunteer(
            VolunteerId(uuid::Uuid::from_u128(1)),
            (Timestamp(0), Timestamp(10_000)),
            3,
        )
        .expect("listed");
    let at: Vec<i64> = latest.iter().map(|e| e.created_at.0).collect();
    assert_eq!(at, vec![400, 500, 600]);
}

#[test]
fn a_key_is_stored_once_and_the_cursor_survives_a_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let o = Outbox::open(dir.path()).expect("open");
        assert_eq!(o.cursor().expect("cursor"), None);
        let a = entry("7:points_credited:v", 1, 100);
        assert_eq!(
            o.enqueue(&[a.clone(), a.clone()], Some(7))
                .expect("enqueue"),
            1
        );
        assert_eq!(o.enqueue(&[a], Some(8)).expect("enqueue"), 0);
    }
    let o = Outbox::open(dir.path()).expect("reopen");
    assert_eq!(o.cursor().expect("cursor"), Some(8));
    assert_eq!(o.due(Timestamp(100), 10).expect("due").len(), 1);
    assert!(o.due(Timestamp(99), 10).expect("due").is_empty());
}

/// A crash between the notices and their places among the pending (or a store that
/// holds a notice without its place for any reason): reading the same events again puts
/// the place back, so the notice is delivered and listed once.
#[test]
fn a_notice_stored_without_its_due_key_gets_it_when_its_event_is_read_again() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Outbox::open(dir.path()).expect("open");
    let a = entry("3:points_credited:v", 3, 100);
    o.notices
        .insert(
            notice_key(&a.volunteer_id, &a.key),
            Outbox::encode(&a).expect("encode"),
        )
        .expect("insert");
    assert!(o.due(Timestamp(100), 10).expect("due").is_empty());
    assert_eq!(
        o.enqueue(std::slice::from_ref(&a), Some(3))
            .expect("enqueue"),
        0
    );
    assert_eq!(o.due(Timestamp(100), 10).expect("due"), vec![a.clone()]);
    let mine = o
        .of_volunteer(a.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
        .expect("mine");
    assert_eq!(mine, vec![a.clone()]);
    // Delivered since: read again, it is not due again.
    let mut done = a.clone();
    done.status = DeliveryStatus::Delivered { at: Timestamp(200) };
    o.settle(&a, &done).expect("settle");
    assert_eq!(o.enqueue(&[a], Some(3)).expect("enqueue"), 0);
    assert!(o.due(Timestamp(1000), 10).expect("due").is_empty());
}

#[test]
fn a_settled_entry_leaves_the_due_index_and_is_found_by_volunteer() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Outbox::open(dir.path()).expect("open");
    let a = entry("1:a:v", 1, 100);
    let b = entry("2:a:v", 2, 200);
    o.enqueue(&[a.clone(), b.clone()], Some(2))
        .expect("enqueue");
    let mut retry = a.clone();
    retry.attempts = 1;
    retry.next_at = Timestamp(500);
    o.settle(&a, &retry).expect("settle");
    assert_eq!(o.due(Timestamp(300), 10).expect("due"), vec![b.clone()]);
    let mut done = b.clone();
    done.status = DeliveryStatus::Delivered { at: Timestamp(300) };
    o.settle(&b, &done).expect("settle");
    assert_eq!(o.due(Timestamp(1000), 10).expect("due"), vec![retry]);
    let mine = o
        .of_volunteer(b.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
        .expect("mine");
    assert_eq!(mine, vec![done]);
    let (_, counts) = o.list(None, 10).expect("list");
    assert_eq!((counts.pending, counts.delivered), (1, 1));
}

/// Settled notices older than the bound go; one still waiting stays, and so do the
/// newer.
#[test]
fn old_settled_notices_are_pruned_and_waiting_ones_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Outbox::open(dir.path()).expect("open");
    let mut delivered = entry("1:a:v", 1, 100);
    delivered.status = DeliveryStatus::Delivered { at: Timestamp(150) };
    let mut paper = entry("2:a:v", 1, 120);
    paper.status = DeliveryStatus::Paper;
    let waiting = entry("3:a:v", 1, 130);
    let mut newer = entry("4:a:v", 1, 300);
    newer.status = DeliveryStatus::Paper;
    o.enqueue(&[delivered, paper, waiting.clone(), newer.clone()], Some(4))
        .expect("enqueue");
    assert_eq!(o.prune_before(Timestamp(200)).expect("prune"), 2);
    let (left, _) = o.list(None, 10).expect("list");
    assert_eq!(left, vec![waiting.clone(), newer.clone()]);
    let mine = o
        .of_volunteer(waiting.volunteer_id, (Timestamp(0), Timestamp(1000)), 10)
        .expect("mine");
    assert!(o.contains(&newer.volunteer_id, "4:a:v").expect("contains"));
    assert!(!o.contains(&newer.volunteer_id, "1:a:v").expect("contains"));
    assert_eq!(mine, vec![waiting, newer], "nothing pruned is listed");
}

/// The time of the last pruning is kept with the outbox: a restart finds it.
#[test]
fn the_time_of_the_last_pruning_survives_a_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let started = Timestamp::now();
    {
        let o = Outbox::open(dir.path()).expect("open");
        assert_eq!(o.pruned_at().expect("read"), None, "never pruned");
        o.prune_before(Timestamp(0)).expect("prune");
    }
    let o = Outbox::open(dir.path()).expect("reopen");
    let at = o.pruned_at().expect("read").expect("pruned");
    assert!(started <= at && at <= Timestamp::now(), "{at:?}");
}

/// An outbox of the first layout (notices by key; pending ones by time and key; a
/// volunteer's by id, time and key) is carried over when opened: every notice found by
/// its volunteer and key, a pending one still due, the first layout's trees gone; a
/// second open finds nothing to carry.
#[test]
fn an_outbox_of_the_first_layout_is_carried_over_when_opened() {
    let dir = tempfile::tempdir().expect("dir");
    let waiting = entry("1:a:v", 1, 100);
    let mut paper = entry("2:a:v", 1, 200);
    paper.status = DeliveryStatus::Paper;
    let mut other = entry("3:a:v", 2, 300);
    other.status = DeliveryStatus::Delivered { at: Timestamp(310) };
    first_layout(dir.path(), &[&waiting, &paper, &other]);
    for _ in 0..2 {
        let o = Outbox::open(dir.path()).expect("open");
        assert_eq!(o.cursor().expect("cursor"), Some(3));
        let names = o.db.tree_names();
        for old in FIRST_LAYOUT {
            assert!(
                !names.iter().any(|n| n.as_ref() == old.as_bytes()),
                "{old} left"
            );
        }
        let everyone = (Timestamp(0), Timestamp(1000));
        let one = o
            .of_volunteer(waiting.volunteer_id, everyone, 10)
            .expect("listed");
        assert_eq!(one, vec![waiting.clone(), paper.clone()]);
        let two = o
            .of_volunteer(other.volunteer_id, everyone, 10)
            .expect("listed");
        assert_eq!(two, vec![other.clone()]);
        assert_eq!(
            o.due(Timestamp(1000), 10).expect("due"),
            vec![waiting.clone()]
        );
        assert!(o
            .contains(&other.volunteer_id, &other.key)
            .expect("contains"));
        assert!(!o
            .contains(&waiting.volunteer_id, &other.key)
            .expect("contains"));
        let (_, counts) = o.list(None, 1).expect("list");
        assert_eq!((counts.pending, counts.delivered, counts.paper), (1, 1, 1));
    }
}

/// A volunteer's notices are theirs alone, and the window and the limit are kept: the
/// newest within it, oldest first.
#[test]
fn a_volunteers_notices_are_read_within_the_window_asked_for() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Outbox::open(dir.path()).expect("open");
    let mine: Vec<_> = (1..=9)
        .map(|i| entry(&format!("{}:a:v", 10 - i), 5, i * 100))
        .collect();
    let theirs: Vec<_> = (1..=3)
        .map(|i| entry(&format!("{i}:a:v"), 6, i * 100))
        .collect();
    o.enqueue(&[mine.clone(), theirs].concat(), None)
        .expect("enqueue");
    let read = o
        .of_volunteer(mine[0].volunteer_id, (Timestamp(200), Timestamp(800)), 3)
        .expect("listed");
    assert_eq!(read, mine[4..7].to_vec());
}

/// The counts, the failed notices and the pending ones as a naive recount of every notice
/// finds them.
fn recount(o: &Outbox) -> (OutboxCounts, Vec<String>, Vec<String>) {
    let mut counts = OutboxCounts::default();
    let mut failed = Vec::new();
    let mut pending = Vec::new();
    for item in o.notices.iter() {
        let (k, v) = item.expect("read");
        if !is_notice_key(&k) {
            continue;
        }
        let e = o.read(&v).expect("decode");
        counts.add(&e.status);
        match e.status {
            DeliveryStatus::Failed { .. } => failed.push(e.key),
            DeliveryStatus::Pending => pending.push(e.key),
            _ => {}
        }
    }
    failed.sort();
    pending.sort();
    (counts, failed, pending)
}

fn keys(entries: &[OutboxEntry]) -> Vec<String> {
    let mut k: Vec<_> = entries.iter().map(|e| e.key.clone()).collect();
    k.sort();
    k
}

/// Through stores (new notices, the same read again), attempts (delivered, failed, tried
/// again later), a pruning and a reopen, the counts kept equal a recount of every notice,
/// and the lists of pending and failed notices are exactly those notices, each once.
#[test]
fn the_counts_kept_equal_a_recount_through_every_change() {
    let dir = tempfile::tempdir().expect("dir");
    let check = |o: &Outbox| {
        let (counts, failed, pending) = recount(o);
        let (all, kept) = o.list(None, 1000).expect("list");
        assert_eq!(kept, counts, "the counts kept");
        assert_eq!(all.len() as u64, counts.of_word(None).expect("all"));
        let (f, _) = o.list(Some("failed"), 1000).expect("failed");
        assert_eq!(keys(&f), failed, "the failed ones' index");
        let (p, _) = o.list(Some("pending"), 1000).expect("pending");
        assert_eq!(keys(&p), pending, "each pending notice once");
        let (d, _) = o.list(Some("delivered"), 2).expect("delivered");
        assert_eq!(d.len() as u64, counts.delivered.min(2));
    };
    let notices: Vec<_> = (0..30)
        .map(|i| {
            let mut e = entry(&format!("{i}:a:v"), (i % 7) as u128, 100 + i as i64);
            if i % 3 == 0 {
                e.status = DeliveryStatus::Paper;
            }
            e
        })
        .collect();
    {
        let o = Outbox::open(dir.path()).expect("open");
        check(&o);
        o.enqueue(&notices[..20], Some(1)).expect("enqueue");
        check(&o);
        // Read again with ten more: the twenty are not counted twice.
        o.enqueue(&notices, Some(2)).expect("enqueue");
        check(&o);
        for (n, e) in notices.iter().enumerate() {
            if e.status != DeliveryStatus::Pending {
                continue;
            }
            let mut after = e.clone();
            after.attempts = 1;
            match n % 4 {
                0 => after.status = DeliveryStatus::Delivered { at: Timestamp(500) },
                1 => {
                    after.status = DeliveryStatus::Failed {
                        reason: "refused".into(),
                    }
                }
                _ => after.next_at = Timestamp(900),
            }
            o.settle(e, &after).expect("settle");
            check(&o);
        }
        // A due key left behind for a notice tried again later does not list it twice.
        // (The third was tried again later: 2 % 4 above; its first due key was removed.)
        let tried = &notices[2];
        o.due.insert(due_key(tried), &[]).expect("stale key");
        check(&o);
        assert!(o.prune_before(Timestamp(120)).expect("prune") > 0);
        check(&o);
    }
    let o = Outbox::open(dir.path()).expect("reopen");
    check(&o);
    // Counts lost (an outbox stored before they were kept): counted again at open.
    o.notices.remove(COUNTS).expect("remove");
    o.failed.clear().expect("clear");
    drop(o);
    let o = Outbox::open(dir.path()).expect("reopen");
    check(&o);
    assert!(o.list(Some("failed"), 1000).expect("failed").1.failed > 0);
}

/// Writes notices in the first layout (by key; pending ones by time and key; a volunteer's by
/// id, time and key), with the cursor at 3, as a build before the layout by volunteer did.
fn first_layout(dir: &std::path::Path, notices: &[&OutboxEntry]) {
    {
        // Through the store's open, which waits out the lock the outbox just closed may
        // still hold while sled's flusher winds down (this failed once in CI without it).
        let db = crate::store::open_sled(
            &sled::Config::new()
                .path(dir.join(OUTBOX_DIR))
                .cache_capacity(1 << 20),
        )
        .expect("sled");
        let entries = db.open_tree(FIRST_LAYOUT[0]).expect("tree");
        let due = db.open_tree(FIRST_LAYOUT[1]).expect("tree");
        let by_volunteer = db.open_tree(FIRST_LAYOUT[2]).expect("tree");
        for e in notices {
            entries
                .insert(e.key.as_bytes(), Outbox::encode(e).expect("encode"))
                .expect("insert");
            let mut v = e.volunteer_id.0.as_bytes().to_vec();
            v.extend_from_slice(&e.created_at.0.to_be_bytes());
            v.extend_from_slice(e.key.as_bytes());
            by_volunteer.insert(v, &[]).expect("insert");
        }
        for e in notices
            .iter()
            .filter(|e| e.status == DeliveryStatus::Pending)
        {
            let mut d = e.next_at.0.to_be_bytes().to_vec();
            d.extend_from_slice(e.key.as_bytes());
            due.insert(d, &[]).expect("insert");
        }
        db.open_tree("meta")
            .expect("meta")
            .insert(CURSOR, &3u64.to_be_bytes())
            .expect("cursor");
        db.flush().expect("flush");
    }
}

/// Notices of this layout already in the outbox when a first layout's are carried over (its
/// trees written by an older build started after this one): both are counted, each once.
#[test]
fn notices_already_there_are_counted_with_those_carried_over() {
    let dir = tempfile::tempdir().expect("dir");
    let mut here = entry("9:a:v", 4, 900);
    here.status = DeliveryStatus::Paper;
    let mut failed = entry("8:a:v", 4, 800);
    failed.status = DeliveryStatus::Failed {
        reason: "refused".into(),
    };
    Outbox::open(dir.path())
        .expect("open")
        .enqueue(&[here.clone()], None)
        .expect("enqueue");
    first_layout(dir.path(), &[&failed, &entry("1:a:v", 5, 100)]);
    let o = Outbox::open(dir.path()).expect("open");
    let (_, counts) = o.list(None, 1).expect("list");
    assert_eq!((counts.pending, counts.failed, counts.paper), (1, 1, 1));
    let (listed, _) = o.list(Some("failed"), 10).expect("failed");
    assert_eq!(listed, vec![failed]);
}

/// A notice of event `seq` as the runner stores it: keyed by the event.
fn of_event(seq: u64, v: u128) -> OutboxEntry {
    let mut e = entry(&format!("{seq}:points_credited:v"), v, 100 + seq as i64);
    e.seq = seq;
    e
}

/// Notices of new events are stored without a read of their keys; events read again (a
/// crash before the cursor moved, or a batch that overlaps the last) still find theirs
/// stored, as they stand, and nothing is counted twice.
#[test]
fn events_read_again_find_their_notices_as_they_stand() {
    let dir = tempfile::tempdir().expect("dir");
    let first: Vec<_> = (1..=10).map(|s| of_event(s, s as u128 % 3)).collect();
    {
        let o = Outbox::open(dir.path()).expect("open");
        assert_eq!(o.stored_to().expect("mark"), 0, "a new outbox has none");
        assert_eq!(o.enqueue(&first, Some(10)).expect("enqueue"), 10);
        assert_eq!(o.stored_to().expect("mark"), 10);
        let mut delivered = first[4].clone();
        delivered.status = DeliveryStatus::Delivered { at: Timestamp(300) };
        o.settle(&first[4], &delivered).expect("settle");
    }
    let o = Outbox::open(dir.path()).expect("reopen");
    // Events 6 to 15 read again from a cursor left at 5: five stored, five new.
    let again: Vec<_> = (6..=15).map(|s| of_event(s, s as u128 % 3)).collect();
    assert_eq!(o.enqueue(&again, Some(15)).expect("enqueue"), 5);
    // Event 5, delivered, read again: still delivered, not due again.
    assert_eq!(o.enqueue(&first[4..5], Some(15)).expect("enqueue"), 0);
    assert!(o.due(Timestamp(1_000), 100).expect("due").len() == 14);
    let (counts, _, pending) = recount(&o);
    assert_eq!((counts.pending, counts.delivered), (14, 1));
    assert_eq!(pending.len(), 14);
    assert_eq!(o.list(None, 1).expect("list").1, counts);
}

/// An outbox stored before it kept the highest seq stored, left by a crash with the notices
/// of events past its cursor stored: those are looked for, found, and not stored again.
#[test]
fn an_outbox_without_the_mark_looks_for_notices_past_its_cursor() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let o = Outbox::open(dir.path()).expect("open");
        let stored: Vec<_> = (1..=8).map(|s| of_event(s, 1)).collect();
        o.enqueue(&stored, Some(3)).expect("enqueue");
        o.notices
            .remove(STORED_TO)
            .expect("as an older build left it");
        o.db.flush().expect("flush");
    }
    let o = Outbox::open(dir.path()).expect("reopen");
    assert_eq!(o.stored_to().expect("mark"), 3 + OUTBOX_UNMARKED_MARGIN);
    let again: Vec<_> = (4..=12).map(|s| of_event(s, 1)).collect();
    assert_eq!(o.enqueue(&again, Some(12)).expect("enqueue"), 4);
    let (counts, _, pending) = recount(&o);
    assert_eq!(pending.len(), 12);
    assert_eq!(o.list(None, 1).expect("list").1, counts);
}

/// A notice whose key does not begin with its event's seq is looked for whatever its seq.
#[test]
fn only_a_key_that_names_its_event_is_taken_as_new() {
    let mut e = of_event(42, 1);
    assert!(names_its_event(&e));
    e.key = "41:points_credited:v".into();
    assert!(!names_its_event(&e));
    e.key = "hold:1:hold_expiring:v".into();
    assert!(!names_its_event(&e));
    e.seq = 0;
    e.key = "0:points_credited:v".into();
    assert!(!names_its_event(&e), "a notice of the clock");
}
