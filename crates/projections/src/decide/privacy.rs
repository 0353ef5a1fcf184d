//! Decisions about personal data: sealing a volunteer's fields under their own key, erasure,
//! consent and the privacy notice.

use chrono::NaiveDate;
use yinling_ledger::personal::PersonalFields;
use yinling_ledger::writer::Context;
use yinling_ledger::*;

use crate::access::{self, Write};
use crate::checks::{self, not_future, text};
use crate::limits::{MAX_NAME_CHARS, MAX_NOTICE_CHARS, MAX_REASON_CHARS};
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

/// The event that records `fields` for `id`, sealed under their key (made now for someone
/// new). Nothing is sealed for someone erased.
pub(super) fn sealed(
    state: &State,
    id: &VolunteerId,
    fields: &PersonalFields,
) -> Result<Event, Rejection> {
    if state.volunteers.get(id).is_some_and(|v| v.personal.erased) {
        return Err(erased(id));
    }
    let sealed = state.keys.0.seal(id, fields).map_err(|e| {
        Rejection::unavailable(
            "key_store_failed",
            format!("the personal data could not be sealed, nothing was saved: {e}"),
        )
    })?;
    Ok(Event::PersonalDataSealed(PersonalDataSealed {
        volunteer_id: *id,
        sealed,
    }))
}

pub(super) fn erased(id: &VolunteerId) -> Rejection {
    Rejection::conflict(
        "volunteer_erased",
        format!("volunteer {id} was erased at their request; their personal data cannot be recorded again"),
    )
}

/// An administrator records an erasure request: who asked (a role, not a name), when, and
/// on what legal basis. The person's key is destroyed once the event is durable.
pub(super) fn erase(
    state: &State,
    who: &Principal,
    context: &Context,
    id: &VolunteerId,
    (requested_by, requested_on, legal_basis): (&str, NaiveDate, &str),
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("erase volunteers' personal data"))?;
    let v = checks::volunteer(state, id)?;
    if v.personal.erased {
        return Err(erased(id));
    }
    // Recorded before personal data was sealed: the name is in the log's events in plain
    // text, where destroying a key cannot reach it. Said so, not recorded as done.
    if v.personal.plain.is_some() {
        return Err(Rejection::conflict(
            "recorded_in_plain",
            format!(
                "volunteer {id}'s personal data was recorded before it was sealed and is in the log in plain text, which an erasure cannot remove: seal the log first (yinling seal, see the README), then erase"
            ),
        ));
    }
    let requested_by = text("requested_by", requested_by, MAX_NAME_CHARS)?;
    let legal_basis = text("legal_basis", legal_basis, MAX_REASON_CHARS)?;
    not_future("requested_on", requested_on, state, context)?;
    Ok(vec![Commit::any(
        id.stream(),
        vec![Event::VolunteerErased(VolunteerErased {
            volunteer_id: *id,
            requested_by,
            requested_on,
            legal_basis,
        })],
    )])
}

/// A consent given under a published version of the notice, recorded by the person's
/// coordinator (or the person).
pub(super) fn consent(
    state: &State,
    who: &Principal,
    context: &Context,
    id: &VolunteerId,
    (purpose, notice_version, given_on, collected_by): (&str, u32, NaiveDate, &str),
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, id)?;
    access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id))?;
    if v.personal.erased {
        return Err(erased(id));
    }
    Ok(vec![Commit::any(
        id.stream(),
        vec![consent_event(
            state,
            context,
            id,
            (purpose, notice_version, given_on, collected_by),
        )?],
    )])
}

/// The consent event, checked: a purpose, a notice version that was published by that day,
/// a day not in the future, who collected it.
pub(super) fn consent_event(
    state: &State,
    context: &Context,
    id: &VolunteerId,
    (purpose, notice_version, given_on, collected_by): (&str, u32, NaiveDate, &str),
) -> Result<Event, Rejection> {
    let purpose = text("purpose", purpose, MAX_NAME_CHARS)?;
    let collected_by = text("collected_by", collected_by, MAX_NAME_CHARS)?;
    not_future("given_on", given_on, state, context)?;
    let Some(notice) = state
        .privacy_notices
        .iter()
        .find(|n| n.version == notice_version)
    else {
        let latest = state.privacy_notices.last().map_or(0, |n| n.version);
        return Err(Rejection::invalid(
            "unknown_notice_version",
            if latest == 0 {
                "no privacy notice is published yet; publish one first (PUT /v1/privacy-notice)"
                    .to_owned()
            } else {
                format!("notice_version is 1 to {latest}, got {notice_version}")
            },
        ));
    };
    if notice.published_on > given_on {
        return Err(Rejection::invalid(
            "notice_not_yet_published",
            format!(
                "notice version {notice_version} applies from {}, after given_on {given_on}",
                notice.published_on
            ),
        ));
    }
    Ok(Event::ConsentRecorded(ConsentRecorded {
        volunteer_id: *id,
        purpose,
        notice_version,
        given_on,
        collected_by,
    }))
}

/// A consent withdrawn (by the person, their coordinator or an administrator).
pub(super) fn withdraw(
    state: &State,
    who: &Principal,
    context: &Context,
    id: &VolunteerId,
    (purpose, withdrawn_on): (&str, NaiveDate),
) -> Result<Vec<Commit>, Rejection> {
    let v = checks::volunteer(state, id)?;
    access::may_write(who, &Write::VolunteerDetails(v.id, v.team_id))?;
    let purpose = text("purpose", purpose, MAX_NAME_CHARS)?;
    not_future("withdrawn_on", withdrawn_on, state, context)?;
    if !v
        .personal
        .consents
        .iter()
        .any(|c| c.purpose == purpose && c.withdrawn_on.is_none())
    {
        return Err(Rejection::conflict(
            "no_consent",
            format!(
                "{} has no consent for {purpose:?} to withdraw",
                access::name_for(who, v)
            ),
        ));
    }
    Ok(vec![Commit::any(
        id.stream(),
        vec![Event::ConsentWithdrawn(ConsentWithdrawn {
            volunteer_id: *id,
            purpose,
            withdrawn_on,
        })],
    )])
}

/// A new version of the privacy notice (administrators).
pub(super) fn publish_notice(
    state: &State,
    who: &Principal,
    context: &Context,
    (text_zh, text_en, published_on): (&str, &str, NaiveDate),
) -> Result<Vec<Commit>, Rejection> {
    access::may_write(who, &Write::Administer("publish the privacy notice"))?;
    let text_zh = checks::paragraphs("text_zh", text_zh, MAX_NOTICE_CHARS)?;
    if text_zh.is_empty() {
        return Err(Rejection::invalid(
            "empty_text",
            "text_zh must not be empty",
        ));
    }
    let text_en = checks::paragraphs("text_en", text_en, MAX_NOTICE_CHARS)?;
    not_future("published_on", published_on, state, context)?;
    if let Some(last) = state.privacy_notices.last() {
        if last.text_zh == text_zh && last.text_en == text_en {
            return Err(Rejection::conflict(
                "no_change",
                format!("version {} already says this", last.version),
            ));
        }
    }
    let version = state.privacy_notices.last().map_or(1, |n| n.version + 1);
    Ok(vec![Commit::any(
        StreamId::policies(),
        vec![Event::PrivacyNoticePublished(PrivacyNoticePublished {
            version,
            text_zh,
            text_en,
            published_on,
        })],
    )])
}
