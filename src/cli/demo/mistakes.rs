//! The mistakes a real city makes and corrects: activities logged in error (reversed as a
//! whole), one participant's hours written wrong (corrected for that person only), and
//! sign-in sheets found weeks later (back-filled, approved or declined); and the guests a
//! partner team sends to a joint activity.

use std::collections::HashMap;

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand::Rng;
use rust_decimal::Decimal;
use yinling_ledger::{ActivityId, PolicyChange, TeamId, VolunteerId};
use yinling_projections::{Command, NewActivity, ParticipantHours, Principal};

use super::super::limits::DEMO_BACKFILL_LIMIT_DAYS;

/// Commands of the demo, each with the caller that sends it.
type Commands = Vec<(Principal, Command)>;

/// Picks about one activity in a hundred to reverse and another one in a hundred to correct
/// (its first participant's hours halved), among the `LogActivity` commands of `commands`.
pub(super) fn sample(
    rng: &mut impl Rng,
    commands: &[(Principal, Command)],
    coordinator_of: impl Fn(&TeamId) -> Principal,
) -> (Commands, Commands) {
    // About one activity in a hundred is later found to be logged by mistake and reversed by
    // its coordinator: corrections are new events, as in life.
    // Another one in a hundred had one participant's hours written wrong: only that person is
    // corrected, to half the hours they were given.
    let wanted = (commands.len() / 100).max(1).min(commands.len() / 2).max(1);
    let sample =
        rand::seq::index::sample(rng, commands.len(), (2 * wanted).min(commands.len())).into_vec();
    let (reversed, corrected) = sample.split_at(wanted.min(sample.len()));
    let corrections: Vec<(Principal, Command)> = corrected
        .iter()
        .filter_map(|&i| match &commands[i] {
            (_, Command::LogActivity(a)) if a.participants.len() > 1 => {
                let p = &a.participants[0];
                let halved = (p.hours / Decimal::from(2)).round_dp(1).normalize();
                Some((
                    coordinator_of(&a.team_id),
                    Command::CorrectParticipation {
                        activity_id: a.activity_id,
                        volunteer_id: p.volunteer_id,
                        hours: halved,
                        reason: "时长登记有误，更正".to_owned(),
                    },
                ))
            }
            _ => None,
        })
        .collect();
    let reversals: Vec<(Principal, Command)> = reversed
        .iter()
        .filter_map(|&i| match &commands[i] {
            (_, Command::LogActivity(a)) => Some((
                coordinator_of(&a.team_id),
                Command::ReverseActivity {
                    activity_id: a.activity_id,
                    reason: "登记有误，更正".to_owned(),
                },
            )),
            _ => None,
        })
        .collect();
    (corrections, reversals)
}

/// The back-fill limit a city adopts once its year is on the ledger, then two services
/// logged too late under it: one approved on the sign-in sheet, one declined. Three steps,
/// each sent after the one before: the policy, the late entries, the decisions. Empty when
/// the demo's history is too short for an entry to be late.
pub(super) fn late_entries(
    admin: Principal,
    commands: &[(Principal, Command)],
    today: NaiveDate,
    coordinator_of: impl Fn(&TeamId) -> Principal,
    mut new_id: impl FnMut() -> ActivityId,
) -> [Commands; 3] {
    let limit = DEMO_BACKFILL_LIMIT_DAYS;
    // Two services older than the limit, re-logged as forgotten sign-in sheets: the same
    // day and team, an hour for each of the first three who took part.
    let late: Vec<(Principal, NewActivity)> = commands
        .iter()
        .rev()
        .filter_map(|(_, c)| match c {
            Command::LogActivity(a) if (today - a.date).num_days() > i64::from(limit) => {
                Some((coordinator_of(&a.team_id), a))
            }
            _ => None,
        })
        .take(2)
        .map(|(who, a)| {
            let participants = a
                .participants
                .iter()
                .take(3)
                .map(|p| ParticipantHours {
                    volunteer_id: p.volunteer_id,
                    hours: Decimal::ONE,
                })
                .collect();
            let entry = NewActivity {
                activity_id: new_id(),
                title: format!("补登：{}", a.title),
                participants,
                ..a.clone()
            };
            (who, entry)
        })
        .collect();
    let [first, second] = late.as_slice() else {
        return [Vec::new(), Vec::new(), Vec::new()];
    };
    let policy = vec![(
        admin.clone(),
        Command::SetPolicy {
            change: PolicyChange::BackfillLimit { days: Some(limit) },
            note: format!("补登超过{limit}天的服务须经管理员审核签到表"),
        },
    )];
    let decisions = vec![
        (
            admin.clone(),
            Command::ApproveBackfill {
                activity_id: first.1.activity_id,
                note: "签到表已核".to_owned(),
            },
        ),
        (
            admin.clone(),
            Command::DeclineBackfill {
                activity_id: second.1.activity_id,
                reason: "无签到表可查".to_owned(),
            },
        ),
    ];
    let entries = late
        .into_iter()
        .map(|(who, a)| (who, Command::LogActivity(a)))
        .collect();
    [policy, entries, decisions]
}

/// Volunteers of a partner team who come for the day to a joint activity: up to `n`, two
/// hours each, none who already served that day (their hours are added to `hours_on`).
pub(super) fn guests(
    rng: &mut impl Rng,
    members: &[(VolunteerId, f64)],
    n: usize,
    date: NaiveDate,
    hours_on: &mut HashMap<(VolunteerId, NaiveDate), Decimal>,
) -> Vec<ParticipantHours> {
    let mut pool: Vec<VolunteerId> = members.iter().map(|(v, _)| *v).collect();
    pool.shuffle(rng);
    let hours = Decimal::from(2);
    let mut out = Vec::new();
    for v in pool.into_iter().take(n) {
        let day = hours_on.entry((v, date)).or_default();
        if !day.is_zero() {
            continue;
        }
        *day += hours;
        out.push(ParticipantHours {
            volunteer_id: v,
            hours,
        });
    }
    out
}
