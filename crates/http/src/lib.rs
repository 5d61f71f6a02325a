//! The HTTP server of yiping: `/healthz` and the JSON API under `/api/v1`.
//!
//! Principal items: [`AppState`] (what every handler gets: the store), [`router`] (the table of
//! contents of the API), [`serve`] (runs on a listener the caller bound, until a shutdown
//! future resolves), and [`ApiError`], the one error shape of every response:
//! `{"error": {"code", "message", "details"}}`.
//!
//! Handlers are thin: they parse the query, call the store or the app layer, and map the result.

mod api;
mod assets;
mod audit;
mod auth;
mod error;
mod open311;
mod pages;

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
    /// Scopes (unit subtrees) of signed-in users, reused for a minute.
    scopes: auth::ScopeCache,
    /// Callers found in the last few seconds, by the hash of their secret.
    callers: auth::CallerCache,
    /// Gathered one screens, boundaries and the region index, kept for seconds.
    screens: Arc<pages::screen::data::Caches>,
    /// Whether cookies are marked `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            open311_key: None,
            flow_setup: Default::default(),
            scopes: Default::default(),
            callers: Default::default(),
            screens: Default::default(),
            secure_cookies: false,
        }
    }

    /// The same state marking cookies `Secure` (behind TLS).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
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
        .merge(pages::router())
        .merge(assets::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve,
        ))
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
