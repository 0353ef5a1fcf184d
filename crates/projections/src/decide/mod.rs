//! `decide`: every command checked against the state before anything is appended.
//!
//! Pure: the same state, command and context always give the same events or the same
//! rejection. The checks follow one order so a caller gets the most useful error first:
//! who is asking (an unknown or revoked token, an auditor: 403), the shape of the input
//! (422), whether the things it names exist (404), whether this caller may touch them (403,
//! through [`crate::access`]), and finally whether the state allows it (409: insufficient
//! points, out of stock, already settled). A change that names no existing thing (a new
//! volunteer in a team, a new project of a team) checks the caller's scope before the
//! team's existence, so a coordinator cannot probe other teams' ids.
//!
//! One module per area: [`people`] (teams and volunteers), [`activities`] (service),
//! [`rules`] (the earning rules and re-rating), [`catalogue`] (rewards and redemptions),
//! [`tokens`], [`organisation`] (districts, groups, projects, scoring).

use yinling_ledger::writer::Context;
use yinling_ledger::{Actor, Commit, Role};

use crate::access;
use crate::command::Command;
use crate::policy::Policy;
use crate::principal::Principal;
use crate::rejection::Rejection;
use crate::state::State;

mod activities;
mod catalogue;
mod categories;
pub mod confirmations;
mod disputes;
mod joint;
mod money;
mod onboarding;
mod organisation;
mod people;
mod policies;
mod privacy;
mod rules;
mod stars;
mod stations;
mod tokens;

pub use catalogue::{unkeyed_pickup_code, unkeyed_pickup_code_digest};
pub use onboarding::{check_carried, check_joined};
pub use stations::unkeyed_pin_digest;

/// Resolves the actor of a command into a principal, refusing unknown and revoked tokens and
/// tokens past their last day (on the day of `now`, the ledger's calendar).
pub fn principal(
    state: &State,
    actor: &Actor,
    now: yinling_ledger::Timestamp,
) -> Result<Principal, Rejection> {
    let Some(token_id) = actor.token_id else {
        return if actor.role == Role::System {
            Ok(Principal::System)
        } else {
            Err(Rejection::forbidden(
                "no_token",
                "this request carries no access token",
            ))
        };
    };
    let token = state.tokens.get(&token_id).ok_or_else(|| {
        Rejection::forbidden(
            "unknown_token",
            "this access token is not known to the ledger",
        )
    })?;
    if token.revoked_at.is_some() {
        return Err(Rejection::forbidden(
            "token_revoked",
            "this access token has been revoked; ask an administrator for a new one",
        ));
    }
    if let Some(last) = token
        .last_day
        .filter(|_| token.past_last_day(state.policies.date_of(now)))
    {
        return Err(Rejection::forbidden(
            "token_expired",
            format!("this access token's last day was {last}; ask an administrator for a new one or a later last day"),
        ));
    }
    Principal::from_token(token, state).ok_or_else(|| {
        Rejection::forbidden("unknown_token", "this access token has no usable role")
    })
}

