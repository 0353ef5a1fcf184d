//! Categories of service are records: an administrator registers one (a campaign such as
//! 垃圾分类) with its code, names, rate and dates, renames it, retires it. Service is logged
//! only in a category's window; retiring never touches what it already has.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::*;

struct World {
    sim: Sim,
    team: TeamId,
    alice: VolunteerId,
    admin: Actor,
    coordinator: Actor,
}

fn world() -> World {
    let mut sim = Sim::new();
    let team = sim.team("安吉护绿队", "安吉县", Category::EcoPatrol);
    let alice = sim.volunteer("王金法", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    World {
        sim,
        team,
        alice,
        admin,
        coordinator,
    }
}

fn register(code: &str, rate: &str, from: chrono::NaiveDate) -> Command {
    Command::RegisterCategory {
        code: code.into(),
        label_zh: "垃圾分类".into(),
        label_en: "Garbage sorting".into(),
        default_points_per_hour: dec(rate),
        active_from: from,
        active_until: None,
    }
}

fn log(w: &mut World, category: Category, date: chrono::NaiveDate, hours: &str) -> Command {
    Command::LogActivity(NewActivity {
        activity_id: ActivityId(w.sim.uuid()),
        team_id: w.team,
        category,
        date,
        title: "垃圾分类桶边督导".into(),
        participants: vec![ParticipantHours {
            volunteer_id: w.alice,
            hours: dec(hours),
        }],
        outcomes: Outcomes::default(),
        project_id: None,
        co_organisers: Vec::new(),
        group_id: None,
    })
}

/// Runs a command that must be refused, and checks the log did not grow.
fn refused(actor: Actor, w: &mut World, command: Command) -> Rejection {
    let before = w.sim.log.len();
    let r = w.sim.run(actor, command).expect_err("refused");
    assert_eq!(w.sim.log.len(), before, "a refused command appends nothing");
    r
}

fn garbage_sorting(w: &World) -> Category {
    w.sim
        .state
        .categories
        .by_code("garbage_sorting")
        .expect("registered")
        .id
}

#[test]
fn a_new_ledger_has_the_seven_built_in_categories() {
    let w = world();
    let codes: Vec<&str> = w
        .sim
        .state
        .categories
        .all()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "mediation",
            "eco_patrol",
            "lecture",
            "elder_care",
            "culture_tourism",
            "industry_aid",
            "craft"
        ]
    );
}

#[test]
fn a_registered_category_earns_its_own_rate_in_its_window_only() {
    let mut w = world();
    let from = date(2026, 5, 1);
    w.sim.ok(w.admin, register("garbage_sorting", "15", from));
    let c = garbage_sorting(&w);
    assert_eq!(
        c,
        Category(Category::FIRST_REGISTERED),
        "numbered after the built-ins"
    );
    let command = log(&mut w, c, from, "1.5");
    let events = w.sim.ok(w.coordinator, command);
    let Event::ServiceLogged(s) = &events[1].payload else {
        panic!("service")
    };
    assert_eq!((s.points, s.points_per_hour), (dec("22.5"), dec("15")));
    assert_eq!(w.sim.available(w.alice), dec("22.5"));

    let before = log(&mut w, c, date(2026, 4, 30), "1");
    let r = refused(w.coordinator, &mut w, before);
    assert_eq!(
        (r.kind, r.code),
        (RejectionKind::Conflict, "category_closed")
    );
    assert!(r.detail.contains("垃圾分类"), "{}", r.detail);
    assert!(r.detail.contains("2026-04-30"), "{}", r.detail);
}

