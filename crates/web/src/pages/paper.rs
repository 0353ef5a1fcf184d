//! Paper for people without phones: a coordinator prints, for a chosen month, one page per
//! volunteer of the team, in large type: the points they can use, their hours and stars, the
//! month's entries, points still on public notice and when they can be used, and their
//! disputes. A4 or A5, by print CSS (one volunteer per printed page).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{html, PreEscaped};
use serde::Deserialize;
use yinling_app::App;
use yinling_projections::access;
use yinling_projections::volunteers::EntryKind;

use crate::i18n::Lang;
use crate::layout::{needs_sign_in, not_for_you, num, page, refusal, Frame};
use crate::session::Viewer;

/// `?month=YYYY-MM&paper=a4|a5`.
#[derive(Debug, Default, Deserialize)]
pub struct PaperQuery {
    /// The month, `2026-11` (this month when absent).
    pub month: Option<String>,
    /// `a4` (the default) or `a5`.
    pub paper: Option<String>,
}

/// The page size and the type size each paper prints at; every volunteer starts a page.
/// Every part of a sheet prints to a known height, so that [`paper_room`](super::paper_room)
/// can count what a page holds: a line of the table on one line (its title cut short), a
/// dispute and a paragraph of points pending on one line, a notice on three at most; the
/// screen shows them whole.
fn paper_css(paper: &str) -> String {
    let (page, body, big, name, fingerprint) = match paper {
        // No column of record numbers on A5.
        "a5" => ("A5 portrait; margin: 10mm", "14pt", "28pt", "20pt", "0"),
        _ => ("A4 portrait; margin: 15mm", "17pt", "36pt", "24pt", "7em"),
    };
    format!(
        "@page {{ size: {page}; }} @media print {{ h1 {{ display: none; }} \
         .sheet {{ font-size: {body}; margin: 0; padding: 0; border: none; }} \
         .sheet + .sheet {{ break-before: page; }} \
         .sheet p {{ margin: 1mm 0; line-height: 1.35; }} \
         .sheet td, .sheet th {{ padding: 0.5mm 2mm; line-height: 1.3; }} \
         .sheet h3 {{ margin: 2mm 0 1mm; }} .sheet .big {{ font-size: {big}; }} \
         .sheet h2 {{ font-size: {name}; margin: 0; }} \
         .sheet table {{ table-layout: fixed; width: 100%; border-collapse: collapse; }} \
         .sheet col.on {{ width: 6.5em; }} .sheet col.worth {{ width: 5em; }} \
         .sheet col.seal {{ width: {fingerprint}; }} \
         .sheet td, .sheet h2, .sheet .one {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }} \
         .sheet .told {{ display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3; overflow: hidden; }} }}"
    )
}

/// The room a page has for the month's parts at each size.
fn room_of(paper: &str) -> usize {
    if paper == "a5" {
        crate::limits::STATEMENT_ROOM_A5
    } else {
        crate::limits::STATEMENT_ROOM_A4
    }
}

/// The month's lines of `v` a sheet prints (the latest `shown`, oldest first), and how many
/// earlier ones it leaves out.
fn printed(
    state: &yinling_projections::State,
    v: &yinling_projections::volunteers::Volunteer,
    (first, last): (chrono::NaiveDate, chrono::NaiveDate),
    shown: usize,
) -> (Vec<yinling_projections::volunteers::StatementEntry>, usize) {
    let lines: Vec<_> = v
        .statement
        .iter(state.stamps())
        .filter(|e| {
            let d = e.date.unwrap_or_else(|| e.at.local_date());
            d >= first && d <= last && e.kind != EntryKind::Notice
        })
        .collect();
    let earlier = lines.len().saturating_sub(shown);
    let mut lines = lines;
    (lines.split_off(earlier), earlier)
}

