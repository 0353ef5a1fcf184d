//! The auditor's pages: the chain head to write down, verification, the event feed, and the
//! way to look at any page as of a past event.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use yinling_app::App;
use yinling_ledger::log::{self, VerifyDepth};
use yinling_ledger::Timestamp;
use yinling_projections::access::Read;

use crate::layout::{page, page_with, refusal, Frame};
pub use crate::limits::FEED_PAGE_EVENTS;
use crate::limits::{ACCESS_PAGE_DAYS, ACCESS_PAGE_ENTRIES};
use crate::session::Viewer;

/// The audit pages are open to whom the access policy opens the event log.
fn auditor(viewer: &Viewer) -> Result<(), Response> {
    super::may_read(viewer, &Read::Audit).map(|_| ())
}

/// `/audit`.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    if let Err(r) = auditor(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let head = app.engine.log().head();
    page(
        Frame { viewer: &viewer, title: l.t("审计", "Audit").into(), back: None, as_of: None },
        html! {
            section.card {
                h2 { (l.t("当前链头（请抄下来）", "Chain head (write it down)")) }
                p { (l.s(format!("第 {} 条记录", head.seq), format!("Event {}", head.seq))) }
                p.hash { (head.hash.to_hex()) }
            }
            form method="get" action="/audit/verify" data-busy="verify-busy" {
                button.big type="submit" { (l.t("核验整条记录链", "Verify the whole chain")) }
            }
            p #verify-busy.note role="status" hidden {
                (l.t("正在逐条重算哈希……已用 ", "Re-hashing every event… ")) span.seconds { "0" } (l.t(" 秒", " s"))
            }
            a.button.big.plain href="/audit/events" { (l.t("逐条查看记录", "Read the event feed")) }
            @if super::may_read(&viewer, &Read::AccessLog).is_ok() {
                a.button.big.plain href="/audit/access" { (l.t("谁查看了谁的积分", "Who looked at whose points")) }
            }
            a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
            h2 { (l.t("查看历史状态", "Look at the past")) }
            p { (l.t("输入记录序号，就能看到在那一条之后的排行榜和统计。", "Enter an event number to see the leaderboard and figures as they stood right after it.")) }
            form method="get" action="/rankings" {
                label for="as_of" { (l.t("记录序号", "Event number")) }
                input #as_of name="as_of" inputmode="numeric" required;
                button.big type="submit" { (l.t("查看当时的排行榜", "See the leaderboard then")) }
            }
        },
    )
    .into_response()
}

