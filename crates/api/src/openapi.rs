//! The OpenAPI document, generated from the handlers and types themselves.

use std::sync::OnceLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::*;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yinling",
        description = "Event-sourced volunteer points and reward ledger. Decimal amounts travel as strings; errors are application/problem+json.",
    ),
    paths(
        teams::create, teams::list, teams::get,
        volunteers::create, volunteers::search, volunteers::get, volunteers::statement, volunteers::move_team,
        activities::create, activities::list, activities::get, activities::reverse, activities::correct,
        rewards::create, rewards::list, rewards::restock, rewards::write_off, rewards::reprice, rewards::retire,
        rules::get_rules, rules::put_rules, rules::versions, rules::adopt, rules::preview, rules::rerate,
        categories::list, categories::get, categories::create, categories::rename, categories::retire,
        stars::scale, stars::adopt, stars::pending, stars::confirm,
        policies::get, policies::hold_time, policies::backfill_limit, backfills::list, backfills::approve, backfills::decline,
        redemptions::create, redemptions::list, redemptions::get, redemptions::fulfil, redemptions::cancel,
        rankings::teams, rankings::volunteers, rankings::districts, rankings::groups, rankings::stats,
        organisation::create_district, organisation::list_districts,
        organisation::create_group, organisation::list_groups, organisation::get_group,
        organisation::add_sub_group, organisation::join_group, organisation::leave_group,
        organisation::create_project, organisation::list_projects, organisation::get_project, organisation::change_project_status,
        evaluation::evaluate, evaluation::team_scores, evaluation::get_scoring, evaluation::put_scoring,
        audit::feed, audit::head, audit::verify, audit::access_log,
        tokens::create, tokens::revoke, tokens::list, tokens::replace, tokens::set_last_day,
        stations::open, stations::list, stations::station_queue, stations::transfer, stations::lookup,
        stations::phone, stations::pin, stations::vouchers,
        money::check, money::use_voucher, money::refuse, money::cancel, money::set_budget, money::get_budget,
        money::value, money::receive, money::suppliers, money::banks, money::redeemed_value, money::coverage_report,
        policies::voucher_validity, policies::point_value, policies::coverage_warning, policies::notice_period, policies::dispute_escalation,
        onboard::upload,
        disputes::open, disputes::resolve, disputes::list,
        privacy::erase, privacy::consent, privacy::withdraw, privacy::publish, privacy::notices,
        trust::give_code, trust::waive, trust::to_confirm, trust::confirm, trust::contacts, trust::of_volunteer, trust::outbox,
        policies::confirmation_required,
        transparency::tree, transparency::inclusion, transparency::consistency, transparency::checkpoint, transparency::checkpoints, transparency::checkpoint_key,
        system::healthz, system::metrics, serve,
    ),
    components(schemas(
        crate::error::Problem, yinling_app::wire::Amount, yinling_app::wire::Day, yinling_app::wire::CategoryCode, yinling_app::wire::RoleName,
        rankings::RankByName, redemptions::StatusName, rewards::RewardKindName,
        organisation::DistrictKindName, organisation::ProjectStatusName, evaluation::SubjectName,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "teams"), (name = "volunteers"), (name = "activities"), (name = "rewards"),
        (name = "rules"), (name = "stars"), (name = "redemptions"), (name = "rankings"), (name = "audit"),
        (name = "tokens"), (name = "organisation"), (name = "evaluation"), (name = "system"),
        (name = "stations"), (name = "vouchers"), (name = "reports"), (name = "onboarding"),
    )
)]
struct ApiDoc;

/// The document (built once).
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// This service's OpenAPI document (anyone).
#[utoipa::path(get, path = "/openapi.json", tag = "system", responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn serve() -> impl axum::response::IntoResponse {
    axum::Json(document().clone())
}