/// The first and last day of `2026-11`.
fn month_bounds(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = text.split_once('-')?;
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

/// `/team/statements`: the team's monthly statements on paper.
pub async fn statements(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<PaperQuery>,
) -> Response {
    let Some(session) = viewer.session.as_ref() else {
        return needs_sign_in(&viewer);
    };
    let Some(team_id) = access::own_team(&session.principal) else {
        return not_for_you(&viewer);
    };
    let l = viewer.lang;
    let today = app
        .engine
        .read()
        .policies
        .date_of(yinling_ledger::Timestamp::now());
    let month = q
        .month
        .clone()
        .unwrap_or_else(|| format!("{}-{:02}", today.year(), today.month()));
    let Some((first, last)) = month_bounds(&month) else {
        return refusal(
            &viewer,
            "/team",
            &yinling_app::AppError::Rejected(yinling_projections::Rejection::invalid(
                "bad_month",
                format!("month is written like 2026-11, not {month:?}"),
            )),
        );
    };
    let paper = if q.paper.as_deref() == Some("a5") {
        "a5"
    } else {
        "a4"
    };
    // The lines to be printed, their events' hashes and the checkpoint they are in (the latest
    // published, or the head published now when it does not reach the newest line), read
    // before the page is drawn: the log is not read while the state is held.
    let seqs: Vec<u64> = {
        let state = app.engine.read();
        state
            .teams
            .get(&team_id)
            .map(|t| {
                t.members
                    .iter()
                    .filter_map(|v| state.volunteers.get(v))
                    .flat_map(|v| printed(&state, v, (first, last), room_of(paper)).0)
                    .map(|e| e.seq)
                    .collect()
            })
            .unwrap_or_default()
    };
    let newest = seqs.iter().copied().max().unwrap_or(0);
    let (published, hashes) = match (
        app.published_covering(newest).await,
        app.event_hashes(seqs).await,
    ) {
        (Ok(p), Ok(h)) => (p, h),
        (Err(e), _) | (_, Err(e)) => return refusal(&viewer, "/team", &e),
    };
    let state = app.engine.read();
    let Some(team) = state.teams.get(&team_id) else {
        return not_for_you(&viewer);
    };
    let mut people: Vec<_> = team
        .members
        .iter()
        .filter_map(|v| state.volunteers.get(v))
        .collect();
    people.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    // Every statement printed is a look at that person's record, as one opened on screen.
    for v in &people {
        app.note_access(&session.principal, v.id, "/team/statements");
    }
    let title = l.s(
        format!("{} {} 积分明细（打印）", team.name, month),
        format!("{}: statements for {}", team.name, month),
    );
    page(
        Frame { viewer: &viewer, title, back: Some("/team"), as_of: None },
        html! {
            style { (PreEscaped(paper_css(paper))) }
            form.no-print method="get" {
                label for="month" { (l.t("月份", "Month")) }
                input #month name="month" type="month" value=(month);
                label for="paper" { (l.t("纸张", "Paper")) }
                select #paper name="paper" {
                    option value="a4" selected[paper == "a4"] { "A4" }
                    option value="a5" selected[paper == "a5"] { "A5" }
                }
                button.big type="submit" { (l.t("换一个月", "Show")) }
                p.muted { (l.t("用浏览器的“打印”打印这一页：每位志愿者一页。", "Print this page from the browser: one page per volunteer.")) }
            }
            @for v in &people {
                section.sheet {
                    h2 { (v.name) }
                    p { (team.name) " · " (l.s(format!("{month} 积分明细"), format!("Statement for {month}"))) }
                    p { (l.t("现在可以用的积分", "Points you can use now")) }
                    p.big { strong { (num(v.balance.available())) } }
                    p { (l.s(format!("累计服务 {} 小时 · {} 星", num(v.hours_net()), v.stars().0), format!("{} hours served · {} stars", num(v.hours_net()), v.stars().0))) }
                    @let pending = pending_words(l, &state, v, today);
                    @for words in &pending {
                        p.one { (words) }
                    }
                    @let disputes: Vec<_> = state.disputes.values().filter(|d| d.volunteer_id == v.id && (d.open() || d.resolution.as_ref().is_some_and(|r| r.resolved_on >= first && r.resolved_on <= last))).take(crate::limits::STATEMENT_DISPUTES).collect();
                    @let (mut lines, _) = printed(&state, v, (first, last), usize::MAX);
                    @let mut told = month_notices(&app, v.id, (first, last), crate::limits::STATEMENT_NOTICES);
                    @let fitted = super::paper_room::fit(room_of(paper), pending.len() + disputes.len(), lines.len(), told.len());
                    @let earlier = lines.len() - fitted.lines;
                    @let lines = lines.split_off(earlier);
                    @let told = told.split_off(told.len() - fitted.notices);
                    h3 { (l.t("本月记录", "This month")) }
                    @if lines.is_empty() && earlier == 0 { p { (l.t("本月没有记录。", "Nothing this month.")) } }
                    table {
                        colgroup {
                            // Not named after the cells' own classes (`.fingerprint` has a
                            // smaller type, and a column's width is in its own type's em).
                            col.on;
                            col;
                            col.worth;
                            @if paper == "a4" { col.seal; }
                        }
                        @for e in &lines {
                            tr {
                                td { (e.date.unwrap_or_else(|| e.at.local_date())) }
                                td { (entry_word(l, title_of(&state, e), e.kind)) }
                                td { (if e.points.is_sign_negative() { format!("−{}", num(e.points.abs())) } else { format!("+{}", num(e.points)) }) }
                                @if paper == "a4" {
                                    td.fingerprint {
                                        "#" (e.seq)
                                        @if let Some(h) = hashes.get(&e.seq).filter(|_| e.seq <= published.size) {
                                            " " (super::inclusion::fingerprint(h, crate::limits::FINGERPRINT_GROUPS_PAPER))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if earlier > 0 {
                        p.one { (l.s(format!("本月另有 {earlier} 条更早的记录，可到 e站 查看。"), format!("{earlier} earlier lines this month are at the station."))) }
                    }
                    @for d in &disputes {
                        // Where it stands (with the answer's reason) before the volunteer's own words:
                        // the line is cut short at its end.
                        p.one { (l.t("异议（", "Dispute (")) (super::disputes::status_words(l, d)) (l.t("）：", "): ")) (d.reason) }
                    }
                    @if !told.is_empty() {
                        h3 { (l.t("本月消息", "Notices this month")) }
                        @for n in &told {
                            p.told { (n.created_at.local_date()) " " (if l == Lang::Zh { n.text_zh.trim_start_matches(yinling_app::notices::compose::SIGN) } else { n.text_en.as_str() }) }
                        }
                    }
                    p.muted { (l.t("有疑问请找本队协调员或到 e站 柜台。", "Questions: your team's coordinator or the station counter.")) }
                    p.muted.proof { (super::inclusion::paper_words(l, &published, paper == "a4")) }
                }
            }
        },
    )
    .into_response()
}

/// The sentences of `v`'s points still pending, each printed on one line: on public notice
/// (and from when they can be used), held by a dispute, waiting for those served to confirm.
fn pending_words(
    l: Lang,
    state: &yinling_projections::State,
    v: &yinling_projections::volunteers::Volunteer,
    today: NaiveDate,
) -> Vec<String> {
    let mut out = Vec::new();
    if v.balance.pending.is_zero() {
        return out;
    }
    let parts = state.pending_parts(v, today);
    if let (false, Some(from)) = (parts.on_notice.is_zero(), parts.usable_from) {
        out.push(l.s(
            format!("正在公示 {} 积分，{from}起可以用", num(parts.on_notice)),
            format!(
                "{} points on public notice, usable from {from}",
                num(parts.on_notice)
            ),
        ));
    }
    // Short enough for one line of A5 in either language (the page says the same at length).
    if !parts.held_by_dispute.is_zero() {
        out.push(l.s(
            format!(
                "{} 积分有异议正在处理，处理完后可以用",
                num(parts.held_by_dispute)
            ),
            format!(
                "{} points held by a dispute being answered",
                num(parts.held_by_dispute)
            ),
        ));
    }
    if !parts.awaiting_confirmation.is_zero() {
        out.push(l.s(
            format!(
                "{} 积分等服务对象确认后可以用",
                num(parts.awaiting_confirmation)
            ),
            format!(
                "{} points wait for those served to confirm",
                num(parts.awaiting_confirmation)
            ),
        ));
    }
    out
}

/// The month's notices to print: those the statement's lines do not already say (a reward
/// ready, a hold about to lapse, a dispute answered, a star, points become usable), the
/// latest few.
fn month_notices(
    app: &App,
    v: yinling_ledger::VolunteerId,
    (first, last): (NaiveDate, NaiveDate),
    keep: usize,
) -> Vec<yinling_ledger::outbox::OutboxEntry> {
    let Some(outbox) = &app.outbox else {
        return Vec::new();
    };
    let offset = i64::from(yinling_ledger::time::local_offset()) * 1_000_000;
    let at = |d: NaiveDate| {
        yinling_ledger::Timestamp(
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros()
                - offset,
        )
    };
    let Some(end) = last.succ_opt() else {
        return Vec::new();
    };
    let mut told: Vec<_> = outbox
        .of_volunteer(
            v,
            (at(first), at(end)),
            crate::limits::PAPER_NOTICES_SCANNED,
        )
        .unwrap_or_default()
        .into_iter()
        .filter(|n| {
            n.recipient == yinling_ledger::outbox::Recipient::Volunteer
                && !matches!(n.kind.as_str(), "points_credited" | "points_pending")
        })
        .map(|mut n| {
            // Printed by the staff: a pickup code is the volunteer's alone (their slip).
            yinling_app::notices::hide_pickup_codes(&mut n);
            n
        })
        .collect();
    let skip = told.len().saturating_sub(keep);
    told.drain(..skip);
    told
}

/// The title of the activity a line belongs to, if it belongs to one.
fn title_of<'a>(
    state: &'a yinling_projections::State,
    e: &yinling_projections::volunteers::StatementEntry,
) -> Option<&'a str> {
    match e.reference {
        yinling_projections::volunteers::EntryRef::Activity(a) => {
            state.activities.get(&a).map(|a| &*a.title)
        }
        _ => None,
    }
}

/// What a printed line is about, in the words its one line has room for: a service by its
/// activity's title alone (most of a month's lines are services, and a title cut short by
/// the kind's word before it is harder to recognise), any other entry by its kind's word and
/// the title.
fn entry_word(l: Lang, title: Option<&str>, kind: EntryKind) -> String {
    if let (EntryKind::Service, Some(t)) = (kind, title) {
        return t.to_owned();
    }
    let what = match kind {
        EntryKind::Service => l.t("服务", "Service"),
        EntryKind::Reversal => l.t("冲正", "Reversed"),
        EntryKind::Hold => l.t("兑换（待领取）", "Reward held"),
        EntryKind::Fulfilment => l.t("已领取", "Collected"),
        EntryKind::Cancellation => l.t("兑换取消，积分退回", "Hold cancelled"),
        EntryKind::Expiry => l.t("逾期未领，积分退回", "Hold lapsed"),
        EntryKind::Correction => l.t("时长更正", "Hours corrected"),
        EntryKind::Rerating => l.t("按规则重算", "Re-rated"),
        EntryKind::CarriedOver => l.t("从原平台转入", "Carried over"),
        EntryKind::Notice => l.t("公示", "Public notice"),
        EntryKind::Refund => l.t("利率券作废，积分退回", "Voucher cancelled, points back"),
    };
    match title {
        Some(t) => format!("{what} · {t}"),
        None => what.to_owned(),
    }
}
