//! Disputes on the web: a volunteer contests an entry or reports one missing from their
//! statement, in plain words; the coordinator of the team it went to answers on
//! `/team/disputes`, the district coordinator on `/district/disputes`, and an administrator
//! any dispute on `/policies/disputes`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use yinling_app::{input, App, AppError};
use yinling_ledger::{DisputeId, DisputeKind, DisputeOpened, DisputeOutcome, DisputeResolved};
use yinling_projections::access;
use yinling_projections::limits::MAX_REASON_CHARS;
use yinling_projections::volunteers::{EntryKind, EntryRef, Volunteer};
use yinling_projections::{Command, Principal, State as LedgerState};

use super::{submit_and_return, Form};
use crate::i18n::Lang;
use crate::layout::{not_for_you, page, Frame};
use crate::session::Viewer;

/// Where a dispute stands, in words, with the answer's outcome and reason once it came (the
/// statement on paper prints the same).
pub(crate) fn status_words(l: Lang, d: &yinling_projections::disputes::Dispute) -> String {
    match &d.resolution {
        None if d.escalated_on.is_some() => l
            .t("已转区县协调员处理", "With the district coordinator")
            .into(),
        None => l.t("等待答复", "Waiting for an answer").into(),
        Some(r) => {
            let word = match r.outcome {
                DisputeOutcome::Upheld => l.t("已采纳", "Upheld"),
                DisputeOutcome::Corrected => l.t("已更正", "Corrected"),
                DisputeOutcome::Rejected => l.t("未采纳", "Not upheld"),
            };
            format!("{word}：{}", r.reason)
        }
    }
}

/// The volunteer's disputes and the form to open one, under their statement.
pub fn section(l: Lang, state: &LedgerState, v: &Volunteer, csrf: &str) -> Markup {
    let mine: Vec<_> = state
        .disputes
        .values()
        .filter(|d| d.volunteer_id == v.id)
        .collect();
    // Their recent service, each activity once: an entry that stands can be contested; one
    // they were corrected out of is reported as missing (naming the activity); a reversed
    // activity has nothing left to contest.
    let mut seen = std::collections::HashSet::new();
    let activities: Vec<_> = v
        .statement
        .newest_first(state.stamps())
        .filter(|e| e.kind == EntryKind::Service)
        .filter_map(|e| match e.reference {
            EntryRef::Activity(a) => state.activities.get(&a),
            _ => None,
        })
        .filter(|a| a.reversal().is_none() && seen.insert(a.id))
        .take(crate::limits::MAX_DISPUTE_CHOICES)
        .map(|a| {
            let stands = a.participants.has(v.number);
            (a, stands)
        })
        .collect();
    html! {
        h2 #disputes { (l.t("有异议，或有漏登？", "Something wrong, or missing?")) }
        @for d in &mine {
            p.muted { (d.opened_on) " · " (d.reason) " · " strong { (status_words(l, d)) } }
        }
        form method="post" action="/me/disputes" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="form_id" value=(super::form_id());
            label for="activity" { (l.t("哪一次", "Which one")) }
            select #activity name="activity" {
                option value="" { (l.t("有一次服务没有登记", "A service was never logged")) }
                @for (a, stands) in &activities {
                    @if *stands {
                        option value=(a.id) { (a.date) " " (a.title) }
                    } @else {
                        option value={ "missing:" (a.id) } { (a.date) " " (a.title) (l.t("（我被移出了这次活动）", " (I was taken off it)")) }
                    }
                }
            }
            label for="reason" { (l.t("请写明情况", "What is wrong")) }
            textarea #reason name="reason" rows="3" maxlength=(MAX_REASON_CHARS) required {}
            button.big type="submit" { (l.t("提出异议", "Send")) }
        }
    }
}

/// Opens a dispute for the signed-in volunteer.
pub async fn open_mine(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    submit_and_return::<DisputeOpened>(&app, &viewer, &form, "/me/statement", |who| {
        let Principal::Volunteer(_, me) = who else {
            return Err(AppError::Rejected(
                yinling_projections::Rejection::forbidden(
                    "volunteers_only",
                    "this form is for a volunteer's own entries",
                ),
            ));
        };
        // "" a service never logged; "missing:ID" an activity they were taken off; "ID" an
        // entry of theirs that stands.
        let activity = form.text("activity");
        let (kind, activity_id) = match activity.strip_prefix("missing:") {
            _ if activity.is_empty() => (DisputeKind::Missing, None),
            Some(id) => (DisputeKind::Missing, Some(input::id("activity", id)?)),
            None => (
                DisputeKind::Contested,
                Some(input::id("activity", &activity)?),
            ),
        };
        Ok(Command::OpenDispute {
            dispute_id: DisputeId::generate(),
            volunteer_id: *me,
            activity_id,
            kind,
            reason: form.text("reason"),
        })
    })
    .await
}

/// `/team/disputes` (a coordinator: their team's) and `/district/disputes` (a district
/// coordinator: their district's, escalated ones included): open ones first, each with the
/// form to answer it where the viewer may.
pub async fn team(State(app): State<App>, viewer: Viewer) -> Response {
    board(&app, &viewer, "/team")
}

