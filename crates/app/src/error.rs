//! Why the application could not do what was asked, typed once for every front end: the API
//! answers problem+json, the web app a page in plain words, the CLI one line and an exit code.

use yinling_projections::{Rejection, RejectionKind};

/// An error of the application layer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The domain refused: bad input, a missing thing, no permission, or a state that does
    /// not allow it. Nothing was appended.
    #[error("{0}")]
    Rejected(#[from] Rejection),
    /// An Idempotency-Key came back with a different request.
    #[error("this Idempotency-Key was already used for a different request; use a new key for a new request")]
    KeyReused,
    /// A stream changed between reading and writing (optimistic concurrency).
    #[error(
        "{stream} changed meanwhile (version {actual}, expected {expected}); reload and retry"
    )]
    VersionConflict {
        /// The stream.
        stream: String,
        /// The version the command expected.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// The ledger cannot take this now (shutting down, a replica without a writer, a failed
    /// flush). Nothing was saved; a retry later is safe.
    #[error("{0}")]
    Unavailable(String),
    /// A check found the log damaged (the walk after a tail start, or an audit's): no change
    /// is taken until it is restored from a backup. Nothing was saved; unlike
    /// [`AppError::Unavailable`], waiting does not help, so a person is told whom to tell.
    #[error("{0}")]
    LogDamaged(String),
    /// Something broke inside; the cause went to the server log.
    #[error("the server failed to handle this request; the failure was logged")]
    Internal,
}

impl AppError {
    /// An internal failure: the cause goes to the log, never to the caller.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        AppError::Internal
    }

    /// A refusal of bad input, with its stable code.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Rejected(Rejection::invalid(code, detail))
    }

    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Rejected(r) => r.code,
            AppError::KeyReused => "idempotency_key_reused",
            AppError::VersionConflict { .. } => "version_conflict",
            AppError::Unavailable(_) => "unavailable",
            AppError::LogDamaged(_) => "log_damaged",
            AppError::Internal => "internal",
        }
    }

    /// The kind of refusal, when the domain refused.
    pub fn rejection_kind(&self) -> Option<RejectionKind> {
        match self {
            AppError::Rejected(r) => Some(r.kind),
            _ => None,
        }
    }

    /// What went wrong, in words a person can act on.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}
