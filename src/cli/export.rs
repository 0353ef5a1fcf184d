//! `yinling export`: events, balances, rankings, a statement or the evaluation as NDJSON or
//! CSV, streamed; or the volunteers' data keys.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::ValueEnum;
use serde::Serialize;
use yinling_app::csv::CsvWriter;
use yinling_app::load::load_state;
use yinling_app::reports::accounts::{balances, entry_out, EntryOut, VolunteerOut};
use yinling_app::reports::evaluation::{scores_out, ScoreRow};
use yinling_app::reports::events::{event_out, EventOut};
use yinling_app::reports::rankings::{team_ranking, RankedOut};
use yinling_app::reports::{self, Table};
use yinling_ledger::log::EnvelopeIter;
use yinling_ledger::VolunteerId;
use yinling_projections::evaluation::Period;
use yinling_projections::rankings::RankingQuery;

use super::progress::Progress;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    /// Every event with its hashes (NDJSON can be imported again).
    Events,
    /// Every volunteer's balance, hours and stars.
    Balances,
    /// Teams ranked by points.
    Rankings,
    /// One volunteer's statement (needs --volunteer).
    Statement,
    /// The performance evaluation (绩效评价): teams ranked by the published scoring formula
    /// with their figures (--since, --until, --district narrow it).
    Evaluation,
    /// The volunteers' data keys (NDJSON, written readable by its owner only), to carry the
    /// names with an events export into `yinling import --keys`. Whoever holds this file and
    /// the events can read every name: keep it like a backup.
    Keys,
}

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document per line.
    Ndjson,
    /// Comma-separated values with a UTF-8 BOM, so Excel opens Chinese text correctly.
    Csv,
    /// An Excel workbook: figures as numbers, text as text, nothing to guard (balances,
    /// rankings, statement and evaluation; the events are more rows than a sheet holds).
    Xlsx,
}

/// Language of CSV column headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// English headers.
    En,
    /// Chinese headers.
    Zh,
}

/// Options of `export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The data directory to read (default ./data; not with --from).
    #[arg(long, conflicts_with = "from")]
    pub data: Option<PathBuf>,
    /// Read the events of a running server instead, e.g. http://127.0.0.1:8080 (events only).
    #[arg(long)]
    pub from: Option<String>,
    /// Access token for --from (an auditor's); or set YINLING_TOKEN.
    #[arg(long, env = "YINLING_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// What to export.
    #[arg(long, value_enum)]
    pub what: What,
    /// File format.
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: Format,
    /// Language of CSV and workbook headers.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
    /// The volunteer of a statement.
    #[arg(long)]
    pub volunteer: Option<String>,
    /// As things stood after this seq (balances, rankings, statement, evaluation).
    #[arg(long)]
    pub as_of: Option<u64>,
    /// First service date of an evaluation, YYYY-MM-DD.
    #[arg(long)]
    pub since: Option<String>,
    /// Last service date of an evaluation, YYYY-MM-DD.
    #[arg(long)]
    pub until: Option<String>,
    /// Only teams of this district (evaluation).
    #[arg(long)]
    pub district: Option<String>,
    /// The file to write ("-" for standard output).
    #[arg(long)]
    pub out: PathBuf,
    /// Read the log from NATS instead of --data.
    #[command(flatten)]
    pub log: super::logs::LogArgs,
}

/// Where rows go: NDJSON lines, or a spreadsheet through the project's one CSV writer (with
/// its formula guard and byte-order mark).
enum Sink {
    Ndjson(Box<dyn Write>),
    /// The writer, and the language of the header, in which cells in words are written too.
    Csv(Box<CsvWriter<Box<dyn Write>>>, reports::Lang),
    /// The workbook in the making (from its header row on), written out whole at the end,
    /// and the language of its header.
    Xlsx(
        Box<dyn Write>,
        Option<Box<yinling_app::xlsx::Sheet>>,
        reports::Lang,
    ),
}

/// A file export in the making: written beside `--out` under a `.partial` name and put in
/// its place only once complete, so an export refused or failed halfway (a missing
/// `--volunteer`, an unreadable log) leaves a file of that name from before as it was.
struct Partial {
    partial: PathBuf,
    out: PathBuf,
    done: bool,
}

