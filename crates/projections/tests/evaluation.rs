//! Organisation and evaluation, as the spec reads: group membership over time attributes
//! activity to the right group for the right dates; outcomes add up; evaluation figures equal
//! a naive recount of the events; a new scoring formula changes reports from then on and leaves
//! reports as of the past as they were.

mod common;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use common::*;
use rust_decimal::Decimal;
use yinling_ledger::*;
use yinling_projections::evaluation::{Period, Subject};
use yinling_projections::rankings::RankingQuery;
use yinling_projections::*;

/// The alliance of the spec: 南浔 and partner county 松阳, with two of its sub-groups.
struct Alliance {
    sim: Sim,
    group: GroupId,
    wenlv: GroupId,
    xuanjiang: GroupId,
    nanxun: TeamId,
    songyang: TeamId,
    outsider: TeamId,
    a: VolunteerId,
    b: VolunteerId,
    c: VolunteerId,
}

fn alliance() -> Alliance {
    let mut sim = Sim::new();
    let nanxun = sim.team("荻溪六老志愿服务队", "南浔区", Category::Lecture);
    let songyang = sim.team("松阳银发宣讲团", "松阳县", Category::Lecture);
    let outsider = sim.team("陈奶奶道德门诊", "南浔区", Category::Mediation);
    let a = sim.volunteer("沈阿大", nanxun);
    let b = sim.volunteer("叶阿二", songyang);
    let c = sim.volunteer("陈阿三", outsider);
    let group = GroupId(sim.uuid());
    sim.ok(
        Actor::SYSTEM,
        Command::FoundGroup {
            group_id: group,
            name: "银雁协共体".into(),
            purpose: "南浔—松阳山海协作".into(),
            founded_on: date(2026, 1, 1),
        },
    );
    let sub = |sim: &mut Sim, name: &str| {
        let id = GroupId(sim.uuid());
        sim.ok(
            Actor::SYSTEM,
            Command::AddSubGroup {
                group_id: group,
                sub_group_id: id,
                name: name.into(),
                added_on: date(2026, 1, 1),
            },
        );
        id
    };
    let wenlv = sub(&mut sim, "文旅");
    let xuanjiang = sub(&mut sim, "宣讲");
    Alliance {
        sim,
        group,
        wenlv,
        xuanjiang,
        nanxun,
        songyang,
        outsider,
        a,
        b,
        c,
    }
}

fn join(sim: &mut Sim, team: TeamId, group: GroupId, sub: GroupId, on: NaiveDate) {
    sim.ok(
        Actor::SYSTEM,
        Command::JoinGroup {
            team_id: team,
            group_id: group,
            sub_group_id: Some(sub),
            joined_on: on,
        },
    );
}

fn leave(sim: &mut Sim, team: TeamId, group: GroupId, on: NaiveDate) {
    sim.ok(
        Actor::SYSTEM,
        Command::LeaveGroup {
            team_id: team,
            group_id: group,
            left_on: on,
        },
    );
}

fn served(sim: &mut Sim, team: TeamId, v: VolunteerId, on: NaiveDate, hours: &str) {
    sim.log_activity(team, Category::Lecture, on, &[(v, hours)])
        .unwrap_or_else(|r| panic!("activity on {on} rejected: {r}"));
}

fn hours(sim: &Sim, subject: Subject) -> Decimal {
    sim.state.evaluate(&subject, Period::default()).hours
}

