//! Settings that shape decisions without being state: they are copied into the events they
//! affect, so a later change of setting never rewrites the past.

use crate::limits::DEFAULT_HOLD_TTL_SECONDS;

/// Decision settings of one running ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// How long a hold waits before it lapses.
    pub hold_ttl_seconds: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            hold_ttl_seconds: DEFAULT_HOLD_TTL_SECONDS,
        }
    }
}
