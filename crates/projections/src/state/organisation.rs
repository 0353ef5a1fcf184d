//! How teams, volunteers, districts, groups, projects and the scoring formula are folded.

use std::collections::BTreeSet;
use yinling_ledger::personal::PersonalFields;

use rust_decimal::Decimal;
use yinling_ledger::*;

use super::State;
use crate::names::SharedName;
use crate::organisation::{Group, Membership, Project};
use crate::stars::StarStanding;
use crate::teams::{Tally, Team};
use crate::volunteers::{Balance, TeamStint, Volunteer};

impl State {
    pub(super) fn team_registered(&mut self, envelope: &Envelope, e: &TeamRegistered) {
        let at = envelope.recorded_at;
        self.teams.insert(
            e.team_id,
            Team {
                id: e.team_id,
                name: e.name.clone(),
                district: e.district.clone(),
                category: e.category,
                registered_at: at,
                members: BTreeSet::new(),
                tally: Tally::default(),
            },
        );
        let district = self.district_mut(&e.district);
        district.teams.insert(e.team_id);
        self.rankings.team_registered();
    }

    pub(super) fn volunteer_registered(&mut self, envelope: &Envelope, e: &VolunteerRegistered) {
        let seq = envelope.seq;
        let at = envelope.recorded_at;
        debug_assert_eq!(self.volunteer_numbers.len(), self.volunteers.len());
        let number = self.volunteer_numbers.push(e.volunteer_id);
        // Written before personal data was sealed: the fields are in the event.
        let plain = (!e.name.is_empty()).then(|| {
            Box::new(PersonalFields {
                name: Some(e.name.clone()),
                birth_year: e.birth_year,
                ..PersonalFields::default()
            })
        });
        self.volunteers.insert(
            e.volunteer_id,
            Volunteer {
                id: e.volunteer_id,
                number,
                name: e.name.clone(),
                team_id: e.team_id,
                district: SharedName::new(&e.district),
                birth_year: e.birth_year,
                registered_at: at,
                balance: Balance::default(),
                hours_served: Decimal::ZERO,
                hours_reversed: Decimal::ZERO,
                hours_by_date: Default::default(),
                team_history: thin_vec::thin_vec![TeamStint {
                    team_id: e.team_id,
                    since_seq: seq,
                    since: at,
                }],
                statement: crate::statement::Statement::new(),
                star: StarStanding {
                    recorded: self.star_scale.recorded(),
                    ..StarStanding::default()
                },
                phone_last_four: None,
                pin_sha256: None,
                carried: None,
                personal: crate::personal::PersonalRecord {
                    plain,
                    ..Default::default()
                },
                on_notice: Default::default(),
            },
        );
        if let Some(team) = self.teams.get_mut(&e.team_id) {
            team.members.insert(e.volunteer_id);
        }
        self.district_mut(&e.district).volunteers += 1;
    }

    pub(super) fn volunteer_moved_team(&mut self, envelope: &Envelope, e: &VolunteerMovedTeam) {
        let seq = envelope.seq;
        let at = envelope.recorded_at;
        let mut old_district = None;
        if let Some(v) = self.volunteers.get_mut(&e.volunteer_id) {
            old_district = Some(std::mem::replace(
                &mut v.district,
                SharedName::new(&e.district),
            ));
            v.team_id = e.to_team_id;
            v.team_history.push(TeamStint {
                team_id: e.to_team_id,
                since_seq: seq,
                since: at,
            });
        }
        if let Some(team) = self.teams.get_mut(&e.from_team_id) {
            team.members.remove(&e.volunteer_id);
        }
        if let Some(team) = self.teams.get_mut(&e.to_team_id) {
            team.members.insert(e.volunteer_id);
        }
        if let Some(old) = old_district {
            let d = self.district_mut(&old);
            d.volunteers = d.volunteers.saturating_sub(1);
        }
        self.district_mut(&e.district).volunteers += 1;
    }

    pub(super) fn district_registered(&mut self, e: &DistrictRegistered) {
        let d = self.district_mut(&e.name);
        d.kind = Some(e.kind);
        d.region = e.region.clone();
        d.registered = true;
    }

    pub(super) fn group_founded(&mut self, e: &GroupFounded) {
        self.groups.insert(
            e.group_id,
            Group {
                id: e.group_id,
                name: e.name.clone(),
                purpose: e.purpose.clone(),
                founded_on: e.founded_on,
                parent: None,
                sub_groups: Vec::new(),
                memberships: Vec::new(),
            },
        );
    }

    pub(super) fn sub_group_added(&mut self, e: &SubGroupAdded) {
        self.groups.insert(
            e.sub_group_id,
            Group {
                id: e.sub_group_id,
                name: e.name.clone(),
                purpose: String::new(),
                founded_on: e.added_on,
                parent: Some(e.group_id),
                sub_groups: Vec::new(),
                memberships: Vec::new(),
            },
        );
        if let Some(g) = self.groups.get_mut(&e.group_id) {
            g.sub_groups.push(e.sub_group_id);
        }
    }

    pub(super) fn team_joined_group(&mut self, e: &TeamJoinedGroup) {
        if let Some(g) = self.groups.get_mut(&e.group_id) {
            g.memberships.push(Membership {
                team_id: e.team_id,
                sub_group_id: e.sub_group_id,
                joined_on: e.joined_on,
                left_on: None,
            });
        }
    }

    pub(super) fn team_left_group(&mut self, e: &TeamLeftGroup) {
        if let Some(m) = self.groups.get_mut(&e.group_id).and_then(|g| {
            g.memberships
                .iter_mut()
                .rev()
                .find(|m| m.team_id == e.team_id && m.left_on.is_none())
        }) {
            m.left_on = Some(e.left_on);
        }
    }

    pub(super) fn project_registered(&mut self, e: &ProjectRegistered) {
        self.projects.insert(
            e.project_id,
            Project {
                id: e.project_id,
                owner: e.owner,
                title: e.title.clone(),
                category: e.category,
                goal: e.goal.clone(),
                starts_on: e.starts_on,
                ends_on: e.ends_on,
                status: e.status,
                history: vec![(e.status, yinling_ledger::time::day_number::of(e.starts_on))],
                activities: Vec::new(),
            },
        );
    }

    pub(super) fn project_status_changed(&mut self, e: &ProjectStatusChanged) {
        if let Some(p) = self.projects.get_mut(&e.project_id) {
            p.status = e.status;
            p.history
                .push((e.status, yinling_ledger::time::day_number::of(e.on)));
        }
    }

    pub(super) fn scoring_changed(&mut self, e: &ScoringChanged) {
        self.scoring.version = e.version;
        self.scoring.weights = e.weights.clone();
    }
}
