//! `/api/v1/notifications`: the signed-in user's own notifications, newest first
//! (`?unread=true` for the unread only, `limit`/`offset`), with the unread count;
//! `POST /api/v1/notifications/{id}/read` marks one read (another user's is 404, as if it did not
//! exist) and `POST /api/v1/notifications/read-all` all of them.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use yiping_app::notifications::{self, NotificationView};

use super::query::{Paging, Q, opt, parse_id};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    unread: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

#[derive(Debug, Serialize)]
struct ListDto {
    items: Vec<NotificationView>,
    total: u64,
    limit: u32,
    offset: u64,
    /// How many of the user's notifications are unread (the bell).
    unread: u64,
}

async fn list(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<ListQuery>,
) -> Result<Json<ListDto>, ApiError> {
    let unread_only = opt("unread", &q.unread, |v| match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("“{v}”应为 true 或 false")),
    })?
    .unwrap_or(false);
    let page = q.paging.page()?;
    let store = s.store.as_ref();
    let found = notifications::list(store, &p, unread_only, page).await?;
    let unread = notifications::unread_count(store, &p).await?;
    Ok(Json(ListDto {
        items: found.items,
        total: found.total,
        limit: found.limit,
        offset: found.offset,
        unread,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    tag = "通知",
    summary = "把自己的一条通知标为已读",
    params(("id" = i64, Path, description = "通知编号")),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 404, description = "不存在，或不属于当前用户", body = super::openapi::ErrorBody),
        (status = 200, description = "标为已读后的通知"),
    ),
    security(("bearer" = []))
)]
async fn read(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<NotificationView>, ApiError> {
    let id = parse_id(&id).map_err(|e| ApiError::not_found(format!("通知 {e}")))?;
    Ok(Json(
        notifications::mark_read(s.store.as_ref(), &p, id).await?,
    ))
}

#[derive(Debug, Serialize)]
struct ReadAllDto {
    /// How many were unread.
    marked: u64,
}

#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    tag = "通知",
    summary = "把自己的全部通知标为已读",
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 200, description = "标为已读的条数：{\"marked\": 3}"),
    ),
    security(("bearer" = []))
)]
async fn read_all(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<ReadAllDto>, ApiError> {
    let marked = notifications::mark_all_read(s.store.as_ref(), &p).await?;
    Ok(Json(ReadAllDto { marked }))
}
