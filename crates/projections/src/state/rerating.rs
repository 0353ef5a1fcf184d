//! Which credits a re-rating of a past period would change: every credit of an activity not
//! reversed, dated in the period, whose points differ from what the rules in force on its
//! date give.

use chrono::NaiveDate;

use super::State;
use crate::rules::Rerating;

impl State {
    /// The credits a re-rating of service dated `from` to `to` would change, by activity and
    /// participant (the preview and the command use the same list).
    pub fn rerating_plan(&self, from: NaiveDate, to: NaiveDate) -> Vec<Rerating> {
        let mut activities: Vec<_> = self
            .activities
            .values()
            .filter(|a| a.reversal().is_none() && from <= a.date && a.date <= to)
            .collect();
        activities.sort_by_key(|a| (a.date, a.seq));
        let mut plan = Vec::new();
        for a in activities {
            let rule = self.rule_for(a.category, a.date);
            for p in &a.participants {
                let points = rule.points(p.hours);
                // Every entry names a registered volunteer (`check_invariants`).
                let Some(volunteer_id) = self.volunteer_id_of(p.number) else {
                    continue;
                };
                if points != p.points {
                    plan.push(Rerating {
                        activity_id: a.id,
                        volunteer_id,
                        team_id: a.team_of(&p),
                        district: a.district_of(&p).to_string(),
                        category: a.category,
                        date: a.date,
                        hours: p.hours,
                        points_before: p.points,
                        points_after: points,
                        points_per_hour: rule.effective_rate(),
                        rules_version: rule.version,
                    });
                }
            }
        }
        plan
    }
}
