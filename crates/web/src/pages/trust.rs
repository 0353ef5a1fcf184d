//! Confirmation by the people served and notices, on the web. A coordinator prints a slip
//! with a one-time code (and its QR code) for the party an activity served; the party opens
//! `/confirm`, sees what it vouches for (names masked) and confirms with a name and a role,
//! without an account. A volunteer, or their coordinator with them, says where notices go;
//! the volunteer's page lists the latest ones.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use yinling_app::confirmations::read_code;
use yinling_app::notices::masked_phone;
use yinling_app::{input, App};
use yinling_ledger::outbox::{DeliveryStatus, OutboxEntry, Recipient};
use yinling_ledger::personal::{NoticeContacts, Relative};
use yinling_ledger::{ActivityId, NoticeContactsSet, VolunteerId};
use yinling_projections::access::Write;
use yinling_projections::{Command, Principal};

use super::{form_id, genuine, may_write, see_other, submit_and_return, Form};
use crate::i18n::Lang;
use crate::layout::{not_for_you, num, page, page_with, refusal, Frame};
use crate::session::Viewer;

/// `/team/activities/{id}/confirmation`: the codes given so far, the confirmations, and the
/// form to give a new code.
pub async fn codes(State(app): State<App>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let Ok(activity_id) = id.parse::<ActivityId>() else {
        return not_for_you(&viewer);
    };
    let state = app.engine.read();
    let Some(a) = state.activities.get(&activity_id) else {
        return not_for_you(&viewer);
    };
    // Only an administrator gives up a wait (a team that could waive its own would need
    // none), and sees the page for it; the team's coordinators give codes.
    let can = |what: &Write| {
        viewer
            .session
            .as_ref()
            .is_some_and(|s| yinling_projections::access::can_write(&s.principal, what))
    };
    let waives = can(&Write::Administer("give up waiting for a confirmation"));
    let gives = can(&Write::LogActivity(a.team_id));
    if !waives {
        if let Err(r) = may_write(&viewer, &Write::LogActivity(a.team_id)) {
            return r;
        }
    }
    let l = viewer.lang;
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("请服务对象确认", "Ask those served to confirm").into(), back: Some("/team/activities"), as_of: None },
        html! {
            p { strong { (a.date) " " (a.title) } }
            p { (l.t("给服务对象（村委会、社区、家属）一张确认单：上面有一次性确认码和二维码。对方扫码或在 /confirm 输入确认码，填写姓名和身份即可确认，不需要账号。", "Give those served (a village committee, a community, a family) a slip with a one-time code and its QR code. They scan it or type the code at /confirm and confirm with their name and role; no account needed.")) }
            @if a.awaits_confirmation {
                p.notice { (l.t("这类服务的积分要等服务对象确认后才能使用。", "Points of this kind wait for confirmation by those served.")) }
            }
            @if let Some(w) = a.confirmation_waived() {
                p.notice { (l.s(
                    format!("{} 管理员已不再等待确认，积分已可使用。原因：{}", w.waived_on, w.reason),
                    format!("On {} an administrator stopped waiting for the confirmation; the points are usable. Why: {}", w.waived_on, w.reason),
                )) }
            }
            @for c in a.confirmations() {
                p { "✔ " (c.party) " · " (c.name) "（" (c.role) "） · " (c.confirmed_on) }
            }
            @for r in a.confirmation_requests() {
                p.muted { (l.s(
                    format!("第 {} 张确认单：{}，{}，{} 前有效", r.number, r.party, if r.used { "已使用" } else { "未使用" }, r.expires_on),
                    format!("Slip {}: {}, {}, valid until {}", r.number, r.party, if r.used { "used" } else { "not used yet" }, r.expires_on),
                )) }
            }
            @if a.awaits_confirmation && waives {
                details {
                    summary { (l.t("服务对象无法确认（搬离、联系不上）：不再等待", "Those served cannot confirm (moved away, unreachable): stop waiting")) }
                    form method="post" action={ "/team/activities/" (a.id) "/waive" } {
                        (super::form_fields(&csrf))
                        label for="reason" { (l.t("原因（会记入账本，审计可见）", "Why (kept in the ledger, seen by the auditors)")) }
                        textarea #reason name="reason" rows="3" maxlength="500" required {}
                        button type="submit" { (l.t("不再等待确认，积分可以使用", "Stop waiting; release the points")) }
                    }
                }
            }
            @if a.reversal().is_none() && gives {
                form method="post" action={ "/team/activities/" (a.id) "/confirmation" } {
                    (super::form_fields(&csrf))
                    label for="party" { (l.t("服务对象（例如：荻港村村委会、张家）", "Who was served (a village committee, a family)")) }
                    input #party name="party" required;
                    button.big type="submit" { (l.t("打印确认单", "Print a slip")) }
                }
            }
        },
    )
    .into_response()
}

