//! The e-station catalogue and redeeming with one explicit confirmation.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::App;
use yinling_ledger::{RedemptionHeld, RedemptionId, RewardId, RewardKind};
use yinling_projections::access::Read;
use yinling_projections::{Command, Principal};

use super::{act, form_id, genuine, AsOf, Form};
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
        let available = me.and_then(|v| state.volunteers.get(&v)).map(|v| v.balance.available());
        let mut rewards: Vec<_> = state.rewards.values().filter(|r| !r.retired).collect();
        rewards.sort_by(|a, b| (a.cost_points, &a.name).cmp(&(b.cost_points, &b.name)));
        page(
            Frame { viewer: &viewer, title: l.t("银领共富 e站", "The e-station").into(), back: Some("/"), as_of: q.as_of },
            html! {
                @if let Some(a) = available {
                    p.note { (l.s(format!("您现在有 {} 积分可以用。", num(a)), format!("You have {} points to use.", num(a)))) }
                }
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
                                    }
                                }
                            }
                            p { strong.amount { (num(r.cost_points)) " " (l.t("积分", "points")) } " · "
                                @if r.stock == 0 { (l.t("已兑完", "None left")) } @else { (l.s(format!("还剩 {} 件", r.stock), format!("{} left", r.stock))) } }
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
    let (name, cost, available) = {
        let state = app.engine.read();
        let (Some(r), Some(v)) = (state.rewards.get(&reward_id), state.volunteers.get(&me)) else {
            return not_for_you(&viewer);
        };
        (r.name.clone(), r.cost_points, v.balance.available())
    };
    page(
        Frame { viewer: &viewer, title: l.t("确认兑换", "Confirm").into(), back: Some("/station"), as_of: None },
        html! {
            p.card style="font-size:1.2rem" {
                (l.s(format!("用 {} 积分兑换“{name}”一件。", num(cost)), format!("Use {} points for one “{name}”.", num(cost))))
                br;
                (l.s(format!("兑换后还剩 {} 积分。", num(available - cost)), format!("{} points will be left.", num(available - cost))))
            }
            form method="post" action={ "/station/" (reward_id) "/redeem" } {
                input type="hidden" name="csrf" value=(session.csrf());
                input type="hidden" name="form_id" value=(form_id());
                button.big type="submit" { (l.t("确认兑换", "Yes, redeem")) }
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
    let command = Command::HoldRedemption {
        redemption_id: RedemptionId::generate(),
        volunteer_id: me,
        reward_id,
        quantity: 1,
    };
    match act::<RedemptionHeld>(&app, &session.principal, &form, command).await {
        Ok(w) => {
            let h = w.answer;
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
                    p { (l.s(format!("请在 {until} 之前到 e站 领取。不想要了可以在“我的兑换”里取消。"), format!("Collect it at the e-station before {until}. You can cancel it under “My rewards”."))) }
                    a.button.big href="/me" { (l.t("看我的积分", "See my points")) }
                },
            )
            .into_response()
        }
        Err(e) => refusal(&viewer, "/station", &e),
    }
}
