//! A volunteer's own pages: balance, statement, redemptions.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::reports::provenance;
use yinling_app::reports::stations::station_name;
use yinling_app::App;
use yinling_app::AppError;
use yinling_ledger::{RedemptionId, VolunteerId};
use yinling_projections::redemptions::RedemptionStatus;
use yinling_projections::stars::{StarMoment, StarStep};
use yinling_projections::volunteers::{EntryKind, EntryRef};
use yinling_projections::vouchers::VoucherStatus;
use yinling_projections::{Command, Principal, State as LedgerState};

use super::{act, genuine, see_other, AsOf, Form};
use crate::i18n::Lang;
use crate::layout::{needs_sign_in, not_for_you, num, page, refusal, stars, Frame};
pub use crate::limits::STATEMENT_LINES;
use crate::session::Viewer;

fn signed_in_volunteer(viewer: &Viewer) -> Result<VolunteerId, Response> {
    match viewer.session.as_ref().map(|s| s.principal.clone()) {
        Some(Principal::Volunteer(_, v)) => Ok(v),
        Some(_) => Err(not_for_you(viewer)),
        None => Err(needs_sign_in(viewer)),
    }
}

/// Words for a statement line.
pub fn entry_words(l: Lang, state: &LedgerState, kind: EntryKind, reference: &EntryRef) -> String {
    let what = match reference {
        EntryRef::Activity(a) => state
            .activities
            .get(a)
            .map(|a| a.title.to_string())
            .unwrap_or_default(),
        EntryRef::Redemption(r) => state
            .redemptions
            .get(r)
            .and_then(|r| {
                state
                    .rewards
                    .get(&r.reward_id)
                    .map(|w| format!("{} × {}", w.name, r.quantity))
            })
            .unwrap_or_default(),
        EntryRef::CarriedOver => String::new(),
    };
    let label = match kind {
        EntryKind::Service => l.t("服务", "Service"),
        EntryKind::Reversal => l.t("冲正", "Reversed"),
        EntryKind::Hold => l.t("兑换（待领取）", "Redeemed (to collect)"),
        EntryKind::Fulfilment => l.t("已领取", "Collected"),
        EntryKind::Cancellation => l.t("取消兑换，积分退回", "Cancelled, points back"),
        EntryKind::Expiry => l.t("逾期未领，积分退回", "Not collected, points back"),
        EntryKind::Correction => l.t("时长更正", "Hours corrected"),
        EntryKind::Rerating => l.t("按新规则重算", "Re-rated under the rules"),
        EntryKind::CarriedOver => l.t("从原平台转入", "Carried over from the previous platform"),
        EntryKind::Notice => l.t(
            "公示（公示期内暂不可用）",
            "Public notice (usable once it ends)",
        ),
        EntryKind::Refund => l.t("利率券作废，积分退回", "Voucher cancelled, points back"),
    };
    format!("{label}：{what}")
}

/// The latest step of a volunteer's stars, in words.
fn star_moment(l: Lang, m: &StarMoment) -> String {
    let day = m.at.local_date();
    match m.step {
        StarStep::Reached => l.s(
            format!("{day} 记为{}星。", m.level),
            format!("{} stars recorded on {day}.", m.level),
        ),
        StarStep::AwaitingReview => l.s(
            format!("{day} 达到{}星，等待认定。", m.level),
            format!("Reached {} stars on {day}, awaiting confirmation.", m.level),
        ),
        StarStep::Confirmed => l.s(
            format!("{day} 认定为{}星。", m.level),
            format!("{} stars confirmed on {day}.", m.level),
        ),
        StarStep::Withdrawn => l.s(
            format!("{day} 因服务时长撤销或更正，星级调整为{}星。", m.level),
            format!("On {day} hours were taken back; stars now {}.", m.level),
        ),
    }
}

