//! What `demo` prints when it is done: what it made, how long it took.

use std::path::Path;

use rust_decimal::Decimal;
use yinling_ledger::Head;
use yinling_projections::state::Totals;

use super::city::{self, YUAN_PER_POINT};
use super::DEMO_BACKFILL_LIMIT_DAYS;

/// What the demo made, counted as it went.
#[derive(Debug, Default)]
pub(super) struct Made {
    pub(super) teams: usize,
    pub(super) volunteers: usize,
    pub(super) activities: usize,
    pub(super) reversals: usize,
    pub(super) corrections: usize,
    pub(super) backfilled: usize,
    pub(super) joint: usize,
    pub(super) participations: usize,
    pub(super) hours: Decimal,
    pub(super) points: Decimal,
    pub(super) redemptions: usize,
    pub(super) redeemed_points: Decimal,
    pub(super) refused: usize,
}

/// Prints the summary of a finished demo city written to `data`.
pub(super) fn print(data: &Path, made: &Made, (head, totals): (Head, &Totals), elapsed: f64) {
    let yuan = made
        .redeemed_points
        .to_string()
        .parse::<f64>()
        .unwrap_or(0.0)
        * YUAN_PER_POINT;
    say!("demo city written to {}", data.display());
    say!("  districts      {}", city::DISTRICTS.len());
    say!("  teams          {}", made.teams);
    say!("  volunteers     {}", made.volunteers);
    say!(
        "  activities     {} ({} participant-times, {} hours as logged; {} later reversed as logged in error, {} with one person's hours corrected)",
        made.activities,
        made.participations,
        made.hours.normalize(),
        made.reversals,
        made.corrections
    );
    if made.joint > 0 {
        say!(
            "  joint          {} activities organised by two teams of the 银雁协共体, each volunteer's hours to their own team",
            made.joint
        );
    }
    if made.backfilled > 0 {
        say!(
            "  back-filled    {} services logged after the {DEMO_BACKFILL_LIMIT_DAYS}-day limit: 1 approved, 1 declined",
            made.backfilled
        );
    }
    say!("  points earned  {}", made.points.normalize());
    say!(
        "  redemptions    {} ({} points redeemed, about {:.0} yuan at {} yuan a point; {} points still held)",
        made.redemptions,
        made.redeemed_points.normalize(),
        yuan,
        YUAN_PER_POINT,
        totals.points_held.normalize()
    );
    say!("  events         {} (head hash {})", head.seq, head.hash);
    say!(
        "  took           {elapsed:.1}s ({:.0} events/s through decide + group commit)",
        head.seq as f64 / elapsed.max(1e-9)
    );
    if made.refused > 0 {
        say!("  refused        {} commands (see above)", made.refused);
    }
}
