//! The one screen (一屏) pages: `/` (each role's home page), `/screen` (the user's own unit) and
//! `/screen/{code}?period=2024M09` (a unit in the user's scope, drill-down by clicking a child on
//! the map, the tile map or the league), the boundary upload `POST /screen/{code}/map` and the
//! unit's 通报 for download, `GET /screen/{code}/brief` ([`brief`]).
//!
//! The data is gathered by `yiping_app::screen` ([`data`] adds the cache and the access check);
//! [`view`] and [`panels`] render it.

mod brief;
pub(crate) mod data;
mod panels;
mod view;

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use yiping_access::{Capability, Role};

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use data::ScreenError;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/screen", get(own_screen))
        .route("/screen/{key}", get(show))
        .route("/screen/{key}/map", post(upload_map))
        .route("/screen/{key}/brief", get(brief::download))
}

/// Each role's home page.
async fn home(user: PageUser) -> Redirect {
    Redirect::to(match user.principal.role {
        Role::Enterprise => "/requests",
        Role::Handler | Role::GridWorker => "/items",
        _ => "/screen",
    })
}

async fn own_screen(State(s): State<AppState>, user: PageUser) -> Response {
    if let Err(e) = user.principal.require(Capability::ViewScreen) {
        return super::forbidden(&user.principal, &user.csrf, &e);
    }
    match s.store.entity(user.principal.unit).await {
        // A department has no region to show: its one screen is its own work (the inbox).
        Ok(Some(e)) if e.data.kind == yiping_kernel::EntityKind::Department => {
            Redirect::to("/items").into_response()
        }
        Ok(Some(e)) => {
            Redirect::to(&format!("/screen/{}", yiping_app::screen::entity_key(&e))).into_response()
        }
        Ok(None) => refuse(&user, ScreenError::NotFound("本单位不存在".into())),
        Err(e) => refuse(&user, e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct ScreenQuery {
    period: Option<String>,
}

fn refuse(user: &PageUser, e: ScreenError) -> Response {
    PageError::from(e).page(&user.principal, &user.csrf)
}

async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    Query(q): Query<ScreenQuery>,
) -> Response {
    match render(&s, &user, &key, q.period.as_deref()).await {
        Ok(r) => r,
        Err(e) => refuse(&user, e),
    }
}

async fn render(
    s: &AppState,
    user: &PageUser,
    key: &str,
    period: Option<&str>,
) -> Result<Response, ScreenError> {
    let p = &user.principal;
    p.require(Capability::ViewScreen)
        .map_err(ScreenError::Forbidden)?;
    let entity = data::resolve(s, key).await?;
    data::check(p, &entity)?;
    let month = data::month(s, period).await?;
    let screen = data::screen(s, &entity, month).await?;
    // The breadcrumb starts at the user's own unit: nothing above it is theirs to open.
    let crumbs: Vec<(String, String)> = screen
        .ancestors
        .iter()
        .filter(|a| p.sees(a.id))
        .map(|a| (a.key.clone(), a.name.clone()))
        .collect();
    let has_map = !screen.children.iter().all(|c| c.functional)
        && data::children_map_text(s, &entity).await?.is_some();
    let map_url = has_map.then(|| format!("/api/v1/screen/{}/map", screen.entity.key));
    let can_upload = p.can(Capability::ManageMaps) && !screen.children.is_empty();
    let body = view::body(&screen, &crumbs, map_url.as_deref(), can_upload);
    let echarts = crate::assets::versioned("echarts.min.js");
    let js = crate::assets::versioned("screen.js");
    let title = format!("{}一屏", screen.entity.name);
    Ok(layout::page(&title, p, &user.csrf, Nav::Screen, &[&echarts, &js], body).into_response())
}

/// Registers boundaries for the children of a unit (admins and analysts: `ManageMaps`, in scope).
async fn upload_map(
    State(s): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    mut form: Multipart,
) -> Response {
    let p = &user.principal;
    let outcome: Result<String, ScreenError> = async {
        p.require(Capability::ManageMaps)
            .map_err(ScreenError::Forbidden)?;
        let entity = data::resolve(&s, &key).await?;
        p.require_in(Capability::ManageMaps, entity.id)
            .map_err(ScreenError::Forbidden)?;
        let mut text = None;
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some("geojson") {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ScreenError::Invalid(format!("读取上传文件失败：{e}")))?;
                text = Some(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|_| ScreenError::Invalid("文件须为 UTF-8 编码".into()))?,
                );
            }
        }
        let text = text.ok_or_else(|| ScreenError::Invalid("请选择 GeoJSON 文件".into()))?;
        yiping_app::geo::upload_boundaries(s.store.as_ref(), p, &entity, &text, Utc::now())
            .await
            .map_err(ScreenError::from)?;
        data::forget_map(&s, &entity);
        let geo = data::children_map(&s, &entity).await?;
        let n = geo
            .as_ref()
            .and_then(|g| {
                g["features"].as_array().map(|f| {
                    f.iter()
                        .filter(|x| x["properties"]["key"].is_string())
                        .count()
                })
            })
            .unwrap_or(0);
        Ok(format!(
            "已保存{}的下级单位边界，其中{n}个要素与下级单位匹配。刷新页面后生效。",
            entity.data.name
        ))
    }
    .await;
    match outcome {
        Ok(msg) => layout::notice("ok", &msg).into_response(),
        Err(ScreenError::Forbidden(a)) => (
            StatusCode::FORBIDDEN,
            layout::notice("error", &a.to_string()),
        )
            .into_response(),
        Err(ScreenError::Invalid(m) | ScreenError::NotFound(m)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::notice("error", &m),
        )
            .into_response(),
        Err(e) => {
            let e = PageError::from(e);
            (e.status, html! { (layout::notice("error", &e.message)) }).into_response()
        }
    }
}
