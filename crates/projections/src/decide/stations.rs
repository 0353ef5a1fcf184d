//! Decisions about e-stations: opening one, restocking a station's shelf, moving stock
//! between stations, and a volunteer's counter details (phone digits, PIN).

use subtle::ConstantTimeEq as _;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, optional_text, text};
use crate::command::{CounterProof, TypedPin};
use crate::limits::*;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// What a new station is.
pub(super) struct NewStation<'a> {
    pub(super) station_id: StationId,
    pub(super) name: &'a str,
    pub(super) district: &'a str,
    pub(super) address: &'a str,
    pub(super) opening_hours: &'a str,
}

/// A new e-station in a registered district, with an empty shelf.
pub(super) fn open(
    state: &State,
    who: &Principal,
    s: NewStation<'_>,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("open e-stations"))?;
    let name = text("name", s.name, MAX_NAME_CHARS)?;
    let district = text("district", s.district, MAX_NAME_CHARS)?;
    let address = text("address", s.address, MAX_TITLE_CHARS)?;
    let opening_hours = optional_text("opening_hours", s.opening_hours, MAX_TITLE_CHARS)?;
    if !state.districts.get(&district).is_some_and(|d| d.registered) {
        return Err(Rejection::not_found(
            "district_not_found",
            format!("no district or county named {district:?} is registered; register it first"),
        ));
    }
    if s.station_id == StationId::FIRST
        || state
            .stations
            .get(&s.station_id)
            .is_some_and(|st| st.opened_at.is_some())
    {
        return Err(checks::duplicate_id("station", s.station_id));
    }
    if let Some(other) = state.stations.by_id.values().find(|st| st.name == name) {
        return Err(Rejection::conflict(
            "duplicate_station",
            format!(
                "an e-station named {name:?} already exists (id {})",
                other.id
            ),
        ));
    }
    Ok(vec![Commit::new_stream(
        s.station_id.stream(),
        vec![Event::StationOpened(StationOpened {
            station_id: s.station_id,
            name,
            district,
            address,
            opening_hours,
        })],
    )])
}

/// The station a command names, or the caller's own (a clerk's), or the first.
pub(super) fn station_of(who: &Principal, named: Option<StationId>) -> StationId {
    named.unwrap_or(match who {
        Principal::StationClerk(_, mine) => *mine,
        _ => StationId::FIRST,
    })
}

/// A quantity of units in range, or a refusal naming the field.
pub(super) fn units(quantity: u32) -> Result<u32, Rejection> {
    if quantity == 0 || quantity > MAX_STOCK_UNITS {
        return Err(Rejection::invalid(
            "bad_quantity",
            format!("quantity must be between 1 and {MAX_STOCK_UNITS}, got {quantity}"),
        ));
    }
    Ok(quantity)
}

/// More units of a reward on one station's shelf. The first station's restock is recorded as
/// it always was, so older readers of the log see it unchanged.
pub(super) fn restock(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    quantity: u32,
    station: Option<StationId>,
) -> Result<Vec<Commit>, Rejection> {
    let station_id = station_of(who, station);
    access::may_write(who, &Write::Restock(station_id))?;
    let quantity = units(quantity)?;
    let reward = checks::reward(state, reward_id)?;
    let station = checks::station(state, &station_id)?;
    let total_after = reward
        .stock
        .checked_add(quantity)
        .filter(|s| *s <= MAX_STOCK_UNITS);
    let Some(total_after) = total_after else {
        return Err(Rejection::invalid(
            "bad_quantity",
            format!("stock would exceed {MAX_STOCK_UNITS} units"),
        ));
    };
    let event = if station_id == StationId::FIRST {
        Event::RewardRestocked(RewardRestocked {
            reward_id: *reward_id,
            quantity,
            stock_after: total_after,
        })
    } else {
        Event::StationStocked(StationStocked {
            station_id,
            reward_id: *reward_id,
            quantity,
            stock_after: station.free(reward_id) + quantity,
        })
    };
    Ok(vec![Commit::any(reward_id.stream(), vec![event])])
}

