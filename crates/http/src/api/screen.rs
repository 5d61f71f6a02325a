//! The one screen as JSON: the whole gathered model (`GET /api/v1/screen/{code}?period=`) and the
//! boundaries of the unit's children with names matched to the catalogue
//! (`GET /api/v1/screen/{code}/map`). Both need `ViewScreen` and the unit in the caller's scope.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use yiping_access::Capability;

use crate::auth::ApiUser;
use crate::pages::screen::data;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/screen/{key}", get(screen))
        .route("/screen/{key}/map", get(map))
}

#[derive(Debug, Deserialize)]
struct ScreenQuery {
    period: Option<String>,
}

async fn screen(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(key): Path<String>,
    Query(q): Query<ScreenQuery>,
) -> Result<Response, ApiError> {
    p.require(Capability::ViewScreen)?;
    let entity = data::resolve(&s, &key).await?;
    data::check(&p, &entity)?;
    let month = data::month(&s, q.period.as_deref()).await?;
    let screen = data::screen(&s, &entity, month).await?;
    Ok(Json(&*screen).into_response())
}

async fn map(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    p.require(Capability::ViewScreen)?;
    let entity = data::resolve(&s, &key).await?;
    data::check(&p, &entity)?;
    let geo = data::children_map_text(&s, &entity)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{}没有登记下级单位边界", entity.data.name)))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=60"),
        ),
    ];
    Ok((headers, geo.as_str().to_owned()).into_response())
}
