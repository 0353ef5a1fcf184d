//! The last segment at open: its records checked to link up (the head), and its index
//! entries completed from its own events.
//!
//! The log inserts a group commit's keys into sled one by one, the segment first, then its
//! stream index entries and idempotency keys (`store`'s append: sled's atomic batch cost two
//! writes by sled's own threads a commit). sled's files keep a prefix of its inserts, so after
//! a crash they can hold a commit's segment with only some of its index entries, and only for
//! the last segment: every commit's inserts finish before the next one's start. A commit cut
//! into pieces (`keys::segment_pieces`) goes in as one sled batch, its pieces and index
//! entries all there after a crash or none. The journal
//! puts the entries again at open when it holds the commit's record; when it does not (the
//! record torn by a power cut while sled's files, flushed by a checkpoint a moment before,
//! already held the segment) the commit was never acknowledged but its events are in the log,
//! and its entries are made here from the events themselves: each event carries its stream,
//! its version in it and its command's idempotency key.
//!
//! sled's own writes of its full buffers, or a checkpoint's flush, can put part of a commit
//! on disk before its record's sync returns. sled's recovery keeps a prefix of its log, with
//! one exception: a value large enough for a blob file of its own (a segment over about 128
//! KiB), whose file a power cut lost, is passed over and the log read on, so its index
//! entries could be there without it. That hole is as old as the journal (the batch had it
//! too) and is not closed here.
//!
//! What cannot be made from the events: the request's digest (recorded as
//! [`Hash::GENESIS`], as a copied history records it: the key alone then identifies the
//! command) and the entry of a command that appended nothing (a retry decides it again).

use crate::chain::ChainCheck;
use crate::codec::{decode_record, SegmentReader};
use crate::digest::Hash;
use crate::envelope::{Envelope, Head, StreamId};
use crate::error::LedgerError;
use crate::keys::{
    be_u32, be_u64, idempotency_key, idempotency_value, segment_key, stream_key, stream_prefix,
    stream_run_value,
};
use crate::log::IdempotencyEntry;

/// Finds the last segment and checks its records link up; returns the head.
pub(crate) fn head(db: &sled::Db) -> Result<Head, LedgerError> {
    let last = db
        .range(segment_key(0)..=segment_key(u64::MAX))
        .next_back()
        .transpose()?;
    let Some((key, value)) = last else {
        return Ok(Head::default());
    };
    let first_seq = be_u64(&key[1..]).ok_or_else(|| LedgerError::Corrupt {
        seq: 0,
        detail: "a segment key is malformed".into(),
    })?;
    let corrupt = |detail: String| LedgerError::Corrupt {
        seq: first_seq,
        detail,
    };
    let mut reader = SegmentReader::new(&value[..])
        .map_err(|e| corrupt(format!("last group unreadable: {e}")))?;
    let first = reader
        .next_record()
        .map_err(|e| corrupt(format!("last group unreadable: {e}")))?
        .ok_or_else(|| corrupt("last group is empty".into()))?;
    let envelope =
        crate::codec::decode_record(first).map_err(|e| corrupt(format!("does not decode: {e}")))?;
    if envelope.seq != first_seq {
        return Err(corrupt(format!("record says seq {}", envelope.seq)));
    }
    let mut check = ChainCheck::after(Head {
        seq: first_seq
            .checked_sub(1)
            .ok_or_else(|| corrupt("a group at seq 0".into()))?,
        hash: envelope.prev_hash,
    });
    check.check_full(first).map_err(|b| LedgerError::Corrupt {
        seq: b.seq,
        detail: b.detail,
    })?;
    while let Some(record) = reader
        .next_record()
        .map_err(|e| corrupt(format!("last group unreadable: {e}")))?
    {
        check.check_full(record).map_err(|b| LedgerError::Corrupt {
            seq: b.seq,
            detail: b.detail,
        })?;
    }
    Ok(check.head())
}

