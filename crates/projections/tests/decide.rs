//! Every rejection `decide` can give, as a table: the setup, the command, and the kind and
//! code expected. A rejected command appends nothing.

mod common;

use chrono::Datelike;
use common::*;
use yinling_ledger::*;
use yinling_projections::*;

struct World {
    sim: Sim,
    team: TeamId,
    alice: VolunteerId,
    bob: VolunteerId,
    carol_other_team: VolunteerId,
    reward: RewardId,
    admin: Actor,
    auditor: Actor,
    coordinator: Actor,
    other_coordinator: Actor,
    alice_token: Actor,
    activity: ActivityId,
    held: RedemptionId,
}

fn world() -> World {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let other_team = sim.team("安吉护绿队", "安吉县", Category::EcoPatrol);
    let alice = sim.volunteer("王金法", team);
    let bob = sim.volunteer("陈奶奶", team);
    let carol_other_team = sim.volunteer("柯国强", other_team);
    let reward = sim.reward("50", 3);
    let admin = sim.token(Role::Admin, None, None);
    let auditor = sim.token(Role::Auditor, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    let other_coordinator = sim.token(Role::Coordinator, Some(other_team), None);
    let alice_token = sim.token(Role::Volunteer, None, Some(alice));
    let activity = sim
        .log_activity(
            team,
            Category::Mediation,
            date(2026, 5, 30),
            &[(alice, "8"), (bob, "2")],
        )
        .expect("activity");
    // Alice: 80 points; holds 50 of them.
    let held = sim.hold(alice_token, alice, reward, 1).expect("hold");
    World {
        sim,
        team,
        alice,
        bob,
        carol_other_team,
        reward,
        admin,
        auditor,
        coordinator,
        other_coordinator,
        alice_token,
        activity,
        held,
    }
}

fn activity(
    w: &mut World,
    team: TeamId,
    date: chrono::NaiveDate,
    participants: Vec<(VolunteerId, &str)>,
) -> Command {
    Command::LogActivity(NewActivity {
        activity_id: ActivityId(w.sim.uuid()),
        team_id: team,
        category: Category::Mediation,
        date,
        title: "调解".into(),
        participants: participants
            .into_iter()
            .map(|(v, h)| ParticipantHours {
                volunteer_id: v,
                hours: dec(h),
            })
            .collect(),
        outcomes: Outcomes::default(),
        project_id: None,
        co_organisers: Vec::new(),
        group_id: None,
    })
}

type Case = (
    &'static str,
    RejectionKind,
    &'static str,
    fn(&mut World) -> (Actor, Command),
);

fn cases() -> Vec<Case> {
    use RejectionKind::*;
    vec![
        ("hours_zero", Invalid, "bad_hours", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "0")]),
            )
        }),
        ("hours_negative", Invalid, "bad_hours", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "-1")]),
            )
        }),
        ("hours_over_24", Invalid, "bad_hours", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "24.01")]),
            )
        }),
        ("hours_three_decimals", Invalid, "bad_hours", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1.125")]),
            )
        }),
        ("day_total_over_24", Invalid, "day_over_24_hours", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 30), vec![(w.alice, "16.5")]),
            )
        }),
        ("date_after_tomorrow", Invalid, "date_in_future", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 6, 3), vec![(w.alice, "1")]),
            )
        }),
        ("date_before_2000", Invalid, "date_too_old", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(1999, 12, 31), vec![(w.alice, "1")]),
            )
        }),
        ("no_participants", Invalid, "no_participants", |w| {
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![]),
            )
        }),
        (
            "too_many_participants",
            Invalid,
            "too_many_participants",
            |w| {
                let alice = w.alice;
                (
                    w.coordinator,
                    activity(w, w.team, date(2026, 5, 31), vec![(alice, "1"); 501]),
                )
            },
        ),
        (
            "duplicate_participant",
            Invalid,
            "duplicate_participant",
            |w| {
                (
                    w.coordinator,
                    activity(
                        w,
                        w.team,
                        date(2026, 5, 31),
                        vec![(w.alice, "1"), (w.alice, "2")],
                    ),
                )
            },
        ),
        ("participant_not_in_team", Invalid, "not_a_member", |w| {
            (
                w.coordinator,
                activity(
                    w,
                    w.team,
                    date(2026, 5, 31),
                    vec![(w.alice, "1"), (w.carol_other_team, "2")],
                ),
            )
        }),
        (
            "unknown_participant",
            NotFound,
            "volunteer_not_found",
            |w| {
                let ghost = VolunteerId(w.sim.uuid());
                (
                    w.coordinator,
                    activity(w, w.team, date(2026, 5, 31), vec![(ghost, "1")]),
                )
            },
        ),
        ("unknown_team", NotFound, "team_not_found", |w| {
            let ghost = TeamId(w.sim.uuid());
            (
                w.admin,
                Command::RegisterVolunteer {
                    volunteer_id: VolunteerId(w.sim.uuid()),
                    name: "x".into(),
                    team_id: ghost,
                    birth_year: None,
                    consent: None,
                },
            )
        }),
        ("empty_title", Invalid, "empty_text", |w| {
            let mut c = activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]);
            if let Command::LogActivity(NewActivity { title, .. }) = &mut c {
                *title = "   ".into();
            }
            (w.coordinator, c)
        }),
        ("settled_more_than_handled", Invalid, "bad_outcomes", |w| {
            let mut c = activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]);
            if let Command::LogActivity(NewActivity { outcomes, .. }) = &mut c {
                outcomes.disputes_handled = 1;
                outcomes.disputes_settled = 2;
            }
            (w.coordinator, c)
        }),
        (
            "coordinator_logs_for_other_team",
            Forbidden,
            "other_team",
            |w| {
                (
                    w.other_coordinator,
                    activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]),
                )
            },
        ),
        (
            "admin_cannot_log_activities",
            Forbidden,
            "not_allowed",
            |w| {
                (
                    w.admin,
                    activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]),
                )
            },
        ),
        (
            "volunteer_cannot_log_activities",
            Forbidden,
            "not_allowed",
            |w| {
                (
                    w.alice_token,
                    activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]),
                )
            },
        ),
        ("auditor_writes_anything", Forbidden, "read_only", |w| {
            (w.auditor, Command::ExpireHolds)
        }),
        (
            "coordinator_registers_in_other_team",
            Forbidden,
            "other_team",
            |w| {
                (
                    w.other_coordinator,
                    Command::RegisterVolunteer {
                        volunteer_id: VolunteerId(w.sim.uuid()),
                        name: "x".into(),
                        team_id: w.team,
                        birth_year: None,
                        consent: None,
                    },
                )
            },
        ),
        ("bad_birth_year", Invalid, "bad_birth_year", |w| {
            (
                w.admin,
                Command::RegisterVolunteer {
                    volunteer_id: VolunteerId(w.sim.uuid()),
                    name: "x".into(),
                    team_id: w.team,
                    birth_year: Some(1800),
                    consent: None,
                },
            )
        }),
        ("name_too_long", Invalid, "text_too_long", |w| {
            (
                w.admin,
                Command::RegisterVolunteer {
                    volunteer_id: VolunteerId(w.sim.uuid()),
                    name: "长".repeat(101),
                    team_id: w.team,
                    birth_year: None,
                    consent: None,
                },
            )
        }),
        (
            "name_with_control_characters",
            Invalid,
            "control_characters",
            |w| {
                (
                    w.admin,
                    Command::RegisterVolunteer {
                        volunteer_id: VolunteerId(w.sim.uuid()),
                        name: "a\u{0007}b".into(),
                        team_id: w.team,
                        birth_year: None,
                        consent: None,
                    },
                )
            },
        ),
        ("coordinator_registers_team", Forbidden, "admin_only", |w| {
            (
                w.coordinator,
                Command::RegisterTeam {
                    team_id: TeamId(w.sim.uuid()),
                    name: "新队".into(),
                    district: "吴兴区".into(),
                    category: Category::Lecture,
                },
            )
        }),
        ("duplicate_team_name", Conflict, "duplicate_team", |w| {
            (
                w.admin,
                Command::RegisterTeam {
                    team_id: TeamId(w.sim.uuid()),
                    name: "荻溪六老调解队".into(),
                    district: "南浔区".into(),
                    category: Category::Lecture,
                },
            )
        }),
        (
            "reverse_unknown_activity",
            NotFound,
            "activity_not_found",
            |w| {
                (
                    w.admin,
                    Command::ReverseActivity {
                        activity_id: ActivityId(w.sim.uuid()),
                        reason: "wrong".into(),
                    },
                )
            },
        ),
        (
            "reverse_other_teams_activity",
            Forbidden,
            "other_team",
            |w| {
                (
                    w.other_coordinator,
                    Command::ReverseActivity {
                        activity_id: w.activity,
                        reason: "wrong".into(),
                    },
                )
            },
        ),
        ("reverse_without_reason", Invalid, "empty_text", |w| {
            (
                w.coordinator,
                Command::ReverseActivity {
                    activity_id: w.activity,
                    reason: " ".into(),
                },
            )
        }),
        (
            "reverse_would_overdraw",
            Conflict,
            "insufficient_points",
            |w| {
                (
                    w.coordinator,
                    Command::ReverseActivity {
                        activity_id: w.activity,
                        reason: "wrong date".into(),
                    },
                )
            },
        ),
        ("quantity_zero", Invalid, "bad_quantity", |w| {
            (
                w.alice_token,
                Command::HoldRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    volunteer_id: w.alice,
                    reward_id: w.reward,
                    quantity: 0,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            )
        }),
        ("quantity_over_100", Invalid, "bad_quantity", |w| {
            (
                w.alice_token,
                Command::HoldRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    volunteer_id: w.alice,
                    reward_id: w.reward,
                    quantity: 101,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            )
        }),
        ("unknown_reward", NotFound, "reward_not_found", |w| {
            (
                w.alice_token,
                Command::HoldRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    volunteer_id: w.alice,
                    reward_id: RewardId(w.sim.uuid()),
                    quantity: 1,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            )
        }),
        (
            "insufficient_points",
            Conflict,
            "insufficient_points",
            |w| {
                (
                    w.alice_token,
                    Command::HoldRedemption {
                        redemption_id: RedemptionId(w.sim.uuid()),
                        volunteer_id: w.alice,
                        reward_id: w.reward,
                        quantity: 2,
                        station_id: None,
                        proof: None,
                        pickup_code_digest: None,
                    },
                )
            },
        ),
        ("out_of_stock", Conflict, "out_of_stock", |w| {
            (
                w.admin,
                Command::HoldRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    volunteer_id: w.alice,
                    reward_id: w.reward,
                    quantity: 3,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            )
        }),
        (
            "volunteer_redeems_for_someone_else",
            Forbidden,
            "other_volunteer",
            |w| {
                (
                    w.alice_token,
                    Command::HoldRedemption {
                        redemption_id: RedemptionId(w.sim.uuid()),
                        volunteer_id: w.bob,
                        reward_id: w.reward,
                        quantity: 1,
                        station_id: None,
                        proof: None,
                        pickup_code_digest: None,
                    },
                )
            },
        ),
        ("coordinator_redeems", Forbidden, "not_allowed", |w| {
            (
                w.coordinator,
                Command::HoldRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    volunteer_id: w.alice,
                    reward_id: w.reward,
                    quantity: 1,
                    station_id: None,
                    proof: None,
                    pickup_code_digest: None,
                },
            )
        }),
        ("volunteer_fulfils", Forbidden, "admin_only", |w| {
            (
                w.alice_token,
                Command::FulfilRedemption {
                    redemption_id: w.held,
                    pickup_code: None,
                    pickup_code_digest: None,
                    card_sha256: None,
                    voucher_code_digest: None,
                },
            )
        }),
        ("fulfil_unknown", NotFound, "redemption_not_found", |w| {
            (
                w.admin,
                Command::FulfilRedemption {
                    redemption_id: RedemptionId(w.sim.uuid()),
                    pickup_code: None,
                    pickup_code_digest: None,
                    card_sha256: None,
                    voucher_code_digest: None,
                },
            )
        }),
        ("cancel_someone_elses", Forbidden, "other_volunteer", |w| {
            let bob_token = w.sim.token(Role::Volunteer, None, Some(w.bob));
            (
                bob_token,
                Command::CancelRedemption {
                    redemption_id: w.held,
                    reason: String::new(),
                },
            )
        }),
        (
            "fulfilled_redemption_cannot_be_cancelled",
            Conflict,
            "not_held",
            |w| {
                w.sim.ok(
                    w.admin,
                    Command::FulfilRedemption {
                        redemption_id: w.held,
                        pickup_code: None,
                        pickup_code_digest: None,
                        card_sha256: None,
                        voucher_code_digest: None,
                    },
                );
                (
                    w.alice_token,
                    Command::CancelRedemption {
                        redemption_id: w.held,
                        reason: String::new(),
                    },
                )
            },
        ),
        (
            "cancelled_redemption_cannot_be_fulfilled",
            Conflict,
            "not_held",
            |w| {
                w.sim.ok(
                    w.alice_token,
                    Command::CancelRedemption {
                        redemption_id: w.held,
                        reason: "换别的".into(),
                    },
                );
                (
                    w.admin,
                    Command::FulfilRedemption {
                        redemption_id: w.held,
                        pickup_code: None,
                        pickup_code_digest: None,
                        card_sha256: None,
                        voucher_code_digest: None,
                    },
                )
            },
        ),
        ("cost_not_positive", Invalid, "bad_cost", |w| {
            (
                w.admin,
                Command::ListReward {
                    reward_id: RewardId(w.sim.uuid()),
                    name: "茶".into(),
                    kind: RewardKind::Product {
                        origin: "松阳县".into(),
                    },
                    cost_points: dec("0"),
                    stock: 1,
                },
            )
        }),
        ("stock_over_limit", Invalid, "bad_stock", |w| {
            (
                w.admin,
                Command::ListReward {
                    reward_id: RewardId(w.sim.uuid()),
                    name: "茶".into(),
                    kind: RewardKind::Product {
                        origin: "松阳县".into(),
                    },
                    cost_points: dec("1"),
                    stock: 1_000_001,
                },
            )
        }),
        (
            "voucher_basis_points_zero",
            Invalid,
            "bad_basis_points",
            |w| {
                (
                    w.admin,
                    Command::ListReward {
                        reward_id: RewardId(w.sim.uuid()),
                        name: "存款利率优惠".into(),
                        kind: RewardKind::RateVoucher {
                            bank: "湖州银行".into(),
                            basis_points: 0,
                        },
                        cost_points: dec("1"),
                        stock: 1,
                    },
                )
            },
        ),
        ("coordinator_lists_reward", Forbidden, "admin_only", |w| {
            (
                w.coordinator,
                Command::ListReward {
                    reward_id: RewardId(w.sim.uuid()),
                    name: "茶".into(),
                    kind: RewardKind::Product {
                        origin: "松阳县".into(),
                    },
                    cost_points: dec("1"),
                    stock: 1,
                },
            )
        }),
        ("restock_zero", Invalid, "bad_quantity", |w| {
            (
                w.admin,
                Command::RestockReward {
                    reward_id: w.reward,
                    quantity: 0,
                    station_id: None,
                },
            )
        }),
        (
            "retired_reward_cannot_be_held",
            Conflict,
            "reward_retired",
            |w| {
                w.sim.ok(
                    w.admin,
                    Command::RetireReward {
                        reward_id: w.reward,
                    },
                );
                (
                    w.admin,
                    Command::HoldRedemption {
                        redemption_id: RedemptionId(w.sim.uuid()),
                        volunteer_id: w.bob,
                        reward_id: w.reward,
                        quantity: 1,
                        station_id: None,
                        proof: None,
                        pickup_code_digest: None,
                    },
                )
            },
        ),
        ("negative_rate", Invalid, "bad_rate", |w| {
            (
                w.admin,
                Command::ChangeRules {
                    default_points_per_hour: dec("-1"),
                    rates: vec![],
                },
            )
        }),
        (
            "duplicate_rate_category",
            Invalid,
            "duplicate_category",
            |w| {
                (
                    w.admin,
                    Command::ChangeRules {
                        default_points_per_hour: dec("10"),
                        rates: vec![
                            CategoryRate {
                                category: Category::Craft,
                                points_per_hour: dec("1")
                            };
                            2
                        ],
                    },
                )
            },
        ),
        ("coordinator_changes_rules", Forbidden, "admin_only", |w| {
            (
                w.coordinator,
                Command::ChangeRules {
                    default_points_per_hour: dec("10"),
                    rates: vec![],
                },
            )
        }),
        ("revoked_token", Forbidden, "token_revoked", |w| {
            let token_id = w.coordinator.token_id.expect("token");
            w.sim.ok(w.admin, Command::RevokeToken { token_id });
            (
                w.coordinator,
                activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]),
            )
        }),
        ("unknown_token", Forbidden, "unknown_token", |w| {
            (
                Actor {
                    token_id: Some(TokenId(w.sim.uuid())),
                    role: Role::Admin,
                },
                Command::ExpireHolds,
            )
        }),
        (
            "coordinator_token_without_team",
            Invalid,
            "bad_scope",
            |w| {
                (
                    w.admin,
                    Command::IssueToken(NewToken {
                        token_id: TokenId(w.sim.uuid()),
                        role: Role::Coordinator,
                        team_id: None,
                        volunteer_id: None,
                        scope: None,
                        secret_sha256: [1; 32],
                        label: String::new(),
                        last_day: None,
                    }),
                )
            },
        ),
        (
            "coordinator_issues_admin_token",
            Forbidden,
            "not_allowed",
            |w| {
                (
                    w.coordinator,
                    Command::IssueToken(NewToken {
                        token_id: TokenId(w.sim.uuid()),
                        role: Role::Admin,
                        team_id: None,
                        volunteer_id: None,
                        scope: None,
                        secret_sha256: [1; 32],
                        label: String::new(),
                        last_day: None,
                    }),
                )
            },
        ),
        (
            "coordinator_issues_card_for_other_team",
            Forbidden,
            "not_allowed",
            |w| {
                (
                    w.coordinator,
                    Command::IssueToken(NewToken {
                        token_id: TokenId(w.sim.uuid()),
                        role: Role::Volunteer,
                        team_id: None,
                        volunteer_id: Some(w.carol_other_team),
                        scope: None,
                        secret_sha256: [1; 32],
                        label: String::new(),
                        last_day: None,
                    }),
                )
            },
        ),
        ("revoke_twice", Conflict, "already_revoked", |w| {
            let token_id = w.alice_token.token_id.expect("token");
            w.sim.ok(w.admin, Command::RevokeToken { token_id });
            (w.admin, Command::RevokeToken { token_id })
        }),
        ("move_to_same_team", Conflict, "already_member", |w| {
            (
                w.admin,
                Command::MoveVolunteer {
                    volunteer_id: w.alice,
                    to_team_id: w.team,
                },
            )
        }),
    ]
}

