//! Rankings answered from the aggregates of the folded state: a window is two binary
//! searches per series, never a scan of the log.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use yinling_ledger::{GroupId, TeamId, VolunteerId};

use super::State;
use crate::leaders::TeamSet as DistrictTeams;
use crate::packed_series::PackedSeries;
use crate::rankings::{Fixed, RankBy, Ranked, RankingQuery, MAX_RANKING_LIMIT};
use crate::stars::StarLevel;

fn order(by: RankBy, a: &Fixed, b: &Fixed) -> Ordering {
    match by {
        RankBy::Points => b.points.cmp(&a.points).then(b.hours.cmp(&a.hours)),
        RankBy::Hours => b.hours.cmp(&a.hours).then(b.points.cmp(&a.points)),
    }
}

/// A row competing for a place: ordered best first (by the query's order, ties by id), so
/// the greatest row in a heap is the one to drop.
struct Row<K> {
    id: K,
    amounts: Fixed,
    by: RankBy,
}

impl<K: Ord> Ord for Row<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        order(self.by, &self.amounts, &other.amounts).then_with(|| self.id.cmp(&other.id))
    }
}

impl<K: Ord> PartialOrd for Row<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord> PartialEq for Row<K> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord> Eq for Row<K> {}

/// The best rows seen so far, at most `limit` of them, in a heap whose top is the one to
/// drop: a ranking of a million volunteers compares them, it never collects or sorts them.
struct Best<K> {
    kept: BinaryHeap<Row<K>>,
    limit: usize,
    by: RankBy,
}

impl<K: Ord + Copy> Best<K> {
    fn new(by: RankBy, limit: usize) -> Self {
        Best::holding(by, limit.min(MAX_RANKING_LIMIT))
    }

    /// At most `limit` rows, past the longest list a query may ask for (a board's fill).
    fn holding(by: RankBy, limit: usize) -> Self {
        Best {
            kept: BinaryHeap::with_capacity(limit + 1),
            limit,
            by,
        }
    }

    /// Whether a row whose amounts are at most `bound` (in points and in hours) could still
    /// take a place: no, once the list is full and `bound` itself ranks below its last, or
    /// ties with it and the row's id (asked for only then) comes after the last's.
    fn may_take(&self, bound: &Fixed, id: impl FnOnce() -> Option<K>) -> bool {
        if self.kept.len() < self.limit {
            return true;
        }
        let Some(worst) = self.kept.peek() else {
            return true;
        };
        match order(self.by, bound, &worst.amounts) {
            Ordering::Less => true,
            Ordering::Greater => false,
            // Amounts at most `bound` tie with the last at best, so only a smaller id enters.
            Ordering::Equal => id().is_none_or(|id| id < worst.id),
        }
    }

    /// Whether the list has all its rows (until then every row is taken, bound or not).
    fn is_full(&self) -> bool {
        self.kept.len() >= self.limit
    }

    fn offer(&mut self, id: K, amounts: Fixed) {
        let row = Row {
            id,
            amounts,
            by: self.by,
        };
        if self.kept.len() < self.limit {
            self.kept.push(row);
        } else if let Some(mut worst) = self.kept.peek_mut() {
            if row < *worst {
                *worst = row;
            }
        }
    }

    /// Best first, with their amounts.
    fn sorted(self) -> Vec<(K, Fixed)> {
        self.kept
            .into_sorted_vec()
            .into_iter()
            .map(|row| (row.id, row.amounts))
            .collect()
    }

    /// Best first, numbered from 1.
    fn ranked(self) -> Vec<Ranked<K>> {
        numbered(self.sorted())
    }
}

/// Rows best first, numbered from 1.
fn numbered<K>(rows: impl IntoIterator<Item = (K, Fixed)>) -> Vec<Ranked<K>> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (id, amounts))| Ranked {
            rank: i + 1,
            id,
            amounts: amounts.amounts(),
        })
        .collect()
}

/// A board's rows, best first, numbered from 1.
fn read_off(best: Vec<(VolunteerId, [i64; 2])>) -> Vec<Ranked<VolunteerId>> {
    numbered(
        best.into_iter()
            .map(|(id, [points, hours])| (id, Fixed { points, hours })),
    )
}

