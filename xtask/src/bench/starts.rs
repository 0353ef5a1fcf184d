//! Starts of a city already generated, the three an operator meets: from scratch
//! (`--replay-from-scratch`, every event folded and every link checked), from the newest
//! snapshot with the whole chain walked first (the default) and from it with only the tail
//! checked (`--verify-tail --no-chain-walk`). Each kind is started `--start-rounds` times;
//! with `--start-beside BINARY`, a second build's start follows each of the first's, so that
//! two builds are compared on the same city in one run, alternated. For every start: the time
//! to `listening`, the start's own `verify_ms` and `load_ms`, the process's CPU by then, its
//! highest resident memory by then (`VmHWM`) and its resident memory `--start-settle-seconds`
//! later, at rest. Printed, with each kind's medians, not written to BENCHMARKS.md: these are
//! the shell loops the province's figures were measured with, in one command.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::http::{serve_command, ADMIN};
use super::median;

/// The three starts, each with the options of `serve` that make it.
const KINDS: [(&str, &[&str]); 3] = [
    // Its links are checked as the load reads them: `verify_ms` is 0 and `load_ms` holds it.
    ("from scratch", &["--replay-from-scratch"]),
    ("whole chain, from a snapshot", &[]),
    (
        "tail only, from a snapshot",
        &["--verify-tail", "--no-chain-walk"],
    ),
];

/// Longest a start may go without a line of output before the section gives up on it (a
/// province from scratch prints its `ledger open` line after about three minutes on two
/// cores).
const START_TIMEOUT: Duration = Duration::from_secs(3600);

/// What one start measured.
#[derive(Clone, Copy, Debug, Default)]
struct Start {
    /// Seconds from the process's launch to its `listening on` line.
    listening: f64,
    /// The start's own figures, from its `ledger open` log line, in ms.
    verify_ms: f64,
    load_ms: f64,
    /// CPU of the process by `listening`, seconds.
    cpu: f64,
    /// `VmHWM` at `listening`, and `VmRSS` the settling time later, thousands of KiB.
    peak: f64,
    rest: f64,
}

/// Starts each kind `rounds` times on `city` with `binary`, alternated with `beside` when
/// given, and prints every start and each kind's medians.
pub fn measure(
    binary: &Path,
    beside: Option<&Path>,
    city: &Path,
    rounds: usize,
    settle: Duration,
) -> Result<(), String> {
    let builds: Vec<&Path> = std::iter::once(binary).chain(beside).collect();
    eprintln!(
        "  {} on {}, rounds: {rounds}; resident at rest read {} s after `listening`; \
         memory in thousands of KiB",
        builds
            .iter()
            .map(|b| b.display().to_string())
            .collect::<Vec<_>>()
            .join(" alternated with "),
        city.display(),
        settle.as_secs()
    );
    for (kind, options) in KINDS {
        let mut seen: Vec<Vec<Start>> = vec![Vec::new(); builds.len()];
        for round in 1..=rounds {
            for (build, starts) in builds.iter().zip(seen.iter_mut()) {
                let s = start_once(build, city, options, settle)?;
                eprintln!(
                    "  {kind}, round {round}, {}: listening after {:.1} s (verify {:.0} ms, \
                     load {:.0} ms), CPU {:.1} s, peak {:.0}, at rest {:.0}",
                    build.display(),
                    s.listening,
                    s.verify_ms,
                    s.load_ms,
                    s.cpu,
                    s.peak,
                    s.rest
                );
                starts.push(s);
            }
        }
        for (build, starts) in builds.iter().zip(&seen) {
            let of = |f: fn(&Start) -> f64| median(starts.iter().map(f).collect());
            eprintln!(
                "  {kind}, {}, medians of {}: listening {:.1} s, verify {:.0} ms, load {:.0} \
                 ms, CPU {:.1} s, peak {:.0}, at rest {:.0}",
                build.display(),
                starts.len(),
                of(|s| s.listening),
                of(|s| s.verify_ms),
                of(|s| s.load_ms),
                of(|s| s.cpu),
                of(|s| s.peak),
                of(|s| s.rest)
            );
        }
    }
    Ok(())
}

/// One start of `serve` on `city` with `options`, measured, then stopped as an operator
/// stops it (SIGINT) and waited for.
fn start_once(
    binary: &Path,
    city: &Path,
    options: &[&str],
    settle: Duration,
) -> Result<Start, String> {
    let launched = Instant::now();
    let mut child = serve_command(binary, city, options, "warn,yinling_app::node=info")
        .env("YINLING_ADMIN_TOKEN", ADMIN)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id().to_string();
    let (said, hear) = mpsc::channel::<String>();
    if let Some(log) = child.stderr.take() {
        let said = said.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(log).lines().map_while(Result::ok) {
                if line.contains("ledger open") || !line.contains(" INFO ") {
                    let _ = said.send(line);
                }
            }
        });
    }
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = said.send(line);
            }
        });
    }
    let mut figures = Start::default();
    loop {
        let line = match hear.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            // Both of its outputs closed: it stopped (its last words were printed above).
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().map_err(|e| e.to_string())?;
                return Err(format!(
                    "{} on {} stopped before it listened ({status}; options {options:?})",
                    binary.display(),
                    city.display()
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                stop(&mut child);
                return Err(format!(
                    "{} on {} did not listen within {} s (options {options:?})",
                    binary.display(),
                    city.display(),
                    START_TIMEOUT.as_secs()
                ));
            }
        };
        if line.starts_with("listening on ") {
            figures.listening = launched.elapsed().as_secs_f64();
            break;
        }
        if line.contains("ledger open") {
            figures.verify_ms = field(&line, "verify_ms");
            figures.load_ms = field(&line, "load_ms");
        } else if !line.contains(" INFO ") {
            eprintln!("  the server: {line}");
        }
    }
    figures.cpu = super::http::cpu_micros(&pid) / 1e6;
    figures.peak = super::proc_memory_bytes(&pid, "VmHWM:") as f64 / 1024.0 / 1000.0;
    std::thread::sleep(settle);
    figures.rest = super::proc_memory_bytes(&pid, "VmRSS:") as f64 / 1024.0 / 1000.0;
    stop(&mut child);
    Ok(figures)
}

/// A `key=value` figure of a log line, NaN when the line has none.
fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// SIGINT, then waits for the process to end.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_s_figures_are_read_off_its_log_line() {
        let line = "2026-12-07T10:10:57.527130Z  INFO yinling_app::node: ledger open \
                    head=5718569 snapshot=None replayed=5718569 chain_checked_from=None \
                    verify_ms=0 load_ms=14306";
        assert_eq!(field(line, "load_ms"), 14306.0);
        assert_eq!(field(line, "verify_ms"), 0.0);
        assert!(field(line, "ms").is_nan(), "a key is matched whole");
        assert!(field("listening on http://127.0.0.1:1", "load_ms").is_nan());
    }
}
