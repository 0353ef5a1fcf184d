//! The e-station counter: finding the volunteer standing there (card scan, name and birth
//! year, phone digits), their balance in large type, redeeming for them with their
//! confirmation (the card, or their PIN), the queue of holds with the pickup codes shown at
//! hand-over, the station's shelf, and a receipt printed at 58 mm, 80 mm or A5.
//!
//! A clerk works their own station; an administrator picks one (`?station=`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use yinling_app::answers::RedemptionStep;
use yinling_app::counter::{self, Lookup};
use yinling_app::reports::provenance::actor_words;
use yinling_app::reports::stations::{queue, station_name, CounterMatch};
use yinling_app::{input, App, AppError, Written};
use yinling_ledger::{Actor, RedemptionId, StationId, Timestamp};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::catalog::Reward;
use yinling_projections::redemptions::RedemptionStatus;
use yinling_projections::volunteers::{EntryKind, EntryRef};
use yinling_projections::{Command, CounterProof, Principal, State as LedgerState};

use super::receipt_paper::{self, print_links, Paper};
use super::{act, genuine, see_other, Form};
use crate::i18n::Lang;
use crate::layout::{not_for_you, num, page, refusal, Frame};
use crate::limits::WAITING_SHOWN;
use crate::session::{Session, Viewer};

const HERE: &str = "/counter";

/// `?station=` (administrators pick the station they work).
#[derive(Debug, Default, Deserialize)]
pub struct StationParam {
    /// The station.
    pub station: Option<String>,
}

/// The station this viewer works: a clerk's own; the one an administrator names, or the
/// first. The access policy must let them hand over there.
pub(super) fn station_of(
    viewer: &Viewer,
    asked: Option<&str>,
) -> Result<(Principal, StationId), Response> {
    let named = asked.and_then(|s| s.parse::<StationId>().ok());
    let station = match viewer.session.as_ref().map(|s| &s.principal) {
        Some(Principal::StationClerk(_, mine)) => *mine,
        _ => named.unwrap_or(StationId::FIRST),
    };
    let who = super::may_write(viewer, &Write::HandOver(station))?;
    Ok((who, station))
}

/// The page a counter form goes back to.
pub(super) fn back_to(station: StationId) -> String {
    if station == StationId::FIRST {
        HERE.to_owned()
    } else {
        format!("{HERE}?station={station}")
    }
}

/// The hidden fields every counter form carries.
pub(super) fn hidden(csrf: &str, station: StationId) -> Markup {
    html! {
        (super::form_fields(csrf))
        input type="hidden" name="station" value=(station);
    }
}

/// What every counter form about one item (a hold, a reward on the shelf) starts with: the
/// form is this session's, the station is one the viewer works, and the path names an item.
/// A refusal goes back to that station's counter.
pub(super) fn counter_item<'v, T: std::str::FromStr>(
    viewer: &'v Viewer,
    form: &Form,
    what: &str,
    id: &str,
) -> Result<(&'v Session, StationId, T), Response> {
    let session = genuine(viewer, form)?;
    let (_, station) = station_of(viewer, form.get("station"))?;
    let item = input::id(what, id).map_err(|r| refusal(viewer, &back_to(station), &r.into()))?;
    Ok((session, station, item))
}

