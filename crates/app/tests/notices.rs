//! Notices in plain words, composed from the events of an in-memory ledger: one per person
//! an event concerns, with a key that is the same however often the event is read, the
//! pending entry told when it becomes usable, and nobody told anything once erased.

#[path = "../../projections/tests/common/mod.rs"]
mod common;

use common::*;
use yinling_app::mint::TokenMint;
use yinling_app::notices::compose::{expiring_holds, of_event, Draft};
use yinling_ledger::*;
use yinling_projections::*;

/// The key the notices derive pickup codes under.
fn mint() -> TokenMint {
    TokenMint::from_key([3; 32])
}

fn drafts(sim: &Sim, events: &[Envelope]) -> Vec<Draft> {
    let mint = mint();
    events
        .iter()
        .flat_map(|e| of_event(&sim.state, &mint, e))
        .collect()
}

fn policy(sim: &mut Sim, admin: Actor, change: PolicyChange) {
    sim.ok(
        admin,
        Command::SetPolicy {
            change,
            note: "测试".into(),
        },
    );
}

#[test]
fn each_event_tells_the_people_it_concerns_in_plain_words() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let alice = sim.volunteer("王金法", team);
    let bob = sim.volunteer("陈奶奶", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    let today = sim.now.local_date();

    // Credited at once: each participant, once, with what they can use now.
    let before = sim.log.len();
    sim.log_activity(
        team,
        Category::EcoPatrol,
        today,
        &[(alice, "2"), (bob, "1")],
    )
    .expect("logged");
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told.iter().all(|d| d.kind == "points_credited"));
    let hers = told.iter().find(|d| d.volunteer_id == alice).expect("hers");
    assert!(hers.zh.starts_with("【银领积分】"), "{}", hers.zh);
    assert!(
        hers.zh.contains("巡河护绿")
            && hers.zh.contains("2 小时")
            && hers.zh.contains("记入 20 积分"),
        "{}",
        hers.zh
    );
    assert!(!hers.zh.contains("王金法"), "a notice names no one");
    // The same event read again gives the same keys.
    let again = drafts(&sim, &sim.log[before..]);
    assert_eq!(
        told.iter().map(|d| &d.key).collect::<Vec<_>>(),
        again.iter().map(|d| &d.key).collect::<Vec<_>>()
    );

    // On notice: pending, with the day it can be used; told again when the notice ends.
    policy(
        &mut sim,
        admin,
        PolicyChange::NoticePeriod {
            category: Category::Lecture,
            days: 2,
        },
    );
    let before = sim.log.len();
    let lecture = sim
        .log_activity(team, Category::Lecture, today, &[(alice, "1")])
        .expect("logged");
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, "points_pending");
    let usable = today + chrono::Days::new(2);
    assert!(
        told[0]
            .zh
            .contains(&usable.format("%Y年%-m月%-d日").to_string()),
        "{}",
        told[0].zh
    );
    sim.advance_days(2);
    let before = sim.log.len();
    sim.system(Command::EndNotices).expect("the clock");
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "points_available");
    assert!(
        told[0].zh.contains("公示期满") && told[0].zh.contains("10 积分"),
        "{}",
        told[0].zh
    );
    let _ = lecture;

    // Waiting for confirmation: pending without a day; told when those served confirm.
    policy(
        &mut sim,
        admin,
        PolicyChange::ConfirmationRequired {
            category: Category::Mediation,
            required: true,
        },
    );
    let before = sim.log.len();
    let mediation = sim
        .log_activity(
            team,
            Category::Mediation,
            sim.now.local_date(),
            &[(bob, "3")],
        )
        .expect("logged");
    let told = drafts(&sim, &sim.log[before..]);
    assert!(
        told[0].zh.contains("待服务对象确认后可以使用"),
        "{}",
        told[0].zh
    );
    sim.ok(
        coordinator,
        Command::RequestConfirmation {
            activity_id: mediation,
            number: 1,
            code_digest: [7; 32],
            party: "荻港村村委会".into(),
        },
    );
    let before = sim.log.len();
    sim.system(Command::ConfirmActivity {
        code_digest: [7; 32],
        name: "沈国强".into(),
        role: "村委会主任".into(),
    })
    .expect("confirmed");
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1);
    assert_eq!(
        (told[0].kind, told[0].volunteer_id),
        ("points_available", bob)
    );
    assert!(told[0].zh.contains("服务对象已确认"), "{}", told[0].zh);

    // A reward held at a station: where, and the pickup code; a day before it lapses, a
    // reminder, once per hold.
    let reward = sim.reward("10", 5);
    let before = sim.log.len();
    let hold = sim.hold(admin, alice, reward, 1).expect("held");
    let told = drafts(&sim, &sim.log[before..]);
    let ready = told
        .iter()
        .find(|d| d.kind == "reward_ready")
        .expect("ready");
    // The log keeps the code's digest; the notice carries the code the key derives.
    let code = mint().pickup_code(&hold);
    assert!(matches!(
        sim.state.redemptions[&hold].pickup_code,
        Some(yinling_projections::redemptions::PickupCode::Digest(_))
    ));
    assert!(
        ready.zh.contains("松阳银猴茶") && ready.zh.contains(&code),
        "{}",
        ready.zh
    );
    // The station held at has no address on record: it is named alone, with no empty
    // brackets after it.
    let station = sim
        .state
        .stations
        .get(&sim.state.redemptions[&hold].station_id)
        .expect("the station");
    assert!(station.address.is_empty());
    assert!(
        ready.zh.contains(&format!("已在{}为您留好", station.name))
            && ready
                .en
                .contains(&format!("waits for you at {};", station.name)),
        "{} / {}",
        ready.zh,
        ready.en
    );
    let expires = sim.state.redemptions[&hold].expires_at;
    let early = expiring_holds(&sim.state, Timestamp(expires.0 - 3 * DAY_MICROS), 86_400);
    assert!(early.is_empty(), "three days before: nothing yet");
    let due = expiring_holds(&sim.state, Timestamp(expires.0 - DAY_MICROS / 2), 86_400);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].key, format!("hold:{hold}:hold_expiring:{alice}"));
    // A hold of one day with a day's warning: reminded halfway, not as it is made.
    let held_at = sim.state.redemptions[&hold].held_at;
    let life = expires.0 - held_at.0;
    let long = expiring_holds(
        &sim.state,
        Timestamp(expires.0 - life / 2 - 1),
        life / 1_000_000,
    );
    assert!(
        long.is_empty(),
        "a warning as long as the hold waits till halfway"
    );
    let halfway = expiring_holds(
        &sim.state,
        Timestamp(expires.0 - life / 2),
        life / 1_000_000,
    );
    assert_eq!(halfway.len(), 1);

    // A dispute answered: the reason, in the volunteer's notice.
    let dispute = DisputeId(sim.uuid());
    sim.ok(
        coordinator,
        Command::OpenDispute {
            dispute_id: dispute,
            volunteer_id: alice,
            activity_id: None,
            kind: DisputeKind::Missing,
            reason: "上周的巡河没有登记".into(),
        },
    );
    let before = sim.log.len();
    sim.ok(
        coordinator,
        Command::ResolveDispute {
            dispute_id: dispute,
            outcome: DisputeOutcome::Rejected,
            reason: "签到表上没有这一天".into(),
        },
    );
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].zh.contains("记录维持不变") && told[0].zh.contains("签到表上没有这一天"),
        "{}",
        told[0].zh
    );

    // A star reached.
    sim.ok(
        admin,
        Command::AdoptStarScale {
            thresholds_hours: vec![dec("5"), dec("100")],
            review: false,
            note: "试行".into(),
        },
    );
    let before = sim.log.len();
    sim.log_activity(
        team,
        Category::EcoPatrol,
        sim.now.local_date(),
        &[(alice, "4")],
    )
    .expect("logged");
    let told = drafts(&sim, &sim.log[before..]);
    let star = told
        .iter()
        .find(|d| d.kind == "star_reached")
        .expect("a star");
    assert!(
        star.zh.contains("1星级志愿者") && star.zh.contains("5 小时"),
        "{}",
        star.zh
    );

    // Erased: nobody to tell.
    sim.ok(
        admin,
        Command::EraseVolunteer {
            volunteer_id: alice,
            requested_by: "本人".into(),
            requested_on: sim.now.local_date(),
            legal_basis: "《个人信息保护法》第四十七条".into(),
        },
    );
    let before = sim.log.len();
    sim.log_activity(
        team,
        Category::EcoPatrol,
        sim.now.local_date(),
        &[(alice, "1"), (bob, "1")],
    )
    .expect("logged");
    let told = drafts(&sim, &sim.log[before..]);
    assert!(
        !told.is_empty() && told.iter().all(|d| d.volunteer_id == bob),
        "{told:?}"
    );
}

