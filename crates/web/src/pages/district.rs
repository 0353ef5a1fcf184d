//! A district coordinator's pages: every team of the district at a glance with its
//! volunteers and their balances, and logging an activity for any of the teams.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use yinling_app::answers::Logged;
use yinling_app::{input, App, AppError};
use yinling_ledger::{TeamId, Timestamp};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::principal::DistrictScope;
use yinling_projections::teams::Team;
use yinling_projections::Principal;

use super::activity_form::{
    activity_command, activity_form, logged_page, open_categories, rosters, to_refill, Refused,
};
use super::{act, genuine, Form};
use crate::layout::{needs_sign_in, not_for_you, num, page, refusal, Frame};
use crate::session::Viewer;

const HERE: &str = "/district";
const NEW_ACTIVITY: &str = "/district/activities/new";

/// The district a signed-in district coordinator coordinates.
fn my_district(viewer: &Viewer) -> Result<Arc<DistrictScope>, Response> {
    let Some(session) = viewer.session.as_ref() else {
        return Err(needs_sign_in(viewer));
    };
    match &session.principal {
        Principal::DistrictCoordinator(_, d) => Ok(d.clone()),
        _ => Err(not_for_you(viewer)),
    }
}

/// `/district`: each team of the district, its totals, its volunteers and their balances.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    let district = match my_district(&viewer) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let mut teams: Vec<&Team> = district
        .teams
        .iter()
        .filter_map(|t| state.teams.get(t))
        .collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    page(
        Frame { viewer: &viewer, title: district.name.clone(), back: None, as_of: None },
        html! {
            (super::money::coverage_banner(&state, l))
            p { (l.s(format!("{} 支队伍。可以为任何一支队伍登记活动、查看队员积分。", teams.len()), format!("{} teams. Log an activity for any of them; see their volunteers' points.", teams.len()))) }
            a.button.big.plain href="/evaluation" { (l.t("绩效评价和项目清单", "Evaluation and projects")) }
            a.button.big.plain href="/district/disputes" { (l.t("异议和漏登（含转上来的）", "Disputes (with those sent up)")) }
            @for team in &teams {
                section {
                    h2 { (team.name) }
                    p.muted { (l.s(format!("{} 名队员 · {} 小时 · {} 积分", team.members.len(), num(team.tally.hours), num(team.tally.points)), format!("{} volunteers · {} hours · {} points", team.members.len(), num(team.tally.hours), num(team.tally.points)))) }
                    a.button.big href={ (NEW_ACTIVITY) "?team=" (team.id) } { (l.s(format!("为{}登记活动", team.name), format!("Log an activity for {}", team.name))) }
                    a.button.big.plain href={ "/team/cards?team=" (team.id) } { (l.s(format!("{}的积分卡", team.name), format!("{}'s points cards", team.name))) }
                    details {
                        summary { (l.t("队员和积分", "Volunteers and points")) }
                        table {
                            thead { tr { th { (l.t("姓名", "Name")) } th { (l.t("可用积分", "Points available")) } th { (l.t("服务小时", "Hours")) } } }
                            tbody {
                                @for v in roster_of(&state, team) {
                                    tr { td { (v.0) } td { (num(v.1)) } td { (num(v.2)) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// A team's volunteers by name: name, points available, net hours.
fn roster_of(
    state: &yinling_projections::State,
    team: &Team,
) -> Vec<(String, rust_decimal::Decimal, rust_decimal::Decimal)> {
    let mut rows: Vec<_> = team
        .members
        .iter()
        .filter_map(|id| state.volunteers.get(id))
        .map(|v| (v.name.clone(), v.balance.available(), v.hours_net()))
        .collect();
    rows.sort();
    rows
}

/// `?team=` of the activity form.
#[derive(Debug, Deserialize)]
pub struct TeamParam {
    /// The team the activity is logged for.
    pub team: Option<String>,
}

/// `/district/activities/new?team=`: the activity form for one of the district's teams.
pub async fn new_activity(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<TeamParam>,
) -> Response {
    activity_page(&app, &viewer, q.team.as_deref().unwrap_or(""), None)
}

/// The activity form for `team`, one of the district's, blank or sent back `refused`.
fn activity_page(app: &App, viewer: &Viewer, team: &str, refused: Option<Refused<'_>>) -> Response {
    let district = match my_district(viewer) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let team_id = match input::id::<TeamId>("team", team) {
        Ok(t) if district.covers(&t) => t,
        Ok(_) => return not_for_you(viewer),
        Err(e) => return refusal(viewer, HERE, &e.into()),
    };
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let state = app.engine.read();
    let Some(team) = state.teams.get(&team_id) else {
        return not_for_you(viewer);
    };
    let categories = open_categories(&state, today);
    let Some(who) = viewer.session.as_ref().map(|s| &s.principal) else {
        return not_for_you(viewer);
    };
    let teams = rosters(&state, who, &[team], viewer.lang);
    page(
        Frame {
            viewer,
            title: l.s(
                format!("为{}登记活动", team.name),
                format!("Log an activity for {}", team.name),
            ),
            back: Some(HERE),
            as_of: None,
        },
        activity_form(
            l,
            &csrf,
            (&categories, team.category),
            &teams,
            today,
            Some(team_id),
            refused.as_ref(),
        ),
    )
    .into_response()
}

/// Logs the activity for the team the form names, if it is one of the district's.
pub async fn log_activity(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let team = match input::id::<TeamId>("team", form.get("team").unwrap_or("")) {
        Ok(t) => t,
        Err(e) => return refusal(&viewer, HERE, &e.into()),
    };
    let again = format!("{NEW_ACTIVITY}?team={team}");
    let command = access::may_write(&session.principal, &Write::LogActivity(team))
        .and_then(|()| access::may_read(&session.principal, &Read::Roster(Some(team))))
        .map_err(AppError::from)
        .and_then(|()| activity_command(&app.engine.read(), &session.principal, &form, team));
    let team_text = team.to_string();
    let command = match command {
        Ok(c) => c,
        Err(error) => {
            return activity_page(
                &app,
                &viewer,
                &team_text,
                Some(Refused {
                    form: &form,
                    error: &error,
                }),
            )
        }
    };
    let result = act::<Logged>(&app, &session.principal, &form, command).await;
    if let Some(error) = to_refill(&result) {
        return activity_page(
            &app,
            &viewer,
            &team_text,
            Some(Refused { form: &form, error }),
        );
    }
    logged_page(&viewer, result, (&again, HERE, None))
}
