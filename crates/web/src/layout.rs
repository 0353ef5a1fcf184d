//! The frame of every page: big Home and Back buttons, the language switch, the as-of
//! banner, and one column of content.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use yinling_app::AppError;

use crate::i18n::Lang;
use crate::session::Viewer;

/// How a page is framed.
pub struct Frame<'a> {
    /// The viewer.
    pub viewer: &'a Viewer,
    /// The heading and title.
    pub title: String,
    /// Where Back goes (none on the home page).
    pub back: Option<&'a str>,
    /// Set when the page shows the past.
    pub as_of: Option<u64>,
}

/// Renders a whole page.
pub fn page(frame: Frame<'_>, body: Markup) -> Html<String> {
    let l = frame.viewer.lang;
    let signed_in = frame.viewer.session.as_ref();
    let markup = html! {
        (DOCTYPE)
        html lang=(l.html()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · " (l.t("银领积分", "Yinling points")) }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { (l.t("跳到正文", "Skip to content")) }
                header.bar {
                    a.button href="/" { "⌂ " (l.t("首页", "Home")) }
                    @if let Some(back) = frame.back {
                        a.button.plain href=(back) { "← " (l.t("返回", "Back")) }
                    }
                    span.spacer {}
                    a.button.plain href={ "/lang/" (l.other().code()) } lang=(l.other().html()) {
                        (l.t("English", "中文"))
                    }
                    @if let Some(s) = signed_in {
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(s.csrf());
                            button.plain type="submit" { (l.t("退出", "Sign out")) }
                        }
                    }
                }
                main #main {
                    @if let Some(seq) = frame.as_of {
                        p.note role="status" {
                            (l.s(format!("这是第 {seq} 条记录之后的历史状态，不是现在的情况。"), format!("This shows the past, as it stood after event {seq}.")))
                            " " a href="?" { (l.t("看现在", "Show now")) }
                        }
                    }
                    h1 { (frame.title) }
                    (body)
                }
                footer { (l.t("银领共富 e站 · 积分记录不可篡改，可随时核验", "Yinling e-station · every point is on a verifiable record")) }
            }
        }
    };
    Html(markup.into_string())
}

/// A page with a status code.
pub fn page_with(status: StatusCode, frame: Frame<'_>, body: Markup) -> Response {
    (status, page(frame, body)).into_response()
}