/// Adds the stream index entries and idempotency keys of the last segment's events that sled
/// lacks; the number of entries added (0 when the segment's entries are all there).
pub(crate) fn complete(db: &sled::Db) -> Result<usize, LedgerError> {
    let Some((key, value)) = db
        .range(segment_key(0)..=segment_key(u64::MAX))
        .next_back()
        .transpose()?
    else {
        return Ok(0);
    };
    let first_seq = be_u64(key.get(1..).unwrap_or_default()).unwrap_or(0);
    let corrupt = |detail: String| LedgerError::Corrupt {
        seq: first_seq,
        detail,
    };
    let mut reader = SegmentReader::new(&value[..])
        .map_err(|e| corrupt(format!("last group unreadable: {e}")))?;
    let mut events = Vec::new();
    while let Some(record) = reader
        .next_record()
        .map_err(|e| corrupt(format!("last group unreadable: {e}")))?
    {
        events.push(decode_record(record).map_err(|e| corrupt(format!("does not decode: {e}")))?);
    }
    let mut added = 0;
    for (stream, first_version, first_seq, count) in uncovered_runs(db, &events)? {
        db.insert(
            stream_key(&stream, first_version),
            stream_run_value(first_seq, count),
        )?;
        added += 1;
    }
    for (key, first_seq, count) in idempotency_runs(&events) {
        let stored = idempotency_key(&key);
        if !db.contains_key(&stored)? {
            let entry = IdempotencyEntry {
                first_seq,
                count,
                request_digest: Hash::GENESIS,
            };
            db.insert(stored, idempotency_value(&entry))?;
            added += 1;
        }
    }
    Ok(added)
}

/// Whether sled's index holds an entry covering `version` of `stream`.
fn covered(db: &sled::Db, stream: &StreamId, version: u64) -> Result<bool, LedgerError> {
    let prefix = stream_prefix(stream);
    let Some((key, value)) = db
        .range(prefix.clone()..=stream_key(stream, version))
        .next_back()
        .transpose()?
    else {
        return Ok(false);
    };
    let first = be_u64(key.get(prefix.len()..).unwrap_or_default());
    let count = be_u32(value.get(8..).unwrap_or_default());
    Ok(
        matches!((first, count), (Some(first), Some(count)) if first.saturating_add(u64::from(count)) > version),
    )
}

/// The runs of events no index entry covers: stream, first version, first seq and count,
/// consecutive events of one stream with consecutive versions making one run.
fn uncovered_runs(
    db: &sled::Db,
    events: &[Envelope],
) -> Result<Vec<(StreamId, u64, u64, u32)>, LedgerError> {
    let mut runs: Vec<(StreamId, u64, u64, u32)> = Vec::new();
    for event in events {
        if covered(db, &event.stream, event.stream_version)? {
            continue;
        }
        match runs.last_mut() {
            Some((stream, version, seq, count))
                if *stream == event.stream
                    && version.saturating_add(u64::from(*count)) == event.stream_version
                    && seq.saturating_add(u64::from(*count)) == event.seq =>
            {
                *count += 1;
            }
            _ => runs.push((event.stream.clone(), event.stream_version, event.seq, 1)),
        }
    }
    Ok(runs)
}

/// The commands' idempotency keys with the seqs of their events: consecutive events with the
/// same key making one command.
fn idempotency_runs(events: &[Envelope]) -> Vec<(String, u64, u32)> {
    let mut runs: Vec<(String, u64, u32)> = Vec::new();
    for event in events {
        let Some(key) = &event.idempotency_key else {
            continue;
        };
        match runs.last_mut() {
            Some((last, seq, count))
                if last == key && seq.saturating_add(u64::from(*count)) == event.seq =>
            {
                *count += 1;
            }
            _ => runs.push((key.clone(), event.seq, 1)),
        }
    }
    runs
}

/// The stored hash of the event at `seq` in a bare sled db (used during open).
pub(crate) fn stored_hash_at(db: &sled::Db, seq: u64) -> Result<Option<Hash>, LedgerError> {
    let Some((key, value)) = db
        .range(segment_key(0)..=segment_key(seq))
        .next_back()
        .transpose()?
    else {
        return Ok(None);
    };
    let corrupt = |detail: String| LedgerError::Corrupt { seq, detail };
    let first = be_u64(&key[1..]).ok_or_else(|| corrupt("a segment key is malformed".into()))?;
    let mut reader =
        SegmentReader::new(&value[..]).map_err(|e| corrupt(format!("segment unreadable: {e}")))?;
    let mut at = first;
    while let Some(record) = reader
        .next_record()
        .map_err(|e| corrupt(format!("segment unreadable: {e}")))?
    {
        if at == seq {
            let (_, hash) =
                crate::codec::split_record(record).map_err(|e| corrupt(e.to_string()))?;
            return Ok(Some(hash));
        }
        at += 1;
    }
    Ok(None)
}
