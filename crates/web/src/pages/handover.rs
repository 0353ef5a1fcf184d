//! A volunteer's holds waiting at this counter, shown when their card is scanned: each handed
//! over with the card as proof, for a volunteer who lost the slip with the pickup code and
//! has no phone to show it on (the decision checks the card is their own live one).

use maud::{html, Markup};
use yinling_app::reports::stations::queue;
use yinling_ledger::{StationId, VolunteerId};
use yinling_projections::State as LedgerState;

use super::counter::hidden;
use crate::i18n::Lang;
use crate::layout::num;

/// The holds of `volunteer` waiting at `station`, each with a hand-over by the scanned card.
pub fn waiting_for(
    l: Lang,
    csrf: &str,
    station: StationId,
    state: &LedgerState,
    volunteer: &str,
    card: &str,
) -> Markup {
    let Ok(volunteer) = volunteer.parse::<VolunteerId>() else {
        return html! {};
    };
    let theirs: Vec<_> = queue(state, &station)
        .into_iter()
        .filter(|r| r.volunteer_id == volunteer)
        .collect();
    html! {
        @if !theirs.is_empty() {
            section.card {
                h2 { (l.s(format!("在本站等着领取（{}）", theirs.len()), format!("Waiting here for them ({})", theirs.len()))) }
                ul.list {
                    @for r in &theirs {
                        li {
                            div.row {
                                strong { (state.rewards.get(&r.reward_id).map(|w| w.name.clone()).unwrap_or_default()) " × " (r.quantity) }
                                span { (num(r.points)) " " (l.t("积分", "points")) }
                            }
                            form method="post" action={ "/counter/" (r.id) "/fulfil" } {
                                (hidden(csrf, station))
                                input type="hidden" name="card" value=(card);
                                button type="submit" { (l.t("凭卡交给本人（不用取货码）", "Hand over on the card (no pickup code)")) }
                            }
                        }
                    }
                }
            }
        }
    }
}
