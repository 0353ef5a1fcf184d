//! The star scale in plain words: the scale in force, every version with its date, and the
//! public notice (公示) of stars waiting for confirmation; for an administrator, the forms
//! to adopt a scale and to confirm a star.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::answers::ScaleAdopted;
use yinling_app::reports::stars::{pending_out, scale_out};
use yinling_app::{input, App, AppError};
use yinling_ledger::StarConfirmed;
use yinling_projections::access::{self, Read, Write};
use yinling_projections::Command;

use super::{act, genuine, may_read, see_other, Form};
use crate::layout::{num, page, refusal, Frame};
use crate::limits::PENDING_STARS_SHOWN;
use crate::session::Viewer;

const HERE: &str = "/stars";

/// `/stars`: the scale and the public notice; for an administrator, the forms.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match may_read(&viewer, &Read::Published) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let admin = access::can_write(&who, &Write::Administer("change the star scale"));
    let csrf = viewer.csrf();
    let (scale, pending) = {
        let state = app.engine.read();
        (scale_out(&state), pending_out(&state, &who))
    };
    let hours = |t: &[yinling_app::wire::Amount]| {
        t.iter()
            .enumerate()
            .map(|(i, h)| {
                l.s(
                    format!("{}星 {} 小时", i + 1, num(h.0)),
                    format!("{} ★ {} h", i + 1, num(h.0)),
                )
            })
            .collect::<Vec<_>>()
            .join(l.t("，", ", "))
    };
    page(
        Frame { viewer: &viewer, title: l.t("星级标准", "Star scale").into(), back: Some("/rules"), as_of: None },
        html! {
            p { (l.t("累计服务时长（扣除撤销的）达到标准就升星。标准调整后，已经评上的星级不会降低；服务时长被撤销或更正到标准以下时，星级随之调整，并写明原因。", "Stars follow net hours of service. A new scale never lowers a star already held; when hours are taken back below a threshold, the star is withdrawn with the reason.")) }
            section.card {
                h2 { (l.t("现行标准", "In force")) }
                p { (hours(&scale.current.thresholds_hours)) }
                @if scale.current.review {
                    p { (l.t("达到新星级后先公示，经管理员认定后生效。", "A star reached is publicly shown first and counts once an administrator confirms it.")) }
                }
                @if !scale.current.note.is_empty() { p.muted { (scale.current.note) } }
            }
            h2 { (l.t("历次标准", "Every version")) }
            @if scale.versions.is_empty() {
                p { (l.t("一直沿用全国标准：100、300、600、1000、1500 小时。", "The national scale has always applied: 100, 300, 600, 1000, 1500 hours.")) }
            }
            ul.list {
                @for v in scale.versions.iter().rev() {
                    li {
                        div.row {
                            strong { (l.s(format!("第 {} 版", v.version), format!("Version {}", v.version))) }
                            @if let Some(d) = &v.adopted_on { span { (l.s(format!("{} 起", d.0), format!("from {}", d.0))) } }
                        }
                        p { (hours(&v.thresholds_hours)) }
                        @if v.review { p { (l.t("须公示认定", "Stars are confirmed after public notice")) } }
                        @if !v.note.is_empty() { p.muted { (v.note) } }
                    }
                }
            }
            @if admin {
                h2 { (l.t("调整星级标准", "Adopt a scale")) }
                form method="post" action="/stars" {
                    (super::form_fields(&csrf))
                    label for="thresholds" { (l.t("每一星需要的小时数，用逗号隔开", "Hours for each star, separated by commas")) }
                    input #thresholds name="thresholds" required value=(scale.current.thresholds_hours.iter().map(|h| num(h.0)).collect::<Vec<_>>().join(", "));
                    div.pick {
                        input #review type="checkbox" name="review" value="yes" checked[scale.current.review];
                        label for="review" { (l.t("新星级先公示，管理员认定后生效", "Stars wait for public notice and confirmation")) }
                    }
                    label for="note" { (l.t("说明", "Note")) }
                    input #note name="note";
                    button.big type="submit" { (l.t("采用这个标准", "Adopt it")) }
                }
            }
            h2 { (l.t("星级公示（等待认定）", "Public notice (awaiting confirmation)")) }
            @if pending.items.is_empty() {
                p { (l.t("目前没有等待认定的星级。", "No star is waiting for confirmation.")) }
            }
            @if pending.items.len() > PENDING_STARS_SHOWN {
                p.muted { (l.s(format!("共 {} 位在公示，下面是最早的 {PENDING_STARS_SHOWN} 位。", pending.items.len()), format!("{} in all; the {PENDING_STARS_SHOWN} oldest are below.", pending.items.len()))) }
            }
            ul.list {
                @for p in pending.items.iter().take(PENDING_STARS_SHOWN) {
                    li {
                        div.row {
                            strong { (p.name) }
                            span { (l.s(format!("{}星", p.level), format!("{} stars", p.level))) }
                        }
                        p.muted { (p.team_name) " · " (l.s(format!("{} 达到，累计 {} 小时", p.reached_on.0, num(p.hours.0)), format!("reached {}, {} hours", p.reached_on.0, num(p.hours.0)))) }
                        @if admin {
                            form method="post" action={ "/stars/" (p.volunteer_id) "/confirm" } {
                                (super::form_fields(&csrf))
                                input type="hidden" name="level" value=(p.level);
                                label for={ "note-" (p.volunteer_id) } { (l.t("公示情况", "Notice")) }
                                input id={ "note-" (p.volunteer_id) } name="note" placeholder=(l.t("例如：公示七天无异议", "e.g. shown for seven days, no objection"));
                                button.big.plain type="submit" { (l.s(format!("认定 {} 为{}星", p.name, p.level), format!("Confirm {} stars for {}", p.level, p.name))) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The command a filled-in scale form asks for.
fn scale_command(form: &Form) -> Result<Command, AppError> {
    let text = form.text("thresholds");
    let thresholds = text
        .split([',', '，', '、', ' '])
        .filter(|t| !t.trim().is_empty())
        .enumerate()
        .map(|(i, t)| input::decimal(&format!("thresholds[{i}]"), t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Command::AdoptStarScale {
        thresholds_hours: thresholds,
        review: form.get("review").is_some(),
        note: form.text("note"),
    })
}

/// Adopts the scale from the form.
pub async fn adopt(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = match scale_command(&form) {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    match act::<ScaleAdopted>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(HERE),
        Err(e) => refusal(&viewer, HERE, &e),
    }
}

/// Confirms the star of the volunteer the path names.
pub async fn confirm(
    State(app): State<App>,
    viewer: Viewer,
    Path(volunteer): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = (|| -> Result<Command, AppError> {
        let level = form.text("level");
        Ok(Command::ConfirmStar {
            volunteer_id: input::id("volunteer", &volunteer)?,
            level: input::optional_number::<u8>("level", &level)?.unwrap_or(0),
            note: form.text("note"),
        })
    })();
    let command = match command {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    match act::<StarConfirmed>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(HERE),
        Err(e) => refusal(&viewer, HERE, &e),
    }
}
