//! `yinling admin-token`: a new administrator's token for a ledger whose administrators'
//! tokens are all lost (or revoked), issued on the stopped service's data directory. The
//! issue is an event like any other (`TokenIssued`, by the service itself, labelled with the
//! reason given), so the log shows when it was done and why; the secret is printed once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use yinling_app::metrics::Metrics;
use yinling_app::mint::{random_secret, secret_hash, TokenMint, MINT_KEY_FILE};
use yinling_app::{App, Engine, EngineConfig};
use yinling_ledger::{Role, TokenId};
use yinling_projections::{Command, NewToken, Principal};

/// Options of `admin-token`.
#[derive(Debug, clap::Args)]
pub struct AdminTokenArgs {
    /// The data directory of the stopped service.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Why a new administrator's token is made, recorded as its label (e.g. "the first
    /// token was lost when 王科长 left").
    #[arg(long)]
    pub reason: String,
}

/// Issues the token and prints its secret.
pub fn run(args: AdminTokenArgs) -> Result<ExitCode, String> {
    let reason = args.reason.trim().to_owned();
    if reason.is_empty() {
        return Err("--reason is empty: say why a new administrator's token is made".into());
    }
    super::backup::refuse_unfinished(&args.data)?;
    // An existing ledger only: a mistyped path must not make a new, empty one.
    drop(
        yinling_ledger::SledLog::open(&args.data, yinling_ledger::OpenMode::MustExist)
            .map_err(|e| e.to_string())?,
    );
    let key = args.data.join(MINT_KEY_FILE);
    if !key.exists() {
        return Err(format!(
            "{} is missing: put it back from a backup before making tokens (`yinling serve --new-token-key` makes a new one, and every points card must then be printed again)",
            key.display()
        ));
    }
    super::runtime()?.block_on(async move {
        let engine = Engine::open(&EngineConfig::new(&args.data), Arc::new(Metrics::default()))
            .map_err(|e| e.to_string())?;
        let mint = TokenMint::load_or_create(&args.data)
            .map_err(|e| format!("cannot open the token key: {e}"))?;
        let app = App::new(Arc::new(engine), Arc::new(Metrics::default()), mint);
        let secret = random_secret();
        let command = Command::IssueToken(NewToken {
            token_id: TokenId::generate(),
            role: Role::Admin,
            team_id: None,
            volunteer_id: None,
            scope: None,
            secret_sha256: secret_hash(&secret),
            label: format!("administrator made at the command line: {reason}"),
            last_day: None,
        });
        let issued = app.submit::<()>(&Principal::System, command, None).await;
        app.engine.shutdown().await;
        let written = issued.map_err(|e| e.to_string())?;
        say!(
            "a new administrator's token (event {}; shown once, keep it safe): {secret}",
            written.receipt.seq
        );
        Ok(ExitCode::SUCCESS)
    })
}
