//! How a commit's writes go into sled: the segment first, then its index keys, with sled's
//! blob files synced between when the segment may be a blob file of its own.

use crate::error::LedgerError;
use crate::keys::KeyValue;
use crate::limits::SLED_BLOB_SAFE_BYTES;

/// Puts a commit's `writes` (its segment first, then its index keys) into sled: as one batch
/// when `many`, else one insert a key. A segment of [`SLED_BLOB_SAFE_BYTES`] or more goes in
/// alone first and `between` (the sync of sled's new blob files) runs before the index keys:
/// sled may write such a segment to a blob file of its own, and once its index keys can
/// reach sled's files the blob is durable, so a power cut never leaves the keys without the
/// segment (sled's recovery keeps a prefix of its log, but passes over a lost blob). The
/// error says whether sled took any of the writes.
pub(crate) fn put_writes(
    db: &sled::Db,
    writes: Vec<KeyValue>,
    many: bool,
    between: impl FnOnce() -> Result<(), LedgerError>,
) -> Result<(), (bool, LedgerError)> {
    let mut writes = writes.into_iter();
    let mut applied = false;
    if writes
        .as_slice()
        .first()
        .is_some_and(|(_, segment)| segment.len() >= SLED_BLOB_SAFE_BYTES)
    {
        if let Some((key, segment)) = writes.next() {
            db.insert(key, segment)
                .map_err(|e| (false, LedgerError::from(e)))?;
            applied = true;
            between().map_err(|e| (true, e))?;
        }
    }
    if many {
        let mut sled_batch = sled::Batch::default();
        for (key, value) in writes {
            sled_batch.insert(key, value);
        }
        db.apply_batch(sled_batch)
            .map_err(|e| (applied, LedgerError::from(e)))?;
    } else {
        for (key, value) in writes {
            db.insert(key, value)
                .map_err(|e| (applied, LedgerError::from(e)))?;
            applied = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::segment_key;

    const INDEX_KEYS: [&[u8]; 2] = [b"s-index-a", b"s-index-b"];

    fn commit(segment_bytes: usize) -> Vec<KeyValue> {
        let mut writes = vec![(segment_key(1).to_vec(), vec![7; segment_bytes])];
        writes.extend(INDEX_KEYS.iter().map(|k| (k.to_vec(), vec![1])));
        writes
    }

    fn held(db: &sled::Db) -> Result<Vec<bool>, LedgerError> {
        let mut out = vec![db.contains_key(segment_key(1))?];
        for key in INDEX_KEYS {
            out.push(db.contains_key(key)?);
        }
        Ok(out)
    }

    #[test]
    fn a_long_segment_is_in_sled_alone_while_the_blob_files_are_synced() {
        for many in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = sled::Config::new().path(dir.path()).open().expect("sled");
            let mut between = None;
            put_writes(&db, commit(SLED_BLOB_SAFE_BYTES), many, || {
                between = Some(held(&db)?);
                Ok(())
            })
            .map_err(|(_, e)| e)
            .expect("put");
            assert_eq!(between, Some(vec![true, false, false]), "many: {many}");
            assert_eq!(held(&db).expect("read"), vec![true, true, true]);
        }
    }

    #[test]
    fn a_short_segment_goes_in_with_its_keys_and_nothing_runs_between() {
        for many in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = sled::Config::new().path(dir.path()).open().expect("sled");
            put_writes(&db, commit(SLED_BLOB_SAFE_BYTES - 1), many, || {
                panic!("nothing runs between for a short segment")
            })
            .map_err(|(_, e)| e)
            .expect("put");
            assert_eq!(held(&db).expect("read"), vec![true, true, true]);
        }
    }

    #[test]
    fn a_failed_sync_between_keeps_the_index_keys_out_and_says_sled_took_the_segment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sled::Config::new().path(dir.path()).open().expect("sled");
        let failed = put_writes(&db, commit(SLED_BLOB_SAFE_BYTES), true, || {
            Err(LedgerError::Storage("the disk failed a write".into()))
        });
        assert!(matches!(failed, Err((true, LedgerError::Storage(_)))));
        assert_eq!(held(&db).expect("read"), vec![true, false, false]);
    }
}
