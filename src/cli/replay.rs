//! `yinling replay`: balances, stars and rankings as they stood after a seq or an instant.

use std::path::PathBuf;
use std::process::ExitCode;

use yinling_app::load::load_state;
use yinling_app::reports::{
    accounts as volunteers, categories, policies, rankings, rules, stars, teams,
};
use yinling_ledger::log::EnvelopeIter;
use yinling_ledger::{EventLog, OpenMode, SledLog, TeamId, Timestamp, VolunteerId};
use yinling_projections::rankings::{RankBy, RankingQuery};

/// Options of `replay`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("when").args(["as_of", "at"])))]
#[command(group(clap::ArgGroup::new("who").args(["volunteer", "team"])))]
pub struct ReplayArgs {
    /// The data directory.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Replay up to and including this event seq (default: everything).
    #[arg(long)]
    pub as_of: Option<u64>,
    /// Replay everything recorded at or before this instant (RFC 3339, e.g. 2026-06-30T23:59:59+08:00).
    #[arg(long)]
    pub at: Option<String>,
    /// Show one volunteer's account.
    #[arg(long)]
    pub volunteer: Option<String>,
    /// Show one team with its volunteer ranking.
    #[arg(long)]
    pub team: Option<String>,
    /// Rows of each ranking.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print JSON (the same documents the HTTP API returns) instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn seq_at(log: &dyn EventLog, text: &str) -> Result<u64, String> {
    let at = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| {
        format!(
            "--at {text:?} is not an RFC 3339 instant ({e}); write e.g. 2026-06-30T23:59:59+08:00"
        )
    })?;
    let at = Timestamp::from_datetime(&at);
    let mut seq = 0;
    for e in EnvelopeIter::new(log, 0) {
        let e = e.map_err(|e| e.to_string())?;
        if e.recorded_at > at {
            break;
        }
        seq = e.seq;
    }
    Ok(seq)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    say!("{text}");
    Ok(())
}

