//! Every limit of the log, as a named constant with its unit.

/// Longest stream name accepted, in bytes.
pub const MAX_STREAM_BYTES: usize = 128;

/// Largest record accepted, in bytes. An activity with the maximum number of participants is
/// written as one event per participant, so no honest record comes near this.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;

/// sled's page cache of the log, in bytes. Reads of recent segments and the indexes stay in
/// memory. sled holds more than this under writes (its count of a page's size is below what
/// the page takes): 256 MiB let a node writing 12,000 activities a second grow by about
/// 400 MB more in a minute than 64 MiB does, with the same write rate (BENCHMARKS.md,
/// "sled's caches").
pub const CACHE_CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// sled's page cache of each store beside the log (the notices' outbox, the access log, the
/// published checkpoints), in bytes. They are written on every logged activity or read and
/// seldom read back, so a large cache only keeps what was just written: with sled's default
/// of 1 GiB each, a node under a day of writes grew by the gigabytes those caches held.
pub const SIDE_STORE_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Longest time a written witness may stay unsynced, in milliseconds.
pub const WITNESS_SYNC_MILLIS: u128 = 200;

/// Most events one group commit takes before it stops draining the queue. A command is
/// never split, so a batch may exceed this by one command's events.
pub const MAX_BATCH_EVENTS: usize = 8192;

/// Streams whose last version the writer keeps in memory, a generation; at most twice this
/// are held (about 100 bytes each, as measured: 26 MB at most). A stream not used for two generations
/// is asked of the log's index again (see `stream_versions.rs`).
pub const STREAM_VERSIONS_REMEMBERED: usize = 1 << 17;

/// Commands that may wait in the queue; senders wait (back-pressure) beyond this.
pub const QUEUE_DEPTH: usize = 8192;

/// Widest time zone offsets, in seconds east of UTC (UTC-12:00 to UTC+14:00).
pub const UTC_OFFSET_RANGE_SECONDS: std::ops::RangeInclusive<i32> = -12 * 3600..=14 * 3600;

/// Digits of an offset's hours and of its minutes as written (`+08:00`, `+8`): a longer
/// number is refused, not multiplied out past what 32 bits hold.
pub const UTC_OFFSET_PART_DIGITS: usize = 2;

/// Time zone offsets are whole quarter hours, in minutes.
pub const UTC_OFFSET_STEP_MINUTES: i32 = 15;

/// How long opening a data directory waits for a lock a handle of this process is still
/// releasing, in milliseconds, before it reports the directory as in use.
pub const LOCK_WAIT_MILLIS: u128 = 2_000;

/// Pause between two attempts to take that lock, in milliseconds.
pub const LOCK_RETRY_MILLIS: u64 = 50;

/// How often the access log is written to disk, in milliseconds (it is not the points chain:
/// a crash may lose the last half second of who looked at what, never a point).
pub const ACCESS_LOG_FLUSH_MILLIS: u64 = 500;

/// Largest access log entry, in bytes.
pub const MAX_ACCESS_ENTRY_BYTES: u64 = 4096;

/// Bytes of a volunteer's data key (AES-256-GCM).
pub const DATA_KEY_BYTES: usize = 32;

/// Bytes of the nonce of a sealed blob (random: a person's key seals a handful of blobs,
/// far below the 2^32 that random 96-bit nonces allow).
pub const NONCE_BYTES: usize = 12;

/// Bytes of the check stored after each data key (a prefix of SHA-256).
pub const KEY_CHECK_BYTES: usize = 8;

/// Data keys the embedded key store keeps in memory once a load has revealed everyone (a
/// table of its cache is emptied when it holds its share of this). A city's volunteers, even
/// a large city's, all fit: each key is read once from the key tree and then held, as it was
/// before. A province's million do not: holding them all took about 100 bytes a key in the
/// cache's tables (0.1 GB), against 13 MB at most here; a key not held is one read of the key
/// tree (about 3 µs more than one held, `cargo bench --bench personal -- key_of`).
pub const KEYS_REMEMBERED: usize = 1 << 17;