/// `/counter`: find a volunteer; the queue; the shelf.
pub async fn queue_page(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<StationParam>,
) -> Response {
    let (who, station) = match station_of(&viewer, q.station.as_deref()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let admin = who.is_admin();
    let csrf = viewer.csrf();
    let state = app.engine.read();
    let Some(here) = state.stations.get(&station) else {
        return refusal(
            &viewer,
            "/",
            &AppError::invalid("station_not_found", "no such e-station"),
        );
    };
    let held = queue(&state, &station);
    let mut others: Vec<_> = state.stations.by_id.values().collect();
    others.sort_by_key(|s| (s.id != StationId::FIRST, s.name.clone()));
    page(
        Frame { viewer: &viewer, title: l.s(format!("{} 柜台", here.name), format!("{} counter", here.name)), back: None, as_of: None },
        html! {
            (super::money::coverage_banner(&state, l))
            @if admin {
                div.no-print {
                    a.button.big.plain href="/money" { (l.t("兑付与结算", "Money and coverage")) }
                    a.button.big.plain href="/onboard" { (l.t("导入名册", "Import a roster")) }
                    a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
                    a.button.big.plain href="/rules" { (l.t("积分规则", "Earning rules")) }
                    a.button.big.plain href="/policies" { (l.t("政策与补登审批", "Policies and back-fill approvals")) }
                    a.button.big.plain href="/tokens" { (l.t("账号和积分卡", "Tokens and cards")) }
                    a.button.big.plain href="/bank" { (l.t("银行优惠券", "Bank vouchers")) }
                    @if others.len() > 1 {
                        form method="get" {
                            label for="station" { (l.t("在哪个 e站 办理", "Which e-station")) }
                            select #station name="station" {
                                @for s in &others { option value=(s.id) selected[s.id == station] { (s.name) } }
                            }
                            button.plain type="submit" { (l.t("换过去", "Switch")) }
                        }
                    }
                }
            }
            p.no-print { a.button.plain href={ "/counter/today" @if station != StationId::FIRST { "?station=" (station) } } { (l.t("今天的柜台清单（交货、取消、待领）", "Today at this counter (handed over, cancelled, waiting)")) } }
            h2 { (l.t("找到来兑换的志愿者", "Find the volunteer at the counter")) }
            form method="post" action="/counter/lookup" {
                (hidden(&csrf, station))
                label for="card" { (l.t("扫积分卡（扫码枪对准卡上的二维码）", "Scan the points card (aim the scanner at the QR code)")) }
                input #card name="card" autocomplete="off" autofocus;
                button.big type="submit" { (l.t("查找", "Find")) }
            }
            details {
                summary { (l.t("没带卡？用姓名和出生年份，或手机号后四位", "No card? Name and year of birth, or the last four digits of a phone")) }
                form method="post" action="/counter/lookup" {
                    (hidden(&csrf, station))
                    label for="name" { (l.t("姓名", "Name")) }
                    // A shared counter PC must not offer the last volunteer's name to the next.
                    input #name name="name" autocomplete="off";
                    label for="birth_year" { (l.t("出生年份（例如 1950）", "Year of birth (e.g. 1950)")) }
                    input #birth_year name="birth_year" inputmode="numeric" pattern="[0-9]{4}" autocomplete="off";
                    label for="phone_last_four" { (l.t("或：手机号后四位", "Or: last four digits of the phone")) }
                    input #phone_last_four name="phone_last_four" inputmode="numeric" pattern="[0-9]{4}" autocomplete="off";
                    button.big type="submit" { (l.t("查找", "Find")) }
                }
            }
            h2 { (l.s(format!("等待领取（{}）", held.len()), format!("Waiting to be collected ({})", held.len()))) }
            @if held.is_empty() { p { (l.t("现在没有等待领取的兑换。", "Nothing is waiting.")) } }
            @if held.len() > WAITING_SHOWN {
                p.note { (l.s(format!("这里只列出最早的 {WAITING_SHOWN} 笔；要找某位志愿者的，请用上面的扫卡或查找。"), format!("Only the first {WAITING_SHOWN} are listed; to find one volunteer's, scan their card or search above."))) }
            }
            ul.list {
                @for r in held.iter().take(WAITING_SHOWN) {
                    li {
                        div.row {
                            strong { (state.volunteers.get(&r.volunteer_id).map(|v| v.name.clone()).unwrap_or_default()) }
                            span { (state.rewards.get(&r.reward_id).map(|w| w.name.clone()).unwrap_or_default()) " × " (r.quantity) }
                        }
                        p.muted { (num(r.points)) " " (l.t("积分", "points")) " · " (l.s(format!("{} 前领取", r.expires_at.local_date()), format!("collect by {}", r.expires_at.local_date()))) }
                        form.row method="post" action={ "/counter/" (r.id) "/fulfil" } {
                            (hidden(&csrf, station))
                            @if r.pickup_code.is_some() {
                                label for={ "code-" (r.id) } { (l.t("取货码", "Pickup code")) }
                                input id={ "code-" (r.id) } name="pickup_code" inputmode="numeric" pattern="[0-9]{6}" style="max-width:8rem" required;
                            }
                            button type="submit" { (l.t("已交给本人", "Handed over")) }
                        }
                        (cancel_form(l, &csrf, station, &r.id))
                    }
                }
            }
            h2 { (l.t("本站库存", "This station's stock")) }
            ul.list {
                @for (reward_id, shelf) in &here.shelves {
                    @if let Some(w) = state.rewards.get(reward_id) {
                        li {
                            div.row { strong { (w.name) } span { (l.s(format!("库存 {}，待领 {}", shelf.free, shelf.held), format!("{} in stock, {} waiting", shelf.free, shelf.held))) } }
                            @if !w.retired {
                                form.row method="post" action={ "/counter/rewards/" (w.id) "/restock" } {
                                    (hidden(&csrf, station))
                                    label for={ "q-" (w.id) } { (l.t("补货数量", "Add")) }
                                    input id={ "q-" (w.id) } name="quantity" inputmode="numeric" style="max-width:8rem" required;
                                    button type="submit" { (l.t("补货", "Restock")) }
                                }
                            }
                            @if shelf.free > 0 { (super::shelf::write_off_form(l, &csrf, station, &w.id)) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The lookup a counter form asks for, or why it is not one.
fn lookup_of(form: &Form) -> Result<Lookup, AppError> {
    let card = form.text("card");
    let name = form.text("name");
    let year = form.text("birth_year");
    let phone = form.text("phone_last_four");
    if !card.is_empty() {
        return Ok(Lookup::Card(card));
    }
    if !phone.is_empty() {
        return Ok(Lookup::Phone(phone, Some(name).filter(|n| !n.is_empty())));
    }
    match input::optional_number::<u16>("birth_year", &year)? {
        Some(y) if !name.is_empty() => Ok(Lookup::NameAndBirthYear(name, y)),
        _ => Err(AppError::invalid(
            "bad_lookup",
            "scan the card, or give the name and the year of birth, or the last four digits of the phone",
        )),
    }
}

/// Finds the volunteer; each one shown is in the access log.
pub async fn lookup(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (who, station) = match station_of(&viewer, form.get("station")) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let back = back_to(station);
    if access::may_read(&who, &Read::CounterLookup).is_err() {
        return not_for_you(&viewer);
    }
    let how = match lookup_of(&form) {
        Ok(h) => h,
        Err(e) => return refusal(&viewer, &back, &e),
    };
    let l = viewer.lang;
    let csrf = session.csrf();
    let found: Vec<CounterMatch> = match app.counter_lookup(&who, &how, "/counter lookup") {
        Ok(found) => found,
        Err(e) => return refusal(&viewer, &back, &e),
    };
    let state = app.engine.read();
    let scanned = match &how {
        Lookup::Card(text) => Some(text.clone()),
        _ => None,
    };
    let rewards = rewards_here(&state, station);
    page(
        Frame { viewer: &viewer, title: l.t("找到的志愿者", "Who was found").into(), back: Some(&back), as_of: None },
        html! {
            @if found.is_empty() {
                @if scanned.is_some() {
                    p.note role="status" { (l.t("这张积分卡查不到：可能已经挂失，或换过新卡。请用姓名和出生年份查找，或请志愿者的协调员帮忙。", "This card finds nobody: it may have been reported lost or replaced. Search by name and year of birth, or ask the volunteer's coordinator.")) }
                } @else {
                    p.note role="status" { (l.t("没有找到。请核对姓名和出生年份，或请志愿者的协调员帮忙。", "Nobody found. Check the name and year of birth, or ask the volunteer's coordinator.")) }
                }
            }
            @for m in &found {
                (match_section(l, &csrf, station, m, &rewards, scanned.as_deref(), None))
                @if let Some(card) = &scanned {
                    (super::handover::waiting_for(l, &csrf, station, &state, &m.volunteer_id, card))
                }
            }
        },
    )
    .into_response()
}

/// One volunteer found at the counter: their balance and, when something here is within
/// their points, the form to redeem it with their confirmation (`chosen`: the reward asked
/// for before, selected again).
fn match_section(
    l: Lang,
    csrf: &str,
    station: StationId,
    m: &CounterMatch,
    rewards: &[(&Reward, u32)],
    scanned: Option<&str>,
    chosen: Option<&str>,
) -> Markup {
    html! {
        section.card.counter-match {
            p.counter-name { (m.name) }
            p { (m.team_name) @if let Some(y) = m.birth_year { " · " (l.s(format!("{y} 年生"), format!("born {y}"))) } }
            p.counter-balance { (l.t("可用积分 ", "Points available ")) strong { (num(m.available.0)) } }
            @let affordable: Vec<_> = rewards.iter().filter(|(r, _)| r.cost_points <= m.available.0).collect();
            @if affordable.is_empty() {
                p { (l.t("本站现在没有这位志愿者积分够换的奖品。", "Nothing at this station is within their points now.")) }
            } @else {
                form method="post" action="/counter/redeem" {
                    (hidden(csrf, station))
                    input type="hidden" name="volunteer_id" value=(m.volunteer_id);
                    label for={ "reward-" (m.volunteer_id) } { (l.t("换什么", "Which reward")) }
                    // Nothing chosen until the clerk chooses: a busy counter must not redeem
                        // whatever happened to be first in the list.
                    select id={ "reward-" (m.volunteer_id) } name="reward_id" required {
                        option value="" selected[chosen.is_none()] { (l.t("请选择奖品", "Choose a reward")) }
                        @for (r, free) in &affordable {
                            option value=(r.id) selected[chosen == Some(r.id.to_string().as_str())] { (r.name) " · " (num(r.cost_points)) (l.t(" 积分", " points")) " · " (l.s(format!("本站有 {free} 件"), format!("{free} here"))) }
                        }
                    }
                    @if let Some(card) = scanned {
                        input type="hidden" name="card" value=(card);
                        p.note { (l.t("已扫卡，由本人确认。", "Card scanned: confirmed by the holder.")) }
                    } @else if m.has_pin {
                        label for={ "pin-" (m.volunteer_id) } { (l.t("请志愿者本人输入密码", "The volunteer types their PIN")) }
                        input id={ "pin-" (m.volunteer_id) } name="pin" type="password" inputmode="numeric" autocomplete="off" required;
                    } @else {
                        label for={ "card-" (m.volunteer_id) } { (l.t("请扫志愿者的积分卡确认（这位志愿者没有设密码）", "Scan the volunteer's card to confirm (they have no PIN)")) }
                        input id={ "card-" (m.volunteer_id) } name="card" autocomplete="off" required;
                    }
                    button.big type="submit" { (l.t("本人同意，兑换", "They agree: redeem")) }
                }
            }
        }
    }
}

/// The rewards this station has free, cheapest first.
fn rewards_here(state: &LedgerState, station: StationId) -> Vec<(&Reward, u32)> {
    let mut rewards: Vec<_> = state
        .rewards
        .values()
        .filter(|r| !r.retired)
        .filter_map(|r| {
            let free = state.stations.get(&station)?.free(&r.id);
            (free > 0).then_some((r, free))
        })
        .collect();
    rewards.sort_by(|a, b| (a.0.cost_points, &a.0.name).cmp(&(b.0.cost_points, &b.0.name)));
    rewards
}

/// Redeems for the volunteer at the counter, with their confirmation, for pickup here.
pub async fn redeem(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (_, station) = match station_of(&viewer, form.get("station")) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let back = back_to(station);
    let card = form.text("card");
    let pin = form.text("pin");
    let command = (|| -> Result<Command, AppError> {
        let volunteer_id = input::id("volunteer_id", form.get("volunteer_id").unwrap_or(""))?;
        let proof = if !card.is_empty() {
            Some(CounterProof::Card(counter::card_hash(&card)))
        } else if !pin.is_empty() {
            Some(CounterProof::Pin(app.mint.typed_pin(&volunteer_id, &pin)))
        } else {
            None
        };
        Ok(Command::HoldRedemption {
            redemption_id: RedemptionId::generate(),
            volunteer_id,
            reward_id: input::id("reward_id", form.get("reward_id").unwrap_or(""))?,
            quantity: 1,
            station_id: Some(station),
            proof,
            pickup_code_digest: None,
        })
    })();
    let command = match command {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, &back, &e),
    };
    match act::<RedemptionStep>(&app, &session.principal, &form, command).await {
        Ok(Written {
            answer: RedemptionStep::Held(h, _, kept),
            ..
        }) => {
            let l = viewer.lang;
            let csrf = session.csrf();
            let state = app.engine.read();
            // Made just now, with the volunteer at the counter: their slip carries the code.
            let receipt = receipt_of(&app, &state, l, &h.redemption_id, true, true);
            let (paper, _) = receipt_paper::chosen(&Paper::default(), &headers);
            page(
                Frame { viewer: &viewer, title: l.t("兑换好了", "Redeemed").into(), back: Some(&back), as_of: None },
                html! {
                    // Printed from here on the paper this counter uses.
                    style { (PreEscaped(receipt_paper::css(paper))) }
                    @if let Some(r) = &receipt { (receipt_markup(l, r)) }
                    form method="post" action={ "/counter/" (h.redemption_id) "/fulfil" } {
                        (hidden(&csrf, station))
                        input type="hidden" name="pickup_code" value=(app.mint.shown_pickup_code(&h.redemption_id, kept.as_ref()).unwrap_or_default());
                        button.big type="submit" { (l.t("现在交给本人", "Hand it over now")) }
                    }
                    (cancel_form(l, &csrf, station, &h.redemption_id))
                    (print_links(l, &h.redemption_id, paper))
                },
            )
            .into_response()
        }
        Ok(_) => see_other(&back),
        Err(e) => ask_again(
            &app,
            &viewer,
            &session.principal,
            &form,
            (station, &back),
            &e,
        )
        .unwrap_or_else(|| refusal(&viewer, &back, &e)),
    }
}

/// A PIN or card the counter refused (mistyped, the wrong card, none given): the same
/// volunteer's form again, their reward still chosen and the box empty, with the reason
/// above, instead of a search from the start while they wait at the counter.
fn ask_again(
    app: &App,
    viewer: &Viewer,
    who: &Principal,
    form: &Form,
    (station, back): (StationId, &str),
    e: &AppError,
) -> Option<Response> {
    if !matches!(
        e.code(),
        "wrong_pin"
            | "card_mismatch"
            | "confirmation_needed"
            | "bad_pin"
            | "no_pin"
            // Stock or points that ran out since the page was loaded: the same volunteer's
            // form again, built from what is on the shelf and in their balance now.
            | "out_of_stock"
            | "insufficient_points"
            | "reward_retired"
            | "budget_exhausted"
    ) {
        return None;
    }
    let volunteer_id = input::id("volunteer_id", form.get("volunteer_id")?).ok()?;
    let m = app
        .counter_match_of(who, &volunteer_id, "/counter redeem")
        .ok()??;
    let l = viewer.lang;
    let csrf = viewer.csrf();
    let state = app.engine.read();
    let rewards = rewards_here(&state, station);
    Some(
        page(
            Frame {
                viewer,
                title: l.t("请再确认一次", "Confirm once more").into(),
                back: Some(back),
                as_of: None,
            },
            html! {
                p.error role="alert" { (crate::layout::plain_words(l, e)) }
                (match_section(l, &csrf, station, &m, &rewards, None, form.get("reward_id")))
            },
        )
        .into_response(),
    )
}

/// Marks a held redemption as handed over, with the pickup code shown; then its receipt.
pub async fn fulfil(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let (session, station, redemption_id) =
        match counter_item::<RedemptionId>(&viewer, &form, "redemption", &id) {
            Ok(it) => it,
            Err(r) => return r,
        };
    let back = back_to(station);
    let code = Some(form.text("pickup_code")).filter(|c| !c.is_empty());
    let card = Some(form.text("card")).filter(|c| !c.is_empty());
    let card = card.map(|c| counter::card_hash(&c));
    let command = app.fulfil_command(redemption_id, code, card);
    match act::<RedemptionStep>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(&format!("/counter/receipts/{redemption_id}")),
        Err(e) => refusal(&viewer, &back, &e),
    }
}

/// The clerk's undo of a hold: a reward chosen by mistake, or one the volunteer no longer
/// wants (a volunteer without a phone cannot cancel it themself). Points and stock go back.
fn cancel_form(l: Lang, csrf: &str, station: StationId, id: &RedemptionId) -> Markup {
    html! {
        form.row method="post" action={ "/counter/" (id) "/cancel" } {
            (hidden(csrf, station))
            button.plain type="submit" { (l.t("取消这笔兑换（积分退回）", "Cancel this redemption (points back)")) }
        }
    }
}

/// Cancels a hold for pickup here, at the volunteer's wish or for a reward chosen by
/// mistake; back to the counter, which no longer lists it.
pub async fn cancel(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let (session, station, redemption_id) =
        match counter_item::<RedemptionId>(&viewer, &form, "redemption", &id) {
            Ok(it) => it,
            Err(r) => return r,
        };
    let back = back_to(station);
    let command = Command::CancelRedemption {
        redemption_id,
        reason: "在 e站 柜台取消".to_owned(),
    };
    match act::<RedemptionStep>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(&back),
        Err(e) => refusal(&viewer, &back, &e),
    }
}

/// What a receipt says.
struct Receipt {
    what: String,
    quantity: u32,
    points: rust_decimal::Decimal,
    before: rust_decimal::Decimal,
    after: rust_decimal::Decimal,
    volunteer: String,
    station: String,
    clerk: String,
    when: Timestamp,
    pickup_code: Option<String>,
    /// Where the redemption stands now: a slip reprinted after a cancellation says so.
    status: RedemptionStatus,
    /// A rate voucher's code (grouped) and last day.
    voucher: Option<(String, chrono::NaiveDate)>,
}

/// The receipt of a redemption: the points before and after are read off the volunteer's
/// statement line of the hold.
fn receipt_of(
    app: &App,
    state: &LedgerState,
    l: Lang,
    id: &RedemptionId,
    with_code: bool,
    with_voucher: bool,
) -> Option<Receipt> {
    let r = state.redemptions.get(id)?;
    let v = state.volunteers.get(&r.volunteer_id)?;
    let line = v
        .statement
        .iter(state.stamps())
        .find(|e| e.kind == EntryKind::Hold && e.reference == EntryRef::Redemption(*id))?;
    let by = r.settled_by.unwrap_or(r.held_by);
    let (zh, en) = actor_words(state, &by);
    Some(Receipt {
        what: state.rewards.get(&r.reward_id)?.name.clone(),
        quantity: r.quantity,
        points: r.points,
        before: line.available_after + r.points,
        after: line.available_after,
        volunteer: v.name.clone(),
        station: station_name(state, &r.station_id),
        clerk: if l == Lang::Zh { zh } else { en },
        when: r.settled_at.unwrap_or(r.held_at),
        pickup_code: app
            .mint
            .shown_pickup_code(id, r.pickup_code.as_ref())
            .filter(|_| with_code),
        status: r.status,
        voucher: state
            .vouchers
            .by_redemption
            .get(id)
            .filter(|_| with_voucher)
            .map(|v| {
                (
                    yinling_app::vouchers::grouped(&app.mint.voucher_code(id)),
                    v.expires_on,
                )
            }),
    })
}

/// A redemption's status as the slip prints it: a cancelled or lapsed hold says its points
/// went back, so a reprint never tells a volunteer something is still waiting for them.
fn status_words(l: Lang, status: RedemptionStatus) -> &'static str {
    match status {
        RedemptionStatus::Held => l.t("待领取", "Waiting to be collected"),
        RedemptionStatus::Fulfilled => l.t("已交给本人", "Handed over"),
        RedemptionStatus::Cancelled => l.t("已取消，积分已退回", "Cancelled: points given back"),
        RedemptionStatus::Expired => l.t(
            "逾期未领，积分已退回",
            "Not collected in time: points given back",
        ),
        RedemptionStatus::Refunded => l.t(
            "已交给本人；利率券后来作废，积分已退回",
            "Handed over; the voucher was later cancelled and the points given back",
        ),
    }
}

fn receipt_markup(l: Lang, r: &Receipt) -> Markup {
    html! {
        div.receipt {
            p.receipt-title { (l.t("银领共富 e站 兑换凭条", "Yinling e-station receipt")) }
            p.big { (r.what) " × " (r.quantity) }
            dl {
                dt { (l.t("志愿者", "Volunteer")) } dd { (r.volunteer) }
                dt { (l.t("用去积分", "Points used")) } dd.big { (num(r.points)) }
                dt { (l.t("兑换前积分", "Points before")) } dd { (num(r.before)) }
                dt { (l.t("兑换后积分", "Points after")) } dd.big { (num(r.after)) }
                dt { (l.t("e站", "E-station")) } dd { (r.station) }
                dt { (l.t("经办", "Clerk")) } dd { (r.clerk) }
                dt { (l.t("日期", "Date")) } dd { (r.when.local_minute()) }
                @if let Some(code) = &r.pickup_code {
                    dt { (l.t("取货码", "Pickup code")) } dd.big { (code) }
                }
                dt { (l.t("状态", "Status")) } dd { (status_words(l, r.status)) }
                @if let Some((code, until)) = &r.voucher {
                    dt { (l.t("利率券号", "Voucher code")) } dd.big { (code) }
                    dt { (l.t("银行办理截止", "Use at the bank by")) } dd { (until) }
                }
            }
            @if let Some((code, _)) = &r.voucher {
                div.receipt-qr { (maud::PreEscaped(super::cards::qr_svg(&code.replace(' ', "")))) }
            }
        }
    }
}

/// Whether a slip opened from its link shows the pickup code: the code is for the volunteer
/// to collect with, so only the clerk who made the hold with them at the counter (card or
/// PIN) sees it again, for a few minutes, to print their slip. A hold the volunteer made
/// themself, or any hold opened later from the queue, prints without it: a clerk could
/// otherwise hand the reward over without its volunteer.
fn code_on_reopened_slip(
    r: &yinling_projections::redemptions::Redemption,
    who: &Principal,
    now: Timestamp,
) -> bool {
    let at_the_counter = matches!(
        r.confirmation,
        Some(yinling_ledger::Confirmation::CardScan | yinling_ledger::Confirmation::Pin)
    );
    at_the_counter && done_just_now_by(r.held_by, r.held_at, who, now)
}

/// Whether `who` is the signed-in caller `by` who did a step at `at`, less than
/// [`SLIP_WITH_CODE_MINUTES`](crate::limits::SLIP_WITH_CODE_MINUTES) before `now`.
fn done_just_now_by(by: Actor, at: Timestamp, who: &Principal, now: Timestamp) -> bool {
    let minutes = (now.to_datetime() - at.to_datetime()).num_minutes();
    by.token_id.is_some() && by == who.actor() && minutes < crate::limits::SLIP_WITH_CODE_MINUTES
}

/// Whether a reopened slip shows a rate voucher's code: only to whoever handed it over, and
/// only for [`SLIP_WITH_CODE_MINUTES`](crate::limits::SLIP_WITH_CODE_MINUTES) after, to print
/// it for the volunteer. The code is what the bank takes; the API shows it to the volunteer
/// alone, and a clerk or an administrator opening the slip later must not read it off.
fn voucher_on_reopened_slip(
    r: &yinling_projections::redemptions::Redemption,
    who: &Principal,
    now: Timestamp,
) -> bool {
    let (Some(by), Some(at)) = (r.settled_by, r.settled_at) else {
        return false;
    };
    done_just_now_by(by, at, who, now)
}

/// `/counter/receipts/{id}?paper=58|80|a5`: the receipt, in large type, ready to print, on
/// the paper chosen (remembered by the counter's browser for the next receipt).
pub async fn receipt(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(p): Query<Paper>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<RedemptionId>() else {
        return not_for_you(&viewer);
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let Some(r) = state.redemptions.get(&id) else {
        return not_for_you(&viewer);
    };
    if let Err(resp) = super::may_write(&viewer, &Write::HandOver(r.station_id)) {
        return resp;
    }
    let now = Timestamp::now();
    let who = viewer.session.as_ref().map(|s| &s.principal);
    let with_code = who.is_some_and(|p| code_on_reopened_slip(r, p, now));
    let with_voucher = who.is_some_and(|p| voucher_on_reopened_slip(r, p, now));
    let Some(receipt) = receipt_of(&app, &state, l, &id, with_code, with_voucher) else {
        return not_for_you(&viewer);
    };
    // A receipt names its volunteer and their points: a look at their record.
    if let Some(p) = who {
        app.note_access(p, r.volunteer_id, "/counter/receipts/{id}");
    }
    let (paper, remember) = receipt_paper::chosen(&p, &headers);
    let back = back_to(r.station_id);
    let mut response = page(
        Frame {
            viewer: &viewer,
            title: l.t("兑换凭条", "Receipt").into(),
            back: Some(&back),
            as_of: None,
        },
        html! {
            style { (PreEscaped(receipt_paper::css(paper))) }
            (receipt_markup(l, &receipt))
            p.no-print { button.big type="button" data-print { (l.t("打印", "Print")) } }
            (print_links(l, &id, paper))
        },
    )
    .into_response();
    if let Some(cookie) = remember {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
