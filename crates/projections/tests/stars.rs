//! The star scale is policy: versions of thresholds, and each volunteer's stars as events
//! appended when they happen. A scale change shows as new events and takes no star away;
//! a star can wait for review (星级认定 with 公示); hours taken back withdraw the stars they
//! carried, with the reason.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::*;

struct World {
    sim: Sim,
    team: TeamId,
    alice: VolunteerId,
    bob: VolunteerId,
    admin: Actor,
    coordinator: Actor,
}

fn world() -> World {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let alice = sim.volunteer("王金法", team);
    let bob = sim.volunteer("陈奶奶", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    World {
        sim,
        team,
        alice,
        bob,
        admin,
        coordinator,
    }
}

/// `hours` of service for `who`, spread over days of at most 20 hours, `n` days back.
fn serve(who: VolunteerId, w: &mut World, hours: u32, from_days_back: u64) -> Vec<ActivityId> {
    let today = w.sim.now.local_date();
    let mut left = hours;
    let mut day = from_days_back;
    let mut ids = Vec::new();
    while left > 0 {
        let h = left.min(20);
        let date = today - chrono::Days::new(day);
        let id = w
            .sim
            .log_activity(w.team, Category::Mediation, date, &[(who, &h.to_string())])
            .expect("logged");
        ids.push(id);
        left -= h;
        day += 1;
    }
    ids
}

fn scale(w: &mut World, thresholds: &[&str], review: bool) -> Vec<Envelope> {
    w.sim.ok(
        w.admin,
        Command::AdoptStarScale {
            thresholds_hours: thresholds.iter().map(|t| dec(t)).collect(),
            review,
            note: "本平台星级标准".into(),
        },
    )
}

fn stars_of(w: &World, v: VolunteerId) -> u8 {
    w.sim.state.volunteers[&v].stars().0
}

fn reached(events: &[Envelope]) -> Vec<(VolunteerId, u8, bool)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            Event::StarReached(r) => Some((r.volunteer_id, r.level, r.awaiting_review)),
            _ => None,
        })
        .collect()
}

#[test]
fn before_any_scale_stars_are_read_off_the_hours_on_the_national_scale() {
    let mut w = world();
    serve(w.alice, &mut w, 120, 10);
    assert_eq!(stars_of(&w, w.alice), 1);
    assert!(!w.sim.state.star_scale.recorded());
    assert!(
        !w.sim
            .log
            .iter()
            .any(|e| matches!(e.payload, Event::StarReached(_))),
        "no star events before a scale is adopted"
    );
}

#[test]
fn the_first_scale_records_the_stars_already_held_and_awards_those_it_lowers_into_reach() {
    let mut w = world();
    serve(w.alice, &mut w, 320, 40);
    serve(w.bob, &mut w, 60, 40);
    assert_eq!((stars_of(&w, w.alice), stars_of(&w, w.bob)), (2, 0));
    let events = scale(&mut w, &["50", "150", "300", "600", "1000"], false);
    let mut got = reached(&events);
    got.sort();
    let mut want = vec![(w.alice, 2, false), (w.alice, 3, false), (w.bob, 1, false)];
    want.sort();
    assert_eq!(
        got, want,
        "alice's 2 stars recorded, then 3 on the new scale"
    );
    assert_eq!((stars_of(&w, w.alice), stars_of(&w, w.bob)), (3, 1));
}

#[test]
fn crossing_a_threshold_appends_star_reached_with_the_service() {
    let mut w = world();
    scale(&mut w, &["100", "300"], false);
    serve(w.alice, &mut w, 90, 20);
    let today = w.sim.now.local_date();
    let activity_id = ActivityId(w.sim.uuid());
    let events = w.sim.ok(
        w.coordinator,
        Command::LogActivity(NewActivity {
            activity_id,
            team_id: w.team,
            category: Category::Mediation,
            date: today,
            title: "调解".into(),
            participants: vec![ParticipantHours {
                volunteer_id: w.alice,
                hours: dec("12"),
            }],
            outcomes: Outcomes::default(),
            project_id: None,
            co_organisers: Vec::new(),
            group_id: None,
        }),
    );
    let Some(Event::StarReached(r)) = events.last().map(|e| &e.payload) else {
        panic!("the star is in the same commit as the service: {events:?}")
    };
    assert_eq!(
        (r.level, r.threshold_hours, r.hours, r.scale_version),
        (1, dec("100"), dec("102"), 1)
    );
    assert_eq!(stars_of(&w, w.alice), 1);
}

