//! Idempotency keys: a client's key (an `Idempotency-Key` header, a web form's id) scoped to
//! the caller's token, so that two callers never collide and a retry of the same request by
//! the same caller appends nothing and gets the first answer.

use yinling_ledger::writer::Idempotency;
use yinling_ledger::Hash;
use yinling_projections::Principal;

/// The ledger-level key of `key` sent by `who` for a request whose bytes digest to `digest`
/// (a retry with another body under the same key is refused, not replayed).
pub fn scoped(who: &Principal, key: &str, digest: Hash) -> Idempotency {
    let scope = who
        .actor()
        .token_id
        .map_or_else(|| "system".to_owned(), |t| t.to_string());
    Idempotency {
        key: format!("{scope}:{key}"),
        request_digest: digest,
    }
}
