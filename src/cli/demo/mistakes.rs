//! The mistakes a real city makes and corrects: activities logged in error (reversed as a
//! whole) and one participant's hours written wrong (corrected for that person only).

use rand::Rng;
use rust_decimal::Decimal;
use yinling_projections::{Command, Principal};

/// Commands of the demo, each with the caller that sends it.
type Commands = Vec<(Principal, Command)>;

/// Picks about one activity in a hundred to reverse and another one in a hundred to correct
/// (its first participant's hours halved), among the `LogActivity` commands of `commands`.
pub(super) fn sample(
    rng: &mut impl Rng,
    commands: &[(Principal, Command)],
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
            (actor, Command::LogActivity(a)) if a.participants.len() > 1 => {
                let p = &a.participants[0];
                let halved = (p.hours / Decimal::from(2)).round_dp(1).normalize();
                Some((
                    *actor,
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
            (actor, Command::LogActivity(yinling_projections::NewActivity { activity_id, .. })) => {
                Some((
                    *actor,
                    Command::ReverseActivity {
                        activity_id: *activity_id,
                        reason: "登记有误，更正".to_owned(),
                    },
                ))
            }
            _ => None,
        })
        .collect();
    (corrections, reversals)
}
