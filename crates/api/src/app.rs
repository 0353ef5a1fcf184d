//! The state every handler shares.

use std::sync::Arc;

use crate::engine::Engine;
use crate::metrics::Metrics;
use crate::tokens::TokenMint;

/// What handlers get through `State<AppState>`.
#[derive(Clone)]
pub struct AppState {
    /// The running ledger.
    pub engine: Arc<Engine>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Token secret derivation.
    pub mint: TokenMint,
}

impl axum::extract::FromRef<AppState> for Arc<Metrics> {
    fn from_ref(app: &AppState) -> Self {
        app.metrics.clone()
    }
}
