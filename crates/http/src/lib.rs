//! The HTTP server of yiping: `/healthz`, the JSON API under `/api/v1`, the Chinese pages,
//! Open311 GeoReport v2 under `/open311/v2` and the embedded static files.
//!
//! Principal items: [`AppState`] (what every handler gets: the store, settings and caches;
//! `state`), [`router`] (the table of contents: each area merges its own router), [`serve`]
//! (runs on a listener the caller bound, until a shutdown future resolves), and [`ApiError`],
//! the API's error shape `{"error": {"code", "message", "details"}}`.
//!
//! Modules: `api` (JSON, one module per resource), `pages` (maud pages and htmx fragments),
//! `open311`, `auth` (who is asking: sessions, tokens, CSRF), `error` (how a use case's failure
//! answers, mapped once: API, page and Open311 shapes), `caches` (what is kept in memory between
//! requests, and for how long), `state`, `assets` and `audit`.
//!
//! Handlers are thin: they parse the request, call one `yiping_app` use case (work items go
//! through `yiping_app::work_items::door`), and render the result or the error.

mod api;
mod assets;
mod audit;
mod auth;
mod caches;
mod costly;
mod error;
mod headers;
mod limits;
mod open311;
mod pages;
mod state;

use std::future::Future;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::AppState;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let [frame, csp, nosniff, referrer] = headers::layers();
    Router::new()
        .merge(api::health::router())
        .nest("/api/v1", api::router())
        .merge(open311::router())
        .merge(pages::router())
        .merge(assets::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            costly::guard,
        ))
        .layer(limits::general_limit())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve,
        ))
        .layer(axum::middleware::from_fn(limits::too_large))
        .layer(frame)
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
