//! The money side: a bank checks, takes or refuses a rate voucher; administrators cancel
//! vouchers, set the banks' budgets, value rewards and record stock receipts with their
//! cost; the money reports (suppliers, banks, value redeemed, coverage).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::inclusion::CheckpointProofOut;
use yinling_app::reports::money::{
    bank_settlement, coverage, redeemed, supplier_settlement, BankRow, By, CoverageRow, Period,
    RedeemedRow, SupplierRow,
};
use yinling_app::vouchers;
use yinling_app::wire::{Amount, Day};
use yinling_app::App;
use yinling_ledger::{
    BankBudgetSet, RedemptionId, RewardId, RewardValued, StationId, Timestamp, VoucherProduct,
    VoucherRefused, VoucherUsed,
};
use yinling_projections::access::{self, Read};
use yinling_projections::vouchers::{BudgetLeft, VoucherStatus};
use yinling_projections::{Command, Principal};

use super::written;
use crate::error::{ApiError, Problem};
use crate::extract::{optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// A code as typed at the bank.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeIn {
    /// The voucher's sixteen digits (spaces and dashes are fine).
    pub code: String,
}

/// What the bank is told about a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherCheck {
    /// valid, used, cancelled, expired or unknown.
    pub status: String,
    /// In plain Chinese.
    pub zh: String,
    /// In plain English.
    pub en: String,
    /// The voucher, when known to this bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher: Option<VoucherOut>,
    /// The proof that the event issuing the voucher is in `checkpoint` (a known voucher).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<CheckpointProofOut>,
    /// The published checkpoint the proof is against (a known voucher).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// A voucher as its bank sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherOut {
    /// Its redemption.
    pub redemption_id: String,
    /// The bank.
    pub bank: String,
    /// The rate bonus, basis points.
    pub basis_points: u32,
    /// Whose (name).
    pub volunteer_name: String,
    /// Last day the bank takes it.
    pub expires_on: Day,
    /// How it was used, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_for: Option<String>,
}

/// Check a voucher code (the bank's officers; administrators and auditors). Nothing is
/// recorded; POST so the code never sits in a URL.
#[utoipa::path(post, path = "/v1/vouchers/check", tag = "vouchers", request_body = CodeIn,
    responses((status = 200, body = VoucherCheck), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn check(
    State(app): State<App>,
    Auth(who): Auth,
    body: ApiJson<CodeIn>,
) -> Result<Json<VoucherCheck>, ApiError> {
    if !matches!(who, Principal::BankOfficer(..)) {
        access::may_read(&who, &Read::Audit)?;
    }
    let code = vouchers::parse(&body.value.code)?;
    let (mut out, issued_seq) = app.view(None).await?.with(|state| {
        let today = state.policies.date_of(Timestamp::now());
        let found = vouchers::find(&state.vouchers, app.mint.voucher_code_digest(&code), &code)
            .filter(|v| match &who {
                Principal::BankOfficer(_, bank) => **bank == *v.bank,
                _ => true,
            });
        let Some(v) = found else {
            let (zh, en) = vouchers::not_found_words(state, &who);
            return (
                VoucherCheck {
                    status: "unknown".into(),
                    zh,
                    en,
                    voucher: None,
                    proof: None,
                    checkpoint: None,
                },
                None,
            );
        };
        let status = v.status(today);
        let (zh, en) = match status {
            VoucherStatus::Valid => (
                format!("有效，可以使用：有效期至 {}（含当天）。", v.expires_on),
                format!(
                    "Valid: it can be used until {}, that day included.",
                    v.expires_on
                ),
            ),
            VoucherStatus::Used => (
                "已经用过，不能再用。".to_owned(),
                "Already used; it cannot be used again.".to_owned(),
            ),
            VoucherStatus::Cancelled => (
                "已作废，不能使用。".to_owned(),
                "Cancelled; it cannot be used.".to_owned(),
            ),
            VoucherStatus::Expired => (
                format!("已过期（{} 是最后一天）。", v.expires_on),
                format!("Expired ({} was its last day).", v.expires_on),
            ),
        };
        (
            VoucherCheck {
                status: status.as_str().into(),
                zh,
                en,
                voucher: Some(VoucherOut {
                    redemption_id: v.redemption_id.to_string(),
                    bank: v.bank.clone(),
                    basis_points: v.basis_points,
                    // Masked for a bank, as in its voucher list: it checks the code, and the
                    // holder's identity card against the name's first and last characters.
                    volunteer_name: state
                        .volunteers
                        .get(&v.volunteer_id)
                        .map(|x| access::name_for(&who, x))
                        .unwrap_or_default(),
                    expires_on: Day(v.expires_on),
                    used_for: v.used.as_ref().map(|u| {
                        format!(
                            "{} {} yuan on {}",
                            match u.product {
                                VoucherProduct::Deposit => "deposit",
                                VoucherProduct::Loan => "loan",
                            },
                            u.amount_yuan.normalize(),
                            u.used_on
                        )
                    }),
                }),
                proof: None,
                checkpoint: None,
            },
            Some(v.issued_seq),
        )
    });
    // The proof is an extra: a check that cannot give it still answers, without it.
    if let Some(seq) = issued_seq {
        match app.prove_one(seq).await {
            Ok((proof, published)) => {
                out.proof = proof;
                out.checkpoint = Some(published.text);
            }
            Err(e) => tracing::warn!(seq, "a voucher check without its proof: {e}"),
        }
    }
    Ok(Json(out))
}

/// Body of `POST /v1/vouchers/use`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseIn {
    /// The voucher's code.
    pub code: String,
    /// `deposit` or `loan`.
    #[schema(value_type = String)]
    pub product: VoucherProduct,
    /// The deposit or loan amount, yuan.
    pub amount_yuan: Amount,
    /// The day (default today).
    #[serde(default)]
    pub used_on: Option<Day>,
}

