//! A partner bank's page: its rate vouchers, read-only (checking and using a voucher is the
//! voucher life cycle, a later step). Administrators and auditors see every bank's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::reports::stations::{bank_vouchers, banks};
use yinling_app::App;
use yinling_projections::access::{self, Read};
use yinling_projections::Principal;

use crate::i18n::Lang;
use crate::layout::{needs_sign_in, not_for_you, page, Frame};
use crate::session::Viewer;

/// A voucher's status in words.
fn status_words(l: Lang, status: &str) -> &'static str {
    match status {
        "held" => l.t("待领取", "waiting at the counter"),
        "fulfilled" => l.t("已发放", "handed over"),
        "cancelled" => l.t("已取消", "cancelled"),
        _ => l.t("已过期", "lapsed"),
    }
}

/// `/bank`: the officer's bank's vouchers; every bank's for administrators and auditors.
pub async fn overview(State(app): State<App>, viewer: Viewer) -> Response {
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
    page(
        Frame { viewer: &viewer, title: l.t("银行利率优惠券", "Bank rate vouchers").into(), back: None, as_of: None },
        html! {
            p { (l.t("志愿者用积分兑换的存贷款利率优惠券。本页只读。", "Rate vouchers volunteers redeemed with their points. Read-only.")) }
            @if shown.is_empty() { p { (l.t("目录里还没有银行的优惠券。", "No bank's vouchers are on the catalogue yet.")) } }
            @for bank in &shown {
                @let rows = bank_vouchers(&state, bank);
                h2 { (bank) " (" (rows.len()) ")" }
                @if rows.is_empty() {
                    p { (l.t("还没有人兑换。", "Nobody has redeemed one yet.")) }
                } @else {
                    table {
                        thead { tr {
                            th { (l.t("优惠券", "Voucher")) } th { (l.t("利率优惠（基点）", "Rate bonus (basis points)")) }
                            th { (l.t("志愿者", "Volunteer")) } th { (l.t("状态", "Status")) } th { (l.t("兑换时间", "Redeemed")) }
                        } }
                        tbody {
                            @for v in &rows {
                                tr {
                                    td { (v.reward_name) " × " (v.quantity) } td { (v.basis_points) }
                                    td { (v.volunteer_name) } td { (status_words(l, &v.status)) } td { (v.held_at.get(..10).unwrap_or(&v.held_at)) }
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