/// How often the outbox's writes reach the disk between its own flushes, ms.
pub const OUTBOX_FLUSH_MILLIS: u64 = 500;

/// Notices a batch when an outbox of the first layout is carried over at open, and when old
/// notices are pruned (each batch with the counts it changes): a batch's keys in memory at
/// once, and few enough batches for a city's year (1.8 million notices).
pub const OUTBOX_CARRY_BATCH: usize = 10_000;

/// Events past an outbox's cursor whose notices may already be stored when the outbox was
/// written before it kept the highest seq it stored (the outbox marks it at open): a
/// pass of the builds before the mark stored at most a thousand events' notices before it
/// moved the cursor, so a million leaves room to spare, and costs one read a notice for
/// that many events once.
pub const OUTBOX_UNMARKED_MARGIN: u64 = 1_000_000;

/// The largest outbox entry read back (a notice is a few hundred bytes).
pub const MAX_OUTBOX_ENTRY_BYTES: u64 = 64 * 1024;

/// Bytes of a signed note's key id (the first bytes of a hash of the key's name and the key).
pub const NOTE_KEY_ID_BYTES: usize = 4;

/// The longest signed checkpoint the published store keeps (a checkpoint is about 200 bytes;
/// anything near this is not one).
pub const MAX_PUBLISHED_CHECKPOINT_BYTES: usize = 4096;

/// Snapshots a log keeps beside its ladder: the newest few (a damaged newest one falls back to
/// the one before). A snapshot is the whole state, about 2 KB a volunteer, so keeping every
/// one would fill a province's disk (seventy of 2 GB at a million volunteers); the ladder
/// of older ones is chosen by `snapshots_to_prune` in the log module.
pub const SNAPSHOTS_KEPT: usize = 3;

/// The least number of blob ids the log's sync remembers before it lists sled's blob
/// directory to forget the ids of files sled removed (`disk_sync.rs`): a listing is one
/// system call per few dozen files, so once in a thousand syncs costs nothing.
pub const BLOB_IDS_PRUNE_FLOOR: usize = 1024;

/// Bytes a snapshot is read (and hashed) at a time when a start decodes it as it reads.
pub const SNAPSHOT_READ_BUFFER_BYTES: usize = 1 << 20;

/// Bytes a snapshot is hashed and written at a time as it is encoded into its file.
pub const SNAPSHOT_WRITE_BUFFER_BYTES: usize = 1 << 20;

/// Bytes of journal after which the log makes sled's files durable and starts a new journal
/// file (see `journal`): large enough that the flush is rare (about once a second at a
/// hundred thousand events a second), small enough that an open after a crash applies its
/// records again in well under a second.
pub const JOURNAL_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

/// Bytes of journal written to a file that was not made in advance after which the log makes
/// a spare (see `journal::prepare_spare`): a log being written to gets one within a few
/// thousand commits, while commands that only read and short tests make none.
pub const JOURNAL_SPARE_AFTER_BYTES: u64 = 256 * 1024;

/// Journal records an open applies to sled in one batch after a crash: sled's insert has a
/// fixed cost of tens of microseconds a batch, so applying a full journal of one-event
/// commits (about 45,000 records) one record at a time took about five seconds.
pub const JOURNAL_REPLAY_BATCH_RECORDS: usize = 1024;

/// Keys of a group commit from which the log puts them into sled as one batch rather than one
/// insert each (see `store`'s append): below it (one to a few writers) the batch's two rolls
/// of sled's I/O buffer cost more than the inserts; from it (many writers, shared rolls) the
/// batch keeps the tail of the latencies as it was.
pub const SLED_BATCH_FROM_KEYS: usize = 32;

/// A commit's segment at least this long goes into sled alone, and sled's new blob files are
/// synced, before the commit's index keys go in. sled writes a log item over a quarter of its
/// 512 KiB log segment (about 128 KiB, a segment of 300 one-participant events) to a blob
/// file of its own, which its flush never syncs, and its recovery passes over a pointer to a
/// lost blob and reads on: a power cut in the middle of such a commit could otherwise leave
/// its index keys in sled's files without its segment. Half sled's threshold, to be safe
/// from its framing.
pub const SLED_BLOB_SAFE_BYTES: usize = 64 * 1024;

