//! Wrong PINs and wrong pickup codes typed at the counter, counted. A counter PIN is four to
//! six digits and a pickup code six: without a count, anyone who may place a hold at the
//! counter (any station clerk, for any volunteer) could try every PIN and spend the
//! volunteer's points, and the clerk of a pickup station could try every code of a hold and
//! hand its reward over without the volunteer. A volunteer whose PIN, or a hold whose pickup
//! code, was typed wrong [`PIN_WRONG_PER_VOLUNTEER`] times takes none for [`PIN_LOCK_MINUTES`],
//! and a caller who typed [`PIN_WRONG_PER_CALLER`] wrong ones, of any volunteers or holds,
//! types none for as long: the card scan still works, and the volunteer in person is not
//! stopped. Every wrong one and every pause is logged with the ids (no name). A PIN set again
//! or cleared starts afresh. An attempt is counted when it arrives, before it is decided, and
//! given back unless it was wrong: a burst sent at once is counted as it comes.
//!
//! The counts live in this node's memory, outside the points chain (a refused command appends
//! nothing): a restart clears them, which gives a guesser a few more tries per restart, not a
//! million. Each pause doubles the next (up to [`PIN_LOCK_DOUBLINGS`] times, about five days):
//! a hold kept a year is open to about 400 wrong codes of its million, not the 175,000 that a
//! fixed quarter-hour pause would allow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use yinling_ledger::{RedemptionId, TokenId, VolunteerId};
use yinling_projections::{Command, CounterProof, Principal, Rejection};

use crate::error::AppError;
use crate::limits::{
    PIN_LOCK_DOUBLINGS, PIN_LOCK_MINUTES, PIN_WRONG_PER_CALLER, PIN_WRONG_PER_VOLUNTEER,
    PIN_WRONG_REMEMBERED,
};

/// What a guess is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Secret {
    /// A volunteer's counter PIN, typed to confirm a hold.
    Pin(VolunteerId),
    /// A hold's pickup code, typed to hand its reward over.
    PickupCode(RedemptionId),
}

impl Secret {
    /// The code a wrong guess at it is refused with.
    fn wrong_code(&self) -> &'static str {
        match self {
            Secret::Pin(_) => "wrong_pin",
            Secret::PickupCode(_) => "wrong_pickup_code",
        }
    }
}

/// How long a window lasts after `pauses` earlier pauses: [`PIN_LOCK_MINUTES`], doubled for
/// each up to [`PIN_LOCK_DOUBLINGS`] times.
fn length_after(pauses: u32) -> Duration {
    Duration::from_secs(PIN_LOCK_MINUTES * 60) * (1u32 << pauses.min(PIN_LOCK_DOUBLINGS))
}

/// Wrong guesses since the first of a window.
#[derive(Clone, Copy, Debug)]
struct Window {
    since: Instant,
    wrong: u32,
    /// Windows before this one that ended in a pause: each such pause doubles the next
    /// window, so that a guesser who waits out every pause still gets few tries in all.
    paused_before: u32,
}

impl Window {
    fn fresh(now: Instant) -> Window {
        Window {
            since: now,
            wrong: 0,
            paused_before: 0,
        }
    }

    /// [`PIN_LOCK_MINUTES`], doubled for each earlier pause up to [`PIN_LOCK_DOUBLINGS`]
    /// times.
    fn length(&self) -> Duration {
        length_after(self.paused_before)
    }

    fn live(&self, now: Instant) -> bool {
        now.duration_since(self.since) < self.length()
    }

    fn left(&self, now: Instant) -> Duration {
        self.length().saturating_sub(now.duration_since(self.since))
    }

    /// One more wrong guess counted; a window that ended starts afresh, remembering whether
    /// it ended in a pause.
    fn bump(&mut self, now: Instant, most: u32) {
        if !self.live(now) {
            let paused = u32::from(self.wrong >= most);
            *self = Window {
                paused_before: self.paused_before.saturating_add(paused),
                ..Window::fresh(now)
            };
        }
        self.wrong = self.wrong.saturating_add(1);
    }
}

