//! A station's shelf from the counter: units added (a restock), or units damaged, spoiled or
//! lost, or a restock found short when counted, taken off with the reason (a new event; the
//! restock stays as it was). Only free units come off: one held for a volunteer is settled
//! by its hold.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use yinling_app::answers::CatalogueChange;
use yinling_app::{input, App};
use yinling_ledger::{RewardId, StationId};
use yinling_projections::Command;

use super::counter::{back_to, counter_item, hidden};
use super::{act, refused_keeping, see_other, Form};
use crate::i18n::Lang;
use crate::session::Viewer;

/// The form under a reward on the counter's shelf: how many to take off, and why.
pub fn write_off_form(l: Lang, csrf: &str, station: StationId, reward: &RewardId) -> Markup {
    html! {
        details.no-print {
            summary { (l.t("报损或盘亏（货架上少了）", "Write off (damaged, lost, or counted short)")) }
            form method="post" action={ "/counter/rewards/" (reward) "/write-off" } {
                (hidden(csrf, station))
                label for={ "wq-" (reward) } { (l.t("少了几件", "How many")) }
                input id={ "wq-" (reward) } name="quantity" inputmode="numeric" style="max-width:8rem" required;
                label for={ "wr-" (reward) } { (l.t("原因（例如：受潮两盒；补货时多记了）", "Why (e.g. two boxes damp; restock entered too high)")) }
                input id={ "wr-" (reward) } name="reason" maxlength="500" required;
                button.plain type="submit" { (l.t("从库存中减去", "Take them off the stock")) }
            }
        }
    }
}

/// Adds stock to this station's shelf.
pub async fn restock(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    shelf_change(&app, &viewer, &id, &form, |reward_id, quantity, station| {
        Command::RestockReward {
            reward_id,
            quantity,
            station_id: Some(station),
        }
    })
    .await
}

/// Takes units off this station's shelf, with the reason.
pub async fn write_off(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    shelf_change(&app, &viewer, &id, &form, |reward_id, quantity, station| {
        Command::WriteOffStock {
            reward_id,
            quantity,
            station_id: Some(station),
            reason: form.text("reason"),
        }
    })
    .await
}

/// A change of so many units of the reward in the path on this station's shelf: the count
/// read as the API reads it, the command made by `command`, back to the counter.
async fn shelf_change(
    app: &App,
    viewer: &Viewer,
    id: &str,
    form: &Form,
    command: impl FnOnce(RewardId, u32, StationId) -> Command,
) -> Response {
    let (session, station, reward_id) = match counter_item::<RewardId>(viewer, form, "reward", id) {
        Ok(it) => it,
        Err(r) => return r,
    };
    let back = back_to(station);
    // A refusal keeps the reason the clerk wrote (a write-off's), to send again or copy.
    let quantity = match input::count("quantity", form.get("quantity").unwrap_or("")) {
        Ok(q) => q,
        Err(r) => return refused_keeping(viewer, &back, &r.into(), form),
    };
    let command = command(reward_id, quantity, station);
    match act::<CatalogueChange>(app, &session.principal, form, command).await {
        Ok(_) => see_other(&back),
        Err(e) => refused_keeping(viewer, &back, &e, form),
    }
}