#[test]
fn every_rejection_has_its_kind_and_code_and_appends_nothing() {
    for (name, kind, code, setup) in cases() {
        let mut w = world();
        let (actor, command) = setup(&mut w);
        let before = w.sim.state.clone();
        let result = w.sim.run(actor, command);
        let rejection = match result {
            Err(r) => r,
            Ok(events) => panic!("{name}: expected a rejection, got {} events", events.len()),
        };
        assert_eq!(
            (rejection.kind, rejection.code),
            (kind, code),
            "{name}: {}",
            rejection.detail
        );
        assert!(
            !rejection.detail.is_empty(),
            "{name}: a person-readable detail"
        );
        assert_eq!(
            w.sim.state, before,
            "{name}: a rejected command changes nothing"
        );
    }
}

#[test]
fn a_reversal_that_would_overdraw_names_the_volunteer_and_the_shortfall() {
    let mut w = world();
    let r = w
        .sim
        .run(
            w.coordinator,
            Command::ReverseActivity {
                activity_id: w.activity,
                reason: "录错".into(),
            },
        )
        .expect_err("overdraw");
    // Alice earned 80, holds 50: 30 available, the reversal takes 80 -> 50 short.
    assert!(r.detail.contains("王金法"), "{}", r.detail);
    assert!(r.detail.contains("50 short"), "{}", r.detail);
}