/// `/district/disputes`.
pub async fn district(State(app): State<App>, viewer: Viewer) -> Response {
    board(&app, &viewer, "/district")
}

/// `/policies/disputes` (an administrator: every dispute, so one escalated in a district
/// without a district coordinator is still answered from the web).
pub async fn city(State(app): State<App>, viewer: Viewer) -> Response {
    board(&app, &viewer, "/policies")
}

fn board(app: &App, viewer: &Viewer, home: &'static str) -> Response {
    let Some(session) = viewer.session.as_ref() else {
        return crate::layout::needs_sign_in(viewer);
    };
    let who = session.principal.clone();
    let ours = |team: &yinling_ledger::TeamId| match (&who, home) {
        (Principal::Coordinator(_, mine), "/team") => mine == team,
        (Principal::DistrictCoordinator(_, d), "/district") => d.covers(team),
        (Principal::Admin(_), "/policies") => true,
        _ => false,
    };
    if !matches!(
        (&who, home),
        (Principal::Coordinator(..), "/team")
            | (Principal::DistrictCoordinator(..), "/district")
            | (Principal::Admin(_), "/policies")
    ) {
        return not_for_you(viewer);
    }
    let l = viewer.lang;
    let csrf = session.csrf();
    let state = app.engine.read();
    let mut list: Vec<_> = state
        .disputes
        .values()
        .filter(|d| ours(&d.team_id))
        .collect();
    list.sort_by_key(|d| (!d.open(), d.opened_on));
    let may_answer = |d: &yinling_projections::disputes::Dispute| {
        d.open()
            && access::can_write(
                &who,
                &access::Write::ResolveDispute(d.team_id, d.escalated_on.is_some()),
            )
    };
    page(
        Frame { viewer, title: l.t("异议和漏登", "Disputes").into(), back: Some(home), as_of: None },
        html! {
            @if list.is_empty() { p { (l.t("没有异议。", "No disputes.")) } }
            @for d in &list {
                section.card {
                    p { strong { (state.volunteers.get(&d.volunteer_id).map(|v| access::name_for(&who, v)).unwrap_or_default()) } " · " (d.opened_on) }
                    @if let Some(a) = d.activity_id.and_then(|a| state.activities.get(&a)) { p { (a.date) " " (a.title) } }
                    p { (d.reason) }
                    p.muted { (status_words(l, d)) }
                    @if may_answer(d) {
                        form method="post" action={ (home) "/disputes/" (d.id) "/resolve" } {
                            (super::form_fields(&csrf))
                            label for={ "outcome-" (d.id) } { (l.t("答复", "Answer")) }
                            // No answer chosen for them: "corrected" tells the volunteer their
                            // entry was put right, so it is picked, never defaulted.
                            select id={ "outcome-" (d.id) } name="outcome" required {
                                option value="" selected { (l.t("请选择", "Choose")) }
                                option value="corrected" { (l.t("已更正（先在活动记录里更正时长）", "Corrected (correct the hours first)")) }
                                option value="upheld" { (l.t("采纳（例如补登这次服务）", "Upheld (log the missing service, say)")) }
                                option value="rejected" { (l.t("不采纳", "Not upheld")) }
                            }
                            label for={ "why-" (d.id) } { (l.t("理由（会写进志愿者的明细）", "Why (shown on the volunteer's statement)")) }
                            textarea id={ "why-" (d.id) } name="reason" rows="2" maxlength=(MAX_REASON_CHARS) required {}
                            button.big type="submit" { (l.t("答复", "Answer")) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// Answers a dispute from `/team/disputes`.
pub async fn resolve(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    answer(&app, &viewer, &id, &form, "/team/disputes").await
}

/// Answers a dispute from `/district/disputes`.
pub async fn resolve_in_district(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    answer(&app, &viewer, &id, &form, "/district/disputes").await
}

/// Answers a dispute from `/policies/disputes`.
pub async fn resolve_in_city(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    answer(&app, &viewer, &id, &form, "/policies/disputes").await
}

async fn answer(app: &App, viewer: &Viewer, id: &str, form: &Form, here: &str) -> Response {
    submit_and_return::<DisputeResolved>(app, viewer, form, here, |_| {
        // Only the three answers the form offers; anything else is refused, not taken as a
        // "not upheld" the coordinator never chose.
        let outcome = match form.text("outcome").as_str() {
            "corrected" => DisputeOutcome::Corrected,
            "upheld" => DisputeOutcome::Upheld,
            "rejected" => DisputeOutcome::Rejected,
            other => {
                return Err(AppError::invalid(
                    "bad_outcome",
                    format!("outcome: choose corrected, upheld or rejected, not {other:?}"),
                ))
            }
        };
        Ok(Command::ResolveDispute {
            dispute_id: input::id("dispute", id)?,
            outcome,
            reason: form.text("reason"),
        })
    })
    .await
}
