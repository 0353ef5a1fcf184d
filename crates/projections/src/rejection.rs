//! Why a command or a read was refused, typed so that every front end can say it its own way
//! (an HTTP status, a page in plain words, a line and an exit code).

/// The kind of a rejection, which a front end maps to its own form (HTTP: 422, 404, 409, 403).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// The input breaks a rule (422).
    Invalid,
    /// Something it names does not exist (404).
    NotFound,
    /// The state does not allow it now (409).
    Conflict,
    /// The caller may not do this (403).
    Forbidden,
    /// Something the decision needs beside the log (the key store) failed; nothing was
    /// written and the command may be retried (503).
    Unavailable,
    /// Too many wrong guesses at a secret lately (a confirmation code, a PIN, a pickup
    /// code): nothing is answered until the pause ends, and then the same request may be
    /// sent again (429).
    TooMany,
}

/// Why a command was refused, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Rejection {
    /// The kind.
    pub kind: RejectionKind,
    /// A stable machine-readable code, e.g. `insufficient_points`.
    pub code: &'static str,
    /// The explanation.
    pub detail: String,
    /// For a pause ([`RejectionKind::TooMany`]) whose end is known: seconds until the same
    /// request may be sent again (HTTP's `Retry-After`).
    pub retry_after_seconds: Option<u32>,
}

impl Rejection {
    /// The input breaks a rule.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::Invalid, code, detail)
    }

    /// Something named does not exist.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::NotFound, code, detail)
    }

    /// The state does not allow it now.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::Conflict, code, detail)
    }

    /// The caller may not do this.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::Forbidden, code, detail)
    }

    /// Something beside the log failed; retry later.
    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::Unavailable, code, detail)
    }

    /// Paused after too many wrong guesses; retry once the pause is over.
    pub fn too_many(code: &'static str, detail: impl Into<String>) -> Self {
        Self::of(RejectionKind::TooMany, code, detail)
    }

    /// Paused after too many wrong guesses, for `seconds` more.
    pub fn paused_for(code: &'static str, detail: impl Into<String>, seconds: u32) -> Self {
        Rejection {
            retry_after_seconds: Some(seconds),
            ..Self::of(RejectionKind::TooMany, code, detail)
        }
    }

    fn of(kind: RejectionKind, code: &'static str, detail: impl Into<String>) -> Self {
        Rejection {
            kind,
            code,
            retry_after_seconds: None,
            detail: detail.into(),
        }
    }
}