/// Decides a command: the commits to append, or why not.
pub fn decide(
    state: &State,
    policy: &Policy,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    let who = principal(state, &context.actor, context.now)?;
    access::may_change_anything(&who)?;
    let who = &who;
    match command {
        Command::RegisterTeam {
            team_id,
            name,
            district,
            category,
        } => people::register_team(state, who, *team_id, name, district, *category),
        Command::RegisterVolunteer {
            volunteer_id,
            name,
            team_id,
            birth_year,
            consent,
        } => people::register_volunteer(
            state,
            who,
            context,
            *volunteer_id,
            (name, *team_id, *birth_year),
            consent.as_ref(),
        ),
        Command::MoveVolunteer {
            volunteer_id,
            to_team_id,
        } => people::move_volunteer(state, who, volunteer_id, to_team_id),
        Command::LogActivity(activity) => activities::log(state, who, context, activity),
        Command::ReverseActivity {
            activity_id,
            reason,
        } => activities::reverse(state, who, activity_id, reason),
        Command::CorrectParticipation {
            activity_id,
            volunteer_id,
            hours,
            reason,
        } => activities::correct(
            state,
            (who, context),
            (activity_id, volunteer_id, *hours),
            reason,
        ),
        Command::ChangeRules { .. }
        | Command::AdoptEarningRules(_)
        | Command::RegisterCategory { .. }
        | Command::RenameCategory { .. }
        | Command::RetireCategory { .. }
        | Command::RerateServices { .. }
        | Command::AdoptStarScale { .. }
        | Command::ConfirmStar { .. }
        | Command::SetPolicy { .. } => decide_policy(state, who, command, context),
        Command::ListReward { .. }
        | Command::RestockReward { .. }
        | Command::WriteOffStock { .. }
        | Command::OpenStation { .. }
        | Command::TransferStock { .. }
        | Command::RecordPhone { .. }
        | Command::SetPin { .. }
        | Command::RepriceReward { .. }
        | Command::RetireReward { .. }
        | Command::HoldRedemption { .. }
        | Command::FulfilRedemption { .. }
        | Command::CancelRedemption { .. }
        | Command::ExpireHolds => decide_station(state, who, policy, command, context),
        Command::UseVoucher { .. }
        | Command::RefuseVoucher { .. }
        | Command::CancelVoucher { .. }
        | Command::SetBankBudget { .. }
        | Command::ValueReward { .. }
        | Command::ReceiveStock { .. } => decide_money(state, who, command, context),
        Command::IssueToken(token) => tokens::issue(state, who, context, token),
        Command::RevokeToken { token_id } => tokens::revoke(state, who, context, token_id),
        Command::SetTokenLastDay { token_id, last_day } => {
            tokens::set_last_day(state, who, context, token_id, *last_day)
        }
        Command::ReplaceToken {
            token_id,
            new_token_id,
            secret_sha256,
            label,
        } => tokens::replace(state, who, token_id, (*new_token_id, *secret_sha256), label),
        Command::Import { row, source } => onboarding::import(state, who, context, row, source),
        Command::EndNotices => activities::end_notices(state, who, context),
        Command::RequestConfirmation { .. }
        | Command::ConfirmActivity { .. }
        | Command::WaiveConfirmation { .. }
        | Command::SetNoticeContacts { .. } => decide_trust(state, who, command, context),
        Command::OpenDispute {
            dispute_id,
            volunteer_id,
            activity_id,
            kind,
            reason,
        } => disputes::open(
            state,
            who,
            context,
            (*dispute_id, volunteer_id, *activity_id),
            (*kind, reason),
        ),
        Command::ResolveDispute {
            dispute_id,
            outcome,
            reason,
        } => disputes::resolve(state, who, context, dispute_id, (*outcome, reason)),
        Command::CorrectVolunteer { .. }
        | Command::EraseVolunteer { .. }
        | Command::RecordConsent { .. }
        | Command::WithdrawConsent { .. }
        | Command::PublishPrivacyNotice { .. }
        | Command::CorrectTeam { .. }
        | Command::CorrectDistrict { .. }
        | Command::ApproveBackfill { .. }
        | Command::DeclineBackfill { .. } => decide_records(state, who, command, context),
        Command::RegisterDistrict { name, kind, region } => {
            organisation::register_district(state, who, name, *kind, region)
        }
        Command::FoundGroup {
            group_id,
            name,
            purpose,
            founded_on,
        } => organisation::found_group(state, who, context, *group_id, name, purpose, *founded_on),
        Command::AddSubGroup {
            group_id,
            sub_group_id,
            name,
            added_on,
        } => organisation::add_sub_group(
            state,
            who,
            context,
            (*group_id, *sub_group_id),
            name,
            *added_on,
        ),
        Command::JoinGroup {
            team_id,
            group_id,
            sub_group_id,
            joined_on,
        } => organisation::join_group(
            state,
            who,
            context,
            (*team_id, *group_id, *sub_group_id),
            *joined_on,
        ),
        Command::LeaveGroup {
            team_id,
            group_id,
            left_on,
        } => organisation::leave_group(state, who, context, *team_id, *group_id, *left_on),
        Command::RegisterProject(project) => organisation::register_project(state, who, project),
        Command::ChangeProjectStatus {
            project_id,
            status,
            on,
        } => organisation::change_project_status(state, who, context, project_id, *status, *on),
        Command::ChangeScoring { weights } => organisation::change_scoring(state, who, weights),
    }
}