/// A voucher step's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherStep {
    /// Its redemption.
    pub redemption_id: String,
    /// used, refused, cancelled or cancelled_points_returned.
    pub step: String,
    /// For a use: the rate bonus's value for a year, yuan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_yuan: Option<Amount>,
}

/// The bank takes a valid voucher (that bank's officers). A code can be used once, even by
/// two officers at once.
#[utoipa::path(post, path = "/v1/vouchers/use", tag = "vouchers", request_body = UseIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = VoucherStep), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn use_voucher(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<UseIn>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let code = vouchers::parse(&b.code)?;
    let today = app.engine.read().policies.date_of(Timestamp::now());
    let command = Command::UseVoucher {
        code_digest: app.voucher_code_digest(&code),
        product: b.product,
        amount_yuan: b.amount_yuan.0,
        used_on: b.used_on.map_or(today, |d| d.0),
    };
    let w = app
        .submit::<VoucherUsed>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        VoucherStep {
            redemption_id: w.answer.redemption_id.to_string(),
            step: "used".into(),
            bonus_yuan: Some(w.answer.bonus_yuan.into()),
        },
    ))
}

/// Body of `POST /v1/vouchers/refuse`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseIn {
    /// The voucher's code.
    pub code: String,
    /// Why, in words the volunteer can act on.
    pub reason: String,
}

/// The bank refuses a voucher with a reason; it stays valid (that bank's officers).
#[utoipa::path(post, path = "/v1/vouchers/refuse", tag = "vouchers", request_body = RefuseIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = VoucherStep), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn refuse(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<RefuseIn>,
) -> Result<Response, ApiError> {
    let code = vouchers::parse(&body.value.code)?;
    let command = Command::RefuseVoucher {
        code_digest: app.voucher_code_digest(&code),
        reason: body.value.reason.clone(),
    };
    let w = app
        .submit::<VoucherRefused>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        VoucherStep {
            redemption_id: w.answer.redemption_id.to_string(),
            step: "refused".into(),
            bonus_yuan: None,
        },
    ))
}

/// Body of a voucher's cancellation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelVoucherIn {
    /// Why.
    pub reason: String,
    /// Return the points it cost to the volunteer, who redeems again (a voucher lost or
    /// issued in error); without it they stay spent.
    #[serde(default)]
    pub return_points: bool,
}

/// Cancel a voucher not yet used (administrators), its points returned to the volunteer or
/// not.
#[utoipa::path(post, path = "/v1/vouchers/{id}/cancel", tag = "vouchers", request_body = CancelVoucherIn,
    params(("id" = String, Path, format = Uuid, description = "The voucher's redemption"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = VoucherStep), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn cancel(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<CancelVoucherIn>,
) -> Result<Response, ApiError> {
    let redemption_id: RedemptionId = path_id(&id, "redemption")?;
    let command = Command::CancelVoucher {
        redemption_id,
        reason: body.value.reason.clone(),
        return_points: body.value.return_points,
    };
    let w = app
        .submit::<()>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        VoucherStep {
            redemption_id: redemption_id.to_string(),
            step: if body.value.return_points {
                "cancelled_points_returned"
            } else {
                "cancelled"
            }
            .into(),
            bonus_yuan: None,
        },
    ))
}

