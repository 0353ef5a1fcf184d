//! `yinling onboard`: a city's districts, teams, volunteers and balances carried over, from
//! an `.xlsx` workbook or CSV files, into a data directory. Every row is checked first; with
//! `--dry-run` (or any problem) nothing is written, the problems are listed by sheet, row and
//! column and written as an error workbook to fix in Excel and import again. `--template`
//! writes the workbook to fill in.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use yinling_app::metrics::Metrics;
use yinling_app::mint::TokenMint;
use yinling_app::node::{
    bootstrap_admin, bootstrap_policies, bootstrap_star_scale, StartPolicies, ADMIN_TOKEN_ENV,
};
use yinling_app::onboard::{self, template};
use yinling_app::{App, Engine, EngineConfig};

use super::progress::Progress;

/// Options of `onboard`.
#[derive(Debug, clap::Args)]
pub struct OnboardArgs {
    /// The data directory (a server must not be running on it).
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// The roster: `.xlsx` (sheets 区县, 队伍, 志愿者, 原有积分) or a CSV file of one of them.
    pub file: Option<PathBuf>,
    /// Check every row and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows even when some are refused (the refused ones are reported).
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Where to write the error workbook (default: beside the file, `…-问题.xlsx`).
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// Write the template workbook here and stop.
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Write the ledger's roster here, in the template's layout with each volunteer's id
    /// (edit it in Excel and import it again), and stop.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Problems in English rather than Chinese.
    #[arg(long)]
    pub english: bool,
    /// Write over the file `--template`, `--export` or `--errors` names when it exists (by
    /// default that is refused: a city's filled-in roster is easily named the same). Never
    /// the roster being read; the default `<roster>-问题.xlsx` is written again on every run.
    #[arg(long)]
    pub replace: bool,
    /// The time zone a new ledger keeps its calendar in, e.g. +08:00 (the default, as for
    /// `serve`). A ledger that has one keeps it: a different zone here is refused.
    #[arg(long, value_parser = super::parse_utc_offset, allow_hyphen_values = true)]
    pub utc_offset: Option<i32>,
    /// Days a held redemption waits at the counter, recorded on a new ledger (default 14);
    /// a ledger that has its own keeps it (changed at /policies).
    #[arg(long)]
    pub hold_days: Option<i64>,
}

