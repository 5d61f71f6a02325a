use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// Healthy when the database answers.
async fn healthz(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    s.store.ping().await?;
    Ok(Json(
        json!({ "status": "ok", "database": s.store.backend().as_str() }),
    ))
}
