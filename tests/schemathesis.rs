//! schemathesis (from PyPI) drives every route of `/openapi.json` on a live server with an
//! admin token: zero server errors, zero responses that break the documented schema, status
//! codes and content types. `.ci/run` installs it; elsewhere `cargo test` shows the test as
//! ignored, with the reason, when it is missing. `YINLING_SCHEMATHESIS_EXAMPLES` sets examples per operation (25 by default).

mod common;

use std::process::Command;

use common::*;

fn schemathesis() -> Option<String> {
    let found = Command::new("schemathesis")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success());
    found.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}

fn main() {
    use common::trials::{block_on, needing, run};
    run(vec![needing(
        "schemathesis_finds_no_server_errors_and_no_schema_violations",
        || {
            schemathesis()
                .is_none()
                .then(|| "schemathesis is not installed (pip install schemathesis)".to_owned())
        },
        || block_on(schemathesis_finds_no_server_errors_and_no_schema_violations()),
    )])
}

async fn schemathesis_finds_no_server_errors_and_no_schema_violations() {
    let version = schemathesis().expect("schemathesis, checked before the trial ran");
    let examples = std::env::var("YINLING_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "25".into());
    let server = Server::start();
    let _city = City::build(&server, 3).await;
    let work = tempfile::tempdir().expect("tempdir");
    let base = server.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .current_dir(work.path())
            .args(["run", &format!("{base}/openapi.json")])
            .args(["--header", &format!("Authorization: Bearer {ADMIN}")])
            .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"])
            .args(["--phases", "examples,coverage,fuzzing", "--max-examples", &examples, "--seed", "20231221"])
            .args(["--generation-database", "none", "--no-color", "--workers", "2"])
            .env("SCHEMATHESIS_HOOKS", "")
            .output()
            .expect("run schemathesis")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("generated") || l.contains("Seed"))
        .collect();
    eprintln!("{version}: {}", summary.join(" | "));
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