/// The best `limit` rows, best first with ties broken by id, numbered.
fn top<K: Ord + Copy>(
    rows: impl IntoIterator<Item = (K, Fixed)>,
    by: RankBy,
    limit: usize,
) -> Vec<Ranked<K>> {
    let mut best = Best::new(by, limit);
    for (id, amounts) in rows {
        best.offer(id, amounts);
    }
    best.ranked()
}

impl State {
    /// Teams ranked by points or hours over a window of service dates, optionally within a
    /// district. Every matching team is listed, also with zero.
    pub fn rank_teams(&self, query: &RankingQuery) -> Vec<Ranked<TeamId>> {
        let rows = self
            .teams
            .values()
            .filter(|t| query.district.as_ref().is_none_or(|d| *d == t.district))
            .filter(|t| query.team_id.is_none_or(|id| id == t.id))
            .map(|t| (t.id, self.rankings.team_fixed(&t.id, query.from, query.to)));
        top(rows, query.by, query.limit)
    }

    /// Volunteers ranked over a window, within a team, a district or the whole city. Only
    /// volunteers with service in scope are listed.
    pub fn rank_volunteers(&self, query: &RankingQuery) -> Vec<Ranked<VolunteerId>> {
        self.rank_volunteers_by(query, None)
    }

    /// [`State::rank_volunteers`], a district's volunteers found by walking who served for
    /// its teams (`Some(true)`), by passing over every row as the whole population's ranking
    /// does (`Some(false)`), or by whichever costs less (`None`): a walk pays a sort and a
    /// lookup for each of its volunteers, a pass a few nanoseconds a row for every row
    /// (each row's series opened only while it can still take a place). A district of a
    /// fifth of a million-volunteer province took 39 ms of CPU a query walked.
    fn rank_volunteers_by(
        &self,
        query: &RankingQuery,
        walk_district: Option<bool>,
    ) -> Vec<Ranked<VolunteerId>> {
        let index = &self.rankings;
        // An empty list asks nothing of a board (nor takes the place of a window kept).
        if query.limit == 0 {
            return Vec::new();
        }
        if query.team_id.is_none() {
            // The whole population or a district: the first rows of a board kept as the
            // index folds.
            let order = match query.by {
                RankBy::Points => crate::leaders::Order::Points,
                RankBy::Hours => crate::leaders::Order::Hours,
            };
            let limit = query.limit.min(MAX_RANKING_LIMIT);
            if query.from.is_some() || query.to.is_some() || query.district.is_some() {
                let span = crate::leaders::Span {
                    from: query.from,
                    to: query.to,
                };
                let scope = match &query.district {
                    Some(d) => crate::leaders::Scope::District(d.clone()),
                    None => crate::leaders::Scope::Everyone,
                };
                let fill = |rows: usize| {
                    let teams = self.district_teams(query).map(std::sync::Arc::new);
                    let mut best = Best::holding(query.by, rows);
                    self.pass_volunteers(query, teams.as_deref(), walk_district, &mut best);
                    let best = best
                        .sorted()
                        .into_iter()
                        .map(|(id, f)| (id, [f.points, f.hours]))
                        .collect();
                    (best, teams)
                };
                let best =
                    index
                        .leaders
                        .window_best(span, scope, order, limit, index.ids.len(), fill);
                return read_off(best);
            }
            let rows = || {
                let totals = index.all_time.iter().map(|t| [t.points, t.hours]);
                index.ids.iter().copied().zip(totals)
            };
            if let Some(best) = index.leaders.best(order, limit, rows) {
                return read_off(best);
            }
        }
        let mut best = Best::new(query.by, query.limit);
        let teams = self.district_teams(query);
        self.pass_volunteers(query, teams.as_ref(), walk_district, &mut best);
        best.ranked()
    }

    /// The teams of the query's district, in a small set rather than the map of every team.
    fn district_teams(&self, query: &RankingQuery) -> Option<DistrictTeams> {
        query.district.as_ref().map(|d| {
            self.teams
                .values()
                .filter(|t| t.district == *d)
                .map(|t| t.id)
                .collect()
        })
    }

