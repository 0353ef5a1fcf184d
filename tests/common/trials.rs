//! Trials that need something a fresh machine may lack (a browser, nats-server,
//! schemathesis): run for real when it is there, shown by `cargo test` as ignored with the
//! reason when it is not (never as passed), and failed under `CI=true`, where `.ci/run`
//! installs everything.

use std::future::Future;

use libtest_mimic::{Completion, Trial};

/// A trial that runs `test` when `missing` finds nothing missing.
pub fn needing(
    name: &str,
    missing: impl FnOnce() -> Option<String> + Send + 'static,
    test: impl FnOnce() + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name, move || {
        if let Some(why) = missing() {
            if std::env::var("CI").as_deref() == Ok("true") {
                return Err(format!("this test must run in CI, but {why}").into());
            }
            return Ok(Completion::ignored_with(why));
        }
        test();
        Ok(Completion::Completed)
    })
}

/// Runs an async test body on a two-thread runtime, as `#[tokio::test]` would.
pub fn block_on<F: Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(body)
}

/// Runs the trials with the command line `cargo test` passed, and exits with their verdict.
pub fn run(trials: Vec<Trial>) -> ! {
    libtest_mimic::run(&libtest_mimic::Arguments::from_args(), trials).exit()
}
