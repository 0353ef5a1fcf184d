//! Decisions about confirmation by the people served and about where a volunteer's notices
//! go: a coordinator gives the party an activity served a one-time code, the party confirms
//! with it, and a volunteer (or their coordinator) names their phone and a relative.

use yinling_ledger::personal::{NoticeContacts, Relative};
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::activities::{Activity, ConfirmationRequest};
use crate::checks::{self, text};
use crate::limits::{
    CONFIRMATION_CODE_DAYS, MAX_CONFIRMATION_CODES, MAX_NAME_CHARS, MAX_REASON_CHARS, MOBILE_DIGITS,
};
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// A one-time code for the party an activity served: the team's coordinator (or district
/// coordinator) gives it on paper or as a link. The code is derived by the caller from the
/// activity and `number`; only its digest is recorded.
pub(super) fn request(
    state: &State,
    who: &Principal,
    context: &Context,
    (activity_id, number, code_digest): (&ActivityId, u32, [u8; 32]),
    party: &str,
) -> Result<Vec<Commit>, Rejection> {
    let a = checks::activity(state, activity_id)?;
    access::may_write(who, &Write::LogActivity(a.team_id))?;
    let party = text("party", party, MAX_NAME_CHARS)?;
    if a.reversal().is_some() {
        return Err(Rejection::conflict(
            "already_reversed",
            "this activity was reversed: there is nothing left to confirm",
        ));
    }
    if a.confirmation_requests().len() >= MAX_CONFIRMATION_CODES {
        return Err(Rejection::conflict(
            "too_many_codes",
            format!("this activity already has {MAX_CONFIRMATION_CODES} confirmation codes"),
        ));
    }
    let expected = a.confirmation_requests().len() as u32 + 1;
    if number != expected || state.confirmation_codes.contains_key(&code_digest) {
        return Err(Rejection::conflict(
            "code_raced",
            "another code was given for this activity at the same moment; ask again",
        ));
    }
    let today = checks::today(state, context);
    Ok(vec![Commit::any(
        activity_id.stream(),
        vec![Event::ConfirmationRequested(ConfirmationRequested {
            activity_id: *activity_id,
            code_digest,
            number,
            party,
            expires_on: today + chrono::Days::new(CONFIRMATION_CODE_DAYS),
        })],
    )])
}

/// The party served confirms with its code, giving a name and a role. A code works once and
/// until its last day; the activity must still stand.
pub(super) fn confirm(
    state: &State,
    who: &Principal,
    context: &Context,
    code_digest: &[u8; 32],
    (name, role): (&str, &str),
) -> Result<Vec<Commit>, Rejection> {
    if !matches!(who, Principal::System | Principal::Admin(_)) {
        return Err(Rejection::forbidden(
            "code_only",
            "an activity is confirmed with the code its coordinator gave, on the confirmation page",
        ));
    }
    let name = text("name", name, MAX_NAME_CHARS)?;
    let role = text("role", role, MAX_NAME_CHARS)?;
    let today = checks::today(state, context);
    let (a, _) = usable_code(state, code_digest, today)?;
    let activity_id = &a.id;
    Ok(vec![Commit::any(
        activity_id.stream(),
        vec![Event::ActivityConfirmed(ActivityConfirmed {
            activity_id: *activity_id,
            code_digest: *code_digest,
            name,
            role,
            confirmed_on: today,
        })],
    )])
}