/// Free units off one station's shelf, with the reason: never more than are free there (a
/// held unit is the volunteer's until the hold is settled).
pub(super) fn write_off(
    state: &State,
    who: &Principal,
    reward_id: &RewardId,
    quantity: u32,
    station: Option<StationId>,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    let station_id = station_of(who, station);
    access::may_write(who, &Write::Restock(station_id))?;
    let quantity = units(quantity)?;
    let reason = checks::text("reason", reason, MAX_REASON_CHARS)?;
    checks::reward(state, reward_id)?;
    let station = checks::station(state, &station_id)?;
    let free = station.free(reward_id);
    let Some(stock_after) = free.checked_sub(quantity) else {
        return Err(Rejection::conflict(
            "not_on_shelf",
            format!(
                "{} has {free} free units of this reward, fewer than the {quantity} to write off (units held for volunteers are settled by their holds)",
                station.name
            ),
        ));
    };
    Ok(vec![Commit::any(
        reward_id.stream(),
        vec![Event::StockWrittenOff(StockWrittenOff {
            station_id,
            reward_id: *reward_id,
            quantity,
            reason,
            stock_after,
        })],
    )])
}

/// What a transfer moves.
pub(super) struct Transfer<'a> {
    pub(super) reward_id: RewardId,
    pub(super) from: StationId,
    pub(super) to: StationId,
    pub(super) quantity: u32,
    pub(super) note: &'a str,
}

/// Free units move from one station's shelf to another's (held units stay where they are
/// picked up).
pub(super) fn transfer(
    state: &State,
    who: &Principal,
    t: Transfer<'_>,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("move stock between e-stations"))?;
    let quantity = units(t.quantity)?;
    let note = optional_text("note", t.note, MAX_REASON_CHARS)?;
    let reward = checks::reward(state, &t.reward_id)?;
    let from = checks::station(state, &t.from)?;
    checks::station(state, &t.to)?;
    if t.from == t.to {
        return Err(Rejection::invalid(
            "same_station",
            format!(
                "stock moves between two different stations; both are {}",
                from.name
            ),
        ));
    }
    let free = from.free(&t.reward_id);
    if free < quantity {
        return Err(Rejection::conflict(
            "out_of_stock",
            format!(
                "{} has {free} of {} free to move, {quantity} asked",
                from.name, reward.name
            ),
        ));
    }
    Ok(vec![Commit::any(
        t.reward_id.stream(),
        vec![Event::StockTransferred(StockTransferred {
            reward_id: t.reward_id,
            from_station: t.from,
            to_station: t.to,
            quantity,
            note,
        })],
    )])
}

/// Records (or forgets) the last four digits of a volunteer's phone.
pub(super) fn record_phone(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    last_four: &str,
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id))?;
    let digits = last_four.trim();
    if !digits.is_empty()
        && (digits.chars().count() != PHONE_DIGITS_KEPT
            || !digits.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Rejection::invalid(
            "bad_phone_digits",
            format!("last_four is the last {PHONE_DIGITS_KEPT} digits of a phone number, got {digits:?}"),
        ));
    }
    Ok(vec![Commit::any(
        volunteer_id.stream(),
        vec![super::privacy::sealed(
            state,
            volunteer_id,
            &yinling_ledger::personal::PersonalFields {
                phone_last_four: Some(digits.to_owned()),
                ..Default::default()
            },
        )?],
    )])
}

/// The digest PINs set before they were keyed were kept as: SHA-256 of the volunteer id and
/// the digits. Still accepted at the counter (those events cannot change); whoever reads the
/// log can recover such a PIN, so the operator asks those volunteers to set theirs again.
pub fn unkeyed_pin_digest(volunteer: &VolunteerId, pin: &str) -> Hash {
    Hash::of(&[volunteer.0.as_bytes().as_slice(), pin.as_bytes()].concat())
}

