//! The writer's thread: one that dies (a panic in a decision) answers the command it took
//! as possibly saved, refuses later ones as not taken, and says it is no longer running;
//! one started on a log whose head was recorded later than its clock reads never records
//! an earlier time.

use std::sync::Arc;

use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::log::AppendBatch;
use yinling_ledger::writer::{
    spawn, Context, Outcome, PassThrough, StateMachine, Submission, WriterClosed, WriterConfig,
};
use yinling_ledger::*;

/// Decides nothing but panics on `true`.
struct Brittle;

impl StateMachine for Brittle {
    type Command = bool;
    type Rejection = std::convert::Infallible;

    fn decide(&self, explode: &bool, _: &Context) -> Result<Vec<Commit>, Self::Rejection> {
        assert!(!*explode, "a decision that panics");
        Ok(Vec::new())
    }

    fn apply(&mut self, _: &Envelope) {}

    fn committed(&mut self, _: &[Envelope], _: Head) {}

    fn aborted(&mut self) {}
}

fn submission(explode: bool) -> Submission<bool> {
    Submission {
        command: explode,
        actor: Actor::SYSTEM,
        idempotency: None,
    }
}

#[test]
fn a_writer_that_died_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log: Arc<dyn EventLog> =
        Arc::new(SledLog::open(tmp.path(), OpenMode::CreateIfMissing).expect("open"));
    let (handle, thread) = spawn(log, Brittle, WriterConfig::default()).expect("spawn");
    assert!(handle.is_running());
    assert!(matches!(
        handle.submit_blocking(submission(false)),
        Ok(Outcome::Committed { .. })
    ));
    assert_eq!(
        handle.submit_blocking(submission(true)).err(),
        Some(WriterClosed::AnswerLost),
        "taken, then the thread died: it may have been saved"
    );
    assert!(thread.join().is_err(), "the thread panicked");
    assert!(!handle.is_running());
    assert_eq!(
        handle.submit_blocking(submission(false)).err(),
        Some(WriterClosed::NotTaken)
    );
}

#[test]
fn times_never_go_back_past_the_heads_across_a_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = Arc::new(SledLog::open(tmp.path(), OpenMode::CreateIfMissing).expect("open"));
    // The head was recorded a day ahead of this clock (the clock was set back since).
    let ahead = Timestamp(Timestamp::now().0 + 86_400_000_000);
    let district = |name: &str| {
        Event::DistrictRegistered(DistrictRegistered {
            name: name.into(),
            kind: DistrictKind::County,
            region: "湖州市".into(),
        })
    };
    let sealed = Chain::after(Head::default())
        .seal(Draft {
            stream: StreamId::districts(),
            stream_version: 1,
            recorded_at: ahead,
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload: district("安吉县"),
        })
        .expect("seal");
    log.append(&AppendBatch {
        expected_head: Head::default(),
        events: vec![sealed],
        ..AppendBatch::default()
    })
    .expect("append");
    let (handle, thread) =
        spawn(log.clone(), PassThrough::default(), WriterConfig::default()).expect("spawn");
    let answer = handle.submit_blocking(Submission {
        command: vec![Commit::any(StreamId::districts(), vec![district("德清县")])],
        actor: Actor::SYSTEM,
        idempotency: None,
    });
    let Ok(Outcome::Committed { envelopes, .. }) = answer else {
        panic!("not committed: {answer:?}");
    };
    assert!(
        envelopes[0].recorded_at >= ahead,
        "{:?} before {ahead:?}",
        envelopes[0].recorded_at
    );
    handle.shutdown_blocking();
    thread.join().expect("joined");
}
