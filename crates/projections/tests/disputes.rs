//! Disputes go to the team that logged the entry: the one that can correct it, whichever
//! team the volunteer has moved to since; "corrected" is answered only once it was.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::*;

#[test]
fn a_contest_goes_to_the_team_that_logged_the_entry_after_the_volunteer_moved() {
    let mut sim = Sim::new();
    let old_team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let new_team = sim.team("银发矛盾调解队", "吴兴区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", old_team);
    let old_coordinator = sim.token(Role::Coordinator, Some(old_team), None);
    let new_coordinator = sim.token(Role::Coordinator, Some(new_team), None);
    let me = sim.token(Role::Volunteer, None, Some(v));
    let today = sim.now.local_date();
    let a = sim
        .log_activity(old_team, Category::Mediation, today, &[(v, "3")])
        .expect("logged");
    sim.ok(
        Actor::SYSTEM,
        Command::MoveVolunteer {
            volunteer_id: v,
            to_team_id: new_team,
        },
    );
    let contest = DisputeId(sim.uuid());
    sim.ok(
        me,
        Command::OpenDispute {
            dispute_id: contest,
            volunteer_id: v,
            activity_id: Some(a),
            kind: DisputeKind::Contested,
            reason: "我那天只去了两个小时".into(),
        },
    );
    assert_eq!(sim.state.disputes[&contest].team_id, old_team);
    let resolve = |outcome| Command::ResolveDispute {
        dispute_id: contest,
        outcome,
        reason: "已核对签到表".into(),
    };
    let refused = sim
        .run(new_coordinator, resolve(DisputeOutcome::Rejected))
        .expect_err("not theirs");
    assert_eq!(refused.kind, RejectionKind::Forbidden);
    // "Corrected" only once the entry was: not before.
    let early = sim
        .run(old_coordinator, resolve(DisputeOutcome::Corrected))
        .expect_err("nothing corrected yet");
    assert_eq!(early.code, "nothing_corrected");
    // The team that logged it corrects the entry and answers.
    sim.ok(
        old_coordinator,
        Command::CorrectParticipation {
            activity_id: a,
            volunteer_id: v,
            hours: dec("2"),
            reason: "按签到表更正".into(),
        },
    );
    sim.ok(old_coordinator, resolve(DisputeOutcome::Corrected));

    // A missing entry with no activity named goes to the team of today.
    let missing = DisputeId(sim.uuid());
    sim.ok(
        me,
        Command::OpenDispute {
            dispute_id: missing,
            volunteer_id: v,
            activity_id: None,
            kind: DisputeKind::Missing,
            reason: "上周的巡河没有登记".into(),
        },
    );
    assert_eq!(sim.state.disputes[&missing].team_id, new_team);
    // A missing service is logged and answered upheld; "corrected" has no entry to name.
    let refused = sim
        .run(
            new_coordinator,
            Command::ResolveDispute {
                dispute_id: missing,
                outcome: DisputeOutcome::Corrected,
                reason: "已补登".into(),
            },
        )
        .expect_err("nothing to have corrected");
    assert_eq!(refused.code, "nothing_corrected");

    // Another team's coordinator naming their own activity, in which the volunteer never had
    // an entry, gets no way to open a dispute about them.
    let third = sim.team("练市巡河队", "南浔区", Category::EcoPatrol);
    let stranger = sim.volunteer("陈奶奶", third);
    let theirs = sim
        .log_activity(third, Category::EcoPatrol, today, &[(stranger, "2")])
        .expect("logged");
    let third_coordinator = sim.token(Role::Coordinator, Some(third), None);
    let dispute_id = DisputeId(sim.uuid());
    let refused = sim
        .run(
            third_coordinator,
            Command::OpenDispute {
                dispute_id,
                volunteer_id: v,
                activity_id: Some(theirs),
                kind: DisputeKind::Missing,
                reason: "代为提出".into(),
            },
        )
        .expect_err("not theirs to open");
    assert_eq!(refused.kind, RejectionKind::Forbidden);
}

/// A correction made before the dispute, even on the same day, is what the volunteer
/// disputes: "corrected" answers it only with a correction made after it was opened.
#[test]
fn a_correction_made_before_the_dispute_the_same_day_does_not_answer_it() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    let me = sim.token(Role::Volunteer, None, Some(v));
    let today = sim.now.local_date();
    let a = sim
        .log_activity(team, Category::Mediation, today, &[(v, "3")])
        .expect("logged");
    let correct = |hours: &str| Command::CorrectParticipation {
        activity_id: a,
        volunteer_id: v,
        hours: dec(hours),
        reason: "按签到表更正".into(),
    };
    // 09:00 the coordinator cuts her hours; 10:00 she disputes the new figure.
    sim.ok(coordinator, correct("1"));
    let contest = DisputeId(sim.uuid());
    sim.ok(
        me,
        Command::OpenDispute {
            dispute_id: contest,
            volunteer_id: v,
            activity_id: Some(a),
            kind: DisputeKind::Contested,
            reason: "我那天去了三个小时，不是一个小时".into(),
        },
    );
    let resolve = Command::ResolveDispute {
        dispute_id: contest,
        outcome: DisputeOutcome::Corrected,
        reason: "已更正".into(),
    };
    let refused = sim
        .run(coordinator, resolve.clone())
        .expect_err("the correction she disputes");
    assert_eq!(refused.code, "nothing_corrected");
    sim.ok(coordinator, correct("3"));
    sim.ok(coordinator, resolve);
}

/// What a statement says of pending points tells apart those on notice (with their day),
/// those held past their notice by a dispute, and those waiting for confirmation: a
/// contested entry is not promised for a day that has passed.
#[test]
fn pending_points_are_told_apart_by_why_they_wait() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let admin = sim.token(Role::Admin, None, None);
    let me = sim.token(Role::Volunteer, None, Some(v));
    for (change, note) in [
        (
            PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 3,
            },
            "公示三天",
        ),
        (
            PolicyChange::ConfirmationRequired {
                category: Category::EcoPatrol,
                required: true,
            },
            "须确认",
        ),
    ] {
        sim.ok(
            admin,
            Command::SetPolicy {
                change,
                note: note.into(),
            },
        );
    }
    let today = sim.now.local_date();
    let contested = sim
        .log_activity(team, Category::Mediation, today, &[(v, "2")])
        .expect("logged");
    let dispute_id = DisputeId(sim.uuid());
    sim.ok(
        me,
        Command::OpenDispute {
            dispute_id,
            volunteer_id: v,
            activity_id: Some(contested),
            kind: DisputeKind::Contested,
            reason: "我那天去了三个小时".into(),
        },
    );
    sim.log_activity(team, Category::EcoPatrol, today, &[(v, "1")])
        .expect("logged");
    sim.advance_days(4);
    sim.system(Command::EndNotices).expect("the clock");
    let fresh = sim
        .log_activity(team, Category::Mediation, sim.now.local_date(), &[(v, "3")])
        .expect("logged");
    let parts = sim
        .state
        .pending_parts(&sim.state.volunteers[&v], sim.now.local_date());
    assert_eq!(parts.held_by_dispute, dec("20"), "{parts:?}");
    assert_eq!(parts.awaiting_confirmation, dec("10"), "{parts:?}");
    assert_eq!(parts.on_notice, dec("30"), "{parts:?}");
    assert_eq!(
        parts.usable_from,
        sim.state.activities[&fresh]
            .notice
            .and_then(|n| n.ends_on.succ_opt())
    );
    assert_eq!(
        parts.on_notice + parts.held_by_dispute + parts.awaiting_confirmation,
        sim.state.volunteers[&v].balance.pending
    );
}