/// Why a PIN is among the first a dishonest helper would try, if it is: one digit repeated
/// (0000), a run up or down (1234, 9876), or what the counter's own screen shows about the
/// volunteer (their year of birth, the last four digits of their phone).
fn guessable(digits: &str, v: &crate::volunteers::Volunteer) -> Option<&'static str> {
    let d: Vec<i16> = digits
        .bytes()
        .map(|b| i16::from(b) - i16::from(b'0'))
        .collect();
    let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == 0) {
        return Some("one digit repeated");
    }
    if steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return Some("digits in a row");
    }
    if v.birth_year.is_some_and(|y| y.to_string() == digits) {
        return Some("the year of birth");
    }
    if v.phone_last_four.as_deref() == Some(digits) {
        return Some("the last four digits of the phone");
    }
    None
}

/// Sets or clears a volunteer's counter PIN.
pub(super) fn set_pin(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    pin: Option<&TypedPin>,
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id))?;
    // A PIN is a detail of the person, as their phone digits are: none is set for someone
    // erased (clearing one is allowed).
    if v.personal.erased && pin.is_some() {
        return Err(super::privacy::erased(volunteer_id));
    }
    let pin_sha256 = match pin {
        None => None,
        Some(pin) => {
            let digits = &pin.digits;
            let well_formed = (MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit());
            if !well_formed {
                return Err(Rejection::invalid(
                    "bad_pin",
                    format!("a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits"),
                ));
            }
            if let Some(why) = guessable(digits, v) {
                return Err(Rejection::invalid(
                    "weak_pin",
                    format!("this PIN is easy to guess ({why}); choose other digits"),
                ));
            }
            Some(pin.keyed)
        }
    };
    Ok(vec![Commit::any(
        volunteer_id.stream(),
        vec![Event::VolunteerPinSet(VolunteerPinSet {
            volunteer_id: *volunteer_id,
            pin_sha256,
        })],
    )])
}

/// How the volunteer confirmed a hold: themself, by card or PIN at a clerk's counter, or
/// by the staff (an administrator). A clerk's hold needs the card or the PIN.
pub(super) fn confirmation(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    proof: Option<&CounterProof>,
) -> Result<Confirmation, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    match (who, proof) {
        (Principal::Volunteer(..), _) => Ok(Confirmation::Themself),
        (_, Some(CounterProof::Card(secret))) => {
            let card = state.tokens.authenticate(secret);
            if card.is_some_and(|t| t.volunteer_id == Some(v.id)) {
                Ok(Confirmation::CardScan)
            } else {
                Err(Rejection::forbidden(
                    "card_mismatch",
                    format!(
                        "the card scanned is not {}'s live points card",
                        access::name_for(who, v)
                    ),
                ))
            }
        }
        // Someone erased confirms with their card only: their PIN went with their data.
        (_, Some(CounterProof::Pin(pin))) => {
            match v.pin_sha256.as_deref().filter(|_| !v.personal.erased) {
                // Compared in constant time, both ways always: how long a wrong PIN takes
                // says nothing about the digest.
                Some(h)
                    if bool::from(
                        h.0.ct_eq(&pin.keyed.0)
                            | h.0.ct_eq(&unkeyed_pin_digest(&v.id, &pin.digits).0),
                    ) =>
                {
                    Ok(Confirmation::Pin)
                }
                Some(_) => Err(Rejection::forbidden(
                    "wrong_pin",
                    format!(
                        "the PIN typed is not {}'s; ask them to type it again",
                        access::name_for(who, v)
                    ),
                )),
                None => Err(Rejection::forbidden(
                    "no_pin",
                    format!(
                        "{} has not set a PIN; scan their points card instead",
                        access::name_for(who, v)
                    ),
                )),
            }
        }
        (Principal::StationClerk(..), None) => Err(Rejection::invalid(
            "confirmation_needed",
            format!(
                "{} confirms at the counter: scan their points card or let them type their PIN",
                access::name_for(who, v)
            ),
        )),
        (_, None) => Ok(Confirmation::Staff),
    }
}
