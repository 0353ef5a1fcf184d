//! `yinling export`: events, balances, rankings or a statement as NDJSON or CSV, streamed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::ValueEnum;
use serde::Serialize;
use yinling_api::engine::load_state;
use yinling_api::routes::audit::{event_out, EventOut};
use yinling_api::routes::{evaluation, rankings, volunteers};
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
}

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document per line.
    Ndjson,
    /// Comma-separated values with a UTF-8 BOM, so Excel opens Chinese text correctly.
    Csv,
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
    /// Language of CSV headers.
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

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where rows go.
enum Sink {
    Ndjson(Box<dyn Write>),
    Csv(Box<csv::Writer<Box<dyn Write>>>),
}

impl Sink {
    fn open(path: &Path, format: Format) -> Result<Sink, String> {
        let mut out: Box<dyn Write> = if path == Path::new("-") {
            Box::new(BufWriter::new(std::io::stdout()))
        } else {
            let file =
                File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            Box::new(BufWriter::new(file))
        };
        Ok(match format {
            Format::Ndjson => Sink::Ndjson(out),
            Format::Csv => {
                out.write_all(UTF8_BOM).map_err(|e| e.to_string())?;
                Sink::Csv(Box::new(csv::Writer::from_writer(out)))
            }
        })
    }

