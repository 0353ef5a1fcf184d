//! The auth matrix: every route x every role, own and other scope, as one table.
//!
//! Roles: A admin, C the team's coordinator, C2 another team's coordinator, V the volunteer
//! acting on their own things, V2 a volunteer of another team acting on V's things,
//! R auditor, N no token, G the coordinator of the city's group (银雁协共体). `O` = allowed
//! (2xx), `F` = 403, `U` = 401.

mod common;

use common::world::{World, ROLES};

/// Expected outcome per role, in the order A C C2 V V2 R N G.
const MATRIX: &[(&str, &str)] = &[
    ("POST /v1/teams", "OFFFFFUF"),
    ("GET /v1/teams", "OOOOOOUO"),
    ("GET /v1/teams/{id}", "OOOOOOUO"),
    ("POST /v1/volunteers", "OOFFFFUF"),
    ("GET /v1/volunteers", "OOFFFOUF"),
    ("GET /v1/volunteers/{id}", "OOFOFOUF"),
    ("GET /v1/volunteers/{id}/statement", "OOFOFOUF"),
    ("POST /v1/volunteers/{id}/move", "OFFFFFUF"),
    ("POST /v1/activities", "FOFFFFUF"),
    ("GET /v1/activities", "OOFFFOUF"),
    ("GET /v1/activities/{id}", "OOFOFOUF"),
    ("POST /v1/activities/{id}/reversal", "OOFFFFUF"),
    (
        "POST /v1/activities/{id}/participants/{volunteer_id}/correction",
        "OOFFFFUF",
    ),
    ("GET /v1/rules", "OOOOOOUO"),
    ("PUT /v1/rules", "OFFFFFUF"),
    ("GET /v1/rules/versions", "OOOOOOUO"),
    ("POST /v1/rules/versions", "OFFFFFUF"),
    ("GET /v1/rerating", "OOOFFOUO"),
    ("POST /v1/rerating", "OFFFFFUF"),
    ("GET /v1/categories", "OOOOOOUO"),
    ("GET /v1/categories/{code}", "OOOOOOUO"),
    ("POST /v1/categories", "OFFFFFUF"),
    ("POST /v1/categories/{code}/rename", "OFFFFFUF"),
    ("POST /v1/categories/{code}/retire", "OFFFFFUF"),
    ("GET /v1/stars/scale", "OOOOOOUO"),
    ("POST /v1/stars/scale", "OFFFFFUF"),
    ("GET /v1/stars/pending", "OOOOOOUO"),
    ("POST /v1/stars/pending/{volunteer_id}/confirm", "OFFFFFUF"),
    ("GET /v1/policies", "OOOOOOUO"),
    ("PUT /v1/policies/hold-time", "OFFFFFUF"),
    ("PUT /v1/policies/backfill-limit", "OFFFFFUF"),
    ("GET /v1/backfills", "OOFFFOUF"),
    ("POST /v1/backfills/{id}/approve", "OFFFFFUF"),
    ("POST /v1/backfills/{id}/decline", "OFFFFFUF"),
    ("POST /v1/rewards", "OFFFFFUF"),
    ("GET /v1/rewards", "OOOOOOUO"),
    ("POST /v1/rewards/{id}/restock", "OFFFFFUF"),
    ("POST /v1/rewards/{id}/reprice", "OFFFFFUF"),
    ("POST /v1/rewards/{id}/retire", "OFFFFFUF"),
    ("POST /v1/redemptions", "OFFOFFUF"),
    ("GET /v1/redemptions", "OOOOOOUO"),
    ("GET /v1/redemptions/{id}", "OOFOFOUF"),
    ("POST /v1/redemptions/{id}/fulfil", "OFFFFFUF"),
    ("POST /v1/redemptions/{id}/cancel", "OFFOFFUF"),
    ("GET /v1/rankings/teams", "OOOOOOUO"),
    ("GET /v1/rankings/volunteers", "OOOOOOUO"),
    ("GET /v1/rankings/districts", "OOOOOOUO"),
    ("GET /v1/stats", "OOOOOOUO"),
    ("GET /v1/rankings/groups", "OOOOOOUO"),
    ("POST /v1/districts", "OFFFFFUF"),
    ("GET /v1/districts", "OOOOOOUO"),
    ("POST /v1/groups", "OFFFFFUF"),
    ("GET /v1/groups", "OOOOOOUO"),
    ("GET /v1/groups/{id}", "OOOOOOUO"),
    ("POST /v1/groups/{id}/sub-groups", "OFFFFFUF"),
    ("POST /v1/groups/{id}/members", "OFFFFFUO"),
    ("POST /v1/groups/{id}/members/{team_id}/leave", "OFFFFFUO"),
    ("POST /v1/projects", "OOFFFFUF"),
    ("GET /v1/projects", "OOOFFOUO"),
    ("GET /v1/projects/{id}", "OOOFFOUO"),
    ("POST /v1/projects/{id}/status", "OOFFFFUF"),
    ("GET /v1/evaluation", "OOOFFOUO"),
    ("GET /v1/evaluation/teams", "OOOFFOUO"),
    ("GET /v1/scoring", "OOOOOOUO"),
    ("PUT /v1/scoring", "OFFFFFUF"),
    ("GET /v1/events", "OFFFFOUF"),
    ("GET /v1/audit/head", "OFFFFOUF"),
    ("GET /v1/audit/verify", "OFFFFOUF"),
    ("POST /v1/tokens", "OFFFFFUF"),
    ("DELETE /v1/tokens/{id}", "OFFFFFUF"),
    ("GET /v1/tokens", "OOFFFOUF"),
    ("GET /v1/access-log", "FFFFFOUF"),
    ("POST /v1/tokens/{id}/replace", "OOFFFFUF"),
    ("GET /healthz", "OOOOOOOO"),
    ("GET /metrics", "OOOOOOOO"),
    ("GET /openapi.json", "OOOOOOOO"),
];

