//! Yinling projections: pure, deterministic folds over the event log, and the pure
//! decisions that check every command against them.
//!
//! [`State::apply`] folds one event; [`decide::decide`] turns a command into events or a
//! typed [`decide::Rejection`]. Rankings ([`rankings`]) are answered from aggregates kept up
//! to date by `apply`, never by scanning the log.
//!
//! This crate never performs I/O: no disk, no network, no clock. The instant a command is
//! decided at comes in its context; snapshot bytes are handed to the ledger to store.

pub mod access;
pub mod activities;
pub mod catalog;
pub mod categories;
pub mod changed_since;
pub mod checks;
pub mod chunks;
pub mod command;
pub mod daily_series;
pub mod day_hours;
pub mod decide;
pub mod disputes;
pub mod evaluation;
pub mod fixed;
mod leaders;
pub mod limits;
pub mod map_parts;
pub mod maps;
pub mod month_bounds;
pub mod names;
pub mod numbers;
pub mod organisation;
mod packed;
pub mod packed_series;
pub mod participants;
pub mod passed_over;
pub mod personal;
pub mod policies;
pub mod policy;
pub mod principal;
pub mod ranking_changes;
pub mod ranking_ops;
pub mod rankings;
pub mod redemptions;
pub mod rejection;
pub mod replay;
pub mod rules;
pub mod scoring;
pub mod shards;
pub mod shared_rows;
pub mod shared_text;
pub mod sorted_set;
pub mod stars;
pub mod state;
pub mod statement;
pub mod stations;
pub mod teams;
pub mod timeline;
pub mod tokens;
mod touched_rows;
pub mod volunteers;
pub mod vouchers;

pub use command::{
    Command, CounterProof, GivenConsent, ImportedRow, NewActivity, NewProject, NewRules, NewToken,
    ParticipantHours, RowSource, TypedPin,
};
pub use decide::decide;
pub use policy::Policy;
pub use principal::Principal;
pub use rejection::{Rejection, RejectionKind};
pub use state::State;