#[test]
fn points_are_hours_times_the_rate_in_force_on_the_service_date_and_the_version_is_recorded() {
    let mut w = world();
    // Adopted today: service from today on earns the new rates; yesterday's keeps the old.
    w.sim.ok(
        w.admin,
        Command::ChangeRules {
            default_points_per_hour: dec("10"),
            rates: vec![CategoryRate {
                category: Category::Mediation,
                points_per_hour: dec("12.5"),
            }],
        },
    );
    let (team, bob) = (w.team, w.bob);
    let today = w.sim.now.local_date();
    let logged = |w: &mut World, date| {
        let c = activity(w, team, date, vec![(bob, "1.5")]);
        let events = w.sim.ok(w.coordinator, c);
        let Event::ServiceLogged(s) = &events[1].payload else {
            panic!("service")
        };
        (s.points, s.points_per_hour, s.rules_version)
    };
    assert_eq!(logged(&mut w, today), (dec("18.75"), dec("12.5"), 1));
    let yesterday = today.pred_opt().expect("a day before");
    assert_eq!(
        logged(&mut w, yesterday),
        (dec("15"), dec("10"), 0),
        "a back-filled entry earns under the rule of its own day"
    );
}

fn adopt(w: &mut World, rules: NewRules) {
    w.sim.ok(w.admin, Command::AdoptEarningRules(rules));
}

