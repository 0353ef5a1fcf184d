//! The access log: every time staff open a volunteer's account or statement it is recorded
//! (who, when, whose, from where) outside the points chain, kept across a restart, and read
//! only by auditors; a volunteer looking at their own points is not recorded.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_reads_of_a_persons_record_are_logged_and_only_auditors_read_the_log() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data");
    let mut server = Server::start_in(&dir, &[]);
    let city = City::build(&server, 1).await;
    let v0 = city.volunteers[0].clone();
    let head = city.admin.head_seq().await;
    city.coordinator
        .get(&format!("/v1/volunteers/{v0}"))
        .await
        .ok();
    city.admin
        .get(&format!("/v1/volunteers/{v0}/statement"))
        .await
        .ok();
    city.volunteer_clients[0]
        .get(&format!("/v1/volunteers/{v0}"))
        .await
        .ok();
    // Refused reads are not looks at the record.
    city.other_coordinator
        .get(&format!("/v1/volunteers/{v0}"))
        .await
        .problem(403);
    assert_eq!(
        city.admin.head_seq().await,
        head,
        "the access log is not in the points chain"
    );

    let read = |log: &Value| -> Vec<(String, String)> {
        log["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["volunteer_id"] == v0.as_str())
            .map(|e| {
                (
                    e["role"].as_str().expect("role").to_owned(),
                    e["from"].as_str().expect("from").to_owned(),
                )
            })
            .collect()
    };
    let log = city
        .auditor
        .get(&format!("/v1/access-log?volunteer_id={v0}"))
        .await
        .ok();
    let seen = read(&log);
    assert_eq!(
        seen,
        [
            (
                "coordinator".to_owned(),
                "GET /v1/volunteers/{id}".to_owned()
            ),
            (
                "admin".to_owned(),
                "GET /v1/volunteers/{id}/statement".to_owned()
            )
        ],
        "{log}"
    );
    // Named as the auditor sees people everywhere: masked (the id says who).
    assert_eq!(log["items"][0]["volunteer_name"], "志**0");
    city.admin.get("/v1/access-log").await.problem(403);
    city.coordinator.get("/v1/access-log").await.problem(403);
    city.auditor
        .get("/v1/access-log?from=2026-02-30")
        .await
        .problem(422);
    // A window starting before 1970 still holds today's reads; a reversed one is refused.
    let early = city
        .auditor
        .get(&format!("/v1/access-log?volunteer_id={v0}&from=1900-01-01"))
        .await
        .ok();
    assert_eq!(read(&early).len(), 2, "{early}");
    let reversed = city
        .auditor
        .get("/v1/access-log?from=2026-03-02&to=2026-03-01")
        .await;
    assert_eq!(reversed.problem(400)["code"], "bad_window");

    // Kept across a restart.
    let auditor = city.auditor.token.clone().expect("token");
    server.terminate();
    let again = Server::start_in(&dir, &[]);
    let log = again
        .client(&auditor)
        .get(&format!("/v1/access-log?volunteer_id={v0}"))
        .await
        .ok();
    assert_eq!(read(&log).len(), 2, "{log}");
}

/// A coordinator printing the team's statements looks at every member's record, as does
/// whoever reads a member's notices: each is in the access log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printed_statements_and_notices_read_by_staff_are_logged_too() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let coordinator = city.coordinator.token.clone().expect("token");
    let printed = common::web::Browser::new(&server, &coordinator)
        .get("/team/statements")
        .await;
    assert_eq!(printed.status().as_u16(), 200);
    let v1 = city.volunteers[1].clone();
    city.coordinator
        .get(&format!("/v1/volunteers/{v1}/notices"))
        .await
        .ok();
    let log = city.auditor.get("/v1/access-log").await.ok();
    let from_of = |v: &str| -> Vec<String> {
        log["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["volunteer_id"] == v)
            .map(|e| e["from"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for v in &city.volunteers {
        assert!(
            from_of(v).contains(&"/team/statements".to_owned()),
            "{v}: {log}"
        );
    }
    assert!(
        from_of(&v1).contains(&"GET /v1/volunteers/{id}/notices".to_owned()),
        "{log}"
    );
}