#[tokio::test]
async fn every_route_by_every_role_is_allowed_or_refused_as_the_design_says() {
    let world = World::build().await;
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

/// Expected outcome of every web page per role, in the order A C C2 V V2 R N G. `O` = the
/// page (200), `F` = "not for you" (403), `U` = "please sign in" (401). The same policy as
/// the routes: a page shows what the route behind it would answer.
const PAGES: &[(&str, &str)] = &[
    ("/", "OOOOOOOO"),
    ("/me", "FFFOOFUF"),
    ("/me/statement", "FFFOOFUF"),
    ("/me/redemptions", "FFFOOFUF"),
    ("/station", "OOOOOOUO"),
    ("/station/{reward}", "FFFOOFUF"),
    ("/rankings", "OOOOOOUO"),
    ("/rules", "OOOOOOUO"),
    ("/categories", "OOOOOOUO"),
    ("/stars", "OOOOOOUO"),
    ("/policies", "OOOOOOUO"),
    ("/evaluation", "OOOFFOUO"),
    ("/evaluation.csv", "OOOFFOUO"),
    ("/projects/{project}", "OOOFFOUO"),
    ("/group", "FFFFFFUO"),
    ("/team", "FOOFFFUF"),
    ("/team/volunteers", "FOOFFFUF"),
    ("/team/volunteers/new", "FOOFFFUF"),
    ("/team/activities", "FOOFFFUF"),
    ("/team/activities/new", "FOOFFFUF"),
    ("/team/activities/{activity}/correct", "FOFFFFUF"),
    ("/team/cards", "FOOFFFUF"),
    ("/counter", "OFFFFFUF"),
    ("/tokens", "OFFFFOUF"),
    ("/audit", "OFFFFOUF"),
    ("/audit/verify", "OFFFFOUF"),
    ("/audit/events", "OFFFFOUF"),
    ("/audit/access", "FFFFFOUF"),
];

#[tokio::test]
async fn every_page_by_every_role_is_shown_or_refused_as_the_access_policy_says() {
    let world = World::build().await;
    let project = world
        .city
        .admin
        .post("/v1/projects", serde_json::json!({"team_id": world.city.team, "title": "看项目", "category": "mediation", "starts_on": common::days_ago(5)}))
        .await
        .id();
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for (page, expected) in PAGES {
        let path = page
            .replace("{reward}", &world.cheap_reward)
            .replace("{project}", &project)
            .replace("{activity}", &world.city.activity);
        for (role, want) in ROLES.iter().zip(expected.chars()) {
            let mut request = http.get(format!("{}{path}", world.server.base));
            if let Some(token) = &world.client(*role).token {
                // The web app's session cookie holds the token, hex-encoded.
                let hexed: String = token.bytes().map(|b| format!("{b:02x}")).collect();
                request = request.header("cookie", format!("yl_session={hexed}"));
            }
            let reply = request.send().await.expect("page");
            let status = reply.status().as_u16();
            let got = match status {
                200..=299 => 'O',
                401 => 'U',
                403 => 'F',
                _ => '?',
            };
            if got != want {
                failures.push(format!("{page} as {role:?}: expected {want}, got {status}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