#[test]
fn earning_rules_take_effect_on_their_date_for_the_categories_they_cover() {
    let mut w = world();
    let (team, bob) = (w.team, w.bob);
    let today = w.sim.now.local_date();
    let weeks_ago = today - chrono::Days::new(21);
    // From three weeks ago, mediation earns 15 an hour, twice on weekends, at most 6 hours a
    // day; other categories keep their rule.
    adopt(
        &mut w,
        NewRules {
            effective_from: weeks_ago,
            default_points_per_hour: None,
            rates: vec![CategoryRate {
                category: Category::Mediation,
                points_per_hour: dec("15"),
            }],
            multipliers: vec![DayMultiplier {
                label: "周末".into(),
                days: DaySet::Weekends,
                multiplier: dec("2"),
            }],
            max_hours_per_day: Some(dec("6")),
            note: "调解加分".into(),
        },
    );
    let rules = &w.sim.state;
    let weekday = (0..7)
        .map(|d| today - chrono::Days::new(d))
        .find(|d| d.weekday().number_from_monday() <= 5)
        .expect("a weekday");
    let saturday = (0..7)
        .map(|d| today - chrono::Days::new(d))
        .find(|d| d.weekday() == chrono::Weekday::Sat)
        .expect("a saturday");
    assert_eq!(
        rules
            .rule_for(Category::Mediation, weekday)
            .effective_rate(),
        dec("15")
    );
    assert_eq!(
        rules
            .rule_for(Category::Mediation, saturday)
            .effective_rate(),
        dec("30")
    );
    assert_eq!(
        rules.rule_for(Category::Lecture, saturday).effective_rate(),
        dec("10")
    );
    let before = weeks_ago - chrono::Days::new(1);
    assert_eq!(
        rules.rule_for(Category::Mediation, before).effective_rate(),
        dec("10")
    );
    // The day cap of the version refuses a seventh hour.
    let c = activity(&mut w, team, weekday, vec![(bob, "7")]);
    let r = w.sim.run(w.coordinator, c).expect_err("over the cap");
    assert_eq!(r.code, "over_rule_daily_cap", "{}", r.detail);
}

