//! The Yinling ledger: the event catalogue, the envelope and its codec, the hash chain, the
//! sled store and the group-commit writer. Of the library crates, it and `yinling-nats-log`
//! (snapshots beside a NATS log) are the only ones that touch the filesystem.
//!
//! # The write path
//!
//! 1. A caller (an HTTP handler, the demo generator) wraps a command in a
//!    [`writer::Submission`] and sends it to the [`writer`] through a bounded queue.
//! 2. The writer thread drains the queue (up to [`writer::MAX_BATCH_EVENTS`]) and decides
//!    each command against its [`writer::StateMachine`], in order, each decision seeing the
//!    ones before it.
//! 3. The events are sealed into the [`chain`]: seq, stream version, UUIDv7, timestamp,
//!    `prev_hash`, `hash = SHA-256(prev_hash || canonical bytes)`.
//! 4. The whole batch is appended to the [`store`] in one atomic sled batch and made durable
//!    with one flush (group commit).
//! 5. Only then are the events published to readers and every caller answered. No caller is
//!    ever told "done" for something a power cut could take back.
//!
//! # What this crate must never do
//!
//! Let a storage engine's types escape (everything above the store sees [`log::EventLog`]),
//! edit or delete a stored event, or hand out a record it did not check.

pub mod access_log;
pub mod amount;
pub mod chain;
pub mod checkpoint;
mod checkpoints;
pub mod codec;
mod data_dir;
pub mod digest;
mod disk_sync;
pub mod envelope;
pub mod error;
pub mod event;
mod faults;
pub mod ids;
pub mod journal;
pub mod keyfile;
mod keys;
mod last_segment;
pub mod limits;
pub mod log;
pub mod merkle;
pub mod outbox;
pub mod outbox_status;
pub mod personal;
pub mod published;
mod read_hold;
pub mod rounds;
mod sled_writes;
pub mod snapshots;
pub mod store;
pub mod stream;
mod stream_versions;
pub mod time;
pub mod walk;
pub mod witness;
pub mod writer;

pub use digest::Hash;
pub use envelope::{Actor, Commit, Envelope, ExpectedVersion, Head, StreamId};
pub use error::LedgerError;
pub use event::*;
pub use ids::*;
pub use log::EventLog;
pub use store::{OpenMode, SledLog};
pub use time::Timestamp;
