//! The assisted counter: finding the volunteer who stands at an e-station counter (their
//! card scanned, their name and birth year, or the last digits of their phone), and what
//! the counter shows and prints about them. The API and the web counter both ask here.

use yinling_ledger::VolunteerId;
use yinling_projections::volunteers::Volunteer;
use yinling_projections::State;

use crate::error::AppError;
use crate::limits::MAX_COUNTER_MATCHES;
use crate::mint::secret_hash;

/// What a clerk has to find a volunteer by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// What the scanner read off a points card: its link, or the token printed on it.
    Card(String),
    /// The name as the volunteer says it, with their year of birth.
    NameAndBirthYear(String, u16),
    /// The last four digits of their phone, with their name if given.
    Phone(String, Option<String>),
}

/// The token on a scanned card: the text after `/card/` in the card's link, or the text
/// itself when the scanner read the bare token.
pub fn card_secret(scanned: &str) -> &str {
    let text = scanned.trim();
    let token = text.rsplit_once("/card/").map_or(text, |(_, t)| t);
    token.split(['?', '#', '/']).next().unwrap_or_default()
}

/// SHA-256 of the token on a scanned card, as the ledger keeps token secrets.
pub fn card_hash(scanned: &str) -> [u8; 32] {
    secret_hash(card_secret(scanned))
}

/// The volunteers a lookup finds, by name; a card finds its one live holder. Nothing found
/// is an empty list, not an error; a malformed lookup is refused naming the field.
pub fn find<'a>(state: &'a State, lookup: &Lookup) -> Result<Vec<&'a Volunteer>, AppError> {
    let mut found: Vec<&Volunteer> = match lookup {
        Lookup::Card(scanned) => state
            .tokens
            .authenticate(&card_hash(scanned))
            .and_then(|t| t.volunteer_id)
            .and_then(|v| state.volunteers.get(&v))
            .into_iter()
            .collect(),
        Lookup::NameAndBirthYear(name, year) => {
            let name = name.trim();
            if name.is_empty() {
                return Err(AppError::invalid(
                    "empty_name",
                    "name: type the volunteer's name as they say it",
                ));
            }
            state
                .volunteers
                .values()
                .filter(|v| v.name == name && v.birth_year == Some(*year))
                .collect()
        }
        Lookup::Phone(digits, name) => {
            let digits = digits.trim();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AppError::invalid(
                    "bad_phone_digits",
                    format!("phone_last_four is four digits, got {digits:?}"),
                ));
            }
            let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let found: Vec<&Volunteer> = state
                .volunteers
                .values()
                .filter(|v| v.phone_last_four.as_deref() == Some(digits))
                .filter(|v| name.is_none_or(|n| v.name == n))
                .collect();
            // Four digits alone are shared by several of ten thousand: the others' names,
            // teams and balances are not shown on a screen the one at the counter can see.
            if name.is_none() && found.len() > 1 {
                return Err(AppError::invalid(
                    "phone_shared",
                    format!(
                        "{} volunteers have a phone ending in {digits}: give the name as well",
                        found.len()
                    ),
                ));
            }
            found
        }
    };
    found.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    found.truncate(MAX_COUNTER_MATCHES);
    Ok(found)
}

/// The volunteer a scanned card belongs to, if it is a live points card.
pub fn card_holder(state: &State, scanned: &str) -> Option<VolunteerId> {
    state
        .tokens
        .authenticate(&card_hash(scanned))
        .and_then(|t| t.volunteer_id)
}
