//! The JSON API, one module per resource.

mod config;
pub(crate) mod entities;
pub(crate) mod evaluations;
pub(crate) mod health;
pub(crate) mod indicators;
mod me;
pub(crate) mod observations;
mod quality;
mod query;
mod screen;
pub(crate) mod work_items;

use axum::Router;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(config::router())
        .merge(entities::router())
        .merge(evaluations::router())
        .merge(indicators::router())
        .merge(me::router())
        .merge(observations::router())
        .merge(quality::router())
        .merge(screen::router())
        .merge(work_items::router())
}
