//! The whole population's best volunteers of all time, by points and by hours, kept beside
//! the ranking index as it folds: the front page's ranking of a province reads its first
//! rows instead of streaming a million totals (2 ms a request at a million volunteers, which
//! 64 clients at once turn into a p99 of over 100 ms on two cores).
//!
//! A board holds the best rows it knows, at most [`LEADER_ROWS`] of them, and keeps one
//! invariant: **every row it does not hold ranks after every row it holds.** A fold keeps it
//! as totals move (see [`Board::moved`]); a row that falls out of the board takes no other
//! row's place, so a board can shrink, and one with fewer rows than a query asks for is
//! filled again from the totals, once, by the query that finds it so. Not in a snapshot:
//! a decoded index starts with empty boards, filled by the first query.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Mutex;

use yinling_ledger::VolunteerId;

use crate::limits::{LEADER_ROWS, MAX_RANKING_LIMIT};

// A board answers the longest list a query may ask for whenever it is full.
const _: () = assert!(LEADER_ROWS >= MAX_RANKING_LIMIT);

/// A row's all-time amounts as the index keeps them: points (× 10^4) and hours (× 10^2).
pub type Pair = [i64; 2];

/// The order of a board: by points (then hours), or by hours (then points); ties by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Points first.
    Points,
    /// Hours first.
    Hours,
}

/// A row on a board: ordered best first (by the board's order, ties by id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// The amounts in the board's order: points then hours, or hours then points.
    key: Pair,
    id: VolunteerId,
    amounts: Pair,
}

