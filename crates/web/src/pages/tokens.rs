//! Every token and card, for administrators (and, read-only, auditors): whose, issued when,
//! last used; stop one, or stop it and issue its replacement in one step.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::answers::ReplacedToken;
use yinling_app::reports::tokens::tokens_out;
use yinling_app::{input, App};
use yinling_ledger::{Role, TokenId, TokenLastDaySet, TokenRevoked};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::Command;

use super::{act, genuine, may_read, submit_and_return, Form};
use crate::i18n::Lang;
use crate::layout::{page, refusal, Frame};
use crate::session::Viewer;

const HERE: &str = "/tokens";

/// A role in words.
fn role_words(l: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => l.t("管理员", "administrator"),
        Role::Coordinator => l.t("队伍协调员", "team coordinator"),
        Role::Volunteer => l.t("志愿者积分卡", "volunteer's card"),
        Role::Auditor => l.t("审计员", "auditor"),
        Role::GroupCoordinator => l.t("协作体协调员", "group coordinator"),
        Role::StationClerk => l.t("e站柜员", "station clerk"),
        Role::DistrictCoordinator => l.t("区县协调员", "district coordinator"),
        Role::BankOfficer => l.t("银行经办人", "bank officer"),
        Role::System => l.t("系统", "system"),
    }
}

/// When a token (by its id as listed) was last used on this node, in words.
pub(super) fn last_used_words(l: Lang, app: &App, id: &str) -> String {
    match id.parse::<TokenId>().ok().and_then(|id| app.last_used(&id)) {
        Some(at) => l.s(
            format!("最近使用：{}", at.local_minute()),
            format!("Last used: {}", at.local_minute()),
        ),
        None => l
            .t("本次启动以来还没用过", "Not used since the service started")
            .to_owned(),
    }
}

/// `/tokens`: every live token, newest first.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match may_read(&viewer, &Read::Tokens(None)) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let manage = access::can_write(&who, &Write::ManageToken(Role::Admin, None));
    let csrf = viewer.csrf();
    let rows = {
        let state = app.engine.read();
        tokens_out(&state, &who, None, false, |id| app.last_used(id))
    };
    page(
        Frame { viewer: &viewer, title: l.t("账号和积分卡", "Tokens and cards").into(), back: Some("/"), as_of: None },
        html! {
            p { (l.t("停用后马上失效；补发会在同一步里停用旧的、发一个同样权限的新的。", "A stopped token fails at once; replacing stops the old one and issues one with the same rights, in one step.")) }
            ul.list {
                @for t in &rows {
                    li {
                        div.row {
                            strong { (role_words(l, t.role)) " " (t.volunteer_name.clone().or(t.team_name.clone()).unwrap_or_default()) }
                            span { (t.issued_at.get(..10).unwrap_or_default()) }
                        }
                        @if !t.label.is_empty() { p.muted { (t.label) } }
                        p.muted {
                            (last_used_words(l, &app, &t.id))
                        }
                        @if let Some(day) = &t.last_day {
                            p { (l.s(format!("用到 {day}（含当天），之后自动失效。"), format!("Works until {day}, that day included; refused after it."))) }
                        }
                        @if manage && t.role != Role::Volunteer {
                            details {
                                summary { (l.t("设定最后一天", "Set a last day")) }
                                form method="post" action={ "/tokens/" (t.id) "/last-day" } {
                                    (super::form_fields(&csrf))
                                    label for={ "last-day-" (t.id) } { (l.t("最后一天（留空：一直有效，直到停用）", "Last day (empty: until stopped)")) }
                                    input id={ "last-day-" (t.id) } name="last_day" type="date" value=(t.last_day.clone().unwrap_or_default());
                                    button.big.plain type="submit" { (l.t("保存最后一天", "Save the last day")) }
                                }
                            }
                        }
                        @if manage {
                            form method="post" action={ "/tokens/" (t.id) "/replace" } {
                                (super::form_fields(&csrf))
                                button.big.plain type="submit" { (l.t("停用并补发", "Stop and replace")) }
                            }
                            form method="post" action={ "/tokens/" (t.id) "/revoke" } {
                                (super::form_fields(&csrf))
                                button.big.plain type="submit" { (l.t("停用", "Stop")) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// Moves a staff token's last day, or takes it away (the field left empty).
pub async fn set_last_day(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    submit_and_return::<TokenLastDaySet>(&app, &viewer, &form, HERE, |_| {
        let text = form.text("last_day");
        Ok(Command::SetTokenLastDay {
            token_id: input::id("token", &id)?,
            last_day: if text.trim().is_empty() {
                None
            } else {
                Some(input::date("last_day", &text)?)
            },
        })
    })
    .await
}

/// Stops a token.
pub async fn revoke(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    submit_and_return::<TokenRevoked>(&app, &viewer, &form, HERE, |_| {
        Ok(Command::RevokeToken {
            token_id: input::id("token", &id)?,
        })
    })
    .await
}

/// Stops a token and issues its replacement; the new secret is shown once, in large type.
pub async fn replace(
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
    let token_id: TokenId = match input::id("token", &id) {
        Ok(t) => t,
        Err(e) => return refusal(&viewer, HERE, &e.into()),
    };
    let command = app.replace_token(token_id, String::new());
    let replaced = match act::<ReplacedToken>(&app, &session.principal, &form, command).await {
        Ok(w) => w.answer,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    let issued = &replaced.issued.issued;
    // A volunteer's card is printed again, when the service knows its public address.
    if let Some(v) = issued.volunteer_id {
        if let Ok(card) = super::cards::card(&app, &v, &issued.token_id) {
            return super::cards::cards_page(&viewer, &[card]);
        }
    }
    let secret = app.mint.secret(&issued.token_id);
    page(
        Frame { viewer: &viewer, title: l.t("已补发", "Replaced").into(), back: Some(HERE), as_of: None },
        html! {
            p.success role="status" { (l.t("旧的已停用。新的只在这里显示一次，请马上交给本人：", "The old one is stopped. The new one is shown only here, once; hand it over now:")) }
            p.balance style="font-size:1.4rem;word-break:break-all" { (secret) }
            @if issued.role == Role::Volunteer {
                p { (l.t("志愿者的积分卡也可以在队伍协调员的「打印积分卡」页面补打。", "A volunteer's card can also be reprinted from the coordinator's card page.")) }
            }
        },
    )
    .into_response()
}