    fn header(&mut self, en: &[&str], zh: &[&str], lang: Lang) -> Result<(), String> {
        if let Sink::Csv(w) = self {
            w.write_record(if lang == Lang::Zh { zh } else { en })
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn row<T: Serialize>(
        &mut self,
        json: &T,
        csv_fields: impl FnOnce() -> Vec<String>,
    ) -> Result<(), String> {
        match self {
            Sink::Ndjson(w) => {
                serde_json::to_writer(&mut *w, json).map_err(|e| e.to_string())?;
                w.write_all(b"\n").map_err(|e| e.to_string())
            }
            Sink::Csv(w) => w.write_record(csv_fields()).map_err(|e| e.to_string()),
        }
    }

    fn finish(self) -> Result<(), String> {
        match self {
            Sink::Ndjson(mut w) => w.flush().map_err(|e| e.to_string()),
            Sink::Csv(mut w) => w.flush().map_err(|e| e.to_string()),
        }
    }
}

const EVENT_EN: [&str; 10] = [
    "seq",
    "type",
    "stream",
    "stream_version",
    "recorded_at",
    "actor_role",
    "actor_token",
    "hash",
    "prev_hash",
    "data",
];
const EVENT_ZH: [&str; 10] = [
    "序号",
    "类型",
    "流",
    "流版本",
    "记录时间",
    "操作角色",
    "操作令牌",
    "哈希",
    "前一哈希",
    "数据",
];

fn event_row(sink: &mut Sink, e: &EventOut) -> Result<(), String> {
    sink.row(e, || {
        vec![
            e.seq.to_string(),
            e.kind.clone(),
            e.stream.clone(),
            e.stream_version.to_string(),
            e.recorded_at.clone(),
            e.actor.role.clone(),
            e.actor.token_id.clone().unwrap_or_default(),
            e.hash.clone(),
            e.prev_hash.clone(),
            e.data.to_string(),
        ]
    })
}

/// Runs `export`.
pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    if let Some(url) = &args.from {
        if args.what != What::Events {
            return Err("--from reads only events; export balances, rankings and statements from a data directory (or a backup of it)".into());
        }
        return from_server(url, &args);
    }
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from("./data"));
    let log = super::logs::open_existing(&data, &args.log).map_err(|e| {
        format!("{e}. To export from a running server use `yinling export --from http://HOST:PORT --token ...`")
    })?;
    let mut sink = Sink::open(&args.out, args.format)?;
    match args.what {
        What::Events => {
            sink.header(&EVENT_EN, &EVENT_ZH, args.lang)?;
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
                    sink.header(
                        &[
                            "id",
                            "name",
                            "team_id",
                            "team",
                            "district",
                            "earned",
                            "reversed",
                            "held",
                            "redeemed",
                            "available",
                            "hours",
                            "stars",
                        ],
                        &[
                            "编号",
                            "姓名",
                            "队伍编号",
                            "队伍",
                            "区县",
                            "累计获得积分",
                            "冲正积分",
                            "冻结积分",
                            "已兑换积分",
                            "可用积分",
                            "服务时长（小时）",
                            "星级",
                        ],
                        args.lang,
                    )?;
                    let mut all: Vec<_> = state.volunteers.values().collect();
                    all.sort_by(|a, b| {
                        (&a.district, a.team_id, &a.name, a.id).cmp(&(
                            &b.district,
                            b.team_id,
                            &b.name,
                            b.id,
                        ))
                    });
                    for v in all {
                        let o = volunteers::volunteer_out(&state, v);
                        sink.row(&o, || {
                            vec![
                                o.id.clone(),
                                o.name.clone(),
                                o.team_id.clone(),
                                o.team_name.clone(),
                                o.district.clone(),
                                o.balance.earned.to_string(),
                                o.balance.reversed.to_string(),
                                o.balance.held.to_string(),
                                o.balance.redeemed.to_string(),
                                o.balance.available.to_string(),
                                o.hours.to_string(),
                                o.stars.to_string(),
                            ]
                        })?;
                    }
                }
                What::Rankings => {
                    sink.header(
                        &["rank", "id", "name", "district", "points", "hours"],
                        &["名次", "编号", "名称", "区县", "积分", "服务时长（小时）"],
                        args.lang,
                    )?;
                    let ranking = rankings::team_ranking(
                        &state,
                        &RankingQuery {
                            limit: yinling_projections::rankings::MAX_RANKING_LIMIT,
                            ..RankingQuery::default()
                        },
                    );
                    for r in &ranking.items {
                        sink.row(r, || {
                            vec![
                                r.rank.to_string(),
                                r.id.clone(),
                                r.name.clone(),
                                r.district.clone().unwrap_or_default(),
                                r.points.to_string(),
                                r.hours.to_string(),
                            ]
                        })?;
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
                    sink.header(
                        &[
                            "seq",
                            "at",
                            "kind",
                            "date",
                            "points",
                            "hours",
                            "balance",
                            "activity_id",
                            "redemption_id",
                            "description",
                        ],
                        &[
                            "序号",
                            "时间",
                            "类别",
                            "服务日期",
                            "积分变动",
                            "时长变动",
                            "可用余额",
                            "活动编号",
                            "兑换编号",
                            "说明",
                        ],
                        args.lang,
                    )?;
                    for e in &v.statement {
                        let o = volunteers::entry_out(&state, e);
                        sink.row(&o, || {
                            vec![
                                o.seq.to_string(),
                                o.at.clone(),
                                o.kind.clone(),
                                o.date.map(|d| d.0.to_string()).unwrap_or_default(),
                                o.points.to_string(),
                                o.hours.to_string(),
                                o.balance.to_string(),
                                o.activity_id.clone().unwrap_or_default(),
                                o.redemption_id.clone().unwrap_or_default(),
                                o.description.clone(),
                            ]
                        })?;
                    }
                }
            }
        }
    }
    sink.finish()?;
    if args.out != Path::new("-") {
        eprintln!("wrote {}", args.out.display());
    }
    Ok(ExitCode::SUCCESS)
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
    let en: Vec<&str> = evaluation::SCORE_COLUMNS.iter().map(|c| c.0).collect();
    let zh: Vec<&str> = evaluation::SCORE_COLUMNS.iter().map(|c| c.1).collect();
    sink.header(&en, &zh, args.lang)?;
    let scores = evaluation::scores_out(state, period, args.district.as_deref());
    for t in &scores.items {
        sink.row(t, || evaluation::score_cells(t, scores.scoring_version))?;
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
    let mut sink = Sink::open(&args.out, args.format)?;
    sink.header(&EVENT_EN, &EVENT_ZH, args.lang)?;
    let runtime = super::runtime()?;
    let client = reqwest::Client::new();
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
        let page = runtime.block_on(fetch(format!("{base}/v1/events?after={after}&limit=1000")))?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if events.is_empty() {
            break;
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
    if args.out != Path::new("-") {
        eprintln!("wrote {} events to {}", after, args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}
