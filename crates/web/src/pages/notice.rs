//! The public notice board (公示栏) of a team: its activities whose points are on public
//! notice, in large type, names masked, to print and pin on the community's noticeboard.
//! Open to anyone, signed in or not: it is a noticeboard.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::App;
use yinling_ledger::TeamId;

use crate::layout::{not_for_you, num, page, Frame};
use crate::session::Viewer;

/// `/notice/{team}`.
pub async fn board(State(app): State<App>, viewer: Viewer, Path(team): Path<String>) -> Response {
    let Ok(team_id) = team.parse::<TeamId>() else {
        return not_for_you(&viewer);
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let Some(team) = state.teams.get(&team_id) else {
        return not_for_you(&viewer);
    };
    let activities: Vec<_> = state
        .on_notice
        .iter()
        .filter_map(|(_, a)| state.activities.get(a))
        .filter(|a| a.team_id == team_id && a.reversal().is_none())
        .collect();
    let title = l.s(
        format!("{} 公示栏", team.name),
        format!("{}: public notice", team.name),
    );
    page(
        Frame { viewer: &viewer, title, back: Some("/"), as_of: None },
        html! {
            p.notice { (l.t("以下服务正在公示，公示期满、没有异议，积分才能使用。如有异议，请在公示期内告诉本队协调员或 e站 柜员。", "These activities are on public notice: their points can be used once the notice ends without objection. To object, tell the team's coordinator or a station clerk before it ends.")) }
            @if activities.is_empty() {
                p.notice { (l.t("目前没有正在公示的服务。", "Nothing is on public notice now.")) }
            }
            @for a in &activities {
                section.card {
                    h2 { (a.title) }
                    @if let Some(n) = a.notice {
                        p.notice { (l.s(
                            format!("服务日期 {}，公示 {} 至 {}", a.date, n.posted_on, n.ends_on),
                            format!("Served {}, on notice {} to {}", a.date, n.posted_on, n.ends_on),
                        )) }
                    }
                    table.notice {
                        tr { th { (l.t("姓名", "Name")) } th { (l.t("时长", "Hours")) } th { (l.t("积分", "Points")) } }
                        @for p in &a.participants {
                            tr {
                                td { (yinling_projections::checks::participant(&state, p.number).map(|v| yinling_projections::personal::masked(&v.name)).unwrap_or_default()) }
                                td { (num(p.hours)) }
                                td { (num(p.points)) }
                            }
                        }
                    }
                }
            }
            p.muted.no-print { (l.t("用浏览器的“打印”即可打印这一页，贴在公示栏。", "Print this page from the browser to pin it on the noticeboard.")) }
        },
    )
    .into_response()
}
