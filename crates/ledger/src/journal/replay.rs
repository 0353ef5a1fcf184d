//! The journal read back: each file's records, and their replay into sled at open (see the
//! parent module's documentation for what a record holds and when the open is refused).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::{file_name, numbers, HEADER_LEN, MAGIC};
use crate::codec::SegmentReader;
use crate::error::LedgerError;
use crate::keys::{be_u64, is_segment_key, segment_key, KeyValue, KEY_STORE_PREFIX};

/// What [`replay`] did at open.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Replayed {
    /// Records applied to sled again (sled's files did not hold them).
    pub applied: u64,
    /// Records whose segment sled's files already held (put again all the same).
    pub skipped: u64,
    /// The highest file number found (0 when there were none).
    pub last_number: u64,
}

/// One record read back: its first seq and writes.
pub(super) struct Record {
    pub(super) first_seq: u64,
    pub(super) writes: Vec<KeyValue>,
}

/// What one journal file holds: its whole records in order, and where damage lies between
/// two of them.
pub(super) struct FileRecords {
    pub(super) records: Vec<Record>,
    /// A record whose header is whole but whose bytes are not, with a whole record exactly
    /// where that header says it ends: `(byte offset of the damaged record, index in
    /// `records` of the record after it)`. A crash tears only the last record written (the
    /// next is written after it is synced, and after a failure the next goes to a new file),
    /// so nothing whole follows a torn record: this is a record acknowledged as durable and
    /// damaged on disk since.
    pub(super) damaged: Vec<(usize, usize)>,
}

/// Reads the records of one file up to its end. Bytes that do not hold a record end the file
/// (a record torn by a crash, or a spare's zeros), unless they are a record with a whole
/// header and a whole record right after the length it claims, which
/// [`FileRecords::damaged`] reports.
///
/// Only that one place is looked at, never the torn bytes themselves: a torn record's
/// payload holds events, whose text a user typed, and a record hidden in that text must not
/// be taken for one the log wrote.
pub(super) fn read_records(path: &Path) -> io::Result<FileRecords> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    let mut read = FileRecords {
        records: Vec::new(),
        damaged: Vec::new(),
    };
    let mut at = 0usize;
    loop {
        while let Some(record) = parse_record(&bytes[at..]) {
            at += record.0;
            read.records.push(record.1);
        }
        // The rest of a file that was a spare is zeros.
        if bytes[at..].iter().all(|b| *b == 0) {
            break;
        }
        let next = claimed_len(&bytes[at..]).map(|len| at + len);
        match next.filter(|&next| parse_record(&bytes[next..]).is_some()) {
            Some(next) => {
                read.damaged.push((at, read.records.len()));
                at = next;
            }
            None => {
                tracing::warn!(
                    file = %path.display(),
                    kept = at,
                    torn = bytes.len() - at,
                    "a journal record was torn by a crash (never acknowledged); it is ignored"
                );
                break;
            }
        }
    }
    Ok(read)
}

/// The length a record's header claims for the record at the start of `bytes`, when its
/// header is there (magic and length) and the claim fits in `bytes`.
fn claimed_len(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let total = HEADER_LEN.checked_add(be_u32_at(bytes, 4)? as usize)?;
    (total <= bytes.len()).then_some(total)
}

fn be_u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// One record at the start of `bytes` and its length, or `None` when it is torn.
fn parse_record(bytes: &[u8]) -> Option<(usize, Record)> {
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let payload = be_u32_at(bytes, 4)? as usize;
    let crc = be_u32_at(bytes, 8)?;
    let total = HEADER_LEN.checked_add(payload)?;
    let body = bytes.get(12..total)?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let first_seq = be_u64(body)?;
    let mut at = 8usize;
    let count = be_u32_at(body, at)?;
    at += 4;
    let mut writes = Vec::new();
    for _ in 0..count {
        let mut field = || -> Option<Vec<u8>> {
            let len = be_u32_at(body, at)? as usize;
            let value = body.get(at + 4..at + 4 + len)?.to_vec();
            at += 4 + len;
            Some(value)
        };
        let key = field()?;
        let value = field()?;
        writes.push((key, value));
    }
    Some((total, Record { first_seq, writes }))
}

/// The seq after the last event of the segment stored before `seq`, or 1 when none is.
fn next_after_segment_before(db: &sled::Db, seq: u64) -> Result<u64, LedgerError> {
    let Some((key, value)) = db
        .range(segment_key(0)..segment_key(seq))
        .next_back()
        .transpose()?
    else {
        return Ok(1);
    };
    let corrupt = |detail: String| LedgerError::Corrupt { seq, detail };
    let first = be_u64(key.get(1..).unwrap_or_default())
        .ok_or_else(|| corrupt("a malformed key".into()))?;
    Ok(first + segment_len(&value).map_err(corrupt)?)
}

