//! Progress of long work: a bar with rate and ETA on a terminal, plain lines otherwise (so
//! logs of a cron job or CI stay readable).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::limits::PLAIN_LINE_EVERY_SECONDS;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress reporter.
pub struct Progress {
    bar: Option<ProgressBar>,
    what: String,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    /// Starts reporting `total` units of `what` (0 when unknown).
    pub fn new(what: &str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = if total > 0 {
                ProgressBar::new(total)
            } else {
                ProgressBar::new_spinner()
            };
            let template = if total > 0 {
                "{msg:>12} [{bar:40}] {pos}/{len} {per_sec} ETA {eta}"
            } else {
                "{msg:>12} {spinner} {pos} {per_sec}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_owned());
            bar
        });
        Progress {
            bar,
            what: what.to_owned(),
            total,
            done: 0,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    /// Records `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        match &self.bar {
            Some(bar) => bar.inc(n),
            None => {
                if self.last_line.elapsed() >= Duration::from_secs(PLAIN_LINE_EVERY_SECONDS) {
                    self.last_line = Instant::now();
                    eprintln!("{}", self.line());
                }
            }
        }
    }

    fn line(&self) -> String {
        let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        if self.total > 0 {
            let percent = self.done as f64 * 100.0 / self.total as f64;
            format!(
                "{}: {}/{} ({percent:.0}%), {rate:.0}/s",
                self.what, self.done, self.total
            )
        } else {
            format!("{}: {}, {rate:.0}/s", self.what, self.done)
        }
    }

    /// Ends the report; returns the elapsed time.
    pub fn finish(self) -> Duration {
        let elapsed = self.started.elapsed();
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => eprintln!("{} (done in {:.1}s)", self.line(), elapsed.as_secs_f64()),
        }
        elapsed
    }
}
