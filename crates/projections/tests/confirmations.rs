//! Confirmation by the people served, decided and folded: a one-time code given by the
//! team's coordinator, used once before its last day; a category whose points wait for the
//! first confirmation; and what is pending checked against a naive model of the rules
//! (a notice not yet ended by the clock, or a confirmation not come, holds an entry).

mod common;

use std::collections::BTreeMap;

use common::*;
use rust_decimal::Decimal;
use yinling_ledger::*;
use yinling_projections::evaluation::{Period, Subject};
use yinling_projections::*;

struct World {
    sim: Sim,
    team: TeamId,
    alice: VolunteerId,
    bob: VolunteerId,
    admin: Actor,
    coordinator: Actor,
    stranger: Actor,
}

fn world() -> World {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let other = sim.team("练市巡河队", "南浔区", Category::EcoPatrol);
    let alice = sim.volunteer("王金法", team);
    let bob = sim.volunteer("陈奶奶", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    let stranger = sim.token(Role::Coordinator, Some(other), None);
    World {
        sim,
        team,
        alice,
        bob,
        admin,
        coordinator,
        stranger,
    }
}

fn require(w: &mut World, category: Category, required: bool) {
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::ConfirmationRequired { category, required },
            note: "须经服务对象确认".into(),
        },
    );
}

fn request(
    sim: &mut Sim,
    who: Actor,
    a: ActivityId,
    number: u32,
    digest: u8,
) -> Result<Vec<Envelope>, Rejection> {
    sim.run(
        who,
        Command::RequestConfirmation {
            activity_id: a,
            number,
            code_digest: [digest; 32],
            party: "荻港村村委会".into(),
        },
    )
}

fn confirm(sim: &mut Sim, who: Actor, digest: u8) -> Result<Vec<Envelope>, Rejection> {
    sim.run(
        who,
        Command::ConfirmActivity {
            code_digest: [digest; 32],
            name: "沈国强".into(),
            role: "村委会主任".into(),
        },
    )
}

fn pending(w: &World, v: VolunteerId) -> Decimal {
    w.sim.state.volunteers[&v].balance.pending
}

#[test]
fn points_wait_for_the_first_confirmation_and_a_code_works_once_before_its_last_day() {
    let mut w = world();
    require(&mut w, Category::Mediation, true);
    let today = w.sim.now.local_date();
    let a = w
        .sim
        .log_activity(
            w.team,
            Category::Mediation,
            today,
            &[(w.alice, "3"), (w.bob, "1")],
        )
        .expect("logged");
    assert!(w
        .sim
        .log
        .iter()
        .any(|e| matches!(&e.payload, Event::ActivityAwaitsConfirmation(x) if x.activity_id == a)));
    assert_eq!(pending(&w, w.alice), dec("30"));
    assert_eq!(w.sim.available(w.alice), Decimal::ZERO);

    // Only the team's coordinators give codes, numbered one after the other.
    assert_eq!(
        request(&mut w.sim, w.stranger, a, 1, 1)
            .expect_err("other team")
            .code,
        "other_team"
    );
    assert_eq!(
        request(&mut w.sim, w.coordinator, a, 2, 1)
            .expect_err("skipped a number")
            .code,
        "code_raced"
    );
    request(&mut w.sim, w.coordinator, a, 1, 1).expect("first code");
    assert_eq!(
        request(&mut w.sim, w.coordinator, a, 2, 1)
            .expect_err("same digest")
            .code,
        "code_raced"
    );
    request(&mut w.sim, w.coordinator, a, 2, 2).expect("second code");

    // Confirmed with a code, by the service; never by a token holder.
    assert_eq!(
        confirm(&mut w.sim, w.coordinator, 1)
            .expect_err("a token")
            .code,
        "code_only"
    );
    assert_eq!(
        confirm(&mut w.sim, Actor::SYSTEM, 9)
            .expect_err("no such code")
            .code,
        "unknown_code"
    );
    confirm(&mut w.sim, Actor::SYSTEM, 1).expect("confirmed");
    assert_eq!(pending(&w, w.alice), Decimal::ZERO);
    assert_eq!(w.sim.available(w.alice), dec("30"));
    assert_eq!(w.sim.available(w.bob), dec("10"));
    assert_eq!(
        confirm(&mut w.sim, Actor::SYSTEM, 1)
            .expect_err("used")
            .code,
        "unknown_code"
    );
    let activity = &w.sim.state.activities[&a];
    assert!(activity.confirmed() && !activity.held());
    assert_eq!(activity.confirmations()[0].party, "荻港村村委会");

    // The second code lapses after thirty days.
    w.sim.advance_days(31);
    assert_eq!(
        confirm(&mut w.sim, Actor::SYSTEM, 2)
            .expect_err("lapsed")
            .code,
        "code_expired"
    );

    // The evaluation counts the confirmed activity once, of the team's one.
    let f = w
        .sim
        .state
        .evaluate(&Subject::Team(w.team), Period::default());
    assert_eq!((f.activities, f.confirmed_activities), (1, 1));
    assert_eq!(f.confirmed_share(), Some(Decimal::ONE));

    // A reversed activity cannot be vouched for.
    let b = w
        .sim
        .log_activity(
            w.team,
            Category::Mediation,
            w.sim.now.local_date(),
            &[(w.alice, "1")],
        )
        .expect("logged");
    request(&mut w.sim, w.coordinator, b, 1, 3).expect("code");
    w.sim.ok(
        w.coordinator,
        Command::ReverseActivity {
            activity_id: b,
            reason: "重复登记".into(),
        },
    );
    assert_eq!(pending(&w, w.alice), Decimal::ZERO);
    assert_eq!(
        confirm(&mut w.sim, Actor::SYSTEM, 3)
            .expect_err("reversed")
            .code,
        "already_reversed"
    );
}