/// A key store that cannot answer (a cluster's key-value store electing its leader).
struct Unanswering;

impl yinling_ledger::personal::Keyring for Unanswering {
    fn key(
        &self,
        _: &VolunteerId,
    ) -> Result<Option<yinling_ledger::personal::DataKey>, yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Storage(
            "no leader".into(),
        ))
    }
    fn key_or_create(
        &self,
        _: &VolunteerId,
    ) -> Result<yinling_ledger::personal::DataKey, yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Storage(
            "no leader".into(),
        ))
    }
    fn destroy(&self, _: &VolunteerId) -> Result<(), yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Storage(
            "no leader".into(),
        ))
    }
    fn check_all(
        &self,
    ) -> Result<yinling_ledger::personal::KeyCheck, yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Storage(
            "no leader".into(),
        ))
    }
    fn put_all(
        &self,
        _: &[(VolunteerId, yinling_ledger::personal::DataKey)],
    ) -> Result<(), yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Storage(
            "no leader".into(),
        ))
    }
}

/// A volunteer's contacts that cannot be opened just now are an error, not "nobody": their
/// notices are composed again later (not kept for paper with the relative's copy dropped),
/// and a delivery waits (not failed for good as if they had been erased).
#[test]
fn contacts_the_key_store_cannot_open_now_are_an_error_not_nobody() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let alice = sim.volunteer("王金法", team);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    sim.ok(
        coordinator,
        Command::SetNoticeContacts {
            volunteer_id: alice,
            phone: Some("13800001234".into()),
            relative: Some(yinling_ledger::personal::Relative {
                name: "王小红".into(),
                relation: "女儿".into(),
                phone: "13900005678".into(),
            }),
        },
    );
    let before = sim.log.len();
    sim.log_activity(
        team,
        Category::EcoPatrol,
        sim.now.local_date(),
        &[(alice, "2")],
    )
    .expect("logged");
    let events = sim.log[before..].to_vec();
    let entries =
        yinling_app::notices::entries_of(&sim.state, &mint(), &events, true).expect("addressed");
    assert_eq!(entries.len(), 2, "hers and her daughter's: {entries:?}");

    sim.state.keys = yinling_projections::personal::KeyringHandle(std::sync::Arc::new(Unanswering));
    assert!(yinling_app::notices::contacts_of(&sim.state, &alice).is_err());
    assert!(yinling_app::notices::entries_of(&sim.state, &mint(), &events, true).is_err());

    // One damaged key record is that volunteer's alone: nobody to text, everyone else's
    // notices go on (an error here would hold every notice of the city).
    sim.state.keys = yinling_projections::personal::KeyringHandle(std::sync::Arc::new(Damaged));
    assert_eq!(
        yinling_app::notices::contacts_of(&sim.state, &alice).expect("not an error"),
        None
    );
    let entries =
        yinling_app::notices::entries_of(&sim.state, &mint(), &events, true).expect("addressed");
    assert_eq!(entries.len(), 1, "hers, for paper: {entries:?}");
}

