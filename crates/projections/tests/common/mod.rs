//! An in-memory ledger for projection tests: decide, seal, apply — the writer's loop without
//! the disk.
#![allow(dead_code, missing_docs)]

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::writer::Context;
use yinling_ledger::*;
use yinling_projections::*;

pub const DAY_MICROS: i64 = 86_400_000_000;
/// 2026-06-01T00:00:00Z
pub const START: Timestamp = Timestamp(1_780_272_000_000_000);

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("test decimal")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

pub struct Sim {
    pub state: State,
    pub chain: Chain,
    pub now: Timestamp,
    pub log: Vec<Envelope>,
    pub policy: Policy,
    versions: HashMap<StreamId, u64>,
    next_id: u128,
}

impl Default for Sim {
    fn default() -> Self {
        Self::new()
    }
}

impl Sim {
    /// An empty state that reveals personal fields with this simulation's keys (a replay
    /// on the same machine, beside the same key store).
    pub fn fresh(&self) -> State {
        let mut s = State::new();
        s.attach_keys(self.state.keys.0.clone());
        s
    }

    pub fn new() -> Self {
        Sim {
            state: State::new(),
            chain: Chain::after(Head::default()),
            now: START,
            log: Vec::new(),
            policy: Policy::default(),
            versions: HashMap::new(),
            next_id: 1,
        }
    }

    pub fn uuid(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | self.next_id)
    }

    pub fn run(&mut self, actor: Actor, command: Command) -> Result<Vec<Envelope>, Rejection> {
        let context = Context {
            now: self.now,
            actor,
        };
        let commits = decide(&self.state, &self.policy, &command, &context)?;
        let mut out = Vec::new();
        for commit in commits {
            let version = self.versions.entry(commit.stream.clone()).or_insert(0);
            if let ExpectedVersion::Exact(v) = commit.expected_version {
                assert_eq!(v, *version, "sim: unexpected version conflict");
            }
            for payload in commit.events {
                *version += 1;
                let sealed = self
                    .chain
                    .seal(Draft {
                        stream: commit.stream.clone(),
                        stream_version: *version,
                        recorded_at: self.now,
                        actor,
                        idempotency_key: None,
                        payload,
                    })
                    .expect("seal");
                self.state.apply(&sealed.envelope);
                out.push(sealed.envelope.clone());
                self.log.push(sealed.envelope);
            }
        }
        Ok(out)
    }

    pub fn system(&mut self, command: Command) -> Result<Vec<Envelope>, Rejection> {
        self.run(Actor::SYSTEM, command)
    }

    pub fn ok(&mut self, actor: Actor, command: Command) -> Vec<Envelope> {
        self.run(actor, command.clone())
            .unwrap_or_else(|r| panic!("{command:?} rejected: {r}"))
    }

    pub fn advance_days(&mut self, days: i64) {
        self.now = Timestamp(self.now.0 + days * DAY_MICROS);
    }

    pub fn token(
        &mut self,
        role: Role,
        team: Option<TeamId>,
        volunteer: Option<VolunteerId>,
    ) -> Actor {
        let token_id = TokenId(self.uuid());
        let secret = self.uuid();
        self.ok(
            Actor::SYSTEM,
            Command::IssueToken(NewToken {
                token_id,
                role,
                team_id: team,
                volunteer_id: volunteer,
                scope: None,
                secret_sha256: Hash::of(secret.as_bytes()).0,
                label: String::new(),
                last_day: None,
            }),
        );
        Actor {
            token_id: Some(token_id),
            role,
        }
    }

    pub fn team(&mut self, name: &str, district: &str, category: Category) -> TeamId {
        if !self
            .state
            .districts
            .get(district)
            .is_some_and(|d| d.registered)
        {
            let kind = if district.ends_with('县') {
                DistrictKind::County
            } else {
                DistrictKind::District
            };
            self.ok(
                Actor::SYSTEM,
                Command::RegisterDistrict {
                    name: district.into(),
                    kind,
                    region: "湖州市".into(),
                },
            );
        }
        let team_id = TeamId(self.uuid());
        self.ok(
            Actor::SYSTEM,
            Command::RegisterTeam {
                team_id,
                name: name.into(),
                district: district.into(),
                category,
            },
        );
        team_id
    }

    pub fn volunteer(&mut self, name: &str, team: TeamId) -> VolunteerId {
        let volunteer_id = VolunteerId(self.uuid());
        self.ok(
            Actor::SYSTEM,
            Command::RegisterVolunteer {
                volunteer_id,
                name: name.into(),
                team_id: team,
                birth_year: Some(1955),
                consent: None,
            },
        );
        volunteer_id
    }

    pub fn log_activity(
        &mut self,
        team: TeamId,
        category: Category,
        date: NaiveDate,
        participants: &[(VolunteerId, &str)],
    ) -> Result<ActivityId, Rejection> {
        let activity_id = ActivityId(self.uuid());
        self.system(Command::LogActivity(NewActivity {
            activity_id,
            team_id: team,
            category,
            date,
            title: "巡河护绿".into(),
            participants: participants
                .iter()
                .map(|(v, h)| ParticipantHours {
                    volunteer_id: *v,
                    hours: dec(h),
                })
                .collect(),
            outcomes: Outcomes::default(),
            project_id: None,
            co_organisers: Vec::new(),
            group_id: None,
        }))?;
        Ok(activity_id)
    }

    pub fn reward(&mut self, cost: &str, stock: u32) -> RewardId {
        let reward_id = RewardId(self.uuid());
        self.ok(
            Actor::SYSTEM,
            Command::ListReward {
                reward_id,
                name: "松阳银猴茶".into(),
                kind: RewardKind::Product {
                    origin: "松阳县".into(),
                },
                cost_points: dec(cost),
                stock,
            },
        );
        reward_id
    }

    /// A rate voucher of 湖州银行 (0.20%) listed at `cost` points with `stock` units.
    pub fn voucher(&mut self, cost: &str, stock: u32) -> RewardId {
        let reward_id = RewardId(self.uuid());
        self.ok(
            Actor::SYSTEM,
            Command::ListReward {
                reward_id,
                name: "存款利率上浮 0.20%".into(),
                kind: RewardKind::RateVoucher {
                    bank: "湖州银行".into(),
                    basis_points: 20,
                },
                cost_points: dec(cost),
                stock,
            },
        );
        reward_id
    }

    /// 湖州银行's budget of `vouchers` for `year`.
    pub fn voucher_budget(&mut self, year: i32, vouchers: u32) {
        self.system(Command::SetBankBudget {
            bank: "湖州银行".into(),
            year,
            vouchers: Some(vouchers),
            bonus_yuan: None,
            note: String::new(),
        })
        .expect("budget");
    }

    pub fn hold(
        &mut self,
        actor: Actor,
        volunteer: VolunteerId,
        reward: RewardId,
        quantity: u32,
    ) -> Result<RedemptionId, Rejection> {
        let redemption_id = RedemptionId(self.uuid());
        self.run(
            actor,
            Command::HoldRedemption {
                redemption_id,
                volunteer_id: volunteer,
                reward_id: reward,
                quantity,
                station_id: None,
                proof: None,
                pickup_code_digest: None,
            },
        )?;
        Ok(redemption_id)
    }

    pub fn available(&self, v: VolunteerId) -> Decimal {
        self.state.volunteers[&v].balance.available()
    }
}
