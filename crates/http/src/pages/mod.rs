//! The Chinese web pages: one module per area, each with its own `router()`.
//!
//! Pages are server-rendered with maud (auto-escaping); htmx swaps parts of them; ECharts draws
//! the charts from JSON embedded in the page. Every page handler takes a [`PageUser`] (signed in
//! or redirected to /login) and checks role and scope before reading anything.

mod admin;
pub(crate) mod data;
mod evaluations;
mod items;
pub(crate) mod layout;
mod login;
mod requests;
pub(crate) mod screen;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use yiping_access::{AccessError, Principal};

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(admin::router())
        .merge(login::router())
        .merge(data::router())
        .merge(evaluations::router())
        .merge(items::router())
        .merge(requests::router())
        .merge(screen::router())
}

/// The refusal page (403) for a signed-in user who may not see or do something.
pub(crate) fn forbidden(user: &Principal, csrf: &str, err: &AccessError) -> Response {
    let body = html! {
        h1 { "无权访问" }
        (layout::notice("error", &err.to_string()))
        p { a href="/" { "返回首页" } }
    };
    (
        StatusCode::FORBIDDEN,
        layout::page("无权访问", user, csrf, layout::Nav::None, &[], body),
    )
        .into_response()
}

/// An error page for a signed-in user (not found, invalid request…).
pub(crate) fn error_page(
    user: &Principal,
    csrf: &str,
    status: StatusCode,
    message: &str,
) -> Response {
    let body = html! {
        h1 { (status.canonical_reason().map_or("出错了", |_| match status.as_u16() {
            403 => "无权访问",
            404 => "没有找到",
            409 => "数据已被他人修改",
            422 | 400 => "请求无效",
            _ => "出错了",
        })) }
        (layout::notice("error", message))
        p { a href="/" { "返回首页" } }
    };
    (
        status,
        layout::page("出错了", user, csrf, layout::Nav::None, &[], body),
    )
        .into_response()
}