/// Body of `PUT /v1/banks/{bank}/budget`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetIn {
    /// The year.
    pub year: i32,
    /// Vouchers the bank will issue that year (`null`: no limit).
    #[serde(default)]
    pub vouchers: Option<u32>,
    /// Rate bonus yuan it will honour that year (`null`: no limit).
    #[serde(default)]
    pub bonus_yuan: Option<Amount>,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// A bank's budget for a year and what is left of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetOut {
    /// The bank.
    pub bank: String,
    /// The year.
    pub year: i32,
    /// Vouchers budgeted (`null`: no limit).
    pub vouchers: Option<u32>,
    /// Bonus yuan budgeted (`null`: no limit).
    pub bonus_yuan: Option<Amount>,
    /// Vouchers handed over or waiting at a counter that year.
    pub issued: u32,
    /// Bonus yuan used that year.
    pub bonus_used: Amount,
    /// Vouchers left (`null`: no limit).
    pub vouchers_left: Option<u32>,
    /// Bonus yuan left (`null`: no limit).
    pub bonus_left: Option<Amount>,
    /// No budget is set for this year, and the one shown is carried from this earlier year
    /// (the latest one set) until one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<i32>,
}

fn budget_out(bank: &str, year: i32, left: BudgetLeft) -> BudgetOut {
    BudgetOut {
        bank: bank.to_owned(),
        year,
        vouchers: left.budget.as_ref().and_then(|b| b.vouchers),
        bonus_yuan: left.budget.as_ref().and_then(|b| b.bonus_yuan).map(Amount),
        issued: left.issued,
        bonus_used: left.bonus_used.into(),
        vouchers_left: left.vouchers_left,
        bonus_left: left.bonus_left.map(Amount),
        carried_from: left.carried_from,
    }
}

/// Set a bank's budget for a year (administrators).
#[utoipa::path(put, path = "/v1/banks/{bank}/budget", tag = "vouchers", request_body = BudgetIn,
    params(("bank" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = BudgetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn set_budget(
    State(app): State<App>,
    Auth(who): Auth,
    Path(bank): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<BudgetIn>,
) -> Result<Response, ApiError> {
    let b = &body.value;
    let command = Command::SetBankBudget {
        bank,
        year: b.year,
        vouchers: b.vouchers,
        bonus_yuan: b.bonus_yuan.map(|a| a.0),
        note: b.note.clone(),
    };
    let w = app
        .submit::<BankBudgetSet>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let set = w.answer;
    // The figures set, against what the year has used so far: a budget set below what is
    // already issued answers with nothing left, not with the whole new figure.
    let now = app.engine.read().budget_left(&set.bank, set.year);
    let set_budget = yinling_projections::vouchers::Budget {
        vouchers: set.vouchers,
        bonus_yuan: set.bonus_yuan,
        note: set.note.clone(),
    };
    let left = BudgetLeft::of(Some(set_budget), None, now.issued, now.bonus_used);
    let out = budget_out(&set.bank, set.year, left);
    Ok(written(&w.receipt, out))
}

/// `?year=` of a budget.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParam {
    /// The year (default this year).
    pub year: Option<i32>,
}

/// A bank's budget and what is left (the bank's officers, administrators, auditors).
#[utoipa::path(get, path = "/v1/banks/{bank}/budget", tag = "vouchers", params(("bank" = String, Path), YearParam),
    responses((status = 200, body = BudgetOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_budget(
    State(app): State<App>,
    Auth(who): Auth,
    Path(bank): Path<String>,
    ApiQuery(q): ApiQuery<YearParam>,
) -> Result<Json<BudgetOut>, ApiError> {
    let out = app
        .read(&who, None, Read::BankVouchers(&bank), |state| {
            let year = q.year.unwrap_or_else(|| {
                chrono::Datelike::year(&state.policies.date_of(Timestamp::now()))
            });
            Ok(budget_out(&bank, year, state.budget_left(&bank, year)))
        })
        .await?;
    Ok(Json(out))
}

/// Body of `PUT /v1/rewards/{id}/value`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueIn {
    /// What one unit is worth, yuan.
    pub unit_value_yuan: Amount,
    /// Who supplies it.
    pub supplier: String,
}

/// A reward's value and supplier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueOut {
    /// The reward.
    pub reward_id: String,
    /// Yuan per unit.
    pub unit_value_yuan: Amount,
    /// The supplier.
    pub supplier: String,
}

/// Value a reward in yuan and name its supplier (administrators).
#[utoipa::path(put, path = "/v1/rewards/{id}/value", tag = "rewards", request_body = ValueIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ValueOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn value(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ValueIn>,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let command = Command::ValueReward {
        reward_id,
        unit_value_yuan: body.value.unit_value_yuan.0,
        supplier: body.value.supplier.clone(),
    };
    let w = app
        .submit::<RewardValued>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        ValueOut {
            reward_id: w.answer.reward_id.to_string(),
            unit_value_yuan: w.answer.unit_value_yuan.into(),
            supplier: w.answer.supplier,
        },
    ))
}

