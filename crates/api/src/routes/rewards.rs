//! The e-station catalogue.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yinling_app::answers::CatalogueChange;
use yinling_app::reports::stations::{in_stock_at, ShelfOut};
use yinling_app::wire::Amount;
use yinling_app::App;
use yinling_ledger::{RewardId, RewardKind, RewardListed, StationId};
use yinling_projections::access::Read;
use yinling_projections::catalog::Reward;
use yinling_projections::stations::FIRST_STATION_NAME;
use yinling_projections::Command;

use super::{created, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey, NoBody};

/// What a reward is (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RewardKindName {
    /// A farm product from a partner region.
    Product,
    /// A preferential bank rate.
    RateVoucher,
}

/// Body of `POST /v1/rewards`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReward {
    /// Name, e.g. 松阳银猴茶 250g.
    #[schema(min_length = 1)]
    pub name: String,
    /// `product` (needs `origin`) or `rate_voucher` (needs `bank` and `basis_points`).
    #[schema(value_type = RewardKindName)]
    pub kind: String,
    /// Where a product comes from, e.g. 松阳县.
    pub origin: Option<String>,
    /// The bank honouring a voucher.
    pub bank: Option<String>,
    /// The voucher's rate bonus in basis points (1 to 1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub basis_points: Option<u32>,
    /// Points per unit, more than 0.
    pub cost_points: Amount,
    /// Units in stock.
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock: u32,
}

/// Body of `POST /v1/rewards/{id}/restock`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Restock {
    /// Units to add.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: u32,
    /// The station whose shelf gets them (default: a clerk's own station, else the first).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub station_id: Option<String>,
}

/// Body of `POST /v1/rewards/{id}/write-off`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOff {
    /// Units to take off the shelf.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: u32,
    /// The station whose shelf loses them (default: a clerk's own station, else the first).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub station_id: Option<String>,
    /// Why (damaged, lost, a restock found short).
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Body of `POST /v1/rewards/{id}/reprice`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reprice {
    /// New points per unit.
    pub cost_points: Amount,
}

/// A reward with its stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardOut {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// `product` or `rate_voucher`.
    #[schema(value_type = RewardKindName)]
    pub kind: String,
    /// Origin of a product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Bank of a voucher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    /// Rate bonus of a voucher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis_points: Option<u32>,
    /// Points per unit.
    pub cost_points: Amount,
    /// Units free to redeem.
    pub stock: u32,
    /// Units held for redemptions.
    pub held: u32,
    /// Units handed over.
    pub redeemed: u32,
    /// Withdrawn from the catalogue.
    pub retired: bool,
    /// The stations that have free units, with how many.
    pub in_stock_at: Vec<ShelfOut>,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardList {
    /// Rewards on offer first, then by name.
    pub items: Vec<RewardOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// The result of a stock or price change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardChanged {
    /// Id.
    pub id: String,
    /// Free stock after a restock (of the station's shelf when `station_id` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<u32>,
    /// The station restocked, when not the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_id: Option<String>,
    /// Price after a reprice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_points: Option<Amount>,
    /// Whether it is retired.
    pub retired: bool,
}

fn kind_fields(kind: &RewardKind) -> (&'static str, Option<String>, Option<String>, Option<u32>) {
    match kind {
        RewardKind::Product { origin } => ("product", Some(origin.clone()), None, None),
        RewardKind::RateVoucher { bank, basis_points } => (
            "rate_voucher",
            None,
            Some(bank.clone()),
            Some(*basis_points),
        ),
    }
}

/// A reward as the API shows it.
pub fn reward_out(state: &yinling_projections::State, r: &Reward) -> RewardOut {
    let (kind, origin, bank, basis_points) = kind_fields(&r.kind);
    RewardOut {
        id: r.id.to_string(),
        name: r.name.clone(),
        kind: kind.to_owned(),
        origin,
        bank,
        basis_points,
        cost_points: r.cost_points.into(),
        stock: r.stock,
        held: r.held,
        redeemed: r.redeemed,
        retired: r.retired,
        in_stock_at: in_stock_at(state, &r.id),
    }
}

fn parse_kind(b: &NewReward) -> Result<RewardKind, ApiError> {
    match (b.kind.as_str(), &b.origin, &b.bank, b.basis_points) {
        ("product", Some(origin), None, None) => Ok(RewardKind::Product {
            origin: origin.clone(),
        }),
        ("rate_voucher", None, Some(bank), Some(basis_points)) => Ok(RewardKind::RateVoucher {
            bank: bank.clone(),
            basis_points,
        }),
        ("product", ..) => Err(ApiError::unprocessable(
            "bad_reward_kind",
            "a product needs `origin` (e.g. \"松阳县\") and no `bank` or `basis_points`",
        )),
        ("rate_voucher", ..) => Err(ApiError::unprocessable(
            "bad_reward_kind",
            "a rate voucher needs `bank` and `basis_points`, and no `origin`",
        )),
        (other, ..) => Err(ApiError::unprocessable(
            "bad_reward_kind",
            format!("kind {other:?} is unknown; use \"product\" or \"rate_voucher\""),
        )),
    }
}

