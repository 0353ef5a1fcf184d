//! Erasure beside the log: the keys of erased volunteers are destroyed once their erasure is
//! durable, and again whenever a log is loaded (a restore, an import, a replica), so no copy
//! of the key store outlives an erasure the log records.

use yinling_ledger::personal::{KeyError, Keyring};
use yinling_ledger::{Envelope, Event, LedgerError, VolunteerId};

/// Destroys the keys of the volunteers erased in `envelopes`.
pub fn destroy_erased(keys: &dyn Keyring, envelopes: &[Envelope]) -> Result<(), KeyError> {
    for e in envelopes {
        if let Event::VolunteerErased(erased) = &e.payload {
            keys.destroy(&erased.volunteer_id)?;
        }
    }
    Ok(())
}

/// Whether `envelopes` erase anyone: states of the past kept for `as_of` reads were loaded
/// with the names revealed, and must not be served once the person is erased.
pub fn any_erased(envelopes: &[Envelope]) -> bool {
    envelopes
        .iter()
        .any(|e| matches!(e.payload, Event::VolunteerErased(_)))
}

/// Destroys the keys of `erased` (every volunteer erased in a loaded log).
pub fn destroy_keys_of(
    keys: &dyn Keyring,
    erased: impl Iterator<Item = VolunteerId>,
) -> Result<(), LedgerError> {
    for id in erased {
        keys.destroy(&id)
            .map_err(|e| LedgerError::Storage(e.to_string()))?;
    }
    Ok(())
}
