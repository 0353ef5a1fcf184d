//! Every limit the decisions enforce, as a named constant with its unit.

use rust_decimal::Decimal;

/// Most participants one activity may list.
pub const MAX_PARTICIPANTS: usize = 500;

/// Most other teams one joint activity may name as co-organisers.
pub const MAX_CO_ORGANISERS: usize = 20;

/// Most hours one record may carry, and one volunteer may serve on one date.
pub const MAX_HOURS_PER_DAY: Decimal = Decimal::from_parts(24, 0, 0, false, 0);

/// Decimal places allowed on hours.
pub const HOURS_DECIMAL_PLACES: u32 = 2;

/// Decimal places allowed on prices and rates.
pub const POINTS_DECIMAL_PLACES: u32 = 2;

/// Most units one redemption may take.
pub const MAX_REDEMPTION_QUANTITY: u32 = 100;

/// Highest price of one reward unit, in points.
pub const MAX_COST_POINTS: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Highest points-per-hour rate.
pub const MAX_POINTS_PER_HOUR: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Largest stock of one reward, in units.
pub const MAX_STOCK_UNITS: u32 = 1_000_000;

/// Longest name (team, volunteer, reward, district, bank, origin), in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Longest activity title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Longest reason or label, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Highest rate bonus of a voucher, in basis points (10%).
pub const MAX_BASIS_POINTS: u32 = 1_000;

/// How long a held redemption waits at the counter before it lapses, by default: 14 days.
pub const DEFAULT_HOLD_TTL_SECONDS: i64 = 14 * 24 * 3600;

/// Points per hour in every category until an admin changes the rules.
pub const DEFAULT_POINTS_PER_HOUR: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Earliest activity date accepted (older paper records are not ledger material).
pub const EARLIEST_ACTIVITY_YEAR: i32 = 2000;

/// Events between snapshots, by default.
pub const DEFAULT_SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// Most events an expiry command expires at once (the rest wait for the next run).
pub const MAX_EXPIRED_PER_COMMAND: usize = 1_000;

/// Highest weight of one figure in the evaluation's scoring formula.
pub const MAX_WEIGHT: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Earliest year of birth accepted.
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// Most entries one ranking query returns.
pub const MAX_RANKING_LIMIT: usize = 1_000;

/// Rows each of the whole population's boards of the best of all time keeps (`leaders`):
/// twice the longest list, so that rows falling out of a board seldom leave it shorter than
/// a query asks for (it is filled again from every total when they do).
pub const LEADER_ROWS: usize = 2 * MAX_RANKING_LIMIT;

/// Windows of service dates whose boards of the whole population's best are kept at once
/// (`leaders`), the one asked for longest ago dropped first: "this year", "the last 90 days"
/// and "this month" in both orders, and room for a report's own.
pub const WINDOW_BOARDS: usize = 8;

/// Entries returned when the caller names no limit.
pub const DEFAULT_RANKING_LIMIT: usize = 20;

/// A district's volunteer ranking walks the volunteers who served for its teams when they
/// are fewer than one row of the ranking index in this many, and otherwise passes over every
/// row: a walk costs a sort and a hash lookup a volunteer (about 150 ns), a pass a few
/// nanoseconds a row, so a small county is walked and a fifth of a province passed over.
pub const DISTRICT_WALK_SHARE: usize = 32;

/// Calendar months whose per-volunteer bounds the ranking index keeps, latest first: a
/// window of up to five months (a quarter, "the last 90 days") falls within them.
pub const KEPT_RANKING_MONTHS: usize = 6;

/// One step of a month's bound on points, in the ranking index's units (ten-thousandths of a
/// point): a whole point.
pub const BOUND_POINT_STEP_UNITS: i64 = 10_000;

/// One step of a month's bound on hours, in the ranking index's units (hundredths of an
/// hour): a tenth of an hour.
pub const BOUND_HOUR_STEP_UNITS: i64 = 10;

/// Decimal places kept on stored points (hours have 2, rates 2, multipliers 2: a product is
/// rounded to this many).
pub const POINTS_STORED_DECIMAL_PLACES: u32 = 4;

/// Highest multiplier of a day rule.
pub const MAX_DAY_MULTIPLIER: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// Most day rules one version may carry.
pub const MAX_DAY_RULES: usize = 20;

/// Most credits one re-rating may change (a larger period is re-rated in parts).
pub const MAX_RERATED_ENTRIES: usize = 10_000;

/// Shortest category code, in characters.
pub const MIN_CATEGORY_CODE_CHARS: usize = 2;

/// Longest category code, in characters.
pub const MAX_CATEGORY_CODE_CHARS: usize = 40;

/// Most levels a star scale may have.
pub const MAX_STAR_LEVELS: usize = 10;

