//! Districts, cross-region groups with their sub-groups and memberships, and the project list.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yinling_app::reports::evaluation::{figures_out, FiguresOut};
use yinling_app::reports::teams::TallyOut;
use yinling_app::wire::Day;
use yinling_app::App;
use yinling_ledger::{
    DistrictKind, DistrictRegistered, GroupFounded, GroupId, ProjectId, ProjectOwner,
    ProjectRegistered, ProjectStatus, ProjectStatusChanged, SubGroupAdded, TeamId, TeamJoinedGroup,
    TeamLeftGroup,
};
use yinling_projections::access::{self, Read};
use yinling_projections::categories::Categories;
use yinling_projections::evaluation::{Period, Subject};
use yinling_projections::organisation::Project;
use yinling_projections::{checks, Command, State as LedgerState};

use super::{created, written, AsOfParam};
use crate::error::{ApiError, Problem};
use crate::extract::{body_id, optional_body_id, path_id, ApiJson, ApiQuery, Auth, IdempotencyKey};

/// 区 or 县 (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DistrictKindName {
    /// 区.
    District,
    /// 县.
    County,
}

/// Where a project stands (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ProjectStatusName {
    /// Registered, not started.
    Planned,
    /// Under way.
    Running,
    /// Finished.
    Closed,
}

/// Body of `POST /v1/districts`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDistrict {
    /// Name, e.g. 南浔区.
    #[schema(min_length = 1)]
    pub name: String,
    /// `district` (区) or `county` (县).
    #[schema(value_type = DistrictKindName)]
    pub kind: DistrictKind,
    /// The region, e.g. 湖州市.
    #[schema(min_length = 1)]
    pub region: String,
}

/// A district with its figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictInfo {
    /// Name.
    pub name: String,
    /// `district` or `county` (absent for a name used before registration).
    #[schema(value_type = Option<DistrictKindName>)]
    pub kind: Option<DistrictKind>,
    /// Region.
    pub region: String,
    /// Teams.
    pub teams: usize,
    /// Volunteers.
    pub volunteers: u64,
    /// Totals.
    pub tally: TallyOut,
}

/// The districts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictList {
    /// By name.
    pub items: Vec<DistrictInfo>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Body of `POST /v1/groups`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Name, e.g. 银雁协共体.
    #[schema(min_length = 1)]
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub purpose: String,
    /// Founding day.
    pub founded_on: Day,
}

/// Body of `POST /v1/groups/{id}/sub-groups`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubGroup {
    /// Name, e.g. 文旅.
    #[schema(min_length = 1)]
    pub name: String,
    /// From when.
    pub added_on: Day,
}

/// Body of `POST /v1/groups/{id}/members`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The team.
    #[schema(format = Uuid)]
    pub team_id: String,
    /// The sub-group, if any.
    #[schema(format = Uuid)]
    pub sub_group_id: Option<String>,
    /// First day of membership.
    pub joined_on: Day,
}

/// Body of `POST /v1/groups/{id}/members/{team_id}/leave`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Leaving {
    /// First day no longer a member.
    pub left_on: Day,
}

/// A membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    /// The team.
    pub team_id: String,
    /// Its name.
    pub team_name: String,
    /// The sub-group, if any.
    pub sub_group_id: Option<String>,
    /// First day.
    pub joined_on: Day,
    /// First day no longer a member.
    pub left_on: Option<Day>,
}

/// A group or sub-group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Purpose.
    pub purpose: String,
    /// Founded or added.
    pub founded_on: Day,
    /// The group a sub-group belongs to.
    pub parent_id: Option<String>,
    /// Sub-groups (of a group).
    pub sub_groups: Vec<SubGroupOut>,
    /// Memberships (of a group).
    pub members: Vec<MemberOut>,
}

/// A sub-group in its group.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubGroupOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    /// Groups, then their sub-groups.
    pub items: Vec<GroupOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

