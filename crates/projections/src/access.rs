//! The access policy: who may read and change what. One table for every front end: the API
//! answers its refusals as 403, the web app shows them as a page in plain words, and
//! `decide` checks every write against it, so a front end can never grant more than this.
//!
//! Roles and their scope come from the caller's token ([`Principal`]), never from the
//! request. Reads are checked here before a front end shows anything; writes are checked
//! again inside `decide`, whichever front end sent them.

use yinling_ledger::{GroupId, ProjectOwner, Role, StationId, TeamId, VolunteerId};

use crate::activities::Activity;
use crate::numbers::Numbered;
use crate::principal::Principal;
use crate::redemptions::Redemption;
use crate::rejection::Rejection;
use crate::volunteers::Volunteer;

/// What a caller wants to read.
#[derive(Clone, Copy, Debug)]
pub enum Read<'a> {
    /// What the programme publishes to everyone signed in: teams, districts, groups, the
    /// catalogue, the point rules, the scoring formula, rankings and statistics.
    Published,
    /// One volunteer's account and statement.
    Account(&'a Volunteer),
    /// The volunteers of one team, or of the whole city (`None`).
    Roster(Option<TeamId>),
    /// The names of another team's volunteers, to pick them for a joint activity;
    /// `shares_group` says whether that team and the caller's share a group today.
    Partners {
        /// As the state says.
        shares_group: bool,
    },
    /// The volunteers of the teams of a group (its coordinator picks a joint activity's
    /// participants from them).
    GroupRoster(GroupId),
    /// The tokens and cards of one team's volunteers, or every token (`None`).
    Tokens(Option<TeamId>),
    /// One activity, with the volunteers' ids by number that its participants are named by
    /// (`State::volunteer_numbers`).
    Activity(&'a Activity, &'a Numbered<VolunteerId>),
    /// A team's list of activities (`None`: a team not yet named).
    TeamActivities(Option<TeamId>),
    /// One redemption.
    Redemption(&'a Redemption),
    /// A list of redemptions, of one volunteer or of everyone the caller may see.
    Redemptions(Option<VolunteerId>),
    /// The project list and each project's page.
    Projects,
    /// The performance evaluation (绩效评价) and its spreadsheet.
    Evaluation,
    /// The raw event log, its head and the chain's verification.
    Audit,
    /// Who looked at whose record (auditors only: it watches the staff, administrators too).
    AccessLog,
    /// One station's counter: its queue of holds and its stock.
    StationQueue(StationId),
    /// One partner bank's rate vouchers.
    BankVouchers(&'a str),
    /// Finding a volunteer at the counter (by card, name and birth year, phone digits).
    CounterLookup,
}

/// What a caller wants to change.
#[derive(Clone, Copy, Debug)]
pub enum Write<'a> {
    /// Anything only an administrator does, named for the refusal ("register teams").
    Administer(&'a str),
    /// Register a volunteer in this team.
    RegisterVolunteer(TeamId),
    /// Change a volunteer's counter details (phone digits, PIN): the volunteer, their
    /// team's or district's coordinator, an administrator.
    VolunteerDetails(VolunteerId, TeamId),
    /// Log an activity for this team.
    LogActivity(TeamId),
    /// Reverse an activity of this team.
    ReverseActivity(TeamId),
    /// Correct one participant of an activity of this team.
    CorrectActivity(TeamId),
    /// Hold a reward on this volunteer's points.
    Redeem(VolunteerId),
    /// Hand a held reward over at this station's counter.
    HandOver(StationId),
    /// Restock a reward at this station.
    Restock(StationId),
    /// Take, or refuse, a rate voucher of this bank.
    UseVoucher(&'a str),
    /// Cancel a held redemption of this volunteer, for pickup at this station.
    CancelRedemption(VolunteerId, StationId),
    /// Issue a token of this role; for a volunteer token, the volunteer's team.
    IssueToken(Role, Option<TeamId>),
    /// Log a joint activity of the teams of this group.
    LogJointActivity(GroupId),
    /// Change this group's memberships, or reverse and correct its joint activities.
    ManageGroup(GroupId),
    /// Stop or replace a token of this role; for a volunteer's card, the volunteer's team.
    ManageToken(Role, Option<TeamId>),
    /// Register a project run by this owner.
    RegisterProject(ProjectOwner),
    /// Change the status of a project run by this owner.
    ChangeProject(ProjectOwner),
    /// Open a dispute for this volunteer of this team: the volunteer, their coordinator or
    /// district coordinator, a station clerk on their behalf, an administrator.
    OpenDispute(VolunteerId, TeamId),
    /// Resolve a dispute of this team: its coordinator (until it is escalated), the district
    /// coordinator above them, an administrator.
    ResolveDispute(TeamId, bool),
}

/// Those who read the programme's internals (projects, evaluation): not volunteers, not the
/// counter clerk, whose work is the counter alone, and not a bank's officer.
fn staff(who: &Principal) -> bool {
    !matches!(
        who,
        Principal::Volunteer(..) | Principal::StationClerk(..) | Principal::BankOfficer(..)
    )
}

/// Whether `who` reaches this team's people and activities as a coordinator does: the
/// team's own coordinator, the coordinator of its district, or anyone who reads everything.
pub fn covers_team(who: &Principal, team: &TeamId) -> bool {
    match who {
        Principal::Coordinator(_, mine) => mine == team,
        Principal::DistrictCoordinator(_, district) => district.covers(team),
        _ => who.reads_everything(),
    }
}

/// Whether `who` sees `v`'s name, year of birth and phone digits in full: the person
/// themself, administrators and the service, and coordinators whose team or district holds
/// them. Everyone else (auditors, group coordinators, bank officers, other teams'
/// coordinators, other volunteers) sees the name masked and no year of birth. A station
/// clerk sees the person at the counter through the counter's own lookup, in the access log.
pub fn sees_personal(who: &Principal, v: &Volunteer) -> bool {
    match who {
        Principal::System | Principal::Admin(_) => true,
        Principal::Volunteer(_, me) => *me == v.id,
        Principal::Coordinator(_, team) => *team == v.team_id,
        Principal::DistrictCoordinator(_, district) => district.covers(&v.team_id),
        _ => false,
    }
}

/// `v`'s name as `who` may see it (see [`sees_personal`]).
pub fn name_for(who: &Principal, v: &Volunteer) -> String {
    if sees_personal(who, v) {
        v.name.clone()
    } else {
        crate::personal::masked(&v.name)
    }
}

/// Whether `who` may read `what`; the refusal says why not.
pub fn may_read(who: &Principal, what: &Read<'_>) -> Result<(), Rejection> {
    let everything = who.reads_everything();
    let allowed = match *what {
        Read::Published => true,
        Read::Account(v) => match who {
            Principal::Volunteer(_, me) => *me == v.id,
            // The clerk serves whoever stands at the counter (each look is in the access log).
            Principal::StationClerk(..) => true,
            _ => covers_team(who, &v.team_id),
        },
        Read::Roster(team) => match who {
            Principal::Coordinator(_, mine) => team.is_none_or(|t| t == *mine),
            Principal::DistrictCoordinator(_, d) => team.is_some_and(|t| d.covers(&t)),
            _ => everything,
        },
        Read::Partners { shares_group } => match who {
            Principal::Coordinator(..) => shares_group,
            _ => everything,
        },
        Read::Tokens(team) => match who {
            Principal::Coordinator(..) | Principal::DistrictCoordinator(..) => {
                team.is_some_and(|t| covers_team(who, &t))
            }
            _ => everything,
        },
        Read::GroupRoster(group) => match who {
            Principal::GroupCoordinator(_, mine) => *mine == group,
            _ => everything,
        },
        Read::Activity(a, numbers) => match who {
            Principal::Coordinator(_, team) => a.organised_by(team),
            Principal::DistrictCoordinator(_, d) => d.teams.iter().any(|t| a.organised_by(t)),
            Principal::GroupCoordinator(_, group) => {
                a.joint().is_some_and(|j| j.group_id == *group)
            }
            Principal::Volunteer(_, me) => a
                .participants
                .iter()
                .any(|p| numbers.id_of(p.number) == Some(*me)),
            _ => everything,
        },
        Read::TeamActivities(team) => match who {
            Principal::Coordinator(_, mine) => team.is_none_or(|t| t == *mine),
            Principal::DistrictCoordinator(_, d) => team.is_some_and(|t| d.covers(&t)),
            _ => everything,
        },
        Read::Redemption(r) => match who {
            Principal::StationClerk(_, station) => *station == r.station_id,
            Principal::Volunteer(_, me) => *me == r.volunteer_id,
            Principal::BankOfficer(..) => false,
            _ => covers_team(who, &r.team_id),
        },
        Read::Redemptions(of) => match who {
            Principal::Volunteer(_, me) => of.is_none_or(|v| v == *me),
            _ => true,
        },
        Read::Projects | Read::Evaluation => staff(who),
        Read::Audit => everything,
        Read::AccessLog => matches!(who, Principal::Auditor(_)),
        Read::StationQueue(station) => match who {
            Principal::StationClerk(_, mine) => *mine == station,
            _ => everything,
        },
        // Finding a person by their phone's last four digits or year of birth is the
        // counter's: an auditor reads the ledger, and could otherwise list every phone's
        // digits against names and years of birth.
        Read::CounterLookup => matches!(
            who,
            Principal::StationClerk(..) | Principal::Admin(_) | Principal::System
        ),
        Read::BankVouchers(bank) => match who {
            Principal::BankOfficer(_, mine) => &**mine == bank,
            _ => everything,
        },
    };
    if allowed {
        return Ok(());
    }
    Err(match (*what, who) {
        (Read::Account(_), _) => Rejection::forbidden(
            "other_volunteer",
            "you can see only your own account (coordinators: only their own team's volunteers)",
        ),
        (Read::Roster(_), Principal::Coordinator(..)) => Rejection::forbidden(
            "other_team",
            "coordinators can only list their own team's volunteers",
        ),
        (
            Read::Roster(_) | Read::Tokens(_) | Read::TeamActivities(_),
            Principal::DistrictCoordinator(..),
        ) => Rejection::forbidden(
            "other_district",
            "district coordinators name one of their district's teams (?team_id=...)",
        ),
        (Read::Roster(_), _) => {
            Rejection::forbidden("not_allowed", "volunteers cannot list other volunteers")
        }
        (Read::Partners { .. }, _) => Rejection::forbidden(
            "no_shared_group",
            "a joint activity is organised with teams of a group your team belongs to",
        ),
        (Read::Tokens(_), Principal::Coordinator(..)) => Rejection::forbidden(
            "other_team",
            "coordinators can list only their own volunteers' cards",
        ),
        (Read::Tokens(_), _) => Rejection::forbidden(
            "not_allowed",
            "tokens are listed for administrators, auditors and coordinators (their volunteers' cards)",
        ),
        (Read::GroupRoster(_), _) => Rejection::forbidden(
            "other_group",
            "a group's volunteers are listed for its coordinator, administrators and auditors",
        ),
        (Read::Activity(..), _) => {
            Rejection::forbidden("other_team", "this activity belongs to another team")
        }
        (Read::TeamActivities(_), Principal::Coordinator(..)) => Rejection::forbidden(
            "other_team",
            "coordinators can only list their own team's activities",
        ),
        (Read::TeamActivities(_), _) => Rejection::forbidden(
            "not_allowed",
            "volunteers see their activities in their statement",
        ),
        (Read::Redemption(_), _) => {
            Rejection::forbidden("other_volunteer", "this redemption belongs to someone else")
        }
        (Read::Redemptions(_), _) => Rejection::forbidden(
            "other_volunteer",
            "volunteers can list only their own redemptions",
        ),
        (Read::Projects, _) => Rejection::forbidden(
            "not_allowed",
            "projects are for coordinators, administrators and auditors",
        ),
        (Read::Evaluation, _) => Rejection::forbidden(
            "staff_only",
            "the evaluation is for coordinators, administrators and auditors",
        ),
        (Read::Audit, _) => Rejection::forbidden(
            "auditors_only",
            "only auditors and administrators can read the event log",
        ),
        (Read::AccessLog, _) => Rejection::forbidden(
            "auditors_only",
            "only auditors read the access log (it records what staff, administrators too, looked at)",
        ),
        (Read::StationQueue(_), Principal::StationClerk(..)) => Rejection::forbidden(
            "other_station",
            "a clerk works the counter of their own station only",
        ),
        (Read::StationQueue(_), _) => Rejection::forbidden(
            "not_allowed",
            "a station's counter is for its clerks, administrators and auditors",
        ),
        (Read::CounterLookup, _) => Rejection::forbidden(
            "not_allowed",
            "finding a volunteer at the counter is for station clerks and administrators",
        ),
        (Read::BankVouchers(_), _) => Rejection::forbidden(
            "other_bank",
            "a bank's rate vouchers are for that bank's officers, administrators and auditors",
        ),
        (Read::Published, _) => Rejection::forbidden("not_allowed", "not allowed"),
    })
}

/// Whether `who` may read `what`, without the reason (to filter lists and hide links).
pub fn can_read(who: &Principal, what: &Read<'_>) -> bool {
    may_read(who, what).is_ok()
}

/// The team a caller's reads default to: a coordinator's own team (a district coordinator
/// names one of the district's).
pub fn own_team(who: &Principal) -> Option<TeamId> {
    match who {
        Principal::Coordinator(_, team) => Some(*team),
        _ => None,
    }
}

/// Whether `who` may make the change `what`; the refusal says why not. Auditors change
/// nothing, whatever the change.
pub fn may_write(who: &Principal, what: &Write<'_>) -> Result<(), Rejection> {
    may_change_anything(who)?;
    let admin = who.is_admin();
    match *what {
        Write::Administer(action) => admin_only(admin, action),
        Write::RegisterVolunteer(team) => team_scope(who, team, "register volunteers"),
        Write::VolunteerDetails(volunteer, team) => match who {
            Principal::Volunteer(_, me) if *me == volunteer => Ok(()),
            Principal::Volunteer(..) => Err(Rejection::forbidden(
                "other_volunteer",
                "volunteers can change only their own details",
            )),
            _ => team_scope(who, team, "change volunteers' details"),
        },
        Write::LogActivity(team) => match who {
            Principal::Coordinator(_, mine) if *mine == team => Ok(()),
            Principal::DistrictCoordinator(_, d) if d.covers(&team) => Ok(()),
            Principal::System => Ok(()),
            Principal::DistrictCoordinator(..) => Err(Rejection::forbidden(
                "other_district",
                "district coordinators log activities for their district's teams only",
            )),
            Principal::Coordinator(..) => Err(Rejection::forbidden(
                "other_team",
                "coordinators can only log activities for their own team",
            )),
            _ => Err(Rejection::forbidden(
                "not_allowed",
                "only the team's coordinator logs activities",
            )),
        },
        Write::ReverseActivity(team) => match who {
            Principal::Coordinator(_, mine) if *mine != team => Err(Rejection::forbidden(
                "other_team",
                "coordinators can only reverse their own team's activities",
            )),
            Principal::DistrictCoordinator(_, d) if !d.covers(&team) => Err(Rejection::forbidden(
                "other_district",
                "district coordinators can only reverse their district's teams' activities",
            )),
            Principal::Volunteer(..) | Principal::GroupCoordinator(..) | Principal::StationClerk(..) | Principal::BankOfficer(..) => Err(Rejection::forbidden(
                "not_allowed",
                "only the team's coordinator or an administrator can reverse an activity (a group's coordinator: the group's joint activities)",
            )),
            _ => Ok(()),
        },
        Write::OpenDispute(..) | Write::ResolveDispute(..) => dispute_access(who, what),
        Write::CorrectActivity(team) => match who {
            Principal::Coordinator(_, mine) if *mine != team => Err(Rejection::forbidden(
                "other_team",
                "coordinators can only correct their own team's activities",
            )),
            Principal::DistrictCoordinator(_, d) if !d.covers(&team) => Err(Rejection::forbidden(
                "other_district",
                "district coordinators can only correct their district's teams' activities",
            )),
            Principal::Volunteer(..) | Principal::GroupCoordinator(..) | Principal::StationClerk(..) | Principal::BankOfficer(..) => Err(Rejection::forbidden(
                "not_allowed",
                "only the team's coordinator or an administrator can correct an activity (a group's coordinator: the group's joint activities)",
            )),
            _ => Ok(()),
        },
        Write::Redeem(volunteer) => match who {
            Principal::Volunteer(_, me) if *me != volunteer => Err(Rejection::forbidden(
                "other_volunteer",
                "volunteers can only redeem their own points",
            )),
            Principal::Coordinator(..)
            | Principal::GroupCoordinator(..)
            | Principal::DistrictCoordinator(..)
            | Principal::BankOfficer(..) => Err(Rejection::forbidden(
                "not_allowed",
                "coordinators cannot redeem for volunteers; the volunteer or a station clerk does",
            )),
            _ => Ok(()),
        },
        Write::HandOver(station) | Write::Restock(station) => match who {
            Principal::StationClerk(_, mine) if *mine == station => Ok(()),
            Principal::StationClerk(..) => Err(Rejection::forbidden(
                "other_station",
                "a clerk hands over and restocks at their own station only",
            )),
            _ => admin_only(
                admin,
                "work the counter (hand over, restock); a station clerk does too",
            ),
        },
        Write::UseVoucher(bank) => bank_scope(who, bank),
        Write::CancelRedemption(volunteer, station) => match who {
            Principal::Volunteer(_, me) if *me != volunteer => Err(Rejection::forbidden(
                "other_volunteer",
                "volunteers can only cancel their own redemptions",
            )),
            // As a hand-over: a clerk at another station has no say over this hold.
            Principal::StationClerk(_, mine) if *mine != station => Err(Rejection::forbidden(
                "other_station",
                "a clerk cancels holds for pickup at their own station only",
            )),
            Principal::Coordinator(..)
            | Principal::GroupCoordinator(..)
            | Principal::DistrictCoordinator(..)
            | Principal::BankOfficer(..) => Err(Rejection::forbidden(
                "not_allowed",
                "only the volunteer or a station clerk can cancel a redemption",
            )),
            _ => Ok(()),
        },
        Write::IssueToken(role, volunteer_team) => match who {
            Principal::System | Principal::Admin(_) => Ok(()),
            Principal::Coordinator(..) | Principal::DistrictCoordinator(..)
                if role == Role::Volunteer
                    && volunteer_team.is_some_and(|t| covers_team(who, &t)) =>
            {
                Ok(())
            }
            _ => Err(Rejection::forbidden(
                "not_allowed",
                "only administrators issue tokens (coordinators may issue sign-in cards for their own volunteers)",
            )),
        },
        Write::ManageToken(role, volunteer_team) => match who {
            Principal::System | Principal::Admin(_) => Ok(()),
            Principal::Coordinator(..) | Principal::DistrictCoordinator(..)
                if role == Role::Volunteer
                    && volunteer_team.is_some_and(|t| covers_team(who, &t)) =>
            {
                Ok(())
            }
            Principal::Coordinator(..) | Principal::DistrictCoordinator(..) => {
                Err(Rejection::forbidden(
                    "other_team",
                    "coordinators can stop and replace only their own volunteers' cards",
                ))
            }
            _ => Err(Rejection::forbidden(
                "not_allowed",
                "only administrators, and coordinators for their volunteers' cards, stop or replace tokens",
            )),
        },
        Write::LogJointActivity(group) => group_scope(who, group, "log joint activities"),
        Write::ManageGroup(group) => group_scope(who, group, "manage the group"),
        Write::RegisterProject(owner) => match (who, owner) {
            (Principal::System | Principal::Admin(_), _) => Ok(()),
            (Principal::Coordinator(..) | Principal::DistrictCoordinator(..), ProjectOwner::Team(t))
                if covers_team(who, &t) =>
            {
                Ok(())
            }
            (Principal::GroupCoordinator(_, mine), ProjectOwner::Group(g)) if *mine == g => Ok(()),
            _ => Err(Rejection::forbidden(
                "not_allowed",
                "only administrators, or a team's coordinator for the team's own projects, register projects",
            )),
        },
        Write::ChangeProject(owner) => match (who, owner) {
            (Principal::System | Principal::Admin(_), _) => Ok(()),
            (Principal::Coordinator(..) | Principal::DistrictCoordinator(..), ProjectOwner::Team(t))
                if covers_team(who, &t) =>
            {
                Ok(())
            }
            (Principal::GroupCoordinator(_, mine), ProjectOwner::Group(g)) if *mine == g => Ok(()),
            _ => Err(Rejection::forbidden(
                "not_allowed",
                "only administrators, or the owning team's coordinator, change a project's status",
            )),
        },
    }
}

/// Refuses every change to a read-only caller (an auditor), before anything else is looked
/// at.
pub fn may_change_anything(who: &Principal) -> Result<(), Rejection> {
    if matches!(who, Principal::Auditor(_)) {
        return Err(Rejection::forbidden(
            "read_only",
            "auditors have read-only access and cannot change anything",
        ));
    }
    Ok(())
}

/// Whether `who` may make the change `what`, without the reason (to show or hide a form).
pub fn can_write(who: &Principal, what: &Write<'_>) -> bool {
    may_write(who, what).is_ok()
}

fn admin_only(admin: bool, action: &str) -> Result<(), Rejection> {
    if admin {
        Ok(())
    } else {
        Err(Rejection::forbidden(
            "admin_only",
            format!("only administrators can {action}"),
        ))
    }
}

fn group_scope(who: &Principal, group: GroupId, action: &str) -> Result<(), Rejection> {
    match who {
        Principal::System | Principal::Admin(_) => Ok(()),
        Principal::GroupCoordinator(_, mine) if *mine == group => Ok(()),
        Principal::GroupCoordinator(..) => Err(Rejection::forbidden(
            "other_group",
            format!("group coordinators can only {action} for their own group"),
        )),
        _ => Err(Rejection::forbidden(
            "not_allowed",
            format!("only the group's coordinator and administrators can {action}"),
        )),
    }
}

fn bank_scope(who: &Principal, bank: &str) -> Result<(), Rejection> {
    match who {
        Principal::BankOfficer(_, mine) if &**mine == bank => Ok(()),
        Principal::BankOfficer(..) => Err(Rejection::forbidden(
            "other_bank",
            "a bank officer takes their own bank's vouchers only",
        )),
        _ => Err(Rejection::forbidden(
            "bank_only",
            "only the bank's officers take or refuse its vouchers",
        )),
    }
}

/// Who may open and resolve disputes (see [`Write::OpenDispute`], [`Write::ResolveDispute`]).
fn dispute_access(who: &Principal, what: &Write<'_>) -> Result<(), Rejection> {
    match *what {
        Write::OpenDispute(volunteer, team) => match who {
            Principal::Volunteer(_, me) if *me == volunteer => Ok(()),
            Principal::Volunteer(..) => Err(Rejection::forbidden(
                "other_volunteer",
                "volunteers can dispute only their own entries",
            )),
            Principal::StationClerk(..) => Ok(()),
            _ => team_scope(who, team, "open disputes"),
        },
        Write::ResolveDispute(team, escalated) => match who {
            Principal::Coordinator(..) if escalated => Err(Rejection::forbidden(
                "escalated",
                "this dispute went up to the district coordinator; it is theirs to resolve now",
            )),
            _ => team_scope(who, team, "resolve disputes"),
        },
        _ => Err(Rejection::forbidden("not_allowed", "not a dispute")),
    }
}

fn team_scope(who: &Principal, team: TeamId, action: &str) -> Result<(), Rejection> {
    match who {
        Principal::System | Principal::Admin(_) => Ok(()),
        Principal::Coordinator(_, mine) if *mine == team => Ok(()),
        Principal::DistrictCoordinator(_, d) if d.covers(&team) => Ok(()),
        Principal::DistrictCoordinator(..) => Err(Rejection::forbidden(
            "other_district",
            format!("district coordinators can only {action} for their district's teams"),
        )),
        Principal::Coordinator(..) => Err(Rejection::forbidden(
            "other_team",
            format!("coordinators can only {action} for their own team"),
        )),
        _ => Err(Rejection::forbidden(
            "not_allowed",
            format!("only coordinators and administrators can {action}"),
        )),
    }
}