/// The model: what each activity is, and whether the clock ended its notice or someone
/// confirmed it.
#[derive(Clone)]
struct Modelled {
    points: Vec<(VolunteerId, Decimal)>,
    notice_until: Option<chrono::NaiveDate>,
    notice_ended: bool,
    waits: bool,
    confirmed: bool,
    reversed: bool,
}

fn modelled_pending(model: &BTreeMap<ActivityId, Modelled>, v: VolunteerId) -> Decimal {
    model
        .values()
        .filter(|m| !m.reversed)
        .filter(|m| (m.notice_until.is_some() && !m.notice_ended) || (m.waits && !m.confirmed))
        .flat_map(|m| m.points.iter())
        .filter(|(who, _)| *who == v)
        .map(|(_, p)| *p)
        .sum()
}

#[test]
fn pending_points_match_a_naive_model_through_notices_confirmations_and_reversals() {
    let mut w = world();
    require(&mut w, Category::Mediation, true);
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::NoticePeriod {
                category: Category::Lecture,
                days: 3,
            },
            note: "宣讲公示三天".into(),
        },
    );
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 2,
            },
            note: "调解公示两天".into(),
        },
    );
    let mut model: BTreeMap<ActivityId, Modelled> = BTreeMap::new();
    let categories = [Category::Mediation, Category::Lecture, Category::EcoPatrol];
    let mut digest = 10u8;
    for step in 0..40u32 {
        let today = w.sim.now.local_date();
        match step % 5 {
            // Log an activity of one of the three kinds.
            0 | 1 => {
                let category = categories[(step as usize / 2) % categories.len()];
                let hours = ["1", "2.5", "4"][(step % 3) as usize];
                let people = if step % 2 == 0 {
                    vec![w.alice, w.bob]
                } else {
                    vec![w.bob]
                };
                let parts: Vec<(VolunteerId, &str)> = people.iter().map(|v| (*v, hours)).collect();
                let Ok(a) = w.sim.log_activity(w.team, category, today, &parts) else {
                    continue;
                };
                let activity = &w.sim.state.activities[&a];
                let notice_days = match category {
                    Category::Lecture => Some(3),
                    Category::Mediation => Some(2),
                    _ => None,
                };
                model.insert(
                    a,
                    Modelled {
                        points: activity
                            .participants
                            .iter()
                            .filter_map(|p| {
                                Some((w.sim.state.volunteer_id_of(p.number)?, p.points))
                            })
                            .collect(),
                        notice_until: notice_days.map(|d| today + chrono::Days::new(d - 1)),
                        notice_ended: false,
                        waits: category == Category::Mediation,
                        confirmed: false,
                        reversed: false,
                    },
                );
            }
            // Confirm the oldest activity still waiting.
            2 => {
                if let Some((a, m)) = model
                    .iter_mut()
                    .find(|(_, m)| m.waits && !m.confirmed && !m.reversed)
                {
                    let number = w.sim.state.activities[a].confirmation_requests().len() as u32 + 1;
                    digest = digest.wrapping_add(1);
                    let a = *a;
                    request(&mut w.sim, w.coordinator, a, number, digest).expect("code");
                    confirm(&mut w.sim, Actor::SYSTEM, digest).expect("confirmed");
                    m.confirmed = true;
                }
            }
            // Reverse the newest activity every so often.
            3 if step % 10 == 3 => {
                if let Some((a, m)) = model.iter_mut().rev().find(|(_, m)| !m.reversed) {
                    w.sim.ok(
                        w.coordinator,
                        Command::ReverseActivity {
                            activity_id: *a,
                            reason: "录错了".into(),
                        },
                    );
                    m.reversed = true;
                }
            }
            // A day passes and the clock runs.
            _ => {
                w.sim.advance_days(1);
                let today = w.sim.now.local_date();
                w.sim.system(Command::EndNotices).expect("the clock");
                for m in model.values_mut() {
                    if m.notice_until.is_some_and(|last| last < today) {
                        m.notice_ended = true;
                    }
                }
            }
        }
        for v in [w.alice, w.bob] {
            assert_eq!(pending(&w, v), modelled_pending(&model, v), "step {step}");
            // What a statement says of the pending points, told apart by why they wait,
            // adds up to them.
            let volunteer = &w.sim.state.volunteers[&v];
            let parts = w.sim.state.pending_parts(volunteer, w.sim.now.local_date());
            assert_eq!(
                parts.on_notice + parts.held_by_dispute + parts.awaiting_confirmation,
                pending(&w, v),
                "step {step}: {parts:?}"
            );
            let b = &w.sim.state.volunteers[&v].balance;
            assert_eq!(
                b.available(),
                b.carried + b.earned - b.reversed - b.redeemed - b.held - b.pending
            );
        }
    }
    assert!(model.values().any(|m| m.confirmed) && model.values().any(|m| m.notice_ended));
}