/// A key store whose record for everyone is damaged.
struct Damaged;

impl yinling_ledger::personal::Keyring for Damaged {
    fn key(
        &self,
        id: &VolunteerId,
    ) -> Result<Option<yinling_ledger::personal::DataKey>, yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Unopenable(*id))
    }
    fn key_or_create(
        &self,
        id: &VolunteerId,
    ) -> Result<yinling_ledger::personal::DataKey, yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Unopenable(*id))
    }
    fn destroy(&self, id: &VolunteerId) -> Result<(), yinling_ledger::personal::KeyError> {
        Err(yinling_ledger::personal::KeyError::Unopenable(*id))
    }
    fn check_all(
        &self,
    ) -> Result<yinling_ledger::personal::KeyCheck, yinling_ledger::personal::KeyError> {
        Ok(Vec::new())
    }
    fn put_all(
        &self,
        _: &[(VolunteerId, yinling_ledger::personal::DataKey)],
    ) -> Result<(), yinling_ledger::personal::KeyError> {
        Ok(())
    }
}

/// Whoever could spend a volunteer's points behind their back (a coordinator setting their
/// PIN, staff issuing them a second card) is something they hear of at once; what they did
/// themself, and the first card of their enrolment, is not news.
#[test]
fn a_pin_set_or_a_second_card_issued_by_staff_is_told_to_the_volunteer() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let admin = sim.token(Role::Admin, None, None);
    let coordinator = sim.token(Role::Coordinator, Some(team), None);
    let pin = |digits: &str| Command::SetPin {
        volunteer_id: v,
        pin: Some(TypedPin {
            digits: digits.into(),
            keyed: Hash([7; 32]),
        }),
    };
    let card = |sim: &mut Sim| {
        let secret = sim.uuid();
        Command::IssueToken(NewToken {
            token_id: TokenId(sim.uuid()),
            role: Role::Volunteer,
            team_id: None,
            volunteer_id: Some(v),
            scope: None,
            secret_sha256: Hash::of(secret.as_bytes()).0,
            label: "积分卡".into(),
            last_day: None,
        })
    };

    let before = sim.log.len();
    sim.ok(coordinator, pin("2468"));
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!((told[0].kind, told[0].volunteer_id), ("pin_set", v));
    assert!(
        told[0].zh.contains("协调员刚为您设置了新的兑换密码")
            && told[0].zh.contains("如果不是您本人要求的"),
        "{}",
        told[0].zh
    );

    // The first card, at enrolment: nothing to tell. A second one: told.
    let before = sim.log.len();
    let first = card(&mut sim);
    sim.ok(admin, first);
    assert!(drafts(&sim, &sim.log[before..]).is_empty());
    sim.advance_days(1);
    let before = sim.log.len();
    let second = card(&mut sim);
    sim.ok(admin, second);
    let told = drafts(&sim, &sim.log[before..]);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "card_issued");
    assert!(
        told[0].zh.contains("管理员刚为您新办了一张积分卡"),
        "{}",
        told[0].zh
    );

    // Set by the volunteer themself: not news to them.
    let herself = sim.token(Role::Volunteer, None, Some(v));
    let before = sim.log.len();
    sim.ok(herself, pin("1739"));
    assert!(drafts(&sim, &sim.log[before..]).is_empty());
}
