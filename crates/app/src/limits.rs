//! Every limit of the application layer, as a named constant with its unit.

/// Past states kept for repeated `as_of` queries.
pub const AS_OF_CACHE_STATES: usize = 4;

/// Events folded under one write lock when a replica reads what it missed back out of the
/// log (readers wait no longer than one such chunk).
pub const FOLLOW_CHUNK_EVENTS: usize = 4_096;

/// Past states replayed at once for `as_of` queries not in the cache: each decodes a
/// snapshot and folds a tail (a province's state is gigabytes), so more callers wait with
/// 503 and Retry-After instead of filling the memory and the blocking threads.
pub const MAX_AS_OF_REPLAYS: usize = 2;

/// Levels of the Merkle tree kept only for the chunk of 2^this events still filling: the
/// tree holds 2/256 of a hash per event instead of two (0.25 bytes, not 64: 12.5 MB at a
/// province's fifty million events, not 3.2 GB), and a proof reads back at most 255 events'
/// chain hashes from the log to recompute what it dropped.
pub const TREE_FLOOR: u32 = 8;

/// Events `verify` folds through one handle of the embedded log while it checks the stored
/// snapshots, before it closes the log and opens it again: sled keeps what a handle read until
/// it is closed. About the bytes of segments of a chain walk's round at a province
/// (`yinling_ledger::rounds::round_bytes_for`: 25 GB in eight), about 440 bytes an event:
/// three rounds there.
pub const CHECK_ROUND_EVENTS: u64 = 20_000_000;

/// Events handed from the reading thread to the folding threads at a time.
pub const REPLAY_CHUNK_EVENTS: usize = 4096;

/// Most items one list page returns.
pub const MAX_PAGE_ITEMS: usize = 1_000;

/// Items per page when the caller names no limit.
pub const DEFAULT_PAGE_ITEMS: usize = 100;

/// Longest an Idempotency-Key (or a form id) may be, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Longest a decimal may be written, in characters.
pub const MAX_DECIMAL_CHARS: usize = 32;

/// Service logged at most this many days after it was served counts as logged within the
/// week; later entries are back-filled.
pub const TIMELY_LOGGING_DAYS: u32 = 7;

/// How fresh a token's "last used" time is kept, in microseconds (a minute).
pub const LAST_USED_RESOLUTION_MICROS: i64 = 60_000_000;

/// Days the access log keeps an entry unless the operator says otherwise.
pub const DEFAULT_ACCESS_LOG_DAYS: u32 = 365;

/// Longest the access log may keep an entry, in days (ten years).
pub const MAX_ACCESS_LOG_DAYS: u32 = 3650;

/// How often the access log and the notices' outbox are pruned, in seconds (a day).
pub const PRUNE_SECONDS: u64 = 86_400;

/// The hours of the night, in the ledger's zone, in which a due pruning of the notices runs:
/// it reads every notice (about two and a half minutes of a core at a province's year;
/// BENCHMARKS.md, "The notices' outbox at a city's year"), time taken from the day's
/// requests if it ran when the last one did.
pub const NOTICES_PRUNE_HOURS: std::ops::Range<u32> = 1..5;

/// A notices' pruning this late runs at whatever hour (a node that is not up at night).
pub const NOTICES_PRUNE_OVERDUE_SECONDS: u64 = 2 * 86_400;

/// At most this many volunteers answer one counter lookup (a clerk picks among them).
pub const MAX_COUNTER_MATCHES: usize = 20;

/// Roster rows sent to the writer at once while onboarding.
pub const ONBOARD_IN_FLIGHT: usize = 512;

/// Largest roster file accepted by upload, in bytes (32 MiB: a city of 100,000 volunteers
/// with balances is about 5 MiB as CSV, less as .xlsx).
pub const ROSTER_UPLOAD_MAX_BYTES: usize = 32 * 1024 * 1024;

