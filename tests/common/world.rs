//! The world the route tables run in: a small city, a client per role, and the request of
//! every route set up for a role (the auth matrix and the idempotency table share it).

use reqwest::Method;
use serde_json::{json, Value};

use super::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    A,
    C,
    C2,
    V,
    V2,
    R,
    N,
    /// The coordinator of the world's group, of which the city's team is a member.
    G,
    /// A clerk at the counter of the first e-station (where the world's holds are).
    K,
    /// The coordinator of the city team's district (南浔区).
    D,
    /// The coordinator of the other team's district (安吉县).
    D2,
    /// An officer of the partner bank (湖州银行).
    B,
}

pub const ROLES: [Role; 12] = [
    Role::A,
    Role::C,
    Role::C2,
    Role::V,
    Role::V2,
    Role::R,
    Role::N,
    Role::G,
    Role::K,
    Role::D,
    Role::D2,
    Role::B,
];

pub struct World {
    pub city: City,
    pub server: Server,
    pub v2: Client,
    pub cheap_reward: String,
    pub group: String,
    pub group_coordinator: Client,
    pub clerk: Client,
    pub district_coordinator: Client,
    pub other_district_coordinator: Client,
    pub bank_officer: Client,
    pub station: String,
    /// A rate voucher of 湖州银行 on the catalogue, one point each.
    pub voucher_reward: String,
}

impl World {
    pub fn client(&self, role: Role) -> Client {
        match role {
            Role::A => self.city.admin.clone(),
            Role::C => self.city.coordinator.clone(),
            Role::C2 => self.city.other_coordinator.clone(),
            Role::V => self.city.volunteer_clients[0].clone(),
            Role::V2 => self.v2.clone(),
            Role::R => self.city.auditor.clone(),
            Role::N => self.server.anonymous(),
            Role::G => self.group_coordinator.clone(),
            Role::K => self.clerk.clone(),
            Role::D => self.district_coordinator.clone(),
            Role::D2 => self.other_district_coordinator.clone(),
            Role::B => self.bank_officer.clone(),
        }
    }

    fn v0(&self) -> &str {
        &self.city.volunteers[0]
    }

    async fn fresh_hold(&self) -> String {
        self.city
            .admin
            .post(
                "/v1/redemptions",
                json!({"volunteer_id": self.v0(), "reward_id": self.cheap_reward, "quantity": 1}),
            )
            .await
            .id()
    }

    /// A fresh hold and the pickup code the volunteer would show.
    async fn fresh_hold_with_code(&self) -> (String, String) {
        let hold = self
            .city
            .admin
            .post(
                "/v1/redemptions",
                json!({"volunteer_id": self.v0(), "reward_id": self.cheap_reward, "quantity": 1}),
            )
            .await
            .ok();
        (
            hold["id"].as_str().expect("id").to_owned(),
            hold["pickup_code"]
                .as_str()
                .expect("pickup code")
                .to_owned(),
        )
    }

    /// A rate voucher handed over to the volunteer: its redemption and its code.
    /// Publishes the first privacy notice, once (consents refer to version 1).
    pub async fn notice(&self) {
        let r = self
            .city
            .admin
            .put(
                "/v1/privacy-notice",
                json!({"text_zh": "我们只为记录志愿服务和积分使用您的个人信息。", "published_on": days_ago(30)}),
            )
            .await;
        assert!(
            r.status.is_success() || r.status.as_u16() == 409,
            "{}",
            r.body
        );
    }

    pub async fn fresh_voucher(&self) -> (String, String) {
        let hold = self
            .city
            .admin
            .post(
                "/v1/redemptions",
                json!({"volunteer_id": self.v0(), "reward_id": self.voucher_reward, "quantity": 1}),
            )
            .await
            .id();
        let done = self
            .city
            .admin
            .post_empty(&format!("/v1/redemptions/{hold}/fulfil"))
            .await
            .ok();
        (
            hold,
            done["voucher_code"]
                .as_str()
                .expect("voucher code")
                .to_owned(),
        )
    }

    async fn fresh_activity(&self) -> String {
        self.city
            .coordinator
            .post(
                "/v1/activities",
                json!({"team_id": self.city.team, "category": "lecture", "date": days_ago(3), "title": "宣讲",
                       "participants": [{"volunteer_id": self.v0(), "hours": "0.25"}]}),
            )
            .await
            .id()
    }

    /// A confirmation code for a fresh activity, given by its coordinator.
    async fn fresh_code(&self) -> String {
        let a = self.fresh_activity().await;
        self.city
            .coordinator
            .post(
                &format!("/v1/activities/{a}/confirmation-codes"),
                json!({"party": "张家"}),
            )
            .await
            .ok()["code"]
            .as_str()
            .expect("code")
            .to_owned()
    }