/// Confirmation by the people served and where notices go.
fn decide_trust(
    state: &State,
    who: &Principal,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::RequestConfirmation {
            activity_id,
            number,
            code_digest,
            party,
        } => confirmations::request(
            state,
            who,
            context,
            (activity_id, *number, *code_digest),
            party,
        ),
        Command::ConfirmActivity {
            code_digest,
            name,
            role,
        } => confirmations::confirm(state, who, context, code_digest, (name, role)),
        Command::WaiveConfirmation {
            activity_id,
            reason,
        } => confirmations::waive(state, who, context, activity_id, reason),
        Command::SetNoticeContacts {
            volunteer_id,
            phone,
            relative,
        } => confirmations::contacts(
            state,
            who,
            volunteer_id,
            phone.as_deref(),
            relative.as_ref(),
        ),
        _ => Err(Rejection::invalid(
            "not_a_trust_command",
            "not a confirmation or contacts command",
        )),
    }
}

/// Corrections of records and the commands about personal data: a volunteer's, a team's or
/// a district's details corrected, erasure, consent and the privacy notice.
fn decide_records(
    state: &State,
    who: &Principal,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::ApproveBackfill { activity_id, note } => {
            activities::approve_backfill(state, who, context, activity_id, note)
        }
        Command::DeclineBackfill {
            activity_id,
            reason,
        } => activities::decline_backfill(state, who, activity_id, reason),
        Command::CorrectVolunteer {
            volunteer_id,
            name,
            birth_year,
            note,
        } => onboarding::correct_volunteer(
            state,
            who,
            context,
            volunteer_id,
            (name, *birth_year),
            note,
        ),
        Command::EraseVolunteer {
            volunteer_id,
            requested_by,
            requested_on,
            legal_basis,
        } => privacy::erase(
            state,
            who,
            context,
            volunteer_id,
            (requested_by, *requested_on, legal_basis),
        ),
        Command::RecordConsent {
            volunteer_id,
            consent,
            given_on,
        } => privacy::consent(
            state,
            who,
            context,
            volunteer_id,
            (
                &consent.purpose,
                consent.notice_version,
                *given_on,
                &consent.collected_by,
            ),
        ),
        Command::WithdrawConsent {
            volunteer_id,
            purpose,
            withdrawn_on,
        } => privacy::withdraw(state, who, context, volunteer_id, (purpose, *withdrawn_on)),
        Command::PublishPrivacyNotice {
            text_zh,
            text_en,
            published_on,
        } => privacy::publish_notice(state, who, context, (text_zh, text_en, *published_on)),
        Command::CorrectTeam {
            team_id,
            name,
            category,
            note,
        } => onboarding::correct_team(state, who, team_id, (name, *category), note),
        Command::CorrectDistrict {
            name,
            kind,
            region,
            note,
        } => onboarding::correct_district(state, who, name, (*kind, region), note),
        _ => Err(Rejection::invalid(
            "not_a_record_command",
            "this command is not a correction or a personal-data command",
        )),
    }
}

/// The commands of the e-stations: the catalogue, the stations and their stock, the
/// counter details of volunteers, redemptions.
fn decide_station(
    state: &State,
    who: &Principal,
    policy: &Policy,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::ListReward {
            reward_id,
            name,
            kind,
            cost_points,
            stock,
        } => catalogue::list(state, who, *reward_id, name, kind, *cost_points, *stock),
        Command::RestockReward {
            reward_id,
            quantity,
            station_id,
        } => stations::restock(state, who, reward_id, *quantity, *station_id),
        Command::WriteOffStock {
            reward_id,
            quantity,
            station_id,
            reason,
        } => stations::write_off(state, who, reward_id, *quantity, *station_id, reason),
        Command::OpenStation {
            station_id,
            name,
            district,
            address,
            opening_hours,
        } => stations::open(
            state,
            who,
            stations::NewStation {
                station_id: *station_id,
                name,
                district,
                address,
                opening_hours,
            },
        ),
        Command::TransferStock {
            reward_id,
            from_station,
            to_station,
            quantity,
            note,
        } => stations::transfer(
            state,
            who,
            stations::Transfer {
                reward_id: *reward_id,
                from: *from_station,
                to: *to_station,
                quantity: *quantity,
                note,
            },
        ),
        Command::RecordPhone {
            volunteer_id,
            last_four,
        } => stations::record_phone(state, who, volunteer_id, last_four),
        Command::SetPin { volunteer_id, pin } => {
            stations::set_pin(state, who, volunteer_id, pin.as_ref())
        }
        Command::RepriceReward {
            reward_id,
            cost_points,
        } => catalogue::reprice(state, who, reward_id, *cost_points),
        Command::RetireReward { reward_id } => catalogue::retire(state, who, reward_id),
        Command::HoldRedemption {
            redemption_id,
            volunteer_id,
            reward_id,
            quantity,
            station_id,
            proof,
            pickup_code_digest,
        } => catalogue::hold(
            state,
            who,
            policy,
            context,
            catalogue::Hold {
                redemption_id: *redemption_id,
                volunteer_id: *volunteer_id,
                reward_id: *reward_id,
                quantity: *quantity,
                station_id: *station_id,
                proof: proof.as_ref(),
                pickup_code_digest: *pickup_code_digest,
            },
        ),
        Command::FulfilRedemption {
            redemption_id,
            pickup_code,
            pickup_code_digest,
            card_sha256,
            voucher_code_digest,
        } => catalogue::fulfil(
            state,
            who,
            context,
            (
                redemption_id,
                pickup_code.as_deref(),
                *pickup_code_digest,
                card_sha256.as_ref(),
            ),
            *voucher_code_digest,
        ),
        Command::CancelRedemption {
            redemption_id,
            reason,
        } => catalogue::cancel(state, who, redemption_id, reason),
        Command::ExpireHolds => catalogue::expire(state, who, context),
        other => Err(Rejection::invalid(
            "not_a_station_command",
            format!("{other:?} is not a command of the e-stations"),
        )),
    }
}