/// A roster sheet's used area (rows × columns, from its first value to its last) may exceed
/// its values by this many cells, and by [`ROSTER_AREA_PER_VALUE`] for each value: the reader
/// holds the whole area, and one stray value at the far corner of Excel's grid would make it
/// 17 billion cells.
pub const ROSTER_AREA_SLACK_CELLS: u64 = 1_000_000;

/// See [`ROSTER_AREA_SLACK_CELLS`]: a roster's rows are at most a few dozen columns wide.
pub const ROSTER_AREA_PER_VALUE: u64 = 8;

/// Digits of a confirmation code (10^12 codes: with a thousand outstanding, guessing one is
/// hopeless only because wrong ones are counted, [`CODE_WRONG_PER_MINUTE`]).
pub const CONFIRMATION_CODE_DIGITS: u32 = 12;

/// Wrong confirmation codes a node takes in a minute before it answers none for the rest of
/// it (see `code_guesses`): far more than the parties typing their slips, far fewer than a
/// guesser needs.
pub const CODE_WRONG_PER_MINUTE: u32 = 30;

/// Seconds between passes of the notices outbox.
pub const NOTICE_INTERVAL_SECONDS: u64 = 2;

/// Seconds before a failed notice is tried again the first time (then twice as long each time).
pub const NOTICE_RETRY_BASE_SECONDS: u64 = 30;

/// The longest wait between two attempts at a notice, seconds.
pub const NOTICE_RETRY_CAP_SECONDS: u64 = 3_600;

/// Attempts before a notice is given up on (about a day and a half with the waits above).
pub const NOTICE_MAX_ATTEMPTS: u32 = 40;

/// A hold's volunteer is reminded this long before it lapses, seconds.
pub const HOLD_WARNING_SECONDS: u64 = 24 * 3_600;

/// Events read from the log per step of the outbox (each step one sled batch of their
/// notices and a flush). 250 shortened the fresh ledger's p99 under load, but slowed the
/// writes of a city at a province's density beside its rankings; 10,000 made the fresh
/// ledger's p99.9 three times as long (BENCHMARKS.md, "Notices stored in smaller steps:
/// measured, not kept").
pub const NOTICE_BATCH_EVENTS: usize = 1_000;

/// Notices delivered per pass.
pub const NOTICE_DUE_BATCH: usize = 200;

/// Seconds the webhook gateway has to answer a notice.
pub const NOTICE_WEBHOOK_TIMEOUT_SECONDS: u64 = 10;

/// Seconds between published checkpoints by default: ten minutes, so a statement's newest
/// lines wait at most that long for a checkpoint a watcher already holds.
pub const DEFAULT_CHECKPOINT_INTERVAL_SECONDS: u64 = 600;

/// The longest interval between published checkpoints `serve` accepts: a day.
pub const MAX_CHECKPOINT_INTERVAL_SECONDS: u64 = 86_400;

/// Published checkpoints one page of `GET /v1/log/checkpoints` gives at most.
pub const MAX_CHECKPOINTS_PAGE: usize = 1000;

/// Wrong counter PINs for one volunteer before their PIN is paused (see `pin_attempts`).
pub const PIN_WRONG_PER_VOLUNTEER: u32 = 5;

/// Wrong counter PINs, for any volunteers, one sign-in may type before it may type none.
pub const PIN_WRONG_PER_CALLER: u32 = 20;

/// How long a pause lasts, and how long a wrong PIN or pickup code is counted, in minutes
/// (the first time; see [`PIN_LOCK_DOUBLINGS`]).
pub const PIN_LOCK_MINUTES: u64 = 15;

/// How many times a pause may double, each after one before it: 15 minutes × 2⁹ is about
/// five days.
pub const PIN_LOCK_DOUBLINGS: u32 = 9;

/// Volunteers and callers with wrong PINs kept before the expired ones are let go.
pub const PIN_WRONG_REMEMBERED: usize = 4096;

/// Days a settled notice (delivered, failed, kept for paper) stays in the outbox: longer than
/// any page or answer reads back (the API's `MAX_NOTICES_DAYS`, 400) and a year's statements.
pub const NOTICES_KEPT_DAYS: i64 = 400;

