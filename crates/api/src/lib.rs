//! The Yinling HTTP service.
//!
//! A request becomes a command; the command goes through the group-commit writer, which
//! decides it against the projections and appends its events durably; the answer is built
//! from those events. Reads are answered from the projections and never wait for the writer.
//! Errors are `application/problem+json`. This crate must never hold business rules: those
//! live in `yinling_projections::decide`.

pub mod app;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod extract;
pub mod machine;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod tokens;
pub mod wire;

pub use app::AppState;
pub use engine::{Engine, EngineConfig, EngineError};
pub use server::{serve, shutdown_signal, ServeConfig, ServeError};
