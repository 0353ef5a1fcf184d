//! One volunteer's counter details, kept by their coordinator with them: the last four
//! digits of a phone (so a clerk can find them without a card) and the counter PIN (for
//! those who cannot set it themselves). Opening the page is in the access log.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::{input, App};
use yinling_ledger::{PersonalDataSealed, VolunteerId, VolunteerPinSet};
use yinling_projections::access::{self, Read, Write};
use yinling_projections::{Command, Principal};

use super::{submit_and_return, Form};
use crate::layout::{needs_sign_in, not_for_you, num, page, Frame};
use crate::session::Viewer;

/// `/team/volunteers/{id}`: the balance, and the phone digits and PIN forms.
pub async fn details(State(app): State<App>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let Some(session) = viewer.session.as_ref() else {
        return needs_sign_in(&viewer);
    };
    let Ok(id) = id.parse::<VolunteerId>() else {
        return not_for_you(&viewer);
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let Some(v) = state.volunteers.get(&id) else {
        return not_for_you(&viewer);
    };
    let who = &session.principal;
    // A volunteer keeps their own PIN on /me/pin; this page is their coordinator's.
    if matches!(who, Principal::Volunteer(..))
        || access::may_read(who, &Read::Account(v)).is_err()
        || access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id)).is_err()
    {
        return not_for_you(&viewer);
    }
    app.note_access(who, id, "/team/volunteers/{id}");
    let csrf = session.csrf();
    let here = format!("/team/volunteers/{id}");
    page(
        Frame { viewer: &viewer, title: v.name.clone(), back: Some("/team/volunteers"), as_of: None },
        html! {
            p { (l.s(format!("可用 {} 积分 · {} 小时", num(v.balance.available()), num(v.hours_net())), format!("{} points available · {} hours", num(v.balance.available()), num(v.hours_net())))) }
            @if let Some(y) = v.birth_year { p { (l.s(format!("{y} 年生"), format!("Born {y}"))) } }
            h2 { (l.t("柜台上怎么找到他", "How the counter finds them")) }
            p { (l.t("没带卡的时候，柜员可以用“姓名 + 出生年份”或“手机号后四位”找到他。柜台只用后四位；整个号码只在下面“积分消息发给谁”里按本人意愿加密保存，用来发短信。", "Without their card, a clerk finds them by name and year of birth, or by the last four digits of a phone. The counter uses only those four digits; a whole number is kept, sealed, only if they want text messages (below).")) }
            form method="post" action={ (here) "/phone" } {
                (super::form_fields(&csrf))
                label for="last_four" { (l.t("手机号后四位（留空表示不记）", "Last four digits of the phone (empty: keep none)")) }
                input #last_four name="last_four" inputmode="numeric" pattern="[0-9]{4}" value=(v.phone_last_four.clone().unwrap_or_default());
                button.big type="submit" { (l.t("保存", "Save")) }
            }
            h2 { (l.t("柜台密码", "Counter PIN")) }
            p { (if v.pin_sha256.is_some() { l.t("已设密码。请本人在场时再改。", "A PIN is set. Change it only with them present.") } else { l.t("还没有设密码。请本人在场，由本人输入。", "No PIN yet. Let them type it, with them present.") }) }
            form method="post" action={ (here) "/pin" } {
                (super::form_fields(&csrf))
                label for="pin" { (l.t("新密码（4 到 6 位数字；不要用同一个数字、连着的数字、出生年份或手机号后四位）", "New PIN (4 to 6 digits; not one digit repeated, digits in a row, the year of birth or the phone's last four)")) }
                input #pin name="pin" type="password" inputmode="numeric" autocomplete="off" required;
                button.big type="submit" { (l.t("保存密码", "Save the PIN")) }
            }
            (super::trust::contacts_form(l, &yinling_app::notices::contacts_of(&state, &v.id).ok().flatten().unwrap_or_default(), &csrf, &format!("{here}/contacts")))
            @if who.is_admin() && !v.personal.erased {
                h2 { (l.t("注销个人信息", "Erase personal data")) }
                p { (l.t("本人（或监护人）要求注销时填写。注销后，姓名、出生年份和手机号后四位在任何地方都再也读不出来，无法恢复；服务时长、积分和兑换记录照常保留，显示为“已注销志愿者”。", "Fill this in when the person (or their guardian) asks to be erased. Afterwards their name, year of birth and phone digits cannot be read anywhere, ever; their hours, points and redemptions stay, shown as an erased volunteer.")) }
                form method="post" action={ (here) "/erase" } {
                    (super::form_fields(&csrf))
                    label for="requested_by" { (l.t("谁提出的", "Who asked")) }
                    select #requested_by name="requested_by" {
                        option value="本人" { (l.t("本人", "The volunteer")) }
                        option value="监护人" { (l.t("监护人", "A guardian")) }
                        option value="法定代理人" { (l.t("法定代理人", "A legal representative")) }
                    }
                    label for="requested_on" { (l.t("提出日期", "Asked on")) }
                    input #requested_on name="requested_on" type="date" value=(yinling_ledger::Timestamp::now().local_date().to_string()) required;
                    label for="legal_basis" { (l.t("法律依据", "Legal basis")) }
                    input #legal_basis name="legal_basis" value="《个人信息保护法》第四十七条" required;
                    label { input type="checkbox" name="confirm" value="1" required; " " (l.t("我已核实本人身份，确认注销，不能撤回", "I checked who asked and confirm; this cannot be undone")) }
                    button.big type="submit" { (l.t("注销", "Erase")) }
                }
            }
        },
    )
    .into_response()
}

/// Records the phone digits.
pub async fn phone(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/volunteers/{id}");
    submit_and_return::<PersonalDataSealed>(&app, &viewer, &form, &here, |_| {
        Ok(Command::RecordPhone {
            volunteer_id: input::id("volunteer", &id)?,
            last_four: form.text("last_four"),
        })
    })
    .await
}

/// Sets the PIN.
pub async fn pin(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let here = format!("/team/volunteers/{id}");
    submit_and_return::<VolunteerPinSet>(&app, &viewer, &form, &here, |_| {
        let volunteer_id = input::id("volunteer", &id)?;
        Ok(Command::SetPin {
            volunteer_id,
            pin: Some(app.mint.typed_pin(&volunteer_id, &form.text("pin"))),
        })
    })
    .await
}