    /// An activity whose points wait for confirmation: craft is made to need one (it may
    /// already), then the coordinator logs a craft service.
    async fn fresh_awaiting(&self) -> String {
        self.city
            .admin
            .send(
                Method::PUT,
                "/v1/policies/confirmation-required",
                Some(json!({"category": "craft", "required": true, "note": "须确认"})),
                &[],
            )
            .await;
        self.city
            .coordinator
            .post(
                "/v1/activities",
                json!({"team_id": self.city.team, "category": "craft", "date": days_ago(2), "title": "编织",
                       "participants": [{"volunteer_id": self.v0(), "hours": "0.5"}]}),
            )
            .await
            .id()
    }

    /// A back-filled activity waiting for approval: the limit is set to thirty days, then
    /// the coordinator logs a service of forty-five days ago.
    async fn fresh_backfill(&self) -> String {
        self.city
            .admin
            .put(
                "/v1/policies/backfill-limit",
                json!({"days": 30, "note": "补录超过30天需审批"}),
            )
            .await;
        let reply = self
            .city
            .coordinator
            .post(
                "/v1/activities",
                json!({"team_id": self.city.team, "category": "lecture", "date": days_ago(45), "title": "补录宣讲",
                       "participants": [{"volunteer_id": self.v0(), "hours": "0.5"}]}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 202, "{}", reply.body);
        reply.body["activity_id"]
            .as_str()
            .expect("activity_id")
            .to_owned()
    }

    /// A newly registered category's code.
    async fn fresh_category(&self) -> String {
        let code = format!("campaign_{}", rand_suffix());
        self.city
            .admin
            .post(
                "/v1/categories",
                json!({"code": code, "label_zh": "专项活动", "label_en": "Campaign", "active_from": days_ago(30)}),
            )
            .await
            .ok();
        code
    }

    /// A new volunteer of the city's team with a star waiting for review: a review scale
    /// whose first star needs under an hour is adopted, then they serve an hour.
    async fn fresh_pending_star(&self) -> String {
        let first = format!("0.{:02}", 1 + rand_suffix() % 98);
        let adopted = self
            .city
            .admin
            .post(
                "/v1/stars/scale",
                json!({"thresholds_hours": [first, "5000"], "review": true, "note": "测试"}),
            )
            .await;
        // The same random first step twice in a row is refused as no change: either way,
        // that scale is in force.
        assert!(
            adopted.status.is_success() || adopted.status.as_u16() == 409,
            "{}",
            adopted.body
        );
        let v = self
            .city
            .coordinator
            .post(
                "/v1/volunteers",
                json!({"name": "待认定", "team_id": self.city.team}),
            )
            .await
            .id();
        self.city
            .coordinator
            .post(
                "/v1/activities",
                json!({"team_id": self.city.team, "category": "lecture", "date": days_ago(2), "title": "宣讲",
                       "participants": [{"volunteer_id": v, "hours": "1"}]}),
            )
            .await
            .ok();
        v
    }

    /// One cell: sets up what the request needs, sends it as `role`.
    pub async fn cell(&self, route: &str, role: Role) -> Reply {
        if route == "POST /v1/onboard" {
            // A roster is uploaded as a file; checked only (a dry run writes nothing).
            let csv = format!(
                "名称,类型,所属地区\r\n测试区{},区,湖州市\r\n",
                rand_suffix()
            );
            return self
                .client(role)
                .upload("/v1/onboard", "区县.csv", csv.into_bytes())
                .await;
        }
        let (method, path, body) = self.request(route, role).await;
        self.client(role).send(method, &path, body, &[]).await
    }

    /// The request of a route in the table: sets up what it needs (a fresh hold to fulfil, a
    /// fresh activity to reverse, ...) and returns it, unsent.
    pub async fn request(&self, route: &str, role: Role) -> (Method, String, Option<Value>) {
        let team = &self.city.team;
        let v0 = self.v0().to_owned();
        let (method, path, body): (Method, String, Option<Value>) = match route {
            "POST /v1/teams" => (
                Method::POST,
                "/v1/teams".into(),
                Some(
                    json!({"name": format!("新队{:?}{}", role, rand_suffix()), "district": "南浔区", "category": "craft"}),
                ),
            ),
            "GET /v1/teams" => (Method::GET, "/v1/teams".into(), None),
            "POST /v1/districts" => (
                Method::POST,
                "/v1/districts".into(),
                Some(
                    json!({"name": format!("测试区{}", rand_suffix()), "kind": "district", "region": "湖州市"}),
                ),
            ),
            "GET /v1/districts" => (Method::GET, "/v1/districts".into(), None),
            "POST /v1/groups" => (
                Method::POST,
                "/v1/groups".into(),
                Some(
                    json!({"name": format!("协作体{}", rand_suffix()), "founded_on": days_ago(30)}),
                ),
            ),
            "GET /v1/groups" => (Method::GET, "/v1/groups".into(), None),
            "GET /v1/groups/{id}" => (Method::GET, format!("/v1/groups/{}", self.group), None),
            "POST /v1/groups/{id}/sub-groups" => (
                Method::POST,
                format!("/v1/groups/{}/sub-groups", self.group),
                Some(json!({"name": format!("群{}", rand_suffix()), "added_on": days_ago(20)})),
            ),
            "POST /v1/groups/{id}/members" => {
                let t = self.city.admin.post("/v1/teams", json!({"name": format!("加入队{}", rand_suffix()), "district": "南浔区", "category": "lecture"})).await.id();
                (
                    Method::POST,
                    format!("/v1/groups/{}/members", self.group),
                    Some(json!({"team_id": t, "joined_on": days_ago(10)})),
                )
            }
            "POST /v1/groups/{id}/members/{team_id}/leave" => {
                let t = self.city.admin.post("/v1/teams", json!({"name": format!("离开队{}", rand_suffix()), "district": "南浔区", "category": "lecture"})).await.id();
                self.city
                    .admin
                    .post(
                        &format!("/v1/groups/{}/members", self.group),
                        json!({"team_id": t, "joined_on": days_ago(10)}),
                    )
                    .await
                    .ok();
                (
                    Method::POST,
                    format!("/v1/groups/{}/members/{t}/leave", self.group),
                    Some(json!({"left_on": days_ago(1)})),
                )
            }
            "POST /v1/projects" => (
                Method::POST,
                "/v1/projects".into(),
                Some(
                    json!({"team_id": team, "title": "邻里和睦", "category": "mediation", "starts_on": days_ago(5)}),
                ),
            ),
            "GET /v1/projects" => (Method::GET, "/v1/projects".into(), None),
            "GET /v1/projects/{id}" => {
                let p = self.city.admin.post("/v1/projects", json!({"team_id": team, "title": "查看项目", "category": "mediation", "starts_on": days_ago(5)})).await.id();
                (Method::GET, format!("/v1/projects/{p}"), None)
            }
            "POST /v1/projects/{id}/status" => {
                let p = self.city.admin.post("/v1/projects", json!({"team_id": team, "title": "启动项目", "category": "mediation", "starts_on": days_ago(5)})).await.id();
                (
                    Method::POST,
                    format!("/v1/projects/{p}/status"),
                    Some(json!({"status": "running", "on": days_ago(1)})),
                )
            }
            "GET /v1/evaluation" => (Method::GET, "/v1/evaluation".into(), None),
            "GET /v1/evaluation/teams" => (Method::GET, "/v1/evaluation/teams".into(), None),
            "GET /v1/scoring" => (Method::GET, "/v1/scoring".into(), None),
            "PUT /v1/scoring" => (
                Method::PUT,
                "/v1/scoring".into(),
                Some(
                    json!({"per_activity": "5", "per_participant_time": "1", "per_active_volunteer": "2", "per_hour": "0.5",
                "per_person_served": "0.2", "per_problem_resolved": "3", "per_dispute_settled": "10"}),
                ),
            ),
            "GET /v1/rankings/groups" => (Method::GET, "/v1/rankings/groups".into(), None),
            "GET /v1/teams/{id}" => (Method::GET, format!("/v1/teams/{team}"), None),
            "POST /v1/volunteers" => (
                Method::POST,
                "/v1/volunteers".into(),
                Some(json!({"name": "新人", "team_id": team})),
            ),
            "GET /v1/volunteers" => (Method::GET, format!("/v1/volunteers?team_id={team}"), None),
            "GET /v1/volunteers/{id}" => (Method::GET, format!("/v1/volunteers/{v0}"), None),
            "GET /v1/volunteers/{id}/statement" => {
                (Method::GET, format!("/v1/volunteers/{v0}/statement"), None)
            }
            "POST /v1/volunteers/{id}/move" => {
                let mover = self
                    .city
                    .admin
                    .post("/v1/volunteers", json!({"name": "搬家", "team_id": team}))
                    .await
                    .id();
                (
                    Method::POST,
                    format!("/v1/volunteers/{mover}/move"),
                    Some(json!({"team_id": self.city.other_team})),
                )
            }
            "POST /v1/activities" => (
                Method::POST,
                "/v1/activities".into(),
                Some(
                    json!({"team_id": team, "category": "lecture", "date": days_ago(2), "title": "宣讲", "participants": [{"volunteer_id": v0, "hours": "0.5"}]}),
                ),
            ),
            "GET /v1/activities" => (Method::GET, format!("/v1/activities?team_id={team}"), None),
            "GET /v1/activities/{id}" => (
                Method::GET,
                format!("/v1/activities/{}", self.city.activity),
                None,
            ),
            "POST /v1/activities/{id}/reversal" => {
                let a = self.fresh_activity().await;
                (
                    Method::POST,
                    format!("/v1/activities/{a}/reversal"),
                    Some(json!({"reason": "测试"})),
                )
            }
            "POST /v1/activities/{id}/participants/{volunteer_id}/correction" => {
                let a = self.fresh_activity().await;
                (
                    Method::POST,
                    format!("/v1/activities/{a}/participants/{v0}/correction"),
                    Some(json!({"hours": "0.5", "reason": "少记了"})),
                )
            }
            "GET /v1/rules" => (Method::GET, "/v1/rules".into(), None),
            "GET /v1/categories" => (Method::GET, "/v1/categories".into(), None),
            "GET /v1/stars/scale" => (Method::GET, "/v1/stars/scale".into(), None),
            "POST /v1/stars/scale" => (
                Method::POST,
                "/v1/stars/scale".into(),
                Some(
                    json!({"thresholds_hours": [format!("{}", 100 + rand_suffix() % 150), "300", "600"], "note": "测试"}),
                ),
            ),
            "GET /v1/stars/pending" => (Method::GET, "/v1/stars/pending".into(), None),
            "POST /v1/stars/pending/{volunteer_id}/confirm" => {
                let v = self.fresh_pending_star().await;
                (
                    Method::POST,
                    format!("/v1/stars/pending/{v}/confirm"),
                    Some(json!({"level": 1, "note": "公示七天无异议"})),
                )
            }
            "GET /v1/categories/{code}" => (Method::GET, "/v1/categories/lecture".into(), None),
            "POST /v1/categories" => (
                Method::POST,
                "/v1/categories".into(),
                Some(
                    json!({"code": format!("campaign_{}", rand_suffix()), "label_zh": "垃圾分类", "label_en": "Garbage sorting", "default_points_per_hour": "12"}),
                ),
            ),
            "POST /v1/categories/{code}/rename" => {
                let code = self.fresh_category().await;
                (
                    Method::POST,
                    format!("/v1/categories/{code}/rename"),
                    Some(json!({"label_zh": "垃圾分类督导", "label_en": "Sorting guidance"})),
                )
            }
            "POST /v1/categories/{code}/retire" => {
                let code = self.fresh_category().await;
                (
                    Method::POST,
                    format!("/v1/categories/{code}/retire"),
                    Some(json!({"last_day": days_ago(1), "reason": "专项行动结束"})),
                )
            }
            "GET /v1/rules/versions" => (Method::GET, "/v1/rules/versions".into(), None),
            "POST /v1/rules/versions" => (
                Method::POST,
                "/v1/rules/versions".into(),
                Some(
                    json!({"effective_from": days_ago(40), "rates": {"craft": format!("{}", 11 + rand_suffix() % 80)}, "note": "测试"}),
                ),
            ),
            "GET /v1/rerating" => (
                Method::GET,
                format!("/v1/rerating?from={}&to={}", days_ago(3), days_ago(3)),
                None,
            ),
            "POST /v1/rerating" => {
                // A credit of three days ago, and a rule of that day that rates it otherwise.
                self.fresh_activity().await;
                self.city
                    .admin
                    .post(
                        "/v1/rules/versions",
                        json!({"effective_from": days_ago(3), "rates": {"lecture": format!("{}", 11 + rand_suffix() % 80)}}),
                    )
                    .await
                    .ok();
                (
                    Method::POST,
                    "/v1/rerating".into(),
                    Some(json!({"from": days_ago(3), "to": days_ago(3), "reason": "补算新规"})),
                )
            }
            "PUT /v1/rules" => (
                Method::PUT,
                "/v1/rules".into(),
                Some(json!({"default_points_per_hour": "10"})),
            ),
            "GET /v1/policies" => (Method::GET, "/v1/policies".into(), None),
            // Never the value in force (14 days; a 30-day limit from `fresh_backfill`): setting
            // a policy to what it already is is refused as no change.
            "PUT /v1/policies/hold-time" => (
                Method::PUT,
                "/v1/policies/hold-time".into(),
                Some(json!({"days": 15 + rand_suffix() % 40, "note": "测试"})),
            ),
            "PUT /v1/policies/backfill-limit" => (
                Method::PUT,
                "/v1/policies/backfill-limit".into(),
                Some(json!({"days": 31 + rand_suffix() % 60, "note": "测试"})),
            ),
            "GET /v1/backfills" => (Method::GET, format!("/v1/backfills?team_id={team}"), None),
            "POST /v1/backfills/{id}/approve" => {
                let a = self.fresh_backfill().await;
                (
                    Method::POST,
                    format!("/v1/backfills/{a}/approve"),
                    Some(json!({"note": "签到表已核"})),
                )
            }
            "POST /v1/backfills/{id}/decline" => {
                let a = self.fresh_backfill().await;
                (
                    Method::POST,
                    format!("/v1/backfills/{a}/decline"),
                    Some(json!({"reason": "无签到记录"})),
                )
            }
            "POST /v1/rewards" => (
                Method::POST,
                "/v1/rewards".into(),
                Some(
                    json!({"name": "笋干", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": 3}),
                ),
            ),
            "GET /v1/rewards" => (Method::GET, "/v1/rewards".into(), None),
            "POST /v1/rewards/{id}/restock" => (
                Method::POST,
                format!("/v1/rewards/{}/restock", self.cheap_reward),
                Some(json!({"quantity": 1})),
            ),
            "POST /v1/rewards/{id}/write-off" => (
                Method::POST,
                format!("/v1/rewards/{}/write-off", self.cheap_reward),
                Some(json!({"quantity": 1, "reason": "受潮"})),
            ),
            "POST /v1/rewards/{id}/reprice" => (
                Method::POST,
                format!("/v1/rewards/{}/reprice", self.cheap_reward),
                Some(json!({"cost_points": "1"})),
            ),
            "POST /v1/rewards/{id}/retire" => {
                let r = self.city.admin.post("/v1/rewards", json!({"name": "临时", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": 1})).await.id();
                (Method::POST, format!("/v1/rewards/{r}/retire"), None)
            }
            "POST /v1/vouchers/check" => {
                let (_, code) = self.fresh_voucher().await;
                (
                    Method::POST,
                    "/v1/vouchers/check".into(),
                    Some(json!({"code": code})),
                )
            }
            "POST /v1/vouchers/use" => {
                let (_, code) = self.fresh_voucher().await;
                (
                    Method::POST,
                    "/v1/vouchers/use".into(),
                    Some(json!({"code": code, "product": "deposit", "amount_yuan": "50000"})),
                )
            }
            "POST /v1/vouchers/refuse" => {
                let (_, code) = self.fresh_voucher().await;
                (
                    Method::POST,
                    "/v1/vouchers/refuse".into(),
                    Some(json!({"code": code, "reason": "未带身份证"})),
                )
            }
            "POST /v1/vouchers/{id}/cancel" => {
                let (id, _) = self.fresh_voucher().await;
                (
                    Method::POST,
                    format!("/v1/vouchers/{id}/cancel"),
                    Some(json!({"reason": "券遗失"})),
                )
            }
            "PUT /v1/banks/{bank}/budget" => (
                Method::PUT,
                "/v1/banks/湖州银行/budget".into(),
                Some(json!({"year": 2026, "vouchers": 500 + rand_suffix() % 500, "note": "测试"})),
            ),
            "GET /v1/banks/{bank}/budget" => {
                (Method::GET, "/v1/banks/湖州银行/budget".into(), None)
            }
            "PUT /v1/rewards/{id}/value" => (
                Method::PUT,
                format!("/v1/rewards/{}/value", self.cheap_reward),
                Some(json!({"unit_value_yuan": "12.5", "supplier": "松阳县茶叶专业合作社"})),
            ),
            "POST /v1/rewards/{id}/receipts" => (
                Method::POST,
                format!("/v1/rewards/{}/receipts", self.cheap_reward),
                Some(
                    json!({"quantity": 2, "unit_cost_yuan": "10", "supplier": "松阳县茶叶专业合作社"}),
                ),
            ),
            "GET /v1/reports/suppliers" => (Method::GET, "/v1/reports/suppliers".into(), None),
            "GET /v1/reports/banks" => (Method::GET, "/v1/reports/banks".into(), None),
            "GET /v1/reports/redeemed" => {
                (Method::GET, "/v1/reports/redeemed?by=team".into(), None)
            }
            "GET /v1/reports/coverage" => (Method::GET, "/v1/reports/coverage".into(), None),
            "PUT /v1/policies/voucher-validity" => (
                Method::PUT,
                "/v1/policies/voucher-validity".into(),
                Some(json!({"days": 100 + rand_suffix() % 200, "note": "测试"})),
            ),
            "PUT /v1/policies/point-value" => (
                Method::PUT,
                "/v1/policies/point-value".into(),
                Some(
                    json!({"yuan_per_point": format!("0.{:02}", 1 + rand_suffix() % 98), "note": "测试"}),
                ),
            ),
            "PUT /v1/policies/coverage-warning" => (
                Method::PUT,
                "/v1/policies/coverage-warning".into(),
                Some(json!({"percent": 50 + rand_suffix() % 400, "note": "测试"})),
            ),
            "POST /v1/stations" => (
                Method::POST,
                "/v1/stations".into(),
                Some(
                    json!({"name": format!("e站{}", rand_suffix()), "district": "南浔区", "address": "南浔镇"}),
                ),
            ),
            "GET /v1/stations" => (Method::GET, "/v1/stations".into(), None),
            "GET /v1/stations/{id}/queue" => (
                Method::GET,
                format!("/v1/stations/{}/queue", yinling_ledger::StationId::FIRST),
                None,
            ),
            "POST /v1/stock-transfers" => (
                Method::POST,
                "/v1/stock-transfers".into(),
                Some(
                    json!({"reward_id": self.cheap_reward, "from_station": yinling_ledger::StationId::FIRST.to_string(), "to_station": self.station, "quantity": 1}),
                ),
            ),
            "POST /v1/counter/lookup" => (
                Method::POST,
                "/v1/counter/lookup".into(),
                Some(json!({"card": self.city.volunteer_clients[0].token})),
            ),
            "PUT /v1/volunteers/{id}/phone" => (
                Method::PUT,
                format!("/v1/volunteers/{v0}/phone"),
                Some(json!({"last_four": "3721"})),
            ),
            "POST /v1/volunteers/{id}/erasure" => {
                let v = self
                    .city
                    .coordinator
                    .post(
                        "/v1/volunteers",
                        json!({"name": format!("待注销{}", rand_suffix()), "team_id": team}),
                    )
                    .await
                    .id();
                (
                    Method::POST,
                    format!("/v1/volunteers/{v}/erasure"),
                    Some(
                        json!({"requested_by": "本人", "requested_on": days_ago(1), "legal_basis": "《个人信息保护法》第四十七条"}),
                    ),
                )
            }
            "POST /v1/volunteers/{id}/consents" => {
                self.notice().await;
                (
                    Method::POST,
                    format!("/v1/volunteers/{v0}/consents"),
                    Some(
                        json!({"purpose": format!("用途{}", rand_suffix()), "notice_version": 1, "given_on": days_ago(1), "collected_by": "协调员"}),
                    ),
                )
            }
            "POST /v1/volunteers/{id}/consents/withdraw" => {
                self.notice().await;
                let purpose = format!("撤回{}", rand_suffix());
                self.city
                    .admin
                    .post(
                        &format!("/v1/volunteers/{v0}/consents"),
                        json!({"purpose": purpose, "notice_version": 1, "given_on": days_ago(1), "collected_by": "协调员"}),
                    )
                    .await
                    .ok();
                (
                    Method::POST,
                    format!("/v1/volunteers/{v0}/consents/withdraw"),
                    Some(json!({"purpose": purpose, "withdrawn_on": days_ago(0)})),
                )
            }
            "PUT /v1/privacy-notice" => (
                Method::PUT,
                "/v1/privacy-notice".into(),
                Some(
                    json!({"text_zh": format!("告知书第{}稿", rand_suffix()), "published_on": days_ago(1)}),
                ),
            ),
            "GET /v1/privacy-notice" => (Method::GET, "/v1/privacy-notice".into(), None),
            "POST /v1/disputes" => (
                Method::POST,
                "/v1/disputes".into(),
                Some(
                    json!({"volunteer_id": v0, "kind": "missing", "reason": format!("某日的服务没有登记 {}", rand_suffix())}),
                ),
            ),
            "POST /v1/disputes/{id}/resolve" => {
                let d = self
                    .city
                    .admin
                    .post("/v1/disputes", json!({"volunteer_id": v0, "kind": "missing", "reason": format!("漏登 {}", rand_suffix())}))
                    .await
                    .id();
                (
                    Method::POST,
                    format!("/v1/disputes/{d}/resolve"),
                    Some(json!({"outcome": "rejected", "reason": "签到表上没有这一天"})),
                )
            }
            "GET /v1/disputes" => (Method::GET, "/v1/disputes".into(), None),
            "POST /v1/activities/{id}/confirmation-codes" => {
                let a = self.fresh_activity().await;
                (
                    Method::POST,
                    format!("/v1/activities/{a}/confirmation-codes"),
                    Some(json!({"party": "荻港村村委会"})),
                )
            }
            "POST /v1/activities/{id}/waive-confirmation" => {
                let a = self.fresh_awaiting().await;
                (
                    Method::POST,
                    format!("/v1/activities/{a}/waive-confirmation"),
                    Some(json!({"reason": "服务对象已搬离，联系不上"})),
                )
            }
            "GET /v1/confirmations/{code}" => {
                let code = self.fresh_code().await;
                (Method::GET, format!("/v1/confirmations/{code}"), None)
            }
            "POST /v1/confirmations" => {
                let code = self.fresh_code().await;
                (
                    Method::POST,
                    "/v1/confirmations".into(),
                    Some(json!({"code": code, "name": "沈国强", "role": "村委会主任"})),
                )
            }
            "PUT /v1/volunteers/{id}/notice-contacts" => (
                Method::PUT,
                format!("/v1/volunteers/{v0}/notice-contacts"),
                Some(
                    json!({"phone": "13800001234", "relative": {"name": "沈丽", "relation": "女儿", "phone": "13900005678"}}),
                ),
            ),
            "GET /v1/volunteers/{id}/notices" => {
                (Method::GET, format!("/v1/volunteers/{v0}/notices"), None)
            }
            "GET /v1/notices/outbox" => (Method::GET, "/v1/notices/outbox".into(), None),
            "GET /v1/log/tree" => (Method::GET, "/v1/log/tree".into(), None),
            "GET /v1/log/checkpoint" => (Method::GET, "/v1/log/checkpoint".into(), None),
            "GET /v1/log/checkpoints" => (Method::GET, "/v1/log/checkpoints?after=0".into(), None),
            "GET /v1/log/checkpoint-key" => (Method::GET, "/v1/log/checkpoint-key".into(), None),
            "GET /v1/log/proofs/inclusion" => {
                (Method::GET, "/v1/log/proofs/inclusion?seq=1".into(), None)
            }
            "GET /v1/log/proofs/consistency" => (
                Method::GET,
                "/v1/log/proofs/consistency?from=1".into(),
                None,
            ),
            "PUT /v1/policies/confirmation-required" => {
                // Craft's activities (the world logs none): switched on by the administrator,
                // then off by the role under test, so the change is never "no change".
                self.city
                    .admin
                    .send(
                        Method::PUT,
                        "/v1/policies/confirmation-required",
                        Some(json!({"category": "craft", "required": true, "note": "测试"})),
                        &[],
                    )
                    .await;
                (
                    Method::PUT,
                    "/v1/policies/confirmation-required".into(),
                    Some(json!({"category": "craft", "required": false, "note": "测试"})),
                )
            }
            "PUT /v1/policies/dispute-escalation" => (
                Method::PUT,
                "/v1/policies/dispute-escalation".into(),
                Some(json!({"days": 1 + rand_suffix() % 89, "note": "测试"})),
            ),
            "PUT /v1/policies/notice-period" => (
                Method::PUT,
                "/v1/policies/notice-period".into(),
                // Craft's activities: the world logs none, so a notice changes nothing else.
                Some(json!({"category": "craft", "days": 1 + rand_suffix() % 29, "note": "测试"})),
            ),
            "PUT /v1/volunteers/{id}/pin" => (
                Method::PUT,
                format!("/v1/volunteers/{v0}/pin"),
                Some(json!({"pin": "2468"})),
            ),
            "GET /v1/banks/{bank}/vouchers" => {
                (Method::GET, "/v1/banks/湖州银行/vouchers".into(), None)
            }
            "POST /v1/redemptions" => {
                // At the counter, the volunteer confirms with their card.
                let card = self.city.volunteer_clients[0].token.clone();
                let body = match role {
                    Role::K => {
                        json!({"volunteer_id": v0, "reward_id": self.cheap_reward, "quantity": 1, "card": card})
                    }
                    _ => json!({"volunteer_id": v0, "reward_id": self.cheap_reward, "quantity": 1}),
                };
                (Method::POST, "/v1/redemptions".into(), Some(body))
            }
            "GET /v1/redemptions" => (Method::GET, "/v1/redemptions".into(), None),
            "GET /v1/redemptions/{id}" => {
                let r = self.fresh_hold().await;
                (Method::GET, format!("/v1/redemptions/{r}"), None)
            }
            "POST /v1/redemptions/{id}/fulfil" => {
                let (r, code) = self.fresh_hold_with_code().await;
                (
                    Method::POST,
                    format!("/v1/redemptions/{r}/fulfil"),
                    Some(json!({"pickup_code": code})),
                )
            }
            "POST /v1/redemptions/{id}/cancel" => {
                let r = self.fresh_hold().await;
                (Method::POST, format!("/v1/redemptions/{r}/cancel"), None)
            }
            "GET /v1/rankings/teams" => (Method::GET, "/v1/rankings/teams".into(), None),
            "GET /v1/rankings/volunteers" => (Method::GET, "/v1/rankings/volunteers".into(), None),
            "GET /v1/rankings/districts" => (Method::GET, "/v1/rankings/districts".into(), None),
            "GET /v1/stats" => (Method::GET, "/v1/stats".into(), None),
            "GET /v1/events" => (Method::GET, "/v1/events?limit=3".into(), None),
            "GET /v1/audit/head" => (Method::GET, "/v1/audit/head".into(), None),
            "GET /v1/audit/verify" => (Method::GET, "/v1/audit/verify".into(), None),
            "POST /v1/tokens" => (
                Method::POST,
                "/v1/tokens".into(),
                Some(json!({"role": "auditor"})),
            ),
            "DELETE /v1/tokens/{id}" => {
                let issued = self
                    .city
                    .admin
                    .post("/v1/tokens", json!({"role": "auditor"}))
                    .await
                    .id();
                (Method::DELETE, format!("/v1/tokens/{issued}"), None)
            }
            "PUT /v1/tokens/{id}/last-day" => {
                let issued = self
                    .city
                    .admin
                    .post("/v1/tokens", json!({"role": "auditor"}))
                    .await
                    .id();
                (
                    Method::PUT,
                    format!("/v1/tokens/{issued}/last-day"),
                    Some(json!({"last_day": "2099-12-31"})),
                )
            }
            "GET /v1/tokens" => (Method::GET, format!("/v1/tokens?team_id={team}"), None),
            "GET /v1/access-log" => (Method::GET, "/v1/access-log".into(), None),
            "POST /v1/tokens/{id}/replace" => {
                let card = self
                    .city
                    .admin
                    .post(
                        "/v1/tokens",
                        json!({"role": "volunteer", "volunteer_id": v0, "label": "积分卡"}),
                    )
                    .await
                    .id();
                (
                    Method::POST,
                    format!("/v1/tokens/{card}/replace"),
                    Some(json!({})),
                )
            }
            "GET /healthz" => (Method::GET, "/healthz".into(), None),
            "GET /metrics" => (Method::GET, "/metrics".into(), None),
            "GET /openapi.json" => (Method::GET, "/openapi.json".into(), None),
            other => panic!("no such route in the table: {other}"),
        };
        (method, path, body)
    }
}

pub fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl World {
    /// A server with a small city, a second volunteer's client, a cheap reward and a group.
    pub async fn build() -> World {
        let server = Server::start();
        let city = City::build(&server, 2).await;
        let v2 = server.client(
            &token(
                &city.admin,
                json!({"role": "volunteer", "volunteer_id": city.outsider}),
            )
            .await,
        );
        let cheap_reward = city
                .admin
                .post("/v1/rewards", json!({"name": "松阳香茶", "kind": "product", "origin": "松阳县", "cost_points": "1", "stock": 1000}))
                .await
                .id();
        let group = city
            .admin
            .post(
                "/v1/groups",
                json!({"name": "银雁协共体", "founded_on": days_ago(60)}),
            )
            .await
            .id();
        // The city's team belongs to the group; its coordinator has a token of their own.
        city.admin
            .post(
                &format!("/v1/groups/{group}/members"),
                json!({"team_id": city.team, "joined_on": days_ago(50)}),
            )
            .await
            .ok();
        let group_coordinator = server.client(
            &token(
                &city.admin,
                json!({"role": "group_coordinator", "group_id": group, "label": "银雁协共体秘书处"}),
            )
            .await,
        );
        let clerk = server.client(
            &token(
                &city.admin,
                json!({"role": "station_clerk", "label": "南浔 e站 柜台"}),
            )
            .await,
        );
        let scoped = |body: Value| {
            let admin = city.admin.clone();
            async move { token(&admin, body).await }
        };
        let district_coordinator = server.client(
            &scoped(json!({"role": "district_coordinator", "district": "南浔区", "label": "南浔区老干部局"})).await,
        );
        let other_district_coordinator = server.client(
            &scoped(json!({"role": "district_coordinator", "district": "安吉县", "label": "安吉县老干部局"})).await,
        );
        let bank_officer = server.client(
            &scoped(
                json!({"role": "bank_officer", "bank": "湖州银行", "label": "湖州银行南浔支行"}),
            )
            .await,
        );
        let station = city
            .admin
            .post(
                "/v1/stations",
                json!({"name": "菱湖 e站", "district": "南浔区", "address": "菱湖镇人民路 1 号", "opening_hours": "周一至周五 9:00-16:00"}),
            )
            .await
            .id();
        let voucher_reward = city
            .admin
            .post("/v1/rewards", json!({"name": "存款利率上浮 0.20%", "kind": "rate_voucher", "bank": "湖州银行", "basis_points": 20, "cost_points": "1", "stock": 1000}))
            .await
            .id();
        World {
            city,
            server,
            v2,
            cheap_reward,
            group,
            group_coordinator,
            clerk,
            district_coordinator,
            other_district_coordinator,
            bank_officer,
            station,
            voucher_reward,
        }
    }
}