/// The volunteer's home: the balance in big digits.
pub async fn me_page(app: &App, viewer: &Viewer, as_of: Option<u64>) -> Result<Response, Response> {
    let id = signed_in_volunteer(viewer)?;
    let l = viewer.lang;
    let notices = match viewer.session.as_ref() {
        Some(s) if as_of.is_none() => {
            let now = yinling_ledger::Timestamp::now();
            app.notices_of(
                &s.principal,
                id,
                (
                    now.plus_seconds(-crate::limits::NOTICES_SHOWN_DAYS * 86_400),
                    now.plus_seconds(1),
                ),
                crate::limits::NOTICES_SHOWN,
            )
            .await
            .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let view = app
        .engine
        .view(as_of)
        .await
        .map_err(|e| refusal(viewer, "/me", &e))?;
    Ok(view.with(|state| {
        let Some(v) = state.volunteers.get(&id) else {
            return not_for_you(viewer);
        };
        let hours = v.hours_net();
        let team = state.teams.get(&v.team_id).map(|t| t.name.clone()).unwrap_or_default();
        page(
            Frame { viewer, title: l.s(format!("{}，您好", v.name), format!("Hello, {}", v.name)), back: None, as_of },
            html! {
                section.card aria-labelledby="available-label" {
                    p #available-label { (l.t("可用积分", "Points you can use")) }
                    p.balance { (num(v.balance.available())) }
                    @if !v.balance.pending.is_zero() {
                        @let parts = state.pending_parts(v, state.policies.date_of(yinling_ledger::Timestamp::now()));
                        @if let (false, Some(from)) = (parts.on_notice.is_zero(), parts.usable_from) {
                            p.muted { (l.s(
                                format!("另有 {} 积分正在公示，{from}起可以用。", num(parts.on_notice)),
                                format!("{} more points are on public notice, to use from {from}.", num(parts.on_notice)),
                            )) }
                        }
                        @if !parts.held_by_dispute.is_zero() {
                            p.muted { (l.s(
                                format!("另有 {} 积分公示已满，有异议还在处理，处理完后可以用。", num(parts.held_by_dispute)),
                                format!("{} more points are past their notice but held by a dispute still being answered.", num(parts.held_by_dispute)),
                            )) }
                        }
                        @if !parts.awaiting_confirmation.is_zero() {
                            p.muted { (l.s(
                                format!("另有 {} 积分等服务对象确认后才能用。", num(parts.awaiting_confirmation)),
                                format!("{} more points wait for confirmation by those served.", num(parts.awaiting_confirmation)),
                            )) }
                        }
                    }
                    @if !v.balance.held.is_zero() {
                        p.muted { (l.s(format!("另有 {} 积分已兑换、等您去 e站 领取。", num(v.balance.held)), format!("{} more points are set aside for rewards to collect.", num(v.balance.held)))) }
                    }
                }
                section.card {
                    p { (stars(l, v.stars().0)) }
                    p { (l.s(format!("累计服务 {} 小时", num(hours)), format!("{} hours of service", num(hours)))) }
                    @if let Some(p) = &v.star.pending {
                        p.note role="status" { (l.s(format!("您已达到{}星，正在公示，管理员确认后生效。", p.level), format!("You have reached {} stars; it is on public notice and counts once an administrator confirms it.", p.level))) }
                    }
                    @if let Some(more) = state.hours_to_next_star(v) {
                        p.muted { (l.s(format!("再服务 {} 小时可以升一星。", num(more)), format!("{} more hours to the next star.", num(more)))) }
                    }
                    @if let Some(last) = v.star.history.last() {
                        p.muted { (star_moment(l, last)) }
                    }
                    p.muted { (l.s(format!("所在队伍：{team}"), format!("Team: {team}"))) }
                }
                @if let Some((e, h)) = v.statement.newest_first(state.stamps()).find_map(|e| provenance::how(state, &e).map(|h| (e, h))) {
                    section.card {
                        p { (l.t("最近一笔服务积分", "Your latest service points")) }
                        div.row {
                            span { (entry_words(l, state, e.kind, &e.reference)) }
                            span.amount { (num(e.points)) }
                        }
                        p.muted.how { (e.date.map(|d| d.to_string()).unwrap_or_default()) " · " (if l == Lang::Zh { h.zh } else { h.en }) }
                    }
                }
                (super::trust::notices_list(l, &notices))
                a.button.big href="/station" { (l.t("去兑换奖品", "Get a reward")) }
                a.button.big.plain href="/me/statement" { (l.t("积分明细", "My points history")) }
                a.button.big.plain href="/me/redemptions" { (l.t("我的兑换", "My rewards")) }
                a.button.big.plain href="/me/pin" { (l.t("柜台密码", "Counter PIN")) }
                a.button.big.plain href="/rankings" { (l.t("排行榜", "Leaderboard")) }
                @if as_of.is_none() {
                    (super::trust::contacts_form(l, &yinling_app::notices::contacts_of(state, &v.id).ok().flatten().unwrap_or_default(), &viewer.csrf(), "/me/contacts"))
                }
            },
        )
        .into_response()
    }))
}

/// `/me`.
pub async fn me(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    me_page(&app, &viewer, q.as_of).await.unwrap_or_else(|r| r)
}

/// `/me/statement`: newest first, with the balance after each line.
pub async fn statement(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    let id = match signed_in_volunteer(&viewer) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/me", &e),
    };
    let published = app.latest_published().await.ok().flatten();
    view.with(|state| {
        let Some(v) = state.volunteers.get(&id) else { return not_for_you(&viewer) };
        page(
            Frame { viewer: &viewer, title: l.t("积分明细", "Points history").into(), back: Some("/me"), as_of: q.as_of },
            html! {
                @if v.statement.is_empty() {
                    p { (l.t("还没有记录。参加一次志愿服务就会有积分。", "Nothing yet. Your first service will appear here.")) }
                }
                ul.list {
                    @for e in v.statement.newest_first(state.stamps()).take(STATEMENT_LINES) {
                        li {
                            div.row {
                                span { (entry_words(l, state, e.kind, &e.reference)) }
                                @if e.points.is_sign_negative() && !e.points.is_zero() {
                                    span.amount.minus { "−" (num(e.points.abs())) }
                                } @else if !e.points.is_zero() {
                                    span.amount.plus { "+" (num(e.points)) }
                                }
                            }
                            div.row.muted {
                                span { (e.date.map(|d| d.to_string()).unwrap_or_else(|| e.at.local_date().to_string())) }
                                span { (l.s(format!("记录号 {}", e.seq), format!("No. {}", e.seq))) }
                                span { (l.s(format!("余额 {}", num(e.available_after)), format!("balance {}", num(e.available_after)))) }
                            }
                            @if let Some(h) = provenance::how(state, &e) {
                                p.muted.how { (if l == Lang::Zh { h.zh } else { h.en }) }
                            }
                        }
                    }
                }
                @if q.as_of.is_none() {
                    @if let Some(p) = &published {
                        (super::inclusion::checkpoint_words(l, p))
                    }
                    @if !v.statement.is_empty() {
                        a.button.big.plain href="/me/statement.csv" download { (l.t("下载带证明的明细（Excel 可以打开）", "Download with proofs (opens in Excel)")) }
                    }
                    (super::disputes::section(l, state, v, &viewer.csrf()))
                }
            },
        )
        .into_response()
    })
}

fn status_words(l: Lang, s: RedemptionStatus) -> &'static str {
    match s {
        RedemptionStatus::Held => l.t("待领取", "To collect"),
        RedemptionStatus::Fulfilled => l.t("已领取", "Collected"),
        RedemptionStatus::Cancelled => l.t("已取消", "Cancelled"),
        RedemptionStatus::Expired => l.t("逾期未领，积分已退回", "Not collected; points returned"),
        RedemptionStatus::Refunded => l.t(
            "利率券已作废，积分已退回",
            "Voucher cancelled; points returned",
        ),
    }
}

