use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use yiping_access::Capability;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/indicators", get(list).post(super::writes::indicators))
}

/// All indicators (a short list: no paging needed, but the shape matches the paged lists).
#[utoipa::path(
    get,
    path = "/api/v1/indicators",
    tag = "读取",
    summary = "全部指标",
    responses(
        (status = 200, description = "{items, total, limit, offset}：指标目录"),
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list(State(s): State<AppState>, ApiUser(user): ApiUser) -> Result<Json<Value>, ApiError> {
    user.require(Capability::ViewData)?;
    let items = s.store.indicators().await?;
    let total = items.len();
    Ok(Json(
        json!({ "items": items, "total": total, "limit": total, "offset": 0 }),
    ))
}