/// Events in the pieces of a record's commit after its first (`keys::segment_pieces`): none
/// for a commit of one segment.
fn later_pieces_events(record: &Record, first: &[u8]) -> Result<u64, LedgerError> {
    let mut events = 0;
    for (_, piece) in record
        .writes
        .iter()
        .filter(|(k, _)| is_segment_key(k) && k[..] != first[..])
    {
        events += segment_len(piece).map_err(|detail| LedgerError::Corrupt {
            seq: record.first_seq,
            detail,
        })?;
    }
    Ok(events)
}

fn segment_len(value: &[u8]) -> Result<u64, String> {
    let mut reader = SegmentReader::new(value).map_err(|e| e.to_string())?;
    let mut count = 0u64;
    while reader.next_record().map_err(|e| e.to_string())?.is_some() {
        count += 1;
    }
    Ok(count)
}

/// Applies again the records of the journal in `dir` that sled's files do not hold (see the
/// module's documentation). The caller flushes sled and syncs before it removes the files.
pub(crate) fn replay(dir: &Path, db: &sled::Db) -> Result<Replayed, LedgerError> {
    let storage =
        |e: io::Error| LedgerError::Storage(format!("cannot read the log's journal: {e}"));
    let mut replayed = Replayed::default();
    let mut expected: Option<u64> = None;
    // Records to apply, in one sled batch per `JOURNAL_REPLAY_BATCH_RECORDS`; applied before
    // sled is read again (a record it holds, or the segment before a record), so every read
    // sees every record before it.
    let mut pending = (sled::Batch::default(), 0usize);
    let apply = |pending: &mut (sled::Batch, usize)| -> Result<(), LedgerError> {
        if pending.1 > 0 {
            db.apply_batch(std::mem::take(&mut pending.0))?;
            pending.1 = 0;
        }
        Ok(())
    };
    // A record's writes into the batch, but a personal-data key made for the commit, which
    // goes to the key store's tree at once (it is the same key whenever it is put again).
    let mut key_store: Option<sled::Tree> = None;
    let mut put = |batch: &mut sled::Batch, writes: Vec<KeyValue>| -> Result<(), LedgerError> {
        for (key, value) in writes {
            match key.split_first() {
                Some((&KEY_STORE_PREFIX, id)) => {
                    let tree = match &key_store {
                        Some(tree) => tree,
                        None => key_store.insert(db.open_tree(crate::personal::KEY_TREE)?),
                    };
                    tree.insert(id, value)?;
                }
                _ => batch.insert(key, value),
            }
        }
        Ok(())
    };
    for number in numbers(dir).map_err(storage)? {
        replayed.last_number = number;
        let read = read_records(&dir.join(file_name(number))).map_err(storage)?;
        for (index, record) in read.records.into_iter().enumerate() {
            let key = segment_key(record.first_seq);
            if expected.is_none() {
                apply(&mut pending)?;
            }
            if let Some(&(damaged_at, _)) = read.damaged.iter().find(|d| d.1 == index) {
                // Damage before a whole record: harmless only if sled's files hold that
                // record (and so everything before it); otherwise acknowledged commits are
                // lost, and the log is not opened without them.
                apply(&mut pending)?;
                if db.get(key)?.is_none() {
                    let seq = match expected {
                        Some(next) => next,
                        None => next_after_segment_before(db, record.first_seq)?,
                    };
                    return Err(LedgerError::Corrupt {
                        seq,
                        detail: format!(
                            "the log's journal file {} is damaged at byte {damaged_at}, before \
                             a whole record of event {}: commits acknowledged as durable were \
                             damaged on disk after they were written, and sled's files do not \
                             hold them",
                            file_name(number),
                            record.first_seq
                        ),
                    });
                }
                tracing::warn!(
                    file = %file_name(number),
                    at = damaged_at,
                    "a journal file is damaged before a record sled's files already hold; \
                     the damaged part is not needed"
                );
                expected = None;
            }
            let held = match db.get(key)? {
                Some(held) => match segment_len(&held) {
                    Ok(events) => Some(events),
                    Err(detail) => {
                        // sled's copy is damaged; the record's, checked by its CRC, replaces
                        // it like a segment sled lacks.
                        tracing::warn!(
                            seq = record.first_seq,
                            %detail,
                            "sled's copy of a segment is damaged; the journal's record puts it back"
                        );
                        None
                    }
                },
                None => None,
            };
            let events = if let Some(events) = held {
                // sled's files hold the segment, perhaps without every index key (the log
                // inserts a commit's keys one by one, the segment first): the record's writes
                // are put again, each the value sled holds or the one it lacks. A commit cut
                // into pieces went into sled as one batch: holding its first piece, sled
                // holds them all, and the record says how many events they make.
                replayed.skipped += 1;
                events + later_pieces_events(&record, &key)?
            } else {
                let next = match expected {
                    Some(next) => next,
                    None => next_after_segment_before(db, record.first_seq)?,
                };
                if record.first_seq != next {
                    return Err(LedgerError::Corrupt {
                        seq: next,
                        detail: format!(
                            "the journal continues at event {} but the log ends before event {next}",
                            record.first_seq
                        ),
                    });
                }
                let segment = record
                    .writes
                    .iter()
                    .find(|(k, _)| k[..] == key[..])
                    .ok_or_else(|| LedgerError::Corrupt {
                        seq: record.first_seq,
                        detail: "a journal record holds no segment".into(),
                    })?;
                let events = segment_len(&segment.1).map_err(|detail| LedgerError::Corrupt {
                    seq: record.first_seq,
                    detail,
                })?;
                replayed.applied += 1;
                events + later_pieces_events(&record, &key)?
            };
            put(&mut pending.0, record.writes)?;
            pending.1 += 1;
            if pending.1 >= crate::limits::JOURNAL_REPLAY_BATCH_RECORDS {
                apply(&mut pending)?;
            }
            expected = Some(record.first_seq + events);
        }
    }
    apply(&mut pending)?;
    Ok(replayed)
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_torn_one_ends_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut journal = Journal::create(dir.path(), 7).expect("create");
        journal.encode(
            5,
            &[(b"k1".to_vec(), b"v1".to_vec()), (b"k2".to_vec(), vec![])],
        );
        journal.append().expect("append");
        journal.encode(6, &[(b"k3".to_vec(), vec![9; 1000])]);
        journal.append().expect("append");
        let path = dir.path().join(file_name(7));
        let records = read_records(&path).expect("read").records;
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].first_seq, 5);
        assert_eq!(records[0].writes[1], (b"k2".to_vec(), vec![]));
        assert_eq!(records[1].writes[0].1.len(), 1000);
        // Every cut through the second record leaves the first alone.
        let bytes = fs::read(&path).expect("read");
        let first = bytes.len() - (HEADER_LEN + 4 + 4 + 2 + 4 + 1000);
        for cut in first..bytes.len() {
            fs::write(&path, &bytes[..cut]).expect("write");
            let read = read_records(&path).expect("read");
            assert_eq!(read.records.len(), 1, "cut at {cut}");
            assert!(read.damaged.is_empty(), "a torn tail is not damage");
        }
        // A flipped byte in the payload is a torn record too.
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        fs::write(&path, &flipped).expect("write");
        assert_eq!(read_records(&path).expect("read").records.len(), 1);
    }

    /// A crash tears only the last record; a whole record after bad bytes means an
    /// acknowledged one was damaged since. Such damage is reported, and the records after it
    /// still read.
    /// A record torn by a crash whose payload holds a whole record (event text a user typed
    /// can hold any bytes): a tear, never damage, and the hidden record is not read.
    #[test]
    fn a_record_hidden_in_a_torn_ones_payload_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut journal = Journal::create(dir.path(), 1).expect("create");
        journal.encode(1, &[(b"k".to_vec(), vec![1; 100])]);
        journal.append().expect("append");
        let first_len = journal.len as usize;
        journal.encode(1, &[(b"planted".to_vec(), vec![7; 50])]);
        let hidden = journal.buffer.clone();
        let mut text = vec![b'x'; 64];
        text.extend_from_slice(&hidden);
        text.extend_from_slice(&[b'y'; 64]);
        journal.encode(2, &[(b"k".to_vec(), text)]);
        journal.append().expect("append");
        let path = dir.path().join(file_name(1));
        let bytes = fs::read(&path).expect("read");
        // Torn after the hidden record, before the rest of its own.
        let cut = first_len + HEADER_LEN + 4 + 4 + 1 + 4 + 64 + hidden.len() + 10;
        fs::write(&path, &bytes[..cut]).expect("write");
        let read = read_records(&path).expect("read");
        assert_eq!(read.records.len(), 1);
        assert!(read.damaged.is_empty(), "a tear, not damage");
    }

    #[test]
    fn damage_before_a_whole_record_is_reported_and_the_records_after_it_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut journal = Journal::create(dir.path(), 1).expect("create");
        for first in 1..=3 {
            journal.encode(first, &[(b"k".to_vec(), vec![first as u8; 100])]);
            journal.append().expect("append");
        }
        let path = dir.path().join(file_name(1));
        let mut bytes = fs::read(&path).expect("read");
        let one = bytes.len() / 3;
        bytes[one + HEADER_LEN + 20] ^= 0x40;
        fs::write(&path, &bytes).expect("write");
        let read = read_records(&path).expect("read");
        let firsts: Vec<u64> = read.records.iter().map(|r| r.first_seq).collect();
        assert_eq!(firsts, vec![1, 3]);
        assert_eq!(read.damaged, vec![(one, 1)]);
    }

    fn segment(events: usize) -> Vec<u8> {
        crate::codec::encode_segment(std::iter::repeat_n(&b"record"[..], events))
    }

    #[test]
    fn records_sled_holds_are_skipped_a_damaged_copy_is_put_back_and_a_gap_refuses_the_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::open(dir.path().join("db")).expect("sled");
        let journal_dir = dir.path().join(JOURNAL_DIR);
        let mut journal = Journal::create(&journal_dir, 1).expect("create");
        for (first, events) in [(1, 3), (4, 2), (6, 1)] {
            journal.encode(first, &[(segment_key(first).to_vec(), segment(events))]);
            journal.append().expect("append");
        }
        // sled holds the first commit already: it is skipped, the others applied.
        db.insert(segment_key(1), segment(3)).expect("insert");
        let replayed = replay(&journal_dir, &db).expect("replay");
        assert_eq!((replayed.skipped, replayed.applied), (1, 2));
        assert!(db.contains_key(segment_key(6)).expect("get"));
        // A segment sled holds damaged is put back from its record.
        db.insert(segment_key(4), b"damaged".to_vec())
            .expect("insert");
        let replayed = replay(&journal_dir, &db).expect("replay");
        assert_eq!((replayed.skipped, replayed.applied), (2, 1));
        assert_eq!(
            db.get(segment_key(4)).expect("get").as_deref(),
            Some(&segment(2)[..])
        );
        // A commit from event 9 after one that ends at event 6 would leave 7 and 8 out.
        journal.encode(9, &[(segment_key(9).to_vec(), segment(1))]);
        journal.append().expect("append");
        match replay(&journal_dir, &db) {
            Err(LedgerError::Corrupt { seq: 7, detail }) => {
                assert!(detail.contains("event 9"), "{detail}")
            }
            other => panic!("expected the gap to be refused, got {other:?}"),
        }
        assert!(!db.contains_key(segment_key(9)).expect("get"));
    }

    /// An acknowledged record damaged on disk, with a whole one after it: the open is refused,
    /// naming the first event lost, unless sled's files hold what came after the damage.
    #[test]
    fn a_damaged_record_before_a_whole_one_refuses_the_open_unless_sled_holds_what_follows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal_dir = dir.path().join(JOURNAL_DIR);
        let mut journal = Journal::create(&journal_dir, 1).expect("create");
        let mut ends = Vec::new();
        for (first, events) in [(1, 3), (4, 2), (6, 1)] {
            journal.encode(first, &[(segment_key(first).to_vec(), segment(events))]);
            journal.append().expect("append");
            ends.push(journal.len as usize);
        }
        let path = journal_dir.join(file_name(1));
        let mut bytes = fs::read(&path).expect("read");
        bytes[ends[0] + HEADER_LEN + 10] ^= 1;
        fs::write(&path, &bytes).expect("write");

        let db = sled::open(dir.path().join("db")).expect("sled");
        match replay(&journal_dir, &db) {
            Err(LedgerError::Corrupt { seq: 4, detail }) => {
                assert!(
                    detail.contains("event 6") && detail.contains("damaged"),
                    "{detail}"
                )
            }
            other => panic!("expected the damage to be refused, got {other:?}"),
        }
        assert!(
            !db.contains_key(segment_key(6)).expect("get"),
            "nothing after the damage"
        );

        // sled's files hold everything through the record after the damage (the first record
        // was put back by the refused open): the damaged part is not needed.
        for (first, events) in [(4, 2), (6, 1)] {
            db.insert(segment_key(first), segment(events))
                .expect("insert");
        }
        let replayed = replay(&journal_dir, &db).expect("replay");
        assert_eq!((replayed.skipped, replayed.applied), (2, 0));
    }

    /// More records than one sled batch takes, with one sled holds in the middle: the batch
    /// before it is applied before sled is asked, every record lands, in order.
    #[test]
    fn records_are_applied_in_batches_around_one_sled_holds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::open(dir.path().join("db")).expect("sled");
        let journal_dir = dir.path().join(JOURNAL_DIR);
        let mut journal = Journal::create(&journal_dir, 1).expect("create");
        let n = 2 * crate::limits::JOURNAL_REPLAY_BATCH_RECORDS as u64 + 500;
        for first in 1..=n {
            journal.encode(first, &[(segment_key(first).to_vec(), segment(1))]);
            journal.append().expect("append");
        }
        db.insert(segment_key(1500), segment(1)).expect("insert");
        let replayed = replay(&journal_dir, &db).expect("replay");
        assert_eq!((replayed.skipped, replayed.applied), (1, n - 1));
        for seq in 1..=n {
            assert!(db.contains_key(segment_key(seq)).expect("get"), "{seq}");
        }
    }
}
