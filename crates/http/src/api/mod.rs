//! The JSON API, one module per resource.

mod alert_states;
mod config;
pub(crate) mod entities;
pub(crate) mod evaluations;
pub(crate) mod health;
pub(crate) mod indicators;
mod me;
mod notifications;
pub(crate) mod observations;
pub(crate) mod openapi;
mod quality;
mod query;
mod screen;
pub(crate) mod work_items;
pub(crate) mod writes;

use axum::Router;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(alert_states::router())
        .merge(config::router())
        .merge(entities::router())
        .merge(evaluations::router())
        .merge(indicators::router())
        .merge(me::router())
        .merge(notifications::router())
        .merge(observations::router())
        .merge(openapi::router())
        .merge(quality::router())
        .merge(screen::router())
        .merge(work_items::router())
        .merge(writes::router())
}