/// Plain words for the rejections people meet most.
pub fn plain_words(l: Lang, e: &AppError) -> String {
    let zh = match e.code() {
        // Met at the counter and by a coordinator taking points back (a reversal or a
        // correction): words that fit both.
        "insufficient_points" => "积分不够：可用的积分比这次要用（或要扣回）的少。",
        "out_of_stock" => {
            "这件奖品在这个 e站 已经兑完了；其他 e站 可能还有，请看奖品目录里的“哪里有货”。"
        }
        "confirmation_needed" => "请志愿者本人确认：扫一下志愿者的积分卡，或请志愿者输入自己的密码。",
        "card_mismatch" => "扫到的不是这位志愿者的积分卡（或这张卡已挂失）。",
        "wrong_pin" => "密码不对，请志愿者再输一次。",
        "pin_locked" => "密码输错的次数太多，暂停用密码至少 15 分钟，请扫志愿者的积分卡。",
        "no_pin" => "这位志愿者还没有设密码，请扫志愿者的积分卡。",
        "bad_pin" => "密码是 4 到 6 位数字。",
        "weak_pin" => {
            "这个密码太容易被猜到（同一个数字、连着的数字、出生年份或手机号后四位），请换几个数字。"
        }
        "pins_differ" => "两次输入的密码不一样，请重新输入两遍。",
        "wrong_pickup_code" => "取货码不对，请志愿者再出示一次。",
        "pickup_code_locked" => {
            "这笔兑换的取货码输错的次数太多，暂停领取至少 15 分钟，请稍后再输。"
        }
        "sign_in_paused" => {
            "这个账号输错密码或取货码的次数太多，暂停发放至少 15 分钟，请本站其他工作人员办理。"
        }
        "pickup_code_needed" => {
            "请输入志愿者出示的 6 位取货码。取货单丢了的，请扫志愿者本人的积分卡，在找到的页面上点“凭卡交给本人”。"
        }
        "other_station" => "这笔兑换不在本 e站 领取。",
        "phone_shared" => "有几位志愿者的手机号后四位相同，请把姓名也填上再查。",
        "bad_phone_digits" => "手机号后四位要填 4 个数字。",
        "bad_lookup" => "请扫卡，或填姓名和出生年份，或填手机号后四位。",
        "not_on_shelf" => {
            "货架上没有这么多件可以减：已经为志愿者留着的不能报损，要等他们领取、取消或过期。"
        }
        "bad_quantity" => "件数不对：要填 1 以上的整数，而且不能超过上限。",
        "reward_retired" => "这件奖品已经下架了。",
        "not_held" => {
            "这笔兑换已经不是“待领取”了：可能已经交过货，也可能已取消或过期（积分已退回）。请不要交货，先看下方的原因；要换，请重新兑换。"
        }
        "hold_lapsed" => {
            "这笔兑换的保留期已经过了，不能再交货；积分会退回给志愿者，请为这位志愿者重新兑换。"
        }
        "unknown_voucher" => "查不到这张券，请对照券面再输一次。",
        "bad_amount" => "金额要大于 0，按元填写（5 万元填 50000）。",
        "bad_product" => "请选择这张券用于存款还是贷款。",
        "day_over_24_hours" => "这位志愿者当天的服务时长加起来超过 24 小时了，请检查时长。",
        "bad_hours" => "服务时长要大于 0、不超过 24 小时，最多两位小数。",
        "date_in_future" => "日期不能晚于明天。",
        "not_a_member" => "有人不是本队的志愿者。",
        "no_participants" => "请至少选一位参加的志愿者。",
        "duplicate_participant" => "同一位志愿者被选了两次。",
        "empty_text" => "有必填的内容还空着。",
        "text_too_long" => "文字太长了，请写短一些。",
        "already_reversed" => "这次活动已经冲正过了。",
        "token_revoked" | "invalid_token" => "您的登录已失效，请重新扫卡或登录。",
        "token_expired" => "这个账号已过了最后一天，请找管理员延期或换一个新的。",
        "bad_last_day" => "最后一天要填今天或以后的日期；积分卡没有最后一天，丢了请停用。",
        // Met by reads (an audit or a past view while the node is busy) and by changes,
        // some refused before they were taken and some whose answer was lost after the
        // writer took them: no claim that nothing was saved, which is not always so.
        "unavailable" => {
            "系统暂时没有回应，请稍后再试。如果刚才是登记、兑换或其他更改，请先查一下记录里有没有这一笔，没有再重新办理，以免记重。"
        }
        "log_damaged" => {
            "核对账本时发现记录有损坏，为保证积分准确，系统现在不接受任何更改（查询照常）。刚才的操作没有保存。请通知管理员从备份恢复。"
        }
        "idempotency_key_reused" => "这张表已经提交过了。",
        "bad_category" => "服务类别不对，请从列表里选。",
        "bad_count" => "人数、件数要填整数（0、1、2……），没有就填 0。",
        "bad_number" => "数字的写法不对，例如 2.5。",
        "bad_date" => "日期的写法不对，请用“年-月-日”，例如 2026-03-14。",
        "malformed_id" => "选中的人或事项不对，请回到上一页重新选择。",
        "bad_outcomes" => "调解成功的起数不能多于调解的起数。",
        "bad_birth_year" => "出生年份不对。",
        "bad_phone" => "手机号要填 11 位数字，以 1 开头，例如 13800003721。",
        "bad_confirmation_code" => "确认码是服务确认单上印的 12 位数字，请对照确认单再输一次。",
        "bad_voucher_code" => "券号的位数不对，请对照券面再输一次（中间有空格、横线都可以）。",
        "voucher_code_typo" => "券号里好像有一位输错了，请对照券面再输一次。",
        "rise_after_release" => {
            "这次活动的公示或确认已经结束，不能再加时长了；多出来的时长请作为一次新的活动登记。"
        }
        "rise_too_late" => {
            "这次活动已经过了补录期限，不能再加时长了；多出来的时长请作为新的活动登记，由管理员审核。"
        }
        "too_large" => "这次要记的内容太多，无法保存；请分几次办理。",
        "bad_window" => "开始日期晚于结束日期了，请把两个日期对调后再试。",
        "bad_month" => "月份的写法不对，请写成 2026-11 这样。",
        "bad_year" => "年份的写法不对，请写四位数字，例如 2026。",
        "empty_name" => "请填志愿者的姓名。",
        "too_many_cards" => "一次选的人太多了，积分卡请分几次选人打印。",
        "hours_without_tick" => "有人填了时长却没有勾选，请勾上这个人，或把他的时长清空。",
        "no_public_url" => {
            "还没有设置本站的对外网址，不能打印积分卡。请管理员用 --public-url 重新启动服务。"
        }
        "unknown_code" => {
            "这个确认码查不到，或者已经用过了。请对照服务确认单上的数字再输一次；还不行，请找队里的协调员要一个新的。"
        }
        "codes_paused" => {
            "刚才有人连续输错了很多确认码，为防止乱猜，确认暂停一分钟。请等一分钟后再输一次。"
        }
        "code_expired" => "这个确认码已经过期了，请找队里的协调员要一个新的。",
        "code_raced" => "刚才同时发了另一个确认码，请再要一次。",
        "control_characters" => "有一栏里有不能保存的符号（例如换行），请去掉后再提交。",
        "budget_exhausted" => {
            "这家银行今年的优惠券或优惠额度已经用完了，这次不能办理；请联系管理员。"
        }
        "already_disputed" => "这一条已经提过异议了，正在等协调员答复。",
        "already_resolved" => "这条异议已经答复过了。",
        "nothing_corrected" => {
            "还没有更正这条记录：请先在活动记录里更正时长（或冲正），再答复“已更正”；补登了漏登的服务请选“采纳”。"
        }
        "not_a_participant" => {
            "这位志愿者没有参加这次活动，不能对这一条提异议；漏登了请选“有一次服务没有登记”。"
        }
        "date_too_old" => "日期太早了，账本不收这么早的日期，请检查年份。",
        "as_of_beyond_head" => "要看的记录号比账本现有的还大，请填小一些的数字，或点“看现在”。",
        "voucher_not_found" => "查不到这张券，请对照券面再输一次。",
        "voucher_used" => "这张券已经用过了。",
        "voucher_cancelled" => "这张券已经作废了。",
        "voucher_expired" => "这张券已经过期了。",
        "voucher_code_needed" => "请输入券面上的券号。",
        "staff_only" | "admin_only" | "not_allowed" | "other_team" | "other_volunteer" => {
            "这件事您没有权限办理。"
        }
        _ => "",
    };
    match (l, zh.is_empty()) {
        (Lang::Zh, false) => zh.to_owned(),
        // No wording of our own: a next step in Chinese; the exact reason follows below
        // (in English) for whoever helps at the desk.
        (Lang::Zh, true) => {
            "没能办成。请回上一页检查后再试；还不行，请把这一页给工作人员看。".to_owned()
        }
        (Lang::En, _) => e.detail(),
    }
}

