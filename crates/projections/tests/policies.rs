//! Policies are events with their history: the hold time applies to holds made after it
//! changes; service logged later than the back-fill limit waits for an administrator and
//! credits nothing until approved (checked again then), or is declined; the ledger's time
//! zone decides what "today" is, and only the node sets it.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::*;

struct World {
    sim: Sim,
    team: TeamId,
    other_team: TeamId,
    alice: VolunteerId,
    admin: Actor,
    coordinator: Actor,
}

fn world() -> World {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let other_team = sim.team("安吉护绿队", "安吉县", Category::EcoPatrol);
    let alice = sim.volunteer("王金法", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    World {
        sim,
        team,
        other_team,
        alice,
        admin,
        coordinator,
    }
}

fn policy(change: PolicyChange, note: &str) -> Command {
    Command::SetPolicy {
        change,
        note: note.into(),
    }
}

fn log(w: &mut World, days_back: u64, hours: &str) -> (ActivityId, Command) {
    let id = ActivityId(w.sim.uuid());
    let date = w.sim.now.local_date() - chrono::Days::new(days_back);
    (
        id,
        Command::LogActivity(NewActivity {
            activity_id: id,
            team_id: w.team,
            category: Category::Mediation,
            date,
            title: "补登调解".into(),
            participants: vec![ParticipantHours {
                volunteer_id: w.alice,
                hours: dec(hours),
            }],
            outcomes: Outcomes::default(),
            project_id: None,
            co_organisers: Vec::new(),
            group_id: None,
        }),
    )
}

#[test]
fn a_new_hold_time_applies_to_holds_made_after_it() {
    let mut w = world();
    w.sim
        .log_activity(
            w.team,
            Category::Mediation,
            date(2026, 5, 30),
            &[(w.alice, "8")],
        )
        .expect("logged");
    let reward = w.sim.reward("10", 10);
    let me = w.sim.token(Role::Volunteer, None, Some(w.alice));
    let first = w.sim.hold(me, w.alice, reward, 1).expect("hold");
    w.sim.ok(
        w.admin,
        policy(
            PolicyChange::HoldTtl {
                seconds: 3 * 86_400,
            },
            "春节期间缩短",
        ),
    );
    let second = w.sim.hold(me, w.alice, reward, 1).expect("hold");
    let expires = |id| w.sim.state.redemptions[&id].expires_at;
    assert_eq!(
        expires(second),
        w.sim.now.plus_seconds(3 * 86_400),
        "three days from now"
    );
    assert!(expires(first) > expires(second), "the first keeps its date");
    assert_eq!(w.sim.state.policies.hold_ttl.len(), 1);
    assert_eq!(w.sim.state.policies.hold_ttl[0].note, "春节期间缩短");
}

#[test]
fn service_logged_past_the_backfill_limit_waits_and_credits_nothing_until_approved() {
    let mut w = world();
    w.sim.ok(
        w.admin,
        policy(
            PolicyChange::BackfillLimit { days: Some(30) },
            "超过30天须审批",
        ),
    );
    // Thirty days late: credited at once.
    let (_, on_time) = log(&mut w, 30, "2");
    w.sim.ok(w.coordinator, on_time);
    assert_eq!(w.sim.available(w.alice), dec("20"));
    // Forty: held.
    let (late, command) = log(&mut w, 40, "3");
    let events = w.sim.ok(w.coordinator, command);
    let [Envelope {
        payload: Event::BackfillRequested(r),
        ..
    }] = events.as_slice()
    else {
        panic!("only a request: {events:?}")
    };
    assert_eq!((r.days_late, r.limit_days), (40, 30));
    assert_eq!(w.sim.available(w.alice), dec("20"), "nothing credited");
    assert!(!w.sim.state.activities.contains_key(&late));
    assert!(w.sim.state.pending_backfills.contains_key(&late));
    // The coordinator cannot approve their own back-fill.
    let r = w
        .sim
        .run(
            w.coordinator,
            Command::ApproveBackfill {
                activity_id: late,
                note: String::new(),
            },
        )
        .expect_err("admin only");
    assert_eq!(r.kind, RejectionKind::Forbidden);
    // Approved: credited under the rule of its date, with who approved it on record.
    let events = w.sim.ok(
        w.admin,
        Command::ApproveBackfill {
            activity_id: late,
            note: "有签到表".into(),
        },
    );
    assert!(matches!(events[0].payload, Event::BackfillApproved(_)));
    assert!(matches!(events[1].payload, Event::ActivityLogged(_)));
    assert_eq!(w.sim.available(w.alice), dec("50"));
    let b = w.sim.state.activities[&late]
        .backfill()
        .cloned()
        .expect("approval on record");
    assert_eq!(
        (b.approved_by, b.days_late, b.note.as_str()),
        (w.admin, 40, "有签到表")
    );
    assert!(w.sim.state.pending_backfills.is_empty());
    let again = w
        .sim
        .run(
            w.admin,
            Command::ApproveBackfill {
                activity_id: late,
                note: String::new(),
            },
        )
        .expect_err("already approved");
    // Said as approved, not as an entry that never was.
    assert_eq!(again.code, "backfill_already_approved");
    assert_eq!(again.kind, RejectionKind::Conflict);
    assert!(
        again.detail.contains("approved already"),
        "{}",
        again.detail
    );
}

#[test]
fn a_declined_backfill_credits_nothing_and_leaves_the_queue() {
    let mut w = world();
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: Some(7) }, ""),
    );
    let (late, command) = log(&mut w, 20, "3");
    w.sim.ok(w.coordinator, command);
    let r = w
        .sim
        .run(
            w.admin,
            Command::DeclineBackfill {
                activity_id: late,
                reason: " ".into(),
            },
        )
        .expect_err("a reason is needed");
    assert_eq!(r.code, "empty_text");
    w.sim.ok(
        w.admin,
        Command::DeclineBackfill {
            activity_id: late,
            reason: "无记录可查".into(),
        },
    );
    assert!(w.sim.state.pending_backfills.is_empty());
    assert_eq!(w.sim.available(w.alice), dec("0"));
    assert!(!w.sim.state.activities.contains_key(&late));
}

