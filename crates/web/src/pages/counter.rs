//! The station keeper's counter: the queue of rewards waiting to be collected, restocking.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::answers::{CatalogueChange, RedemptionStep};
use yinling_app::{input, App};
use yinling_ledger::{RedemptionId, RewardId};
use yinling_projections::access::Write;
use yinling_projections::redemptions::RedemptionStatus;
use yinling_projections::Command;

use super::{act, form_id, genuine, see_other, AsOf, Form};
use crate::layout::{num, page, refusal, Frame};
use crate::session::Viewer;

/// The counter is for whom the access policy lets hand rewards over.
fn keeper(viewer: &Viewer) -> Result<(), Response> {
    super::may_write(viewer, &Write::HandOver).map(|_| ())
}

/// `/counter`.
pub async fn queue(State(app): State<App>, viewer: Viewer, Query(q): Query<AsOf>) -> Response {
    if let Err(r) = keeper(&viewer) {
        return r;
    }
    let l = viewer.lang;
    // The station clerk works the counter; the links to the rest are an administrator's.
    let admin = viewer
        .session
        .as_ref()
        .is_some_and(|s| s.principal.is_admin());
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
                @if admin {
                    a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
                    a.button.big.plain href="/rules" { (l.t("积分规则", "Earning rules")) }
                    a.button.big.plain href="/policies" { (l.t("政策与补登审批", "Policies and back-fill approvals")) }
                    a.button.big.plain href="/tokens" { (l.t("账号和积分卡", "Tokens and cards")) }
                }
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
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let redemption_id: RedemptionId = match input::id("redemption", &id) {
        Ok(r) => r,
        Err(r) => return refusal(&viewer, "/counter", &r.into()),
    };
    match act::<RedemptionStep>(
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
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let reward_id: RewardId = match input::id("reward", &id) {
        Ok(r) => r,
        Err(r) => return refusal(&viewer, "/counter", &r.into()),
    };
    let quantity = match input::count("quantity", form.get("quantity").unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refusal(&viewer, "/counter", &r.into()),
    };
    match act::<CatalogueChange>(
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
