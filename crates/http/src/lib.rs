//! The HTTP server of yiping: `/healthz`, the JSON API under `/api/v1`, the Chinese pages,
//! Open311 GeoReport v2 under `/open311/v2` and the embedded static files.
//!
//! Principal items: [`AppState`] (what every handler gets: the store, settings and caches;
//! `state`), [`router`] (the table of contents: each area merges its own router), [`serve`]
//! (runs on a listener the caller bound, until a shutdown future resolves), and [`ApiError`],
//! the API's error shape `{"error": {"code", "message", "details"}}`.
//!
//! Modules: `api` (JSON, one module per resource), `pages` (maud pages and htmx fragments),
//! `open311`, `metrics` (Prometheus at `/metrics`), `auth` (who is asking: sessions, tokens, CSRF), `error` (how a use case's failure
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
mod metrics;
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
        .merge(metrics::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            costly::guard,
        ))
        .layer(limits::extractor_limit())
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// How long a client may take to send a request's head, and how long a kept-alive connection
/// may sit idle waiting for the next one: a connection that trickles its headers (slowloris) or
/// idles is closed after this.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves on `listener` until `shutdown` resolves, then stops accepting and lets the requests
/// in progress finish (the caller bounds how long it waits). Each connection has
/// [`HEADER_READ_TIMEOUT`] for a request's head and between requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), HEADER_READ_TIMEOUT, shutdown).await
}

/// [`serve`] with a given header-read and idle timeout (tests use a short one).
pub async fn serve_with_timeout(
    listener: TcpListener,
    state: AppState,
    header_read_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), header_read_timeout, shutdown).await
}

/// The connection loop: hyper's HTTP/1.1 connections with a timer, so that its header-read
/// timeout applies, the client's address as `ConnectInfo`, and hyper-util's graceful shutdown.
async fn serve_router(
    listener: TcpListener,
    app: Router,
    header_read_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                app.clone().oneshot(req.map(axum::body::Body::new))
            },
        );
        // HTTP/1.1 only (browsers speak HTTP/2 only over TLS, which a proxy in front ends):
        // the timer starts as soon as a head is awaited, also on a new connection that sends
        // nothing (the automatic HTTP/2 detection would wait for its first bytes forever).
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