/// The wrong guesses of the last [`PIN_LOCK_MINUTES`], by secret and by caller.
#[derive(Debug, Default)]
pub struct PinAttempts {
    windows: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    by_secret: HashMap<Secret, Window>,
    by_caller: HashMap<TokenId, Window>,
}

/// The secret guessed and the caller's token: a hold confirmed by a PIN, a hand-over with a
/// pickup code; `None` for any other command (a card scan, the volunteer themself, staff
/// without a counter proof, a hand-over without a code).
pub fn guessed(who: &Principal, command: &Command) -> Option<(Secret, Option<TokenId>)> {
    let caller = who.actor().token_id;
    match command {
        Command::HoldRedemption {
            volunteer_id,
            proof: Some(CounterProof::Pin(_)),
            ..
        } if !matches!(who, Principal::Volunteer(..)) => Some((Secret::Pin(*volunteer_id), caller)),
        Command::FulfilRedemption {
            redemption_id,
            pickup_code: Some(code),
            ..
        } if !code.trim().is_empty() => Some((Secret::PickupCode(*redemption_id), caller)),
        _ => None,
    }
}

/// How an attempt ended, for [`PinAttempts::settle`], from what the command came to.
pub fn settled<T>(secret: &Secret, outcome: &Result<T, AppError>) -> Settled {
    match outcome {
        Ok(_) => Settled::Right,
        Err(AppError::Rejected(r)) if r.code == secret.wrong_code() => Settled::Wrong,
        Err(_) => Settled::Other,
    }
}

/// How an attempt ended, for [`PinAttempts::settle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The guess was wrong: the attempt stays counted.
    Wrong,
    /// The guess was right: the secret's count starts afresh, and the attempt is not held
    /// against the caller.
    Right,
    /// Refused for another reason, or not decided: the attempt is given back.
    Other,
}

impl PinAttempts {
    /// Counts an attempt before it is decided, refusing it while the secret or the caller
    /// has had too many wrong guesses. Counted first, in the same step as the check, so that
    /// many attempts sent at once cannot all pass the check before any is found wrong;
    /// [`PinAttempts::settle`] gives back the ones that were not wrong.
    pub fn reserve(&self, secret: &Secret, caller: Option<TokenId>) -> Result<(), Rejection> {
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let windows = &mut *windows;
        let paused = |w: Option<&Window>, most: u32| {
            w.filter(|w| w.live(now) && w.wrong >= most)
                .map(|w| w.left(now))
        };
        if let Some(left) = paused(windows.by_secret.get(secret), PIN_WRONG_PER_VOLUNTEER) {
            let (minutes, seconds) = (minutes(left), seconds(left));
            return Err(match secret {
                Secret::Pin(volunteer) => Rejection::paused_for(
                    "pin_locked",
                    format!(
                        "the PIN of volunteer {volunteer} was typed wrong {PIN_WRONG_PER_VOLUNTEER} times; PINs for them are paused for {minutes} more minutes: scan their points card instead"
                    ),
                    seconds,
                ),
                Secret::PickupCode(hold) => Rejection::paused_for(
                    "pickup_code_locked",
                    format!(
                        "the pickup code of hold {hold} was typed wrong {PIN_WRONG_PER_VOLUNTEER} times; it can be handed over in {minutes} more minutes, with the code the volunteer shows"
                    ),
                    seconds,
                ),
            });
        }
        let by_caller = caller.and_then(|c| windows.by_caller.get(&c));
        if let Some(left) = paused(by_caller, PIN_WRONG_PER_CALLER) {
            let (minutes, seconds) = (minutes(left), seconds(left));
            return Err(match secret {
                Secret::Pin(_) => Rejection::paused_for(
                    "pin_locked",
                    format!(
                        "{PIN_WRONG_PER_CALLER} wrong PINs or pickup codes were typed with this sign-in; it takes none for {minutes} more minutes: scan the points card to confirm a hold"
                    ),
                    seconds,
                ),
                Secret::PickupCode(_) => Rejection::paused_for(
                    "sign_in_paused",
                    format!(
                        "{PIN_WRONG_PER_CALLER} wrong PINs or pickup codes were typed with this sign-in; it hands nothing over for {minutes} more minutes: another clerk of the station can"
                    ),
                    seconds,
                ),
            });
        }
        if windows.by_secret.len() + windows.by_caller.len() >= PIN_WRONG_REMEMBERED {
            // A window that ended is let go unless it ended in a pause or follows one (the
            // doubling must not be undone by filling the map with attempts refused for other
            // reasons), and even then no later than twice the longest pause (a map of old
            // pauses must not grow for ever and be scanned at every attempt).
            let longest = length_after(PIN_LOCK_DOUBLINGS) * 2;
            let keep = |w: &Window, most: u32| {
                (w.live(now) && w.wrong > 0)
                    || ((w.paused_before > 0 || w.wrong >= most)
                        && now.duration_since(w.since) < longest)
            };
            windows
                .by_secret
                .retain(|_, w| keep(w, PIN_WRONG_PER_VOLUNTEER));
            windows
                .by_caller
                .retain(|_, w| keep(w, PIN_WRONG_PER_CALLER));
        }
        windows
            .by_secret
            .entry(*secret)
            .or_insert(Window::fresh(now))
            .bump(now, PIN_WRONG_PER_VOLUNTEER);
        if let Some(c) = caller {
            windows
                .by_caller
                .entry(c)
                .or_insert(Window::fresh(now))
                .bump(now, PIN_WRONG_PER_CALLER);
        }
        Ok(())
    }