#[test]
fn a_star_under_review_counts_only_once_confirmed() {
    let mut w = world();
    scale(&mut w, &["100", "300"], true);
    serve(w.alice, &mut w, 110, 20);
    let v = &w.sim.state.volunteers[&w.alice];
    assert_eq!(v.stars().0, 0, "waiting for review");
    assert_eq!(v.star.pending.as_ref().map(|p| p.level), Some(1));
    let r = w
        .sim
        .run(
            w.admin,
            Command::ConfirmStar {
                volunteer_id: w.alice,
                level: 2,
                note: String::new(),
            },
        )
        .expect_err("the level seen must be the level waiting");
    assert_eq!(r.code, "level_changed");
    let r = w
        .sim
        .run(
            w.coordinator,
            Command::ConfirmStar {
                volunteer_id: w.alice,
                level: 1,
                note: String::new(),
            },
        )
        .expect_err("administrators confirm");
    assert_eq!(r.kind, RejectionKind::Forbidden);
    w.sim.ok(
        w.admin,
        Command::ConfirmStar {
            volunteer_id: w.alice,
            level: 1,
            note: "公示七天无异议".into(),
        },
    );
    assert_eq!(stars_of(&w, w.alice), 1);
    let r = w
        .sim
        .run(
            w.admin,
            Command::ConfirmStar {
                volunteer_id: w.alice,
                level: 1,
                note: String::new(),
            },
        )
        .expect_err("nothing left to confirm");
    assert_eq!(r.code, "nothing_to_confirm");
}

/// Hours taken back from a star waiting for review withdraw it, and a lower star the hours
/// left still earn waits for review in its place (it was cleared with nothing after it).
#[test]
fn a_star_waiting_for_review_taken_back_leaves_the_lower_star_the_hours_still_earn() {
    let mut w = world();
    scale(&mut w, &["100", "300"], true);
    let ids = serve(w.alice, &mut w, 310, 20);
    let v = &w.sim.state.volunteers[&w.alice];
    assert_eq!(
        (v.stars().0, v.star.top()),
        (0, 2),
        "star 2 waits for review"
    );
    let events = w.sim.ok(
        w.coordinator,
        Command::ReverseActivity {
            activity_id: ids[0],
            reason: "误登".into(),
        },
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.payload, Event::StarWithdrawn(s) if s.level == 0 && s.hours == dec("290"))),
        "{events:?}"
    );
    assert_eq!(reached(&events), vec![(w.alice, 1, true)], "{events:?}");
    let v = &w.sim.state.volunteers[&w.alice];
    assert_eq!(v.stars().0, 0, "confirmed: none yet");
    assert_eq!(v.star.pending.as_ref().map(|p| p.level), Some(1));
    // A recount agrees: 290 hours earn star 1 on the scale in force.
    assert_eq!(
        yinling_projections::stars::level_on(&w.sim.state.star_scale.thresholds(), dec("290")),
        1
    );

    // Bob's star 2 waits at 310 hours; a scale asking 250 for it is adopted meanwhile.
    // Taking 20 back withdraws the star reached at 310 and reaches it again at the new bar
    // of 250, waiting for review afresh: the star's recorded hours are always ones the
    // volunteer has (the invariants check no other rule).
    let ids = serve(w.bob, &mut w, 310, 60);
    scale(&mut w, &["100", "250"], true);
    let events = w.sim.ok(
        w.coordinator,
        Command::ReverseActivity {
            activity_id: ids[0],
            reason: "误登".into(),
        },
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.payload, Event::StarWithdrawn(_))),
        "{events:?}"
    );
    let v = &w.sim.state.volunteers[&w.bob];
    let pending = v.star.pending.as_ref().expect("waits again");
    assert_eq!((pending.level, pending.threshold_hours), (2, dec("250")));
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn hours_taken_back_withdraw_the_stars_they_carried_with_the_reason() {
    let mut w = world();
    scale(&mut w, &["100", "300"], false);
    let ids = serve(w.alice, &mut w, 110, 20);
    assert_eq!(stars_of(&w, w.alice), 1);
    let events = w.sim.ok(
        w.coordinator,
        Command::ReverseActivity {
            activity_id: ids[0],
            reason: "误登".into(),
        },
    );
    let Some(Event::StarWithdrawn(s)) = events.last().map(|e| &e.payload) else {
        panic!("a withdrawal: {events:?}")
    };
    assert_eq!((s.level, s.hours), (0, dec("90")));
    assert!(s.reason.contains("误登"), "{}", s.reason);
    assert_eq!(stars_of(&w, w.alice), 0);
    // Earned again: reached again.
    let ten = serve(w.alice, &mut w, 10, 30)[0];
    assert_eq!(stars_of(&w, w.alice), 1);
    // A correction that leaves the hours above the threshold withdraws nothing; one that
    // takes them below does.
    let five = serve(w.alice, &mut w, 5, 35)[0];
    let correct = |activity_id, hours: &str| Command::CorrectParticipation {
        activity_id,
        volunteer_id: w.alice,
        hours: dec(hours),
        reason: "时长记错".into(),
    };
    let events = w.sim.ok(w.coordinator, correct(five, "1"));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.payload, Event::StarWithdrawn(_))),
        "still 101 hours: nothing withdrawn"
    );
    let events = w.sim.ok(w.coordinator, correct(ten, "5"));
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.payload, Event::StarWithdrawn(s) if s.level == 0 && s.hours == dec("96"))),
        "{events:?}"
    );
    assert_eq!(stars_of(&w, w.alice), 0);
}