/// Most hours a star level may need.
pub const MAX_STAR_HOURS: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

/// Shortest hold time a policy may set, in seconds (a day).
pub const MIN_HOLD_TTL_SECONDS: i64 = 86_400;

/// Longest hold time a policy may set, in seconds (a year).
pub const MAX_HOLD_TTL_SECONDS: i64 = 365 * 86_400;

/// Longest back-fill limit a policy may set, in days (ten years).
pub const MAX_BACKFILL_DAYS: u32 = 3650;

/// Widest time zone offsets, in seconds east of UTC (kept by the ledger, which parses them).
pub use yinling_ledger::limits::UTC_OFFSET_RANGE_SECONDS;

/// Digits of the code a volunteer shows when picking a hold up.
pub const PICKUP_CODE_DIGITS: u32 = 6;

/// A counter PIN is this many digits at least.
pub const MIN_PIN_DIGITS: usize = 4;

/// A counter PIN is this many digits at most.
pub const MAX_PIN_DIGITS: usize = 6;

/// Digits of a phone number kept to find a volunteer at the counter.
pub const PHONE_DIGITS_KEPT: usize = 4;

/// Days a rate voucher is valid at the bank until the log sets its own policy.
pub const DEFAULT_VOUCHER_VALIDITY_DAYS: u32 = 180;

/// A voucher is valid this many days at most.
pub const MAX_VOUCHER_VALIDITY_DAYS: u32 = 3650;

/// Digits of a voucher code, its check digit included.
pub const VOUCHER_CODE_DIGITS: usize = 16;

/// A deposit or loan a voucher is used for is at most this many yuan.
pub const MAX_VOUCHER_AMOUNT_YUAN: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Days after a voucher's last day that a use on a day it was valid may still be recorded:
/// a customer served on the last day is entered the next morning, but a voucher long expired
/// is not brought back by typing an old date.
pub const VOUCHER_LATE_RECORD_DAYS: i64 = 7;

/// A unit's value or cost is at most this many yuan.
pub const MAX_UNIT_YUAN: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// A point is worth at most this many yuan.
pub const MAX_YUAN_PER_POINT: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Basis points in one (a rate bonus of 20 basis points is 0.20%).
pub const BASIS_POINTS_PER_UNIT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// The coverage warning is a percentage between 1 and this.
pub const MAX_COVERAGE_WARNING_PERCENT: u32 = 1_000;

/// A bank's budget is for a year between these.
pub const BUDGET_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Yuan amounts are kept to the fen: at most this many decimals.
pub const YUAN_DECIMAL_PLACES: u32 = 2;

/// Hours carried over from another platform are at most this many.
pub const MAX_CARRIED_HOURS: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

/// Points carried over from another platform are at most this many.
pub const MAX_CARRIED_POINTS: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 0);

/// Longest a privacy notice's text may be, in characters (a page of plain words).
pub const MAX_NOTICE_CHARS: usize = 5_000;

/// Longest public notice (公示) of a category's activities, in days.
pub const MAX_NOTICE_DAYS: u32 = 30;

/// Days before an unresolved dispute goes up to the district coordinator, until the log
/// sets it.
pub const DEFAULT_DISPUTE_ESCALATION_DAYS: u32 = 14;

/// Longest a dispute may wait before it is escalated, as a policy, in days.
pub const MAX_DISPUTE_ESCALATION_DAYS: u32 = 90;

/// Days a confirmation code can be used after it is given.
pub const CONFIRMATION_CODE_DAYS: u64 = 30;

/// Codes one activity may be given (one per party served, with room for lost slips).
pub const MAX_CONFIRMATION_CODES: usize = 20;

/// Digits of a mainland mobile number, the only kind a text message reaches.
pub const MOBILE_DIGITS: usize = 11;

/// A packed part (a statement's lines, a volunteer's hours per date) full to its capacity
/// grows by its length divided by this (an eighth), so it carries at most an eighth more room
/// than it uses instead of up to double.
pub const PACKED_GROWTH_DIVISOR: usize = 8;

/// Bytes a usual participant's entry takes packed (three for the volunteer's number up to
/// two million, one for the team credited and which amounts follow, two for hours of two or
/// three digits that are not the first entry's; the first entry's hours, points and rate
/// take six more, spread over the rest): the room an activity logged reserves for each entry
/// its event announces.
pub const PARTICIPANT_BYTES_USUAL: usize = 6;

/// The most one packed date of a volunteer's hours per date can take: a day's difference of
/// five bytes and an amount of fifteen.
pub const DAY_HOURS_ENTRY_BYTES_MAX: usize = 5 + 15;

/// The most one packed day of a volunteer's ranking series can take: a day's difference of
/// five bytes, and points and hours of ten each (any i64, doubled and zigzagged).
pub const PACKED_SERIES_ENTRY_BYTES_MAX: usize = 5 + 10 + 10;