#[test]
fn group_membership_over_time_attributes_activity_to_the_right_group_for_the_right_dates() {
    let Alliance {
        mut sim,
        group,
        wenlv,
        xuanjiang,
        nanxun,
        songyang,
        outsider,
        a,
        b,
        c,
    } = alliance();
    // 南浔 is in 文旅 from March until it leaves on 1 May, then rejoins in 宣讲 on 20 May;
    // 松阳 is in 宣讲 from February; the third team never joins.
    join(&mut sim, nanxun, group, wenlv, date(2026, 3, 1));
    leave(&mut sim, nanxun, group, date(2026, 5, 1));
    join(&mut sim, nanxun, group, xuanjiang, date(2026, 5, 20));
    join(&mut sim, songyang, group, xuanjiang, date(2026, 2, 1));

    served(&mut sim, nanxun, a, date(2026, 2, 28), "1"); // before joining
    served(&mut sim, nanxun, a, date(2026, 3, 1), "2"); // first day in 文旅
    served(&mut sim, nanxun, a, date(2026, 4, 30), "3"); // last day in 文旅
    served(&mut sim, nanxun, a, date(2026, 5, 1), "4"); // the day it left
    served(&mut sim, nanxun, a, date(2026, 5, 19), "5"); // between memberships
    served(&mut sim, nanxun, a, date(2026, 5, 20), "6"); // back, in 宣讲
    served(&mut sim, songyang, b, date(2026, 1, 31), "7"); // before 松阳 joined
    served(&mut sim, songyang, b, date(2026, 2, 1), "8");
    served(&mut sim, outsider, c, date(2026, 3, 15), "9");

    assert_eq!(hours(&sim, Subject::Group(wenlv)), dec("5"));
    assert_eq!(hours(&sim, Subject::Group(xuanjiang)), dec("14"));
    assert_eq!(hours(&sim, Subject::Group(group)), dec("19"));
    assert!(sim.state.in_group(&nanxun, &wenlv, date(2026, 4, 30)));
    assert!(!sim.state.in_group(&nanxun, &wenlv, date(2026, 5, 1)));
    assert!(!sim.state.in_group(&nanxun, &group, date(2026, 5, 19)));
    assert!(sim.state.in_group(&nanxun, &xuanjiang, date(2026, 5, 20)));
    assert!(!sim.state.in_group(&outsider, &group, date(2026, 3, 15)));

    // A period cuts memberships: April only sees 南浔's last 文旅 day, and 松阳 nothing.
    let april = Period {
        from: Some(date(2026, 4, 1)),
        to: Some(date(2026, 4, 30)),
    };
    assert_eq!(
        sim.state.evaluate(&Subject::Group(group), april).hours,
        dec("3")
    );

    // The group ranking counts the same hours as the evaluation, window by window.
    for (from, to) in [
        (None, None),
        (Some(date(2026, 3, 1)), Some(date(2026, 4, 30))),
        (Some(date(2026, 5, 1)), None),
        (None, Some(date(2026, 2, 28))),
    ] {
        let ranked = sim.state.rank_groups(&RankingQuery {
            from,
            to,
            limit: 10,
            ..RankingQuery::default()
        });
        for row in ranked {
            let evaluated = sim
                .state
                .evaluate(&Subject::Group(row.id), Period { from, to });
            assert_eq!(row.amounts.hours, evaluated.hours, "{from:?}..{to:?}");
            assert_eq!(row.amounts.points, evaluated.points, "{from:?}..{to:?}");
        }
    }
    // And districts rank the sums of their teams.
    let districts = sim.state.rank_districts(&RankingQuery {
        limit: 10,
        ..RankingQuery::default()
    });
    let nanxun_row = districts
        .iter()
        .find(|d| d.id == "南浔区")
        .expect("南浔区 ranked");
    assert_eq!(nanxun_row.amounts.hours, dec("30"));
    assert_eq!(hours(&sim, Subject::District("南浔区".into())), dec("30"));
}

#[test]
fn leaving_is_refused_for_a_team_that_is_not_a_member_and_appends_nothing() {
    let Alliance {
        mut sim,
        group,
        outsider,
        ..
    } = alliance();
    let before = sim.log.len();
    let refused = sim
        .system(Command::LeaveGroup {
            team_id: outsider,
            group_id: group,
            left_on: date(2026, 3, 1),
        })
        .expect_err("not a member");
    assert_eq!(refused.code, "not_a_member");
    assert_eq!(sim.log.len(), before);
}