impl Partial {
    /// Puts the finished file in place of `--out`, on the disk first, with the permissions
    /// of the file it replaces (an export kept owner-only stays so).
    fn commit(mut self) -> Result<(), String> {
        let failed = |e: std::io::Error| format!("cannot write {}: {e}", self.out.display());
        if let Ok(earlier) = std::fs::metadata(&self.out) {
            std::fs::set_permissions(&self.partial, earlier.permissions()).map_err(failed)?;
        }
        File::open(&self.partial)
            .and_then(|f| f.sync_all())
            .map_err(failed)?;
        std::fs::rename(&self.partial, &self.out).map_err(failed)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

impl Sink {
    /// The sink for `path` (`-`: standard output), and the file being written when it is one.
    fn open(path: &Path, format: Format) -> Result<(Sink, Option<Partial>), String> {
        let (out, partial): (Box<dyn Write>, _) = if path == Path::new("-") {
            (Box::new(BufWriter::new(std::io::stdout())), None)
        } else {
            // A link named by --out keeps pointing at its file: the new one replaces that.
            let path = &std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
            let mut name = path.as_os_str().to_owned();
            name.push(".partial");
            let partial = PathBuf::from(name);
            let file = File::create(&partial)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let guard = Partial {
                partial,
                out: path.to_owned(),
                done: false,
            };
            (Box::new(BufWriter::new(file)), Some(guard))
        };
        let sink = match format {
            Format::Ndjson => Sink::Ndjson(out),
            Format::Csv => Sink::Csv(
                Box::new(CsvWriter::new(out).map_err(|e| e.to_string())?),
                reports::Lang::En,
            ),
            Format::Xlsx => Sink::Xlsx(out, None, reports::Lang::En),
        };
        Ok((sink, partial))
    }

    /// The header row of a table of `T` (CSV and workbook; `sheet` names a workbook's
    /// sheet, in English and Chinese).
    fn header<T: Table>(&mut self, lang: Lang, sheet: (&str, &str)) -> Result<(), String> {
        let lang = match lang {
            Lang::En => reports::Lang::En,
            Lang::Zh => reports::Lang::Zh,
        };
        match self {
            Sink::Ndjson(_) => {}
            Sink::Csv(w, words) => {
                *words = lang;
                w.row(&reports::header::<T>(lang))
                    .map_err(|e| e.to_string())?;
            }
            Sink::Xlsx(_, book, words) => {
                *words = lang;
                let name = if lang == reports::Lang::Zh {
                    sheet.1
                } else {
                    sheet.0
                };
                *book = Some(Box::new(yinling_app::xlsx::Sheet::new(
                    name,
                    &reports::header::<T>(lang),
                )));
            }
        }
        Ok(())
    }

    /// One row: the JSON of `json` (NDJSON), or the cells of `row` (CSV).
    fn row<T: Serialize, R: Table>(&mut self, json: &T, row: &R) -> Result<(), String> {
        match self {
            Sink::Ndjson(w) => {
                serde_json::to_writer(&mut *w, json).map_err(|e| e.to_string())?;
                w.write_all(b"\n").map_err(|e| e.to_string())
            }
            Sink::Csv(w, lang) => w.row(&row.cells_in(*lang)).map_err(|e| e.to_string()),
            Sink::Xlsx(_, book, lang) => match book {
                Some(book) => {
                    book.row(&row.cells_in(*lang));
                    Ok(())
                }
                None => Err("a workbook row before its header".into()),
            },
        }
    }

    fn finish(self) -> Result<(), String> {
        match self {
            Sink::Ndjson(mut w) => w.flush().map_err(|e| e.to_string()),
            Sink::Csv(w, _) => {
                let below_header = w.rows().saturating_sub(1);
                w.finish()
                    .and_then(|mut out| out.flush())
                    .map_err(|e| e.to_string())?;
                if below_header > yinling_app::limits::EXCEL_SHEET_DATA_ROWS as u64 {
                    eprintln!("{}", past_excel(below_header));
                }
                Ok(())
            }
            Sink::Xlsx(mut out, book, _) => {
                let bytes = book
                    .ok_or("a workbook without its header")?
                    .finish()
                    .map_err(|e| e.to_string())?;
                out.write_all(&bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// What a CSV longer than Excel opens is for: the whole of it is in the file, for other
/// tools; Excel shows the first rows only.
fn past_excel(rows: u64) -> String {
    format!(
        "note: the CSV has {rows} rows; Excel opens only the first {} of them (and says the file was not loaded completely): the rest are in the file, for other tools. Balances, rankings and the evaluation come whole in Excel as --format xlsx, on further sheets.",
        yinling_app::limits::EXCEL_SHEET_DATA_ROWS
    )
}

fn event_row(sink: &mut Sink, e: &EventOut) -> Result<(), String> {
    sink.row(e, e)
}

/// Runs `export`.
pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    if let Some(url) = &args.from {
        if args.what != What::Events {
            return Err("--from reads only events; export balances, rankings, statements and keys from a data directory (or a backup of it)".into());
        }
        return from_server(url, &args);
    }
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from("./data"));
    let log = super::logs::open_existing(&data, &args.log).map_err(|e| {
        format!("{e}. To export from a running server use `yinling export --from http://HOST:PORT --token ...`")
    })?;
    if args.what == What::Keys {
        return export_keys(&*log, &args.out);
    }
    if args.what == What::Events && args.format == Format::Xlsx {
        return Err("--format xlsx is for balances, rankings, a statement and the evaluation: the events are the log itself, read back by import and the verifier; export them as ndjson, or as csv to look at".into());
    }
    let head = log.head().seq;
    if let Some(seq) = args.as_of.filter(|seq| *seq > head) {
        return Err(format!(
            "--as-of {seq} is beyond the last event (seq {head})"
        ));
    }
    let (mut sink, partial) = Sink::open(&args.out, args.format)?;
    match args.what {
        What::Keys => {}
        What::Events => {
            sink.header::<EventOut>(args.lang, ("Events", "事件"))?;
            let mut progress = Progress::new("events", log.head().seq);
            let until = args.as_of.unwrap_or(u64::MAX);
            for e in EnvelopeIter::new(&*log, 0) {
                let e = e.map_err(|e| e.to_string())?;
                if e.seq > until {
                    break;
                }
                event_row(&mut sink, &event_out(&e))?;
                progress.inc(1);
            }
            progress.finish();
        }
        What::Balances | What::Rankings | What::Statement | What::Evaluation => {
            let (state, _, _) = load_state(&*log, args.as_of).map_err(|e| e.to_string())?;
            match args.what {
                What::Balances => {
                    sink.header::<VolunteerOut>(args.lang, ("Balances", "积分余额"))?;
                    for o in balances(&state) {
                        sink.row(&o, &o)?;
                    }
                }
                What::Rankings => {
                    sink.header::<RankedOut>(args.lang, ("Rankings", "队伍排名"))?;
                    let ranking = team_ranking(
                        &state,
                        &RankingQuery {
                            limit: yinling_projections::rankings::MAX_RANKING_LIMIT,
                            ..RankingQuery::default()
                        },
                    );
                    for r in &ranking.items {
                        sink.row(r, r)?;
                    }
                }
                What::Evaluation => evaluation_rows(&mut sink, &state, &args)?,
                _ => {
                    let text = args
                        .volunteer
                        .as_deref()
                        .ok_or("--what statement needs --volunteer ID")?;
                    let id: VolunteerId = text
                        .parse()
                        .map_err(|_| format!("--volunteer {text:?} is not a volunteer id"))?;
                    let v = state
                        .volunteers
                        .get(&id)
                        .ok_or_else(|| format!("no volunteer has id {id}"))?;
                    let mut entries: Vec<EntryOut> = v
                        .statement
                        .iter(state.stamps())
                        .map(|e| entry_out(&state, v, &e))
                        .collect();
                    prove(&*log, &data, &mut entries)?;
                    sink.header::<EntryOut>(args.lang, ("Statement", "积分明细"))?;
                    for o in &entries {
                        sink.row(o, o)?;
                    }
                }
            }
        }
    }
    sink.finish()?;
    if let Some(file) = partial {
        file.commit()?;
    }
    if args.out != Path::new("-") {
        eprintln!("wrote {}", args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Gives each line the proof that it is in the latest checkpoint the service published from
/// `data` (the tree is rebuilt from the log, its chain checked); says on standard error why
/// there are none when there are none (nothing published there, or the store is in use).
fn prove(
    log: &dyn yinling_ledger::EventLog,
    data: &Path,
    entries: &mut [EntryOut],
) -> Result<(), String> {
    use yinling_ledger::published::{PublishedCheckpoints, PUBLISHED_DIR};
    let none = |why: String| {
        eprintln!("the statement has no proofs: {why}");
        Ok(())
    };
    if !data.join(PUBLISHED_DIR).is_dir() {
        return none(format!(
            "no checkpoint was published from {} (start the service once to publish one)",
            data.display()
        ));
    }
    let latest = match PublishedCheckpoints::open(data).and_then(|store| store.latest()) {
        Ok(Some(latest)) => latest,
        Ok(None) => {
            return none(format!(
                "no checkpoint was published from {}",
                data.display()
            ))
        }
        Err(e) => {
            return none(format!(
            "the published checkpoints in {} cannot be read ({e}; is the service running on it?)",
            data.display()
        ))
        }
    };
    // Every line is proven: a tree that keeps all its levels reads nothing back for a proof.
    let (tree, report) =
        yinling_app::tree::LogTree::walk_keeping(log, 0).map_err(|e| e.to_string())?;
    if let Some(bad) = report.first_bad {
        return Err(format!(
            "the log's hash chain is broken at event {}: {}; run `yinling verify`",
            bad.seq, bad.detail
        ));
    }
    if latest.size > tree.len() {
        return none(format!(
            "the latest checkpoint published from {} signs {} events but the log holds {}",
            data.display(),
            latest.size,
            tree.len()
        ));
    }
    let tree = yinling_app::tree::LogTree::from_tree(tree, None);
    yinling_app::reports::inclusion::attach(&tree, log, latest.size, entries)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "lines proven against the checkpoint of {} events published from {}",
        latest.size,
        data.display()
    );
    Ok(())
}

fn date_arg(flag: &str, value: Option<&str>) -> Result<Option<NaiveDate>, String> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("{flag} {v:?} is not a date like 2026-03-31"))
        })
        .transpose()
}

/// The score ranking with every figure, one row per team.
fn evaluation_rows(
    sink: &mut Sink,
    state: &yinling_projections::State,
    args: &ExportArgs,
) -> Result<(), String> {
    let period = Period {
        from: date_arg("--since", args.since.as_deref())?,
        to: date_arg("--until", args.until.as_deref())?,
    };
    if let (Some(f), Some(t)) = (period.from, period.to) {
        if f > t {
            return Err(format!("--since {f} is after --until {t}"));
        }
    }
    if let Some(d) = &args.district {
        if !state.districts.contains_key(d) {
            return Err(format!("--district {d:?} is not a district of this ledger"));
        }
    }
    sink.header::<ScoreRow<'_>>(args.lang, ("Evaluation", "绩效评价"))?;
    let scores = scores_out(state, period, args.district.as_deref());
    for row in scores.rows() {
        sink.row(row.team, &row)?;
    }
    Ok(())
}

fn from_server(url: &str, args: &ExportArgs) -> Result<ExitCode, String> {
    let token = args
        .token
        .clone()
        .ok_or("--from needs an auditor token: --token or YINLING_TOKEN")?;
    let base = url.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") && !base.starts_with("https://") {
        return Err(format!("--from {url:?} is not an http:// URL"));
    }
    if args.format == Format::Xlsx {
        return Err(
            "--from reads events, the log itself: export them as ndjson, or as csv to look at"
                .into(),
        );
    }
    let (mut sink, partial) = Sink::open(&args.out, args.format)?;
    sink.header::<EventOut>(args.lang, ("Events", "事件"))?;
    let runtime = super::runtime()?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(
            super::limits::SERVICE_ANSWER_TIMEOUT_SECONDS,
        ))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    let fetch = |path: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let resp = client
                .get(&path)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| format!("cannot reach {path}: {e}"))?;
            let status = resp.status();
            let body: serde_json::Value = resp
                .json()
                .await
                .map_err(|e| format!("{path} did not answer JSON: {e}"))?;
            if !status.is_success() {
                return Err(format!(
                    "{path} answered {status}: {}",
                    body["detail"].as_str().unwrap_or("")
                ));
            }
            Ok::<_, String>(body)
        }
    };
    let head = runtime.block_on(fetch(format!("{base}/v1/audit/head")))?["seq"]
        .as_u64()
        .unwrap_or(0);
    let until = args.as_of.unwrap_or(head).min(head);
    let mut progress = Progress::new("events", until);
    let mut after = 0u64;
    while after < until {
        // `min_seq`: a node of a cluster behind a load balancer answers once it has the head
        // the first answer gave, not with a feed that ends short.
        let page = runtime.block_on(fetch(format!(
            "{base}/v1/events?after={after}&limit=1000&min_seq={until}"
        )))?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if events.is_empty() {
            // Short of the head asked for: the file would look whole and not be.
            let written = if args.out == Path::new("-") {
                "what was written so far is incomplete"
            } else {
                "nothing was written"
            };
            return Err(format!(
                "the feed ended after event {after}, short of event {until}; {written} (try again)"
            ));
        }
        for e in events {
            let seq = e["seq"].as_u64().unwrap_or(0);
            if seq > until {
                break;
            }
            let out: EventOut = serde_json::from_value(e)
                .map_err(|err| format!("event {seq} is not in the feed's format: {err}"))?;
            event_row(&mut sink, &out)?;
            after = seq;
            progress.inc(1);
        }
    }
    progress.finish();
    sink.finish()?;
    if let Some(file) = partial {
        file.commit()?;
    }
    if args.out != Path::new("-") {
        eprintln!("wrote {} events to {}", after, args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes every data key of the key store beside `log` as NDJSON, `{"volunteer_id", "key"}`,
/// to a file only its owner may read.
fn export_keys(log: &dyn yinling_ledger::EventLog, out: &Path) -> Result<ExitCode, String> {
    if out == Path::new("-") {
        return Err(
            "--what keys is written to a file, never to the terminal: name one with --out".into(),
        );
    }
    let keys = super::backup::read_keys(log)?;
    let count = keys.len();
    let mut text = String::new();
    for (id, key) in &keys {
        text.push_str(
            &serde_json::json!({"volunteer_id": id.to_string(), "key": key.to_hex(id)}).to_string(),
        );
        text.push('\n');
    }
    yinling_ledger::keyfile::write_private(out, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "wrote {count} data keys to {} (readable by its owner only)",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