/// List a reward in the catalogue (admin).
#[utoipa::path(post, path = "/v1/rewards", tag = "rewards", request_body = NewReward,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = RewardOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewReward>,
) -> Result<Response, ApiError> {
    let kind = parse_kind(&body.value)?;
    let b = body.value;
    let command = Command::ListReward {
        reward_id: RewardId::generate(),
        name: b.name,
        kind,
        cost_points: b.cost_points.0,
        stock: b.stock,
    };
    let w = app
        .submit::<RewardListed>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let r = w.answer;
    let (kind, origin, bank, basis_points) = kind_fields(&r.kind);
    let out = RewardOut {
        id: r.reward_id.to_string(),
        name: r.name.clone(),
        kind: kind.to_owned(),
        origin,
        bank,
        basis_points,
        cost_points: r.cost_points.into(),
        stock: r.stock,
        held: 0,
        redeemed: 0,
        retired: false,
        // A new reward's stock is on the first station's shelf (read off the event, so a
        // retry answers the same).
        in_stock_at: (r.stock > 0)
            .then(|| ShelfOut {
                station_id: StationId::FIRST.to_string(),
                station_name: FIRST_STATION_NAME.to_owned(),
                reward_id: r.reward_id.to_string(),
                reward_name: r.name.clone(),
                free: r.stock,
                held: 0,
            })
            .into_iter()
            .collect(),
    };
    Ok(created(format!("/v1/rewards/{}", out.id), &w.receipt, out))
}

/// The catalogue with prices and stock (any authenticated caller).
#[utoipa::path(get, path = "/v1/rewards", tag = "rewards", params(AsOfParam),
    responses((status = 200, body = RewardList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<RewardList>, ApiError> {
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            let mut rewards: Vec<&Reward> = state.rewards.values().collect();
            rewards.sort_by(|a, b| (a.retired, &a.name, a.id).cmp(&(b.retired, &b.name, b.id)));
            Ok(RewardList {
                items: rewards.into_iter().map(|r| reward_out(state, r)).collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

fn changed(w: yinling_app::Written<CatalogueChange>) -> Response {
    let out = match w.answer {
        CatalogueChange::Restocked(r) => RewardChanged {
            id: r.reward_id.to_string(),
            stock: Some(r.stock_after),
            station_id: None,
            cost_points: None,
            retired: false,
        },
        CatalogueChange::Stocked(r) => RewardChanged {
            id: r.reward_id.to_string(),
            stock: Some(r.stock_after),
            station_id: Some(r.station_id.to_string()),
            cost_points: None,
            retired: false,
        },
        CatalogueChange::WrittenOff(r) => RewardChanged {
            id: r.reward_id.to_string(),
            stock: Some(r.stock_after),
            station_id: Some(r.station_id.to_string()),
            cost_points: None,
            retired: false,
        },
        CatalogueChange::Repriced(r) => RewardChanged {
            id: r.reward_id.to_string(),
            stock: None,
            station_id: None,
            cost_points: Some(r.cost_points.into()),
            retired: false,
        },
        CatalogueChange::Retired(r) => RewardChanged {
            id: r.reward_id.to_string(),
            stock: None,
            station_id: None,
            cost_points: None,
            retired: true,
        },
    };
    written(&w.receipt, out)
}

/// Add stock (admin).
#[utoipa::path(post, path = "/v1/rewards/{id}/restock", tag = "rewards", request_body = Restock,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RewardChanged), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn restock(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<Restock>,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let command = Command::RestockReward {
        reward_id,
        quantity: body.value.quantity,
        station_id: optional_body_id::<StationId>(body.value.station_id.as_deref(), "station_id")?,
    };
    let w = app
        .submit::<CatalogueChange>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(changed(w))
}

/// Take free units off a station's shelf that are not there: damaged, lost, or a restock found
/// short when counted (the station's clerk, or an administrator). Units held for volunteers
/// are not written off; their holds settle them.
#[utoipa::path(post, path = "/v1/rewards/{id}/write-off", tag = "rewards", request_body = WriteOff,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RewardChanged), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn write_off(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<WriteOff>,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let command = Command::WriteOffStock {
        reward_id,
        quantity: body.value.quantity,
        station_id: optional_body_id::<StationId>(body.value.station_id.as_deref(), "station_id")?,
        reason: body.value.reason.clone(),
    };
    let w = app
        .submit::<CatalogueChange>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(changed(w))
}

/// Change a price; holds already made keep theirs (admin).
#[utoipa::path(post, path = "/v1/rewards/{id}/reprice", tag = "rewards", request_body = Reprice,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RewardChanged), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn reprice(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<Reprice>,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let command = Command::RepriceReward {
        reward_id,
        cost_points: body.value.cost_points.0,
    };
    let w = app
        .submit::<CatalogueChange>(&who, command, key.scoped(&who, body.digest))
        .await?;
    Ok(changed(w))
}

/// Withdraw a reward; existing holds can still be settled (admin).
#[utoipa::path(post, path = "/v1/rewards/{id}/retire", tag = "rewards",
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = RewardChanged), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn retire(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: NoBody,
) -> Result<Response, ApiError> {
    let reward_id: RewardId = path_id(&id, "reward")?;
    let w = app
        .submit::<CatalogueChange>(
            &who,
            Command::RetireReward { reward_id },
            key.scoped(&who, body.digest),
        )
        .await?;
    Ok(changed(w))
}
