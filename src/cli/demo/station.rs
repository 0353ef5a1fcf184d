//! The demo city's e-stations: 松阳 products and bank rate vouchers on the first station's
//! shelf, two more stations opened and stocked from it, and redemptions worth about
//! 100,000 yuan at 10,000 volunteers.

use rand::seq::SliceRandom;
use rand::Rng;
use rust_decimal::Decimal;
use yinling_app::App;
use yinling_ledger::*;
use yinling_projections::{Command, Principal};

use super::summary::Made;
use super::{city, submit_all, Generator};
use crate::cli::limits::DEMO_STATION_SHARE;
use crate::cli::progress::Progress;

/// The stations the demo opens beside the first one: name, district, address, hours.
const STATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "南浔 e站",
        "南浔区",
        "南浔区老干部活动中心一楼",
        "周一至周五 9:00-16:00",
    ),
    (
        "长兴 e站",
        "长兴县",
        "长兴县银领驿站",
        "周二、周四 9:00-11:30",
    ),
];

/// Lists the rewards, opens the stations, places and settles the redemptions.
pub(super) async fn e_stations(
    app: &App,
    gen: &mut Generator,
    admin: &Principal,
    volunteers: &[VolunteerId],
    volunteer_count: usize,
    made: &mut Made,
) {
    // The e-station: 松阳 products and bank rate vouchers.
    let mut rewards: Vec<(RewardId, Decimal, u32)> = Vec::new();
    let mut commands = Vec::new();
    let stock_each = ((1_500.0 * volunteer_count as f64 / 10_000.0).ceil() as u32).max(20);
    for (name, cost) in city::PRODUCTS {
        let id = RewardId(gen.uuid());
        rewards.push((id, Decimal::from(*cost), stock_each));
        commands.push((
            admin.clone(),
            Command::ListReward {
                reward_id: id,
                name: (*name).to_owned(),
                kind: RewardKind::Product {
                    origin: "松阳县".into(),
                },
                cost_points: Decimal::from(*cost),
                stock: stock_each,
            },
        ));
    }
    for (name, bank, basis_points, cost) in city::VOUCHERS {
        let id = RewardId(gen.uuid());
        let stock = stock_each / 3;
        rewards.push((id, Decimal::from(*cost), stock));
        commands.push((
            admin.clone(),
            Command::ListReward {
                reward_id: id,
                name: (*name).to_owned(),
                kind: RewardKind::RateVoucher {
                    bank: (*bank).to_owned(),
                    basis_points: *basis_points,
                },
                cost_points: Decimal::from(*cost),
                stock,
            },
        ));
    }
    let mut progress = Progress::new("rewards", commands.len() as u64);
    submit_all(app, commands, &mut progress, made).await;
    progress.finish();
    money(app, admin, &rewards, made).await;

    // Redemptions worth about 100,000 yuan (at 10,000 volunteers): the keenest volunteers
    // redeem most. 90% are handed over, 5% cancelled, 5% still waiting at the counter.
    let target = Decimal::from((1_000_000.0 * volunteer_count as f64 / 10_000.0) as u64);
    let mut available: Vec<(VolunteerId, Decimal)> = {
        let state = app.engine.read();
        let mut v: Vec<(VolunteerId, Decimal)> = volunteers
            .iter()
            .filter_map(|id| {
                state
                    .volunteers
                    .get(id)
                    .map(|v| (*id, v.balance.available()))
            })
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let mut holds = Vec::new();
    let mut settle_plan = Vec::new();
    let mut reserved = Decimal::ZERO;
    'outer: for _ in 0..20 {
        for (v, points) in available.iter_mut() {
            if reserved >= target {
                break 'outer;
            }
            let affordable: Vec<usize> = (0..rewards.len())
                .filter(|r| rewards[*r].1 <= *points && rewards[*r].2 > 0)
                .collect();
            let Some(&r) = affordable.choose(&mut gen.rng) else {
                continue;
            };
            if !gen.rng.gen_bool(0.6) {
                continue;
            }
            let (reward_id, cost, stock) = &mut rewards[r];
            *points -= *cost;
            *stock -= 1;
            let redemption_id = RedemptionId(gen.uuid());
            holds.push((
                admin.clone(),
                Command::HoldRedemption {
                    redemption_id,
                    volunteer_id: *v,
                    reward_id: *reward_id,
                    quantity: 1,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            ));
            let roll: f64 = gen.rng.gen();
            let plan = if roll < 0.90 {
                Some(true)
            } else if roll < 0.95 {
                Some(false)
            } else {
                None
            };
            // Cancelled holds give their points back only after every hold is placed, so the
            // plan never spends them twice.
            if plan == Some(true) {
                reserved += *cost;
            }
            settle_plan.push((redemption_id, plan, *cost));
        }
    }
    let settles: Vec<(Principal, Command)> = settle_plan
        .iter()
        .filter_map(|(id, plan, _)| match plan {
            Some(true) => Some((admin.clone(), app.fulfil_command(*id, None, None))),
            Some(false) => Some((
                admin.clone(),
                Command::CancelRedemption {
                    redemption_id: *id,
                    reason: "换了别的奖品".into(),
                },
            )),
            None => None,
        })
        .collect();
    stations(app, gen, admin, &rewards, made).await;
    let mut progress = Progress::new("redemptions", (holds.len() + settles.len()) as u64);
    submit_all(app, holds, &mut progress, made).await;
    submit_all(app, settles, &mut progress, made).await;
    progress.finish();
    made.redemptions = settle_plan.len();
    banks_take(app, gen, admin, made).await;
}

/// The money side before anything is redeemed: each product's value (a tenth of a yuan a
/// point) and supplier with a stock receipt at four-fifths of it; each voucher's value; the
/// point value and the coverage warning; budgets for two of the three banks, twice their
/// vouchers on the catalogue.
async fn money(
    app: &App,
    admin: &Principal,
    rewards: &[(RewardId, Decimal, u32)],
    made: &mut Made,
) {
    let tenth = Decimal::new(1, 1);
    let mut commands = vec![
        (
            admin.clone(),
            Command::SetPolicy {
                change: PolicyChange::PointValue {
                    yuan_per_point: tenth,
                },
                note: "每积分折合 0.1 元".into(),
            },
        ),
        (
            admin.clone(),
            Command::SetPolicy {
                change: PolicyChange::CoverageWarning { percent: 90 },
                note: "待兑积分超过可兑付的九成时预警".into(),
            },
        ),
    ];
    let products = city::PRODUCTS.len();
    for (i, (reward_id, cost, stock)) in rewards.iter().enumerate() {
        let value = (*cost * tenth).normalize();
        let supplier = if i < products {
            city::SUPPLIERS[i % city::SUPPLIERS.len()].to_owned()
        } else {
            city::VOUCHERS[i - products].1.to_owned()
        };
        commands.push((
            admin.clone(),
            Command::ValueReward {
                reward_id: *reward_id,
                unit_value_yuan: value,
                supplier: supplier.clone(),
            },
        ));
        if i < products {
            commands.push((
                admin.clone(),
                Command::ReceiveStock {
                    reward_id: *reward_id,
                    station_id: None,
                    quantity: (*stock / 2).max(1),
                    unit_cost_yuan: (value * Decimal::new(8, 1)).round_dp(2),
                    supplier,
                },
            ));
        }
    }
    let year = chrono::Datelike::year(&yinling_ledger::Timestamp::now().local_date());
    let vouchers_listed = rewards.get(products).map_or(0, |r| r.2);
    for (_, bank, _, _) in city::VOUCHERS.iter().take(2) {
        commands.push((
            admin.clone(),
            Command::SetBankBudget {
                bank: (*bank).to_owned(),
                year,
                vouchers: Some(vouchers_listed * 2),
                bonus_yuan: Some(Decimal::from(vouchers_listed) * Decimal::from(200)),
                note: "年度合作协议".into(),
            },
        ));
    }
    let mut progress = Progress::new("money", commands.len() as u64);
    submit_all(app, commands, &mut progress, made).await;
    progress.finish();
}

/// Each bank's officer takes three in five of the vouchers handed over, for a deposit or a
/// loan, and refuses one in ten for now.
async fn banks_take(app: &App, gen: &mut Generator, admin: &Principal, made: &mut Made) {
    let (vouchers, today) = {
        let state = app.engine.read();
        let mut v: Vec<(RedemptionId, String, u32)> = state
            .vouchers
            .by_redemption
            .values()
            .map(|v| (v.redemption_id, v.bank.clone(), v.basis_points))
            .collect();
        v.sort_by_key(|x| x.0);
        (v, state.policies.date_of(yinling_ledger::Timestamp::now()))
    };
    let mut officers: std::collections::BTreeMap<String, Principal> = Default::default();
    let mut issue = Vec::new();
    for (_, bank, _) in &vouchers {
        if !officers.contains_key(bank) {
            let token_id = TokenId(gen.uuid());
            let mint = &app.mint;
            issue.push((
                admin.clone(),
                Command::IssueToken(yinling_projections::NewToken {
                    token_id,
                    role: Role::BankOfficer,
                    team_id: None,
                    volunteer_id: None,
                    scope: Some(TokenScope::Bank(bank.clone())),
                    secret_sha256: yinling_app::mint::secret_hash(&mint.secret(&token_id)),
                    label: format!("{bank} 经办人"),
                    last_day: None,
                }),
            ));
            officers.insert(
                bank.clone(),
                Principal::BankOfficer(token_id, std::sync::Arc::from(bank.as_str())),
            );
        }
    }
    let mut steps = Vec::new();
    for (id, bank, _) in &vouchers {
        let Some(officer) = officers.get(bank) else {
            continue;
        };
        let code = app.voucher_code_digest(&app.mint.voucher_code(id));
        let roll: f64 = gen.rng.gen();
        if roll < 0.6 {
            let loan = gen.rng.gen_bool(0.3);
            let amount = Decimal::from(gen.rng.gen_range(1u32..=20) * 10_000);
            steps.push((
                officer.clone(),
                Command::UseVoucher {
                    code_digest: code,
                    product: if loan {
                        VoucherProduct::Loan
                    } else {
                        VoucherProduct::Deposit
                    },
                    amount_yuan: amount,
                    used_on: today,
                },
            ));
        } else if roll < 0.7 {
            steps.push((
                officer.clone(),
                Command::RefuseVoucher {
                    code_digest: code,
                    reason: "未带身份证，请改日再来".into(),
                },
            ));
        }
    }
    let mut progress = Progress::new("banks", (issue.len() + steps.len()) as u64);
    submit_all(app, issue, &mut progress, made).await;
    submit_all(app, steps, &mut progress, made).await;
    progress.finish();
}

/// Opens the other stations and moves a fifth of each product's units to each of them.
async fn stations(
    app: &App,
    gen: &mut Generator,
    admin: &Principal,
    rewards: &[(RewardId, Decimal, u32)],
    made: &mut Made,
) {
    // The stations open first: commands of one batch may be decided in any order.
    let mut opened = Vec::new();
    let mut commands = Vec::new();
    for (name, district, address, hours) in STATIONS {
        let station_id = StationId(gen.uuid());
        opened.push((
            admin.clone(),
            Command::OpenStation {
                station_id,
                name: (*name).to_owned(),
                district: (*district).to_owned(),
                address: (*address).to_owned(),
                opening_hours: (*hours).to_owned(),
            },
        ));
        for (reward_id, _, stock) in rewards {
            if *stock >= DEMO_STATION_SHARE {
                commands.push((
                    admin.clone(),
                    Command::TransferStock {
                        reward_id: *reward_id,
                        from_station: StationId::FIRST,
                        to_station: station_id,
                        quantity: stock / DEMO_STATION_SHARE,
                        note: "开站铺货".into(),
                    },
                ));
            }
        }
    }
    let mut progress = Progress::new("stations", (opened.len() + commands.len()) as u64);
    submit_all(app, opened, &mut progress, made).await;
    submit_all(app, commands, &mut progress, made).await;
    progress.finish();
}
