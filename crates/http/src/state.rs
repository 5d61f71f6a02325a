//! [`AppState`]: what every handler receives — the store, the server's settings (the Open311
//! key, whether cookies are `Secure`) and the caches ([`crate::caches`]). Cloning it is cheap
//! (shared pointers), as axum clones it per request.

use std::sync::Arc;

use yiping_app::AppError;
use yiping_app::work_items::FlowSetup;
use yiping_store::Store;

use crate::caches::{CallerCache, FlowSetupCache, MetricsCache, ScopeCache, ScreenCaches};
use crate::costly::CostlyGate;

/// What every handler receives.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The key Open311 clients must send to post requests (none: posting is refused).
    pub open311_key: Option<String>,
    /// Whether cookies are marked `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
    /// The work-item engine's context, reloaded from the store at most once a minute.
    pub(crate) flow_setup: FlowSetupCache,
    /// Scopes (unit subtrees) of signed-in users, reused for a minute.
    pub(crate) scopes: ScopeCache,
    /// Callers found in the last few seconds, by the hash of their secret.
    pub(crate) callers: CallerCache,
    /// Gathered one screens, boundaries and the region index, kept for seconds.
    pub(crate) screens: Arc<ScreenCaches>,
    /// Work-item metrics per query, kept for seconds.
    pub(crate) metrics: Arc<MetricsCache>,
    /// The places for requests to costly routes ([`crate::costly`]).
    pub(crate) costly: CostlyGate,
    /// The scrape token `/metrics` accepts besides an administrator (none: administrators only).
    pub(crate) metrics_token: Option<Arc<str>>,
    /// The request series of `/metrics` ([`crate::metrics`]).
    pub(crate) http_metrics: crate::metrics::SharedHttpMetrics,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            open311_key: None,
            secure_cookies: false,
            flow_setup: Default::default(),
            scopes: Default::default(),
            callers: Default::default(),
            screens: Default::default(),
            metrics: Default::default(),
            costly: Default::default(),
            metrics_token: None,
            http_metrics: Default::default(),
        }
    }

    /// The same state letting a scraper read `/metrics` with `token` as a bearer token
    /// (`YIPING_METRICS_TOKEN`); blank or none: administrators only.
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.metrics_token = token
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(Arc::from);
        self
    }

    /// The same state allowing `places` requests to costly routes at once (default: as many as
    /// cores, at least two; `0` refuses them all, for tests).
    pub fn with_costly_limit(mut self, places: usize) -> Self {
        self.costly = CostlyGate::new(places);
        self
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

    /// The work-item engine's context (cached for a minute).
    pub(crate) async fn flow_setup(&self) -> Result<Arc<FlowSetup>, AppError> {
        self.flow_setup.get(self.store.as_ref()).await
    }
}
