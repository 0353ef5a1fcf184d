//! The auth matrix: every route x every role, own and other scope, as one table.
//!
//! Roles: A admin, C the team's coordinator, C2 another team's coordinator, V the volunteer
//! acting on their own things, V2 a volunteer of another team acting on V's things,
//! R auditor, N no token. `O` = allowed (2xx), `F` = 403, `U` = 401.

mod common;

use common::world::{World, ROLES};

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
    (
        "POST /v1/activities/{id}/participants/{volunteer_id}/correction",
        "OOFFFFU",
    ),
    ("GET /v1/rules", "OOOOOOU"),
    ("PUT /v1/rules", "OFFFFFU"),
    ("GET /v1/rules/versions", "OOOOOOU"),
    ("POST /v1/rules/versions", "OFFFFFU"),
    ("GET /v1/rerating", "OOOFFOU"),
    ("POST /v1/rerating", "OFFFFFU"),
    ("GET /v1/categories", "OOOOOOU"),
    ("GET /v1/categories/{code}", "OOOOOOU"),
    ("POST /v1/categories", "OFFFFFU"),
    ("POST /v1/categories/{code}/rename", "OFFFFFU"),
    ("POST /v1/categories/{code}/retire", "OFFFFFU"),
    ("GET /v1/stars/scale", "OOOOOOU"),
    ("POST /v1/stars/scale", "OFFFFFU"),
    ("GET /v1/stars/pending", "OOOOOOU"),
    ("POST /v1/stars/pending/{volunteer_id}/confirm", "OFFFFFU"),
    ("GET /v1/policies", "OOOOOOU"),
    ("PUT /v1/policies/hold-time", "OFFFFFU"),
    ("PUT /v1/policies/backfill-limit", "OFFFFFU"),
    ("GET /v1/backfills", "OOFFFOU"),
    ("POST /v1/backfills/{id}/approve", "OFFFFFU"),
    ("POST /v1/backfills/{id}/decline", "OFFFFFU"),
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

/// Expected outcome of every web page per role, in the order A C C2 V V2 R N. `O` = the
/// page (200), `F` = "not for you" (403), `U` = "please sign in" (401). The same policy as
/// the routes: a page shows what the route behind it would answer.
const PAGES: &[(&str, &str)] = &[
    ("/", "OOOOOOO"),
    ("/me", "FFFOOFU"),
    ("/me/statement", "FFFOOFU"),
    ("/me/redemptions", "FFFOOFU"),
    ("/station", "OOOOOOU"),
    ("/station/{reward}", "FFFOOFU"),
    ("/rankings", "OOOOOOU"),
    ("/rules", "OOOOOOU"),
    ("/categories", "OOOOOOU"),
    ("/stars", "OOOOOOU"),
    ("/policies", "OOOOOOU"),
    ("/evaluation", "OOOFFOU"),
    ("/evaluation.csv", "OOOFFOU"),
    ("/projects/{project}", "OOOFFOU"),
    ("/team", "FOOFFFU"),
    ("/team/volunteers", "FOOFFFU"),
    ("/team/volunteers/new", "FOOFFFU"),
    ("/team/activities", "FOOFFFU"),
    ("/team/activities/new", "FOOFFFU"),
    ("/team/activities/{activity}/correct", "FOFFFFU"),
    ("/team/cards", "FOOFFFU"),
    ("/counter", "OFFFFFU"),
    ("/audit", "OFFFFOU"),
    ("/audit/verify", "OFFFFOU"),
    ("/audit/events", "OFFFFOU"),
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
