//! Wrong PINs typed at the counter, counted. A counter PIN is four to six digits: without a
//! count, anyone who may place a hold at the counter (any station clerk, for any volunteer)
//! could try them all and spend the volunteer's points. A volunteer whose PIN was typed wrong
//! [`PIN_WRONG_PER_VOLUNTEER`] times takes no PIN for [`PIN_LOCK_MINUTES`], and a caller who
//! typed [`PIN_WRONG_PER_CALLER`] wrong PINs, for any volunteers, types none for as long: the
//! card scan still works, and the volunteer in person is not stopped. Every wrong PIN and
//! every pause is logged with the ids (no name). A PIN set again or cleared starts afresh.
//! An attempt is counted when it arrives, before it is decided, and given back unless it was
//! wrong: a burst sent at once is counted as it comes.
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

/// How a PIN attempt ended, for [`PinAttempts::settle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The PIN was wrong: the attempt stays counted.
    Wrong,
    /// The PIN was right: the volunteer's count starts afresh, and the attempt is not held
    /// against the caller.
    Right,
    /// Refused for another reason, or not decided: the attempt is given back.
    Other,
}

impl PinAttempts {
    /// Counts an attempt before it is decided, refusing it while the volunteer or the caller
    /// has had too many wrong PINs. Counted first, in the same step as the check, so that
    /// many attempts sent at once cannot all pass the check before any is found wrong;
    /// [`PinAttempts::settle`] gives back the ones that were not wrong.
    pub fn reserve(
        &self,
        volunteer: &VolunteerId,
        caller: Option<TokenId>,
    ) -> Result<(), Rejection> {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let windows = &mut *windows;
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
        };
        let fresh = Window {
            since: now,
            wrong: 0,
        };
        bump(windows.by_volunteer.entry(*volunteer).or_insert(fresh));
        if let Some(c) = caller {
            bump(windows.by_caller.entry(c).or_insert(fresh));
        }
        Ok(())
    }

    /// Settles an attempt [`PinAttempts::reserve`] counted.
    pub fn settle(&self, volunteer: &VolunteerId, caller: Option<TokenId>, how: Settled) {
        let mut windows = lock(&self.windows);
        let windows = &mut *windows;
        let give_back = |w: Option<&mut Window>| {
            if let Some(w) = w {
                w.wrong = w.wrong.saturating_sub(1);
            }
        };
        match how {
            Settled::Wrong => {
                let for_volunteer = windows.by_volunteer.get(volunteer).map_or(0, |w| w.wrong);
                let for_caller = caller
                    .and_then(|c| windows.by_caller.get(&c))
                    .map(|w| w.wrong);
                tracing::warn!(
                    volunteer = %volunteer,
                    caller = ?caller,
                    wrong_for_volunteer = for_volunteer,
                    wrong_for_caller = ?for_caller,
                    "a wrong PIN was typed at the counter"
                );
                if for_volunteer >= PIN_WRONG_PER_VOLUNTEER
                    || for_caller.is_some_and(|n| n >= PIN_WRONG_PER_CALLER)
                {
                    tracing::warn!(volunteer = %volunteer, caller = ?caller, minutes = PIN_LOCK_MINUTES, "PINs paused after too many wrong ones");
                }
            }
            Settled::Right => {
                windows.by_volunteer.remove(volunteer);
                give_back(caller.and_then(|c| windows.by_caller.get_mut(&c)));
            }
            Settled::Other => {
                give_back(windows.by_volunteer.get_mut(volunteer));
                give_back(caller.and_then(|c| windows.by_caller.get_mut(&c)));
            }
        }
    }

    /// Starts the volunteer's count afresh: their PIN was set again or cleared.
    pub fn forget(&self, volunteer: &VolunteerId) {
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

    fn volunteer(n: u128) -> VolunteerId {
        VolunteerId(uuid::Uuid::from_u128(n))
    }

    fn try_pin(
        attempts: &PinAttempts,
        v: u128,
        caller: Option<TokenId>,
        how: Settled,
    ) -> Result<(), Rejection> {
        attempts.reserve(&volunteer(v), caller)?;
        attempts.settle(&volunteer(v), caller, how);
        Ok(())
    }

    /// Five wrong PINs pause that volunteer's PIN; another volunteer's is not paused until the
    /// same caller has typed twenty wrong ones in all; a right PIN clears the volunteer's count,
    /// and a refusal for another reason counts nothing.
    #[test]
    fn wrong_pins_pause_the_volunteer_then_the_caller() {
        let attempts = PinAttempts::default();
        let clerk = Some(TokenId(uuid::Uuid::from_u128(7)));
        for _ in 0..PIN_WRONG_PER_VOLUNTEER - 1 {
            try_pin(&attempts, 1, clerk, Settled::Wrong).expect("not yet paused");
        }
        try_pin(&attempts, 1, clerk, Settled::Right).expect("the right PIN");
        for _ in 0..PIN_WRONG_PER_VOLUNTEER - 1 {
            try_pin(&attempts, 1, clerk, Settled::Wrong).expect("counted afresh");
        }
        for _ in 0..10 {
            try_pin(&attempts, 1, clerk, Settled::Other).expect("other refusals count nothing");
        }
        try_pin(&attempts, 1, clerk, Settled::Wrong).expect("the fifth");
        let paused = try_pin(&attempts, 1, None, Settled::Right).expect_err("paused");
        assert_eq!(paused.code, "pin_locked");
        assert!(
            paused.detail.contains("15 more minutes"),
            "{}",
            paused.detail
        );

        let mut n = 2;
        while try_pin(&attempts, n, clerk, Settled::Wrong).is_ok() {
            n += 1;
        }
        assert_eq!(
            2 * (PIN_WRONG_PER_VOLUNTEER - 1) + 1 + (n as u32 - 2),
            PIN_WRONG_PER_CALLER,
            "the caller is paused at its twentieth wrong PIN"
        );
        let other_clerk = Some(TokenId(uuid::Uuid::from_u128(8)));
        assert!(try_pin(&attempts, n, other_clerk, Settled::Wrong).is_ok());
    }

    /// Attempts sent at once are counted as they arrive, before any is decided: the sixth of
    /// a burst for one volunteer is refused.
    #[test]
    fn a_burst_of_attempts_is_counted_before_it_is_decided() {
        let attempts = PinAttempts::default();
        for _ in 0..PIN_WRONG_PER_VOLUNTEER {
            attempts.reserve(&volunteer(1), None).expect("in flight");
        }
        let refused = attempts
            .reserve(&volunteer(1), None)
            .expect_err("the sixth");
        assert_eq!(refused.code, "pin_locked");
    }
}
