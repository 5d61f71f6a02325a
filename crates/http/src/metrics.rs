//! Prometheus metrics at `GET /metrics`, in the Prometheus text exposition format (0.0.4).
//!
//! - [`track`] (middleware): counts every request as `http_requests_total{route,method,status}`
//!   and observes its duration in the histogram `http_request_duration_seconds{route,method}`,
//!   labelled by the MATCHED route template (axum's [`MatchedPath`], e.g.
//!   `/api/v1/items/{id}`), never the raw path, so that ids do not multiply the series; a
//!   request no route matched is labelled `unmatched`, and a method outside the standard ones
//!   `other`.
//! - Read at scrape time: the database pool (`yiping_db_pool_connections{state}`), open and
//!   overdue work items (`yiping_work_items_open`, `yiping_work_items_overdue`, counted by
//!   [`yiping_app::monitoring::item_gauges`]), and the process counters of the use cases: job
//!   runs (`yiping_job_runs_total{result}`), applied imports and their rows
//!   (`yiping_imports_total`, `yiping_import_rows_total`).
//! - Access ([`metrics`]): a signed-in administrator (session or API token), or the scrape
//!   token of `YIPING_METRICS_TOKEN` as `Authorization: Bearer …` (checked in
//!   [`crate::auth::resolve`], which marks the request with [`ScrapeToken`]); anyone else 403,
//!   nobody 401, in the API's error shape.
//!
//! Why written here rather than with a metrics crate: the server needs two request series and a
//! handful of gauges read at scrape time, the text format of those is a few lines (covered by
//! the tests below), and the exporter crates bring their own registry, HTTP listener or
//! protobuf support that this server does not use. Label values are escaped as the format
//! says (backslash, double quote, line feed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use yiping_access::Role;

use crate::auth::MaybeCaller;
use crate::{ApiError, AppState};

/// The upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Marks a request that carried the configured scrape token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScrapeToken;

#[derive(Debug, Default)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative; summed on output).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Default)]
struct Series {
    /// By (route, method, status).
    requests: BTreeMap<(String, String, u16), u64>,
    /// By (route, method).
    latency: BTreeMap<(String, String), Histogram>,
}

/// The request series of this server, since it started.
#[derive(Debug, Default)]
pub(crate) struct HttpMetrics {
    series: Mutex<Series>,
}

impl HttpMetrics {
    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        *s.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        s.latency
            .entry((route.to_string(), method.to_string()))
            .or_default()
            .observe(seconds);
    }

    fn write(&self, out: &mut String) {
        let s = self.series.lock().unwrap_or_else(|p| p.into_inner());
        header_lines(
            out,
            "http_requests_total",
            "counter",
            "HTTP requests by matched route template, method and status.",
        );
        for ((route, method, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method),
            );
        }
        header_lines(
            out,
            "http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request, by matched route template and method.",
        );
        for ((route, method), h) in &s.latency {
            let labels = format!("route=\"{}\",method=\"{}\"", escape(route), escape(method));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample without labels, with its HELP and TYPE lines.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    header_lines(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value as the text format writes it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts the request and times it under its matched route template.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Methods outside the standard set (any token a client invents) share one label.
    let method = match *req.method() {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::OPTIONS => req.method().as_str().to_string(),
        _ => "other".to_string(),
    };
    let started = Instant::now();
    let response = next.run(req).await;
    state.http_metrics.record(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// `GET /metrics`: the exposition, for an administrator or the scrape token.
async fn metrics(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    scrape: Option<Extension<ScrapeToken>>,
) -> Result<Response, ApiError> {
    if scrape.is_none() {
        match &caller {
            None => return Err(ApiError::unauthorized()),
            Some(c) if c.principal.role != Role::Admin => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "只有系统管理员或持监控令牌的采集程序可以读取运行指标",
                ));
            }
            Some(_) => {}
        }
    }
    let gauges =
        yiping_app::monitoring::item_gauges(state.store.as_ref(), chrono::Utc::now()).await?;
    let counters = yiping_app::monitoring::counters();
    let pool = state.store.pool_stats();
    let mut out = String::new();
    state.http_metrics.write(&mut out);
    header_lines(
        &mut out,
        "yiping_db_pool_connections",
        "gauge",
        "Database pool connections: open, idle and the maximum.",
    );
    for (label, n) in [("open", pool.size), ("idle", pool.idle), ("max", pool.max)] {
        let _ = writeln!(out, "yiping_db_pool_connections{{state=\"{label}\"}} {n}");
    }
    single(
        &mut out,
        "yiping_work_items_open",
        "gauge",
        "Open work items (not closed, rejected or withdrawn).",
        gauges.open,
    );
    single(
        &mut out,
        "yiping_work_items_overdue",
        "gauge",
        "Open work items past a pending deadline.",
        gauges.overdue,
    );
    header_lines(
        &mut out,
        "yiping_job_runs_total",
        "counter",
        "Runs of the scheduled work-item jobs, by result.",
    );
    let _ = writeln!(
        out,
        "yiping_job_runs_total{{result=\"ok\"}} {}",
        counters.job_runs_ok
    );
    let _ = writeln!(
        out,
        "yiping_job_runs_total{{result=\"failed\"}} {}",
        counters.job_runs_failed
    );
    single(
        &mut out,
        "yiping_imports_total",
        "counter",
        "Imports applied (dry runs not counted).",
        counters.imports,
    );
    single(
        &mut out,
        "yiping_import_rows_total",
        "counter",
        "Rows of the applied imports.",
        counters.import_rows,
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// Whether `given` is the configured scrape token (compared by hash, in constant time for
/// tokens of any length).
pub(crate) fn is_scrape_token(configured: Option<&str>, given: &str) -> bool {
    use sha2::{Digest, Sha256};
    let Some(configured) = configured else {
        return false;
    };
    let a = Sha256::digest(configured.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Shared between the state's clones.
pub(crate) type SharedHttpMetrics = Arc<HttpMetrics>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let m = HttpMetrics::default();
        m.record("/api/v1/items/{id}", "GET", 200, 0.003);
        m.record("/api/v1/items/{id}", "GET", 404, 0.2);
        m.record("/api/v1/items/{id}", "GET", 200, 20.0);
        let mut out = String::new();
        m.write(&mut out);
        assert!(
            out.contains("# TYPE http_requests_total counter\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"200\"} 2\n"
            ),
            "{out}"
        );
        let labels = "route=\"/api/v1/items/{id}\",method=\"GET\"";
        for (le, n) in [
            ("0.001", 0),
            ("0.005", 1),
            ("0.25", 2),
            ("10", 2),
            ("+Inf", 3),
        ] {
            let line =
                format!("http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}\n");
            assert!(out.contains(&line), "{line} in {out}");
        }
        assert!(out.contains(&format!(
            "http_request_duration_seconds_count{{{labels}}} 3\n"
        )));
        assert!(out.contains(&format!(
            "http_request_duration_seconds_sum{{{labels}}} 20.203"
        )));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn the_scrape_token_must_be_configured_and_equal() {
        assert!(!is_scrape_token(None, "x"));
        assert!(!is_scrape_token(Some("secret"), "secre"));
        assert!(is_scrape_token(Some("secret"), "secret"));
    }
}
