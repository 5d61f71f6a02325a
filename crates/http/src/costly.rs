//! Limits on the routes that cost the server most (a league's metrics over every item, a whole
//! screen, exports, rerunning an evaluation): at most a few run at once, each within a time
//! limit, so that the server keeps answering everyone else (`/healthz`, lists, forms).
//!
//! A 通报 download (charts drawn, LibreOffice for a PDF) is one of them.
//!
//! A request to a costly route waits up to [`QUEUE_WAIT`] for a place; when none frees up it is
//! answered 503 with `Retry-After` (and a Chinese message, in the route's shape) instead of
//! piling up. A costly request running longer than [`RUN_LIMIT`] is cancelled and answered 503
//! the same way. Which routes are costly is the list [`COSTLY_ROUTES`] (route templates, as the
//! router matched them).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::AppState;
use crate::error::{ApiError, Failure, PageError};

/// The costly routes, as route templates.
pub(crate) const COSTLY_ROUTES: [&str; 8] = [
    "/api/v1/items/metrics",
    "/api/v1/screen/{key}",
    "/api/v1/schemes/{code}/results",
    "/data/export",
    "/evaluations/{scheme}/export",
    "/evaluations/{scheme}/run",
    "/screen/{key}",
    "/screen/{key}/brief",
];

/// How long a costly request waits for a place before it is refused.
pub(crate) const QUEUE_WAIT: Duration = Duration::from_secs(2);
/// How long a costly request may run.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(60);
/// What a refused client is told to wait, in seconds.
pub(crate) const RETRY_AFTER_SECS: u64 = 5;

/// The places for costly requests of one server.
#[derive(Debug, Clone)]
pub(crate) struct CostlyGate {
    places: Arc<Semaphore>,
    wait: Duration,
}

impl CostlyGate {
    pub(crate) fn new(places: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(places)),
            wait: QUEUE_WAIT,
        }
    }
}

impl Default for CostlyGate {
    /// As many places as cores (at least two).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores.max(2))
    }
}

fn busy(path: &str, message: &str) -> Response {
    let f = Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "busy",
        message: message.to_string(),
    };
    let mut r = if path.starts_with("/api/") {
        ApiError::from(f).into_response()
    } else {
        PageError::from(f).into_response()
    };
    r.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(RETRY_AFTER_SECS),
    );
    r
}

/// Middleware: runs a costly route's request when a place is free (waiting briefly), within
/// [`RUN_LIMIT`]; other routes pass straight through.
pub(crate) async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let costly = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|m| COSTLY_ROUTES.contains(&m.as_str()));
    if !costly {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let gate = &s.costly;
    let place = tokio::time::timeout(gate.wait, gate.places.clone().acquire_owned()).await;
    let Ok(Ok(_place)) = place else {
        tracing::warn!(path, "costly route saturated");
        return busy(&path, "服务器繁忙：同类统计请求过多，请稍后再试");
    };
    match tokio::time::timeout(RUN_LIMIT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(path, "costly route timed out");
            busy(&path, "统计耗时过长，已中止，请稍后再试或缩小范围")
        }
    }
}