/// Runs `onboard`.
pub fn run(args: OnboardArgs) -> Result<ExitCode, String> {
    if let Some(out) = &args.template {
        let bytes = template::template().map_err(|e| format!("cannot write the template: {e}"))?;
        write_file(out, &bytes, args.replace)?;
        say!("template written to {}", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    super::backup::refuse_unfinished(&args.data)?;
    if let Some(out) = &args.export {
        let out = out.clone();
        if out.exists() && !args.replace {
            return Err(refuse_over(&out));
        }
        // An existing ledger only: a mistyped path must not make a new, empty one.
        drop(
            yinling_ledger::SledLog::open(&args.data, yinling_ledger::OpenMode::MustExist)
                .map_err(|e| e.to_string())?,
        );
        return super::runtime()?.block_on(async move {
            let engine = Engine::open(&EngineConfig::new(&args.data), Arc::new(Metrics::default()))
                .map_err(|e| e.to_string())?;
            let bytes = template::roster(&engine.read())
                .map_err(|e| format!("cannot write the roster: {e}"))?;
            engine.shutdown().await;
            write_file(&out, &bytes, args.replace)?;
            say!("roster written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        });
    }
    let Some(file) = args.file.clone() else {
        return Err("name the roster file to import (or --template FILE.xlsx to get one)".into());
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    super::runtime()?.block_on(onboard_file(args, file, bytes))
}

fn refuse_over(out: &Path) -> String {
    format!(
        "{} already exists; name a new file, or add --replace to write over it",
        out.display()
    )
}

/// Writes `bytes` to `out` whole or not at all (beside it, synced, then renamed), refusing
/// an existing file unless `replace`.
fn write_file(out: &Path, bytes: &[u8], replace: bool) -> Result<(), String> {
    if out.exists() && !replace {
        return Err(refuse_over(out));
    }
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let partial = out.with_file_name(name);
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", out.display());
    let written = std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, out));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(failed)
}

/// Writes the refused rows as the error workbook: the default `-问题.xlsx` beside the
/// roster is this command's own, written again on every run; a file named with --errors is
/// replaced only with --replace, and never the roster itself.
fn write_errors(args: &OnboardArgs, file: &Path, plan: &onboard::Plan) -> Result<(), String> {
    let out = args.errors.clone().unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        file.with_file_name(format!("{stem}-问题.xlsx"))
    });
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y);
    if same(&out, file) {
        return Err(format!(
            "--errors {} is the roster being read; name another file for the refused rows",
            out.display()
        ));
    }
    let sheet =
        template::error_sheet(plan).map_err(|e| format!("cannot write the error workbook: {e}"))?;
    write_file(&out, &sheet, args.replace || args.errors.is_none())?;
    say!(
        "{} problems; the refused rows are in {}",
        plan.problems.len(),
        out.display()
    );
    Ok(())
}

/// A directory of its own for a dry run on a data directory that does not exist yet,
/// removed when the run ends.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn for_dry_run(args: &OnboardArgs) -> Result<Option<Self>, String> {
        if !args.dry_run || args.data.exists() {
            return Ok(None);
        }
        let dir = std::env::temp_dir().join(format!("yinling-dry-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        Ok(Some(ScratchDir(dir)))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The check of a roster as the operator reads it: rows per sheet, each problem, columns
/// read under other names or not read at all, likely duplicates.
fn say_plan(plan: &onboard::Plan, english: bool) {
    for (sheet, n) in &plan.rows {
        say!(
            "{sheet}: {n} rows, {} new, {} edited, {} already there",
            plan.new.get(sheet).copied().unwrap_or(0),
            plan.edited.get(sheet).copied().unwrap_or(0),
            plan.already.get(sheet).copied().unwrap_or(0)
        );
    }
    for p in &plan.problems {
        let words = if english { &p.en } else { &p.zh };
        say!("  {} row {} [{}]: {words}", p.sheet, p.row, p.column);
    }
    for (sheet, renamed) in &plan.read_as {
        let pairs: Vec<String> = renamed.iter().map(|(h, c)| format!("{h} → {c}")).collect();
        say!(
            "  {sheet}: columns read under the template's names: {}",
            pairs.join("、")
        );
    }
    for (sheet, headers) in &plan.ignored_columns {
        say!(
            "  {sheet}: columns not read (no column of this sheet has these headers, or another column was read for it; rename one to import it): {}",
            headers.join("、")
        );
    }
    for d in &plan.duplicates {
        say!(
            "  possibly the same person twice: {} born {} in {}: {}",
            d.name,
            d.birth_year,
            d.district,
            d.places.join(" / ")
        );
    }
}

async fn onboard_file(
    args: OnboardArgs,
    file: PathBuf,
    bytes: Vec<u8>,
) -> Result<ExitCode, String> {
    let hold_days = args
        .hold_days
        .unwrap_or(yinling_projections::limits::DEFAULT_HOLD_TTL_SECONDS / 86_400);
    if !(1..=super::limits::MAX_HOLD_DAYS).contains(&hold_days) {
        return Err(format!(
            "--hold-days {hold_days} must be between 1 and {}",
            super::limits::MAX_HOLD_DAYS
        ));
    }
    // A dry run against a ledger not made yet checks the roster against an empty one in a
    // scratch directory: a mistyped --data must not leave a new directory and key behind.
    let scratch = ScratchDir::for_dry_run(&args)?;
    let data = scratch.as_ref().map_or(args.data.clone(), |s| s.0.clone());
    let metrics = Arc::new(Metrics::default());
    let config = EngineConfig::new(&data);
    let engine = tokio::task::spawn_blocking(move || Engine::open(&config, metrics.clone()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let fresh = engine.log().head().seq == 0;
    let key = data.join(yinling_app::mint::MINT_KEY_FILE);
    if !fresh && !key.exists() {
        return Err(format!(
            "{} is missing but the ledger holds events: put it back from the old data directory or a backup (`yinling serve --new-token-key` makes a new one, and every points card must then be printed again)",
            key.display()
        ));
    }
    let mint =
        TokenMint::load_or_create(&data).map_err(|e| format!("cannot open the token key: {e}"))?;
    let app = App::new(Arc::new(engine), Arc::new(Metrics::default()), mint);
    let start = StartPolicies {
        utc_offset_seconds: args
            .utc_offset
            .unwrap_or(yinling_ledger::time::LOCAL_UTC_OFFSET_SECONDS),
        ..StartPolicies::default()
    };
    if fresh {
        // The roster's dates are read in the zone the new ledger will keep (a dry run too).
        yinling_ledger::time::set_local_offset(start.utc_offset_seconds);
    } else {
        let policies = app.engine.read().policies.clone();
        let recorded = policies.utc_offset_seconds();
        if let Some(given) = args
            .utc_offset
            .filter(|given| policies.time_zone_recorded() && *given != recorded)
        {
            use yinling_ledger::time::offset_text;
            return Err(format!(
                "this ledger keeps its calendar in {}, not {} (--utc-offset): onboard reads the roster's dates in the ledger's own zone and never changes it; leave --utc-offset out, or change the zone with `yinling serve --change-time-zone`",
                offset_text(recorded),
                offset_text(given)
            ));
        }
        if args.hold_days.is_some() {
            say!(
                "--hold-days is for a new ledger; this one keeps its own (change it at /policies)"
            );
        }
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plan = {
        let state = app.engine.read();
        onboard::plan(&state, &name, &bytes)
    }
    .map_err(|u| if args.english { u.en } else { u.zh })?;
    say_plan(&plan, args.english);
    if !plan.clean() {
        write_errors(&args, &file, &plan)?;
    }
    if args.dry_run {
        say!("dry run: nothing was written");
        app.engine.shutdown().await;
        return Ok(if plan.clean() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if !plan.clean() && !args.skip_bad_rows {
        app.engine.shutdown().await;
        say!("nothing was written: fix the rows (or use --skip-bad-rows to import the others)");
        return Ok(ExitCode::from(1));
    }
    if fresh {
        // A new ledger starts as a server would start it: its first administrator, the
        // national star scale, the zone and hold time; only once its roster is to be
        // written (a refused file leaves the directory as it was, to try again).
        let env_token = std::env::var(ADMIN_TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty());
        if let Some(secret) = bootstrap_admin(&app, env_token)
            .await
            .map_err(|e| e.to_string())?
        {
            say!("admin token (shown once, keep it safe): {secret}");
        }
        bootstrap_star_scale(&app)
            .await
            .map_err(|e| e.to_string())?;
        bootstrap_policies(&app, &start, hold_days * 86_400)
            .await
            .map_err(|e| e.to_string())?;
    }
    let total = plan.commands.len();
    let mut progress = Progress::new("importing", total as u64);
    let outcome = onboard::apply(&app, &yinling_projections::Principal::System, &plan, || {
        progress.inc(1)
    })
    .await;
    let refused = outcome.refused;
    let took = progress.finish();
    app.engine.shutdown().await;
    for r in &refused {
        say!("  refused: {r}");
    }
    say!(
        "imported {} records in {:.1}s{}",
        total - refused.len(),
        took.as_secs_f64(),
        if plan.problems.is_empty() {
            String::new()
        } else {
            format!("; {} rows skipped", plan.bad_rows.len())
        }
    );
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
