//! Wrong PINs typed at the counter, counted. A counter PIN is four to six digits: without a
//! count, anyone who may place a hold at the counter (any station clerk, for any volunteer)
//! could try them all and spend the volunteer's points. A volunteer whose PIN was typed wrong
//! [`PIN_WRONG_PER_VOLUNTEER`] times takes no PIN for [`PIN_LOCK_MINUTES`], and a caller who
//! typed [`PIN_WRONG_PER_CALLER`] wrong PINs, for any volunteers, types none for as long: the
//! card scan still works, and the volunteer in person is not stopped. Every wrong PIN and
//! every pause is logged with the ids (no name). A PIN set again or cleared starts afresh.
//!
//! The counts live in this node's memory, outside the points chain (a refused command appends
//! nothing): a restart clears them, which gives a guesser a few more tries per restart, not
//! ten thousand.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use yinling_ledger::{TokenId, VolunteerId};
use yinling_projections::{Command, CounterProof, Principal, Rejection};

use crate::limits::{
    PIN_LOCK_MINUTES, PIN_WRONG_PER_CALLER, PIN_WRONG_PER_VOLUNTEER, PIN_WRONG_REMEMBERED,
};

/// Wrong PINs since the first of a window.
#[derive(Clone, Copy, Debug)]
struct Window {
    since: Instant,
    wrong: u32,
}

impl Window {
    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.since) < lock_window()
    }
}

fn lock_window() -> Duration {
    Duration::from_secs(PIN_LOCK_MINUTES * 60)
}

/// The wrong PINs of the last [`PIN_LOCK_MINUTES`], by volunteer and by caller.
#[derive(Debug, Default)]
pub struct PinAttempts {
    windows: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    by_volunteer: HashMap<VolunteerId, Window>,
    by_caller: HashMap<TokenId, Window>,
}

/// The volunteer and the caller's token of a hold confirmed by a PIN; `None` for any other
/// command (a card scan, the volunteer themself, staff without a counter proof).
pub fn pin_typed(who: &Principal, command: &Command) -> Option<(VolunteerId, Option<TokenId>)> {
    match command {
        Command::HoldRedemption {
            volunteer_id,
            proof: Some(CounterProof::Pin(_)),
            ..
        } if !matches!(who, Principal::Volunteer(..)) => {
            Some((*volunteer_id, who.actor().token_id))
        }
        _ => None,
    }
}

impl PinAttempts {
    /// Refuses a PIN for `volunteer` from `caller` while either has had too many wrong ones.
    pub fn check(&self, volunteer: &VolunteerId, caller: Option<TokenId>) -> Result<(), Rejection> {
        let now = Instant::now();
        let windows = lock(&self.windows);
        let paused = |w: Option<&Window>, most: u32| {
            w.filter(|w| w.live(now) && w.wrong >= most)
                .map(|w| lock_window().saturating_sub(now.duration_since(w.since)))
        };
        if let Some(left) = paused(windows.by_volunteer.get(volunteer), PIN_WRONG_PER_VOLUNTEER) {
            return Err(Rejection::forbidden(
                "pin_locked",
                format!(
                    "the PIN of volunteer {volunteer} was typed wrong {PIN_WRONG_PER_VOLUNTEER} times; PINs for them are paused for {} more minutes: scan their points card instead",
                    minutes(left)
                ),
            ));
        }
        let by_caller = caller.and_then(|c| windows.by_caller.get(&c));
        if let Some(left) = paused(by_caller, PIN_WRONG_PER_CALLER) {
            return Err(Rejection::forbidden(
                "pin_locked",
                format!(
                    "{PIN_WRONG_PER_CALLER} wrong PINs were typed with this sign-in; it takes no PIN for {} more minutes: scan the points card instead",
                    minutes(left)
                ),
            ));
        }
        Ok(())
    }

    /// Counts a wrong PIN for `volunteer` from `caller`.
    pub fn wrong(&self, volunteer: &VolunteerId, caller: Option<TokenId>) {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let windows = &mut *windows;
        if windows.by_volunteer.len() + windows.by_caller.len() >= PIN_WRONG_REMEMBERED {
            windows.by_volunteer.retain(|_, w| w.live(now));
            windows.by_caller.retain(|_, w| w.live(now));
        }
        let bump = |w: &mut Window| {
            if !w.live(now) {
                *w = Window {
                    since: now,
                    wrong: 0,
                };
            }
            w.wrong = w.wrong.saturating_add(1);
            w.wrong
        };
        let fresh = Window {
            since: now,
            wrong: 0,
        };
        let for_volunteer = bump(windows.by_volunteer.entry(*volunteer).or_insert(fresh));
        let for_caller = caller.map(|c| bump(windows.by_caller.entry(c).or_insert(fresh)));
        tracing::warn!(
            volunteer = %volunteer,
            caller = ?caller,
            wrong_for_volunteer = for_volunteer,
            wrong_for_caller = ?for_caller,
            "a wrong PIN was typed at the counter"
        );
        if for_volunteer == PIN_WRONG_PER_VOLUNTEER || for_caller == Some(PIN_WRONG_PER_CALLER) {
            tracing::warn!(volunteer = %volunteer, caller = ?caller, minutes = PIN_LOCK_MINUTES, "PINs paused after too many wrong ones");
        }
    }

    /// Clears the volunteer's count once their PIN was typed right, or set again.
    pub fn right(&self, volunteer: &VolunteerId) {
        lock(&self.windows).by_volunteer.remove(volunteer);
    }
}

/// Whole minutes left, at least one.
fn minutes(left: Duration) -> u64 {
    left.as_secs().div_ceil(60).max(1)
}

fn lock(windows: &Mutex<Windows>) -> std::sync::MutexGuard<'_, Windows> {
    windows
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five wrong PINs pause that volunteer's PIN; another volunteer's is not paused until the
    /// same caller has typed twenty wrong ones in all; a right PIN clears the volunteer's count.
    #[test]
    fn wrong_pins_pause_the_volunteer_then_the_caller() {
        let attempts = PinAttempts::default();
        let clerk = Some(TokenId(uuid::Uuid::from_u128(7)));
        let volunteer = |n: u128| VolunteerId(uuid::Uuid::from_u128(n));
        for _ in 0..PIN_WRONG_PER_VOLUNTEER - 1 {
            attempts.wrong(&volunteer(1), clerk);
        }
        assert!(attempts.check(&volunteer(1), clerk).is_ok());
        attempts.right(&volunteer(1));
        for _ in 0..PIN_WRONG_PER_VOLUNTEER - 1 {
            attempts.wrong(&volunteer(1), clerk);
        }
        assert!(
            attempts.check(&volunteer(1), clerk).is_ok(),
            "the right PIN cleared the count"
        );
        attempts.wrong(&volunteer(1), clerk);
        let paused = attempts.check(&volunteer(1), None).expect_err("paused");
        assert_eq!(paused.code, "pin_locked");
        assert!(
            paused.detail.contains("15 more minutes"),
            "{}",
            paused.detail
        );

        let mut n = 2;
        while attempts.check(&volunteer(n), clerk).is_ok() {
            attempts.wrong(&volunteer(n), clerk);
            n += 1;
        }
        assert_eq!(
            2 * (PIN_WRONG_PER_VOLUNTEER - 1) + 1 + (n as u32 - 2),
            PIN_WRONG_PER_CALLER,
            "the caller is paused at its twentieth wrong PIN"
        );
        let other_clerk = Some(TokenId(uuid::Uuid::from_u128(8)));
        assert!(attempts.check(&volunteer(n), other_clerk).is_ok());
    }
}