/// Body of `POST /v1/rewards/{id}/receipts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    /// Units received.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: u32,
    /// What each cost, yuan.
    pub unit_cost_yuan: Amount,
    /// Who delivered them.
    pub supplier: String,
    /// The receiving station (default: a clerk's own, else the first).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub station_id: Option<String>,
}

/// A stock receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    /// The reward.
    pub reward_id: String,
    /// Units received.
    pub quantity: u32,
    /// What each cost, yuan.
    pub unit_cost_yuan: Amount,
}

/// Record a stock receipt with its cost: the units go on the station's shelf (a station's
/// clerks, administrators).
#[utoipa::path(post, path = "/v1/rewards/{id}/receipts", tag = "rewards", request_body = ReceiptIn,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ReceiptOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn receive(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<ReceiptIn>,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let b = &body.value;
    let command = Command::ReceiveStock {
        reward_id,
        station_id: optional_body_id::<StationId>(b.station_id.as_deref(), "station_id")?,
        quantity: b.quantity,
        unit_cost_yuan: b.unit_cost_yuan.0,
        supplier: b.supplier.clone(),
    };
    let w = app
        .submit::<yinling_app::answers::Received>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(written(
        &w.receipt,
        ReceiptOut {
            reward_id: w.answer.0.reward_id.to_string(),
            quantity: w.answer.0.quantity,
            unit_cost_yuan: w.answer.0.unit_cost_yuan.into(),
        },
    ))
}

/// The period of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day (YYYY-MM-DD; default: from the start).
    pub from: Option<String>,
    /// Last day (default: today).
    pub to: Option<String>,
    /// For `/v1/reports/redeemed`: district, station, team or month.
    pub by: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

fn period(q: &ReportParams) -> Result<Period, ApiError> {
    // A query parameter that does not read is a bad request, as in the other reports.
    Period::parse(q.from.as_deref(), q.to.as_deref())
        .map_err(|r| ApiError::bad_request(r.code, r.detail))
}

/// Rows of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rows<T: ToSchema> {
    /// The rows.
    pub items: Vec<T>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// What each supplier is owed for the products handed over in the period (staff).
#[utoipa::path(get, path = "/v1/reports/suppliers", tag = "reports", params(ReportParams),
    responses((status = 200, body = Rows<SupplierRow>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn suppliers(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> Result<Json<Rows<SupplierRow>>, ApiError> {
    let p = period(&q)?;
    let out = app
        .read(&who, q.as_of, Read::Evaluation, |state| {
            Ok(Rows {
                items: supplier_settlement(state, p),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Each bank's vouchers issued, used, expired and cancelled in the period (staff).
#[utoipa::path(get, path = "/v1/reports/banks", tag = "reports", params(ReportParams),
    responses((status = 200, body = Rows<BankRow>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn banks(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> Result<Json<Rows<BankRow>>, ApiError> {
    let p = period(&q)?;
    let out = app
        .read(&who, q.as_of, Read::Evaluation, |state| {
            let today = yinling_app::reports::day_of(state, q.as_of);
            Ok(Rows {
                items: bank_settlement(state, p, today),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// The money value handed over in the period, by district, station, team or month (staff).
#[utoipa::path(get, path = "/v1/reports/redeemed", tag = "reports", params(ReportParams),
    responses((status = 200, body = Rows<RedeemedRow>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn redeemed_value(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> Result<Json<Rows<RedeemedRow>>, ApiError> {
    let p = period(&q)?;
    let by = match q.by.as_deref() {
        None => By::Month,
        Some(b) => By::parse(b).ok_or_else(|| {
            ApiError::bad_request(
                "bad_by",
                format!("by {b:?} is unknown; use district, station, team or month"),
            )
        })?,
    };
    let out = app
        .read(&who, q.as_of, Read::Evaluation, |state| {
            Ok(Rows {
                items: redeemed(state, p, by),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}

/// The coverage of the points outstanding by what the stations hold and the banks'
/// budgets still honour: the city, each district with stations, each station (staff).
#[utoipa::path(get, path = "/v1/reports/coverage", tag = "reports", params(ReportParams),
    responses((status = 200, body = Rows<CoverageRow>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn coverage_report(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> Result<Json<Rows<CoverageRow>>, ApiError> {
    let out = app
        .read(&who, q.as_of, Read::Evaluation, |state| {
            let today = yinling_app::reports::day_of(state, q.as_of);
            Ok(Rows {
                items: coverage(state, today),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(out))
}