#[test]
fn a_rerating_is_previewed_then_appended_with_its_reason_and_never_silent() {
    let mut w = world();
    let (team, bob) = (w.team, w.bob);
    let today = w.sim.now.local_date();
    let day = today - chrono::Days::new(10);
    let c = activity(&mut w, team, day, vec![(bob, "2")]);
    w.sim.ok(w.coordinator, c);
    let before = w.sim.available(bob);
    // A rule adopted now, back-dated: the existing credit does not change by itself.
    adopt(
        &mut w,
        NewRules {
            effective_from: day,
            default_points_per_hour: None,
            rates: vec![CategoryRate {
                category: Category::Mediation,
                points_per_hour: dec("12"),
            }],
            multipliers: vec![],
            max_hours_per_day: None,
            note: String::new(),
        },
    );
    assert_eq!(
        w.sim.available(bob),
        before,
        "a new rule never changes a credit"
    );
    let plan = w.sim.state.rerating_plan(day, day);
    assert_eq!(plan.len(), 1);
    assert_eq!(
        (plan[0].points_before, plan[0].points_after),
        (dec("20"), dec("24"))
    );
    let events = w.sim.ok(
        w.admin,
        Command::RerateServices {
            from: day,
            to: day,
            reason: "七月新规补算".into(),
        },
    );
    let Event::ServiceRerated(r) = &events[0].payload else {
        panic!("a re-rating event");
    };
    assert_eq!(
        (r.points_after, r.rules_version, r.reason.as_str()),
        (dec("24"), 1, "七月新规补算")
    );
    assert_eq!(w.sim.available(bob), before + dec("4"));
    assert!(
        w.sim.state.rerating_plan(day, day).is_empty(),
        "nothing left to re-rate"
    );
    let again = w
        .sim
        .run(
            w.admin,
            Command::RerateServices {
                from: day,
                to: day,
                reason: "再算一次".into(),
            },
        )
        .expect_err("nothing to do");
    assert_eq!(again.code, "nothing_to_rerate");
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn a_full_redemption_cycle_moves_points_from_available_to_held_to_redeemed() {
    let mut w = world();
    let alice = &w.sim.state.volunteers[&w.alice];
    assert_eq!(
        (
            alice.balance.earned,
            alice.balance.held,
            alice.balance.available()
        ),
        (dec("80"), dec("50"), dec("30"))
    );
    assert_eq!(w.sim.state.rewards[&w.reward].stock, 2);
    w.sim.ok(
        w.admin,
        Command::FulfilRedemption {
            redemption_id: w.held,
            pickup_code: None,
            pickup_code_digest: None,
            card_sha256: None,
            voucher_code_digest: None,
        },
    );
    let alice = &w.sim.state.volunteers[&w.alice];
    assert_eq!(
        (
            alice.balance.held,
            alice.balance.redeemed,
            alice.balance.available()
        ),
        (dec("0"), dec("50"), dec("30"))
    );
    let reward = &w.sim.state.rewards[&w.reward];
    assert_eq!((reward.stock, reward.held, reward.redeemed), (2, 0, 1));
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn holds_expire_after_the_ttl_through_an_event() {
    let mut w = world();
    let before = w.sim.available(w.alice);
    w.sim.advance_days(13);
    assert!(
        w.sim.ok(Actor::SYSTEM, Command::ExpireHolds).is_empty(),
        "not yet"
    );
    w.sim.advance_days(2);
    let events = w.sim.ok(Actor::SYSTEM, Command::ExpireHolds);
    assert!(matches!(events.as_slice(), [e] if matches!(e.payload, Event::RedemptionExpired(_))));
    assert_eq!(w.sim.available(w.alice), before + dec("50"));
    assert_eq!(w.sim.state.rewards[&w.reward].stock, 3);
    assert_eq!(
        w.sim.state.redemptions[&w.held].status,
        yinling_projections::redemptions::RedemptionStatus::Expired
    );
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn stars_follow_the_national_scale_of_net_hours() {
    let mut sim = Sim::new();
    let team = sim.team("长兴银发匠人", "长兴县", Category::Craft);
    let v = sim.volunteer("吕师德", team);
    for day in 0..13 {
        let d = date(2026, 1, 1) + chrono::Days::new(day);
        sim.log_activity(team, Category::Craft, d, &[(v, "8")])
            .expect("log");
    }
    // 104 hours: one star.
    assert_eq!(sim.state.volunteers[&v].stars().0, 1);
    let last = sim
        .log_activity(team, Category::Craft, date(2026, 2, 1), &[(v, "8")])
        .expect("log");
    assert_eq!(sim.state.volunteers[&v].hours_net(), dec("112"));
    sim.ok(
        Actor::SYSTEM,
        Command::ReverseActivity {
            activity_id: last,
            reason: "重复".into(),
        },
    );
    assert_eq!(sim.state.volunteers[&v].hours_net(), dec("104"));
    // The reversed date is free again for the 24-hour rule.
    assert_eq!(
        sim.state.volunteers[&v].hours_on(date(2026, 2, 1)),
        dec("0")
    );
}

/// A command with faults of several kinds is refused for the earliest in the documented
/// order: who is asking, then the input, then existence, then scope, then the state. A
/// command that creates something in a team checks scope before the team's existence.
#[test]
fn checks_run_in_the_documented_order() {
    use RejectionKind::{Forbidden, Invalid, NotFound};
    type Case = (
        &'static str,
        RejectionKind,
        &'static str,
        fn(&mut World) -> (Actor, Command),
    );
    let cases: Vec<Case> = vec![
        (
            "an auditor with bad input is refused as read-only",
            Forbidden,
            "read_only",
            |w| {
                let mut c = activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "99")]);
                if let Command::LogActivity(NewActivity { title, .. }) = &mut c {
                    *title = String::new();
                }
                (w.auditor, c)
            },
        ),
        (
            "bad input before another team's scope",
            Invalid,
            "empty_text",
            |w| {
                let mut c = activity(w, w.team, date(2026, 5, 31), vec![(w.alice, "1")]);
                if let Command::LogActivity(NewActivity { title, .. }) = &mut c {
                    *title = String::new();
                }
                (w.other_coordinator, c)
            },
        ),
        (
            "scope before a missing team (creating in a team)",
            Forbidden,
            "other_team",
            |w| {
                let ghost = TeamId(w.sim.uuid());
                (
                    w.other_coordinator,
                    activity(w, ghost, date(2026, 5, 31), vec![(w.alice, "1")]),
                )
            },
        ),
        (
            "a missing activity before scope (acting on a thing)",
            NotFound,
            "activity_not_found",
            |w| {
                (
                    w.alice_token,
                    Command::ReverseActivity {
                        activity_id: ActivityId(w.sim.uuid()),
                        reason: "不对".into(),
                    },
                )
            },
        ),
        ("scope before state", Forbidden, "admin_only", |w| {
            (
                w.alice_token,
                Command::FulfilRedemption {
                    redemption_id: w.held,
                    pickup_code: None,
                    pickup_code_digest: None,
                    card_sha256: None,
                    voucher_code_digest: None,
                },
            )
        }),
        (
            "bad input before a missing reward",
            Invalid,
            "bad_quantity",
            |w| {
                (
                    w.admin,
                    Command::RestockReward {
                        reward_id: RewardId(w.sim.uuid()),
                        quantity: 0,
                        station_id: None,
                    },
                )
            },
        ),
    ];
    for (name, kind, code, setup) in cases {
        let mut w = world();
        let (actor, command) = setup(&mut w);
        let r = w.sim.run(actor, command).expect_err(name);
        assert_eq!((r.kind, r.code), (kind, code), "{name}: {}", r.detail);
    }
}

