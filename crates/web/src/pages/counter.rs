//! The station keeper's counter: the queue of rewards waiting to be collected, restocking.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_api::AppState;
use yinling_ledger::{RedemptionId, RewardId};
use yinling_projections::redemptions::RedemptionStatus;
use yinling_projections::{Command, Principal};

use super::{act, form_id, genuine, see_other, AsOf, Form};
use crate::layout::{needs_sign_in, not_for_you, num, page, refusal, Frame};
use crate::session::Viewer;

fn keeper(viewer: &Viewer) -> Result<(), Response> {
    match viewer.session.as_ref().map(|s| s.principal) {
        Some(Principal::Admin(_)) => Ok(()),
        Some(_) => Err(not_for_you(viewer)),
        None => Err(needs_sign_in(viewer)),
    }
}

/// `/counter`.
pub async fn queue(State(app): State<AppState>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    if let Err(r) = keeper(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let csrf = viewer
        .session
        .as_ref()
        .map(|s| s.csrf())
        .unwrap_or_default();
    let view = match app.engine.view(q.as_of).await {
        Ok(v) => v,
        Err(e) => return refusal(&viewer, "/", &e),
    };
    view.with(|state| {
        let mut held: Vec<_> = state.redemptions.values().filter(|r| r.status == RedemptionStatus::Held).collect();
        held.sort_by_key(|r| (r.held_at, r.id));
        let mut rewards: Vec<_> = state.rewards.values().collect();
        rewards.sort_by(|a, b| (a.retired, &a.name).cmp(&(b.retired, &b.name)));
        page(
            Frame { viewer: &viewer, title: l.t("e站 柜台", "E-station counter").into(), back: None, as_of: q.as_of },
            html! {
                a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
                h2 { (l.s(format!("等待领取（{}）", held.len()), format!("Waiting to be collected ({})", held.len()))) }
                @if held.is_empty() { p { (l.t("现在没有等待领取的兑换。", "Nothing is waiting.")) } }
                ul.list {
                    @for r in held.iter().take(200) {
                        li {
                            div.row {
                                strong { (state.volunteers.get(&r.volunteer_id).map(|v| v.name.clone()).unwrap_or_default()) }
                                span { (state.rewards.get(&r.reward_id).map(|w| w.name.clone()).unwrap_or_default()) " × " (r.quantity) }
                            }
                            p.muted { (num(r.points)) " " (l.t("积分", "points")) " · " (l.s(format!("{} 前领取", r.expires_at.local_date()), format!("collect by {}", r.expires_at.local_date()))) }
                            @if q.as_of.is_none() {
                                form method="post" action={ "/counter/" (r.id) "/fulfil" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="form_id" value=(form_id());
                                    button type="submit" { (l.t("已交给本人", "Handed over")) }
                                }
                            }
                        }
                    }
                }
                h2 { (l.t("奖品库存", "Stock")) }
                ul.list {
                    @for w in rewards {
                        li {
                            div.row { strong { (w.name) } span { (l.s(format!("库存 {}，待领 {}", w.stock, w.held), format!("{} in stock, {} waiting", w.stock, w.held))) } }
                            @if q.as_of.is_none() && !w.retired {
                                form.row method="post" action={ "/counter/rewards/" (w.id) "/restock" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="form_id" value=(form_id());
                                    label for={ "q-" (w.id) } { (l.t("补货数量", "Add")) }
                                    input id={ "q-" (w.id) } name="quantity" inputmode="numeric" style="max-width:8rem" required;
                                    button type="submit" { (l.t("补货", "Restock")) }
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

/// Marks a held redemption as handed over.
pub async fn fulfil(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(redemption_id) = id.parse::<RedemptionId>() else {
        return not_for_you(&viewer);
    };
    match act(
        &app,
        &session.principal,
        &form,
        Command::FulfilRedemption { redemption_id },
    )
    .await
    {
        Ok(_) => see_other("/counter"),
        Err(e) => refusal(&viewer, "/counter", &e),
    }
}

/// Adds stock.
pub async fn restock(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(reward_id) = id.parse::<RewardId>() else {
        return not_for_you(&viewer);
    };
    let quantity = form
        .get("quantity")
        .and_then(|q| q.trim().parse::<u32>().ok())
        .unwrap_or(0);
    match act(
        &app,
        &session.principal,
        &form,
        Command::RestockReward {
            reward_id,
            quantity,
        },
    )
    .await
    {
        Ok(_) => see_other("/counter"),
        Err(e) => refusal(&viewer, "/counter", &e),
    }
}