/// Gives up the activity's wait for confirmation, with the administrator's reason.
pub async fn waive(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/activities/{id}/confirmation");
    submit_and_return::<yinling_ledger::ConfirmationWaived>(&app, &viewer, &form, &here, |_| {
        Ok(Command::WaiveConfirmation {
            activity_id: input::id("activity", &id)?,
            reason: form.text("reason"),
        })
    })
    .await
}

/// Gives a code and shows the slip to print.
pub async fn give_code(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/activities/{id}/confirmation");
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let activity_id = match input::id::<ActivityId>("activity", &id) {
        Ok(a) => a,
        Err(e) => return refusal(&viewer, &here, &yinling_app::AppError::from(e)),
    };
    let key = super::form_key(&session.principal, &form);
    let given = app
        .give_confirmation_code(&session.principal, activity_id, &form.text("party"), key)
        .await;
    let c = match given {
        Ok((c, _)) => c,
        Err(e) => return refusal(&viewer, &here, &e),
    };
    let l = viewer.lang;
    let (title, date) = {
        let state = app.engine.read();
        state
            .activities
            .get(&activity_id)
            .map(|a| (a.title.as_str().to_owned(), a.date))
            .unwrap_or_default()
    };
    page(
        Frame { viewer: &viewer, title: l.t("服务确认单", "Confirmation slip").into(), back: Some(&here), as_of: None },
        html! {
            section.card.slip {
                p.big { (l.s(format!("致 {}", c.party), format!("To {}", c.party))) }
                p { (l.s(
                    format!("我们的志愿者于 {date} 为您提供了“{title}”服务。请您扫描二维码，或打开 /confirm 输入下面的确认码，核对后确认。"),
                    format!("Our volunteers served you on {date}: \"{title}\". Scan the QR code, or open /confirm and type the code below, check and confirm."),
                )) }
                p.code aria-label=(l.t("确认码", "Code")) { (c.shown) }
                div.qr { (maud::PreEscaped(super::cards::qr_svg(&c.link))) }
                p.muted { (c.link) }
                p.muted { (l.s(format!("确认码只能用一次，{} 前有效。", c.expires_on), format!("The code works once, until {}.", c.expires_on))) }
            }
            p.muted.no-print { (l.t("用浏览器的“打印”打印这一页，交给服务对象。", "Print this page from the browser and hand it over.")) }
        },
    )
    .into_response()
}

/// Query of `/confirm`.
#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `/confirm`: where a code from a slip is typed (anyone).
pub async fn enter(viewer: Viewer, Query(q): Query<CodeQuery>) -> Response {
    if let Some(code) = q.code.filter(|c| !c.trim().is_empty()) {
        return match read_code(&code) {
            Ok(code) => see_other(&format!("/confirm/{code}")),
            Err(e) => refusal(&viewer, "/confirm", &e),
        };
    }
    let l = viewer.lang;
    page(
        Frame {
            viewer: &viewer,
            title: l.t("确认志愿服务", "Confirm a volunteer service").into(),
            back: None,
            as_of: None,
        },
        html! {
            p { (l.t("请输入确认单上的 12 位确认码。", "Type the twelve-digit code on the slip.")) }
            form method="get" action="/confirm" {
                label for="code" { (l.t("确认码", "Code")) }
                input #code name="code" inputmode="numeric" autocomplete="off" required;
                button.big type="submit" { (l.t("下一步", "Next")) }
            }
        },
    )
    .into_response()
}