fn group_out(state: &LedgerState, id: &GroupId) -> Option<GroupOut> {
    let g = state.groups.get(id)?;
    Some(GroupOut {
        id: g.id.to_string(),
        name: g.name.clone(),
        purpose: g.purpose.clone(),
        founded_on: Day(g.founded_on),
        parent_id: g.parent.map(|p| p.to_string()),
        sub_groups: g
            .sub_groups
            .iter()
            .filter_map(|s| {
                state.groups.get(s).map(|s| SubGroupOut {
                    id: s.id.to_string(),
                    name: s.name.clone(),
                })
            })
            .collect(),
        members: g
            .memberships
            .iter()
            .map(|m| MemberOut {
                team_id: m.team_id.to_string(),
                team_name: state
                    .teams
                    .get(&m.team_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                sub_group_id: m.sub_group_id.map(|s| s.to_string()),
                joined_on: Day(m.joined_on),
                left_on: m.left_on.map(Day),
            })
            .collect(),
    })
}

/// Body of `POST /v1/projects`: name exactly one of `team_id` and `group_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// The team running it.
    #[schema(format = Uuid)]
    pub team_id: Option<String>,
    /// Or the group running it.
    #[schema(format = Uuid)]
    pub group_id: Option<String>,
    /// Title.
    #[schema(min_length = 1)]
    pub title: String,
    /// Kind of service.
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
    /// The goal, in words.
    #[serde(default)]
    pub goal: String,
    /// First day.
    pub starts_on: Day,
    /// Last day, if fixed.
    pub ends_on: Option<Day>,
    /// Status at registration (default `planned`).
    #[schema(value_type = Option<ProjectStatusName>)]
    pub status: Option<ProjectStatus>,
}

/// Body of `POST /v1/projects/{id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The new status.
    #[schema(value_type = ProjectStatusName)]
    pub status: ProjectStatus,
    /// From when.
    pub on: Day,
}

/// A project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    /// Id.
    pub id: String,
    /// Team running it.
    pub team_id: Option<String>,
    /// Or group running it.
    pub group_id: Option<String>,
    /// Title.
    pub title: String,
    /// Kind of service.
    #[schema(value_type = yinling_app::wire::CategoryCode)]
    pub category: String,
    /// Goal.
    pub goal: String,
    /// First day.
    pub starts_on: Day,
    /// Last day.
    pub ends_on: Option<Day>,
    /// Status.
    #[schema(value_type = ProjectStatusName)]
    pub status: ProjectStatus,
    /// Activities logged under it.
    pub activities: usize,
}

/// A project with what it achieved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    /// The project.
    pub project: ProjectOut,
    /// Its figures over its whole life.
    pub figures: FiguresOut,
    /// Its activities, newest first.
    pub activities: Vec<super::activities::ActivityOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Projects.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    /// By start date.
    pub items: Vec<ProjectOut>,
    /// The seq the answer reflects.
    pub as_of: u64,
}

/// Project filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Only this team's.
    pub team_id: Option<String>,
    /// Only this group's.
    pub group_id: Option<String>,
    /// As of a past seq.
    #[param(minimum = 0)]
    pub as_of: Option<u64>,
}

fn project_out(categories: &Categories, p: &Project) -> ProjectOut {
    let (team_id, group_id) = match p.owner {
        ProjectOwner::Team(t) => (Some(t.to_string()), None),
        ProjectOwner::Group(g) => (None, Some(g.to_string())),
    };
    ProjectOut {
        id: p.id.to_string(),
        team_id,
        group_id,
        title: p.title.clone(),
        category: categories.code(&p.category),
        goal: p.goal.clone(),
        starts_on: Day(p.starts_on),
        ends_on: p.ends_on.map(Day),
        status: p.status,
        activities: p.activities.len(),
    }
}

/// A membership as changed: a team joined a group (or a sub-group of it), or left it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipOut {
    /// The group.
    pub group_id: String,
    /// The team.
    pub team_id: String,
    /// The sub-group joined, if any.
    pub sub_group_id: Option<String>,
    /// First day of membership (when joining).
    pub joined_on: Option<Day>,
    /// First day no longer a member (when leaving).
    pub left_on: Option<Day>,
}

