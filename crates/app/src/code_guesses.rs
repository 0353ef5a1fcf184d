//! Wrong confirmation codes, counted across the whole node. The code routes take no token
//! (the code is the credential), so nothing names a caller to count by, and a client's
//! address behind the city's proxy is the proxy's. A code is twelve digits, but a thousand
//! live at once and a fast enough guesser finds one in hours; with at most
//! [`CODE_WRONG_PER_MINUTE`] wrong codes a minute, a node answers no code at all for the rest
//! of that minute, and finding one of a thousand takes decades. A code is counted as it
//! arrives and given back unless it was unknown, so a burst sent at once is counted as it
//! comes. A code already used is unknown too (the state keeps no list of used codes): a
//! slip's link opened again after confirming counts as one wrong code. The price: a flood of wrong
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

/// A code counted when it arrived, to be given back unless it was wrong: a burst sent at
/// once is counted as it comes, not after the first answers return.
#[derive(Debug)]
#[must_use = "give the slot back (`CodeGuesses::settle`) once the code's answer is known"]
pub struct Slot {
    window: Instant,
}

impl CodeGuesses {
    /// Counts a code as it arrives; refused while this minute's wrong codes are used up.
    pub fn reserve(&self) -> Result<Slot, Rejection> {
        self.reserve_at(Instant::now())
    }

    /// Settles a slot by how the code was answered (`refused`: the refusal's code, if it was
    /// refused): kept only for `unknown_code`, a code nobody holds; given back otherwise.
    pub fn settle(&self, slot: Slot, refused: Option<&str>) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        // A slot of a minute already over has nothing to give back or to warn of.
        if w.0 != slot.window {
            return;
        }
        if refused != Some("unknown_code") {
            w.1 = w.1.saturating_sub(1);
        } else if w.1 == CODE_WRONG_PER_MINUTE {
            tracing::warn!(
                wrong = w.1,
                "confirmation codes paused for the rest of the minute: that many wrong codes suggest someone is guessing"
            );
        }
    }

    fn reserve_at(&self, now: Instant) -> Result<Slot, Rejection> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.0) >= MINUTE {
            *w = (now, 0);
        }
        if w.1 >= CODE_WRONG_PER_MINUTE {
            let left = MINUTE.saturating_sub(now.duration_since(w.0));
            let left = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(Rejection::too_many(
                "codes_paused",
                format!(
                    "{CODE_WRONG_PER_MINUTE} wrong confirmation codes were typed here in the last minute, so codes are paused for {left} more seconds; wait a minute and type yours again"
                ),
            ));
        }
        w.1 += 1;
        Ok(Slot { window: w.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_of_wrong_codes_pauses_every_code_until_the_minute_is_over() {
        let guesses = CodeGuesses::default();
        let start = Instant::now();
        // Right codes given back leave room; a burst is counted as it arrives.
        for _ in 0..3 {
            let slot = guesses.reserve_at(start).expect("open");
            guesses.settle(slot, None);
        }
        let burst: Vec<Slot> = (0..CODE_WRONG_PER_MINUTE)
            .map(|_| guesses.reserve_at(start).expect("still open"))
            .collect();
        let paused = guesses
            .reserve_at(start + Duration::from_secs(30))
            .expect_err("paused while the burst is answered");
        assert_eq!(paused.code, "codes_paused");
        assert!(
            paused.detail.contains("30 more seconds"),
            "{}",
            paused.detail
        );
        for slot in burst {
            guesses.settle(slot, Some("unknown_code"));
        }
        assert!(guesses.reserve_at(start + Duration::from_secs(31)).is_err());
        let slot = guesses
            .reserve_at(start + MINUTE)
            .expect("a new minute starts afresh");
        guesses.settle(slot, None);
    }
}