fn correction(w: &World, volunteer: VolunteerId, hours: &str) -> Command {
    Command::CorrectParticipation {
        activity_id: w.activity,
        volunteer_id: volunteer,
        hours: dec(hours),
        reason: "记错了".into(),
    }
}

#[test]
fn correcting_one_participant_leaves_the_others_and_keeps_the_entrys_rate() {
    let mut w = world();
    // The rate changes after the activity was logged; the correction earns at the old one.
    w.sim.ok(
        w.admin,
        Command::ChangeRules {
            default_points_per_hour: dec("30"),
            rates: vec![],
        },
    );
    let events = w.sim.ok(w.coordinator, correction(&w, w.bob, "3.5"));
    let Event::ServiceCorrected(c) = &events[0].payload else {
        panic!("a correction event");
    };
    assert_eq!((c.hours_before, c.hours_after), (dec("2"), dec("3.5")));
    assert_eq!((c.points_before, c.points_after), (dec("20"), dec("35")));
    assert_eq!(w.sim.available(w.bob), dec("35"));
    // Alice (80 earned, 50 held) is untouched.
    assert_eq!(w.sim.available(w.alice), dec("30"));
    let a = &w.sim.state.activities[&w.activity];
    assert_eq!(a.hours_total(), dec("11.5"));
    assert_eq!(w.sim.state.teams[&w.team].tally.hours, dec("11.5"));
    // Down, then removed: the activity keeps Alice only; Bob's points and hours go back.
    w.sim.ok(w.coordinator, correction(&w, w.bob, "1"));
    w.sim.ok(w.coordinator, correction(&w, w.bob, "0"));
    let a = &w.sim.state.activities[&w.activity];
    assert_eq!(a.participants.len(), 1);
    assert_eq!(w.sim.available(w.bob), dec("0"));
    assert_eq!(w.sim.state.volunteers[&w.bob].hours_net(), dec("0"));
    assert_eq!(w.sim.state.teams[&w.team].tally.participant_times, 1);
    let kinds: Vec<_> = w.sim.state.volunteers[&w.bob]
        .statement
        .iter(w.sim.state.stamps())
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            yinling_projections::volunteers::EntryKind::Service,
            yinling_projections::volunteers::EntryKind::Correction,
            yinling_projections::volunteers::EntryKind::Correction,
            yinling_projections::volunteers::EntryKind::Correction,
        ]
    );
    // A reversal afterwards takes back only what is left (Alice's hold given up first).
    w.sim.ok(
        w.admin,
        Command::CancelRedemption {
            redemption_id: w.held,
            reason: String::new(),
        },
    );
    let events = w.sim.ok(
        w.coordinator,
        Command::ReverseActivity {
            activity_id: w.activity,
            reason: "整场录错".into(),
        },
    );
    assert_eq!(events.len(), 1, "only Alice is left to reverse");
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn a_correction_that_would_overdraw_or_empty_the_activity_is_refused_with_the_figures() {
    use RejectionKind::*;
    type Case = (
        &'static str,
        RejectionKind,
        &'static str,
        fn(&mut World) -> (Actor, Command),
    );
    let cases: Vec<Case> = vec![
        // Alice earned 80 and holds 50: taking 70 back would leave -40.
        ("overdraw", Conflict, "insufficient_points", |w| {
            (w.coordinator, correction(w, w.alice, "1"))
        }),
        ("someone absent", NotFound, "not_a_participant", |w| {
            (w.admin, correction(w, w.carol_other_team, "1"))
        }),
        ("no change", Conflict, "no_change", |w| {
            (w.coordinator, correction(w, w.bob, "2"))
        }),
        ("other team", Forbidden, "other_team", |w| {
            (w.other_coordinator, correction(w, w.bob, "1"))
        }),
        ("a volunteer", Forbidden, "not_allowed", |w| {
            (w.alice_token, correction(w, w.bob, "1"))
        }),
        ("more than a day", Invalid, "day_over_24_hours", |w| {
            (w.coordinator, correction(w, w.bob, "17"))
        }),
        ("hours with three decimals", Invalid, "bad_hours", |w| {
            (w.coordinator, correction(w, w.bob, "1.125"))
        }),
    ];
    for (name, kind, code, setup) in cases {
        let mut w = world();
        // Bob has 16 hours elsewhere that day, so 17 here would make 33.
        let other = w
            .sim
            .log_activity(
                w.team,
                Category::Lecture,
                date(2026, 5, 30),
                &[(w.bob, "16")],
            )
            .expect("another activity");
        let _ = other;
        let (actor, command) = setup(&mut w);
        let before = w.sim.state.clone();
        let r = w.sim.run(actor, command).expect_err(name);
        assert_eq!((r.kind, r.code), (kind, code), "{name}: {}", r.detail);
        assert_eq!(
            w.sim.state, before,
            "{name}: a refused correction changes nothing"
        );
    }
    // The overdraw names the shortfall.
    let mut w = world();
    let r = w
        .sim
        .run(w.coordinator, correction(&w, w.alice, "1"))
        .expect_err("overdraw");
    assert!(
        r.detail.contains("70") && r.detail.contains("40 short"),
        "{}",
        r.detail
    );
}