/// `/me/redemptions`.
pub async fn redemptions(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<AsOf>,
) -> Response {
    let id = match signed_in_volunteer(&viewer) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/me", &e),
    };
    view.with(|state| {
        let mut mine: Vec<_> = state.redemptions.values().filter(|r| r.volunteer_id == id).collect();
        mine.sort_by_key(|r| std::cmp::Reverse(r.held_at));
        let today = yinling_app::reports::day_of(state, q.as_of);
        page(
            Frame { viewer: &viewer, title: l.t("我的兑换", "My rewards").into(), back: Some("/me"), as_of: q.as_of },
            html! {
                @if mine.is_empty() { p { (l.t("还没有兑换过奖品。", "No rewards yet.")) } }
                ul.list {
                    @for r in mine {
                        li {
                            div.row {
                                strong { (state.rewards.get(&r.reward_id).map(|w| w.name.clone()).unwrap_or_default()) " × " (r.quantity) }
                                span.amount { (num(r.points)) " " (l.t("积分", "points")) }
                            }
                            p { (status_words(l, r.status)) }
                            @if r.status == RedemptionStatus::Held {
                                @let at = station_name(state, &r.station_id);
                                p.muted { (l.s(format!("请在 {} 之前到 {at} 领取。", r.expires_at.local_date()), format!("Collect at {at} before {}.", r.expires_at.local_date()))) }
                                @if let Some(code) = app.mint.shown_pickup_code(&r.id, r.pickup_code.as_ref()) {
                                    p style="font-size:1.6rem" { (l.t("取货码 ", "Pickup code ")) strong { (code) } }
                                }
                                @if q.as_of.is_none() {
                                    a.button.plain href={ "/me/redemptions/" (r.id) "/cancel" } { (l.t("不要了，取消兑换", "Cancel this")) }
                                }
                            }
                            @if let Some(v) = state.vouchers.by_redemption.get(&r.id) {
                                @let code = app.mint.voucher_code(&r.id);
                                p style="font-size:1.4rem" { (l.t("利率券号 ", "Voucher code ")) strong { (yinling_app::vouchers::grouped(&code)) } }
                                @match v.status(today) {
                                    VoucherStatus::Valid => {
                                        p { (l.s(format!("请在 {} 前到银行办理，把券号或二维码给银行工作人员。", v.expires_on), format!("Take it to the bank by {}; show the code or the QR code.", v.expires_on))) }
                                        div.receipt-qr { (maud::PreEscaped(super::cards::qr_svg(&code))) }
                                    }
                                    VoucherStatus::Used => {
                                        p { (l.s(format!("已在银行使用（{}）。", v.used.as_ref().map(|u| u.used_on.to_string()).unwrap_or_default()), format!("Used at the bank ({}).", v.used.as_ref().map(|u| u.used_on.to_string()).unwrap_or_default()))) }
                                    }
                                    VoucherStatus::Cancelled => {
                                        p { (l.s(format!("这张券已作废：{}。银行不再受理。", v.cancelled.clone().unwrap_or_default()), format!("This voucher was cancelled: {}. The bank will not take it.", v.cancelled.clone().unwrap_or_default()))) }
                                    }
                                    VoucherStatus::Expired => {
                                        p { (l.s(format!("这张券已过期（{} 为最后一天），银行不再受理。", v.expires_on), format!("This voucher expired ({} was its last day); the bank will not take it.", v.expires_on))) }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        )
        .into_response()
    })
}

/// Asks once more before cancelling.
pub async fn cancel_confirm(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let me_id = match signed_in_volunteer(&viewer) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let Ok(id) = id.parse::<RedemptionId>() else {
        return not_for_you(&viewer);
    };
    let (name, points) = {
        let state = app.engine.read();
        match state
            .redemptions
            .get(&id)
            .filter(|r| r.volunteer_id == me_id)
        {
            Some(r) => (
                state
                    .rewards
                    .get(&r.reward_id)
                    .map(|w| w.name.clone())
                    .unwrap_or_default(),
                r.points,
            ),
            None => return not_for_you(&viewer),
        }
    };
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("取消兑换？", "Cancel this reward?").into(), back: Some("/me/redemptions"), as_of: None },
        html! {
            p { (l.s(format!("取消“{name}”，{} 积分会退回给您。", num(points)), format!("Cancel “{name}”; {} points come back to you.", num(points)))) }
            form method="post" {
                (super::form_fields(&csrf))
                button.big type="submit" { (l.t("确认取消", "Yes, cancel it")) }
            }
            a.button.big.plain href="/me/redemptions" { (l.t("不取消，返回", "No, go back")) }
        },
    )
    .into_response()
}

/// Cancels a held redemption.
pub async fn cancel(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let redemption_id: RedemptionId = match yinling_app::input::id("redemption", &id) {
        Ok(r) => r,
        Err(r) => return refusal(&viewer, "/me/redemptions", &r.into()),
    };
    match act::<yinling_app::answers::RedemptionStep>(
        &app,
        &session.principal,
        &form,
        Command::CancelRedemption {
            redemption_id,
            reason: String::new(),
        },
    )
    .await
    {
        Ok(_) => see_other("/me/redemptions"),
        Err(e) => refusal_owned(&viewer, "/me/redemptions", e),
    }
}

fn refusal_owned(viewer: &Viewer, back: &str, e: AppError) -> Response {
    refusal(viewer, back, &e)
}

/// `/me/pin`: the PIN a volunteer types at the counter when someone redeems for them there.
pub async fn pin_page(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let saved = query.as_deref() == Some("saved=1");
    let id = match signed_in_volunteer(&viewer) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let has_pin = app
        .engine
        .read()
        .volunteers
        .get(&id)
        .is_some_and(|v| v.pin_sha256.is_some());
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("柜台密码", "Counter PIN").into(), back: Some("/me"), as_of: None },
        html! {
            p { (l.t("在 e站 柜台请柜员帮您兑换时，输入这个密码就表示是您本人同意的。不设密码也可以，柜员扫一下您的积分卡就行。", "When a clerk redeems for you at the e-station counter, typing this PIN shows it is you. Without one, the clerk scans your points card instead.")) }
            @if saved {
                p.success role="status" { (l.t("密码已保存。下次在柜台兑换时输入这个密码。", "Your PIN is saved. Type it at the counter next time.")) }
            } @else if has_pin {
                p.note role="status" { (l.t("您已经设了密码。", "You have a PIN.")) }
            }
            form method="post" {
                (super::form_fields(&csrf))
                label for="pin" { (l.t("新密码（4 到 6 位数字；不要用同一个数字、连着的数字、出生年份或手机号后四位）", "New PIN (4 to 6 digits; not one digit repeated, digits in a row, the year of birth or the phone's last four)")) }
                input #pin name="pin" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]{4,6}" required;
                label for="pin_again" { (l.t("再输一遍新密码", "The new PIN once more")) }
                input #pin_again name="pin_again" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]{4,6}" required;
                button.big type="submit" { (l.t("保存密码", "Save the PIN")) }
            }
        },
    )
    .into_response()
}

/// Sets the signed-in volunteer's counter PIN.
pub async fn set_pin(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let id = match signed_in_volunteer(&viewer) {
        Ok(id) => id,
        Err(r) => return r,
    };
    // Typed twice, hidden: a finger that slipped once would otherwise set a PIN nobody knows.
    super::submit_and_return::<yinling_ledger::VolunteerPinSet>(
        &app,
        &viewer,
        &form,
        "/me/pin?saved=1",
        |_| {
            if form.text("pin") != form.text("pin_again") {
                return Err(AppError::invalid(
                    "pins_differ",
                    "the two PINs typed differ; type the same PIN twice",
                ));
            }
            Ok(Command::SetPin {
                volunteer_id: id,
                pin: Some(app.mint.typed_pin(&id, &form.text("pin"))),
            })
        },
    )
    .await
}
