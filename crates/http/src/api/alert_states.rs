//! `/api/v1/alerts`: the alert instances of the units the caller may see, with their history of
//! states, and the silences; `POST /api/v1/alerts/silences` sets a silence
//! (`{"rule": "…", "unit": "500101", "starts_at": "…", "ends_at": "…", "reason": "…"}`;
//! analysts and administrators, within their scope).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiping_app::alerts::{self, InstanceView, SilenceRequest};
use yiping_kernel::EntityId;
use yiping_store::Silence;

use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(list))
        .route("/alerts/silences", post(silence))
}

#[derive(Debug, Serialize)]
struct ListDto {
    instances: Vec<InstanceView>,
    silences: Vec<Silence>,
}

async fn list(State(s): State<AppState>, ApiUser(p): ApiUser) -> Result<Json<ListDto>, ApiError> {
    let (instances, silences) = alerts::instances(s.store.as_ref(), &p, Utc::now()).await?;
    Ok(Json(ListDto {
        instances,
        silences,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SilenceBody {
    rule: Option<String>,
    /// The unit (code, name or id).
    unit: Option<EntityId>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: DateTime<Utc>,
    reason: String,
}

#[derive(Debug, Serialize)]
struct Created {
    id: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/alerts/silences",
    tag = "预警",
    summary = "设置一段静默：期间不发该规则（或该单位）的预警通知，到期自动失效",
    request_body(content((Object = "application/json", example = json!({"rule": "FAI_BEHIND_PROGRESS", "unit": "万州区", "ends_at": "2026-12-31T16:00:00Z", "reason": "年底集中调度期间已专题研究"})))),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 201, description = "新建静默的编号：{\"id\": 7}"),
        (status = 422, description = "内容不符合规则（规则不存在、结束早于开始、缺少原因）", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn silence(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut v = super::work_items::json_body(body)?;
    yiping_app::units::resolve_fields(s.store.as_ref(), &mut v)
        .await
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()))?;
    let b: SilenceBody = serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("静默请求无效：{e}"),
        )
    })?;
    let now = Utc::now();
    let id = alerts::add_silence(
        s.store.as_ref(),
        &p,
        SilenceRequest {
            rule: b.rule,
            entity: b.unit,
            starts_at: b.starts_at.unwrap_or(now),
            ends_at: b.ends_at,
            reason: b.reason,
        },
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
