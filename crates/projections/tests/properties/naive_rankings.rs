//! The rankings' oracle of the property tests: every ranking recomputed from nothing but
//! the raw events, and compared with what the folded state answers.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::*;
use yinling_projections::rankings::{Amounts, RankBy, RankingQuery};

use super::World;

/// Rankings recomputed from nothing but the raw events.
fn naive_amounts(
    log: &[Envelope],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> (
    HashMap<TeamId, Amounts>,
    HashMap<(VolunteerId, TeamId), Amounts>,
) {
    let mut teams: HashMap<TeamId, Amounts> = HashMap::new();
    let mut members: HashMap<(VolunteerId, TeamId), Amounts> = HashMap::new();
    let in_window = |d: NaiveDate| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
    for e in log {
        let (v, t, d, a) = match &e.payload {
            Event::ServiceLogged(s) => (
                s.volunteer_id,
                s.team_id,
                s.date,
                Amounts {
                    points: s.points,
                    hours: s.hours,
                },
            ),
            Event::ServiceReversed(s) => (
                s.volunteer_id,
                s.team_id,
                s.date,
                Amounts {
                    points: -s.points,
                    hours: -s.hours,
                },
            ),
            Event::ServiceRerated(s) => (
                s.volunteer_id,
                s.team_id,
                s.date,
                Amounts {
                    points: s.points_after - s.points_before,
                    hours: Decimal::ZERO,
                },
            ),
            Event::ServiceCorrected(s) => (
                s.volunteer_id,
                s.team_id,
                s.date,
                Amounts {
                    points: s.points_after - s.points_before,
                    hours: s.hours_after - s.hours_before,
                },
            ),
            _ => continue,
        };
        if in_window(d) {
            *teams.entry(t).or_default() += a;
            *members.entry((v, t)).or_default() += a;
        }
    }
    (teams, members)
}

fn sorted<K: Ord + Copy>(mut rows: Vec<(K, Amounts)>, by: RankBy) -> Vec<(K, Amounts)> {
    rows.sort_by(|a, b| {
        let key = |x: &Amounts| match by {
            RankBy::Points => (x.points, x.hours),
            RankBy::Hours => (x.hours, x.points),
        };
        key(&b.1).cmp(&key(&a.1)).then(a.0.cmp(&b.0))
    });
    rows
}

/// Each volunteer's sum of the shares given (one per team they served), listed when some
/// share is not zero, sorted.
fn summed<'a>(
    shares: impl Iterator<Item = (&'a (VolunteerId, TeamId), &'a Amounts)>,
    by: RankBy,
) -> Vec<(VolunteerId, Amounts)> {
    let mut sums: HashMap<VolunteerId, (Amounts, bool)> = HashMap::new();
    for ((v, _), a) in shares {
        let e = sums.entry(*v).or_default();
        e.0 += *a;
        e.1 |= !a.points.is_zero() || !a.hours.is_zero();
    }
    sorted(
        sums.into_iter()
            .filter(|(_, (_, any))| *any)
            .map(|(v, (a, _))| (v, a))
            .collect(),
        by,
    )
}

pub(super) fn check_rankings(
    w: &World,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: RankBy,
) {
    let state = &w.sim.state;
    let (teams, members) = naive_amounts(&w.sim.log, from, to);
    let query = RankingQuery {
        from,
        to,
        by,
        limit: 1000,
        ..RankingQuery::default()
    };
    let expected = sorted(
        w.teams
            .iter()
            .map(|t| (*t, teams.get(t).copied().unwrap_or_default()))
            .collect(),
        by,
    );
    let got: Vec<(TeamId, Amounts)> = state
        .rank_teams(&query)
        .into_iter()
        .map(|r| (r.id, r.amounts))
        .collect();
    assert_eq!(got, expected, "team ranking");
    // Volunteers within one team (attributed to the team recorded in the event).
    let team = w.teams[0];
    let expected = sorted(
        members
            .iter()
            .filter(|((_, t), a)| *t == team && (!a.points.is_zero() || !a.hours.is_zero()))
            .map(|((v, _), a)| (*v, *a))
            .collect(),
        by,
    );
    let got: Vec<(VolunteerId, Amounts)> = state
        .rank_volunteers(&RankingQuery {
            team_id: Some(team),
            ..query.clone()
        })
        .into_iter()
        .map(|r| (r.id, r.amounts))
        .collect();
    assert_eq!(got, expected, "volunteer ranking within a team");
    // City-wide: sum over all the volunteer's teams.
    let expected = summed(members.iter(), by);
    let got: Vec<(VolunteerId, Amounts)> = state
        .rank_volunteers(&query)
        .into_iter()
        .map(|r| (r.id, r.amounts))
        .collect();
    assert_eq!(got, expected, "city-wide volunteer ranking");
    // One district: the service for its teams.
    let district = "吴兴区";
    let in_district = |t: &TeamId| state.teams.get(t).is_some_and(|t| t.district == district);
    let in_the_district = summed(members.iter().filter(|((_, t), _)| in_district(t)), by);
    let got: Vec<(VolunteerId, Amounts)> = state
        .rank_volunteers(&RankingQuery {
            district: Some(district.into()),
            ..query.clone()
        })
        .into_iter()
        .map(|r| (r.id, r.amounts))
        .collect();
    assert_eq!(got, in_the_district, "volunteer ranking within a district");
    // A short list is the head of the long one (only the best few are kept while counting).
    let short: Vec<(VolunteerId, Amounts)> = state
        .rank_volunteers(&RankingQuery {
            limit: 3,
            ..query.clone()
        })
        .into_iter()
        .map(|r| (r.id, r.amounts))
        .collect();
    assert_eq!(short[..], expected[..expected.len().min(3)], "top three");
}