/// Runs `replay`.
pub fn run(args: ReplayArgs) -> Result<ExitCode, String> {
    super::backup::refuse_unfinished(&args.data)?;
    let log = SledLog::open(&args.data, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let head = log.head().seq;
    let until = match (&args.as_of, &args.at) {
        (Some(seq), _) if *seq > head => {
            return Err(format!(
                "--as-of {seq} is beyond the last event (seq {head})"
            ))
        }
        (Some(seq), _) => *seq,
        (None, Some(at)) => seq_at(&log, at)?,
        (None, None) => head,
    };
    let (state, snapshot, folded) = load_state(&log, Some(until)).map_err(|e| e.to_string())?;
    if !args.json {
        match snapshot {
            Some(s) => say!("state after seq {until} (snapshot {s} + {folded} events)"),
            None => say!("state after seq {until} ({folded} events folded)"),
        }
    }
    let most = yinling_projections::rankings::MAX_RANKING_LIMIT;
    if args.limit == 0 || args.limit > most {
        return Err(format!(
            "--limit {} is not a number of rows from 1 to {most}",
            args.limit
        ));
    }
    let limit = args.limit;
    if let Some(text) = &args.volunteer {
        let id: VolunteerId = text
            .parse()
            .map_err(|_| format!("--volunteer {text:?} is not a volunteer id"))?;
        let v = state
            .volunteers
            .get(&id)
            .ok_or_else(|| format!("no volunteer has id {id} at seq {until}"))?;
        let out = volunteers::volunteer_out(&state, v);
        if args.json {
            return print_json(&out).map(|()| ExitCode::SUCCESS);
        }
        say!("volunteer   {} ({})", out.name, out.id);
        say!(
            "team        {} ({}), {}",
            out.team_name,
            out.team_id,
            out.district
        );
        say!("available   {}", out.balance.available);
        say!(
            "earned      {}   reversed {}   held {}   redeemed {}",
            out.balance.earned,
            out.balance.reversed,
            out.balance.held,
            out.balance.redeemed
        );
        say!(
            "hours       {}   stars {}",
            out.hours,
            "★".repeat(out.stars as usize)
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(text) = &args.team {
        let id: TeamId = text
            .parse()
            .map_err(|_| format!("--team {text:?} is not a team id"))?;
        let team = state
            .teams
            .get(&id)
            .ok_or_else(|| format!("no team has id {id} at seq {until}"))?;
        let out = teams::team_out(&state.categories, team);
        let ranking = rankings::volunteer_ranking(
            &state,
            &RankingQuery {
                team_id: Some(id),
                limit,
                ..RankingQuery::default()
            },
        );
        if args.json {
            return print_json(&serde_json::json!({"team": out, "volunteers": ranking}))
                .map(|()| ExitCode::SUCCESS);
        }
        say!("team        {} ({}), {}", out.name, out.id, out.district);
        say!(
            "members     {}   activities {}   participant-times {}",
            out.members,
            out.tally.activities,
            out.tally.participant_times
        );
        say!(
            "hours       {}   points {}   redemptions {}",
            out.tally.hours,
            out.tally.points,
            out.tally.redemptions
        );
        print_ranking("volunteers of the team", &ranking);
        return Ok(ExitCode::SUCCESS);
    }
    let stats = rankings::stats_out(&state);
    let team_ranking = rankings::team_ranking(
        &state,
        &RankingQuery {
            limit,
            by: RankBy::Points,
            ..RankingQuery::default()
        },
    );
    let volunteer_ranking = rankings::volunteer_ranking(
        &state,
        &RankingQuery {
            limit,
            ..RankingQuery::default()
        },
    );
    // The earning rules as they stood then: every version adopted by that seq.
    let rule_versions: Vec<_> = state
        .rules
        .versions
        .iter()
        .map(|v| rules::version_out(&state.categories, v))
        .collect();
    // The categories as they stood then, open or not on the day of the last event folded.
    let then = state
        .timeline
        .last()
        .map_or_else(|| Timestamp::now().local_date(), |(at, _)| at.local_date());
    let category_list: Vec<_> = state
        .categories
        .all()
        .map(|c| categories::category_out(&state, c, then))
        .collect();
    let star_scale = stars::scale_out(&state);
    // The hold time, back-fill limit and time zone as they stood (a log that records no hold
    // time shows the built-in default, which is what a server started on it would use).
    let policy_list = policies::policies_out(
        &state,
        yinling_projections::limits::DEFAULT_HOLD_TTL_SECONDS,
    );
    if args.json {
        return print_json(&serde_json::json!({"stats": stats, "teams": team_ranking, "volunteers": volunteer_ranking, "rules": rule_versions, "categories": category_list, "stars": star_scale, "policies": policy_list}))
            .map(|()| ExitCode::SUCCESS);
    }
    print_stats(&stats);
    print_ranking("teams", &team_ranking);
    print_ranking("volunteers", &volunteer_ranking);
    print_rules(&rule_versions);
    print_categories(&category_list);
    print_stars(&star_scale);
    print_policies(&policy_list);
    Ok(ExitCode::SUCCESS)
}

/// Each district's teams, people, hours and points, and the city's points.
fn print_stats(stats: &rankings::StatsOut) {
    say!(
        "{:>8} {:>6} {:>10} {:>12}  district",
        "teams",
        "people",
        "hours",
        "points"
    );
    for d in &stats.districts {
        say!(
            "{:>8} {:>6} {:>10} {:>12}  {}",
            d.teams,
            d.volunteers,
            d.tally.hours.to_string(),
            d.tally.points.to_string(),
            d.name
        );
    }
    say!(
        "points: earned {}, reversed {}, held {}, redeemed {}",
        stats.totals.points_earned,
        stats.totals.points_reversed,
        stats.totals.points_held,
        stats.totals.points_redeemed
    );
}

/// The earning rules as they stood, one line per version.
fn print_rules(rule_versions: &[rules::RuleVersionOut]) {
    say!("\nearning rules then ({} versions):", rule_versions.len());
    if rule_versions.is_empty() {
        say!("  the default: 10 points an hour in every category");
    }
    for v in rule_versions {
        let rates: Vec<String> = v
            .rates
            .iter()
            .map(|(c, r)| format!("{} {r}/h", c.as_str()))
            .collect();
        say!(
            "  v{} from {}: default {}; {}; {} day rules; cap {}{}",
            v.version,
            v.effective_from.0,
            v.default_points_per_hour
                .map(|d| format!("{d}/h"))
                .unwrap_or_else(|| "unchanged".into()),
            if rates.is_empty() {
                "no category rates".into()
            } else {
                rates.join(", ")
            },
            v.multipliers.len(),
            v.max_hours_per_day
                .map(|c| format!("{c} h/day"))
                .unwrap_or_else(|| "none".into()),
            if v.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.note)
            }
        );
    }
}

/// The categories as they stood, one line each.
fn print_categories(category_list: &[categories::CategoryOut]) {
    say!("\ncategories then ({}):", category_list.len());
    for c in category_list {
        say!(
            "  {:<16} {} / {}, {}{}{}",
            c.code,
            c.label_zh,
            c.label_en,
            if c.built_in {
                "built in".to_owned()
            } else {
                format!("from {}", c.active_from.0)
            },
            c.active_until
                .map(|d| format!(" to {}", d.0))
                .unwrap_or_default(),
            c.retired_reason
                .as_ref()
                .map(|r| format!(" (retired: {r})"))
                .unwrap_or_default()
        );
    }
}

/// The star scale as it stood, and how many stars waited for confirmation.
fn print_stars(scale: &stars::StarScaleOut) {
    let hours = |v: &stars::ScaleVersionOut| {
        v.thresholds_hours
            .iter()
            .map(|t| t.0.to_string())
            .collect::<Vec<_>>()
            .join("/")
    };
    say!(
        "\nstar scale then: v{} {} hours{}{}",
        scale.current.version,
        hours(&scale.current),
        if scale.current.review {
            ", confirmed after public notice"
        } else {
            ""
        },
        if scale.recorded {
            ""
        } else {
            " (read off the hours; no scale adopted yet)"
        }
    );
    for v in &scale.versions {
        say!(
            "  v{} from {}: {} hours{}",
            v.version,
            v.adopted_on
                .as_ref()
                .map(|d| d.0.to_string())
                .unwrap_or_default(),
            hours(v),
            if v.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.note)
            }
        );
    }
}

/// The policies as they stood, each with its changes.
fn print_policies(p: &policies::PoliciesOut) {
    say!("\npolicies then:");
    let rows = [
        ("hold time (days)", &p.hold_days),
        ("back-fill limit (days)", &p.backfill_limit_days),
        ("time zone", &p.time_zone),
    ];
    for (name, policy) in rows {
        say!("  {name:<24} {}", policy.value);
        for step in &policy.history {
            say!(
                "    set to {} on {} (seq {}){}",
                step.value,
                step.on.0,
                step.seq,
                if step.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", step.note)
                }
            );
        }
    }
    say!(
        "  back-filled activities waiting for approval: {}",
        p.backfills_waiting
    );
}

fn print_ranking(title: &str, ranking: &rankings::RankingOut) {
    say!("\n{title} by {}:", ranking.by);
    say!("{:>4} {:>12} {:>10}  name", "rank", "points", "hours");
    for r in &ranking.items {
        say!(
            "{:>4} {:>12} {:>10}  {}",
            r.rank,
            r.points.to_string(),
            r.hours.to_string(),
            r.name
        );
    }
}