    /// Settles an attempt [`PinAttempts::reserve`] counted.
    pub fn settle(&self, secret: &Secret, caller: Option<TokenId>, how: Settled) {
        let mut windows = lock(&self.windows);
        let windows = &mut *windows;
        let give_back = |w: Option<&mut Window>| {
            if let Some(w) = w {
                w.wrong = w.wrong.saturating_sub(1);
            }
        };
        match how {
            Settled::Wrong => {
                let for_secret = windows.by_secret.get(secret).map_or(0, |w| w.wrong);
                let for_caller = caller
                    .and_then(|c| windows.by_caller.get(&c))
                    .map(|w| w.wrong);
                tracing::warn!(
                    secret = ?secret,
                    caller = ?caller,
                    wrong_for_secret = for_secret,
                    wrong_for_caller = ?for_caller,
                    "a wrong PIN or pickup code was typed at the counter"
                );
                if for_secret >= PIN_WRONG_PER_VOLUNTEER
                    || for_caller.is_some_and(|n| n >= PIN_WRONG_PER_CALLER)
                {
                    tracing::warn!(secret = ?secret, caller = ?caller, first_minutes = PIN_LOCK_MINUTES, "paused after too many wrong guesses (each pause doubles the next)");
                }
            }
            Settled::Right => {
                windows.by_secret.remove(secret);
                give_back(caller.and_then(|c| windows.by_caller.get_mut(&c)));
            }
            Settled::Other => {
                give_back(windows.by_secret.get_mut(secret));
                give_back(caller.and_then(|c| windows.by_caller.get_mut(&c)));
            }
        }
    }

    /// Starts the volunteer's count afresh: their PIN was set again or cleared.
    pub fn forget(&self, volunteer: &VolunteerId) {
        lock(&self.windows)
            .by_secret
            .remove(&Secret::Pin(*volunteer));
    }
}

/// Whole minutes left, at least one.
fn minutes(left: Duration) -> u64 {
    left.as_secs().div_ceil(60).max(1)
}

/// Whole seconds left of a pause, rounded up (a `Retry-After` of 0 would invite a retry
/// that is still refused).
fn seconds(left: Duration) -> u32 {
    let up = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    u32::try_from(up.max(1)).unwrap_or(u32::MAX)
}

