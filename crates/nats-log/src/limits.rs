//! Every limit of the NATS log, as a named constant with its unit.

use std::time::Duration;

/// The largest message a group commit may need (the writer batches up to 8,192 events).
pub const NEEDED_MAX_PAYLOAD: usize = 8 * 1024 * 1024;

/// How long a request to the cluster may take before it is retried or reported.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long reads keep retrying while the cluster elects a new stream leader.
pub const READ_RETRY_FOR: Duration = Duration::from_secs(30);

/// Most messages taken in one [`Follower::next_batch`].
pub const FOLLOW_BATCH: usize = 512;

/// Bytes of messages a follower takes at once, whatever their number: a replica catching up
/// on a bulk import's group commits (up to 8 MiB each) holds tens of megabytes, not
/// gigabytes.
pub const FOLLOW_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Messages behind from which reads stream through an ordered consumer.
pub const BULK_READ_FROM: u64 = 16;

/// The oldest nats-server the log runs on (major, minor): 2.10 syncs every JetStream write
/// when told (`sync_interval: always`) and creates key-value buckets as the client expects.
pub const MIN_SERVER_VERSION: (u32, u32) = (2, 10);
