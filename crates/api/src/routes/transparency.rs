//! The log as anyone can check it, without a token: the Merkle tree head (size and root) and
//! the proofs that an event is in the log of a size, and that the log of one size is a prefix
//! of the log of a larger one (RFC 6962). A proof checks against a tree head written down
//! earlier; nothing in it reveals more than the event's chain hash.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::limits::MAX_CHECKPOINTS_PAGE;
use yinling_app::tree::Proof;
use yinling_app::App;

use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;

/// A tree head.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHeadOut {
    /// Events in the log.
    pub size: u64,
    /// The Merkle root of the log of that size (hex).
    pub root: String,
}

/// The Merkle tree head of the log now (anyone).
#[utoipa::path(get, path = "/v1/log/tree", tag = "audit",
    responses((status = 200, body = TreeHeadOut)))]
pub async fn tree(State(app): State<App>) -> Json<TreeHeadOut> {
    let (size, root) = app.engine.tree.head();
    Json(TreeHeadOut {
        size,
        root: root.to_hex(),
    })
}

/// Query of the inclusion proof.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The event.
    #[param(minimum = 1)]
    pub seq: u64,
    /// The log size the proof is against (default: the log now).
    pub size: Option<u64>,
}

/// A proof as served.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProofOut {
    /// The log size it is against.
    pub size: u64,
    /// The root of the log of that size (hex).
    pub root: String,
    /// The hashes (hex), as RFC 6962 orders them.
    pub proof: Vec<String>,
}

/// An inclusion proof with the event's chain hash (its leaf is SHA-256 of 0x00 and it).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionOut {
    /// The event.
    pub seq: u64,
    /// Its chain hash (hex).
    pub hash: String,
    /// The proof.
    #[serde(flatten)]
    pub proof: ProofOut,
}

fn proof_out(p: Proof) -> ProofOut {
    ProofOut {
        size: p.size,
        root: p.root.to_hex(),
        proof: p.path.iter().map(|h| h.to_hex()).collect(),
    }
}

/// The proof that event `seq` is in the log of `size` events (anyone).
#[utoipa::path(get, path = "/v1/log/proofs/inclusion", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = InclusionOut), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn inclusion(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionOut>, ApiError> {
    // The proof may read events back from the log: off the async runtime.
    let out = tokio::task::spawn_blocking(move || {
        let proof = app.engine.tree.inclusion(q.seq, q.size)?;
        let hash = yinling_ledger::log::get(app.engine.log(), q.seq)
            .map_err(|e| yinling_app::AppError::internal(&e))?
            .map(|e| e.hash.to_hex())
            .unwrap_or_default();
        Ok::<_, yinling_app::AppError>(InclusionOut {
            seq: q.seq,
            hash,
            proof: proof_out(proof),
        })
    })
    .await
    .map_err(|e| yinling_app::AppError::internal(&e))??;
    Ok(Json(out))
}

/// Query of the consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The earlier log size.
    pub from: u64,
    /// The later log size (default: the log now).
    pub to: Option<u64>,
}

/// A consistency proof with the earlier tree's root.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyOut {
    /// The earlier size.
    pub from: u64,
    /// The root of the log of that size (hex): compare it with the one written down.
    pub from_root: String,
    /// The proof, against the later size.
    #[serde(flatten)]
    pub proof: ProofOut,
}

/// The proof that the log of `from` events is a prefix of the log of `to` (anyone).
#[utoipa::path(get, path = "/v1/log/proofs/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyOut), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn consistency(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyOut>, ApiError> {
    // A question that cannot be asked is told apart from a size the log has not reached.
    if let Some(to) = q.to.filter(|to| q.from > *to) {
        return Err(ApiError::bad_request(
            "bad_window",
            format!(
                "from ({}) is larger than to ({to}): a consistency proof goes from the smaller tree to the larger",
                q.from
            ),
        ));
    }
    // The proof may read events back from the log: off the async runtime.
    let out = tokio::task::spawn_blocking(move || {
        let (proof, from_root) = app.engine.tree.consistency(q.from, q.to)?;
        Ok::<_, yinling_app::AppError>(ConsistencyOut {
            from: q.from,
            from_root: from_root.to_hex(),
            proof: proof_out(proof),
        })
    })
    .await
    .map_err(|e| yinling_app::AppError::internal(&e))??;
    Ok(Json(out))
}

/// The log now, as a signed checkpoint (size, Merkle root, time; ed25519, the plain-text
/// checkpoint format of transparency logs), for anyone to keep and compare (anyone). Signed
/// on demand and not kept: an anonymous caller makes nothing be written; the checkpoints
/// the service publishes (at its interval, and for statements) are listed at
/// `/v1/log/checkpoints`.
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "audit",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn checkpoint(State(app): State<App>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        app.checkpoint(),
    )
}

/// Query of the published checkpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// Only checkpoints of more than this many events (a watcher passes the size of the
    /// last one it kept).
    pub after: Option<u64>,
    /// At most this many (default and most: 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// One published checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedOut {
    /// Events in the log it signs.
    pub size: u64,
    /// The signed checkpoint, exactly as handed out.
    pub text: String,
}

/// A page of published checkpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedPage {
    /// Smallest size first.
    pub items: Vec<PublishedOut>,
    /// Pass as `after` for the next page (absent on the last).
    pub next_after: Option<u64>,
}

/// Every checkpoint the service has published (at its interval and on demand), smallest
/// first: what a watcher pulls, and what statements and voucher checks are proven against
/// (anyone).
#[utoipa::path(get, path = "/v1/log/checkpoints", tag = "audit", params(CheckpointsQuery),
    responses((status = 200, body = PublishedPage), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn checkpoints(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<CheckpointsQuery>,
) -> Result<Json<PublishedPage>, ApiError> {
    let limit = q.limit.unwrap_or(MAX_CHECKPOINTS_PAGE);
    if !(1..=MAX_CHECKPOINTS_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_limit",
            format!("limit {limit} must be between 1 and {MAX_CHECKPOINTS_PAGE}"),
        ));
    }
    let after = q.after.unwrap_or(0);
    let mut items =
        tokio::task::spawn_blocking(move || app.published_checkpoints(after, limit + 1))
            .await
            .map_err(|e| ApiError::from(yinling_app::AppError::internal(&e)))??;
    let more = items.len() > limit;
    items.truncate(limit);
    Ok(Json(PublishedPage {
        next_after: if more {
            items.last().map(|p| p.size)
        } else {
            None
        },
        items: items
            .into_iter()
            .map(|p| PublishedOut {
                size: p.size,
                text: p.text,
            })
            .collect(),
    }))
}

/// The key checkpoints are signed with, as one verifier-key line (anyone).
#[utoipa::path(get, path = "/v1/log/checkpoint-key", tag = "audit",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn checkpoint_key(State(app): State<App>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        format!("{}\n", app.checkpoint_verifier_key()),
    )
}
