//! A partner bank's page: check a voucher's code (valid, used, cancelled, expired or
//! unknown, in plain words), take it for a deposit or a loan, or refuse it with a reason;
//! the budget left; the bank's vouchers. Administrators and auditors read every bank's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use rust_decimal::Decimal;
use yinling_app::reports::stations::{bank_vouchers, banks, VoucherOut};
use yinling_app::{input, vouchers, App, AppError};
use yinling_ledger::{Timestamp, VoucherProduct, VoucherRefused, VoucherUsed};
use yinling_projections::access::{self, Read};
use yinling_projections::limits::VOUCHER_LATE_RECORD_DAYS;
use yinling_projections::vouchers::VoucherStatus;
use yinling_projections::{Command, Principal};

use super::{genuine, submit_and_return, Form};

use crate::i18n::Lang;
use crate::layout::{needs_sign_in, not_for_you, page, refusal, Frame};
use crate::session::Viewer;

/// A voucher's status in words: the voucher's own once handed over, else its redemption's.
fn status_words(l: Lang, v: &VoucherOut) -> &'static str {
    match (v.voucher_status.as_deref(), v.status.as_str()) {
        (Some("valid"), _) => l.t("已发放，可使用", "handed over, valid"),
        (Some("used"), _) => l.t("已使用", "used"),
        (Some("cancelled"), _) => l.t("已作废", "cancelled"),
        (Some(_), _) => l.t("已过期", "expired"),
        (None, "held") => l.t("待领取", "waiting at the counter"),
        (None, "fulfilled") => l.t("已发放", "handed over"),
        (None, "cancelled") => l.t("兑换已取消", "redemption cancelled"),
        (None, "refunded") => l.t("已作废，积分已退回", "cancelled, points returned"),
        (None, _) => l.t("未领取，已过期", "not collected, lapsed"),
    }
}

/// The day, on the ledger's calendar, of an instant given in RFC 3339 (UTC): a redemption at
/// 07:30 Beijing time is on that day, not the one before.
fn local_day(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| Timestamp::from_datetime(&t).local_date().to_string())
        .unwrap_or_else(|_| at.get(..10).unwrap_or(at).to_owned())
}

