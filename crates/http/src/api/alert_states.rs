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
