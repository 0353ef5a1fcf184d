//! Every limit of the HTTP service, as a named constant with its unit.

/// Largest request body accepted, in bytes (1 MiB), but on the roster uploads.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The paths that take a roster file, whose bodies may be as large as
/// [`yinling_app::limits::ROSTER_UPLOAD_MAX_BYTES`].
pub const UPLOAD_PATHS: [&str; 2] = ["/v1/onboard", "/onboard"];

/// The largest body a request to `path` may carry.
pub fn body_limit_for(path: &str) -> usize {
    if UPLOAD_PATHS.contains(&path) {
        yinling_app::limits::ROSTER_UPLOAD_MAX_BYTES
    } else {
        BODY_LIMIT_BYTES
    }
}

/// A body limit in words, e.g. "1 MiB".
pub fn limit_in_words(bytes: usize) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// A request is abandoned after this long.
pub const REQUEST_TIMEOUT_SECONDS: u64 = 30;

/// How often held redemptions past their time are expired, by default.
pub const DEFAULT_EXPIRY_INTERVAL_SECONDS: u64 = 60;

/// A client must send a request's headers within this long, or the connection is closed
/// (a slow-loris client cannot hold a connection open by trickling bytes).
pub const HEADER_READ_TIMEOUT_SECONDS: u64 = 10;

/// Open connections served at once; more are refused at accept.
pub const MAX_CONNECTIONS: usize = 4096;

/// After a shutdown signal, in-flight requests get this long to finish.
pub const SHUTDOWN_GRACE_SECONDS: u64 = 30;

/// Longest a read with `min_seq` waits for this node to catch up.
pub const MIN_SEQ_WAIT_SECONDS: u64 = 10;

/// Longest a replica waits, after forwarding a write, to fold it before answering.
pub const READ_YOUR_WRITE_WAIT_SECONDS: u64 = 5;

/// Longest a forwarded write may take at the writer.
pub const FORWARD_TIMEOUT_SECONDS: u64 = 30;

/// Seconds after which a client should retry a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// `Retry-After` of the 503 every request gets while the node loads its ledger (a city's
/// start is under a second, a province's 15–45 s): what the browser's page waits before it
/// reloads itself, too.
pub const STARTING_RETRY_AFTER_SECONDS: u32 = 5;

/// `Retry-After` of a 429 (wrong confirmation codes pause a node for the rest of a minute;
/// the detail says how long is left): the longest the pause can have left, in seconds.
pub const PAUSED_RETRY_AFTER_SECONDS: u32 = 60;

/// Days of a volunteer's notices `GET /v1/volunteers/{id}/notices` reads back by default.
pub const DEFAULT_NOTICES_DAYS: u32 = 31;

/// Days of notices one read may ask for at most.
pub const MAX_NOTICES_DAYS: u32 = 400;

/// Bytes of a problem document the cluster's middleware reads to show it as a page (its own
/// refusals are a few hundred).
pub const MAX_PROBLEM_BYTES: usize = 64 * 1024;

/// Longest problem detail sent, in characters: enough for any refusal's words and the value
/// it names, never a caller's megabyte echoed back.
pub const MAX_DETAIL_CHARS: usize = 1_000;

/// How long a walk of the whole chain for an auditor (`GET /v1/audit/verify`, the web app's
/// `/audit/verify`) may take before its request gives up, in place of the request timeout
/// (30 s by default): a province's 57 M events are minutes of one core, and an auditor asked
/// for the answer, not for a timeout while the walk goes on without them. A nation's log
/// (about ten times a province) stays within it.
pub const AUDIT_WALK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

/// The paths [`AUDIT_WALK_TIMEOUT`] applies to.
pub const AUDIT_WALK_PATHS: [&str; 2] = ["/v1/audit/verify", "/audit/verify"];
