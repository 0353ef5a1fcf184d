//! The rows of the ranking index changed since a whole snapshot, for a snapshot of changes.
//!
//! The index is most of what a snapshot of changes would otherwise write whole (163 MB of
//! its 206 MB at a million volunteers, `BENCHMARKS.md`): a row per volunteer who ever served,
//! in four columns and a map of who served for each team. The readers' copy marks the rows
//! `RankingIndex::add` touches once the service asks it to (`touched_rows.rs`, at each
//! whole snapshot); a snapshot of changes then writes those rows, every row made since, and
//! the index's small parts whole (the teams' series, the month bounds). Who served for a team
//! is not written: it is every volunteer whose row has a series for the team, and a row's
//! teams only ever grow, so applying the rows adds them again.

use std::sync::Arc;

use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize, Serializer};
use yinling_ledger::{TeamId, VolunteerId};

use crate::maps::FastMap;
use crate::month_bounds::MonthBounds;
use crate::packed_series::PackedSeries;
use crate::rankings::{DailySeries, Fixed, RankingIndex};

/// What a snapshot of changes holds of the ranking index, as written (borrowing the index).
#[derive(Serialize)]
pub(crate) enum IndexChangesRef<'a> {
    /// The index whole: its rows were not tracked.
    Whole(&'a RankingIndex),
    /// The rows the index held at the whole snapshot, its small parts whole, and the rows
    /// changed or made since.
    Rows(u64, SmallPartsRef<'a>, ChangedRows<'a>),
}

/// The rows written: each as its row number, volunteer, all-time total and series.
pub(crate) struct ChangedRows<'a> {
    index: &'a RankingIndex,
    rows: Vec<usize>,
}

impl Serialize for ChangedRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.rows.len()))?;
        for &row in &self.rows {
            let (Some(id), Some(total), Some(series)) = (
                self.index.ids.get(row),
                self.index.all_time.get(row),
                self.index.series.get(row),
            ) else {
                return Err(serde::ser::Error::custom(format!(
                    "the ranking index has no row {row}"
                )));
            };
            seq.serialize_element(&(row as u64, id, total, series))?;
        }
        seq.end()
    }
}

/// A changed row as read: its number, volunteer, all-time total and series.
type Row = (u64, VolunteerId, Fixed, Vec<(TeamId, PackedSeries)>);

/// What a snapshot of changes holds of the ranking index, as read.
#[derive(Deserialize)]
pub(crate) enum IndexChanges {
    /// The index whole.
    Whole(Box<RankingIndex>),
    /// See [`IndexChangesRef::Rows`].
    Rows(u64, SmallParts, Vec<Row>),
}

/// The parts of the index written whole in a snapshot of changes: each team's series, whether
/// some day dipped below zero, and the month bounds.
#[derive(Deserialize)]
pub(crate) struct SmallParts {
    teams: FastMap<TeamId, Arc<DailySeries>>,
    dipped: bool,
    months: MonthBounds,
}

/// [`SmallParts`] as written.
#[derive(Serialize)]
pub(crate) struct SmallPartsRef<'a> {
    teams: &'a FastMap<TeamId, Arc<DailySeries>>,
    dipped: bool,
    months: &'a MonthBounds,
}

impl<'a> IndexChangesRef<'a> {
    /// The changes of `index` since tracking started, or the index whole if it did not.
    pub(crate) fn of(index: &'a RankingIndex) -> IndexChangesRef<'a> {
        match index.touched.changed_before() {
            None => IndexChangesRef::Whole(index),
            Some((base, mut rows)) => {
                rows.extend(base..index.ids.len());
                let small = SmallPartsRef {
                    teams: &index.teams,
                    dipped: index.dipped,
                    months: &index.months,
                };
                IndexChangesRef::Rows(base as u64, small, ChangedRows { index, rows })
            }
        }
    }
}

impl RankingIndex {
    /// Marks the rows `add` changes from now on, none yet: the readers' copy, at each whole
    /// snapshot the service starts (see the module's comment).
    pub fn track_rows(&mut self) {
        let rows = self.ids.len();
        self.touched.start(rows);
    }

    /// This index (the one of the whole snapshot) as it stands after `changes`.
    pub(crate) fn apply_changes(&mut self, changes: IndexChanges) -> Result<(), String> {
        let (base, small, rows) = match changes {
            IndexChanges::Whole(index) => {
                *self = *index;
                return Ok(());
            }
            IndexChanges::Rows(base, small, rows) => (base, small, rows),
        };
        if self.ids.len() as u64 != base {
            return Err(format!(
                "the ranking changes are of an index of {base} rows, not {}",
                self.ids.len()
            ));
        }
        // The rows changed since the whole snapshot are tracked on from these (a start's
        // first snapshot of changes holds them, and what the tail changes).
        self.touched.start(self.ids.len());
        for (row, id, total, series) in rows {
            let row = usize::try_from(row).map_err(|_| format!("no row {row}"))?;
            self.touched.mark(row);
            for (team, _) in &series {
                Arc::make_mut(self.served_for.entry(*team).or_default()).insert(id);
            }
            if row < self.ids.len() {
                if self.ids.get(row) != Some(&id) {
                    return Err(format!("row {row} of the ranking index is someone else's"));
                }
                if let Some(t) = self.all_time.get_mut(row) {
                    *t = total;
                }
                if let Some(s) = self.series.get_mut(row) {
                    *s = series;
                }
            } else if row == self.ids.len() {
                self.rows.insert(id, row);
                self.ids.push(id);
                self.all_time.push(total);
                self.series.push(series);
            } else {
                return Err(format!("row {row} of the ranking index comes out of order"));
            }
        }
        self.teams = small.teams;
        self.dipped = small.dipped;
        self.months = small.months;
        self.leaders.forget();
        Ok(())
    }
}