fn mediation(
    sim: &mut Sim,
    team: TeamId,
    v: VolunteerId,
    on: NaiveDate,
    outcomes: Outcomes,
) -> ActivityId {
    let activity_id = ActivityId(sim.uuid());
    sim.system(Command::LogActivity(NewActivity {
        activity_id,
        team_id: team,
        category: Category::Mediation,
        date: on,
        title: "调解邻里纠纷".into(),
        participants: vec![ParticipantHours {
            volunteer_id: v,
            hours: dec("2"),
        }],
        outcomes,
        project_id: None,
        co_organisers: Vec::new(),
        group_id: None,
    }))
    .unwrap_or_else(|r| panic!("mediation rejected: {r}"));
    activity_id
}

#[test]
fn outcomes_aggregate_and_a_district_reports_its_settlement_rate_from_the_ledger() {
    let Alliance {
        mut sim,
        outsider,
        nanxun,
        a,
        c,
        ..
    } = alliance();
    // 25 sessions of 陈奶奶道德门诊: 4 disputes each, 3 or 4 settled.
    let mut handled = 0;
    let mut settled = 0;
    let mut last = None;
    for i in 0..25u32 {
        let outcomes = Outcomes {
            people_served: 6,
            problems_resolved: 1,
            disputes_handled: 4,
            disputes_settled: if i % 5 == 0 { 3 } else { 4 },
        };
        handled += outcomes.disputes_handled;
        settled += outcomes.disputes_settled;
        last = Some(mediation(
            &mut sim,
            outsider,
            c,
            date(2026, 3, 1 + i),
            outcomes,
        ));
    }
    // One session is reversed: its outcomes no longer count.
    sim.ok(
        Actor::SYSTEM,
        Command::ReverseActivity {
            activity_id: last.expect("25 sessions"),
            reason: "重复登记".into(),
        },
    );
    handled -= 4;
    settled -= 4;
    // Another team of the same district serves without outcomes.
    served(&mut sim, nanxun, a, date(2026, 3, 3), "2");

    let team = sim
        .state
        .evaluate(&Subject::Team(outsider), Period::default());
    assert_eq!(team.activities, 24);
    assert_eq!(team.people_served, 24 * 6);
    assert_eq!(team.problems_resolved, 24);
    assert_eq!(team.disputes_handled, u64::from(handled));
    assert_eq!(team.disputes_settled, u64::from(settled));
    let district = sim
        .state
        .evaluate(&Subject::District("南浔区".into()), Period::default());
    assert_eq!(district.activities, 25);
    assert_eq!(district.disputes_handled, 96);
    assert_eq!(district.disputes_settled, 91);
    assert_eq!(district.settlement_rate(), Some(dec("0.9479")));
    assert_eq!(
        sim.state
            .evaluate(&Subject::Team(nanxun), Period::default())
            .settlement_rate(),
        None,
        "no disputes, no rate"
    );

    // More settled than handled is refused and appends nothing.
    let before = sim.log.len();
    let activity_id = ActivityId(sim.uuid());
    let refused = sim
        .system(Command::LogActivity(NewActivity {
            activity_id,
            team_id: outsider,
            category: Category::Mediation,
            date: date(2026, 4, 1),
            title: "调解".into(),
            participants: vec![ParticipantHours {
                volunteer_id: c,
                hours: dec("1"),
            }],
            outcomes: Outcomes {
                disputes_handled: 1,
                disputes_settled: 2,
                ..Outcomes::default()
            },
            project_id: None,
            co_organisers: Vec::new(),
            group_id: None,
        }))
        .expect_err("settled > handled");
    assert!(refused.detail.contains("settled"), "{}", refused.detail);
    assert_eq!(sim.log.len(), before);
}

