//! The files the site serves under `/static/`: ECharts, htmx and the Chongqing boundaries from
//! npm, and our own CSS and scripts from `web/src/`, all embedded at build time (see `build.rs`).
//!
//! Every response carries an ETag (the content hash) and answers `If-None-Match` with 304. A
//! request naming the current hash (`/static/app.css?v=<hash>`, see [`url`]) may be cached for a
//! year; a plain name is revalidated on each use (`no-cache`), so a new build is picked up at
//! once. Static files need no login: they are public libraries, styles and scripts.

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// An embedded file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asset {
    pub content_type: &'static str,
    pub hash: &'static str,
    pub bytes: &'static [u8],
}

/// The embedded file served as `name` (e.g. `echarts.min.js`, `maps/chongqing.geojson`).
pub(crate) fn get_asset(name: &str) -> Option<Asset> {
    FILES
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, content_type, hash, bytes)| Asset {
            content_type,
            hash,
            bytes,
        })
}

/// The cache-busting address of an embedded file: `/static/name?v=hash` (the plain address when
/// the name is unknown).
pub(crate) fn url(name: &str) -> String {
    match get_asset(name) {
        Some(a) => format!("/static/{name}?v={}", a.hash),
        None => format!("/static/{name}"),
    }
}

/// `name?v=hash` for `layout::page`'s script list, which prefixes `/static/`.
pub(crate) fn versioned(name: &str) -> String {
    url(name).trim_start_matches("/static/").to_string()
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/{*name}", get(serve))
}

async fn serve(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = get_asset(&name) else {
        return (StatusCode::NOT_FOUND, "没有这个文件").into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    let versioned = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == format!("v={}", asset.hash)));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    (h, asset.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_libraries_and_the_map_are_embedded() {
        for name in [
            "echarts.min.js",
            "htmx.min.js",
            "maps/chongqing.geojson",
            "app.css",
        ] {
            let a = get_asset(name).unwrap_or_else(|| panic!("{name} not embedded"));
            assert!(!a.bytes.is_empty());
            assert_eq!(a.hash.len(), 16);
        }
        assert!(get_asset("../Cargo.toml").is_none());
        assert!(url("app.css").starts_with("/static/app.css?v="));
    }
}
