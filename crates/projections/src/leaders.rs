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
//!
//! The same boards are kept for the windows of service dates and the districts last ranked
//! ("this year", "the last 90 days", "this month", a district of all time; at most
//! [`WINDOW_BOARDS`]): filled by the first query of a window from the pass every such query
//! made before (a few milliseconds of CPU at a million, which 64 clients turned into a p99
//! of 93–291 ms), then moved by each fold of service dated within the window, for one of
//! the district's teams. A district's boards are forgotten when a team is registered (its
//! teams are taken once, as the board is filled).

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Mutex;

use std::sync::Arc;

use chrono::NaiveDate;
use yinling_ledger::{TeamId, VolunteerId};

use crate::limits::{LEADER_ROWS, MAX_RANKING_LIMIT, WINDOW_BOARDS};

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
    /// A board of each order, empty.
    fn pair(capacity: usize) -> [Board; 2] {
        [Board::holding(capacity), Board::holding(capacity)]
    }

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

    /// Fills the board with the best rows there are, best first, at most its capacity of
    /// them (every row it does not get ranks after them); `complete` when they are every
    /// row there is.
    fn fill_best(&mut self, by: Order, best: &[(VolunteerId, Pair)], complete: bool) {
        self.rows = best
            .iter()
            .take(self.capacity)
            .map(|(id, amounts)| Entry::new(by, *id, *amounts))
            .collect();
        self.fresh = true;
        self.complete = complete && best.len() <= self.capacity;
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

/// A window of service dates, either end open, as a ranking query names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The first date counted.
    pub from: Option<NaiveDate>,
    /// The last date counted.
    pub to: Option<NaiveDate>,
}

impl Span {
    fn holds(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= date) && self.to.is_none_or(|to| date <= to)
    }
}

/// A district's teams, as a ranking looks them up.
pub type TeamSet = std::collections::HashSet<TeamId, rustc_hash::FxBuildHasher>;

/// The teams of a district, as the ranking that filled its boards found them.
pub type Teams = Arc<TeamSet>;

/// Whose service a window's boards rank: every team's, or a district's teams'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole population, over every team.
    Everyone,
    /// The district of this name, over its teams (taken when its boards are filled).
    District(String),
}

/// One window's boards, in both orders, of each row's total within the window (and the
/// scope).
#[derive(Clone, Debug)]
struct Window {
    span: Span,
    scope: Scope,
    /// A district's teams, once a board of it is filled.
    teams: Option<Teams>,
    boards: [Board; 2],
}