fn lock(windows: &Mutex<Windows>) -> std::sync::MutexGuard<'_, Windows> {
    windows
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(n: u128) -> Secret {
        Secret::Pin(VolunteerId(uuid::Uuid::from_u128(n)))
    }

    fn try_pin(
        attempts: &PinAttempts,
        v: u128,
        caller: Option<TokenId>,
        how: Settled,
    ) -> Result<(), Rejection> {
        attempts.reserve(&pin(v), caller)?;
        attempts.settle(&pin(v), caller, how);
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
            attempts.reserve(&pin(1), None).expect("in flight");
        }
        let refused = attempts.reserve(&pin(1), None).expect_err("the sixth");
        assert_eq!(refused.code, "pin_locked");
    }

    /// A hold's pickup code is paused after five wrong ones, like a PIN, and only that hold's:
    /// another hold, and the volunteer's PIN, still take theirs.
    #[test]
    fn wrong_pickup_codes_pause_that_hold() {
        let attempts = PinAttempts::default();
        let clerk = Some(TokenId(uuid::Uuid::from_u128(7)));
        let hold = |n| Secret::PickupCode(RedemptionId(uuid::Uuid::from_u128(n)));
        for _ in 0..PIN_WRONG_PER_VOLUNTEER {
            attempts.reserve(&hold(1), clerk).expect("not yet paused");
            attempts.settle(&hold(1), clerk, Settled::Wrong);
        }
        let refused = attempts.reserve(&hold(1), clerk).expect_err("paused");
        assert_eq!(refused.code, "pickup_code_locked");
        assert!(
            refused.detail.contains("15 more minutes"),
            "{}",
            refused.detail
        );
        attempts.reserve(&hold(2), clerk).expect("another hold");
        attempts.reserve(&pin(1), clerk).expect("a PIN");
    }

    /// Filling the map with attempts refused for other reasons lets go of the windows that
    /// ended, but not of one that ended in a pause: the next window still doubles.
    #[test]
    fn a_full_map_keeps_what_a_pause_doubles() {
        let attempts = PinAttempts::default();
        let hold = Secret::PickupCode(RedemptionId(uuid::Uuid::from_u128(1)));
        let now = Instant::now();
        let Some(earlier) = now.checked_sub(Duration::from_secs(PIN_LOCK_MINUTES * 60 + 60)) else {
            return;
        };
        lock(&attempts.windows).by_secret.insert(
            hold,
            Window {
                since: earlier,
                wrong: PIN_WRONG_PER_VOLUNTEER,
                paused_before: 0,
            },
        );
        for n in 0..PIN_WRONG_REMEMBERED as u128 {
            attempts
                .reserve(&pin(n + 10), None)
                .expect("another volunteer");
            attempts.settle(&pin(n + 10), None, Settled::Other);
        }
        attempts.reserve(&hold, None).expect("the pause is over");
        let windows = lock(&attempts.windows);
        let w = windows.by_secret.get(&hold).expect("kept");
        assert_eq!(w.paused_before, 1);
        assert!(
            windows.by_secret.len() < PIN_WRONG_REMEMBERED,
            "the map was not pruned"
        );
    }

    /// A window that ended in a pause doubles the next one: waiting out each pause buys a
    /// guesser five tries a quarter-hour at first, then a half-hour, and so on.
    #[test]
    fn each_pause_doubles_the_next() {
        let now = Instant::now();
        let Some(earlier) = now.checked_sub(Duration::from_secs(PIN_LOCK_MINUTES * 60 + 60)) else {
            return;
        };
        let mut w = Window {
            since: earlier,
            wrong: PIN_WRONG_PER_VOLUNTEER,
            paused_before: 0,
        };
        assert!(!w.live(now), "the first pause is over");
        w.bump(now, PIN_WRONG_PER_VOLUNTEER);
        assert_eq!((w.wrong, w.paused_before), (1, 1));
        assert_eq!(w.length(), Duration::from_secs(PIN_LOCK_MINUTES * 60 * 2));
        // A window that ended without a pause does not double the next.
        let mut calm = Window {
            since: earlier,
            wrong: 1,
            paused_before: 0,
        };
        calm.bump(now, PIN_WRONG_PER_VOLUNTEER);
        assert_eq!(calm.paused_before, 0);
        // The doubling stops at PIN_LOCK_DOUBLINGS.
        let long = Window {
            paused_before: u32::MAX,
            ..Window::fresh(now)
        };
        assert_eq!(
            long.length(),
            Duration::from_secs(PIN_LOCK_MINUTES * 60) * (1 << PIN_LOCK_DOUBLINGS)
        );
    }
}
