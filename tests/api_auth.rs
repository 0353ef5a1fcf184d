//! The auth matrix: every route x every role, own and other scope, as one table.
//!
//! Roles: A admin, C the team's coordinator, C2 another team's coordinator, V the volunteer
//! acting on their own things, V2 a volunteer of another team acting on V's things,
//! R auditor, N no token, G the coordinator of the city's group (银雁协共体), K a clerk at
//! the first e-station's counter, D the coordinator of the city team's district (南浔区),
//! D2 the coordinator of another district (安吉县), B an officer of the partner bank
//! (湖州银行). `O` = allowed (2xx), `F` = 403, `U` = 401.

mod common;

use common::world::{World, ROLES};

/// Expected outcome per role, in the order A C C2 V V2 R N G K D D2 B.
const MATRIX: &[(&str, &str)] = &[
    ("POST /v1/teams", "OFFFFFUFFFFF"),
    ("GET /v1/teams", "OOOOOOUOOOOO"),
    ("GET /v1/teams/{id}", "OOOOOOUOOOOO"),
    ("POST /v1/volunteers", "OOFFFFUFFOFF"),
    ("GET /v1/volunteers", "OOFFFOUFFOFF"),
    ("GET /v1/volunteers/{id}", "OOFOFOUFOOFF"),
    ("GET /v1/volunteers/{id}/statement", "OOFOFOUFOOFF"),
    ("POST /v1/volunteers/{id}/move", "OFFFFFUFFFFF"),
    ("POST /v1/activities", "FOFFFFUFFOFF"),
    ("GET /v1/activities", "OOFFFOUFFOFF"),
    ("GET /v1/activities/{id}", "OOFOFOUFFOFF"),
    ("POST /v1/activities/{id}/reversal", "OOFFFFUFFOFF"),
    (
        "POST /v1/activities/{id}/participants/{volunteer_id}/correction",
        "OOFFFFUFFOFF",
    ),
    ("GET /v1/rules", "OOOOOOUOOOOO"),
    ("PUT /v1/rules", "OFFFFFUFFFFF"),
    ("GET /v1/rules/versions", "OOOOOOUOOOOO"),
    ("POST /v1/rules/versions", "OFFFFFUFFFFF"),
    ("GET /v1/rerating", "OOOFFOUOFOOF"),
    ("POST /v1/rerating", "OFFFFFUFFFFF"),
    ("GET /v1/categories", "OOOOOOUOOOOO"),
    ("GET /v1/categories/{code}", "OOOOOOUOOOOO"),
    ("POST /v1/categories", "OFFFFFUFFFFF"),
    ("POST /v1/categories/{code}/rename", "OFFFFFUFFFFF"),
    ("POST /v1/categories/{code}/retire", "OFFFFFUFFFFF"),
    ("GET /v1/stars/scale", "OOOOOOUOOOOO"),
    ("POST /v1/stars/scale", "OFFFFFUFFFFF"),
    ("GET /v1/stars/pending", "OOOOOOUOOOOO"),
    (
        "POST /v1/stars/pending/{volunteer_id}/confirm",
        "OFFFFFUFFFFF",
    ),
    ("GET /v1/policies", "OOOOOOUOOOOO"),
    ("PUT /v1/policies/hold-time", "OFFFFFUFFFFF"),
    ("PUT /v1/policies/backfill-limit", "OFFFFFUFFFFF"),
    ("GET /v1/backfills", "OOFFFOUFFOFF"),
    ("POST /v1/backfills/{id}/approve", "OFFFFFUFFFFF"),
    ("POST /v1/backfills/{id}/decline", "OFFFFFUFFFFF"),
    ("POST /v1/rewards", "OFFFFFUFFFFF"),
    ("GET /v1/rewards", "OOOOOOUOOOOO"),
    ("POST /v1/rewards/{id}/restock", "OFFFFFUFOFFF"),
    ("POST /v1/rewards/{id}/write-off", "OFFFFFUFOFFF"),
    ("POST /v1/rewards/{id}/reprice", "OFFFFFUFFFFF"),
    ("POST /v1/rewards/{id}/retire", "OFFFFFUFFFFF"),
    ("POST /v1/redemptions", "OFFOFFUFOFFF"),
    ("GET /v1/redemptions", "OOOOOOUOOOOO"),
    ("GET /v1/redemptions/{id}", "OOFOFOUFOOFF"),
    ("POST /v1/redemptions/{id}/fulfil", "OFFFFFUFOFFF"),
    ("POST /v1/redemptions/{id}/cancel", "OFFOFFUFOFFF"),
    ("GET /v1/rankings/teams", "OOOOOOUOOOOO"),
    ("GET /v1/rankings/volunteers", "OOOOOOUOOOOO"),
    ("GET /v1/rankings/districts", "OOOOOOUOOOOO"),
    ("GET /v1/stats", "OOOOOOUOOOOO"),
    ("GET /v1/rankings/groups", "OOOOOOUOOOOO"),
    ("POST /v1/districts", "OFFFFFUFFFFF"),
    ("GET /v1/districts", "OOOOOOUOOOOO"),
    ("POST /v1/groups", "OFFFFFUFFFFF"),
    ("GET /v1/groups", "OOOOOOUOOOOO"),
    ("GET /v1/groups/{id}", "OOOOOOUOOOOO"),
    ("POST /v1/groups/{id}/sub-groups", "OFFFFFUFFFFF"),
    ("POST /v1/groups/{id}/members", "OFFFFFUOFFFF"),
    (
        "POST /v1/groups/{id}/members/{team_id}/leave",
        "OFFFFFUOFFFF",
    ),
    ("POST /v1/projects", "OOFFFFUFFOFF"),
    ("GET /v1/projects", "OOOFFOUOFOOF"),
    ("GET /v1/projects/{id}", "OOOFFOUOFOOF"),
    ("POST /v1/projects/{id}/status", "OOFFFFUFFOFF"),
    ("GET /v1/evaluation", "OOOFFOUOFOOF"),
    ("GET /v1/evaluation/teams", "OOOFFOUOFOOF"),
    ("GET /v1/scoring", "OOOOOOUOOOOO"),
    ("PUT /v1/scoring", "OFFFFFUFFFFF"),
    ("GET /v1/events", "OFFFFOUFFFFF"),
    ("GET /v1/audit/head", "OFFFFOUFFFFF"),
    ("GET /v1/audit/verify", "OFFFFOUFFFFF"),
    ("POST /v1/tokens", "OFFFFFUFFFFF"),
    ("DELETE /v1/tokens/{id}", "OFFFFFUFFFFF"),
    ("GET /v1/tokens", "OOFFFOUFFOFF"),
    ("GET /v1/access-log", "FFFFFOUFFFFF"),
    ("POST /v1/tokens/{id}/replace", "OOFFFFUFFOFF"),
    ("PUT /v1/tokens/{id}/last-day", "OFFFFFUFFFFF"),
    ("GET /healthz", "OOOOOOOOOOOO"),
    ("GET /metrics", "OOOOOOOOOOOO"),
    ("GET /openapi.json", "OOOOOOOOOOOO"),
    ("POST /v1/stations", "OFFFFFUFFFFF"),
    ("GET /v1/stations", "OOOOOOUOOOOO"),
    ("GET /v1/stations/{id}/queue", "OFFFFOUFOFFF"),
    ("POST /v1/stock-transfers", "OFFFFFUFFFFF"),
    ("POST /v1/counter/lookup", "OFFFFFUFOFFF"),
    ("PUT /v1/volunteers/{id}/phone", "OOFOFFUFFOFF"),
    ("PUT /v1/volunteers/{id}/pin", "OOFOFFUFFOFF"),
    ("GET /v1/banks/{bank}/vouchers", "OFFFFOUFFFFO"),
    ("POST /v1/vouchers/check", "OFFFFOUFFFFO"),
    ("POST /v1/onboard", "OFFFFFUFFFFF"),
    ("POST /v1/vouchers/use", "FFFFFFUFFFFO"),
    ("POST /v1/vouchers/refuse", "FFFFFFUFFFFO"),
    ("POST /v1/vouchers/{id}/cancel", "OFFFFFUFFFFF"),
    ("PUT /v1/banks/{bank}/budget", "OFFFFFUFFFFF"),
    ("GET /v1/banks/{bank}/budget", "OFFFFOUFFFFO"),
    ("PUT /v1/rewards/{id}/value", "OFFFFFUFFFFF"),
    ("POST /v1/rewards/{id}/receipts", "OFFFFFUFOFFF"),
    ("GET /v1/reports/suppliers", "OOOFFOUOFOOF"),
    ("GET /v1/reports/banks", "OOOFFOUOFOOF"),
    ("GET /v1/reports/redeemed", "OOOFFOUOFOOF"),
    ("GET /v1/reports/coverage", "OOOFFOUOFOOF"),
    ("PUT /v1/policies/voucher-validity", "OFFFFFUFFFFF"),
    ("PUT /v1/policies/point-value", "OFFFFFUFFFFF"),
    ("PUT /v1/policies/coverage-warning", "OFFFFFUFFFFF"),
    ("POST /v1/volunteers/{id}/erasure", "OFFFFFUFFFFF"),
    ("POST /v1/volunteers/{id}/consents", "OOFOFFUFFOFF"),
    ("POST /v1/volunteers/{id}/consents/withdraw", "OOFOFFUFFOFF"),
    ("PUT /v1/privacy-notice", "OFFFFFUFFFFF"),
    ("GET /v1/privacy-notice", "OOOOOOUOOOOO"),
    ("PUT /v1/policies/notice-period", "OFFFFFUFFFFF"),
    ("POST /v1/disputes", "OOFOFFUFOOFF"),
    ("POST /v1/disputes/{id}/resolve", "OOFFFFUFFOFF"),
    ("GET /v1/disputes", "OOOOOOUFFOOF"),
    ("PUT /v1/policies/dispute-escalation", "OFFFFFUFFFFF"),
    (
        "POST /v1/activities/{id}/confirmation-codes",
        "FOFFFFUFFOFF",
    ),
    (
        "POST /v1/activities/{id}/waive-confirmation",
        "OFFFFFUFFFFF",
    ),
    ("GET /v1/confirmations/{code}", "OOOOOOOOOOOO"),
    ("POST /v1/confirmations", "OFOFOOOOOFOO"),
    ("PUT /v1/volunteers/{id}/notice-contacts", "OOFOFFUFFOFF"),
    ("GET /v1/volunteers/{id}/notices", "OOFOFOUFFOFF"),
    ("GET /v1/notices/outbox", "OFFFFOUFFFFF"),
    ("PUT /v1/policies/confirmation-required", "OFFFFFUFFFFF"),
    ("GET /v1/log/tree", "OOOOOOOOOOOO"),
    ("GET /v1/log/proofs/inclusion", "OOOOOOOOOOOO"),
    ("GET /v1/log/proofs/consistency", "OOOOOOOOOOOO"),
    ("GET /v1/log/checkpoint", "OOOOOOOOOOOO"),
    ("GET /v1/log/checkpoints", "OOOOOOOOOOOO"),
    ("GET /v1/log/checkpoint-key", "OOOOOOOOOOOO"),
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

/// Expected outcome of every web page per role, in the order A C C2 V V2 R N G K D D2 B. `O` = the
/// page (200), `F` = "not for you" (403), `U` = "please sign in" (401). The same policy as
/// the routes: a page shows what the route behind it would answer.
const PAGES: &[(&str, &str)] = &[
    ("/", "OOOOOOOOOOOO"),
    ("/privacy", "OOOOOOOOOOOO"),
    ("/notice/{team}", "OOOOOOOOOOOO"),
    ("/me", "FFFOOFUFFFFF"),
    ("/me/statement", "FFFOOFUFFFFF"),
    ("/me/statement.csv", "FFFOOFUFFFFF"),
    ("/me/redemptions", "FFFOOFUFFFFF"),
    ("/station", "OOOOOOUOOOOO"),
    ("/station/{reward}", "FFFOOFUFFFFF"),
    ("/rankings", "OOOOOOUOOOOO"),
    ("/rules", "OOOOOOUOOOOO"),
    ("/categories", "OOOOOOUOOOOO"),
    ("/stars", "OOOOOOUOOOOO"),
    ("/policies", "OOOOOOUOOOOO"),
    ("/evaluation", "OOOFFOUOFOOF"),
    ("/evaluation.csv", "OOOFFOUOFOOF"),
    ("/evaluation.xlsx", "OOOFFOUOFOOF"),
    ("/projects/{project}", "OOOFFOUOFOOF"),
    ("/group", "FFFFFFUOFFFF"),
    ("/team", "FOOFFFUFFFFF"),
    ("/team/volunteers", "FOOFFFUFFFFF"),
    ("/team/disputes", "FOOFFFUFFFFF"),
    ("/district/disputes", "FFFFFFUFFOOF"),
    ("/policies/disputes", "OFFFFFUFFFFF"),
    ("/team/statements", "FOOFFFUFFFFF"),
    ("/team/volunteers/new", "FOOFFFUFFFFF"),
    ("/team/activities", "FOOFFFUFFFFF"),
    ("/team/activities/new", "FOOFFFUFFFFF"),
    ("/team/activities/{activity}/correct", "FOFFFFUFFFFF"),
    ("/team/cards", "FOOFFFUFFFFF"),
    ("/counter", "OFFFFFUFOFFF"),
    ("/counter/today", "OFFFFFUFOFFF"),
    ("/tokens", "OFFFFOUFFFFF"),
    ("/audit", "OFFFFOUFFFFF"),
    ("/audit/verify", "OFFFFOUFFFFF"),
    ("/audit/events", "OFFFFOUFFFFF"),
    ("/audit/access", "FFFFFOUFFFFF"),
    ("/stations", "OOOOOOUOOOOO"),
    ("/district", "FFFFFFUFFOOF"),
    ("/bank", "OFFFFOUFFFFO"),
    ("/me/pin", "FFFOOFUFFFFF"),
    ("/money", "OOOFFOUOFOOF"),
    ("/money/banks.xlsx", "OOOFFOUOFOOF"),
    ("/money/redeemed-month.csv", "OOOFFOUOFOOF"),
    ("/onboard", "OFFFFFUFFFFF"),
    ("/onboard/template.xlsx", "OFFFFFUFFFFF"),
    ("/onboard/roster.xlsx", "OFFFFFUFFFFF"),
    ("/team/volunteers/{volunteer}", "OOFFFFUFFOFF"),
    ("/counter/receipts/{redemption}", "OFFFFFUFOFFF"),
    ("/district/activities/new?team={team}", "FFFFFFUFFOFF"),
    ("/team/cards?team={team}", "OOOFFFUFFOFF"),
    ("/confirm", "OOOOOOOOOOOO"),
    ("/checkpoint", "OOOOOOOOOOOO"),
    ("/team/activities/{activity}/confirmation", "OOFFFFUFFOFF"),
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
    let redemption = world
        .city
        .admin
        .post("/v1/redemptions", serde_json::json!({"volunteer_id": world.city.volunteers[0], "reward_id": world.cheap_reward, "quantity": 1}))
        .await
        .id();
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for (page, expected) in PAGES {
        let path = page
            .replace("{reward}", &world.cheap_reward)
            .replace("{project}", &project)
            .replace("{activity}", &world.city.activity)
            .replace("{volunteer}", &world.city.volunteers[0])
            .replace("{redemption}", &redemption)
            .replace("{team}", &world.city.team);
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