/// `/confirm/{code}`: what the code vouches for, and the form (anyone holding the code).
pub async fn show(State(app): State<App>, viewer: Viewer, Path(code): Path<String>) -> Response {
    let l = viewer.lang;
    let t = match app.to_confirm(&code) {
        Ok(t) => t,
        Err(e) => return refusal(&viewer, "/confirm", &e),
    };
    page(
        Frame { viewer: &viewer, title: l.t("确认志愿服务", "Confirm a volunteer service").into(), back: None, as_of: None },
        html! {
            section.card {
                p.big { (t.title) }
                p { (l.s(
                    format!("{}（{}）于 {} 为 {} 提供的{}服务", t.team, t.district, t.date, t.party, t.category),
                    format!("{} ({}) served {} on {}: {}", t.team, t.district, t.party, t.date, t.category),
                )) }
                table {
                    tr { th { (l.t("志愿者", "Volunteer")) } th { (l.t("时长（小时）", "Hours")) } }
                    @for (name, hours) in &t.volunteers {
                        tr { td { (name) } td { (num(*hours)) } }
                    }
                }
            }
            form method="post" action={ "/confirm/" (code) } {
                input type="hidden" name="form_id" value=(form_id());
                label for="name" { (l.t("您的姓名", "Your name")) }
                input #name name="name" autocomplete="name" required;
                label for="role" { (l.t("您的身份（例如：村委会主任、家属）", "Your role (a committee head, a relative)")) }
                input #role name="role" required;
                p.muted { (l.t("您的姓名和身份会和这次服务一起永久记录，供核查。", "Your name and role are kept with this service for good, for checking.")) }
                button.big type="submit" { (l.t("情况属实，确认", "This is right: confirm")) }
            }
            p.muted { (l.t("如果情况不符，请不要确认，并告诉志愿服务队或 e站。", "If it is not right, do not confirm; tell the team or an e-station.")) }
        },
    )
    .into_response()
}

/// Confirms with the code (anyone holding it; a form from another site is refused).
pub async fn confirm(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    form: Form,
) -> Response {
    if !super::home::this_sites_form(&headers) {
        return not_for_you(&viewer);
    }
    let here = format!("/confirm/{code}");
    let key = super::form_key(&Principal::System, &form);
    let l = viewer.lang;
    match app
        .confirm_activity(
            &code,
            (&form.text("name"), &form.text("role")),
            viewer.session.as_ref().map(|s| &s.principal),
            key,
        )
        .await
    {
        Ok(w) => page_with(
            axum::http::StatusCode::OK,
            Frame {
                viewer: &viewer,
                title: l.t("谢谢您的确认", "Thank you").into(),
                back: None,
                as_of: None,
            },
            html! {
                p.big role="status" { (l.s(format!("已确认。确认日期：{}", w.answer.confirmed_on), format!("Confirmed on {}.", w.answer.confirmed_on))) }
                p { (l.t("感谢您为志愿者作证。", "Thank you for vouching for the volunteers.")) }
            },
        ),
        Err(e) => refusal(&viewer, &here, &e),
    }
}

/// The form that says where notices go, at `action`.
pub fn contacts_form(l: Lang, contacts: &NoticeContacts, csrf: &str, action: &str) -> Markup {
    let r = contacts.relative.as_ref();
    html! {
        h2 #notices-to { (l.t("积分消息发给谁", "Who gets notices")) }
        p { (l.t("积分到账、奖品备好、异议答复等消息会用短信发出。没有手机也没关系：消息会印在每月的纸质积分单上。", "Notices (points credited, a reward ready, a dispute answered) go out by text message. No phone? They are printed on the monthly paper statement as well.")) }
        @if let Some(p) = &contacts.phone { p.muted { (l.t("本人手机：", "Own mobile: ")) (masked_phone(p)) } }
        @if let Some(r) = r { p.muted { (l.t("家属：", "Relative: ")) (r.relation) " " (masked_phone(&r.phone)) } }
        form method="post" action=(action) {
            (super::form_fields(csrf))
            label for="phone" { (l.t("本人手机号（11 位；留空表示不改）", "Own mobile (11 digits; empty: unchanged)")) }
            input #phone name="phone" type="tel" inputmode="numeric" autocomplete="off";
            @if contacts.phone.is_some() {
                label for="phone_clear" {
                    input #phone_clear name="phone_clear" type="checkbox" value="1";
                    " " (l.t("不再给本人手机发短信", "Stop texting my own mobile"))
                }
            }
            label for="relative_name" { (l.t("家属姓名（也收消息；可不填）", "A relative who also gets them (optional): name")) }
            input #relative_name name="relative_name" value=(r.map(|r| r.name.clone()).unwrap_or_default());
            label for="relative_relation" { (l.t("关系（例如：女儿）", "Relation (daughter, say)")) }
            input #relative_relation name="relative_relation" value=(r.map(|r| r.relation.clone()).unwrap_or_default());
            label for="relative_phone" { (l.t("家属手机号（留空表示不改）", "Their mobile (empty: unchanged)")) }
            input #relative_phone name="relative_phone" type="tel" inputmode="numeric" autocomplete="off";
            button.big type="submit" { (l.t("保存", "Save")) }
        }
    }
}

