//! Ranking latency as the population grows to a province: synthetic populations of 10,000,
//! 100,000 and 1,000,000 volunteers folded in memory (no log, no disk: what is measured is
//! the query on a loaded state), a team per hundred volunteers, a district per hundred teams
//! (at least five), a year of service with eleven lines per volunteer. Each query is timed
//! in process, so the figures are the projection's cost without HTTP.

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::{
    ActivityId, ActivityLogged, Category, Event, Head, Outcomes, ServiceLogged, StreamId, TeamId,
    TeamRegistered, Timestamp, VolunteerId, VolunteerRegistered,
};
use yinling_projections::rankings::{RankBy, RankingQuery};
use yinling_projections::State;

use super::Percentiles;

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:rankings:start (written by `cargo xtask bench --only rankings`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:rankings:end -->";

/// Volunteers per team.
const TEAM_SIZE: usize = 100;
/// Teams per district.
const DISTRICT_TEAMS: usize = 100;
/// Service lines per volunteer over the year.
const LINES_PER_VOLUNTEER: usize = 11;
/// Participants per activity.
const PARTICIPANTS: usize = 10;
/// Timed repetitions of each query.
const SAMPLES: usize = 200;

/// One population's figures.
#[derive(Debug, Clone, Default)]
pub struct Point {
    /// Volunteers.
    pub volunteers: usize,
    /// Events folded.
    pub events: u64,
    /// Seconds to seal and fold them.
    pub build_seconds: f64,
    /// The process's resident memory once folded, in bytes (one copy of the state).
    pub resident_bytes: u64,
    /// The same with a second copy cloned from the first, as `serve` holds one for the writer
    /// and one for the readers.
    pub with_copy_bytes: u64,
    /// (query, latency in microseconds).
    pub queries: Vec<(String, Percentiles)>,
}

/// The process's resident set, from /proc (0 where there is none).
fn resident_bytes() -> u64 {
    super::proc_memory_bytes("self", "VmRSS:")
}

/// A well-mixed number from a line's indices (splitmix64), so that totals spread the way
/// real service does instead of falling on a few tied values.
fn spread(activity: usize, participant: usize, team: usize) -> u64 {
    let mut z = (activity as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((participant as u64) << 32)
        .wrapping_add(team as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folds a synthetic population of `volunteers` into a fresh state.
fn population(volunteers: usize, today: NaiveDate) -> Result<(State, u64), String> {
    let mut chain = Chain::after(Head::default());
    let mut state = State::new();
    let mut events = 0u64;
    let mut push = |state: &mut State, stream: StreamId, payload: Event| -> Result<(), String> {
        let sealed = chain
            .seal(Draft::system(stream, payload))
            .map_err(|e| e.to_string())?;
        state.apply(&sealed.envelope);
        events += 1;
        Ok(())
    };
    let teams = volunteers.div_ceil(TEAM_SIZE).max(1);
    let districts = teams.div_ceil(DISTRICT_TEAMS).max(5);
    let district = |t: usize| format!("区{:03}", t % districts);
    let team_ids: Vec<TeamId> = (0..teams).map(|_| TeamId::generate()).collect();
    for (t, id) in team_ids.iter().enumerate() {
        push(
            &mut state,
            id.stream(),
            Event::TeamRegistered(TeamRegistered {
                team_id: *id,
                name: format!("队{t}"),
                district: district(t),
                category: Category::ALL[t % Category::ALL.len()],
            }),
        )?;
    }
    let mut members: Vec<Vec<VolunteerId>> = vec![Vec::with_capacity(TEAM_SIZE); teams];
    for i in 0..volunteers {
        let t = i / TEAM_SIZE;
        let v = VolunteerId::generate();
        members[t].push(v);
        push(
            &mut state,
            v.stream(),
            Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: v,
                name: format!("志愿者{i}"),
                team_id: team_ids[t],
                district: district(t),
                birth_year: Some(1950),
            }),
        )?;
    }
    for (t, people) in members.iter().enumerate() {
        // Enough activities of ten for every member to serve LINES_PER_VOLUNTEER times.
        let activities = (people.len() * LINES_PER_VOLUNTEER).div_ceil(PARTICIPANTS);
        for a in 0..activities {
            let id = ActivityId::generate();
            let date = today - Days::new((a * 365 / activities.max(1)) as u64);
            let who: Vec<(VolunteerId, Decimal)> = (0..PARTICIPANTS.min(people.len()))
                .map(|k| {
                    let v = people[(a * PARTICIPANTS + k) % people.len()];
                    (v, Decimal::from(1 + spread(a, k, t) % 4))
                })
                .collect();
            let hours: Decimal = who.iter().map(|(_, h)| *h).sum();
            push(
                &mut state,
                id.stream(),
                Event::ActivityLogged(ActivityLogged {
                    activity_id: id,
                    team_id: team_ids[t],
                    district: district(t),
                    category: Category::EcoPatrol,
                    date,
                    title: "巡河".into(),
                    participants: who.len() as u32,
                    hours_total: hours,
                    points_total: hours * Decimal::TEN,
                    outcomes: Outcomes::default(),
                }),
            )?;
            for (v, h) in who {
                push(
                    &mut state,
                    id.stream(),
                    Event::ServiceLogged(ServiceLogged {
                        activity_id: id,
                        volunteer_id: v,
                        team_id: team_ids[t],
                        district: district(t),
                        category: Category::EcoPatrol,
                        date,
                        hours: h,
                        points: h * Decimal::TEN,
                        points_per_hour: Decimal::TEN,
                        rules_version: 0,
                    }),
                )?;
            }
        }
    }
    Ok((state, events))
}

fn time_query(state: &State, query: &RankingQuery) -> Percentiles {
    let mut micros = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let n = state.rank_volunteers(query).len();
        micros.push(started.elapsed().as_micros() as u64);
        std::hint::black_box(n);
    }
    Percentiles::of(micros)
}

/// The queries a ranking page asks, on one population.
fn queries(state: &State, today: NaiveDate) -> Result<Vec<(String, Percentiles)>, String> {
    let base = RankingQuery {
        limit: 20,
        ..RankingQuery::default()
    };
    let district = state.districts.keys().next().cloned();
    let team = state.teams.keys().next().copied();
    let quarter = Some(today - Days::new(90));
    let year = Some(
        NaiveDate::from_str(&format!("{}-01-01", today.format("%Y"))).map_err(|e| e.to_string())?,
    );
    let runs = [
        ("whole population, all time, by points", base.clone()),
        (
            "whole population, all time, by hours",
            RankingQuery {
                by: RankBy::Hours,
                ..base.clone()
            },
        ),
        (
            "whole population, last 90 days",
            RankingQuery {
                from: quarter,
                ..base.clone()
            },
        ),
        (
            "whole population, this year",
            RankingQuery {
                from: year,
                ..base.clone()
            },
        ),
        (
            "one district, all time, by hours",
            RankingQuery {
                district,
                by: RankBy::Hours,
                ..base.clone()
            },
        ),
        (
            "one team, all time",
            RankingQuery {
                team_id: team,
                ..base.clone()
            },
        ),
    ];
    Ok(runs
        .into_iter()
        .map(|(name, q)| (name.to_owned(), time_query(state, &q)))
        .collect())
}

/// Builds and measures each population up to `largest` volunteers.
pub fn measure(largest: usize) -> Result<Vec<Point>, String> {
    let today = Timestamp::now().local_date();
    let mut points = Vec::new();
    let mut size = 10_000;
    while size <= largest.max(10_000) {
        let started = Instant::now();
        let (mut state, events) = population(size, today)?;
        state.forget_changes();
        let build_seconds = started.elapsed().as_secs_f64();
        let resident = resident_bytes();
        let queries = queries(&state, today)?;
        let copy = state.clone();
        let with_copy = resident_bytes();
        drop(copy);
        eprintln!(
            "  {size} volunteers, {events} events, built in {build_seconds:.1}s, rss {} MB, {} MB with a second copy",
            resident >> 20,
            with_copy >> 20
        );
        for (name, p) in &queries {
            eprintln!(
                "    {name}: p50 {:.2} ms, p99 {:.2} ms",
                p.p50 / 1000.0,
                p.p99 / 1000.0
            );
        }
        points.push(Point {
            volunteers: size,
            events,
            build_seconds,
            resident_bytes: resident,
            with_copy_bytes: with_copy,
            queries,
        });
        drop(state);
        size *= 10;
    }
    Ok(points)
}

/// The section's text.
pub fn section(points: &[Point]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "### Rankings as the population grows\n\n`cargo xtask bench --only rankings`: synthetic populations folded in memory \
         (a team per {TEAM_SIZE} volunteers, a district per {DISTRICT_TEAMS} teams, {LINES_PER_VOLUNTEER} service lines per volunteer over \
         the last 365 days, one to four hours a line drawn from a fixed mix), each query timed {SAMPLES} times in process (top 20), so the figures are the projection's cost without \
         HTTP. Resident memory is the process's once the population is folded (one copy of the state, no log), then with a second copy \
         cloned from it (as `serve` holds one for the writer and one for the readers).\n\n"
    ));
    s.push_str("| volunteers | events | fold s | resident MB | with a second copy MB | query | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|---|---:|---:|\n");
    for p in points {
        for (i, (name, q)) in p.queries.iter().enumerate() {
            if i == 0 {
                s.push_str(&format!(
                    "| {} | {} | {:.1} | {} | {} | {name} | {:.2} | {:.2} |\n",
                    p.volunteers,
                    p.events,
                    p.build_seconds,
                    p.resident_bytes >> 20,
                    p.with_copy_bytes >> 20,
                    q.p50 / 1000.0,
                    q.p99 / 1000.0
                ));
            } else {
                s.push_str(&format!(
                    "| | | | | | {name} | {:.2} | {:.2} |\n",
                    q.p50 / 1000.0,
                    q.p99 / 1000.0
                ));
            }
        }
    }
    s
}

/// Writes the section into BENCHMARKS.md.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    super::report::write_section(path, START, END, text)
}
