use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use yiping_kernel::{Entity, EntityKind};
use yiping_store::{EntityFilter, Paged};

use super::query::{Paging, Q, opt, unit, unit_path};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use yiping_access::Capability;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/entities", get(list).post(super::writes::entities))
        .route("/entities/{id}", get(one))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    kind: Option<String>,
    level: Option<String>,
    parent: Option<String>,
    subtree: Option<String>,
    group: Option<String>,
    q: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// Entities of the caller's subtree: `subtree` and `parent` must lie inside it, and without
/// `subtree` the list is the caller's unit and everything below it.
#[utoipa::path(
    get,
    path = "/api/v1/entities",
    tag = "读取",
    summary = "主体列表",
    description = "调用者单位及其下级的主体，可按类型、层级、上级、分组、名称筛选，分页。",
    params(
        ("kind" = Option<String>, Query, description = "类型：地区、部门、企业"),
        ("level" = Option<String>, Query, description = "层级"),
        ("parent" = Option<String>, Query, description = "上级主体"),
        ("subtree" = Option<String>, Query, description = "该主体及其全部下级"),
        ("q" = Option<String>, Query, description = "名称包含"),
    ),
    responses(
        (status = 200, description = "{items, total, limit, offset}"),
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<ListQuery>,
) -> Result<Json<Paged<Entity>>, ApiError> {
    user.require(Capability::ViewData)?;
    let store = s.store.as_ref();
    let subtree = unit(store, "subtree", &q.subtree).await?;
    let parent = unit(store, "parent", &q.parent).await?;
    for id in subtree.iter().chain(parent.iter()) {
        user.require_in(Capability::ViewData, *id)?;
    }
    let filter = EntityFilter {
        kind: opt("kind", &q.kind, EntityKind::parse)?,
        level: opt("level", &q.level, |v| {
            v.parse::<u8>().map_err(|_| format!("“{v}”不是有效的层级"))
        })?,
        parent,
        subtree: Some(subtree.unwrap_or(user.home())),
        group: q.group.clone().filter(|g| !g.trim().is_empty()),
        name_contains: q.q.clone().filter(|g| !g.trim().is_empty()),
    };
    Ok(Json(s.store.entities(&filter, q.paging.page()?).await?))
}

async fn one(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Entity>, ApiError> {
    let id = unit_path(s.store.as_ref(), &id).await?;
    let entity = s
        .store
        .entity(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("主体 {id} 不存在")))?;
    user.require_in(Capability::ViewData, entity.id)?;
    Ok(Json(entity))
}