#[test]
fn an_approval_is_checked_again_against_todays_state() {
    let mut w = world();
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: Some(7) }, ""),
    );
    let (late, command) = log(&mut w, 20, "16");
    w.sim.ok(w.coordinator, command);
    // Meanwhile the policy is lifted and the same day gets 10 more hours: approving would
    // make 26 hours that day.
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: None }, "取消限制"),
    );
    let (_, same_day) = log(&mut w, 20, "10");
    w.sim.ok(w.coordinator, same_day);
    let r = w
        .sim
        .run(
            w.admin,
            Command::ApproveBackfill {
                activity_id: late,
                note: String::new(),
            },
        )
        .expect_err("over 24 hours");
    assert_eq!(r.code, "day_over_24_hours");
    // A move to another team since does not stop an approval of service done before it.
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: Some(7) }, ""),
    );
    let (late2, command) = log(&mut w, 30, "2");
    w.sim.ok(w.coordinator, command);
    w.sim.ok(
        w.admin,
        Command::MoveVolunteer {
            volunteer_id: w.alice,
            to_team_id: w.other_team,
        },
    );
    w.sim.ok(
        w.admin,
        Command::ApproveBackfill {
            activity_id: late2,
            note: String::new(),
        },
    );
    assert!(w.sim.state.activities.contains_key(&late2));
}

#[test]
fn policies_are_checked_refuse_no_change_and_only_the_node_sets_the_time_zone() {
    let mut w = world();
    for (change, code) in [
        (PolicyChange::HoldTtl { seconds: 3600 }, "bad_hold_time"),
        (
            PolicyChange::HoldTtl {
                seconds: 400 * 86_400,
            },
            "bad_hold_time",
        ),
        (
            PolicyChange::BackfillLimit { days: Some(0) },
            "bad_backfill_limit",
        ),
        (
            PolicyChange::BackfillLimit { days: Some(4000) },
            "bad_backfill_limit",
        ),
    ] {
        let r = w.sim.run(w.admin, policy(change, "")).expect_err("refused");
        assert_eq!(r.code, code);
    }
    let r = w
        .sim
        .run(
            w.coordinator,
            policy(PolicyChange::BackfillLimit { days: Some(30) }, ""),
        )
        .expect_err("admin only");
    assert_eq!(r.kind, RejectionKind::Forbidden);
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: Some(30) }, ""),
    );
    let r = w
        .sim
        .run(
            w.admin,
            policy(PolicyChange::BackfillLimit { days: Some(30) }, ""),
        )
        .expect_err("same value");
    assert_eq!(r.code, "no_change");
    let zone = PolicyChange::TimeZone {
        utc_offset_seconds: 9 * 3600,
    };
    let r = w
        .sim
        .run(w.admin, policy(zone.clone(), ""))
        .expect_err("only at start-up");
    assert_eq!(r.code, "time_zone_at_start");
    let r = w
        .sim
        .system(policy(
            PolicyChange::TimeZone {
                utc_offset_seconds: 100,
            },
            "",
        ))
        .expect_err("not an offset");
    assert_eq!(r.code, "bad_time_zone");
    w.sim
        .system(policy(zone, "迁往东京机房"))
        .expect("the node sets it");
    assert_eq!(w.sim.state.policies.utc_offset_seconds(), 9 * 3600);
}

