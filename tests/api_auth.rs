//! The auth matrix: every route x every role, own and other scope, as one table.
//!
//! Roles: A admin, C the team's coordinator, C2 another team's coordinator, V the volunteer
//! acting on their own things, V2 a volunteer of another team acting on V's things,
//! R auditor, N no token. `O` = allowed (2xx), `F` = 403, `U` = 401.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    A,
    C,
    C2,
    V,
    V2,
    R,
    N,
}

const ROLES: [Role; 7] = [
    Role::A,
    Role::C,
    Role::C2,
    Role::V,
    Role::V2,
    Role::R,
    Role::N,
];

struct World {
    city: City,
    server: Server,
    v2: Client,
    cheap_reward: String,
    group: String,
}

impl World {
    fn client(&self, role: Role) -> Client {
        match role {
            Role::A => self.city.admin.clone(),
            Role::C => self.city.coordinator.clone(),
            Role::C2 => self.city.other_coordinator.clone(),
            Role::V => self.city.volunteer_clients[0].clone(),
            Role::V2 => self.v2.clone(),
            Role::R => self.city.auditor.clone(),
            Role::N => self.server.anonymous(),
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

    /// One cell: sets up what the request needs, sends it as `role`.
    async fn cell(&self, route: &str, role: Role) -> Reply {
        let c = self.client(role);
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
            "GET /v1/rules" => (Method::GET, "/v1/rules".into(), None),
            "PUT /v1/rules" => (
                Method::PUT,
                "/v1/rules".into(),
                Some(json!({"default_points_per_hour": "10"})),
            ),
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
            "POST /v1/rewards/{id}/reprice" => (
                Method::POST,
                format!("/v1/rewards/{}/reprice", self.cheap_reward),
                Some(json!({"cost_points": "1"})),
            ),
            "POST /v1/rewards/{id}/retire" => {
                let r = self.city.admin.post("/v1/rewards", json!({"name": "临时", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": 1})).await.id();
                (Method::POST, format!("/v1/rewards/{r}/retire"), None)
            }
            "POST /v1/redemptions" => (
                Method::POST,
                "/v1/redemptions".into(),
                Some(json!({"volunteer_id": v0, "reward_id": self.cheap_reward, "quantity": 1})),
            ),
            "GET /v1/redemptions" => (Method::GET, "/v1/redemptions".into(), None),
            "GET /v1/redemptions/{id}" => {
                let r = self.fresh_hold().await;
                (Method::GET, format!("/v1/redemptions/{r}"), None)
            }
            "POST /v1/redemptions/{id}/fulfil" => {
                let r = self.fresh_hold().await;
                (Method::POST, format!("/v1/redemptions/{r}/fulfil"), None)
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
            "GET /healthz" => (Method::GET, "/healthz".into(), None),
            "GET /metrics" => (Method::GET, "/metrics".into(), None),
            "GET /openapi.json" => (Method::GET, "/openapi.json".into(), None),
            other => panic!("no such route in the matrix: {other}"),
        };
        c.send(method, &path, body, &[]).await
    }
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Expected outcome per role, in the order A C C2 V V2 R N.
const MATRIX: &[(&str, &str)] = &[
    ("POST /v1/teams", "OFFFFFU"),
    ("GET /v1/teams", "OOOOOOU"),
    ("GET /v1/teams/{id}", "OOOOOOU"),
    ("POST /v1/volunteers", "OOFFFFU"),
    ("GET /v1/volunteers", "OOFFFOU"),
    ("GET /v1/volunteers/{id}", "OOFOFOU"),
    ("GET /v1/volunteers/{id}/statement", "OOFOFOU"),
    ("POST /v1/volunteers/{id}/move", "OFFFFFU"),
    ("POST /v1/activities", "FOFFFFU"),
    ("GET /v1/activities", "OOFFFOU"),
    ("GET /v1/activities/{id}", "OOFOFOU"),
    ("POST /v1/activities/{id}/reversal", "OOFFFFU"),
    ("GET /v1/rules", "OOOOOOU"),
    ("PUT /v1/rules", "OFFFFFU"),
    ("POST /v1/rewards", "OFFFFFU"),
    ("GET /v1/rewards", "OOOOOOU"),
    ("POST /v1/rewards/{id}/restock", "OFFFFFU"),
    ("POST /v1/rewards/{id}/reprice", "OFFFFFU"),
    ("POST /v1/rewards/{id}/retire", "OFFFFFU"),
    ("POST /v1/redemptions", "OFFOFFU"),
    ("GET /v1/redemptions", "OOOOOOU"),
    ("GET /v1/redemptions/{id}", "OOFOFOU"),
    ("POST /v1/redemptions/{id}/fulfil", "OFFFFFU"),
    ("POST /v1/redemptions/{id}/cancel", "OFFOFFU"),
    ("GET /v1/rankings/teams", "OOOOOOU"),
    ("GET /v1/rankings/volunteers", "OOOOOOU"),
    ("GET /v1/rankings/districts", "OOOOOOU"),
    ("GET /v1/stats", "OOOOOOU"),
    ("GET /v1/rankings/groups", "OOOOOOU"),
    ("POST /v1/districts", "OFFFFFU"),
    ("GET /v1/districts", "OOOOOOU"),
    ("POST /v1/groups", "OFFFFFU"),
    ("GET /v1/groups", "OOOOOOU"),
    ("GET /v1/groups/{id}", "OOOOOOU"),
    ("POST /v1/groups/{id}/sub-groups", "OFFFFFU"),
    ("POST /v1/groups/{id}/members", "OFFFFFU"),
    ("POST /v1/groups/{id}/members/{team_id}/leave", "OFFFFFU"),
    ("POST /v1/projects", "OOFFFFU"),
    ("GET /v1/projects", "OOOFFOU"),
    ("GET /v1/projects/{id}", "OOOFFOU"),
    ("POST /v1/projects/{id}/status", "OOFFFFU"),
    ("GET /v1/evaluation", "OOOFFOU"),
    ("GET /v1/evaluation/teams", "OOOFFOU"),
    ("GET /v1/scoring", "OOOOOOU"),
    ("PUT /v1/scoring", "OFFFFFU"),
    ("GET /v1/events", "OFFFFOU"),
    ("GET /v1/audit/head", "OFFFFOU"),
    ("GET /v1/audit/verify", "OFFFFOU"),
    ("POST /v1/tokens", "OFFFFFU"),
    ("DELETE /v1/tokens/{id}", "OFFFFFU"),
    ("GET /healthz", "OOOOOOO"),
    ("GET /metrics", "OOOOOOO"),
    ("GET /openapi.json", "OOOOOOO"),
];

#[tokio::test]
async fn every_route_by_every_role_is_allowed_or_refused_as_the_design_says() {
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
    let world = World {
        city,
        server,
        v2,
        cheap_reward,
        group,
    };
    let mut failures = Vec::new();
    for (route, expected) in MATRIX {
        for (role, want) in ROLES.iter().zip(expected.chars()) {
            let reply = world.cell(route, *role).await;
            let got = match reply.status.as_u16() {
                200..=299 => 'O',
                401 => 'U',
                403 => 'F',
                _ => '?',
            };
            if got != want {
                failures.push(format!(
                    "{route} as {role:?}: expected {want}, got {} {}",
                    reply.status, reply.body
                ));
            } else if got != 'O' {
                reply.problem(reply.status.as_u16());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every route of the service is in the matrix.
    let spec = world.server.anonymous().get("/openapi.json").await.ok();
    let mut documented = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    for route in &documented {
        assert!(
            MATRIX.iter().any(|(r, _)| r == route),
            "{route} is missing from the auth matrix"
        );
    }
}
