use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/indicators", get(list))
}

/// All indicators (a short list: no paging needed, but the shape matches the paged lists).
async fn list(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let items = s.store.indicators().await?;
    let total = items.len();
    Ok(Json(
        json!({ "items": items, "total": total, "limit": total, "offset": 0 }),
    ))
}
