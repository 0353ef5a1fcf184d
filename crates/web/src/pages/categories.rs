//! The kinds of service: every category with its rate today and the dates it takes, and for
//! an administrator the forms to register a campaign, rename a category or retire one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::{input, App, AppError};
use yinling_ledger::{CategoryRegistered, CategoryRenamed, CategoryRetired, Timestamp};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::limits::DEFAULT_POINTS_PER_HOUR;
use yinling_projections::Command;

use super::{act, genuine, may_read, see_other, Form};
use crate::i18n::Lang;
use crate::layout::{num, page, refusal, Frame};
use crate::session::Viewer;

const HERE: &str = "/categories";

/// `/categories`: every category; for an administrator, the forms.
pub async fn list(State(app): State<App>, viewer: Viewer) -> Response {
    let who = match may_read(&viewer, &Read::Published) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let l = viewer.lang;
    let zh = l == Lang::Zh;
    let admin = access::can_write(&who, &Write::Administer("register categories of service"));
    let csrf = viewer.csrf();
    let today = Timestamp::now().local_date();
    let state = app.engine.read();
    page(
        Frame { viewer: &viewer, title: l.t("服务类别", "Kinds of service").into(), back: Some("/rules"), as_of: None },
        html! {
            p { (l.t("每次服务登记在一个类别下。类别停用后，停用日以前的服务照常可以补登，已有的记录都不变。", "Every service is logged under a kind. A retired kind still takes service up to its last day; what it has stays.")) }
            ul.list {
                @for c in state.categories.all() {
                    li {
                        div.row {
                            strong { (c.label(zh)) }
                            @if c.open_on(today) {
                                @let rate = num(state.rule_for(c.id, today).effective_rate());
                                span { (l.s(format!("今天每小时 {rate} 分"), format!("{rate} points an hour today"))) }
                            }
                        }
                        p.muted {
                            (c.code) " · " (c.label(!zh))
                            @if !c.open_on(today) {
                                " · " (match c.active_until { Some(last) if last < today => l.s(format!("已停用：只收 {last}（含）以前的服务"), format!("retired: service up to {last} only")), _ => l.s(format!("{} 起", c.active_from), format!("from {}", c.active_from)) })
                            } @else if let Some(last) = c.active_until {
                                " · " (l.s(format!("收到 {last}"), format!("until {last}")))
                            }
                        }
                        @if let Some(why) = &c.retired_reason { @if !why.is_empty() { p.muted { (why) } } }
                        @if admin && c.open_on(today) {
                            details {
                                summary { (l.t("改名或停用", "Rename or retire")) }
                                form method="post" action={ "/categories/" (c.code) "/rename" } {
                                    (super::form_fields(&csrf))
                                    label for={ "zh-" (c.code) } { (l.t("中文名", "Chinese name")) }
                                    input id={ "zh-" (c.code) } name="label_zh" required value=(c.label_zh);
                                    label for={ "en-" (c.code) } { (l.t("英文名", "English name")) }
                                    input id={ "en-" (c.code) } name="label_en" required value=(c.label_en);
                                    button.big.plain type="submit" { (l.t("改名", "Rename")) }
                                }
                                form method="post" action={ "/categories/" (c.code) "/retire" } {
                                    (super::form_fields(&csrf))
                                    label for={ "last-" (c.code) } { (l.t("最后一天", "Last day")) }
                                    input id={ "last-" (c.code) } name="last_day" type="date" required value=(today.to_string());
                                    label for={ "why-" (c.code) } { (l.t("停用原因", "Why")) }
                                    input id={ "why-" (c.code) } name="reason" required;
                                    button.big.plain type="submit" { (l.t("停用", "Retire")) }
                                }
                            }
                        }
                    }
                }
            }
            @if admin {
                h2 { (l.t("新增一个类别（例如一次专项活动）", "Register a kind (a campaign, say)")) }
                form method="post" action="/categories" {
                    (super::form_fields(&csrf))
                    label for="label_zh" { (l.t("中文名", "Chinese name")) }
                    input #label_zh name="label_zh" required placeholder="垃圾分类";
                    label for="label_en" { (l.t("英文名", "English name")) }
                    input #label_en name="label_en" required placeholder="Garbage sorting";
                    label for="code" { (l.t("代码（小写英文字母、数字、下划线，定了不能改）", "Code (lower-case letters, digits, _; it never changes)")) }
                    input #code name="code" required pattern="[a-z][a-z0-9_]{1,39}" placeholder="garbage_sorting";
                    label for="rate" { (l.t("每小时积分", "Points an hour")) }
                    input #rate name="rate" inputmode="decimal" value=(num(DEFAULT_POINTS_PER_HOUR));
                    label for="active_from" { (l.t("从哪天的服务起", "For service from")) }
                    input #active_from name="active_from" type="date" required value=(today.to_string());
                    label for="active_until" { (l.t("到哪天为止（长期就空着）", "Until (empty: no end)")) }
                    input #active_until name="active_until" type="date";
                    button.big type="submit" { (l.t("新增", "Register")) }
                }
            }
        },
    )
    .into_response()
}

/// The command a filled-in registration form asks for.
fn register_command(form: &Form) -> Result<Command, AppError> {
    let until = form.text("active_until");
    Ok(Command::RegisterCategory {
        code: form.text("code"),
        label_zh: form.text("label_zh"),
        label_en: form.text("label_en"),
        default_points_per_hour: input::decimal("rate", form.get("rate").unwrap_or(""))?,
        active_from: input::date("active_from", form.get("active_from").unwrap_or(""))?,
        active_until: if until.is_empty() {
            None
        } else {
            Some(input::date("active_until", &until)?)
        },
    })
}

/// Registers a category from the form.
pub async fn register(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = match register_command(&form) {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    match act::<CategoryRegistered>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(HERE),
        Err(e) => refusal(&viewer, HERE, &e),
    }
}

/// Renames the category the path names.
pub async fn rename(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = match app.category("category", &code) {
        Ok(category) => Command::RenameCategory {
            category,
            label_zh: form.text("label_zh"),
            label_en: form.text("label_en"),
        },
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    match act::<CategoryRenamed>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(HERE),
        Err(e) => refusal(&viewer, HERE, &e),
    }
}

/// Retires the category the path names.
pub async fn retire(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    form: Form,
) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let command = (|| -> Result<Command, AppError> {
        Ok(Command::RetireCategory {
            category: app.category("category", &code)?,
            last_day: input::date("last_day", form.get("last_day").unwrap_or(""))?,
            reason: form.text("reason"),
        })
    })();
    let command = match command {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, HERE, &e),
    };
    match act::<CategoryRetired>(&app, &session.principal, &form, command).await {
        Ok(_) => see_other(HERE),
        Err(e) => refusal(&viewer, HERE, &e),
    }
}
