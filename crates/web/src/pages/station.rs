//! The e-station catalogue and redeeming with one explicit confirmation.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::answers::RedemptionStep;
use yinling_app::reports::stations::{in_stock_at, station_name, stations_out};
use yinling_app::App;
use yinling_app::Written;
use yinling_ledger::{
    RedemptionId, RewardId, RewardKind, StationId, StationOpened, StockTransferred,
};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, Principal};

use super::{act, genuine, see_other, submit_and_return, AsOf, Form};
use crate::layout::{needs_sign_in, not_for_you, num, page, refusal, Frame};
use crate::session::Viewer;

/// `/station`: every reward with its price and what is left.
pub async fn catalogue(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    let principal = match super::may_read(&viewer, &Read::Published) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/", &e),
    };
    let me = match principal {
        Principal::Volunteer(_, v) => Some(v),
        _ => None,
    };
    view.with(|state| {
        let year = chrono::Datelike::year(&yinling_app::reports::day_of(state, q.as_of));
        let available = me.and_then(|v| state.volunteers.get(&v)).map(|v| v.balance.available());
        let mut rewards: Vec<_> = state.rewards.values().filter(|r| !r.retired).collect();
        rewards.sort_by(|a, b| (a.cost_points, &a.name).cmp(&(b.cost_points, &b.name)));
        page(
            Frame { viewer: &viewer, title: l.t("银领共富 e站", "The e-station").into(), back: Some("/"), as_of: q.as_of },
            html! {
                @if let Some(a) = available {
                    p.note { (l.s(format!("您现在有 {} 积分可以用。", num(a)), format!("You have {} points to use.", num(a)))) }
                }
                a.button.plain href="/stations" { (l.t("各个 e站 的地址和开放时间", "Where the e-stations are, and when they open")) }
                ul.list {
                    @for r in rewards {
                        li.card {
                            h2 { (r.name) }
                            p.muted {
                                @match &r.kind {
                                    RewardKind::Product { origin } => { (l.s(format!("产地：{origin}"), format!("From {origin}"))) }
                                    RewardKind::RateVoucher { bank, basis_points } => {
                                        (l.s(format!("{bank}，利率优惠 {}%", rust_decimal::Decimal::new(i64::from(*basis_points), 2).normalize()),
                                             format!("{bank}, rate bonus {}%", rust_decimal::Decimal::new(i64::from(*basis_points), 2).normalize())))
                                        @if let Some(n) = state.budget_left(bank, year).vouchers_left {
                                            " · " (l.s(format!("今年还可发放 {n} 张"), format!("{n} left in this year's budget")))
                                        }
                                    }
                                }
                            }
                            p { strong.amount { (num(r.cost_points)) " " (l.t("积分", "points")) } " · "
                                @if r.stock == 0 { (l.t("已兑完", "None left")) } @else { (l.s(format!("还剩 {} 件", r.stock), format!("{} left", r.stock))) } }
                            @let at = in_stock_at(state, &r.id);
                            @if !at.is_empty() {
                                p.muted { (l.t("哪里有货：", "In stock at: "))
                                    @for (i, s) in at.iter().enumerate() {
                                        @if i > 0 { "，" }
                                        (s.station_name) " (" (s.free) ")"
                                    }
                                }
                            }
                            @let short = available.is_some_and(|a| a < r.cost_points);
                            @if me.is_some() && q.as_of.is_none() {
                                @if r.stock == 0 {
                                    p.muted { (l.t("暂时兑完了，过几天再来看看。", "All gone for now; check again in a few days.")) }
                                } @else if short {
                                    p.muted { (l.s(format!("还差 {} 积分。", num(r.cost_points - available.unwrap_or_default())), format!("{} points short.", num(r.cost_points - available.unwrap_or_default())))) }
                                } @else {
                                    a.button.big href={ "/station/" (r.id) } { (l.t("兑换这一件", "Redeem this")) }
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

/// `/station/{id}`: the one explicit confirmation.
pub async fn confirm(State(app): State<App>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let l = viewer.lang;
    let Some(session) = viewer.session.as_ref() else {
        return needs_sign_in(&viewer);
    };
    let Principal::Volunteer(_, me) = session.principal else {
        return not_for_you(&viewer);
    };
    let Ok(reward_id) = id.parse::<RewardId>() else {
        return not_for_you(&viewer);
    };
    let (name, cost, available, shelves, just_held) = {
        let state = app.engine.read();
        let (Some(r), Some(v)) = (state.rewards.get(&reward_id), state.volunteers.get(&me)) else {
            return not_for_you(&viewer);
        };
        // The same reward set aside for them minutes ago: the page after it was pressed
        // Back to (a new form, so the double-tap guard does not apply), or a second thought.
        let since =
            yinling_ledger::Timestamp::now().plus_seconds(-crate::limits::RECENT_HOLD_MINUTES * 60);
        let just_held = state
            .redemptions
            .values()
            .filter(|h| h.volunteer_id == me && h.reward_id == reward_id)
            .filter(|h| h.status == yinling_projections::redemptions::RedemptionStatus::Held)
            .filter(|h| h.held_at >= since)
            .max_by_key(|h| h.held_at)
            .map(|h| {
                (
                    h.held_at.local_minute(),
                    app.mint
                        .shown_pickup_code(&h.id, h.pickup_code.as_ref())
                        .unwrap_or_default(),
                )
            });
        (
            r.name.clone(),
            r.cost_points,
            v.balance.available(),
            in_stock_at(&state, &reward_id),
            just_held,
        )
    };
    page(
        Frame { viewer: &viewer, title: l.t("确认兑换", "Confirm").into(), back: Some("/station"), as_of: None },
        html! {
            @if let Some((at, code)) = &just_held {
                p.note role="alert" {
                    (l.s(format!("您在 {at} 已经换了一件“{name}”，正在 e站 等您领取（取货码 {code}）。不用再换；如果还想再要一件，再点下面的按钮。"), format!("You already redeemed one “{name}” at {at}; it waits for you (pickup code {code}). Press below only if you want another one.")))
                }
            }
            p.card style="font-size:1.2rem" {
                (l.s(format!("用 {} 积分兑换“{name}”一件。", num(cost)), format!("Use {} points for one “{name}”.", num(cost))))
                br;
                (l.s(format!("兑换后还剩 {} 积分。", num(available - cost)), format!("{} points will be left.", num(available - cost))))
            }
            form method="post" action={ "/station/" (reward_id) "/redeem" } {
                (super::form_fields(&session.csrf()))
                @if shelves.len() > 1 {
                    fieldset {
                        legend { (l.t("到哪个 e站 领取？", "Which e-station will you collect it from?")) }
                        @for (i, s) in shelves.iter().enumerate() {
                            div.choice {
                                input type="radio" name="station" value=(s.station_id) id={ "st-" (i) } checked[i == 0];
                                label for={ "st-" (i) } { (s.station_name) " (" (l.s(format!("有 {} 件", s.free), format!("{} in stock", s.free))) ")" }
                            }
                        }
                    }
                } @else if let Some(s) = shelves.first() {
                    input type="hidden" name="station" value=(s.station_id);
                    p { (l.s(format!("在 {} 领取。", s.station_name), format!("Collect it at {}.", s.station_name))) }
                }
                @if just_held.is_some() {
                    button.big type="submit" { (l.t("再换一件", "Yes, one more")) }
                } @else {
                    button.big type="submit" { (l.t("确认兑换", "Yes, redeem")) }
                }
            }
            a.button.big.plain href="/station" { (l.t("不换了，返回", "No, go back")) }
        },
    )
    .into_response()
}

/// Redeems (holds the points and the item until it is collected).
pub async fn redeem(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let Principal::Volunteer(_, me) = session.principal else {
        return not_for_you(&viewer);
    };
    let reward_id: RewardId = match yinling_app::input::id("reward", &id) {
        Ok(r) => r,
        Err(r) => return refusal(&viewer, "/station", &r.into()),
    };
    let station_id = match form.get("station").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match yinling_app::input::id::<StationId>("station", s) {
            Ok(s) => Some(s),
            Err(r) => return refusal(&viewer, "/station", &r.into()),
        },
    };
    let command = Command::HoldRedemption {
        redemption_id: RedemptionId::generate(),
        volunteer_id: me,
        reward_id,
        quantity: 1,
        station_id,
        proof: None,
        pickup_code_digest: None,
    };
    match act::<RedemptionStep>(&app, &session.principal, &form, command).await {
        Ok(Written {
            answer: RedemptionStep::Held(h, station, kept),
            ..
        }) => {
            let code = app.mint.shown_pickup_code(&h.redemption_id, kept.as_ref());
            let station = station_name(&app.engine.read(), &station);
            // The reward's name, which no event ever changes.
            let name = app
                .engine
                .read()
                .rewards
                .get(&h.reward_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            let (points, until) = (h.points, h.expires_at.local_date());
            page(
                Frame { viewer: &viewer, title: l.t("兑换成功", "Done").into(), back: Some("/station"), as_of: None },
                html! {
                    p.success role="status" {
                        (l.s(format!("已为您留好“{name}”，用了 {} 积分。", num(points)), format!("“{name}” is set aside for you; {} points used.", num(points))))
                    }
                    p { (l.s(format!("请在 {until} 之前到 {station} 领取。不想要了可以在“我的兑换”里取消。"), format!("Collect it at {station} before {until}. You can cancel it under “My rewards”."))) }
                    @if let Some(code) = &code {
                        p.card style="font-size:2rem; text-align:center" { (l.t("取货码 ", "Pickup code ")) strong { (code) } }
                        p { (l.t("领取时把取货码告诉柜员。", "Tell the clerk this code when you collect it.")) }
                    }
                    a.button.big href="/me" { (l.t("看我的积分", "See my points")) }
                },
            )
            .into_response()
        }
        Ok(_) => see_other("/me/redemptions"),
        Err(e) => refusal(&viewer, "/station", &e),
    }
}

/// `/stations`: every e-station, where it is, when it is open, and what it has; for an
/// administrator, the forms to open a station and to move stock between stations.
pub async fn stations(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match super::may_read(&viewer, &Read::Published) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let admin = access::can_write(&who, &Write::Administer("open e-stations"));
    let csrf = viewer.csrf();
    let state = app.engine.read();
    let all = stations_out(&state);
    let mut rewards: Vec<_> = state.rewards.values().filter(|r| !r.retired).collect();
    rewards.sort_by(|a, b| a.name.cmp(&b.name));
    let mut districts: Vec<_> = state
        .districts
        .values()
        .filter(|d| d.registered)
        .map(|d| d.name.clone())
        .collect();
    districts.sort();
    page(
        Frame { viewer: &viewer, title: l.t("各个 e站", "The e-stations").into(), back: Some("/station"), as_of: None },
        html! {
            ul.list {
                @for s in &all {
                    li.card {
                        h2 { (s.name) }
                        @if !s.address.is_empty() { p { (l.t("地址：", "Address: ")) (s.address) } }
                        @if !s.opening_hours.is_empty() { p { (l.t("开放时间：", "Open: ")) (s.opening_hours) } }
                        @let stocked: Vec<_> = s.shelf.iter().filter(|x| x.free > 0 || x.held > 0).collect();
                        @if stocked.is_empty() {
                            p.muted { (l.t("现在没有奖品。", "Nothing in stock now.")) }
                        } @else {
                            ul { @for x in stocked { li { (x.reward_name) " · " (l.s(format!("{} 件，待领 {}", x.free, x.held), format!("{} left, {} waiting", x.free, x.held))) } } }
                        }
                        @if admin {
                            @let clerks = clerks_of(&state, &s.id);
                            p.muted { (l.t("柜员账号：", "Clerk tokens: ")) @if clerks.is_empty() { (l.t("还没有", "none yet")) } @else { (clerks.join("、")) } }
                            a.button.plain href={ "/counter?station=" (s.id) } { (l.t("到这个站的柜台", "This station's counter")) }
                        }
                    }
                }
            }
            @if admin {
                h2 { (l.t("开一个新的 e站", "Open an e-station")) }
                form method="post" action="/stations" {
                    (super::form_fields(&csrf))
                    label for="name" { (l.t("名称", "Name")) }
                    input #name name="name" required placeholder=(l.t("例如：菱湖 e站", "e.g. 菱湖 e站"));
                    label for="district" { (l.t("所在区县", "District or county")) }
                    select #district name="district" { @for d in &districts { option value=(d) { (d) } } }
                    label for="address" { (l.t("地址", "Address")) }
                    input #address name="address" required;
                    label for="opening_hours" { (l.t("开放时间", "Opening hours")) }
                    input #opening_hours name="opening_hours" placeholder=(l.t("例如：周一至周五 9:00-16:00", "e.g. Mon-Fri 9:00-16:00"));
                    button.big type="submit" { (l.t("开站", "Open it")) }
                }
                h2 { (l.t("在两个 e站 之间调货", "Move stock between e-stations")) }
                form method="post" action="/stations/transfers" {
                    (super::form_fields(&csrf))
                    label for="reward_id" { (l.t("奖品", "Reward")) }
                    select #reward_id name="reward_id" { @for r in &rewards { option value=(r.id) { (r.name) } } }
                    label for="from_station" { (l.t("从", "From")) }
                    select #from_station name="from_station" { @for s in &all { option value=(s.id) { (s.name) } } }
                    label for="to_station" { (l.t("调到", "To")) }
                    select #to_station name="to_station" { @for s in &all { option value=(s.id) { (s.name) } } }
                    label for="quantity" { (l.t("件数", "Units")) }
                    input #quantity name="quantity" inputmode="numeric" required;
                    label for="note" { (l.t("说明", "Note")) }
                    input #note name="note";
                    button.big type="submit" { (l.t("调货", "Move")) }
                }
            }
        },
    )
    .into_response()
}

/// The labels of a station's live clerk tokens (a clerk token with no station works the
/// first one).
fn clerks_of(state: &yinling_projections::State, station: &str) -> Vec<String> {
    state
        .tokens
        .by_id
        .values()
        .filter(|t| t.role == yinling_ledger::Role::StationClerk && t.revoked_at.is_none())
        .filter(|t| t.station_id().unwrap_or(StationId::FIRST).to_string() == station)
        .map(|t| {
            if t.label.is_empty() {
                t.id.to_string()
            } else {
                t.label.clone()
            }
        })
        .collect()
}

/// Opens an e-station (administrators).
pub async fn open_station(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<StationOpened>(&app, &viewer, &form, "/stations", |_| {
        Ok(Command::OpenStation {
            station_id: StationId::generate(),
            name: form.text("name"),
            district: form.text("district"),
            address: form.text("address"),
            opening_hours: form.text("opening_hours"),
        })
    })
    .await
}

/// Moves stock between two stations (administrators).
pub async fn transfer(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<StockTransferred>(&app, &viewer, &form, "/stations", |_| {
        Ok(Command::TransferStock {
            reward_id: yinling_app::input::id("reward_id", form.get("reward_id").unwrap_or(""))?,
            from_station: yinling_app::input::id(
                "from_station",
                form.get("from_station").unwrap_or(""),
            )?,
            to_station: yinling_app::input::id("to_station", form.get("to_station").unwrap_or(""))?,
            quantity: yinling_app::input::count("quantity", form.get("quantity").unwrap_or(""))?,
            note: form.text("note"),
        })
    })
    .await
}