fn correct(
    sim: &mut Sim,
    who: Actor,
    a: ActivityId,
    v: VolunteerId,
    hours: &str,
) -> Result<Vec<Envelope>, Rejection> {
    sim.run(
        who,
        Command::CorrectParticipation {
            activity_id: a,
            volunteer_id: v,
            hours: dec(hours),
            reason: "登记有误".into(),
        },
    )
}

#[test]
fn hours_added_after_the_notice_ended_or_past_the_backfill_limit_go_in_as_a_new_entry() {
    let mut w = world();
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 3,
            },
            note: "调解公示三天".into(),
        },
    );
    let today = w.sim.now.local_date();
    let a = w
        .sim
        .log_activity(
            w.team,
            Category::Mediation,
            today,
            &[(w.alice, "1"), (w.bob, "1")],
        )
        .expect("logged");
    // While on notice a rise is shown with the rest and waits with it.
    correct(&mut w.sim, w.coordinator, a, w.alice, "2").expect("raised on notice");
    w.sim.advance_days(4);
    w.sim.system(Command::EndNotices).expect("the clock");
    let available = w.sim.available(w.alice);
    let head = w.sim.log.len();
    let refused = correct(&mut w.sim, w.coordinator, a, w.alice, "8").expect_err("refused");
    assert_eq!(refused.code, "rise_after_release");
    assert_eq!(w.sim.log.len(), head, "a refusal appends nothing");
    assert_eq!(w.sim.available(w.alice), available);
    // A cut still goes through.
    correct(&mut w.sim, w.coordinator, a, w.alice, "1.5").expect("cut");

    // A category with no notice: a rise within the back-fill limit goes through, past it not.
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::BackfillLimit { days: Some(30) },
            note: "补录三十天".into(),
        },
    );
    let today = w.sim.now.local_date();
    let b = w
        .sim
        .log_activity(w.team, Category::EcoPatrol, today, &[(w.bob, "1")])
        .expect("logged");
    correct(&mut w.sim, w.coordinator, b, w.bob, "2").expect("raised in time");
    w.sim.advance_days(40);
    let refused = correct(&mut w.sim, w.admin, b, w.bob, "6").expect_err("refused");
    assert_eq!(refused.code, "rise_too_late");
    assert!(refused.detail.contains("30-day"), "{}", refused.detail);
    correct(&mut w.sim, w.coordinator, b, w.bob, "0.5").expect("a cut is never too late");
}