#[test]
fn today_is_the_ledgers_today_in_its_own_zone() {
    let mut w = world();
    // 2026-06-01T00:00Z: 08:00 on 1 June in UTC+8, 14:00 on 31 May in UTC-10.
    let june_2 = date(2026, 6, 2);
    let logs = |w: &mut World| {
        let id = ActivityId(w.sim.uuid());
        w.sim.run(
            w.coordinator,
            Command::LogActivity(NewActivity {
                activity_id: id,
                team_id: w.team,
                category: Category::Mediation,
                date: june_2,
                title: "明天的活动".into(),
                participants: vec![ParticipantHours {
                    volunteer_id: w.alice,
                    hours: dec("1"),
                }],
                outcomes: Outcomes::default(),
                project_id: None,
                co_organisers: Vec::new(),
                group_id: None,
            }),
        )
    };
    assert!(logs(&mut w).is_ok(), "tomorrow in UTC+8");
    w.sim
        .system(policy(
            PolicyChange::TimeZone {
                utc_offset_seconds: -10 * 3600,
            },
            "",
        ))
        .expect("zone");
    let r = logs(&mut w).expect_err("the day after tomorrow in UTC-10");
    assert_eq!(r.code, "date_in_future");
}

#[test]
fn policies_and_the_queue_replay_to_the_same_state() {
    let mut w = world();
    w.sim.ok(
        w.admin,
        policy(PolicyChange::BackfillLimit { days: Some(7) }, "七天"),
    );
    let (a, command) = log(&mut w, 20, "3");
    w.sim.ok(w.coordinator, command);
    let (_, command) = log(&mut w, 25, "2");
    w.sim.ok(w.coordinator, command);
    w.sim.ok(
        w.admin,
        Command::ApproveBackfill {
            activity_id: a,
            note: "核实".into(),
        },
    );
    w.sim.state.check_invariants().expect("invariants");
    let mut replayed = w.sim.fresh();
    for e in &w.sim.log {
        replayed.apply(e);
    }
    assert_eq!(replayed, w.sim.state);
    assert_eq!(replayed.pending_backfills.len(), 1);
}

/// Service logged late by the team a volunteer served with before they moved is that team's:
/// their old coordinator may log it and it is credited to the old team; service dated after
/// the move is the new team's to log, and on the day of the move either team may.
#[test]
fn service_before_a_move_is_logged_by_and_credited_to_the_team_served_with() {
    let mut w = world();
    w.sim.now = w.sim.now.plus_seconds(10 * 86_400);
    w.sim.ok(
        w.admin,
        Command::MoveVolunteer {
            volunteer_id: w.alice,
            to_team_id: w.other_team,
        },
    );
    w.sim.now = w.sim.now.plus_seconds(2 * 86_400);
    let credited = |events: &[Envelope]| {
        events.iter().find_map(|e| match &e.payload {
            Event::ServiceLogged(s) => Some(s.team_id),
            _ => None,
        })
    };
    let (_, before) = log(&mut w, 5, "2");
    let events = w.sim.ok(w.coordinator, before);
    assert_eq!(credited(&events), Some(w.team));
    let (_, move_day) = log(&mut w, 2, "2");
    let events = w.sim.ok(w.coordinator, move_day);
    assert_eq!(credited(&events), Some(w.team));
    let (_, after) = log(&mut w, 1, "2");
    let r = w.sim.run(w.coordinator, after).expect_err("moved by then");
    assert_eq!(r.code, "not_a_member");
}