/// A project's status as changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectStatusOut {
    /// The project.
    pub id: String,
    /// Its new status.
    #[schema(value_type = ProjectStatusName)]
    pub status: ProjectStatus,
    /// From when.
    pub on: Day,
}

/// Register a district or county (admin).
#[utoipa::path(post, path = "/v1/districts", tag = "organisation", request_body = NewDistrict,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = NewDistrict), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_district(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewDistrict>,
) -> Result<Response, ApiError> {
    let command = Command::RegisterDistrict {
        name: body.value.name,
        kind: body.value.kind,
        region: body.value.region,
    };
    let w = app
        .submit::<DistrictRegistered>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let d = w.answer;
    Ok(created(
        "/v1/districts".into(),
        &w.receipt,
        NewDistrict {
            name: d.name,
            kind: d.kind,
            region: d.region,
        },
    ))
}

/// Every district with its figures (any authenticated caller).
#[utoipa::path(get, path = "/v1/districts", tag = "organisation", params(AsOfParam),
    responses((status = 200, body = DistrictList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_districts(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<DistrictList>, ApiError> {
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            Ok(DistrictList {
                items: state
                    .districts
                    .values()
                    .map(|d| DistrictInfo {
                        name: d.name.clone(),
                        kind: d.kind,
                        region: d.region.clone(),
                        teams: d.teams.len(),
                        volunteers: d.volunteers,
                        tally: (&d.tally).into(),
                    })
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// Found a cross-region group (admin).
#[utoipa::path(post, path = "/v1/groups", tag = "organisation", request_body = NewGroup,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = GroupOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_group(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewGroup>,
) -> Result<Response, ApiError> {
    let command = Command::FoundGroup {
        group_id: GroupId::generate(),
        name: body.value.name,
        purpose: body.value.purpose,
        founded_on: body.value.founded_on.0,
    };
    let w = app
        .submit::<GroupFounded>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let g = w.answer;
    let out = GroupOut {
        id: g.group_id.to_string(),
        name: g.name,
        purpose: g.purpose,
        founded_on: Day(g.founded_on),
        parent_id: None,
        sub_groups: Vec::new(),
        members: Vec::new(),
    };
    Ok(created(format!("/v1/groups/{}", out.id), &w.receipt, out))
}

/// Add a sub-group (admin).
#[utoipa::path(post, path = "/v1/groups/{id}/sub-groups", tag = "organisation", request_body = NewSubGroup,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = GroupOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn add_sub_group(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<NewSubGroup>,
) -> Result<Response, ApiError> {
    let group_id: GroupId = path_id(&id, "group")?;
    let command = Command::AddSubGroup {
        group_id,
        sub_group_id: GroupId::generate(),
        name: body.value.name,
        added_on: body.value.added_on.0,
    };
    let w = app
        .submit::<SubGroupAdded>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let s = w.answer;
    let out = GroupOut {
        id: s.sub_group_id.to_string(),
        name: s.name,
        purpose: String::new(),
        founded_on: Day(s.added_on),
        parent_id: Some(s.group_id.to_string()),
        sub_groups: Vec::new(),
        members: Vec::new(),
    };
    Ok(created(format!("/v1/groups/{}", out.id), &w.receipt, out))
}

/// A team joins a group, possibly in a sub-group, from a date (admin).
#[utoipa::path(post, path = "/v1/groups/{id}/members", tag = "organisation", request_body = NewMember,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = MembershipOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn join_group(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<NewMember>,
) -> Result<Response, ApiError> {
    let group_id: GroupId = path_id(&id, "group")?;
    let command = Command::JoinGroup {
        team_id: body_id(&body.value.team_id, "team_id")?,
        group_id,
        sub_group_id: optional_body_id(body.value.sub_group_id.as_deref(), "sub_group_id")?,
        joined_on: body.value.joined_on.0,
    };
    let w = app
        .submit::<TeamJoinedGroup>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let j = w.answer;
    Ok(written(
        &w.receipt,
        MembershipOut {
            group_id: j.group_id.to_string(),
            team_id: j.team_id.to_string(),
            sub_group_id: j.sub_group_id.map(|s| s.to_string()),
            joined_on: Some(Day(j.joined_on)),
            left_on: None,
        },
    ))
}

/// A team leaves a group from a date (admin).
#[utoipa::path(post, path = "/v1/groups/{id}/members/{team_id}/leave", tag = "organisation", request_body = Leaving,
    params(("id" = String, Path, format = Uuid), ("team_id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = MembershipOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn leave_group(
    State(app): State<App>,
    Auth(who): Auth,
    Path((id, team)): Path<(String, String)>,
    key: IdempotencyKey,
    body: ApiJson<Leaving>,
) -> Result<Response, ApiError> {
    let group_id: GroupId = path_id(&id, "group")?;
    let team_id: TeamId = path_id(&team, "team")?;
    let command = Command::LeaveGroup {
        team_id,
        group_id,
        left_on: body.value.left_on.0,
    };
    let w = app
        .submit::<TeamLeftGroup>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let l = w.answer;
    Ok(written(
        &w.receipt,
        MembershipOut {
            group_id: l.group_id.to_string(),
            team_id: l.team_id.to_string(),
            sub_group_id: None,
            joined_on: None,
            left_on: Some(Day(l.left_on)),
        },
    ))
}

/// Every group and sub-group (any authenticated caller).
#[utoipa::path(get, path = "/v1/groups", tag = "organisation", params(AsOfParam),
    responses((status = 200, body = GroupList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_groups(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<GroupList>, ApiError> {
    let list = app
        .read(&who, q.as_of, Read::Published, |state| {
            let mut ids: Vec<&GroupId> = state.groups.keys().collect();
            ids.sort_by_key(|id| {
                (
                    state.groups[*id].parent.is_some(),
                    state.groups[*id].founded_on,
                    **id,
                )
            });
            Ok(GroupList {
                items: ids
                    .into_iter()
                    .filter_map(|id| group_out(state, id))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// One group or sub-group (any authenticated caller).
#[utoipa::path(get, path = "/v1/groups/{id}", tag = "organisation", params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = GroupOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_group(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<GroupOut>, ApiError> {
    let id: GroupId = path_id(&id, "group")?;
    let group = app
        .read(&who, q.as_of, Read::Published, |state| {
            checks::group(state, &id)?;
            group_out(state, &id).ok_or_else(|| yinling_app::AppError::internal(&"group vanished"))
        })
        .await?;
    Ok(Json(group))
}

/// Put a project on the list (admin; a coordinator for the team's own projects).
#[utoipa::path(post, path = "/v1/projects", tag = "organisation", request_body = NewProject,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ProjectOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create_project(
    State(app): State<App>,
    Auth(who): Auth,
    key: IdempotencyKey,
    body: ApiJson<NewProject>,
) -> Result<Response, ApiError> {
    let b = body.value;
    let owner = match (&b.team_id, &b.group_id) {
        (Some(t), None) => ProjectOwner::Team(body_id(t, "team_id")?),
        (None, Some(g)) => ProjectOwner::Group(body_id(g, "group_id")?),
        _ => {
            return Err(ApiError::unprocessable(
                "bad_owner",
                "name exactly one of team_id and group_id",
            ))
        }
    };
    let command = Command::RegisterProject(yinling_projections::NewProject {
        project_id: ProjectId::generate(),
        owner,
        title: b.title,
        category: app.category("category", &b.category)?,
        goal: b.goal,
        starts_on: b.starts_on.0,
        ends_on: b.ends_on.map(|d| d.0),
        status: b.status.unwrap_or(ProjectStatus::Planned),
    });
    let w = app
        .submit::<ProjectRegistered>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let p = w.answer;
    let (team_id, group_id) = match p.owner {
        ProjectOwner::Team(t) => (Some(t.to_string()), None),
        ProjectOwner::Group(g) => (None, Some(g.to_string())),
    };
    let out = ProjectOut {
        id: p.project_id.to_string(),
        team_id,
        group_id,
        title: p.title,
        category: app.category_code(&p.category),
        goal: p.goal,
        starts_on: Day(p.starts_on),
        ends_on: p.ends_on.map(Day),
        status: p.status,
        activities: 0,
    };
    Ok(created(format!("/v1/projects/{}", out.id), &w.receipt, out))
}

/// Change a project's status (admin; the owning team's coordinator).
#[utoipa::path(post, path = "/v1/projects/{id}/status", tag = "organisation", request_body = StatusChange,
    params(("id" = String, Path, format = Uuid), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 200, body = ProjectStatusOut), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn change_project_status(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    key: IdempotencyKey,
    body: ApiJson<StatusChange>,
) -> Result<Response, ApiError> {
    let project_id: ProjectId = path_id(&id, "project")?;
    let command = Command::ChangeProjectStatus {
        project_id,
        status: body.value.status,
        on: body.value.on.0,
    };
    let w = app
        .submit::<ProjectStatusChanged>(&who, command, key.scoped(&who, body.digest))
        .await?;
    let c = w.answer;
    Ok(written(
        &w.receipt,
        ProjectStatusOut {
            id: c.project_id.to_string(),
            status: c.status,
            on: Day(c.on),
        },
    ))
}

/// The project list (admin, auditor, coordinators).
#[utoipa::path(get, path = "/v1/projects", tag = "organisation", params(ProjectFilter),
    responses((status = 200, body = ProjectList), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_projects(
    State(app): State<App>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ProjectFilter>,
) -> Result<Json<ProjectList>, ApiError> {
    access::may_read(&who, &Read::Projects)?;
    let team: Option<TeamId> = q
        .team_id
        .as_deref()
        .map(|t| path_id(t, "team"))
        .transpose()?;
    let group: Option<GroupId> = q
        .group_id
        .as_deref()
        .map(|g| path_id(g, "group"))
        .transpose()?;
    let list = app
        .read(&who, q.as_of, Read::Projects, |state| {
            let mut items: Vec<&Project> = state
                .projects
                .values()
                .filter(|p| team.is_none_or(|t| p.owner == ProjectOwner::Team(t)))
                .filter(|p| group.is_none_or(|g| p.owner == ProjectOwner::Group(g)))
                .collect();
            items.sort_by_key(|p| (p.starts_on, p.id));
            Ok(ProjectList {
                items: items
                    .into_iter()
                    .map(|p| project_out(&state.categories, p))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(list))
}

/// One project with its figures and the activities the caller may read (admin, auditor,
/// coordinators).
#[utoipa::path(get, path = "/v1/projects/{id}", tag = "organisation", params(("id" = String, Path, format = Uuid), AsOfParam),
    responses((status = 200, body = ProjectDetail), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get_project(
    State(app): State<App>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOfParam>,
) -> Result<Json<ProjectDetail>, ApiError> {
    access::may_read(&who, &Read::Projects)?;
    let id: ProjectId = path_id(&id, "project")?;
    let detail = app
        .read(&who, q.as_of, Read::Projects, |state| {
            let p = checks::project(state, &id)?;
            let figures = state.evaluate(&Subject::Project(id), Period::default());
            // The figures are the whole project's; the activities listed are the ones the
            // caller may read (another team's participants and hours are that team's).
            let mut activities: Vec<_> = p
                .activities
                .iter()
                .filter_map(|a| state.activities.get(a))
                .filter(|a| access::can_read(&who, &Read::Activity(a, &state.volunteer_numbers)))
                .collect();
            activities.sort_by_key(|a| std::cmp::Reverse((a.date, a.seq)));
            Ok(ProjectDetail {
                project: project_out(&state.categories, p),
                figures: figures_out(&figures),
                activities: activities
                    .into_iter()
                    .map(|a| super::activities::activity_out(state, a))
                    .collect(),
                as_of: state.head.seq,
            })
        })
        .await?;
    Ok(Json(detail))
}