/// Both orders' boards of all time, and those of the windows last asked for, each behind a
/// lock a query takes to fill one (a fold reaches them without it: it holds the index
/// mutably).
#[derive(Debug)]
pub struct Leaders {
    all_time: Mutex<Box<[Board; 2]>>,
    /// The windows' boards, the one asked for last first, at most [`WINDOW_BOARDS`].
    windows: Mutex<Vec<Window>>,
    /// The most rows each board holds.
    capacity: usize,
}

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
        Leaders {
            all_time: Mutex::new(Box::new(Board::pair(rows))),
            windows: Mutex::new(Vec::new()),
            capacity: rows,
        }
    }

    fn boards(&mut self) -> &mut Box<[Board; 2]> {
        self.all_time.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// A row's all-time total moved from `before` to `after` (a fold's change).
    pub(crate) fn moved(&mut self, id: VolunteerId, before: Pair, after: Pair) {
        let [points, hours] = &mut **self.boards();
        points.moved(Order::Points, id, before, after);
        hours.moved(Order::Hours, id, before, after);
    }

    /// Service of `amounts` dated `date` for `team` was added to a row: every window's
    /// boards holding the date (and the team) move that row from its total within the
    /// window (and its district's teams) before the addition (`before`, asked only of the
    /// windows whose boards are filled) to that plus `amounts`.
    pub(crate) fn moved_within(
        &mut self,
        id: VolunteerId,
        team: TeamId,
        date: NaiveDate,
        amounts: Pair,
        before: impl Fn(Span, Option<&Teams>) -> Pair,
    ) {
        let windows = self.windows.get_mut().unwrap_or_else(|p| p.into_inner());
        for window in windows.iter_mut() {
            if !window.span.holds(date) || window.boards.iter().all(|b| !b.fresh) {
                continue;
            }
            if let Some(teams) = &window.teams {
                if !teams.contains(&team) {
                    continue;
                }
            } else if window.scope != Scope::Everyone {
                continue;
            }
            let was = before(window.span, window.teams.as_ref());
            let now = [
                was[0].saturating_add(amounts[0]),
                was[1].saturating_add(amounts[1]),
            ];
            let [points, hours] = &mut window.boards;
            points.moved(Order::Points, id, was, now);
            hours.moved(Order::Hours, id, was, now);
        }
    }

    /// Forgets every board: the index changed other than by a fold (the changes of a
    /// snapshot put onto it).
    pub(crate) fn forget(&mut self) {
        for board in self.boards().iter_mut() {
            *board = Board::holding(board.capacity);
        }
        self.windows
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Forgets the districts' boards: a team was registered, which a district's boards,
    /// holding the teams it had when they were filled, would not count.
    pub(crate) fn forget_districts(&mut self) {
        self.windows
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|w| w.scope == Scope::Everyone);
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
        let mut boards = self.all_time.lock().unwrap_or_else(|p| p.into_inner());
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

    /// The best `limit` rows of `scope` within `span` in the order `by`, best first, each
    /// with its total within the window: read off the window's board, or else from `fill`,
    /// which gives the best rows there are (as many as asked, best first; every row not
    /// given ranks after them) and the district's teams it counted, and which fills the
    /// board for the queries after. `population`: the rows there are.
    pub(crate) fn window_best(
        &self,
        span: Span,
        scope: Scope,
        by: Order,
        limit: usize,
        population: usize,
        fill: impl FnOnce(usize) -> (Vec<(VolunteerId, Pair)>, Option<Teams>),
    ) -> Vec<(VolunteerId, Pair)> {
        if let Some(best) = self.with_window(&span, &scope, |w| w.boards[slot(by)].best(limit)) {
            return best;
        }
        // Filled without the lock, so that other windows' queries are not held behind a
        // pass over every row: the index does not change under a query (a fold holds the
        // state mutably), so a second query filling the same board fills it alike.
        let (best, teams) = fill(self.capacity);
        let capacity = self.capacity;
        let answer = self.with_window(&span, &scope, |window| {
            if let Some(teams) = teams {
                if window.teams.as_ref().is_some_and(|had| *had != teams) {
                    // The other order's board counted other teams: it is filled again too.
                    window.boards = Board::pair(capacity);
                }
                window.teams = Some(teams);
            }
            let board = &mut window.boards[slot(by)];
            // Fewer rows than asked for are every row the window lists (a volunteer with no
            // service in it is not listed): the board then holds all of them, and the next
            // query reads it, on the first day of a month as on its last.
            board.fill_best(by, &best, population <= capacity || best.len() < capacity);
            board.best(limit)
        });
        // The rows given are the best there are: when the board cannot tell the list (it
        // would end at zero or below), they can.
        answer.unwrap_or_else(|| best.into_iter().take(limit).collect())
    }

    /// Runs `with` on the boards of `scope` within `span`, moved to the front of the windows
    /// kept (made if there were none; the one asked for longest ago leaves).
    fn with_window<T>(
        &self,
        span: &Span,
        scope: &Scope,
        with: impl FnOnce(&mut Window) -> Option<T>,
    ) -> Option<T> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = match windows
            .iter()
            .position(|w| w.span == *span && w.scope == *scope)
        {
            Some(at) => windows.remove(at),
            None => Window {
                span: *span,
                scope: scope.clone(),
                teams: None,
                boards: Board::pair(self.capacity),
            },
        };
        windows.insert(0, window);
        windows.truncate(WINDOW_BOARDS);
        windows.first_mut().and_then(with)
    }
}

impl Clone for Leaders {
    fn clone(&self) -> Self {
        let boards = self.all_time.lock().unwrap_or_else(|p| p.into_inner());
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        Leaders {
            all_time: Mutex::new(boards.clone()),
            windows: Mutex::new(windows.clone()),
            capacity: self.capacity,
        }
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

    /// Service as `(volunteer, team, day, points, hours)`.
    type Dated = (u8, u8, u8, i64, i64);

    /// Teams 0 and 1 make up the district of the tests.
    fn district() -> Teams {
        Arc::new([team_of(0), team_of(1)].into_iter().collect())
    }

    /// Each volunteer's total within `span` (days from the first of 2026) and, when given,
    /// for the teams given, from every change so far.
    fn within(changes: &[Dated], span: Span, teams: Option<&Teams>) -> Vec<(VolunteerId, Pair)> {
        let mut totals: Vec<(VolunteerId, Pair)> = Vec::new();
        for &(who, t, day, points, hours) in changes {
            if !span.holds(day_of(day)) || teams.is_some_and(|set| !set.contains(&team_of(t))) {
                continue;
            }
            match totals.iter_mut().find(|(v, _)| *v == id(who)) {
                Some((_, t)) => *t = [t[0] + points, t[1] + hours],
                None => totals.push((id(who), [points, hours])),
            }
        }
        totals
    }

    fn team_of(n: u8) -> TeamId {
        TeamId(uuid::Uuid::from_u128(1000 + u128::from(n)))
    }

    fn team() -> TeamId {
        team_of(0)
    }

    fn day_of(day: u8) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Days::new(day.into())
    }