/// Mediation at `mediation` and lectures at `lecture` points an hour from 30 May, no cap.
fn rates_from_may_30(w: &mut World, mediation: &str, lecture: &str) {
    adopt(
        w,
        NewRules {
            effective_from: date(2026, 5, 30),
            default_points_per_hour: None,
            rates: vec![
                CategoryRate {
                    category: Category::Mediation,
                    points_per_hour: dec(mediation),
                },
                CategoryRate {
                    category: Category::Lecture,
                    points_per_hour: dec(lecture),
                },
            ],
            multipliers: vec![],
            max_hours_per_day: None,
            note: String::new(),
        },
    );
}

fn rerate_may_30(w: &mut World) -> Result<Vec<Envelope>, Rejection> {
    w.sim.run(
        w.admin,
        Command::RerateServices {
            from: date(2026, 5, 30),
            to: date(2026, 5, 30),
            reason: "补算".into(),
        },
    )
}

#[test]
fn a_rerating_weighs_settled_points_against_what_is_available_and_pending_ones_apart() {
    let mut w = world();
    let alice = w.alice;
    // Lectures wait for the served party's confirmation: their points are pending.
    w.sim.ok(
        w.admin,
        Command::SetPolicy {
            change: PolicyChange::ConfirmationRequired {
                category: Category::Lecture,
                required: true,
            },
            note: "讲座须经确认".into(),
        },
    );
    w.sim
        .log_activity(
            w.team,
            Category::Lecture,
            date(2026, 5, 30),
            &[(alice, "5")],
        )
        .expect("a lecture");
    let balance = |w: &World| {
        let b = &w.sim.state.volunteers[&alice].balance;
        (b.available(), b.pending)
    };
    // Alice: 80 settled points of mediation, 50 of them held; 50 pending from the lecture.
    assert_eq!(balance(&w), (dec("30"), dec("50")));

    // Mediation halved takes 40 settled points from her 30 available; lectures at 60 add
    // 250 pending. Netted, the two would pass and leave her at -10 available.
    rates_from_may_30(&mut w, "5", "60");
    let refused = rerate_may_30(&mut w).expect_err("40 settled points from 30 available");
    assert_eq!(refused.code, "insufficient_points", "{}", refused.detail);
    assert_eq!(balance(&w), (dec("30"), dec("50")), "nothing moved");

    // A cut only of pending points needs no room in what is available.
    rates_from_may_30(&mut w, "10", "2");
    let events = rerate_may_30(&mut w).expect("a cut of pending points alone");
    assert_eq!(events.len(), 1, "only the lecture's credit changes");
    assert_eq!(balance(&w), (dec("30"), dec("10")));
    w.sim.state.check_invariants().expect("invariants");
}

