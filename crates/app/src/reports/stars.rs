//! The star scale and the stars waiting for confirmation (the 公示 list), as every front
//! end shows them.

use serde::Serialize;
use utoipa::ToSchema;
use yinling_projections::stars::ScaleVersion;
use yinling_projections::{access, Principal, State};

use crate::wire::{Amount, Day};

/// One version of the star scale.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScaleVersionOut {
    /// Its number (0: the national scale, in force before any was adopted).
    pub version: u32,
    /// Net hours for one star, two stars, ...
    pub thresholds_hours: Vec<Amount>,
    /// Whether a star reached under it waits for an administrator's confirmation.
    pub review: bool,
    /// What changed and why.
    pub note: String,
    /// The day it was adopted (absent for the national default).
    pub adopted_on: Option<Day>,
}

/// The scale in force and every version.
#[derive(Debug, Serialize, ToSchema)]
pub struct StarScaleOut {
    /// The scale in force.
    pub current: ScaleVersionOut,
    /// Whether stars are recorded as events (false: read off the hours on the national
    /// scale, as before any scale was adopted).
    pub recorded: bool,
    /// Every version adopted, oldest first.
    pub versions: Vec<ScaleVersionOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

fn version_out(v: &ScaleVersion) -> ScaleVersionOut {
    ScaleVersionOut {
        version: v.version,
        thresholds_hours: v.thresholds_hours.iter().map(|t| Amount(*t)).collect(),
        review: v.review,
        note: v.note.clone(),
        adopted_on: Some(Day(v.adopted_at.local_date())),
    }
}

/// The star scale as it stands in `state`.
pub fn scale_out(state: &State) -> StarScaleOut {
    let scale = &state.star_scale;
    let current = scale.versions.last().map_or_else(
        || ScaleVersionOut {
            version: 0,
            thresholds_hours: scale.thresholds().into_iter().map(Amount).collect(),
            review: false,
            note: "全国志愿服务星级标准".into(),
            adopted_on: None,
        },
        version_out,
    );
    StarScaleOut {
        current,
        recorded: scale.recorded(),
        versions: scale.versions.iter().map(version_out).collect(),
        as_of: state.head.seq,
    }
}

/// A star waiting for confirmation, as the public notice lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingStarOut {
    /// Who.
    pub volunteer_id: String,
    /// Their name.
    pub name: String,
    /// Their team.
    pub team_id: String,
    /// Its name.
    pub team_name: String,
    /// The level reached.
    pub level: u8,
    /// The hours it needs.
    pub threshold_hours: Amount,
    /// Their net hours now.
    pub hours: Amount,
    /// The day they reached it (the notice runs from then).
    pub reached_on: Day,
}

/// The public notice: every star waiting for confirmation, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingStars {
    /// Oldest first.
    pub items: Vec<PendingStarOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Every star waiting for confirmation in `state`, oldest first, each name as `who` may see
/// it (a public notice: masked but for the person, their coordinators and administrators).
pub fn pending_out(state: &State, who: &Principal) -> PendingStars {
    let mut items: Vec<(yinling_ledger::Timestamp, PendingStarOut)> = state
        .volunteers
        .values()
        .filter_map(|v| {
            let p = v.star.pending.as_ref()?;
            Some((
                p.reached_at,
                PendingStarOut {
                    volunteer_id: v.id.to_string(),
                    name: access::name_for(who, v),
                    team_id: v.team_id.to_string(),
                    team_name: state
                        .teams
                        .get(&v.team_id)
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    level: p.level,
                    threshold_hours: p.threshold_hours.into(),
                    hours: v.hours_net().into(),
                    reached_on: Day(p.reached_at.local_date()),
                },
            ))
        })
        .collect();
    items.sort_by(|a, b| (a.0, &a.1.volunteer_id).cmp(&(b.0, &b.1.volunteer_id)));
    PendingStars {
        items: items.into_iter().map(|(_, p)| p).collect(),
        as_of: state.head.seq,
    }
}
