//! `/checkpoint`: the log's latest published checkpoint in large type with its QR code, open to anyone,
//! to print for a noticeboard or a newspaper. Whoever keeps a copy can later check with a
//! consistency proof that the log only grew; the key to check the signature with is printed
//! beside it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::App;

use crate::layout::{page, Frame};
use crate::session::Viewer;

/// `/checkpoint`.
pub async fn checkpoint(State(app): State<App>, viewer: Viewer) -> Response {
    let l = viewer.lang;
    // The latest published checkpoint (published at start and at the service's interval):
    // the one pinned up is one statements are proven against. Only a service that has
    // published none yet publishes one now.
    let published = match app.latest_published().await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => app.publish_now().await,
        Err(e) => Err(e),
    };
    let published = match published {
        Ok(p) => p,
        Err(e) => return crate::layout::refusal(&viewer, "/", &e),
    };
    let key = app.checkpoint_verifier_key();
    let size = published.size;
    let text = published.text;
    // The root of an older size may read events back from the log: off the async runtime.
    let tree = app.engine.tree.clone();
    let root = match tokio::task::spawn_blocking(move || tree.root_at(size)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return crate::layout::refusal(&viewer, "/", &e),
        Err(e) => {
            let e = yinling_app::AppError::internal(&e);
            return crate::layout::refusal(&viewer, "/", &e);
        }
    };
    page(
        Frame { viewer: &viewer, title: l.t("积分账本公示（签名检查点）", "The ledger's signed checkpoint").into(), back: Some("/"), as_of: None },
        html! {
            p.notice { (l.s(
                format!("截至此刻，积分账本共记录 {size} 条事件。下面这段签名文字证明这一点；请保存或张贴。以后任何人都可以用它核对：账本只会增加，不会被改写。"),
                format!("As of now the ledger holds {size} events. The signed text below says so; keep it or pin it up. Anyone can later check with it that the ledger only grew and was never rewritten."),
            )) }
            section.card.slip {
                pre.checkpoint { (text) }
                div.qr { (maud::PreEscaped(super::cards::qr_svg(&text))) }
            }
            p { (l.t("账本根哈希（Merkle 根）", "The ledger's root (Merkle root)")) }
            p.hash { (root.to_hex()) }
            p { (l.t("核对签名用的公钥", "The key to check the signature with")) }
            p.hash { (key) }
            p.muted.no-print { (l.t("用浏览器的“打印”打印这一页。核对方法见 yinling checkpoints pull 和 yinling-verify。", "Print this page from the browser. To check: yinling checkpoints pull and yinling-verify.")) }
        },
    )
    .into_response()
}