/// `/bank`: the officer's bank's vouchers; every bank's for administrators and auditors.
pub async fn overview(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    // What the officer just did, said back (the form returns here).
    let done = match query.as_deref() {
        Some("done=used") => Some((
            "这张券已记为使用，优惠已记入账本。",
            "The voucher is recorded as used.",
        )),
        Some("done=refused") => Some((
            "已记下不予受理和原因。",
            "The refusal and its reason are recorded.",
        )),
        _ => None,
    };
    let Some(session) = viewer.session.as_ref() else {
        return needs_sign_in(&viewer);
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let shown: Vec<String> = match &session.principal {
        Principal::BankOfficer(_, bank) => vec![bank.to_string()],
        who if who.reads_everything() => banks(&state),
        _ => return not_for_you(&viewer),
    };
    if shown
        .iter()
        .any(|b| !access::can_read(&session.principal, &Read::BankVouchers(b)))
    {
        return not_for_you(&viewer);
    }
    let officer = matches!(session.principal, Principal::BankOfficer(..));
    let csrf = session.csrf();
    let today = state.policies.date_of(Timestamp::now());
    let year = chrono::Datelike::year(&today);
    page(
        Frame { viewer: &viewer, title: l.t("银行利率优惠券", "Bank rate vouchers").into(), back: None, as_of: None },
        html! {
            @if let Some((zh, en)) = done { p.success role="status" { (l.t(zh, en)) } }
            @if officer {
                h2 { (l.t("核验券号", "Check a voucher")) }
                form method="post" action="/bank/check" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="code" { (l.t("券号（16 位数字，可扫券上的二维码）", "Code (16 digits, or scan the voucher's QR code)")) }
                    input #code name="code" inputmode="numeric" autocomplete="off" autofocus required;
                    button.big type="submit" { (l.t("核验", "Check")) }
                }
            }
            p { (l.t("志愿者用积分兑换的存贷款利率优惠券。", "Rate vouchers volunteers redeemed with their points.")) }
            @if shown.is_empty() { p { (l.t("目录里还没有银行的优惠券。", "No bank's vouchers are on the catalogue yet.")) } }
            @for bank in &shown {
                @let rows = bank_vouchers(&state, &session.principal, bank, today);
                @let left = state.budget_left(bank, year);
                h2 { (bank) " (" (rows.len()) ")" }
                p { (l.s(format!("{year} 年预算："), format!("Budget for {year}: ")))
                    @match left.vouchers_left { Some(n) => { (l.s(format!("还可发放 {n} 张"), format!("{n} vouchers left"))) } None => { (l.t("张数不限", "no limit on vouchers")) } }
                    "；"
                    @match left.bonus_left { Some(b) => { (l.s(format!("利率优惠还剩 {} 元", yuan(b)), format!("{} yuan of rate bonus left", yuan(b)))) } None => { (l.t("金额不限", "no limit on the bonus")) } }
                }
                @if rows.is_empty() {
                    p { (l.t("还没有人兑换。", "Nobody has redeemed one yet.")) }
                } @else {
                    table {
                        thead { tr {
                            th { (l.t("优惠券", "Voucher")) } th { (l.t("利率优惠（基点）", "Rate bonus (basis points)")) }
                            th { (l.t("志愿者", "Volunteer")) } th { (l.t("状态", "Status")) } th { (l.t("兑换时间", "Redeemed")) } th { (l.t("有效期至（含当天）", "Valid through")) }
                        } }
                        tbody {
                            @for v in &rows {
                                tr {
                                    td { (v.reward_name) " × " (v.quantity) } td { (v.basis_points) }
                                    td { (v.volunteer_name) } td { (status_words(l, v)) } td { (local_day(&v.held_at)) } td { (v.voucher_expires_on.as_deref().unwrap_or("–")) }
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

/// Whom the bank's forms are for: its officers (a voucher of another bank is unknown to them).
fn officer(viewer: &Viewer) -> Result<(), Response> {
    match viewer.session.as_ref().map(|s| &s.principal) {
        None => Err(needs_sign_in(viewer)),
        Some(Principal::BankOfficer(..)) => Ok(()),
        Some(_) => Err(not_for_you(viewer)),
    }
}

/// Checks a code and says where it stands; a valid one offers taking it or refusing it.
pub async fn check(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    let session = match genuine(&viewer, &form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = officer(&viewer) {
        return r;
    }
    let l = viewer.lang;
    let code = match vouchers::parse(&form.text("code")) {
        Ok(c) => c,
        Err(e) => return refusal(&viewer, "/bank", &e),
    };
    let of_this_bank = |v: &&yinling_projections::vouchers::Voucher| matches!(&session.principal, Principal::BankOfficer(_, b) if **b == *v.bank);
    let issued = vouchers::find(
        &app.engine.read().vouchers,
        app.mint.voucher_code_digest(&code),
        &code,
    )
    .filter(of_this_bank)
    .map(|v| v.issued_seq);
    // The checkpoint the voucher's issue is in, for the officer to note or check (an extra:
    // the check answers without it).
    let proven = match issued {
        Some(seq) => match app.prove_one(seq).await {
            Ok((Some(proof), published)) => Some((proof, published)),
            Ok((None, _)) => None,
            Err(e) => {
                tracing::warn!(seq, "a voucher check without its proof: {e}");
                None
            }
        },
        None => None,
    };
    let state = app.engine.read();
    let today = state.policies.date_of(Timestamp::now());
    let found = vouchers::find(&state.vouchers, app.mint.voucher_code_digest(&code), &code)
        .filter(of_this_bank);
    let csrf = session.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("核验结果", "The voucher").into(), back: Some("/bank"), as_of: None },
        html! {
            @match found {
                None => {
                    @let (zh, en) = vouchers::not_found_words(&state, &session.principal);
                    p.error role="alert" { (l.s(zh, en)) }
                }
                Some(v) => {
                    @let status = v.status(today);
                    @let who = state.volunteers.get(&v.volunteer_id).map(|x| yinling_projections::access::name_for(&session.principal, x)).unwrap_or_default();
                    p.counter-name { (who) }
                    p { (l.s(format!("利率优惠 {} 个基点，有效期至 {}（含当天）。", v.basis_points, v.expires_on), format!("Rate bonus {} basis points, valid until {}, that day included.", v.basis_points, v.expires_on))) }
                    @match status {
                        VoucherStatus::Valid => {
                            p.success role="status" { (l.t("有效，可以使用。", "Valid: it can be used.")) }
                            (use_form(l, &csrf, &code, (v.issued_on, today)))
                            form method="post" action="/bank/refuse" {
                                (super::form_fields(&csrf))
                                input type="hidden" name="code" value=(code);
                                label for="reason" { (l.t("不能办理的原因（券仍然有效）", "Why it cannot be taken now (it stays valid)")) }
                                input #reason name="reason" required;
                                button.big.plain type="submit" { (l.t("暂不办理", "Refuse for now")) }
                            }
                        }
                        VoucherStatus::Used => { p.error role="alert" { (l.t("已经用过，不能再用。", "Already used; it cannot be used again.")) } }
                        VoucherStatus::Cancelled => { p.error role="alert" { (l.t("已作废，不能使用。", "Cancelled; it cannot be used.")) } }
                        VoucherStatus::Expired => {
                            p.error role="alert" { (l.s(format!("已过期（{} 是最后一天）。", v.expires_on), format!("Expired ({} was its last day).", v.expires_on))) }
                            // A use on a day it was valid (a Saturday's deposit recorded on
                            // Monday) is taken for a few days more, as the decision allows.
                            @if (today - v.expires_on).num_days() <= VOUCHER_LATE_RECORD_DAYS {
                                p { (l.s(
                                    format!("如果在 {} 或之前已经办理，{} 天内还可以补记：日期填办理的那一天。", v.expires_on, VOUCHER_LATE_RECORD_DAYS),
                                    format!("If it was used on {} or before, the use can still be recorded within {} days: give the day it was used.", v.expires_on, VOUCHER_LATE_RECORD_DAYS),
                                )) }
                                (use_form(l, &csrf, &code, (v.issued_on, v.expires_on)))
                            }
                        }
                    }
                    @if let Some((proof, p)) = &proven {
                        p.muted.proof {
                            (l.s(format!("此券由账本第 {} 条记录发放（指纹 ", v.issued_seq), format!("Issued by ledger record No. {} (fingerprint ", v.issued_seq)))
                            span.fingerprint { (super::inclusion::fingerprint_hex(&proof.event_hash, crate::limits::FINGERPRINT_GROUPS_SCREEN)) }
                            (l.s(
                                format!("），在 {} 签名公示的检查点（共 {} 条）中；证明见 /v1/vouchers/check 的答复，可用 yinling-verify 核对。", super::inclusion::signed_at(p), p.size),
                                format!("), which is in the checkpoint signed and published at {} ({} events); the proof is in the answer of /v1/vouchers/check, to check with yinling-verify.", super::inclusion::signed_at(p), p.size),
                            ))
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The form a use is entered with: product, amount, and the day, between `days` (the
/// voucher's first day and the last it may be used on, today at most).
fn use_form(
    l: Lang,
    csrf: &str,
    code: &str,
    days: (chrono::NaiveDate, chrono::NaiveDate),
) -> maud::Markup {
    let (first, last) = days;
    html! {
        form method="post" action="/bank/use" {
            (super::form_fields(csrf))
            input type="hidden" name="code" value=(code);
            label for="product" { (l.t("用于", "Used for")) }
            select #product name="product" { option value="deposit" { (l.t("存款", "a deposit")) } option value="loan" { (l.t("贷款", "a loan")) } }
            label for="amount_yuan" { (l.t("金额（按元填写，不是万元：5 万元填 50000）", "Amount (in yuan: 50,000 for 5 wan)")) }
            input #amount_yuan name="amount_yuan" inputmode="decimal" required;
            label for="used_on" { (l.t("日期", "Date")) }
            input #used_on name="used_on" type="date" value=(last.to_string()) min=(first.to_string()) max=(last.to_string()) required;
            button.big type="submit" { (l.t("下一步：核对金额", "Next: check the amount")) }
        }
    }
}

/// What the use form asks for, read: the code's hash, the product, the amount, the day.
fn use_of(form: &Form) -> Result<(String, VoucherProduct, Decimal, chrono::NaiveDate), AppError> {
    let code = vouchers::parse(&form.text("code"))?;
    let product = match form.get("product") {
        Some("loan") => VoucherProduct::Loan,
        Some("deposit") => VoucherProduct::Deposit,
        _ => {
            return Err(AppError::invalid(
                "bad_product",
                "product: a deposit or a loan",
            ))
        }
    };
    let amount = input::decimal("amount_yuan", form.get("amount_yuan").unwrap_or(""))?;
    // As the decision refuses it, before any bonus is worked out on the page.
    let most = yinling_projections::limits::MAX_VOUCHER_AMOUNT_YUAN;
    if amount <= Decimal::ZERO
        || amount > most
        || amount.normalize().scale() > yinling_projections::limits::YUAN_DECIMAL_PLACES
    {
        return Err(AppError::invalid(
            "bad_amount",
            format!("amount_yuan is more than 0 and at most {most} yuan, with at most two decimals (fen), got {amount}"),
        ));
    }
    let used_on = input::date("used_on", form.get("used_on").unwrap_or(""))?;
    Ok((code, product, amount, used_on))
}

/// Takes a voucher for a deposit or a loan, once the officer has seen the amount in 万元 and
/// the bonus it earns: a use cannot be undone, and "5" typed for 5万 would otherwise count
/// against the year's budget as five yuan.
pub async fn use_voucher(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    if let Err(r) = officer(&viewer) {
        return r;
    }
    if form.get("confirmed") != Some("1") {
        return confirm_use(&app, &viewer, &form);
    }
    let answer = submit_and_return::<VoucherUsed>(&app, &viewer, &form, "/bank", |_| {
        let (code, product, amount_yuan, used_on) = use_of(&form)?;
        Ok(Command::UseVoucher {
            code_digest: app.voucher_code_digest(&code),
            product,
            amount_yuan,
            used_on,
        })
    })
    .await;
    said_back(answer, "/bank?done=used")
}

/// The use as it would be recorded, to confirm or go back: the amount in yuan and in 万元, the
/// bonus, the day. The same form id goes on, so a double click records one use.
fn confirm_use(app: &App, viewer: &Viewer, form: &Form) -> Response {
    let session = match genuine(viewer, form) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (code, product, amount, used_on) = match use_of(form) {
        Ok(u) => u,
        Err(e) => return refusal(viewer, "/bank", &e),
    };
    let l = viewer.lang;
    let state = app.engine.read();
    let Some(v) = vouchers::find(&state.vouchers, app.mint.voucher_code_digest(&code), &code)
        .filter(|v| matches!(&session.principal, Principal::BankOfficer(_, b) if **b == *v.bank))
    else {
        return refusal(
            viewer,
            "/bank",
            &AppError::invalid("unknown_voucher", "no voucher of this bank has this code"),
        );
    };
    let bonus = yinling_projections::vouchers::bonus_yuan(amount, v.basis_points);
    let wan = (amount / Decimal::from(10_000)).normalize();
    let (what, what_en) = match product {
        VoucherProduct::Loan => ("贷款", "a loan"),
        VoucherProduct::Deposit => ("存款", "a deposit"),
    };
    page(
        Frame { viewer, title: l.t("请核对后确认", "Check, then confirm").into(), back: Some("/bank"), as_of: None },
        html! {
            dl {
                dt { (l.t("用于", "Used for")) } dd { (l.t(what, what_en)) }
                dt { (l.t("金额", "Amount")) } dd.big { (l.s(format!("{} 元（即 {} 万元）", yuan(amount), wan), format!("{} yuan ({} wan)", yuan(amount), wan))) }
                dt { (l.t("利率优惠", "Rate bonus")) } dd { (l.s(format!("{} 个基点", v.basis_points), format!("{} basis points", v.basis_points))) }
                dt { (l.t("优惠金额", "Bonus")) } dd.big { (l.s(format!("{} 元", yuan(bonus)), format!("{} yuan", yuan(bonus)))) }
                dt { (l.t("日期", "Date")) } dd { (used_on) }
            }
            p { (l.t("记为使用后不能撤回。金额不对请点“返回修改”。", "A use cannot be undone. If the amount is wrong, go back and change it.")) }
            form method="post" action="/bank/use" {
                input type="hidden" name="csrf" value=(session.csrf());
                input type="hidden" name="form_id" value=(form.get("form_id").unwrap_or_default());
                input type="hidden" name="code" value=(code);
                input type="hidden" name="product" value=(form.get("product").unwrap_or_default());
                input type="hidden" name="amount_yuan" value=(amount);
                input type="hidden" name="used_on" value=(used_on);
                input type="hidden" name="confirmed" value="1";
                button.big type="submit" { (l.t("确认使用", "Mark it used")) }
            }
            a.button.big.plain href="/bank" { (l.t("返回修改", "Go back and change it")) }
        },
    )
    .into_response()
}

/// Yuan as a bank writes them: two decimals, however the amount was typed.
fn yuan(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// A form's success (a redirect back) goes to `done`, which says what was recorded; a
/// refusal stays as it is (its link back must not say it worked).
fn said_back(answer: Response, done: &str) -> Response {
    if answer.status() == axum::http::StatusCode::SEE_OTHER {
        super::see_other(done)
    } else {
        answer
    }
}

/// Refuses a voucher for now, with the reason.
pub async fn refuse(State(app): State<App>, viewer: Viewer, form: Form) -> Response {
    if let Err(r) = officer(&viewer) {
        return r;
    }
    let answer = submit_and_return::<VoucherRefused>(&app, &viewer, &form, "/bank", |_| {
        let code = vouchers::parse(&form.text("code"))?;
        Ok(Command::RefuseVoucher {
            code_digest: app.voucher_code_digest(&code),
            reason: form.text("reason"),
        })
    })
    .await;
    said_back(answer, "/bank?done=refused")
}
