//! Rankings answered from the aggregates of the folded state: a window is two binary
//! searches per series, never a scan of the log.

use std::cmp::Ordering;
use std::collections::HashMap;

use yinling_ledger::{GroupId, TeamId, VolunteerId};

use super::State;
use crate::rankings::{DailySeries, Fixed, RankBy, Ranked, RankingQuery, MAX_RANKING_LIMIT};
use crate::stars::StarLevel;

fn order(by: RankBy, a: &Fixed, b: &Fixed) -> Ordering {
    match by {
        RankBy::Points => b.points.cmp(&a.points).then(b.hours.cmp(&a.hours)),
        RankBy::Hours => b.hours.cmp(&a.hours).then(b.points.cmp(&a.points)),
    }
}

/// Sorts best first with ties broken by id, keeps the first `limit`, numbers them.
fn top<K: Ord + Copy>(mut rows: Vec<(K, Fixed)>, by: RankBy, limit: usize) -> Vec<Ranked<K>> {
    let cmp = |a: &(K, Fixed), b: &(K, Fixed)| order(by, &a.1, &b.1).then(a.0.cmp(&b.0));
    let limit = limit.min(MAX_RANKING_LIMIT);
    if rows.len() > limit && limit > 0 {
        rows.select_nth_unstable_by(limit - 1, cmp);
        rows.truncate(limit);
    }
    rows.sort_unstable_by(cmp);
    rows.truncate(limit);
    rows.into_iter()
        .enumerate()
        .map(|(i, (id, amounts))| Ranked {
            rank: i + 1,
            id,
            amounts: amounts.amounts(),
        })
        .collect()
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
            .map(|t| (t.id, self.rankings.team_fixed(&t.id, query.from, query.to)))
            .collect();
        top(rows, query.by, query.limit)
    }

    /// Volunteers ranked over a window, within a team, a district or the whole city. Only
    /// volunteers with service in scope are listed.
    pub fn rank_volunteers(&self, query: &RankingQuery) -> Vec<Ranked<VolunteerId>> {
        let in_scope = |team: &TeamId| {
            query.team_id.is_none_or(|t| t == *team)
                && query
                    .district
                    .as_ref()
                    .is_none_or(|d| self.teams.get(team).is_some_and(|t| t.district == *d))
        };
        let sum = |series: &[(TeamId, DailySeries)]| -> Option<Fixed> {
            let mut total = Fixed::default();
            let mut any = false;
            for (_, s) in series.iter().filter(|(t, _)| in_scope(t)) {
                let w = s.window(query.from, query.to);
                any |= !w.is_zero();
                total += w;
            }
            any.then_some(total)
        };
        let rows: Vec<(VolunteerId, Fixed)> = match query.team_id {
            Some(team) => self
                .rankings
                .served_for
                .get(&team)
                .into_iter()
                .flatten()
                .filter_map(|v| {
                    self.rankings
                        .members
                        .get(v)
                        .and_then(|s| sum(s))
                        .map(|a| (*v, a))
                })
                .collect(),
            None => self
                .rankings
                .members
                .iter()
                .filter_map(|(v, s)| sum(s).map(|a| (*v, a)))
                .collect(),
        };
        top(rows, query.by, query.limit)
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
        top(rows.into_iter().collect(), query.by, query.limit)
    }

    /// Groups and sub-groups ranked over a window: the service of their member teams on the
    /// days each team was a member.
    pub fn rank_groups(&self, query: &RankingQuery) -> Vec<Ranked<GroupId>> {
        let rows = self
            .groups
            .values()
            .map(|g| {
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
            })
            .collect();
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