impl Entry {
    fn new(by: Order, id: VolunteerId, amounts: Pair) -> Entry {
        let [points, hours] = amounts;
        let key = match by {
            Order::Points => [points, hours],
            Order::Hours => [hours, points],
        };
        Entry { key, id, amounts }
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key
            .cmp(&self.key)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One order's board.
#[derive(Clone, Debug)]
struct Board {
    rows: BTreeSet<Entry>,
    /// The most rows it holds ([`LEADER_ROWS`]; fewer in tests, to see rows leave).
    capacity: usize,
    /// Whether the invariant holds: false until the first fill, and after the index was
    /// changed other than by a fold.
    fresh: bool,
    /// Whether the board holds every row of the index (a population of at most
    /// [`LEADER_ROWS`]): then a new row is always taken.
    complete: bool,
}

impl Board {
    fn holding(capacity: usize) -> Board {
        Board {
            rows: BTreeSet::new(),
            capacity,
            fresh: false,
            complete: false,
        }
    }
}

impl Board {
    /// A row's total moved from `before` to `after` (from zero for a row just made).
    fn moved(&mut self, by: Order, id: VolunteerId, before: Pair, after: Pair) {
        if !self.fresh {
            return;
        }
        let old = Entry::new(by, id, before);
        let new = Entry::new(by, id, after);
        // Every row not held ranks after the last row held before this move.
        let last = self.rows.last().copied();
        // A row ranked after the last one held is not held (the invariant).
        if last.is_some_and(|last| old <= last) {
            self.rows.remove(&old);
        }
        let take = self.complete
            || match last {
                // Ahead of the last row held before the move: ahead of every row not held
                // (the moved row itself is no other row's rival for that place).
                Some(last) => new <= last,
                // Nothing held: nothing is known of the rows not held.
                None => false,
            };
        if take {
            self.rows.insert(new);
            if self.rows.len() > self.capacity {
                // The last row held leaves; it ranks after every row still held.
                self.rows.pop_last();
                self.complete = false;
            }
        }
        // A row not taken ranks after the last row held (or the board holds none and
        // answers no query until it is filled again): the board holds one row less.
    }

    /// Fills the board from every row's total.
    fn fill(&mut self, by: Order, rows: impl Iterator<Item = (VolunteerId, Pair)>) {
        self.rows.clear();
        let mut population = 0usize;
        for (id, amounts) in rows {
            population += 1;
            let entry = Entry::new(by, id, amounts);
            if self.rows.len() < self.capacity {
                self.rows.insert(entry);
            } else if self.rows.last().is_some_and(|last| entry < *last) {
                self.rows.insert(entry);
                self.rows.pop_last();
            }
        }
        self.fresh = true;
        self.complete = population <= self.capacity;
    }

    /// The first `limit` rows when the board can tell them: it holds that many and the last
    /// of them ranks ahead of nothing served (a row at zero or below is listed only when its
    /// service in some team is not zero, which a board does not know), or it holds every row
    /// and all of them do.
    fn best(&self, limit: usize) -> Option<Vec<(VolunteerId, Pair)>> {
        if !self.fresh || (self.rows.len() < limit && !self.complete) {
            return None;
        }
        let first: Vec<&Entry> = self.rows.iter().take(limit).collect();
        let nothing = [0i64, 0];
        if first.last().is_some_and(|last| last.key <= nothing) {
            return None;
        }
        Some(first.iter().map(|e| (e.id, e.amounts)).collect())
    }
}

/// Both orders' boards, behind a lock a query takes to fill one (a fold reaches them
/// without it: it holds the index mutably).
#[derive(Debug)]
pub struct Leaders(Mutex<Box<[Board; 2]>>);

impl Default for Leaders {
    fn default() -> Self {
        Leaders::holding(LEADER_ROWS)
    }
}

fn slot(by: Order) -> usize {
    match by {
        Order::Points => 0,
        Order::Hours => 1,
    }
}

impl Leaders {
    /// Boards of at most `rows` rows each.
    fn holding(rows: usize) -> Leaders {
        Leaders(Mutex::new(Box::new([
            Board::holding(rows),
            Board::holding(rows),
        ])))
    }

    fn boards(&mut self) -> &mut Box<[Board; 2]> {
        self.0.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// A row's all-time total moved from `before` to `after` (a fold's change).
    pub(crate) fn moved(&mut self, id: VolunteerId, before: Pair, after: Pair) {
        let [points, hours] = &mut **self.boards();
        points.moved(Order::Points, id, before, after);
        hours.moved(Order::Hours, id, before, after);
    }

    /// Forgets both boards: the index changed other than by a fold (the changes of a
    /// snapshot put onto it).
    pub(crate) fn forget(&mut self) {
        for board in self.boards().iter_mut() {
            *board = Board::holding(board.capacity);
        }
    }

    /// The whole population's best `limit` rows of all time in the order `by`, best first,
    /// each with its total; `rows` gives every row's total when the board must be filled
    /// first. `None` when the board cannot tell them (see [`Board::best`]): the caller
    /// walks the totals as before.
    pub(crate) fn best<I: Iterator<Item = (VolunteerId, Pair)>>(
        &self,
        by: Order,
        limit: usize,
        rows: impl FnOnce() -> I,
    ) -> Option<Vec<(VolunteerId, Pair)>> {
        let mut boards = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let board = &mut boards[slot(by)];
        if let Some(best) = board.best(limit) {
            return Some(best);
        }
        if board.fresh && board.complete {
            // Every row held, and still not enough served: the caller's walk lists the rest.
            return None;
        }
        board.fill(by, rows());
        board.best(limit)
    }
}

impl Clone for Leaders {
    fn clone(&self) -> Self {
        let boards = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Leaders(Mutex::new(boards.clone()))
    }
}

/// A cache of what the index holds, not part of its value.
impl PartialEq for Leaders {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Leaders {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u8) -> VolunteerId {
        VolunteerId(uuid::Uuid::from_u128(u128::from(n)))
    }

    /// The best `limit` rows of `totals` by a sort of all of them (the model).
    fn sorted(by: Order, totals: &[(VolunteerId, Pair)], limit: usize) -> Vec<VolunteerId> {
        let mut all: Vec<Entry> = totals.iter().map(|(v, f)| Entry::new(by, *v, *f)).collect();
        all.sort();
        all.into_iter().take(limit).map(|e| e.id).collect()
    }

    proptest! {
        /// However totals rise and fall, a board that answers answers what a sort of every
        /// row's total gives; and it answers whenever enough rows are ahead of zero.
        #[test]
        fn a_board_answers_what_a_sort_of_every_total_gives(
            changes in proptest::collection::vec((0u8..40, -80i64..100, 0i64..30), 1..400),
            limit in 1usize..8,
            spare in 0usize..4,
            filled_after in 0usize..50,
        ) {
            // A board barely longer than the list, so that rows leave it and it empties.
            let mut leaders = Leaders::holding(limit + spare);
            let mut totals: Vec<(VolunteerId, Pair)> = Vec::new();
            for (step, (who, points, hours)) in changes.into_iter().enumerate() {
                let v = id(who);
                let at = match totals.iter().position(|(t, _)| *t == v) {
                    Some(at) => at,
                    None => {
                        totals.push((v, [0, 0]));
                        totals.len() - 1
                    }
                };
                let before = totals[at].1;
                totals[at].1 = [totals[at].1[0] + points, totals[at].1[1] + hours];
                leaders.moved(v, before, totals[at].1);
                if step >= filled_after {
                    for by in [Order::Points, Order::Hours] {
                        let answer = leaders.best(by, limit, || totals.clone().into_iter());
                        let model = sorted(by, &totals, limit);
                        let ahead = model.len() == limit
                            && totals
                                .iter()
                                .filter(|(t, _)| model.contains(t))
                                .all(|(_, f)| Entry::new(by, id(0), *f).key > [0, 0]);
                        if let Some(answer) = answer {
                            let ids: Vec<VolunteerId> = answer.iter().map(|(v, _)| *v).collect();
                            prop_assert_eq!(&ids, &model);
                        } else {
                            prop_assert!(!ahead, "a board with enough rows ahead of zero answers");
                        }
                    }
                }
            }
        }
    }

    /// A board that lost rows below a query's length fills again instead of answering short.
    #[test]
    fn a_board_shrunk_below_the_list_asked_for_fills_again() {
        let mut leaders = Leaders::holding(2);
        let points = |n: i64| [n, 1];
        let rows = vec![
            (id(1), points(10)),
            (id(2), points(20)),
            (id(3), points(30)),
        ];
        let first = leaders.best(Order::Points, 2, || rows.clone().into_iter());
        assert_eq!(first, Some(vec![(id(3), points(30)), (id(2), points(20))]));
        // The best falls to the bottom: the board holds one row, fewer than asked for.
        leaders.moved(id(3), points(30), points(1));
        let now = vec![(id(1), points(10)), (id(2), points(20)), (id(3), points(1))];
        let best = leaders.best(Order::Points, 2, || now.clone().into_iter());
        assert_eq!(best, Some(vec![(id(2), points(20)), (id(1), points(10))]));
    }
}