/// The least a statement grows by, in bytes (about two packed lines), so a short one is not
/// reallocated every line.
pub const STATEMENT_GROWTH_MIN_BYTES: usize = 64;

/// The most one packed statement line can take: a tag, a seq and an instant of ten bytes
/// each, a date of five, three amounts of fifteen and an id of sixteen.
pub const STATEMENT_LINE_BYTES_MAX: usize = 1 + 10 + 10 + 5 + 3 * 15 + 16;

/// Most entries a map read from a snapshot reserves room for before reading them (a table of
/// keys and pointers: 24 bytes an entry, so 384 MB at most); a longer map grows as it reads.
pub const MAX_PRESIZED_MAP_ENTRIES: usize = 16 * 1024 * 1024;

/// Tables a large map of the state is kept in (`shards`): a snapshot's clone copies a pointer
/// a table, and a change while a snapshot holds one copies that table: about 250 entries at a
/// million volunteers, 1,200 at five million activities. With 256 tables a batch of a hundred
/// writes right after a snapshot copied a hundred tables of 4,000 to 20,000 entries (a
/// reference count touched for each), and held the batch for hundreds of milliseconds.
pub const SHARDS: usize = 4096;

/// Rows in one chunk of a column of the state (`chunks`): a snapshot's clone copies a
/// pointer a chunk, and a change while a snapshot holds one copies that chunk (4,096 rows,
/// 16 to 64 KB for the ranking index's columns). A power of two.
pub const CHUNK_ROWS: usize = 4096;

/// Entries in one part of a large map in a snapshot (about 10 MB of volunteers): parts are
/// what the start decodes on several cores at once (see `map_parts`).
pub const MAP_PART_ENTRIES: usize = 16 * 1024;

/// Most threads that decode a map's parts, or reveal names, at once (one per core up to
/// this).
pub const MAX_MAP_PART_DECODERS: usize = 8;

/// Fewest volunteers whose names are revealed on several threads at once (fewer are not worth
/// the threads).
pub const PARALLEL_REVEAL_MIN_VOLUNTEERS: usize = 4096;

/// The texts one thread keeps to share with the next value of the same text (`shared_text`:
/// activities' titles, consents' purposes and collectors): enough for a province's ten
/// thousand teams' coordinators and their recurring titles to hold a slot most of the time,
/// few enough (a pointer and a length each, and the texts themselves: about a megabyte a
/// thread at most) that the cache never weighs on a node whatever text the log holds.
pub const TEXT_CACHE_SLOTS: usize = 16384;

/// Most distinct names (districts) one thread shares before it makes the rest on their own: a
/// province has about a hundred districts, and a name is what an event says, so the cache must
/// not grow with whatever text the log holds.
pub const SHARED_NAMES_PER_THREAD: usize = 1024;

/// The one count a shared map's `Arc` (`triomphe`'s, `maps`) keeps beside its value; the
/// standard library's keeps two, a strong and a weak.
pub const ARC_COUNT_BYTES: usize = std::mem::size_of::<usize>();

/// What a request for a block aligned to eight bytes may cost beyond its size: mimalloc 3
/// serves an aligned request whose size class has no free block ready by asking for its size
/// plus its alignment less one (`alloc-aligned.c`, the over-allocation), unless the size is a
/// power of two. So 224 bytes aligned to eight take a 256-byte block, 216 a 224-byte one
/// (measured: a million `Arc`s of each). Every Rust allocation of a struct asks with its
/// alignment. The service's allocator (`yinling-alloc`) asks mimalloc's plain entry for such
/// requests and pays no slack; the asserts count it still, so that the values keep their
/// blocks under the `mimalloc` crate's allocator too.
pub const ALIGNED_REQUEST_SLACK: usize = std::mem::align_of::<usize>() - 1;

/// What a value of `value_bytes` behind a shared map's `Arc` may ask of the allocator: the
/// value, the `Arc`'s count and the slack of an aligned request. An activity's and a
/// volunteer's must stay within their blocks (asserted in `activities` and `volunteers`).
pub const fn shared_value_request_bytes(value_bytes: usize) -> usize {
    value_bytes + ARC_COUNT_BYTES + ALIGNED_REQUEST_SLACK
}

/// The allocator's block an activity and its `Arc`'s count fit: mimalloc's size classes
/// step 192, 224, 256, so a few bytes more would cost 32 an activity, millions of them in a
/// province.
pub const ACTIVITY_BLOCK_BYTES: usize = 224;

/// The allocator's block a volunteer and its `Arc`'s count fit: mimalloc's size classes
/// step 384, 448, 512, so a few bytes more would cost 64 a volunteer.
pub const VOLUNTEER_BLOCK_BYTES: usize = 448;