/// The command of the contacts form. A number left empty keeps the one already set (the
/// page never shows it whole); the box "stop texting my own mobile", or "删除" typed,
/// removes it; a relative's name emptied removes the relative.
fn contacts_command(volunteer_id: VolunteerId, before: &NoticeContacts, form: &Form) -> Command {
    let keep = |typed: String, old: Option<&String>| match typed.as_str() {
        "" => old.cloned(),
        "删除" | "delete" => None,
        _ => Some(typed),
    };
    let phone = if form.text("phone_clear") == "1" {
        None
    } else {
        keep(form.text("phone"), before.phone.as_ref())
    };
    let name = form.text("relative_name");
    let relative = (!name.is_empty()).then(|| Relative {
        name,
        relation: form.text("relative_relation"),
        phone: keep(
            form.text("relative_phone"),
            before.relative.as_ref().map(|r| &r.phone),
        )
        .unwrap_or_default(),
    });
    Command::SetNoticeContacts {
        volunteer_id,
        phone,
        relative,
    }
}

/// Saves where a signed-in volunteer's notices go.
pub async fn my_contacts(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let me = match viewer.session.as_ref().map(|s| &s.principal) {
        Some(Principal::Volunteer(_, me)) => *me,
        _ => return not_for_you(&viewer),
    };
    // The fields left empty keep what is there: unread, they would be dropped.
    let before = yinling_app::notices::contacts_of(&app.engine.read(), &me);
    submit_and_return::<NoticeContactsSet>(&app, &viewer, &form, "/me", |_| {
        Ok(contacts_command(me, &before?.unwrap_or_default(), &form))
    })
    .await
}

/// Saves where a volunteer's notices go, from their details page.
pub async fn contacts_for(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/volunteers/{id}");
    let Ok(v) = id.parse::<VolunteerId>() else {
        return not_for_you(&viewer);
    };
    let before = yinling_app::notices::contacts_of(&app.engine.read(), &v);
    submit_and_return::<NoticeContactsSet>(&app, &viewer, &form, &here, |_| {
        Ok(contacts_command(v, &before?.unwrap_or_default(), &form))
    })
    .await
}

fn status_words(l: Lang, e: &OutboxEntry) -> &'static str {
    match (&e.status, e.recipient) {
        (DeliveryStatus::Delivered { .. }, Recipient::Relative) => {
            l.t("已发给家属", "sent to the relative")
        }
        (DeliveryStatus::Delivered { .. }, _) => l.t("已发短信", "sent"),
        (DeliveryStatus::Pending, _) => l.t("正在发送", "sending"),
        (DeliveryStatus::Failed { .. }, _) => l.t("没有发出去", "could not be sent"),
        (DeliveryStatus::Paper, _) => l.t("印在纸质积分单上", "on the paper statement"),
    }
}

/// The latest notices of a volunteer (their own copies, not the relative's).
pub fn notices_list(l: Lang, entries: &[OutboxEntry]) -> Markup {
    let mine: Vec<_> = entries
        .iter()
        .filter(|e| e.recipient == Recipient::Volunteer)
        .collect();
    html! {
        @if !mine.is_empty() {
            section.card {
                h2 { (l.t("最近的消息", "Latest notices")) }
                ul.list {
                    @for e in mine.iter().rev() {
                        li {
                            p { (if l == Lang::Zh { &e.text_zh } else { &e.text_en }) }
                            p.muted { (e.created_at.local_minute()) " · " (status_words(l, e)) }
                        }
                    }
                }
            }
        }
    }
}
