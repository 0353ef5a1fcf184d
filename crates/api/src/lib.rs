//! The Yinling HTTP service.
//!
//! A request becomes a command or a read; `yinling_app` does the rest (the access policy, the
//! group-commit writer, typed answers, reports). Handlers are thin: extract, call the
//! application, map the result to JSON, and every error to `application/problem+json`. This
//! crate holds no business rules and no access rules of its own.

pub mod connections;
pub mod error;
pub mod extract;
pub mod forward;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod starting;
pub mod wording;

pub use server::{
    router, router_with, serve, serve_connections, serve_with, ConnectionLimits, ServeConfig,
    ServeError,
};
pub use yinling_app::App;

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    server::shutdown_signal().await
}
