//! A node of a cluster takes the writer role only with a state that has folded the whole log
//! it would append to: a state behind it would decide on stale balances (a message the log's
//! index took that this node could not fold, from a newer version, say).

use std::sync::Arc;

use yinling_app::engine::{Engine, EngineConfig, EngineError};
use yinling_app::metrics::Metrics;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::log::AppendBatch;
use yinling_ledger::*;

#[test]
fn a_node_behind_its_log_does_not_become_the_writer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sled = Arc::new(SledLog::open(tmp.path(), OpenMode::CreateIfMissing).expect("log"));
    let log: Arc<dyn EventLog> = sled.clone();
    let config = EngineConfig::new(tmp.path());
    let engine = Engine::open_on(
        &config,
        log.clone(),
        Some(sled),
        Arc::new(Metrics::default()),
        false,
    )
    .expect("a replica");
    // Another node appended an event this one has not folded.
    let team = TeamId(uuid::Uuid::from_u128(1));
    let sealed = Chain::after(log.head())
        .seal(Draft {
            stream: team.stream(),
            stream_version: 1,
            recorded_at: Timestamp(1_796_000_000_000_000),
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload: Event::TeamRegistered(TeamRegistered {
                team_id: team,
                name: "荻溪六老调解队".into(),
                district: "南浔区".into(),
                category: Category::Mediation,
            }),
        })
        .expect("seal");
    log.append(&AppendBatch {
        expected_head: log.head(),
        events: vec![sealed],
        stream_runs: Vec::new(),
        idempotency: Vec::new(),
    })
    .expect("append");
    match engine.become_writer() {
        Err(EngineError::Behind { state: 0, log: 1 }) => {}
        other => panic!("became the writer behind the log: {other:?}"),
    }
    assert!(!engine.is_writer());
}
