//! The Chinese web pages: one module per area, each with its own `router()`.
//!
//! Pages are server-rendered with maud (auto-escaping); htmx swaps parts of them; ECharts draws
//! the charts from JSON embedded in the page. Every page handler takes a [`PageUser`] (signed in
//! or redirected to /login) and checks role and scope before reading anything (work items: the
//! app's door checks them).
//!
//! A failure is a [`PageError`] (`crate::error`): a Chinese error page with the right status,
//! drawn in the site layout by the [`in_site_layout`] layer of this router.
//!
//! [`PageUser`]: crate::auth::PageUser

mod admin;
mod alert_states;
mod config;
pub(crate) mod data;
mod evaluations;
mod form;
mod items;
pub(crate) mod layout;
mod login;
pub(crate) mod notifications;
mod requests;
pub(crate) mod screen;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use yiping_access::{AccessError, Principal};

use crate::AppState;
use crate::error::{PageError, in_site_layout};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(admin::router())
        .merge(alert_states::router())
        .merge(config::router())
        .merge(login::router())
        .merge(notifications::router())
        .merge(data::router())
        .merge(evaluations::router())
        .merge(items::router())
        .merge(requests::router())
        .merge(screen::router())
        .layer(axum::middleware::from_fn(in_site_layout))
}

/// The refusal page (403) for a signed-in user who may not see or do something.
pub(crate) fn forbidden(user: &Principal, csrf: &str, err: &AccessError) -> Response {
    PageError::from(err.clone()).page(user, csrf)
}

/// An error page for a signed-in user (not found, invalid request…).
pub(crate) fn error_page(
    user: &Principal,
    csrf: &str,
    status: StatusCode,
    message: &str,
) -> Response {
    PageError::new(status, message).page(user, csrf)
}
