//! Wrong confirmation codes, counted across the whole node. The code routes take no token
//! (the code is the credential), so nothing names a caller to count by, and a client's
//! address behind the city's proxy is the proxy's. A code is twelve digits, but a thousand
//! live at once and a fast enough guesser finds one in hours; with at most
//! [`CODE_WRONG_PER_MINUTE`] wrong codes a minute, a node answers no code at all for the rest
//! of that minute, and finding one of a thousand takes decades. The price: a flood of wrong
//! codes makes the party with a right one wait up to a minute (the refusal says so, and the
//! operator's log names the pause so the flood's source can be blocked at the proxy).
//!
//! In memory, per node, like the counter's PIN counts: a restart clears it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use yinling_projections::Rejection;

use crate::limits::CODE_WRONG_PER_MINUTE;

/// The wrong codes of the current minute.
#[derive(Debug)]
pub struct CodeGuesses {
    window: Mutex<(Instant, u32)>,
}

impl Default for CodeGuesses {
    fn default() -> Self {
        CodeGuesses {
            window: Mutex::new((Instant::now(), 0)),
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);

impl CodeGuesses {
    /// Refuses any code while this minute's wrong ones are used up.
    pub fn check(&self) -> Result<(), Rejection> {
        self.check_at(Instant::now())
    }

    /// Counts one wrong (unknown) code.
    pub fn wrong(&self) {
        self.wrong_at(Instant::now());
    }

    fn check_at(&self, now: Instant) -> Result<(), Rejection> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.0) >= MINUTE {
            *w = (now, 0);
        }
        if w.1 >= CODE_WRONG_PER_MINUTE {
            let left = MINUTE.saturating_sub(now.duration_since(w.0));
            let left = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(Rejection::forbidden(
                "codes_paused",
                format!(
                    "{CODE_WRONG_PER_MINUTE} wrong confirmation codes were typed here in the last minute, so codes are paused for {left} more seconds; wait a minute and type yours again"
                ),
            ));
        }
        Ok(())
    }

    fn wrong_at(&self, now: Instant) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.0) >= MINUTE {
            *w = (now, 0);
        }
        w.1 = w.1.saturating_add(1);
        if w.1 == CODE_WRONG_PER_MINUTE {
            tracing::warn!(
                wrong = w.1,
                "confirmation codes paused for the rest of the minute: that many wrong codes suggest someone is guessing"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_of_wrong_codes_pauses_every_code_until_the_minute_is_over() {
        let guesses = CodeGuesses::default();
        let start = Instant::now();
        for _ in 0..CODE_WRONG_PER_MINUTE {
            guesses.check_at(start).expect("still open");
            guesses.wrong_at(start);
        }
        let paused = guesses
            .check_at(start + Duration::from_secs(30))
            .expect_err("paused");
        assert_eq!(paused.code, "codes_paused");
        assert!(
            paused.detail.contains("30 more seconds"),
            "{}",
            paused.detail
        );
        guesses
            .check_at(start + MINUTE)
            .expect("a new minute starts afresh");
    }
}