/// A recount straight from the events, sharing no code with the projection.
fn naive(log: &[Envelope], team: TeamId, period: Period) -> (u64, u64, u64, Decimal, Decimal) {
    let mut reversed = BTreeSet::new();
    for e in log {
        if let Event::ServiceReversed(r) = &e.payload {
            reversed.insert(r.activity_id);
        }
    }
    let counts = |id: &ActivityId, t: &TeamId, d: NaiveDate| {
        *t == team && !reversed.contains(id) && period.contains(d)
    };
    let (mut activities, mut times, mut hours, mut points) = (0, 0, Decimal::ZERO, Decimal::ZERO);
    let mut people = BTreeSet::new();
    for e in log {
        match &e.payload {
            Event::ActivityLogged(a) if counts(&a.activity_id, &a.team_id, a.date) => {
                activities += 1
            }
            Event::ServiceLogged(s) if counts(&s.activity_id, &s.team_id, s.date) => {
                times += 1;
                hours += s.hours;
                points += s.points;
                people.insert(s.volunteer_id);
            }
            _ => {}
        }
    }
    (
        activities,
        times,
        people.len() as u64,
        hours.normalize(),
        points.normalize(),
    )
}

#[test]
fn evaluation_figures_equal_a_naive_recount_of_the_events() {
    let Alliance {
        mut sim,
        nanxun,
        songyang,
        a,
        b,
        ..
    } = alliance();
    let extra = sim.volunteer("沈阿四", nanxun);
    let first = sim
        .log_activity(nanxun, Category::Lecture, date(2026, 1, 31), &[(a, "3")])
        .expect("first");
    for day in 1..=28 {
        served(&mut sim, nanxun, a, date(2026, 2, day), "1.5");
        if day % 3 == 0 {
            served(&mut sim, nanxun, extra, date(2026, 2, day), "2");
            served(&mut sim, songyang, b, date(2026, 2, day), "0.5");
        }
    }
    sim.ok(
        Actor::SYSTEM,
        Command::ReverseActivity {
            activity_id: first,
            reason: "登记错误".into(),
        },
    );
    for period in [
        Period::default(),
        Period {
            from: Some(date(2026, 2, 10)),
            to: Some(date(2026, 2, 20)),
        },
    ] {
        for team in [nanxun, songyang] {
            let f = sim.state.evaluate(&Subject::Team(team), period);
            assert_eq!(
                (
                    f.activities,
                    f.participant_times,
                    f.active_volunteers,
                    f.hours,
                    f.points
                ),
                naive(&sim.log, team, period),
                "{period:?}"
            );
        }
    }
}

#[test]
fn new_scoring_weights_change_reports_from_then_on_and_leave_past_reports_as_they_were() {
    let Alliance {
        mut sim,
        nanxun,
        songyang,
        a,
        b,
        ..
    } = alliance();
    // 南浔: many short sessions; 松阳: few long ones.
    for day in 1..=10 {
        served(&mut sim, nanxun, a, date(2026, 3, day), "1");
    }
    served(&mut sim, songyang, b, date(2026, 3, 1), "12");
    served(&mut sim, songyang, b, date(2026, 3, 2), "12");
    let ranking = |state: &State| -> Vec<(TeamId, Decimal)> {
        state
            .rank_teams_by_score(Period::default(), None)
            .into_iter()
            .filter(|r| r.team_id == nanxun || r.team_id == songyang)
            .map(|r| (r.team_id, r.score))
            .collect()
    };
    let before = ranking(&sim.state);
    assert_eq!(
        before[0].0, nanxun,
        "default weights favour many activities"
    );
    let seq_before = sim.log.len();

    // A new published formula that only values hours.
    let weights = ScoringWeights {
        per_activity: Decimal::ZERO,
        per_participant_time: Decimal::ZERO,
        per_active_volunteer: Decimal::ZERO,
        per_hour: Decimal::from(10),
        per_person_served: Decimal::ZERO,
        per_problem_resolved: Decimal::ZERO,
        per_dispute_settled: Decimal::ZERO,
    };
    sim.ok(
        Actor::SYSTEM,
        Command::ChangeScoring {
            weights: weights.clone(),
        },
    );
    assert_eq!(sim.state.scoring.version, 1);
    assert_eq!(sim.state.scoring.weights, weights);
    let after = ranking(&sim.state);
    assert_eq!(after[0], (songyang, dec("240")));
    assert_eq!(after[1], (nanxun, dec("100")));

    // The report as of the seq before the change is rebuilt from the log prefix: unchanged.
    let mut past = sim.fresh();
    for e in &sim.log[..seq_before] {
        past.apply(e);
    }
    assert_eq!(past.scoring.version, 0);
    assert_eq!(ranking(&past), before);

    // Weights must be sensible: a negative weight is refused and appends nothing.
    let len = sim.log.len();
    let refused = sim
        .system(Command::ChangeScoring {
            weights: ScoringWeights {
                per_hour: dec("-1"),
                ..weights
            },
        })
        .expect_err("negative weight");
    assert!(refused.detail.contains("per_hour"), "{}", refused.detail);
    assert_eq!(sim.log.len(), len);
}

