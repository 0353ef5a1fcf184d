//! Every limit of the web app, as a named constant with its unit.

/// Events per page of the feed.
pub const FEED_PAGE_EVENTS: usize = 50;

/// Cards printed in one go.
pub const MAX_CARDS: usize = 100;

/// Largest form body accepted, in bytes.
pub const FORM_LIMIT_BYTES: usize = 256 * 1024;

/// Longest form id used as an idempotency key, in characters.
pub const MAX_FORM_ID_CHARS: usize = 64;

/// Statement lines shown at once.
pub const STATEMENT_LINES: usize = 60;

/// A session lasts half a year: older volunteers should not be logged out on them.
pub const SESSION_MAX_AGE_SECONDS: u64 = 180 * 24 * 3600;

/// Activities listed at once.
pub const ACTIVITIES_SHOWN: usize = 50;

/// Teams shown in the team chart.
pub const CHART_TEAMS: usize = 15;

/// Stars on public notice listed at once (the oldest first; the API lists them all).
pub const PENDING_STARS_SHOWN: usize = 30;

/// Teams a joint activity needs: the one that logs it and at least one other.
pub const MIN_JOINT_TEAMS: usize = 2;

/// Days of the access log the auditor's page shows.
pub const ACCESS_PAGE_DAYS: i64 = 7;

/// Most access log entries the auditor's page shows.
pub const ACCESS_PAGE_ENTRIES: usize = 500;

/// Lines of body type a printed A4 statement has for the month's parts (points on public
/// notice, disputes, the month's lines and notices) below its fixed ones (the name, the
/// points, the hours, the headings, the footer): each of those parts printed to a known
/// height (a line of the table, a dispute or a paragraph of points pending on one line, a
/// notice on three at most), and a sheet lists what its room holds. The browser test prints a
/// volunteer with every part at its cap, and one with a month of lines alone, on one page
/// each (before the room was counted, the first printed on seven pages); with a room of 20
/// one of them ran onto a second page, so 18 leaves a line or more for other fonts.
pub const STATEMENT_ROOM_A4: usize = 18;

/// The same on A5: 15 printed on one page, 17 did not; 14 leaves a line.
pub const STATEMENT_ROOM_A5: usize = 14;

/// Lines of the month a sheet lists before any notice (then notices, as room allows, then
/// more lines): the month's latest entries matter more than a notice the volunteer's page
/// and the station also show.
pub const STATEMENT_MIN_LINES: usize = 3;

/// The room a notice takes on paper: printed on three lines at most.
pub const STATEMENT_NOTICE_ROOM: usize = 3;

/// The room the notices' heading takes (larger type).
pub const STATEMENT_HEADING_ROOM: usize = 2;

/// Disputes a printed statement lists (open ones and those answered that month), so a page
/// stays one page.
pub const STATEMENT_DISPUTES: usize = 3;

/// Recent activities a volunteer picks from to dispute one (older ones: the counter opens
/// the dispute for them).
pub const MAX_DISPUTE_CHOICES: usize = 20;

/// Notices shown on a volunteer's page: at most this many ...
pub const NOTICES_SHOWN: usize = 5;

/// ... of the last this many days.
pub const NOTICES_SHOWN_DAYS: i64 = 31;

/// Notices a printed statement lists at most (the latest of the month), as room allows.
pub const STATEMENT_NOTICES: usize = 2;

/// Notices of one volunteer read for a printed month at most.
pub const PAPER_NOTICES_SCANNED: usize = 500;

/// Groups of four hex digits of an event's hash shown as its fingerprint on a screen (the
/// bank's check): enough to tell one event from another and find it in a statement.
pub const FINGERPRINT_GROUPS_SCREEN: usize = 4;

/// The same on a printed A4 statement, where a line has room for two.
pub const FINGERPRINT_GROUPS_PAPER: usize = 2;

/// Minutes after a hold at the counter during which the clerk who made it can open its slip
/// with the pickup code on it again (to print it for the volunteer); later, and for anyone
/// else, the slip leaves the code out.
pub const SLIP_WITH_CODE_MINUTES: i64 = 10;

/// Days after a volunteer moves to another team that the old team's activity form still
/// offers them: service done before the move is logged late by the team it was done with
/// (within the back-fill limit, which an administrator may extend).
pub const FORMER_MEMBERS_DAYS: u32 = 30;

/// A redemption of the same reward made this many minutes ago is named on its confirmation
/// page (Back after redeeming shows a fresh form), and the button says "one more".
pub const RECENT_HOLD_MINUTES: i64 = 30;

/// Holds listed on the counter page at once, the oldest first; a volunteer's own are found
/// by scanning their card or searching.
pub const WAITING_SHOWN: usize = 200;

/// How long a counter's browser remembers the receipt paper chosen (a year: the printer
/// stays the same).
pub const PAPER_REMEMBERED_SECONDS: u32 = 31_536_000;

/// Days an activity's points wait for confirmation before the administrator's policies page
/// lists it (a confirmation code lasts thirty).
pub const STUCK_CONFIRMATION_DAYS: i64 = 30;

/// Activities waiting that long listed at once, the longest waiting first.
pub const STUCK_CONFIRMATIONS_SHOWN: usize = 50;