/// Those served vouch for the hours they were shown: once they have confirmed, hours added
/// to the entry are refused even while its public notice still runs, and hours added while
/// it is on notice still keep to the late-entry limit.
#[test]
fn hours_added_after_a_confirmation_or_past_the_late_limit_are_refused_even_on_notice() {
    let mut w = world();
    require(&mut w, Category::Mediation, true);
    for (change, note) in [
        (
            PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 7,
            },
            "调解公示七天",
        ),
        (PolicyChange::BackfillLimit { days: Some(30) }, "补录三十天"),
    ] {
        w.sim.ok(
            w.admin,
            Command::SetPolicy {
                change,
                note: note.into(),
            },
        );
    }
    let today = w.sim.now.local_date();
    let a = w
        .sim
        .log_activity(w.team, Category::Mediation, today, &[(w.alice, "2")])
        .expect("logged");
    request(&mut w.sim, w.coordinator, a, 1, 9).expect("a code");
    w.sim.advance_days(1);
    confirm(&mut w.sim, Actor::SYSTEM, 9).expect("confirmed for 2 hours");
    assert!(w.sim.state.activities[&a].held(), "still on notice");
    let head = w.sim.log.len();
    let refused = correct(&mut w.sim, w.coordinator, a, w.alice, "8").expect_err("refused");
    assert_eq!(refused.code, "rise_after_release");
    assert!(refused.detail.contains("confirmed"), "{}", refused.detail);
    assert_eq!(w.sim.log.len(), head, "a refusal appends nothing");
    correct(&mut w.sim, w.coordinator, a, w.alice, "1.5").expect("a cut goes through");

    // An entry 25 days old, logged in time and on notice for a week: six days on, it is
    // 31 days old, and hours added to it are late hours.
    require(&mut w, Category::Mediation, false);
    let old = w.sim.now.local_date() - chrono::Duration::days(25);
    let b = w
        .sim
        .log_activity(w.team, Category::Mediation, old, &[(w.bob, "1")])
        .expect("logged in time");
    w.sim.advance_days(6);
    assert!(w.sim.state.activities[&b].held(), "still on notice");
    let refused = correct(&mut w.sim, w.coordinator, b, w.bob, "5").expect_err("late");
    assert_eq!(refused.code, "rise_too_late");
}

/// The party served cannot be reached: an administrator gives up the wait, with the reason,
/// and the points become usable as a confirmation would make them; the waiver is no
/// confirmation. Nobody else may, and not twice, and not without a reason.
#[test]
fn an_administrator_gives_up_a_wait_for_confirmation_with_a_reason() {
    let mut w = world();
    require(&mut w, Category::Mediation, true);
    let today = w.sim.now.local_date();
    let a = w
        .sim
        .log_activity(w.team, Category::Mediation, today, &[(w.alice, "3")])
        .expect("logged");
    assert_eq!(pending(&w, w.alice), dec("30"));
    let waive = |reason: &str| Command::WaiveConfirmation {
        activity_id: a,
        reason: reason.into(),
    };
    let head = w.sim.log.len();
    let refused = w
        .sim
        .run(w.coordinator, waive("联系不上"))
        .expect_err("a team waiving its own");
    assert_eq!(refused.kind, RejectionKind::Forbidden);
    let refused = w.sim.run(w.admin, waive("  ")).expect_err("no reason");
    assert_eq!(refused.kind, RejectionKind::Invalid);
    assert_eq!(w.sim.log.len(), head, "refusals append nothing");

    w.sim
        .ok(w.admin, waive("服务对象已搬离，电话停机，无法确认"));
    assert_eq!(pending(&w, w.alice), Decimal::ZERO);
    assert_eq!(w.sim.available(w.alice), dec("30"));
    let activity = &w.sim.state.activities[&a];
    assert!(!activity.confirmed(), "a waiver is no confirmation");
    assert!(activity.released_seq.is_some());
    assert_eq!(
        activity
            .confirmation_waived()
            .map(|x| (x.reason.as_str(), x.by)),
        Some(("服务对象已搬离，电话停机，无法确认", w.admin))
    );
    let again = w.sim.run(w.admin, waive("再来一次")).expect_err("twice");
    assert_eq!(again.code, "not_awaiting_confirmation");
    assert!(again.detail.contains("given up"), "{}", again.detail);

    // An activity that never waited cannot be waived.
    let b = w
        .sim
        .log_activity(w.team, Category::EcoPatrol, today, &[(w.bob, "1")])
        .expect("logged");
    let never = w
        .sim
        .run(
            w.admin,
            Command::WaiveConfirmation {
                activity_id: b,
                reason: "不需要".into(),
            },
        )
        .expect_err("never waited");
    assert!(never.detail.contains("never waited"), "{}", never.detail);
}
