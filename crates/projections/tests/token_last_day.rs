//! A staff token's last day: refused from the day after it, as if stopped, until an
//! administrator moves the day on; never a day already gone, never on a volunteer's points
//! card, never on the last administrator token without one (the service would lock its
//! administrators out on a date); a replacement ends when the token it replaced would have.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::*;

fn issue(
    sim: &mut Sim,
    role: Role,
    last_day: Option<chrono::NaiveDate>,
) -> Result<Actor, Rejection> {
    let token_id = TokenId(sim.uuid());
    let secret = sim.uuid();
    sim.system(Command::IssueToken(NewToken {
        token_id,
        role,
        team_id: None,
        volunteer_id: None,
        scope: None,
        secret_sha256: Hash::of(secret.as_bytes()).0,
        label: "临时代班".into(),
        last_day,
    }))?;
    Ok(Actor {
        token_id: Some(token_id),
        role,
    })
}

/// Something only an administrator does: issue an auditor a token.
fn issue_an_auditor(sim: &mut Sim, actor: Actor, label: &str) -> Result<Vec<Envelope>, Rejection> {
    let token_id = TokenId(sim.uuid());
    let secret = sim.uuid();
    sim.run(
        actor,
        Command::IssueToken(NewToken {
            token_id,
            role: Role::Auditor,
            team_id: None,
            volunteer_id: None,
            scope: None,
            secret_sha256: Hash::of(secret.as_bytes()).0,
            label: label.into(),
            last_day: None,
        }),
    )
}

#[test]
fn a_token_works_through_its_last_day_and_is_refused_after_it_until_the_day_moves() {
    let mut sim = Sim::new();
    let today = sim.now.local_date();
    let stand_in =
        issue(&mut sim, Role::Admin, Some(today + chrono::Days::new(1))).expect("issued");
    sim.advance_days(1);
    issue_an_auditor(&mut sim, stand_in, "最后一天的队").expect("its last day");
    sim.advance_days(1);
    let head = sim.state.head.seq;
    let refused =
        issue_an_auditor(&mut sim, stand_in, "过期以后的队").expect_err("past its last day");
    assert_eq!(refused.code, "token_expired");
    assert!(
        refused
            .detail
            .contains(&(today + chrono::Days::new(1)).to_string()),
        "{}",
        refused.detail
    );
    assert_eq!(sim.state.head.seq, head, "a refusal appends nothing");
    // Moved on by an administrator, it works again.
    let later = sim.now.local_date() + chrono::Days::new(30);
    sim.system(Command::SetTokenLastDay {
        token_id: stand_in.token_id.expect("a token"),
        last_day: Some(later),
    })
    .expect("moved");
    issue_an_auditor(&mut sim, stand_in, "延期以后的队").expect("works again");
}

#[test]
fn a_last_day_already_gone_or_on_a_points_card_is_refused() {
    let mut sim = Sim::new();
    let yesterday = sim.now.local_date() - chrono::Days::new(1);
    let head = sim.state.head.seq;
    let gone = issue(&mut sim, Role::Auditor, Some(yesterday)).expect_err("yesterday");
    assert_eq!(gone.code, "bad_last_day");
    assert_eq!(sim.state.head.seq, head);
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let v = sim.volunteer("沈阿婆", team);
    let card = sim.token(Role::Volunteer, None, Some(v));
    let refused = sim
        .system(Command::SetTokenLastDay {
            token_id: card.token_id.expect("a token"),
            last_day: Some(sim.now.local_date()),
        })
        .expect_err("a card");
    assert_eq!(refused.code, "bad_last_day");
    assert!(refused.detail.contains("points card"), "{}", refused.detail);
}

#[test]
fn the_last_administrator_without_a_last_day_keeps_none() {
    let mut sim = Sim::new();
    let first = sim.token(Role::Admin, None, None);
    let today = sim.now.local_date();
    let refused = sim
        .system(Command::SetTokenLastDay {
            token_id: first.token_id.expect("a token"),
            last_day: Some(today + chrono::Days::new(7)),
        })
        .expect_err("the only lasting administrator");
    assert_eq!(refused.code, "last_admin");
    // A second administrator with a last day does not help; one without does.
    let dated = issue(&mut sim, Role::Admin, Some(today + chrono::Days::new(7))).expect("issued");
    let still = sim
        .system(Command::RevokeToken {
            token_id: first.token_id.expect("a token"),
        })
        .expect_err("the other runs out on a date");
    assert_eq!(still.code, "last_admin");
    issue(&mut sim, Role::Admin, None).expect("a lasting one");
    sim.system(Command::SetTokenLastDay {
        token_id: first.token_id.expect("a token"),
        last_day: Some(today + chrono::Days::new(7)),
    })
    .expect("now it may end");
    // Its replacement ends when it would have.
    let replacement = TokenId(sim.uuid());
    sim.system(Command::ReplaceToken {
        token_id: dated.token_id.expect("a token"),
        new_token_id: replacement,
        secret_sha256: Hash::of(b"replacement").0,
        label: String::new(),
    })
    .expect("replaced");
    assert_eq!(
        sim.state.tokens.get(&replacement).and_then(|t| t.last_day),
        Some(today + chrono::Days::new(7))
    );
}
