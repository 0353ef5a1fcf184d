//! The auth matrix: every route x every role, own and other scope, as one table.
//!
//! Roles: A admin, C the team's coordinator, C2 another team's coordinator, V the volunteer
//! acting on their own things, V2 a volunteer of another team acting on V's things,
//! R auditor, N no token, G the coordinator of the city's group (银雁协共体), K a clerk at
//! the e-station counter. `O` = allowed (2xx), `F` = 403, `U` = 401.

mod common;

use common::world::{World, ROLES};

/// Expected outcome per role, in the order A C C2 V V2 R N G K.
const MATRIX: &[(&str, &str)] = &[
    ("POST /v1/teams", "OFFFFFUFF"),
    ("GET /v1/teams", "OOOOOOUOO"),
    ("GET /v1/teams/{id}", "OOOOOOUOO"),
    ("POST /v1/volunteers", "OOFFFFUFF"),
    ("GET /v1/volunteers", "OOFFFOUFF"),
    ("GET /v1/volunteers/{id}", "OOFOFOUFO"),
    ("GET /v1/volunteers/{id}/statement", "OOFOFOUFO"),
    ("POST /v1/volunteers/{id}/move", "OFFFFFUFF"),
    ("POST /v1/activities", "FOFFFFUFF"),
    ("GET /v1/activities", "OOFFFOUFF"),
    ("GET /v1/activities/{id}", "OOFOFOUFF"),
    ("POST /v1/activities/{id}/reversal", "OOFFFFUFF"),
    (
        "POST /v1/activities/{id}/participants/{volunteer_id}/correction",
        "OOFFFFUFF",
    ),
    ("GET /v1/rules", "OOOOOOUOO"),
    ("PUT /v1/rules", "OFFFFFUFF"),
    ("GET /v1/rules/versions", "OOOOOOUOO"),
    ("POST /v1/rules/versions", "OFFFFFUFF"),
    ("GET /v1/rerating", "OOOFFOUOF"),
    ("POST /v1/rerating", "OFFFFFUFF"),
    ("GET /v1/categories", "OOOOOOUOO"),
    ("GET /v1/categories/{code}", "OOOOOOUOO"),
    ("POST /v1/categories", "OFFFFFUFF"),
    ("POST /v1/categories/{code}/rename", "OFFFFFUFF"),
    ("POST /v1/categories/{code}/retire", "OFFFFFUFF"),
    ("GET /v1/stars/scale", "OOOOOOUOO"),
    ("POST /v1/stars/scale", "OFFFFFUFF"),
    ("GET /v1/stars/pending", "OOOOOOUOO"),
    ("POST /v1/stars/pending/{volunteer_id}/confirm", "OFFFFFUFF"),
    ("GET /v1/policies", "OOOOOOUOO"),
    ("PUT /v1/policies/hold-time", "OFFFFFUFF"),
    ("PUT /v1/policies/backfill-limit", "OFFFFFUFF"),
    ("GET /v1/backfills", "OOFFFOUFF"),
    ("POST /v1/backfills/{id}/approve", "OFFFFFUFF"),
    ("POST /v1/backfills/{id}/decline", "OFFFFFUFF"),
    ("POST /v1/rewards", "OFFFFFUFF"),
    ("GET /v1/rewards", "OOOOOOUOO"),
    ("POST /v1/rewards/{id}/restock", "OFFFFFUFO"),
    ("POST /v1/rewards/{id}/reprice", "OFFFFFUFF"),
    ("POST /v1/rewards/{id}/retire", "OFFFFFUFF"),
    ("POST /v1/redemptions", "OFFOFFUFO"),
    ("GET /v1/redemptions", "OOOOOOUOO"),
    ("GET /v1/redemptions/{id}", "OOFOFOUFO"),
    ("POST /v1/redemptions/{id}/fulfil", "OFFFFFUFO"),
    ("POST /v1/redemptions/{id}/cancel", "OFFOFFUFO"),
    ("GET /v1/rankings/teams", "OOOOOOUOO"),
    ("GET /v1/rankings/volunteers", "OOOOOOUOO"),
    ("GET /v1/rankings/districts", "OOOOOOUOO"),
    ("GET /v1/stats", "OOOOOOUOO"),
    ("GET /v1/rankings/groups", "OOOOOOUOO"),
    ("POST /v1/districts", "OFFFFFUFF"),
    ("GET /v1/districts", "OOOOOOUOO"),
    ("POST /v1/groups", "OFFFFFUFF"),
    ("GET /v1/groups", "OOOOOOUOO"),
    ("GET /v1/groups/{id}", "OOOOOOUOO"),
    ("POST /v1/groups/{id}/sub-groups", "OFFFFFUFF"),
    ("POST /v1/groups/{id}/members", "OFFFFFUOF"),
    ("POST /v1/groups/{id}/members/{team_id}/leave", "OFFFFFUOF"),
    ("POST /v1/projects", "OOFFFFUFF"),
    ("GET /v1/projects", "OOOFFOUOF"),
    ("GET /v1/projects/{id}", "OOOFFOUOF"),
    ("POST /v1/projects/{id}/status", "OOFFFFUFF"),
    ("GET /v1/evaluation", "OOOFFOUOF"),
    ("GET /v1/evaluation/teams", "OOOFFOUOF"),
    ("GET /v1/scoring", "OOOOOOUOO"),
    ("PUT /v1/scoring", "OFFFFFUFF"),
    ("GET /v1/events", "OFFFFOUFF"),
    ("GET /v1/audit/head", "OFFFFOUFF"),
    ("GET /v1/audit/verify", "OFFFFOUFF"),
    ("POST /v1/tokens", "OFFFFFUFF"),
    ("DELETE /v1/tokens/{id}", "OFFFFFUFF"),
    ("GET /v1/tokens", "OOFFFOUFF"),
    ("GET /v1/access-log", "FFFFFOUFF"),
    ("POST /v1/tokens/{id}/replace", "OOFFFFUFF"),
    ("GET /healthz", "OOOOOOOOO"),
    ("GET /metrics", "OOOOOOOOO"),
    ("GET /openapi.json", "OOOOOOOOO"),
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

/// Expected outcome of every web page per role, in the order A C C2 V V2 R N G K. `O` = the
/// page (200), `F` = "not for you" (403), `U` = "please sign in" (401). The same policy as
/// the routes: a page shows what the route behind it would answer.
const PAGES: &[(&str, &str)] = &[
    ("/", "OOOOOOOOO"),
    ("/me", "FFFOOFUFF"),
    ("/me/statement", "FFFOOFUFF"),
    ("/me/redemptions", "FFFOOFUFF"),
    ("/station", "OOOOOOUOO"),
    ("/station/{reward}", "FFFOOFUFF"),
    ("/rankings", "OOOOOOUOO"),
    ("/rules", "OOOOOOUOO"),
    ("/categories", "OOOOOOUOO"),
    ("/stars", "OOOOOOUOO"),
    ("/policies", "OOOOOOUOO"),
    ("/evaluation", "OOOFFOUOF"),
    ("/evaluation.csv", "OOOFFOUOF"),
    ("/projects/{project}", "OOOFFOUOF"),
    ("/group", "FFFFFFUOF"),
    ("/team", "FOOFFFUFF"),
    ("/team/volunteers", "FOOFFFUFF"),
    ("/team/volunteers/new", "FOOFFFUFF"),
    ("/team/activities", "FOOFFFUFF"),
    ("/team/activities/new", "FOOFFFUFF"),
    ("/team/activities/{activity}/correct", "FOFFFFUFF"),
    ("/team/cards", "FOOFFFUFF"),
    ("/counter", "OFFFFFUFO"),
    ("/tokens", "OFFFFOUFF"),
    ("/audit", "OFFFFOUFF"),
    ("/audit/verify", "OFFFFOUFF"),
    ("/audit/events", "OFFFFOUFF"),
    ("/audit/access", "FFFFFOUFF"),
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
