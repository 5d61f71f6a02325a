//! The HTTP server of yiping: `/healthz` and the JSON API under `/api/v1`.
//!
//! Principal items: [`AppState`] (what every handler gets: the store), [`router`] (the table of
//! contents of the API), [`serve`] (runs on a listener the caller bound, until a shutdown
//! future resolves), and [`ApiError`], the one error shape of every response:
//! `{"error": {"code", "message", "details"}}`.
//!
//! Handlers are thin: they parse the query, call the store or the app layer, and map the result.

mod api;
mod error;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use yiping_store::Store;

pub use error::ApiError;

/// What every handler receives.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::health::router())
        .nest("/api/v1", api::router())
        .fallback(error::not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
