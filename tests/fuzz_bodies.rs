//! Property-based fuzzing of every command body against the live server: arbitrary JSON and
//! mutations of valid bodies get a 2xx or a 4xx problem, never a 5xx, never a dropped
//! connection. `YINLING_FUZZ_CASES` sets the cases per route (64 by default).

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{json, Map, Value};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "2.5",
            "-1",
            "1e3",
            "NaN",
            "24.001",
            "2026-02-30",
            "0",
            "",
            "🙂",
            "00000000-0000-0000-0000-000000000000"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A valid body with one field dropped, replaced by arbitrary JSON, or an extra field added.
fn mutate(valid: Value) -> impl Strategy<Value = Value> {
    let keys: Vec<String> = valid
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let n = keys.len().max(1);
    (0..3u8, 0..n, arbitrary_json()).prop_map(move |(how, i, junk)| {
        let mut body = valid.clone();
        if let (Some(map), Some(key)) = (body.as_object_mut(), keys.get(i)) {
            match how {
                0 => {
                    map.remove(key);
                }
                1 => {
                    map.insert(key.clone(), junk);
                }
                _ => {
                    map.insert("unexpected".into(), junk);
                }
            }
        }
        body
    })
}

#[test]
fn arbitrary_command_bodies_never_get_a_server_error() {
    let cases: u32 = std::env::var("YINLING_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = Server::start();
    let city = rt.block_on(City::build(&server, 3));
    let held = rt.block_on(city.volunteer_clients[0].post(
        "/v1/redemptions",
        json!({"volunteer_id": city.volunteers[0], "reward_id": city.reward, "quantity": 1}),
    ));
    let held = held.id();
    let routes: Vec<(Client, Method, String, Value)> = vec![
        (
            city.admin.clone(),
            Method::POST,
            "/v1/teams".into(),
            json!({"name": "新队", "district": "吴兴区", "category": "lecture"}),
        ),
        (
            city.coordinator.clone(),
            Method::POST,
            "/v1/volunteers".into(),
            json!({"name": "新人", "team_id": city.team, "birth_year": 1960}),
        ),
        (
            city.admin.clone(),
            Method::POST,
            format!("/v1/volunteers/{}/move", city.volunteers[2]),
            json!({"team_id": city.other_team}),
        ),
        (
            city.coordinator.clone(),
            Method::POST,
            "/v1/activities".into(),
            json!({"team_id": city.team, "category": "mediation", "date": days_ago(5), "title": "调解",
            "participants": [{"volunteer_id": city.volunteers[0], "hours": "0.25"}], "outcomes": {"people_served": 1}}),
        ),
        (
            city.coordinator.clone(),
            Method::POST,
            format!("/v1/activities/{}/reversal", city.activity),
            json!({"reason": "录错"}),
        ),
        (
            city.admin.clone(),
            Method::PUT,
            "/v1/rules".into(),
            json!({"default_points_per_hour": "10", "rates": {"craft": "12"}}),
        ),
        (
            city.admin.clone(),
            Method::POST,
            "/v1/rewards".into(),
            json!({"name": "茶", "kind": "product", "origin": "松阳县", "cost_points": "5", "stock": 3}),
        ),
        (
            city.admin.clone(),
            Method::POST,
            format!("/v1/rewards/{}/restock", city.reward),
            json!({"quantity": 1}),
        ),
        (
            city.admin.clone(),
            Method::POST,
            format!("/v1/rewards/{}/reprice", city.reward),
            json!({"cost_points": "50"}),
        ),
        (
            city.volunteer_clients[1].clone(),
            Method::POST,
            "/v1/redemptions".into(),
            json!({"volunteer_id": city.volunteers[1], "reward_id": city.reward, "quantity": 1}),
        ),
        (
            city.volunteer_clients[0].clone(),
            Method::POST,
            format!("/v1/redemptions/{held}/cancel"),
            json!({"reason": "换别的"}),
        ),
        (
            city.admin.clone(),
            Method::POST,
            "/v1/tokens".into(),
            json!({"role": "volunteer", "volunteer_id": city.volunteers[1], "label": "卡"}),
        ),
    ];
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::new());
    for (client, method, path, valid) in routes {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = prop_oneof![arbitrary_json(), mutate(valid)];
        runner
            .run(&strategy, |body| {
                let reply =
                    rt.block_on(client.send(method.clone(), &path, Some(body.clone()), &[]));
                prop_assert!(
                    reply.status.as_u16() < 500,
                    "{method} {path} with {body}: {} {}",
                    reply.status,
                    reply.body
                );
                if !reply.status.is_success() {
                    prop_assert!(
                        reply.content_type.starts_with("application/problem+json"),
                        "{method} {path}: {}",
                        reply.content_type
                    );
                }
                *seen
                    .lock()
                    .expect("tally")
                    .entry(reply.status.as_u16())
                    .or_insert(0u32) += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
    eprintln!(
        "fuzzed command bodies: {cases} cases per route, statuses {:?}",
        seen.lock().expect("tally")
    );
    let verify = rt.block_on(city.admin.get("/v1/audit/verify")).ok();
    assert_eq!(verify["ok"], true);
}