/// Mediation at 15 an hour from three weeks ago, at most 6 hours a day; other categories
/// keep their rule, which has no cap. Returns a weekday within the last week.
fn mediation_capped_at_six(w: &mut World) -> chrono::NaiveDate {
    let today = w.sim.now.local_date();
    adopt(
        w,
        NewRules {
            effective_from: today - chrono::Days::new(21),
            default_points_per_hour: None,
            rates: vec![CategoryRate {
                category: Category::Mediation,
                points_per_hour: dec("15"),
            }],
            multipliers: vec![],
            max_hours_per_day: Some(dec("6")),
            note: "调解每天至多六小时".into(),
        },
    );
    (0..7)
        .map(|d| today - chrono::Days::new(d))
        .find(|d| d.weekday().number_from_monday() <= 5 && *d != date(2026, 5, 30))
        .expect("a weekday")
}

#[test]
fn a_daily_cap_counts_the_hours_in_its_own_categories_whichever_entry_came_first() {
    let mut w = world();
    let (team, alice, bob) = (w.team, w.alice, w.bob);
    let day = mediation_capped_at_six(&mut w);
    let log = |w: &mut World, category: Category, v: VolunteerId, hours: &str| {
        w.sim.log_activity(team, category, day, &[(v, hours)])
    };
    // Bob lectures first, Alice mediates first: both days are taken whole.
    log(&mut w, Category::Lecture, bob, "5").expect("a lecture has no cap");
    log(&mut w, Category::Mediation, bob, "2").expect("2 of mediation's 6");
    log(&mut w, Category::Mediation, alice, "2").expect("2 of mediation's 6");
    log(&mut w, Category::Lecture, alice, "5").expect("a lecture has no cap");
    // The cap is on mediation's hours: four more reach it, five pass it.
    let over = log(&mut w, Category::Mediation, bob, "5").expect_err("2 + 5 > 6");
    assert_eq!(over.code, "over_rule_daily_cap", "{}", over.detail);
    log(&mut w, Category::Mediation, bob, "4").expect("2 + 4 = 6");
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn a_correction_is_held_to_the_daily_cap_a_log_is() {
    let mut w = world();
    let (team, bob) = (w.team, w.bob);
    let day = mediation_capped_at_six(&mut w);
    let activity = w
        .sim
        .log_activity(team, Category::Mediation, day, &[(bob, "6")])
        .expect("6 hours, the cap");
    let correct = |w: &mut World, hours: &str| {
        w.sim.run(
            w.coordinator,
            Command::CorrectParticipation {
                activity_id: activity,
                volunteer_id: bob,
                hours: dec(hours),
                reason: "记错了".into(),
            },
        )
    };
    let before = w.sim.available(bob);
    let over = correct(&mut w, "10").expect_err("10 hours of mediation on a 6-hour day");
    assert_eq!(over.code, "over_rule_daily_cap", "{}", over.detail);
    assert_eq!(w.sim.available(bob), before, "nothing credited");
    correct(&mut w, "4").expect("a cut always goes through");
    correct(&mut w, "6").expect("back up to the cap");
    w.sim.state.check_invariants().expect("invariants");
}

#[test]
fn a_lapsed_hold_is_not_handed_over_before_the_sweep_gives_its_points_back() {
    let mut w = world();
    let lapses = w.sim.state.redemptions[&w.held].expires_at;
    while w.sim.now < lapses {
        w.sim.advance_days(1);
    }
    let before = w.sim.available(w.alice);
    let refused = w
        .sim
        .run(
            w.admin,
            Command::FulfilRedemption {
                redemption_id: w.held,
                pickup_code: None,
                pickup_code_digest: None,
                card_sha256: None,
                voucher_code_digest: None,
            },
        )
        .expect_err("lapsed");
    assert_eq!(refused.code, "hold_lapsed", "{}", refused.detail);
    assert_eq!(w.sim.available(w.alice), before, "nothing moved");
}