/// An administrator gives up an activity's wait for confirmation, saying why: the party it
/// served cannot be reached, and without this its points would wait for ever (codes last a
/// month, and an activity takes only so many). Only an administrator: a team that could
/// waive its own confirmations would need none.
pub(super) fn waive(
    state: &State,
    who: &Principal,
    context: &Context,
    activity_id: &ActivityId,
    reason: &str,
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(
        who,
        &Write::Administer("give up waiting for a confirmation"),
    )?;
    let reason = text("reason", reason, MAX_REASON_CHARS)?;
    let a = checks::activity(state, activity_id)?;
    if let Some(r) = a.reversal() {
        return Err(Rejection::conflict(
            "activity_reversed",
            format!("this activity was reversed at {} ({})", r.at, r.reason),
        ));
    }
    if !a.awaits_confirmation {
        let why = match (a.confirmations().first(), a.confirmation_waived()) {
            (Some(c), _) => format!("it was confirmed on {} by {}", c.confirmed_on, c.name),
            (None, Some(w)) => format!("its wait was given up on {} already", w.waived_on),
            (None, None) => "its points never waited for a confirmation".into(),
        };
        return Err(Rejection::conflict(
            "not_awaiting_confirmation",
            format!("activity {activity_id} does not wait for a confirmation: {why}"),
        ));
    }
    Ok(vec![Commit::any(
        activity_id.stream(),
        vec![Event::ConfirmationWaived(ConfirmationWaived {
            activity_id: *activity_id,
            reason,
            waived_on: checks::today(state, context),
        })],
    )])
}

/// The activity and request of a code that can be used today: known, not used, not past
/// its last day, its activity not reversed. The confirmation page asks the same before it
/// shows anything.
pub fn usable_code<'a>(
    state: &'a State,
    code_digest: &[u8; 32],
    today: chrono::NaiveDate,
) -> Result<(&'a Activity, &'a ConfirmationRequest), Rejection> {
    let activity_id = state
        .confirmation_codes
        .get(code_digest)
        .ok_or_else(checks::unknown_code)?;
    let a = checks::activity(state, activity_id)?;
    let request = a
        .confirmation_requests()
        .iter()
        .find(|r| r.code_digest == *code_digest && !r.used)
        .ok_or_else(checks::unknown_code)?;
    if today > request.expires_on {
        return Err(Rejection::conflict(
            "code_expired",
            format!(
                "this code could be used until {}; ask the team's coordinator for a new one",
                request.expires_on
            ),
        ));
    }
    if a.reversal().is_some() {
        return Err(Rejection::conflict(
            "already_reversed",
            "this activity was withdrawn by its team: there is nothing left to confirm",
        ));
    }
    Ok((a, request))
}

/// A mobile number as digits: spaces, dashes and a leading +86 or 86 dropped, full-width
/// digits read as digits; eleven digits starting with 1.
fn mobile(field: &str, value: &str) -> Result<String, Rejection> {
    let digits = checks::ascii_digits(value);
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| {
            digits
                .strip_prefix("86")
                .filter(|d| d.len() == MOBILE_DIGITS)
        })
        .unwrap_or(&digits)
        .to_owned();
    if digits.len() != MOBILE_DIGITS
        || !digits.starts_with('1')
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Rejection::invalid(
            "bad_phone",
            format!("{field}: a mobile number is {MOBILE_DIGITS} digits starting with 1, got \"{value}\""),
        ));
    }
    Ok(digits)
}

/// Where a volunteer's notices go: their own mobile, a relative as well, or neither (paper
/// only). The volunteer, their coordinator or district coordinator, an administrator.
pub(super) fn contacts(
    state: &State,
    who: &Principal,
    volunteer_id: &VolunteerId,
    phone: Option<&str>,
    relative: Option<&Relative>,
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, volunteer_id)?;
    access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id))?;
    let phone = phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| mobile("phone", p))
        .transpose()?;
    let relative = relative
        .map(|r| {
            Ok::<_, Rejection>(Relative {
                name: text("relative.name", &r.name, MAX_NAME_CHARS)?,
                relation: text("relative.relation", &r.relation, MAX_NAME_CHARS)?,
                phone: mobile("relative.phone", &r.phone)?,
            })
        })
        .transpose()?;
    if v.personal.erased {
        return Err(super::privacy::erased(&v.id));
    }
    let sealed = state
        .keys
        .0
        .seal_contacts(&v.id, &NoticeContacts { phone, relative })
        .map_err(|e| {
            Rejection::unavailable(
                "key_store_failed",
                format!("the contacts could not be sealed, nothing was saved: {e}"),
            )
        })?;
    Ok(vec![Commit::any(
        v.id.stream(),
        vec![Event::NoticeContactsSet(NoticeContactsSet {
            volunteer_id: v.id,
            sealed,
        })],
    )])
}
