//! The keys changed since the last whole snapshot (see `replay::encode_changes_into`), kept
//! apart from the snapshots' code so that the state can gather them as it adopts a batch.

use yinling_ledger::{ActivityId, RedemptionId, VolunteerId};

use crate::maps::FastSet;

/// The keys of the volunteers, activities and redemptions changed since the last whole
/// snapshot, gathered as the writer's batches are adopted (`State::adopt`): what the next
/// snapshot of the changes writes. A few dozen bytes a key, against the kilobytes of a
/// volunteer a whole snapshot writes again.
#[derive(Clone, Debug, Default)]
pub struct ChangedSince {
    /// Volunteers changed.
    pub volunteers: FastSet<VolunteerId>,
    /// Activities changed.
    pub activities: FastSet<ActivityId>,
    /// Redemptions changed.
    pub redemptions: FastSet<RedemptionId>,
}

impl ChangedSince {
    /// How many keys in all.
    pub fn len(&self) -> usize {
        self.volunteers.len() + self.activities.len() + self.redemptions.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes every key `later` holds into this one, leaving `later` empty.
    pub fn absorb(&mut self, later: &mut ChangedSince) {
        self.volunteers.extend(later.volunteers.drain());
        self.activities.extend(later.activities.drain());
        self.redemptions.extend(later.redemptions.drain());
    }
}
