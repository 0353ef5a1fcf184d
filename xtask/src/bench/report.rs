//! The Markdown written into BENCHMARKS.md between its markers.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::appends::AppendResult;
use super::disk::DiskLimits;
use super::http::HttpResult;
use super::micro::Micro;
use super::postgres::PgResults;
use super::replay::ReplayResult;
use super::BenchArgs;

/// Start marker of the generated section.
pub const START: &str =
    "<!-- bench:start (written by `cargo xtask bench`; edit outside the markers) -->";
/// End marker.
pub const END: &str = "<!-- bench:end -->";

/// The report being built.
pub struct Report {
    text: String,
    notes: Vec<String>,
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} RAM")
}

fn goal(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

impl Report {
    /// Starts a report.
    pub fn new(args: &BenchArgs, scratch: &Path, seconds: u64, replay_events: u64) -> Self {
        let mut text = String::new();
        let command = if args.quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        };
        let _ = writeln!(
            text,
            "Measured {} UTC on {}.",
            chrono::Utc::now().format("%Y-%m-%d %H:%M"),
            machine()
        );
        let _ = writeln!(text, "Command: `{command}` (each throughput figure runs {seconds} s; replay log of about {replay_events} events).");
        let _ = writeln!(
            text,
            "Scratch directory: `{}` (same disk as the data directory).\n",
            scratch.display()
        );
        if args.quick {
            let _ = writeln!(
                text,
                "> **Quick run**: a smoke test of the harness; figures are not comparable.\n"
            );
        }
        Report {
            text,
            notes: Vec::new(),
        }
    }

    /// Adds a note to the end.
    pub fn note(&mut self, note: &str) {
        self.notes.push(note.to_owned());
    }

    /// The disk's limits.
    pub fn disk(&mut self, d: &DiskLimits) {
        let t = &mut self.text;
        let _ = writeln!(t, "### The disk (the reference)\n");
        let _ = writeln!(t, "| limit | median of 3 |\n|---|---:|");
        let _ = writeln!(
            t,
            "| 256-byte write + fdatasync, one at a time | {:.0} /s |",
            d.fsyncs_per_second
        );
        let _ = writeln!(
            t,
            "| sequential write, 256 MiB then fsync | {:.0} MB/s |\n",
            d.sequential_mb_per_second
        );
    }

    /// Appends on sled and PostgreSQL.
    pub fn appends(&mut self, sled: &[AppendResult], pg: Option<&PgResults>, d: &DiskLimits) {
        let t = &mut self.text;
        let record = super::appends::record_bytes();
        let _ = writeln!(
            t,
            "### Durable appends: group commit on sled vs PostgreSQL\n"
        );
        let _ = writeln!(
            t,
            "Each writer submits a commit and waits until it is durable, then the next. Events are `ServiceLogged` envelopes of {record} bytes. \
             PostgreSQL{}: `fsync=on`, `synchronous_commit=on`, gap-free seq from a counter row in the same transaction, `UNIQUE (stream, version)`, \
             one tokio-postgres connection per writer.\n",
            pg.map(|p| format!(" {}", p.version)).unwrap_or_default()
        );
        let _ = writeln!(t, "| writers | events/commit | Yinling events/s | p50 / p99 ms | events per flush | flush ms | × single fsync | PostgreSQL events/s | p50 / p99 ms | Yinling / PostgreSQL |");
        let _ = writeln!(t, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for s in sled {
            let p = pg.and_then(|p| {
                p.results
                    .iter()
                    .find(|p| p.writers == s.writers && p.events_per_commit == s.events_per_commit)
            });
            let _ = writeln!(
                t,
                "| {} | {} | {:.0} | {:.2} / {:.2} | {:.1} | {:.2} | {:.1}× | {} | {} | {} |",
                s.writers,
                s.events_per_commit,
                s.events_per_second,
                s.latency.p50 / 1000.0,
                s.latency.p99 / 1000.0,
                s.mean_batch_events,
                s.mean_flush_micros / 1000.0,
                s.events_per_second / d.fsyncs_per_second,
                p.map_or("–".into(), |p| format!("{:.0}", p.events_per_second)),
                p.map_or("–".into(), |p| format!(
                    "{:.2} / {:.2}",
                    p.latency.p50 / 1000.0,
                    p.latency.p99 / 1000.0
                )),
                p.map_or("–".into(), |p| format!(
                    "{:.1}×",
                    s.events_per_second / p.events_per_second
                )),
            );
        }
        let at64 = |n: usize| {
            sled.iter()
                .find(|s| s.writers == 64 && s.events_per_commit == n)
        };
        let pg64 = |n: usize| {
            pg.and_then(|p| {
                p.results
                    .iter()
                    .find(|p| p.writers == 64 && p.events_per_commit == n)
            })
        };
        let _ = writeln!(t);
        if let Some(one) = sled
            .iter()
            .find(|s| s.writers == 1 && s.events_per_commit == 1)
        {
            let share = one.events_per_second / d.fsyncs_per_second;
            let _ = writeln!(
                t,
                "- Goal (#21) one writer ≥ 80% of the disk's one-at-a-time write + fdatasync rate (the appending probe above; `--only onewriter` compares with both probes in alternating slices): {:.0}% — {}.",
                share * 100.0,
                goal(share >= 0.8)
            );
        }
        for n in [1usize, 15] {
            if let Some(s) = at64(n) {
                let _ = writeln!(
                    t,
                    "- Goal ≥ 200,000 events/s and ≥ 40× the single-fsync rate at 64 writers, {n} event(s) per commit: {:.0} events/s, {:.0}× — {}.",
                    s.events_per_second,
                    s.events_per_second / d.fsyncs_per_second,
                    goal(s.events_per_second >= 200_000.0 && s.events_per_second >= 40.0 * d.fsyncs_per_second)
                );
                if n == 1 {
                    let _ = writeln!(
                        t,
                        "- Goal (#21) ≥ 100,000 one-event commits/s at 64 writers: {:.0} — {}.",
                        s.events_per_second,
                        goal(s.events_per_second >= 100_000.0)
                    );
                }
                if let Some(p) = pg64(n) {
                    let ratio = s.events_per_second / p.events_per_second;
                    let _ = writeln!(t, "- Goal ≥ 5× PostgreSQL at 64 writers, {n} event(s) per commit: {ratio:.1}× — {}.", goal(ratio >= 5.0));
                }
            }
        }
        let _ = writeln!(t);
    }

    /// Replay, snapshots, cold start, in-process rankings.
    pub fn replay(&mut self, r: &ReplayResult) {
        let t = &mut self.text;
        let _ = writeln!(t, "### Replay and cold start\n");
        let _ = writeln!(
            t,
            "A log of {} events ({} volunteers) generated by `yinling demo` through decide + group commit in {:.1} s ({:.0} events/s).\n",
            r.events,
            r.volunteers,
            r.generate_seconds,
            r.events as f64 / r.generate_seconds
        );
        let _ = writeln!(t, "| step | figure |\n|---|---:|");
        let _ = writeln!(
            t,
            "| read + decode + check the hash chain | {:.0} events/s |",
            r.read_per_second
        );
        let _ = writeln!(
            t,
            "| fold into every projection (`apply`) | {:.0} events/s |",
            r.apply_per_second
        );
        let _ = writeln!(
            t,
            "| both, one after the other | {:.0} events/s |",
            r.serial_per_second
        );
        let _ = writeln!(
            t,
            "| rebuild from scratch (reading and folding in parallel as a start does, the Merkle tree not built; the log just read, so the page cache is warm; median of 3) | {:.0} events/s |",
            r.rebuild_per_second
        );
        let _ = writeln!(
            t,
            "| clone of the state (the writer's pause before each snapshot) | {:.2} s |",
            r.clone_seconds
        );
        let _ = writeln!(
            t,
            "| snapshot of the state | {:.1} MB, encode {:.2} s, decode {:.2} s |",
            r.snapshot_bytes as f64 / 1e6,
            r.snapshot_encode_seconds,
            r.snapshot_decode_seconds
        );
        if let Some(c) = &r.changes {
            let _ = writeln!(
                t,
                "| snapshot of the changes of the last {} events since a whole one ({} volunteers, {} activities, {} redemptions, and the rest of the state whole: {:.1} MB of it) | {:.1} MB, encode {:.2} s, decode and apply {:.2} s |",
                c.events,
                c.keys_each.0,
                c.keys_each.1,
                c.keys_each.2,
                c.rest_bytes as f64 / 1e6,
                c.bytes as f64 / 1e6,
                c.encode_seconds,
                c.decode_seconds
            );
        }
        for (what, seconds) in &r.cold_starts {
            let _ = writeln!(
                t,
                "| cold start of `serve` to listening: {what} | {seconds:.3} s |"
            );
        }
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "- Goal replay ≥ 1,000,000 events/s: {:.0} events/s rebuild — {}.",
            r.rebuild_per_second,
            goal(r.rebuild_per_second >= 1_000_000.0)
        );
        if let Some((_, s)) = r.cold_starts.first() {
            let _ = writeln!(
                t,
                "- Goal cold start < 1 s with a snapshot on {} events: {s:.3} s — {}.",
                r.events,
                goal(*s < 1.0)
            );
        }
        let _ = writeln!(
            t,
            "\nRanking queries in process on the demo city (300 runs each):\n"
        );
        let _ = writeln!(t, "| query | p50 ms | p99 ms |\n|---|---:|---:|");
        for (what, p) in &r.rankings {
            let _ = writeln!(
                t,
                "| {what} | {:.3} | {:.3} |",
                p.p50 / 1000.0,
                p.p99 / 1000.0
            );
        }
        let worst = r
            .rankings
            .iter()
            .map(|(_, p)| p.p99)
            .fold(0.0, super::worst);
        let _ = writeln!(
            t,
            "\n- Goal ranking p99 < 5 ms on 10,000 volunteers: worst p99 {:.3} ms — {}.\n",
            worst / 1000.0,
            goal(worst < 5000.0)
        );
    }

    /// HTTP load.
    pub fn http(&mut self, results: &[HttpResult]) {
        let t = &mut self.text;
        let _ = writeln!(
            t,
            "### HTTP on loopback, {} concurrent clients\n",
            super::http::clients()
        );
        let _ = writeln!(
            t,
            "The load generator is a separate process on the same 2 cores as the server, its {} clients \
             keep-alive connections written and read as bytes on one thread of its own; the CPU \
             each used per request (user + system, all threads, from /proc) shows how the cores are shared. \
             The row \"the load generator reqwest\" is the same load through a general client (reqwest on \
             a multi-threaded runtime, what every row used before 2026-12-06), right after, on the same server; \
             the row after it is the lean generator again, on the ledger the two runs before it grew.\n",
            super::http::clients()
        );
        let _ = writeln!(t, "| request | req/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU µs/req | load generator CPU µs/req |\n|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in results {
            let _ = writeln!(
                t,
                "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.0} | {:.0} |",
                r.name,
                r.requests_per_second,
                r.latency.p50 / 1000.0,
                r.latency.p99 / 1000.0,
                r.latency.p999 / 1000.0,
                r.errors,
                r.server_cpu_us,
                r.client_cpu_us
            );
        }
        if let Some(post) = results.first() {
            let _ = writeln!(
                t,
                "\n- Goal logging ≥ 20,000 req/s with p99 < 20 ms: {:.0} req/s, p99 {:.2} ms — {}.\n",
                post.requests_per_second,
                post.latency.p99 / 1000.0,
                goal(post.requests_per_second >= 20_000.0 && post.latency.p99 < 20_000.0)
            );
        }
    }

    /// Micro-benchmarks.
    pub fn micro(&mut self, micro: &Micro) {
        let t = &mut self.text;
        let _ = writeln!(
            t,
            "### Micro-benchmarks (criterion, `cargo bench --bench micro`)\n"
        );
        let _ = writeln!(t, "| benchmark | median |\n|---|---:|");
        for (id, ns) in micro {
            let shown = if *ns >= 1e6 {
                format!("{:.2} ms", ns / 1e6)
            } else if *ns >= 1e3 {
                format!("{:.2} µs", ns / 1e3)
            } else {
                format!("{ns:.0} ns")
            };
            let _ = writeln!(t, "| {id} | {shown} |");
        }
        let _ = writeln!(t);
    }

    /// Closes the report.
    pub fn finish(&mut self, elapsed: Duration) {
        let notes = std::mem::take(&mut self.notes);
        for n in notes {
            let _ = writeln!(self.text, "> {n}\n");
        }
        let _ = writeln!(self.text, "Whole run: {:.0} s.", elapsed.as_secs_f64());
    }

    /// Replaces the section between the markers (or appends it).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_section(path, START, END, &self.text)
    }
}

/// Replaces the text between `start` and `end` in the file at `path` (or appends it with its
/// markers), and prints it.
pub fn write_section(path: &Path, start: &str, end: &str, text: &str) -> Result<(), String> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let section = format!("{start}\n{}\n{end}", text.trim_end());
    let new = match (old.find(start), old.find(end)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], section, &old[b + end.len()..]),
        _ => format!("{}\n\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{text}");
    Ok(())
}
