//! `/api/v1/me`: who is signed in, with their role, unit, capabilities and (for a browser
//! session) the CSRF token scripts must send with changes.

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};
use yiping_access::Capability;

use crate::ApiError;
use crate::AppState;
use crate::auth::Caller;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/me", get(me))
}

async fn me(caller: Option<Extension<Arc<Caller>>>) -> Result<Json<Value>, ApiError> {
    let Extension(c) = caller.ok_or_else(ApiError::unauthorized)?;
    let p = &c.principal;
    let caps: Vec<&str> = Capability::ALL
        .into_iter()
        .filter(|cap| p.can(*cap))
        .map(|cap| cap.label_zh())
        .collect();
    Ok(Json(json!({
        "login": p.login,
        "name": p.name,
        "role": p.role.code(),
        "role_label": p.role.label_zh(),
        "unit": { "id": p.unit.0, "name": p.unit_name },
        "scope_size": p.scope.len(),
        "capabilities": caps,
        "csrf": if c.session_key.is_some() { Value::from(c.csrf.clone()) } else { Value::Null },
    })))
}
