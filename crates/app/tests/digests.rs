//! Idempotency digests are keyed under the mint key, but entries stored before they were keep
//! their plain digest forever: a retry of such a request gets its first answer (nothing
//! appended), and another request under the same key is still refused.

use std::sync::Arc;

use yinling_app::engine::{Engine, EngineConfig};
use yinling_app::error::AppError;
use yinling_app::metrics::Metrics;
use yinling_app::mint::TokenMint;
use yinling_app::App;
use yinling_ledger::writer::Idempotency;
use yinling_ledger::{Hash, PolicyChange};
use yinling_projections::{Command, Principal};

fn hold_days(days: i64) -> Command {
    Command::SetPolicy {
        change: PolicyChange::HoldTtl {
            seconds: days * 86_400,
        },
        note: format!("{days} 天"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_of_a_request_stored_under_its_plain_digest_gets_its_first_answer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let metrics = Arc::new(Metrics::default());
    let engine = Engine::open(&EngineConfig::new(tmp.path()), metrics.clone()).expect("open");
    let app = App::new(Arc::new(engine), metrics, TokenMint::from_key([7; 32]));
    let key = Idempotency {
        key: "admin:hold-time-1".into(),
        request_digest: Hash([3; 32]),
    };
    // Stored as a build before keyed digests stored it: under the plain digest.
    let first = app
        .engine
        .submit(&Principal::System, hold_days(7), Some(key.clone()))
        .await
        .expect("the first request");
    let head = app.engine.read().head.seq;
    assert_eq!(first.last().map(|e| e.seq), Some(head));

    let retried = app
        .submit::<()>(&Principal::System, hold_days(7), Some(key.clone()))
        .await
        .expect("the retry gets its first answer");
    assert_eq!(retried.receipt.seq, head, "the first attempt's events");
    assert_eq!(app.engine.read().head.seq, head, "nothing appended");

    let other = Idempotency {
        request_digest: Hash([4; 32]),
        ..key
    };
    let refused = app
        .submit::<()>(&Principal::System, hold_days(9), Some(other))
        .await;
    assert!(matches!(refused, Err(AppError::KeyReused)), "{refused:?}");
    assert_eq!(app.engine.read().head.seq, head, "nothing appended");
    app.engine.shutdown().await;
}