/// The commands of money: the partner banks' rate vouchers and budgets, what a reward is
/// worth and what its stock cost.
fn decide_money(
    state: &State,
    who: &Principal,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::UseVoucher {
            code_digest,
            product,
            amount_yuan,
            used_on,
        } => money::use_voucher(
            state,
            who,
            context,
            money::Use {
                code_digest: *code_digest,
                product: *product,
                amount_yuan: *amount_yuan,
                used_on: *used_on,
            },
        ),
        Command::RefuseVoucher {
            code_digest,
            reason,
        } => money::refuse_voucher(state, who, context, code_digest, reason),
        Command::CancelVoucher {
            redemption_id,
            reason,
            return_points,
        } => money::cancel_voucher(state, who, redemption_id, reason, *return_points),
        Command::SetBankBudget {
            bank,
            year,
            vouchers,
            bonus_yuan,
            note,
        } => money::set_budget(state, who, bank, *year, *vouchers, *bonus_yuan, note),
        Command::ValueReward {
            reward_id,
            unit_value_yuan,
            supplier,
        } => money::value_reward(state, who, reward_id, *unit_value_yuan, supplier),
        Command::ReceiveStock {
            reward_id,
            station_id,
            quantity,
            unit_cost_yuan,
            supplier,
        } => money::receive_stock(
            state,
            who,
            reward_id,
            (*station_id, *quantity),
            *unit_cost_yuan,
            supplier,
        ),
        other => Err(Rejection::invalid(
            "not_a_money_command",
            format!("{other:?} is not a command of the money side"),
        )),
    }
}

/// The commands that change policy: the earning rules, the categories, the star scale.
fn decide_policy(
    state: &State,
    who: &Principal,
    command: &Command,
    context: &Context,
) -> Result<Vec<Commit>, Rejection> {
    match command {
        Command::ChangeRules {
            default_points_per_hour,
            rates,
        } => rules::change_rules(state, who, context, *default_points_per_hour, rates),
        Command::AdoptEarningRules(r) => rules::adopt(state, who, r),
        Command::RegisterCategory {
            code,
            label_zh,
            label_en,
            default_points_per_hour,
            active_from,
            active_until,
        } => categories::register(
            state,
            who,
            code,
            label_zh,
            label_en,
            *default_points_per_hour,
            *active_from,
            *active_until,
        ),
        Command::RenameCategory {
            category,
            label_zh,
            label_en,
        } => categories::rename(state, who, *category, label_zh, label_en),
        Command::RetireCategory {
            category,
            last_day,
            reason,
        } => categories::retire(state, who, *category, *last_day, reason),
        Command::RerateServices { from, to, reason } => {
            rules::rerate(state, who, *from, *to, reason)
        }
        Command::AdoptStarScale {
            thresholds_hours,
            review,
            note,
        } => stars::adopt(state, who, thresholds_hours, *review, note),
        Command::ConfirmStar {
            volunteer_id,
            level,
            note,
        } => stars::confirm(state, who, volunteer_id, *level, note),
        Command::SetPolicy { change, note } => policies::set(state, who, change, note),
        other => Err(Rejection::invalid(
            "not_a_policy",
            format!("{other:?} does not change a policy"),
        )),
    }
}