/// Most bytes of one segment of a commit cut into pieces (`keys::segment_pieces`), its
/// records with their framing: sled's leaf holds up to seventeen values, and seventeen of these
/// stay under the quarter of its 512 KiB log segment from which it writes a page to a blob file
/// it never pages out of its cache.
pub const SEGMENT_PIECE_BYTES: usize = 7 * 1024;

/// Longest record, with its framing, of a commit cut into pieces: half of
/// [`SLED_BLOB_SAFE_BYTES`], so that a piece (a record longer than [`SEGMENT_PIECE_BYTES`] is
/// a piece alone) never needs the blob file's sync of a long segment. A commit with a longer
/// record stays one segment.
pub const SEGMENT_PIECE_RECORD_MAX: usize = SLED_BLOB_SAFE_BYTES / 2;

/// Bytes a segment adds to each record: its length (`codec::encode_segment`). The segment's
/// own header, five bytes, is within [`SEGMENT_PIECE_BYTES`]'s margin.
pub const SEGMENT_RECORD_FRAME_BYTES: usize = 4;

/// Largest amount (points, hours, yuan, a rate) an event may hold, in size. `decide`'s own
/// limits keep every honest amount under a billion; this one is for events written elsewhere
/// (see `amount::bounded`): so many of them cannot be added up that a fold's `Decimal`
/// overflows.
pub const MAX_EVENT_AMOUNT: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Bytes of segments the chain walk hands a worker at once: enough that a log of one-event
/// segments (a live node's) costs a channel message per few thousand events, small enough
/// that both workers are busy from the first megabytes.
pub const WALK_CHUNK_BYTES: usize = 256 * 1024;

/// Bytes of segments a chain walk (a start's, `verify`'s) reads through one handle of the log
/// at least before it closes the log and opens it again (`rounds`): sled keeps what a handle
/// read until it is closed. On 100,000 volunteers at a province's density (5.7 M events) a
/// start walking in rounds this size peaked at 0.61 million KiB, the node as loaded; in one or
/// two rounds, at 0.95–0.99 million, the walk's hold over the state.
pub const WALK_ROUND_BYTES: usize = 512 * 1024 * 1024;

/// Rounds a chain walk takes at most: a larger log is walked in rounds of this fraction of
/// its size on disk. Every round opens the log again, and on a province's log (57 M events,
/// 25 GB; BENCHMARKS.md, "A province at its density, measured") an open reads sled's page
/// table, 0.3 s: rounds of 512 MiB took 41–61 s against 25–32 s through one handle, while a
/// walk's hold there was 1.1–1.2 GB in any rounds of 2 GiB or more, under the state's 5 GB.
pub const WALK_ROUNDS_AT_MOST: usize = 8;

/// Chunks the chain walk keeps read ahead of its checks, for each worker: the memory of the
/// walk beyond sled's own is this many chunks of [`WALK_CHUNK_BYTES`].
pub const WALK_CHUNKS_IN_FLIGHT_PER_THREAD: usize = 4;

/// The newest segments whose leaves `SledLog::let_go_of_reads` (`read_hold.rs`) reads from:
/// a leaf of keys appended in order holds 8 or 9 of them (sled 0.34 splits a leaf past 16
/// and the appends go on in its right half), so about 2,400 leaves, of which the reads reach
/// about 1,280: enough page ids to reach every one of sled's 256 shards.
pub const LET_GO_SEGMENTS: usize = 20_480;

/// One segment in this many is read by `let_go_of_reads`: about one every other leaf.
pub const LET_GO_SEGMENT_STRIDE: usize = 16;

/// Times `let_go_of_reads` reads its segments: each shard's queue of accesses is handled at
/// 64 (sled 0.34's `MAX_QUEUE_ITEMS`), and a read of one key is an access of each page on
/// the way to its leaf.
pub const LET_GO_PASSES: usize = 64;
