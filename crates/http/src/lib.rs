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
mod open311;

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
    /// The key Open311 clients must send to post requests (none: posting is refused).
    pub open311_key: Option<String>,
    /// The work-item engine's context, reloaded from the store at most once a minute.
    flow_setup: api::work_items::SetupCache,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            open311_key: None,
            flow_setup: Default::default(),
        }
    }

    /// The same state accepting Open311 posts with `key`.
    pub fn with_open311_key(mut self, key: Option<String>) -> Self {
        self.open311_key = key.filter(|k| !k.trim().is_empty());
        self
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::health::router())
        .nest("/api/v1", api::router())
        .merge(open311::router())
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
