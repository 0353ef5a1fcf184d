//! Every limit of the command line, as a named constant with its unit.

/// Events appended per batch (one flush each).
pub const COPY_BATCH_EVENTS: usize = 8_192;

/// Seconds between plain progress lines when not on a terminal.
pub const PLAIN_LINE_EVERY_SECONDS: u64 = 2;

/// Commands in flight at once (they share group commits).
pub const IN_FLIGHT_COMMANDS: usize = 512;

/// Most volunteers `demo` generates.
pub const MAX_DEMO_VOLUNTEERS: usize = 1_000_000;

/// Most teams `demo` generates.
pub const MAX_DEMO_TEAMS: usize = 10_000;

/// Most days of history `demo` generates (ten years).
pub const MAX_DEMO_DAYS: u32 = 3650;

/// Most hours the demo city's earning rules credit a volunteer in a day, and so the most the
/// generator gives anyone in a day: past it the rules refuse the whole activity.
pub const DEMO_MAX_HOURS_A_DAY: i64 = 10;

/// Services a volunteer of the demo city gives in a year by default: 湖州's figures, about
/// 11,000 participations a district a year at 10,000 volunteers over five districts.
pub const DEMO_SERVICES_PER_VOLUNTEER: f64 = 5.5;

/// Most services a volunteer gives in a year in a demo city (one a day, and a few days of
/// two): past it the ten hours a day the earning rules credit refuse most of them.
pub const MAX_DEMO_SERVICES_PER_VOLUNTEER: f64 = 400.0;

/// Refused demo commands printed in full (the rest are counted).
pub const MAX_REFUSALS_SHOWN: usize = 5;

/// Days of history from which the demo city has a team leave its group.
pub const MIN_DEMO_DAYS_FOR_A_LEAVER: u32 = 6;

/// Longest a held redemption may wait at the counter, in days.
pub const MAX_HOLD_DAYS: i64 = 365;

/// Most replicas of a NATS stream.
pub const MAX_REPLICAS: usize = 5;

/// Longest writer lease, in seconds.
pub const MAX_LEASE_SECONDS: u64 = 300;

/// The back-fill limit the demo city adopts once its history is logged, in days.
pub const DEMO_BACKFILL_LIMIT_DAYS: u32 = 30;

/// Share of a group member team's demo activities organised jointly with another member.
pub const JOINT_SHARE: f64 = 0.25;

/// Each e-station the demo opens gets this fraction (1/n) of the first station's units of
/// each reward.
pub const DEMO_STATION_SHARE: u32 = 5;

/// Activities of the demo city given a confirmation slip (the latest ones).
pub const DEMO_CONFIRMATION_SLIPS: usize = 30;

/// Volunteers of the demo city who name where their notices go.
pub const DEMO_CONTACTS: usize = 6;

/// Seconds `checkpoints pull` and `export --from` wait for the service to answer one request
/// (a page) before they give up and say so: a watcher run from cron must not hang on a service
/// that never answers.
pub const SERVICE_ANSWER_TIMEOUT_SECONDS: u64 = 60;