    /// Offers `best` every volunteer in the query's scope (`district_teams`: those of its
    /// district) who can still take a place, with their amounts within its window (how a
    /// ranking is answered that no board tells).
    fn pass_volunteers(
        &self,
        query: &RankingQuery,
        district_teams: Option<&DistrictTeams>,
        walk_district: Option<bool>,
        best: &mut Best<VolunteerId>,
    ) {
        let index = &self.rankings;
        let in_scope = |team: &TeamId| {
            query.team_id.is_none_or(|t| t == *team)
                && district_teams.as_ref().is_none_or(|set| set.contains(team))
        };
        let sum = |series: &[(TeamId, PackedSeries)]| -> Option<Fixed> {
            let mut total = Fixed::default();
            let mut any = false;
            for (_, s) in series.iter().filter(|(t, _)| in_scope(t)) {
                let w = s.window(query.from, query.to);
                any |= !w.is_zero();
                total += w;
            }
            any.then_some(total)
        };
        // A window within the latest months is bounded per volunteer by the months it
        // touches; `passes` asks that bound only once the list is full.
        let months = if query.from.is_some() || query.to.is_some() {
            index.months.window(query.from, query.to)
        } else {
            None
        };
        let passes = |best: &Best<VolunteerId>, row: usize, total: &Fixed| {
            if !best.is_full() {
                return true;
            }
            let id = || index.ids.get(row).copied();
            if !index.dipped && !best.may_take(total, id) {
                return false;
            }
            months.as_ref().is_none_or(|columns| {
                let [points, hours] = columns.bound(row);
                best.may_take(&Fixed { points, hours }, id)
            })
        };
        if let Some(team) = query.team_id {
            for v in index
                .served_for
                .get(&team)
                .into_iter()
                .flat_map(|s| s.iter())
            {
                let series = index.rows.get(v).and_then(|row| index.series.get(*row));
                if let Some(amounts) = series.and_then(|s| sum(s)) {
                    best.offer(*v, amounts);
                }
            }
            return;
        }
        let walk = |teams: &DistrictTeams| {
            walk_district.unwrap_or_else(|| {
                let served: usize = teams
                    .iter()
                    .filter_map(|t| index.served_for.get(t).map(|s| s.len()))
                    .sum();
                served.saturating_mul(crate::limits::DISTRICT_WALK_SHARE) < index.ids.len()
            })
        };
        if let Some(teams) = district_teams.as_ref().filter(|t| walk(t)) {
            // Those who served for one of the district's teams, each once.
            let mut who: Vec<VolunteerId> = teams
                .iter()
                .filter_map(|t| index.served_for.get(t).map(|s| s.iter()))
                .flatten()
                .copied()
                .collect();
            who.sort_unstable();
            who.dedup();
            for v in who {
                let Some(row) = index.rows.get(&v).copied() else {
                    continue;
                };
                let (Some(total), Some(series)) = (index.all_time.get(row), index.series.get(row))
                else {
                    continue;
                };
                if !passes(best, row, total) {
                    continue;
                }
                if let Some(amounts) = sum(series) {
                    best.offer(v, amounts);
                }
            }
            return;
        }
        // (A district passed over row by row is not the whole population: its sums are
        // of its teams' series.)
        let whole = query.from.is_none() && query.to.is_none() && district_teams.is_none();
        // Only the totals are read in order; a row's id and series are opened when it can
        // still take a place (the all-time ranking streams 16 bytes a volunteer).
        for (row, total) in index.all_time.iter().enumerate() {
            // A window never exceeds the all-time total (while no day dipped below zero), nor
            // the bounds of the months it touches: a row that cannot enter is passed over
            // unopened.
            if !passes(best, row, total) {
                continue;
            }
            let (Some(v), Some(series)) = (index.ids.get(row), index.series.get(row)) else {
                continue;
            };
            let amounts = if whole && !total.is_zero() {
                Some(*total)
            } else {
                sum(series)
            };
            if let Some(amounts) = amounts {
                best.offer(*v, amounts);
            }
        }
    }

    /// Districts ranked over a window (the sum of their teams).
    pub fn rank_districts(&self, query: &RankingQuery) -> Vec<Ranked<&str>> {
        let mut rows: HashMap<&str, Fixed> = HashMap::new();
        for d in self.districts.keys() {
            rows.insert(d.as_str(), Fixed::default());
        }
        for t in self.teams.values() {
            *rows.entry(t.district.as_str()).or_default() +=
                self.rankings.team_fixed(&t.id, query.from, query.to);
        }
        top(rows, query.by, query.limit)
    }

