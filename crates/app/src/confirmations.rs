//! Confirmation by the people served, written once for every front end: a coordinator gives
//! the party an activity served (a village committee, a community, a family) a one-time
//! code, on a slip or as a link; the party opens the confirmation page, sees what it is asked
//! to vouch for, and confirms with a name and a role.
//!
//! The code is derived from the mint key, the activity and the request's number (so a
//! retried request shows the same code); the log keeps only its keyed digest, so neither an
//! auditor nor a copy of the log can confirm anything.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::writer::Idempotency;
use yinling_ledger::{ActivityConfirmed, ActivityId, ConfirmationRequested};
use yinling_projections::{Command, Principal};

use crate::answers::{Receipt, Written};
use crate::error::AppError;
use crate::limits::CONFIRMATION_CODE_DIGITS;
use crate::App;

/// A code given to the party an activity served.
#[derive(Clone, Debug)]
pub struct CodeGiven {
    /// The activity.
    pub activity_id: ActivityId,
    /// Which code of the activity.
    pub number: u32,
    /// The code, twelve digits.
    pub code: String,
    /// The code as printed on a slip: three groups of four.
    pub shown: String,
    /// The page it is confirmed on (absolute when the service knows its public address).
    pub link: String,
    /// Who was served.
    pub party: String,
    /// The last day it works.
    pub expires_on: NaiveDate,
}

/// What the party served is asked to confirm, as the confirmation page shows it: enough to
/// recognise the visit, names masked.
#[derive(Clone, Debug)]
pub struct ToConfirm {
    /// The activity.
    pub activity_id: ActivityId,
    /// The team that logged it.
    pub team_id: yinling_ledger::TeamId,
    /// The team that served.
    pub team: String,
    /// Its district.
    pub district: String,
    /// The service date.
    pub date: NaiveDate,
    /// What was done.
    pub title: String,
    /// The kind of service, in Chinese.
    pub category: String,
    /// The volunteers, names masked, with their hours.
    pub volunteers: Vec<(String, Decimal)>,
    /// Who the code was given to.
    pub party: String,
    /// The last day the code works.
    pub expires_on: NaiveDate,
}

/// A typed code as twelve digits: spaces, dashes and full-width digits allowed, as someone
/// copies it from a slip.
pub fn read_code(text: &str) -> Result<String, AppError> {
    let digits = yinling_projections::checks::ascii_digits(text);
    if digits.len() != CONFIRMATION_CODE_DIGITS as usize
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AppError::invalid(
            "bad_confirmation_code",
            format!(
                "a confirmation code is {CONFIRMATION_CODE_DIGITS} digits, as printed on the slip; got \"{text}\""
            ),
        ));
    }
    Ok(digits)
}

impl App {
    /// Gives the party `activity` served a one-time code (the team's coordinator or district
    /// coordinator). A retry with the same idempotency key shows the same code.
    pub async fn give_confirmation_code(
        &self,
        who: &Principal,
        activity_id: ActivityId,
        party: &str,
        key: Option<Idempotency>,
    ) -> Result<(CodeGiven, Receipt), AppError> {
        let number = self
            .engine
            .read()
            .activities
            .get(&activity_id)
            .map_or(1, |a| a.confirmation_requests().len() as u32 + 1);
        let code = self.mint.confirmation_code(&activity_id, number);
        let command = Command::RequestConfirmation {
            activity_id,
            number,
            code_digest: self.mint.code_digest(&code),
            party: party.to_owned(),
        };
        let w: Written<ConfirmationRequested> = self.submit(who, command, key).await?;
        // On a replay the events are the first request's: derive its code again.
        let r = w.answer;
        let code = self.mint.confirmation_code(&r.activity_id, r.number);
        let path = format!("/confirm/{code}");
        Ok((
            CodeGiven {
                activity_id: r.activity_id,
                number: r.number,
                shown: crate::vouchers::grouped(&code),
                link: self
                    .public_url
                    .as_ref()
                    .map_or(path.clone(), |u| u.link(&path)),
                code,
                party: r.party,
                expires_on: r.expires_on,
            },
            w.receipt,
        ))
    }

    /// What a code asks its holder to confirm (anyone holding the code may look). A used,
    /// unknown or expired code, or one whose activity was reversed, is refused in words, as
    /// the confirmation itself would be.
    pub fn to_confirm(&self, code: &str) -> Result<ToConfirm, AppError> {
        let code = read_code(code)?;
        let slot = self.code_guesses.reserve()?;
        let digest = self.mint.code_digest(&code);
        let state = self.engine.read();
        let today = state.policies.date_of(yinling_ledger::Timestamp::now());
        let found = yinling_projections::decide::confirmations::usable_code(&state, &digest, today);
        self.code_guesses
            .settle(slot, found.as_ref().err().map(|e| e.code));
        let (a, r) = found?;
        Ok(ToConfirm {
            activity_id: a.id,
            team_id: a.team_id,
            team: state
                .teams
                .get(&a.team_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            district: a.district.to_string(),
            date: a.date,
            title: a.title.to_string(),
            category: state.categories.label(&a.category, true),
            volunteers: a
                .participants
                .iter()
                .map(|p| {
                    let name = yinling_projections::checks::participant(&state, p.number)
                        .ok()
                        .map(|v| yinling_projections::personal::masked(&v.name))
                        .unwrap_or_default();
                    (name, p.hours)
                })
                .collect(),
            party: r.party.clone(),
            expires_on: r.expires_on,
        })
    }

    /// The party served confirms with its code, a name and a role. No token: the code is the
    /// credential, and the service records the confirmation. Someone signed in who logs the
    /// team's activities (`signed_in`) is refused: a team does not vouch for itself.
    pub async fn confirm_activity(
        &self,
        code: &str,
        (name, role): (&str, &str),
        signed_in: Option<&Principal>,
        key: Option<Idempotency>,
    ) -> Result<Written<ActivityConfirmed>, AppError> {
        if let Some(who) = signed_in {
            let t = self.to_confirm(code)?;
            if yinling_projections::access::can_write(
                who,
                &yinling_projections::access::Write::LogActivity(t.team_id),
            ) {
                return Err(AppError::Rejected(yinling_projections::Rejection::forbidden(
                    "own_team",
                    "the team's own coordinators cannot confirm its activities; those served confirm them with the code",
                )));
            }
            // Nor does someone who did the service vouch for it.
            let took_part = match who {
                Principal::Volunteer(_, me) => {
                    let state = self.engine.read();
                    let number = state.volunteer_number(me);
                    state
                        .activities
                        .get(&t.activity_id)
                        .zip(number)
                        .is_some_and(|(a, n)| a.participants.has(n))
                }
                _ => false,
            };
            if took_part {
                return Err(AppError::Rejected(yinling_projections::Rejection::forbidden(
                    "own_service",
                    "a volunteer who did the service cannot confirm it; those served confirm it with the code",
                )));
            }
        }
        let code = read_code(code)?;
        // Counted as it arrives, given back unless unknown (a code nobody was given, or one
        // already used: the state keeps no list of used codes to tell them apart).
        let slot = self.code_guesses.reserve()?;
        let command = Command::ConfirmActivity {
            code_digest: self.mint.code_digest(&code),
            name: name.to_owned(),
            role: role.to_owned(),
        };
        let written = self.submit(&Principal::System, command, key).await;
        self.code_guesses
            .settle(slot, written.as_ref().err().map(AppError::code));
        written
    }
}
