//! Teams with their running totals (activities, hours, points, outcomes, redemptions), as
//! the API lists them and `replay` prints them.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_projections::categories::Categories;
use yinling_projections::teams::{Tally, Team};

use crate::wire::Amount;

/// Activity and redemption totals (net of reversals).
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyOut {
    /// Activities.
    pub activities: u64,
    /// Participations.
    pub participant_times: u64,
    /// Net hours.
    pub hours: Amount,
    /// Net points.
    pub points: Amount,
    /// Redemptions fulfilled.
    pub redemptions: u64,
    /// Points spent.
    pub redemption_points: Amount,
    /// People served.
    pub people_served: u64,
    /// Problems resolved.
    pub problems_resolved: u64,
    /// Disputes handled.
    pub disputes_handled: u64,
    /// Disputes settled.
    pub disputes_settled: u64,
}

impl From<&Tally> for TallyOut {
    fn from(t: &Tally) -> Self {
        TallyOut {
            activities: t.activities,
            participant_times: t.participant_times,
            hours: t.hours.into(),
            points: t.points.into(),
            redemptions: t.redemptions,
            redemption_points: t.redemption_points.into(),
            people_served: t.people_served,
            problems_resolved: t.problems_resolved,
            disputes_handled: t.disputes_handled,
            disputes_settled: t.disputes_settled,
        }
    }
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    /// Id.
    pub id: String,
    /// Name.
    #[schema(min_length = 1)]
    pub name: String,
    /// District.
    #[schema(min_length = 1)]
    pub district: String,
    /// Category.
    #[schema(value_type = crate::wire::CategoryCode)]
    pub category: String,
    /// Current members.
    pub members: usize,
    /// Totals.
    pub tally: TallyOut,
}

/// A team as returned by reads.
pub fn team_out(categories: &Categories, team: &Team) -> TeamOut {
    TeamOut {
        id: team.id.to_string(),
        name: team.name.clone(),
        district: team.district.clone(),
        category: categories.code(&team.category),
        members: team.members.len(),
        tally: (&team.tally).into(),
    }
}