#[test]
fn a_project_collects_its_activities_and_refuses_activities_it_does_not_cover() {
    let Alliance {
        mut sim,
        group,
        wenlv,
        nanxun,
        outsider,
        a,
        c,
        ..
    } = alliance();
    join(&mut sim, nanxun, group, wenlv, date(2026, 3, 1));
    let project = ProjectId(sim.uuid());
    sim.ok(
        Actor::SYSTEM,
        Command::RegisterProject(NewProject {
            project_id: project,
            owner: ProjectOwner::Group(group),
            title: "山海协作·银发文旅导览".into(),
            category: Category::Lecture,
            goal: "为游客讲解古镇历史".into(),
            starts_on: date(2026, 3, 1),
            ends_on: Some(date(2026, 5, 31)),
            status: ProjectStatus::Running,
        }),
    );
    let log = |sim: &mut Sim, team: TeamId, v: VolunteerId, on: NaiveDate| {
        let activity_id = ActivityId(sim.uuid());
        sim.system(Command::LogActivity(NewActivity {
            activity_id,
            team_id: team,
            category: Category::Lecture,
            date: on,
            title: "古镇导览".into(),
            participants: vec![ParticipantHours {
                volunteer_id: v,
                hours: dec("2"),
            }],
            outcomes: Outcomes {
                people_served: 30,
                ..Outcomes::default()
            },
            project_id: Some(project),
            co_organisers: Vec::new(),
            group_id: None,
        }))
        .map(|_| activity_id)
    };
    let ok = log(&mut sim, nanxun, a, date(2026, 3, 5)).expect("member team, in dates");
    let len = sim.log.len();
    let not_member = log(&mut sim, outsider, c, date(2026, 3, 5)).expect_err("not in group");
    assert_eq!(not_member.code, "not_in_project");
    let too_early = log(&mut sim, nanxun, a, date(2026, 2, 28)).expect_err("before start");
    assert_eq!(too_early.code, "not_in_project", "not yet a member either");
    assert_eq!(sim.log.len(), len, "refusals append nothing");

    sim.ok(
        Actor::SYSTEM,
        Command::ChangeProjectStatus {
            project_id: project,
            status: ProjectStatus::Closed,
            on: date(2026, 4, 1),
        },
    );
    let closed = log(&mut sim, nanxun, a, date(2026, 3, 20)).expect_err("closed");
    assert_eq!(closed.code, "project_closed");

    let p = &sim.state.projects[&project];
    assert_eq!(p.activities, vec![ok]);
    assert_eq!(p.status, ProjectStatus::Closed);
    let f = sim
        .state
        .evaluate(&Subject::Project(project), Period::default());
    assert_eq!((f.activities, f.people_served), (1, 30));
    assert_eq!(f.hours, dec("2"));
}
