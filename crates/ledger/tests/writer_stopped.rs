//! A writer whose thread dies (a panic in a decision) answers the command it took as
//! possibly saved, refuses later ones as not taken, and says it is no longer running.

use std::sync::Arc;

use yinling_ledger::writer::{
    spawn, Context, Outcome, StateMachine, Submission, WriterClosed, WriterConfig,
};
use yinling_ledger::{Actor, Commit, Envelope, EventLog, Head, OpenMode, SledLog};

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