/// `/audit/verify`: walks and re-hashes the whole chain, decoding every event.
pub async fn verify(State(app): State<App>, viewer: Viewer) -> Response {
    if let Err(r) = auditor(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let engine = app.engine.clone();
    let started = std::time::Instant::now();
    let report = match tokio::task::spawn_blocking(move || engine.verify(VerifyDepth::Full)).await {
        Ok(Ok(r)) => r,
        // `Engine::verify` is unavailable only while another audit walks the chain: said
        // here in words of its own, which can name the cause (the plain words of
        // "unavailable" cover every refusal so, and cannot).
        Ok(Err(yinling_app::AppError::Unavailable(_))) => {
            return page_with(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Frame {
                    viewer: &viewer,
                    title: l.t("核验结果", "Verification").into(),
                    back: Some("/audit"),
                    as_of: None,
                },
                html! {
                    p.error role="alert" { (l.t("另一次全链核验正在进行，请等它结束后再试（全省规模约需几分钟）。", "Another check of the whole chain is running; try again when it has ended (a few minutes at a province).")) }
                    a.button.big href="/audit/verify" { (l.t("再核验一次", "Verify again")) }
                },
            )
        }
        Ok(Err(e)) => return refusal(&viewer, "/audit", &e),
        Err(e) => return refusal(&viewer, "/audit", &yinling_app::AppError::internal(&e)),
    };
    let seconds = started.elapsed().as_secs_f64();
    page(
        Frame { viewer: &viewer, title: l.t("核验结果", "Verification").into(), back: Some("/audit"), as_of: None },
        html! {
            @if let Some(bad) = &report.first_bad {
                p.error role="alert" { (l.s(format!("第 {} 条记录有问题：{}", bad.seq, bad.detail), format!("Event {} is damaged: {}", bad.seq, bad.detail))) }
                p { (l.t("从现在起系统不接受任何更改（查询照常），直到从备份恢复。请通知管理员。", "From now on the ledger takes no changes (reads go on) until it is restored from a backup. Tell the administrator.")) }
            } @else {
                p.success role="status" { (l.s(format!("全部 {} 条记录核验无误（用时 {seconds:.1} 秒）。", report.verified.seq), format!("All {} events verified ({seconds:.1} s).", report.verified.seq))) }
            }
            p { (l.t("链头：", "Head: ")) (report.verified.seq) }
            p.hash { (report.verified.hash.to_hex()) }
        },
    )
    .into_response()
}

/// Feed paging.
#[derive(Debug, Default, Deserialize)]
pub struct Feed {
    /// Events after this seq.
    pub after: Option<u64>,
}

/// `/audit/events`.
pub async fn events(State(app): State<App>, viewer: Viewer, Query(f): Query<Feed>) -> Response {
    if let Err(r) = auditor(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let after = f.after.unwrap_or(0);
    let engine = app.engine.clone();
    let events = match tokio::task::spawn_blocking(move || {
        let events = log::read(engine.log(), after, FEED_PAGE_EVENTS)?;
        engine.note_log_read(events.len() as u64);
        Ok::<_, yinling_ledger::LedgerError>(events)
    })
    .await
    {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => return refusal(&viewer, "/audit", &yinling_app::AppError::internal(&e)),
        Err(e) => return refusal(&viewer, "/audit", &yinling_app::AppError::internal(&e)),
    };
    let next = events.last().map(|e| e.seq);
    page(
        Frame { viewer: &viewer, title: l.t("记录", "Event feed").into(), back: Some("/audit"), as_of: None },
        html! {
            table {
                thead { tr { th { (l.t("序号", "No.")) } th { (l.t("内容", "What")) } th { (l.t("哈希", "Hash")) } } }
                tbody {
                    @for e in &events {
                        tr {
                            td { a href={ "/rankings?as_of=" (e.seq) } { (e.seq) } }
                            td { (e.payload.type_name()) br; span.muted { (e.recorded_at.to_rfc3339()) } }
                            td.hash { (&e.hash.to_hex()[..16]) "…" }
                        }
                    }
                }
            }
            @if let Some(n) = next {
                a.button.big href={ "/audit/events?after=" (n) } { (l.t("下一页", "Next page")) }
            }
        },
    )
    .into_response()
}

/// `/audit/access`: the last week of the access log, newest first (auditors only).
pub async fn access(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match super::may_read(&viewer, &Read::AccessLog) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let now = Timestamp::now();
    let span = (
        now.plus_seconds(-ACCESS_PAGE_DAYS * 86_400),
        now.plus_seconds(1),
    );
    let entries = match app.latest_access(&who, span, ACCESS_PAGE_ENTRIES) {
        Ok(e) => e,
        Err(e) => return refusal(&viewer, "/audit", &e),
    };
    let state = app.engine.read();
    // As the reader may see it: masked for an auditor, as every page shows them.
    let name = |v: &yinling_ledger::VolunteerId| {
        state
            .volunteers
            .get(v)
            .map(|v| yinling_projections::access::name_for(&who, v))
            .unwrap_or_default()
    };
    let label = |t: &Option<yinling_ledger::TokenId>| {
        t.and_then(|t| state.tokens.get(&t))
            .map(|t| t.label.clone())
            .unwrap_or_default()
    };
    page(
        Frame { viewer: &viewer, title: l.t("谁查看了谁的积分", "Who looked at whose points").into(), back: Some("/audit"), as_of: None },
        html! {
            p { (l.t("工作人员每查看一位志愿者的积分或明细，都记在这里（不在积分记录链里），按服务启动时设定的天数保存。", "Every time staff open a volunteer's points or statement it is recorded here (outside the points chain), kept for the days the service was started with.")) }
            @if entries.is_empty() { p { (l.t("最近一周没有记录。", "Nothing in the last week.")) } }
            ul.list {
                @for e in &entries {
                    li {
                        div.row { strong { (name(&e.volunteer_id)) } span { (e.at.local_minute()) } }
                        p.muted { (e.role.as_str()) " " (label(&e.token_id)) " · " (e.from) }
                    }
                }
            }
        },
    )
    .into_response()
}