#[test]
fn retiring_keeps_every_entry_and_refuses_service_after_the_last_day() {
    let mut w = world();
    w.sim
        .ok(w.admin, register("garbage_sorting", "15", date(2026, 5, 1)));
    let c = garbage_sorting(&w);
    let command = log(&mut w, c, date(2026, 5, 10), "2");
    w.sim.ok(w.coordinator, command);
    w.sim.ok(
        w.admin,
        Command::RetireCategory {
            category: c,
            last_day: date(2026, 5, 20),
            reason: "专项行动结束".into(),
        },
    );
    assert_eq!(w.sim.available(w.alice), dec("30"), "what it had stays");
    assert_eq!(w.sim.state.activities.len(), 1);

    // Service up to the last day can still be back-filled; after it, refused with the reason.
    let late_entry = log(&mut w, c, date(2026, 5, 20), "1");
    w.sim.ok(w.coordinator, late_entry);
    let after = log(&mut w, c, date(2026, 5, 21), "1");
    let r = refused(w.coordinator, &mut w, after);
    assert_eq!(r.code, "category_closed");
    assert!(r.detail.contains("专项行动结束"), "{}", r.detail);

    // Retiring again on the same or a later day changes nothing, so it is refused.
    let again = Command::RetireCategory {
        category: c,
        last_day: date(2026, 5, 25),
        reason: String::new(),
    };
    assert_eq!(refused(w.admin, &mut w, again).code, "already_retired");
    let too_early = Command::RetireCategory {
        category: c,
        last_day: date(2026, 4, 1),
        reason: String::new(),
    };
    assert_eq!(refused(w.admin, &mut w, too_early).code, "bad_window");
}

#[test]
fn a_built_in_category_can_be_retired_too_and_its_teams_keep_their_history() {
    let mut w = world();
    let command = log(&mut w, Category::EcoPatrol, date(2026, 5, 10), "1");
    w.sim.ok(w.coordinator, command);
    w.sim.ok(
        w.admin,
        Command::RetireCategory {
            category: Category::EcoPatrol,
            last_day: date(2026, 5, 15),
            reason: "并入垃圾分类".into(),
        },
    );
    assert_eq!(w.sim.available(w.alice), dec("10"));
    let after = log(&mut w, Category::EcoPatrol, date(2026, 5, 16), "1");
    assert_eq!(
        refused(w.coordinator, &mut w, after).code,
        "category_closed"
    );
}

#[test]
fn codes_are_checked_unique_and_only_an_administrator_registers() {
    let mut w = world();
    let from = date(2026, 5, 1);
    for bad in [
        "Garbage",
        "garbage sorting",
        "垃圾分类",
        "g",
        "9lives",
        "_x",
        "a2345678901234567890123456789012345678901",
        "",
    ] {
        let r = refused(w.admin, &mut w, register(bad, "15", from));
        assert_eq!(
            (r.kind, r.code),
            (RejectionKind::Invalid, "bad_code"),
            "{bad:?}"
        );
    }
    for taken in ["mediation", "eco_patrol"] {
        let r = refused(w.admin, &mut w, register(taken, "15", from));
        assert_eq!(
            (r.kind, r.code),
            (RejectionKind::Conflict, "duplicate_code")
        );
        assert!(r.detail.contains(taken), "{}", r.detail);
    }
    let r = refused(
        w.coordinator,
        &mut w,
        register("garbage_sorting", "15", from),
    );
    assert_eq!(r.kind, RejectionKind::Forbidden);
    for bad_rate in ["-1", "1000000", "1.23456"] {
        let r = refused(w.admin, &mut w, register("garbage_sorting", bad_rate, from));
        assert_eq!(r.kind, RejectionKind::Invalid, "{bad_rate}");
    }
    let backwards = Command::RegisterCategory {
        code: "garbage_sorting".into(),
        label_zh: "垃圾分类".into(),
        label_en: "Garbage sorting".into(),
        default_points_per_hour: dec("15"),
        active_from: from,
        active_until: Some(date(2026, 4, 30)),
    };
    assert_eq!(refused(w.admin, &mut w, backwards).code, "bad_window");
    let no_name = Command::RegisterCategory {
        code: "garbage_sorting".into(),
        label_zh: " ".into(),
        label_en: "Garbage sorting".into(),
        default_points_per_hour: dec("15"),
        active_from: from,
        active_until: None,
    };
    assert_eq!(refused(w.admin, &mut w, no_name).code, "empty_text");
}