    /// The rows a ranking lists, best first: those with a total not zero, as a pass over
    /// every row gives them.
    fn listed(
        by: Order,
        changes: &[Dated],
        span: Span,
        teams: Option<&Teams>,
        rows: usize,
    ) -> Vec<(VolunteerId, Pair)> {
        let mut all: Vec<Entry> = within(changes, span, teams)
            .into_iter()
            .filter(|(_, t)| *t != [0, 0])
            .map(|(v, t)| Entry::new(by, v, t))
            .collect();
        all.sort();
        all.into_iter()
            .take(rows)
            .map(|e| (e.id, e.amounts))
            .collect()
    }

    proptest! {
        /// However service within and outside a window (and a district) rises and falls,
        /// and however many windows are asked for, a window's best read off its board is
        /// what a sort of every total within the window gives.
        #[test]
        fn a_window_answers_what_a_sort_of_every_total_within_it_gives(
            changes in proptest::collection::vec(
                (0u8..30, 0u8..3, 0u8..20, -60i64..100, -5i64..30), 1..300),
            spans in proptest::collection::vec(
                (proptest::option::of(0u8..20), proptest::option::of(0u8..20), any::<bool>()),
                1..12),
            limit in 1usize..8,
            spare in 0usize..4,
            every in 1usize..20,
        ) {
            let mut leaders = Leaders::holding(limit + spare);
            let spans: Vec<(Span, Option<Teams>)> = spans
                .into_iter()
                .map(|(from, to, district_only)| {
                    let span = Span { from: from.map(day_of), to: to.map(day_of) };
                    (span, district_only.then(district))
                })
                .collect();
            let mut done: Vec<Dated> = Vec::new();
            for (step, change) in changes.into_iter().enumerate() {
                let (who, t, day, points, hours) = change;
                leaders.moved_within(id(who), team_of(t), day_of(day), [points, hours], |span, teams| {
                    within(&done, span, teams)
                        .into_iter()
                        .find(|(v, _)| *v == id(who))
                        .map_or([0, 0], |(_, t)| t)
                });
                done.push(change);
                if step % every == 0 {
                    let (span, teams) = spans[step % spans.len()].clone();
                    let scope = match teams {
                        Some(_) => Scope::District("A".into()),
                        None => Scope::Everyone,
                    };
                    for by in [Order::Points, Order::Hours] {
                        let everyone = Span { from: None, to: None };
                        let population = within(&done, everyone, None).len();
                        let got = leaders.window_best(span, scope.clone(), by, limit, population, |rows| {
                            (listed(by, &done, span, teams.as_ref(), rows), teams.clone())
                        });
                        prop_assert_eq!(got, listed(by, &done, span, teams.as_ref(), limit));
                    }
                }
            }
        }
    }

    /// Service within a window moves its board, service outside it does not, and neither
    /// sends the next query back to every total.
    #[test]
    fn a_window_board_is_moved_by_service_within_the_window_only() {
        let mut leaders = Leaders::holding(4);
        let march = Span {
            from: Some(day_of(59)),
            to: Some(day_of(89)),
        };
        let first = vec![(id(1), [30, 3]), (id(2), [20, 2]), (id(3), [10, 1])];
        let filled = leaders.window_best(march, Scope::Everyone, Order::Points, 2, 3, |_| {
            (first.clone(), None)
        });
        assert_eq!(filled, vec![(id(1), [30, 3]), (id(2), [20, 2])]);
        // In March: volunteer 3 passes both. In April: volunteer 2's service does not count.
        leaders.moved_within(id(3), team(), day_of(70), [25, 1], |_, _| [10, 1]);
        leaders.moved_within(id(2), team(), day_of(95), [99, 9], |_, _| {
            panic!("outside the window")
        });
        let again = leaders.window_best(march, Scope::Everyone, Order::Points, 2, 3, |_| {
            panic!("the board tells the list without every total")
        });
        assert_eq!(again, vec![(id(3), [35, 2]), (id(1), [30, 3])]);
    }

    /// A window few have served in yet (the first day of a month, in a province of many
    /// more volunteers than a board holds) is answered off its board from the second query
    /// on, and a volunteer's first service in it joins the board.
    #[test]
    fn a_window_few_have_served_in_is_read_off_its_board_after_the_first_query() {
        let mut leaders = Leaders::holding(4);
        let today = Span {
            from: Some(day_of(59)),
            to: None,
        };
        let served = vec![(id(1), [30, 3]), (id(2), [20, 2])];
        let population = 1_000;
        let first =
            leaders.window_best(today, Scope::Everyone, Order::Points, 3, population, |_| {
                (served.clone(), None)
            });
        assert_eq!(first, served);
        let again =
            leaders.window_best(today, Scope::Everyone, Order::Points, 3, population, |_| {
                panic!("the board holds every volunteer the window lists")
            });
        assert_eq!(again, served);
        leaders.moved_within(id(7), team(), day_of(60), [25, 1], |_, _| [0, 0]);
        let joined =
            leaders.window_best(today, Scope::Everyone, Order::Points, 3, population, |_| {
                panic!("a first service joins the board")
            });
        assert_eq!(
            joined,
            vec![(id(1), [30, 3]), (id(7), [25, 1]), (id(2), [20, 2])]
        );
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