#[test]
fn a_stricter_scale_takes_no_star_away_and_later_stars_follow_it() {
    let mut w = world();
    scale(&mut w, &["100", "300"], false);
    serve(w.alice, &mut w, 110, 20);
    let events = scale(&mut w, &["200", "400", "800"], false);
    assert!(reached(&events).is_empty());
    assert_eq!(stars_of(&w, w.alice), 1, "kept");
    serve(w.alice, &mut w, 200, 60);
    assert_eq!(stars_of(&w, w.alice), 1, "310 hours: not yet 400");
    serve(w.alice, &mut w, 100, 80);
    assert_eq!(
        stars_of(&w, w.alice),
        2,
        "410 hours: 2 stars on the new scale"
    );
}

#[test]
fn scales_are_checked_and_only_an_administrator_adopts_one() {
    let mut w = world();
    for (bad, code) in [
        (vec![], "bad_scale"),
        (vec!["100", "100"], "bad_scale"),
        (vec!["300", "100"], "bad_scale"),
        (vec!["0"], "bad_hours"),
        (vec!["-5"], "bad_hours"),
        (vec!["100.125"], "bad_hours"),
        (vec!["100001"], "bad_hours"),
        (vec!["1"; 11], "bad_scale"),
    ] {
        let before = w.sim.log.len();
        let r = w
            .sim
            .run(
                w.admin,
                Command::AdoptStarScale {
                    thresholds_hours: bad.iter().map(|t| dec(t)).collect(),
                    review: false,
                    note: String::new(),
                },
            )
            .expect_err("refused");
        assert_eq!(r.code, code, "{bad:?}: {}", r.detail);
        assert_eq!(w.sim.log.len(), before);
    }
    let r = w
        .sim
        .run(
            w.coordinator,
            Command::AdoptStarScale {
                thresholds_hours: vec![dec("100")],
                review: false,
                note: String::new(),
            },
        )
        .expect_err("admin only");
    assert_eq!(r.kind, RejectionKind::Forbidden);
    scale(&mut w, &["100", "300"], false);
    let r = w
        .sim
        .run(
            w.admin,
            Command::AdoptStarScale {
                thresholds_hours: vec![dec("100"), dec("300")],
                review: false,
                note: String::new(),
            },
        )
        .expect_err("the same scale again");
    assert_eq!(r.code, "no_change");
}

#[test]
fn stars_replay_to_the_same_state_and_hold_their_invariants() {
    let mut w = world();
    serve(w.alice, &mut w, 120, 40);
    scale(&mut w, &["50", "150"], true);
    serve(w.alice, &mut w, 40, 60);
    w.sim.ok(
        w.admin,
        Command::ConfirmStar {
            volunteer_id: w.alice,
            level: 2,
            note: String::new(),
        },
    );
    w.sim.state.check_invariants().expect("invariants");
    let mut replayed = w.sim.fresh();
    for e in &w.sim.log {
        replayed.apply(e);
    }
    assert_eq!(replayed, w.sim.state);
    let history: Vec<_> = w.sim.state.volunteers[&w.alice]
        .star
        .history
        .iter()
        .map(|m| (m.level, m.step))
        .collect();
    use yinling_projections::stars::StarStep::*;
    assert_eq!(
        history,
        [(1, Reached), (2, AwaitingReview), (2, Confirmed)],
        "1 star held on the national scale recorded; 2 reached at 160 hours, then confirmed"
    );
}
