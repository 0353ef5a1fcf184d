//! Proofs where people look, on the web: a volunteer downloads their statement with, for each
//! line, the proof that it is in a published checkpoint (`/me/statement.csv`, opened in Excel
//! or checked with `yinling-verify`); the statement page, the printed statement and the bank's
//! voucher check say which checkpoint their lines are in, with each event's fingerprint.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use yinling_app::reports::accounts::{entry_out, EntryOut};
use yinling_app::reports::{self, Lang as Columns};
use yinling_app::App;
use yinling_app::AppError;
use yinling_ledger::checkpoint::Checkpoint;
use yinling_ledger::published::Published;
use yinling_ledger::Hash;

use crate::i18n::Lang;
use crate::layout::{needs_sign_in, not_for_you, refusal};
use crate::session::Viewer;

/// The first `groups` × 4 hex digits of an event's chain hash, in groups of four: enough to
/// tell one event from another on paper and to find it in the downloaded statement.
pub fn fingerprint(hash: &Hash, groups: usize) -> String {
    fingerprint_hex(&hash.to_hex(), groups)
}

/// [`fingerprint`] of a hash already in hex.
pub fn fingerprint_hex(hex: &str, groups: usize) -> String {
    hex.as_bytes()
        .chunks(4)
        .take(groups)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// When a published checkpoint was signed, to the minute in the ledger's zone.
pub fn signed_at(published: &Published) -> String {
    Checkpoint::read_unchecked(&published.text)
        .map(|c| c.time.local_minute())
        .unwrap_or_default()
}

/// A few words naming the published checkpoint the lines above are in, and how to check.
pub fn checkpoint_words(l: Lang, published: &Published) -> Markup {
    let when = signed_at(published);
    let size = published.size;
    html! {
        p.muted.proof {
            (l.s(
                format!("核对：以上记录（记录号 {size} 以内）都在 {when} 签名公示的账本检查点中（共 {size} 条事件）。带证明的明细可在“我的积分明细”下载，用公示的检查点和 yinling-verify 核对。"),
                format!("To check: the lines above (numbers up to {size}) are in the ledger's checkpoint signed and published at {when} ({size} events). The statement with its proofs can be downloaded from \"My points history\" and checked with the published checkpoint and yinling-verify."),
            ))
        }
    }
}

/// The same on a printed statement, in one short sentence; `numbered` when the lines carry
/// their record numbers (A4; the A5 sheet has no room for them).
pub fn paper_words(l: Lang, published: &Published, numbered: bool) -> String {
    let when = signed_at(published);
    let size = published.size;
    match (l, numbered) {
        (Lang::Zh, true) => format!("#记录号均在公示检查点 {when}（{size} 条）中"),
        (Lang::Zh, false) => format!("以上记录均在公示检查点 {when}（{size} 条）中"),
        (_, true) => format!("#records: in checkpoint {when} ({size})"),
        (_, false) => format!("These lines: in checkpoint {when} ({size})"),
    }
}

/// `/me/statement.csv`: the signed-in volunteer's whole statement, each line with its
/// event's hash and the proof that it is in the published checkpoint named in the file's
/// name; columns in the viewer's language, as every spreadsheet of the service.
pub async fn statement_csv(State(app): State<App>, viewer: Viewer) -> Response {
    let id = match viewer.session.as_ref().map(|s| s.principal.clone()) {
        Some(yinling_projections::Principal::Volunteer(_, v)) => v,
        Some(_) => return not_for_you(&viewer),
        None => return needs_sign_in(&viewer),
    };
    let view = match app.engine.view(None).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/me/statement", &e),
    };
    let entries: Option<Vec<EntryOut>> = view.with(|state| {
        state.volunteers.get(&id).map(|v| {
            v.statement
                .iter(state.stamps())
                .map(|e| entry_out(state, v, &e))
                .collect()
        })
    });
    let Some(entries) = entries else {
        return not_for_you(&viewer);
    };
    let (entries, published) = match app.prove_entries(entries).await {
        Ok(proven) => proven,
        Err(e) => return refusal(&viewer, "/me/statement", &e),
    };
    let size = published.size;
    let columns = if viewer.lang == Lang::Zh {
        Columns::Zh
    } else {
        Columns::En
    };
    let out = match reports::write_csv::<EntryOut, _>(Vec::new(), columns, &entries) {
        Ok(bytes) => bytes,
        Err(e) => return refusal(&viewer, "/me/statement", &AppError::internal(&e)),
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"statement-{id}-checkpoint-{size}.csv\""),
            ),
        ],
        out,
    )
        .into_response()
}
