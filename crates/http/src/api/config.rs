//! The city's configuration through the API (issue 11): the files in force
//! (`GET /api/v1/config`, admins and analysts), the working calendar's years with the warning
//! when this year or next is missing (`GET /api/v1/calendar`), and a month's reporting deadline
//! with the warning when the calendar does not cover it (`GET /api/v1/deadline?month=2026M12`).
//! Changing the configuration is `yiping config import` or the pages (`/admin/config`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use yiping_access::Capability;
use yiping_app::data_entry::{parse_month, reporting_deadline, reporting_deadline_warning};

use super::query::Q;
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/config", get(files))
        .route("/calendar", get(calendar))
        .route("/deadline", get(deadline))
}

async fn files(State(s): State<AppState>, ApiUser(p): ApiUser) -> Result<Json<Value>, ApiError> {
    let files = yiping_app::config::files_as(s.store.as_ref(), &p).await?;
    Ok(Json(json!({ "items": files, "total": files.len() })))
}

async fn calendar(State(s): State<AppState>, ApiUser(p): ApiUser) -> Result<Json<Value>, ApiError> {
    p.require(Capability::ViewData)?;
    let cal = yiping_app::calendar::current(s.store.as_ref()).await?;
    let today = cal.local(Utc::now()).date();
    let end = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    let warnings: Vec<String> = yiping_app::calendar::coverage_warning(&cal, today, end)
        .into_iter()
        .collect();
    Ok(Json(json!({
        "years": cal.years(),
        "missing": yiping_app::calendar::missing_years(&cal, today, end),
        "warnings": warnings,
    })))
}

#[derive(Debug, Deserialize)]
struct DeadlineQuery {
    /// The month reported: `2026M12`, `2026年12月`.
    month: String,
}

async fn deadline(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<DeadlineQuery>,
) -> Result<Json<Value>, ApiError> {
    p.require(Capability::ViewData)?;
    let (year, month) = parse_month(&q.month)?;
    let cal = yiping_app::calendar::current(s.store.as_ref()).await?;
    let warning = reporting_deadline_warning(&cal, year, month);
    Ok(Json(json!({
        "month": format!("{year}M{month:02}"),
        "deadline": reporting_deadline(&cal, year, month),
        "warnings": warning.into_iter().collect::<Vec<_>>(),
    })))
}