/// Digits from which Excel shows a number in scientific notation (`1.23457E+11`) in a
/// General column; past fifteen it drops the last ones. A CSV cell of this many digits is
/// written as text (`csv::guard`).
pub const EXCEL_SCIENTIFIC_DIGITS: usize = 12;

/// Longest run of digits on either side of a `-` or `/` that Excel reads as a day and a
/// month of this year (`3-5`, `12/31`): such a CSV cell is written as text (`csv::guard`).
pub const EXCEL_DATE_PART_DIGITS: usize = 2;

/// The most characters an Excel cell holds: a longer text is cut there in a workbook
/// download (`xlsx::Sheet::row`), where the writer would refuse the whole file.
pub const EXCEL_CELL_CHARS: usize = 32_767;

/// A workbook download's columns are at least this many digits wide (a column of small
/// figures still shows its header's filter button)...
pub const XLSX_MIN_COLUMN_CHARS: usize = 6;

/// ...and at most this many: a long text wraps out of sight rather than push every other
/// column off the screen.
pub const XLSX_MAX_COLUMN_CHARS: usize = 60;

/// Rows of figures one worksheet holds below its header: Excel opens 1,048,576 rows a sheet
/// and no more, so a province's balances (a row a volunteer) go on as many sheets as they
/// need, each with its header.
pub const EXCEL_SHEET_DATA_ROWS: usize = 1_048_575;

/// The most characters of a worksheet's name in Excel: a continued sheet's name (`NAME
/// (2)`) cuts NAME to fit.
pub const EXCEL_SHEET_NAME_CHARS: usize = 31;

/// Characters the first administrator's token must have when it comes from the environment
/// (`YINLING_ADMIN_TOKEN`): its SHA-256 is in the log auditors read.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// Rows below a roster sheet's first looked at for its header, when the first row is not it
/// (a title over the table): enough for a title, a date line and a blank row or two.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Lease times to live a read replica may go without the log answering before it stops
/// answering signed-in requests (`Cluster::out_of_touch_for`), and the least time that is:
/// a loaded NATS server misses a lease check now and then, and a replica that refused
/// people at every missed check would send them away for nothing.
pub const OUT_OF_TOUCH_LEASES: u32 = 3;

/// See [`OUT_OF_TOUCH_LEASES`].
pub const OUT_OF_TOUCH_MIN_SECONDS: u64 = 15;

/// Most bytes of a workbook's styles (`xl/styles.xml`) read to spell out Chinese Excel's date
/// styles: a roster's are a few kilobytes; a larger one is read by calamine as it is.
pub const MAX_STYLES_BYTES: u64 = 4 * 1024 * 1024;

/// Bytes a state's digest gathers before it hands them to the hasher (`state_digest`): one
/// call a few bytes is slow.
pub const HASH_BUFFER_BYTES: usize = 64 * 1024;

/// The longest value of a map that a state's digest takes as it is (`state_digest`); a
/// longer one goes in as its SHA-256. Hashing each of a volunteer's hours per date alone was
/// most of a digest's time.
pub const INLINE_VALUE_BYTES: usize = 64;

/// Workers that hash (and for an audit decode) the events of a walk of the whole chain on a
/// serving node: the walk after a start that checked only its tail (`engine::chain_walk`)
/// and an auditor's check (`engine::audit`). One, beside the thread that reads the
/// segments, so that a core is left for requests while it runs.
pub const WALK_WORKERS_WHILE_SERVING: usize = 1;

/// Events read from the log through the serving handle (the auditors' feed, an audit's walk,
/// an as-of view's replay) after which what sled kept of them is let go of
/// (`engine::read_hold`): about 220 MB of segments at 440 bytes an event, so a long read
/// leaves at most about that beside sled's cache, and a let-go (about half a second at a
/// city of 100,000 volunteers) is a tenth of the time the read took.
pub const LET_GO_AFTER_EVENTS_READ: u64 = 500_000;