#[test]
fn renaming_changes_the_names_and_keeps_the_code_and_the_history() {
    let mut w = world();
    w.sim
        .ok(w.admin, register("garbage_sorting", "15", date(2026, 5, 1)));
    let c = garbage_sorting(&w);
    let command = log(&mut w, c, date(2026, 5, 10), "1");
    w.sim.ok(w.coordinator, command);
    let rename = Command::RenameCategory {
        category: c,
        label_zh: "垃圾分类督导".into(),
        label_en: "Sorting guidance".into(),
    };
    w.sim.ok(w.admin, rename.clone());
    let record = w.sim.state.categories.get(&c).expect("still there");
    assert_eq!(
        (record.code.as_str(), record.label_zh.as_str()),
        ("garbage_sorting", "垃圾分类督导")
    );
    assert_eq!(w.sim.available(w.alice), dec("15"));
    assert_eq!(refused(w.admin, &mut w, rename).code, "no_change");
    let unknown = Command::RenameCategory {
        category: Category(99),
        label_zh: "无".into(),
        label_en: "None".into(),
    };
    assert_eq!(
        refused(w.admin, &mut w, unknown).kind,
        RejectionKind::NotFound
    );
}

#[test]
fn a_rule_version_can_name_a_registered_category_but_its_default_covers_only_the_built_ins() {
    let mut w = world();
    w.sim
        .ok(w.admin, register("garbage_sorting", "15", date(2026, 5, 1)));
    let c = garbage_sorting(&w);
    w.sim.ok(
        w.admin,
        Command::AdoptEarningRules(NewRules {
            effective_from: date(2026, 5, 1),
            default_points_per_hour: Some(dec("8")),
            rates: vec![],
            multipliers: vec![],
            max_hours_per_day: None,
            note: "默认下调".into(),
        }),
    );
    // A Friday: no day multiplier either way.
    let friday = date(2026, 5, 15);
    assert_eq!(w.sim.state.rule_for(c, friday).effective_rate(), dec("15"));
    assert_eq!(
        w.sim
            .state
            .rule_for(Category::EcoPatrol, friday)
            .effective_rate(),
        dec("8")
    );
    w.sim.ok(
        w.admin,
        Command::AdoptEarningRules(NewRules {
            effective_from: date(2026, 5, 10),
            default_points_per_hour: None,
            rates: vec![CategoryRate {
                category: c,
                points_per_hour: dec("20"),
            }],
            multipliers: vec![],
            max_hours_per_day: None,
            note: "垃圾分类加码".into(),
        }),
    );
    assert_eq!(w.sim.state.rule_for(c, friday).effective_rate(), dec("20"));
    let command = log(&mut w, c, friday, "1");
    w.sim.ok(w.coordinator, command);
    assert_eq!(w.sim.available(w.alice), dec("20"));
    let unknown = Command::AdoptEarningRules(NewRules {
        effective_from: date(2026, 5, 10),
        default_points_per_hour: None,
        rates: vec![CategoryRate {
            category: Category(42),
            points_per_hour: dec("20"),
        }],
        multipliers: vec![],
        max_hours_per_day: None,
        note: String::new(),
    });
    assert_eq!(refused(w.admin, &mut w, unknown).code, "category_not_found");
}

#[test]
fn teams_and_projects_name_a_category_that_exists() {
    let mut w = world();
    let command = Command::RegisterTeam {
        team_id: TeamId(w.sim.uuid()),
        name: "新队".into(),
        district: "安吉县".into(),
        category: Category(42),
    };
    assert_eq!(refused(w.admin, &mut w, command).code, "category_not_found");
    let unknown = log(&mut w, Category(42), date(2026, 5, 10), "1");
    assert_eq!(
        refused(w.coordinator, &mut w, unknown).code,
        "category_not_found"
    );
}

#[test]
fn the_registry_replays_to_the_same_state() {
    let mut w = world();
    w.sim
        .ok(w.admin, register("garbage_sorting", "15", date(2026, 5, 1)));
    let c = garbage_sorting(&w);
    w.sim.ok(
        w.admin,
        Command::RetireCategory {
            category: c,
            last_day: date(2026, 5, 20),
            reason: "结束".into(),
        },
    );
    let mut replayed = w.sim.fresh();
    for e in &w.sim.log {
        replayed.apply(e);
    }
    assert_eq!(replayed.categories, w.sim.state.categories);
}