    /// Groups and sub-groups ranked over a window: the service of their member teams on the
    /// days each team was a member.
    pub fn rank_groups(&self, query: &RankingQuery) -> Vec<Ranked<GroupId>> {
        let rows = self.groups.values().map(|g| {
            let (owner, only_sub) = match g.parent {
                None => (g, None),
                Some(parent) => match self.groups.get(&parent) {
                    Some(p) => (p, Some(g.id)),
                    None => (g, Some(g.id)),
                },
            };
            let mut total = Fixed::default();
            for m in owner
                .memberships
                .iter()
                .filter(|m| only_sub.is_none_or(|s| m.sub_group_id == Some(s)))
            {
                if let Some((from, to)) = m.overlap(query.from, query.to) {
                    total += self.rankings.team_fixed(&m.team_id, Some(from), to);
                }
            }
            (g.id, total)
        });
        top(rows, query.by, query.limit)
    }

    /// A volunteer's star level (convenience for ranking rows).
    pub fn stars_of(&self, volunteer: &VolunteerId) -> StarLevel {
        self.volunteers
            .get(volunteer)
            .map(|v| v.stars())
            .unwrap_or(StarLevel(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rankings::Amounts;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    /// (volunteer, team, day, points, hours) as the index receives them.
    type Entry = (usize, usize, u32, i64, i64);

    /// Decimal places of an entry's points and hours.
    type Places = (u32, u32);

    fn places() -> impl Strategy<Value = Places> {
        prop_oneof![Just((0, 0)), Just((1, 2))]
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Days::new(day.into())
    }

    /// The ranking recounted from the entries: sum in scope and window, listed when some
    /// team's share is not zero, sorted, cut.
    fn naive(
        entries: &[Entry],
        places: Places,
        ids: &[VolunteerId],
        teams: &[TeamId],
        query: &RankingQuery,
    ) -> Vec<(VolunteerId, Fixed)> {
        let mut per: std::collections::BTreeMap<(usize, usize), Fixed> = Default::default();
        for &(v, t, day, points, hours) in entries {
            let d = date(day);
            if query.from.is_some_and(|f| d < f) || query.to.is_some_and(|to| d > to) {
                continue;
            }
            if query.team_id.is_some_and(|team| team != teams[t]) {
                continue;
            }
            if query
                .district
                .as_deref()
                .is_some_and(|d| d != district_of(t))
            {
                continue;
            }
            *per.entry((v, t)).or_default() += Fixed::of(amounts(points, hours, places));
        }
        let mut sums: std::collections::BTreeMap<usize, (Fixed, bool)> = Default::default();
        for ((v, _), a) in per {
            let e = sums.entry(v).or_default();
            e.0 += a;
            e.1 |= !a.is_zero();
        }
        let mut rows: Vec<(VolunteerId, Fixed)> = sums
            .into_iter()
            .filter(|(_, (_, any))| *any)
            .map(|(v, (a, _))| (ids[v], a))
            .collect();
        rows.sort_by(|a, b| order(query.by, &a.1, &b.1).then(a.0.cmp(&b.0)));
        rows.truncate(query.limit);
        rows
    }

    /// Teams 0 and 1 are in district A, team 2 in B.
    fn district_of(team: usize) -> &'static str {
        if team < 2 {
            "A"
        } else {
            "B"
        }
    }

    /// Mantissas with the given decimal places: whole numbers tie often, tenths of a point
    /// and hundredths of an hour exercise the month bounds' rounding up.
    fn amounts(points: i64, hours: i64, (point_places, hour_places): Places) -> Amounts {
        Amounts {
            points: Decimal::new(points, point_places),
            hours: Decimal::new(hours, hour_places),
        }
    }

    fn entries(negative: bool, days: u32) -> impl Strategy<Value = Vec<Entry>> {
        let low = if negative { -3 } else { 0 };
        prop::collection::vec(
            (0..12usize, 0..3usize, 0..days, low..6i64, low..4i64),
            0..80,
        )
    }

    /// One query of the given shape over the entries, against the recount.
    fn agrees_with_a_recount(
        entries: &[Entry],
        places: Places,
        window: (Option<u32>, Option<u32>),
        limit: usize,
        by_hours: bool,
        team_scope: bool,
        district_scope: bool,
    ) -> Result<(), TestCaseError> {
        let ids: Vec<VolunteerId> = (0..12).map(|_| VolunteerId::generate()).collect();
        let teams: Vec<TeamId> = (0..3).map(|_| TeamId::generate()).collect();
        let mut state = State::new();
        for (t, id) in teams.iter().enumerate() {
            state.teams.insert(
                *id,
                crate::teams::Team {
                    id: *id,
                    name: format!("team {t}"),
                    district: district_of(t).into(),
                    category: yinling_ledger::Category::EcoPatrol,
                    registered_at: yinling_ledger::Timestamp::now(),
                    members: Default::default(),
                    tally: Default::default(),
                },
            );
        }
        let query = RankingQuery {
            from: window.0.map(date),
            to: window.1.map(date),
            team_id: team_scope.then_some(teams[0]),
            district: district_scope.then(|| "A".to_owned()),
            by: if by_hours {
                RankBy::Hours
            } else {
                RankBy::Points
            },
            limit,
        };
        for (i, &(v, t, day, points, hours)) in entries.iter().enumerate() {
            if i == entries.len() / 2 {
                // Half way, the whole population's rankings of all time and over the
                // query's window fill their boards, which the rest of the entries then move
                // (`leaders`).
                state.rank_volunteers(&query);
                for by in [RankBy::Points, RankBy::Hours] {
                    state.rank_volunteers(&RankingQuery {
                        from: None,
                        to: None,
                        team_id: None,
                        district: None,
                        by,
                        limit,
                    });
                }
            }
            state
                .rankings
                .add(teams[t], ids[v], date(day), amounts(points, hours, places));
        }
        prop_assert!(state.rankings.is_consistent());
        let expected = naive(entries, places, &ids, &teams, &query);
        // A district both ways: its volunteers walked, and every row passed over.
        for walk in [None, Some(true), Some(false)] {
            let got: Vec<(VolunteerId, Fixed)> = state
                .rank_volunteers_by(&query, walk)
                .into_iter()
                .map(|r| (r.id, Fixed::of(r.amounts)))
                .collect();
            prop_assert_eq!(&got, &expected, "walk {:?}", walk);
        }
        Ok(())
    }

    /// A month bound that equals the volunteer's service exactly, level with the list's last:
    /// the smaller id still takes the place (a bound one unit short would drop it).
    #[test]
    fn a_volunteer_level_with_the_last_and_a_smaller_id_takes_the_place() {
        let (a, b) = (VolunteerId::generate(), VolunteerId::generate());
        let (smaller, larger) = (a.min(b), a.max(b));
        let team = TeamId::generate();
        let mut state = State::new();
        let march = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default();
        // The larger id serves first, so it holds the one place when the smaller one is met.
        state
            .rankings
            .add(team, larger, march(10), amounts(5, 2, (0, 0)));
        state
            .rankings
            .add(team, smaller, march(12), amounts(5, 2, (0, 0)));
        let query = RankingQuery {
            from: Some(march(1)),
            to: Some(march(31)),
            limit: 1,
            ..RankingQuery::default()
        };
        let got: Vec<VolunteerId> = state
            .rank_volunteers(&query)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(got, vec![smaller]);
    }

    /// Entries and a window over `days` days from the first of January.
    fn entries_and_window(
        days: u32,
    ) -> impl Strategy<Value = (Vec<Entry>, Option<u32>, Option<u32>)> {
        (
            prop_oneof![entries(false, days), entries(true, days)],
            prop::option::of(0..days),
            prop::option::of(0..days),
        )
    }

    proptest! {
        // Twice the default cases: half of them over forty days, half over fourteen months.
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Rankings of the whole population, a district, a team and windows agree with a
        /// recount, with short and long lists, whether or not some day's net dipped below
        /// zero (which turns the all-time bound off). Over forty days, or over fourteen
        /// months, so that windows also fall within the months whose bounds are kept, across
        /// them, and before them (where older months were dropped).
        #[test]
        fn volunteer_rankings_agree_with_a_recount(
            (entries, from, to) in prop_oneof![entries_and_window(40), entries_and_window(430)],
            places in places(),
            limit in 0..15usize,
            by_hours: bool,
            team_scope: bool,
            district_scope: bool,
        ) {
            agrees_with_a_recount(&entries, places, (from, to), limit, by_hours, team_scope, district_scope)?;
        }
    }
}