/// A page explaining why something could not be done.
pub fn refusal(viewer: &Viewer, back: &str, e: &AppError) -> Response {
    refusal_with(viewer, back, e, html! {})
}

/// The same, with `more` below the reason (a form to send again, say).
pub fn refusal_with(viewer: &Viewer, back: &str, e: &AppError, more: Markup) -> Response {
    let l = viewer.lang;
    page_with(
        match e {
            AppError::Unavailable(_) | AppError::LogDamaged(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::OK,
        },
        Frame {
            viewer,
            title: l.t("没能办成", "That did not work").into(),
            back: Some(back),
            as_of: None,
        },
        html! {
            p.error role="alert" { (plain_words(l, e)) }
            @if l == Lang::Zh && !matches!(e, AppError::Internal) {
                // The exact reason, naming the field, for whoever helps at the desk.
                p.muted lang="en" { "（" (e.detail()) "）" }
            }
            (more)
            a.button.big href=(back) { (l.t("返回重试", "Go back")) }
        },
    )
}

/// The sign-in nudge for pages that need a session.
pub fn needs_sign_in(viewer: &Viewer) -> Response {
    let l = viewer.lang;
    if viewer.out_of_touch {
        return page_with(
            StatusCode::SERVICE_UNAVAILABLE,
            Frame {
                viewer,
                title: l
                    .t(
                        "这台服务器暂时连不上账本",
                        "This server has lost touch with the ledger",
                    )
                    .into(),
                back: None,
                as_of: None,
            },
            html! {
                p.error role="alert" { (l.t("这台服务器暂时连不上账本，显示的内容可能不是最新的，所以现在不能登录办事。请过一会儿再试，或换另一台服务器的地址。", "This server cannot reach the ledger right now, so what it shows may be out of date and nobody can sign in on it. Try again shortly, or use another server's address.")) }
            },
        );
    }
    page_with(
        StatusCode::UNAUTHORIZED,
        Frame {
            viewer,
            title: l.t("请先登录", "Please sign in").into(),
            back: None,
            as_of: None,
        },
        html! {
            p { (l.t("志愿者请用手机扫描积分卡上的二维码登录。工作人员请在首页输入口令。", "Volunteers: scan the QR code on your card. Staff: enter your token on the home page.")) }
            a.button.big href="/" { (l.t("去首页", "Go to the home page")) }
        },
    )
}

/// The page for a role that may not see this.
pub fn not_for_you(viewer: &Viewer) -> Response {
    let l = viewer.lang;
    page_with(
        StatusCode::FORBIDDEN,
        Frame {
            viewer,
            title: l.t("这一页不对您开放", "Not available to you").into(),
            back: None,
            as_of: None,
        },
        html! { a.button.big href="/" { (l.t("回首页", "Back to home")) } },
    )
}

/// A category of service by its name in the page language, as the registry names it.
pub fn category_name(
    l: Lang,
    categories: &yinling_projections::categories::Categories,
    c: &yinling_ledger::Category,
) -> String {
    categories.label(c, l == Lang::Zh)
}

/// A decimal for people: no trailing zeros.
pub fn num(d: rust_decimal::Decimal) -> String {
    d.normalize().to_string()
}

/// Stars as symbols plus words (screen readers read the words).
pub fn stars(l: Lang, n: u8) -> Markup {
    let filled = "★".repeat(n as usize);
    let empty = "☆".repeat(5usize.saturating_sub(n as usize));
    html! {
        span.stars aria-hidden="true" { (filled) (empty) }
        span { " " (l.s(format!("{n} 星"), format!("{n} star{}", if n == 1 { "" } else { "s" }))) }
    }
}

/// Raw, already-safe markup (SVG we generated).
pub fn raw(s: String) -> Markup {
    PreEscaped(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change refused because the log is damaged is not "try again later" (waiting does not
    /// mend it): the clerk is told that nothing was saved and to tell the administrator,
    /// and the exact reason follows in English for whoever helps.
    #[test]
    fn a_damaged_log_is_told_apart_from_a_busy_one() {
        let damaged = AppError::LogDamaged("the log is damaged at event 4".into());
        let words = plain_words(Lang::Zh, &damaged);
        assert!(
            words.contains("通知管理员") && words.contains("没有保存"),
            "{words}"
        );
        assert!(!words.contains("稍后再试"), "{words}");
        let busy = plain_words(Lang::Zh, &AppError::Unavailable("busy".into()));
        assert!(busy.contains("稍后再试"), "{busy}");
        // A lost answer is also unavailable: the change may have been saved, so the clerk
        // is sent to look before doing it again, and never told it was not saved.
        assert!(busy.contains("先查一下记录"), "{busy}");
        assert!(!busy.contains("没有保存"), "{busy}");
        assert_eq!(
            plain_words(Lang::En, &damaged),
            "the log is damaged at event 4"
        );
    }
}
