//! The ranking index folded on a thread of its own while the log is folded (a start's tail,
//! a rebuild from the first event, `replay`): the fold queues what it would add to the index instead of adding it, and
//! another thread adds the queued changes in the same order, so the index ends exactly as a
//! fold on one thread would leave it.
//!
//! A rebuild was bound by the folding thread, and the index's daily series, rows and month
//! bounds were about a quarter of the process's time (`BENCHMARKS.md`, "The ranking index
//! folded apart"); the index reads nothing else of the state, and nothing else in a fold
//! reads the index.

use crate::rankings::RankingIndex;
pub use crate::rankings::RankingOp;
use crate::State;

impl RankingIndex {
    /// Adds the changes a deferred fold queued, in order (see [`State::defer_rankings`]).
    pub fn apply_ops(&mut self, ops: &[RankingOp]) {
        for op in ops {
            self.add_fixed(op.team, op.volunteer, op.date, op.amounts);
        }
    }
}

impl State {
    /// Takes the ranking index out, to be folded on another thread with
    /// [`RankingIndex::apply_ops`]: from now on this state queues the index's changes for
    /// [`State::take_ranking_ops`] instead of making them, until
    /// [`State::restore_rankings`]. `None` when this copy keeps no index (nothing to fold).
    pub fn defer_rankings(&mut self) -> Option<RankingIndex> {
        if !self.rankings.is_kept() || self.rankings.queued.is_some() {
            return None;
        }
        let index = std::mem::take(&mut self.rankings);
        self.rankings.queued = Some(Vec::new());
        Some(index)
    }

    /// The index's changes queued since the last call, in the order they were made.
    pub fn take_ranking_ops(&mut self) -> Vec<RankingOp> {
        self.rankings
            .queued
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Puts back the index [`State::defer_rankings`] took out, once every queued change has
    /// been added to it; changes are made here again from now on.
    pub fn restore_rankings(&mut self, index: RankingIndex) {
        debug_assert!(
            self.rankings.queued.as_ref().is_none_or(Vec::is_empty),
            "changes queued for the ranking index were not handed over"
        );
        self.rankings = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rankings::Amounts;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use yinling_ledger::{TeamId, VolunteerId};

    fn some_service(index: &mut RankingIndex, volunteer: VolunteerId, team: TeamId, day: u32) {
        let date = NaiveDate::from_ymd_opt(2026, 3, day).expect("a date");
        let amounts = Amounts {
            points: Decimal::new(15, 1),
            hours: Decimal::ONE,
        };
        index.add(team, volunteer, date, amounts);
    }

    /// The changes queued while the index is apart, added to it in order, leave it as the
    /// same changes made in place; the writer's copy, which keeps no index, has none to take.
    #[test]
    fn queued_changes_added_in_order_make_the_index_the_fold_in_place_makes() {
        let (a, b) = (VolunteerId::generate(), VolunteerId::generate());
        let team = TeamId::generate();
        let mut in_place = State::new();
        let mut apart = State::new();
        let mut index = apart.defer_rankings().expect("an index to take out");
        assert!(apart.defer_rankings().is_none(), "taken out once");
        for (volunteer, day) in [(a, 3), (b, 1), (a, 1), (b, 9)] {
            some_service(&mut in_place.rankings, volunteer, team, day);
            some_service(&mut apart.rankings, volunteer, team, day);
        }
        assert_eq!(apart.rankings.ids.len(), 0, "nothing added while apart");
        assert_eq!(apart.rankings.queued.as_ref().map(Vec::len), Some(4));
        index.apply_ops(&apart.take_ranking_ops());
        apart.restore_rankings(index);
        assert_eq!(apart.rankings, in_place.rankings);
        some_service(&mut apart.rankings, a, team, 4);
        some_service(&mut in_place.rankings, a, team, 4);
        assert_eq!(
            apart.rankings, in_place.rankings,
            "changes made in place again"
        );

        let mut writers = State::new();
        writers.keep_no_rankings();
        assert!(writers.defer_rankings().is_none());
    }
}
