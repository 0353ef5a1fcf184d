//! How personal fields, erasures and consents are folded (see [`crate::personal`]).

use yinling_ledger::personal::{PersonalFields, SharedKeyring};
use yinling_ledger::*;

use super::State;
use crate::personal::{Consent, KeyringHandle};
use crate::shared_text::SharedText;

impl State {
    /// Reveals personal fields with `keys` from now on, and at once for everyone folded so
    /// far (a state decoded from a snapshot holds only the sealed blobs).
    pub fn attach_keys(&mut self, keys: SharedKeyring) {
        self.keys = KeyringHandle(keys);
        self.reveal_all();
    }

    /// Reveals every volunteer's personal fields again with the attached keys, on a thread
    /// per core when there are many (a start reads a million keys from the key store).
    pub fn reveal_all(&mut self) {
        let keys = self.keys.0.clone();
        let keys = keys.as_ref();
        let mut all: Vec<&mut crate::volunteers::Volunteer> =
            self.volunteers.values_mut().collect();
        let Some(share) = super::volunteers_per_thread(all.len()) else {
            all.into_iter().for_each(|v| v.reveal(keys));
            return;
        };
        std::thread::scope(|scope| {
            for part in all.chunks_mut(share) {
                scope.spawn(move || part.iter_mut().for_each(|v| v.reveal(keys)));
            }
        });
    }

    /// The volunteers erased so far (their keys must not exist anywhere).
    pub fn erased(&self) -> impl Iterator<Item = VolunteerId> + '_ {
        self.volunteers
            .values()
            .filter(|v| v.personal.erased)
            .map(|v| v.id)
    }

    fn with_volunteer(&mut self, id: &VolunteerId, change: impl FnOnce(&mut PersonalFields)) {
        let keys = self.keys.0.clone();
        if let Some(v) = self.volunteers.get_mut(id) {
            change(v.personal.plain.get_or_insert_with(Box::default));
            v.reveal(keys.as_ref());
        }
    }

    /// A correction written before sealing: in plain text in the event.
    pub(super) fn volunteer_corrected(&mut self, e: &VolunteerCorrected) {
        self.with_volunteer(&e.volunteer_id, |f| {
            f.name = Some(e.name.clone());
            f.birth_year = e.birth_year;
        });
    }

    /// Phone digits written before sealing.
    pub(super) fn phone_recorded(&mut self, e: &VolunteerPhoneRecorded) {
        self.with_volunteer(&e.volunteer_id, |f| {
            f.phone_last_four = Some(e.last_four.clone());
        });
    }

    pub(super) fn personal_data_sealed(&mut self, e: &PersonalDataSealed) {
        let keys = self.keys.0.clone();
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.personal.sealed.push(e.sealed.clone());
            v.reveal_blob(&e.sealed, keys.as_ref());
        }
    }

    /// Erased: the sealed blobs and any plain fields are dropped from the state (the key is
    /// destroyed beside the log by whoever holds it), the figures stay.
    pub(super) fn volunteer_erased(&mut self, e: &VolunteerErased) {
        let keys = self.keys.0.clone();
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.personal.erased = true;
            v.personal.plain = None;
            v.personal.sealed.clear();
            v.reveal(keys.as_ref());
        }
    }

    pub(super) fn consent_recorded(&mut self, e: &ConsentRecorded) {
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            v.personal.consents.push(Consent {
                purpose: SharedText::new(&e.purpose),
                notice_version: e.notice_version,
                given_on: e.given_on,
                collected_by: SharedText::new(&e.collected_by),
                withdrawn_on: None,
            });
        }
    }

    pub(super) fn consent_withdrawn(&mut self, e: &ConsentWithdrawn) {
        if let Some(c) = self.volunteers.get_mut(&e.volunteer_id).and_then(|v| {
            v.personal
                .consents
                .iter_mut()
                .rev()
                .find(|c| c.purpose == e.purpose && c.withdrawn_on.is_none())
        }) {
            c.withdrawn_on = Some(e.withdrawn_on);
        }
    }
}
