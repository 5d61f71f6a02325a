//! How large a request body may be, set per route and answered alike everywhere: a body over
//! its route's limit is 413 with a Chinese message, in the shape of the route asked for (the
//! API's JSON, Open311's list, a page, or an htmx fragment).
//!
//! axum's own default (2 MB for every extractor) is replaced, and the limit of a route is
//! decided in one place, [`limit_for`]: [`UPLOAD_BODY`] for the file uploads (tables to import,
//! map boundaries, reports to read), [`WRITE_BODY`] for the write API's batches,
//! [`GENERAL_BODY`] for every other route (JSON, forms,
//! Open311 posts). The [`too_large`] middleware refuses a declared `Content-Length` over the
//! limit before any handler runs, caps the body of the other routes at [`GENERAL_BODY`] as it is
//! read (a chunked body), and rewrites the framework's plain-text 413 into the same answer.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yiping_app::AppError;

/// The largest file a browser may upload (a month's tables are far smaller).
pub(crate) const MAX_UPLOAD_FILE: usize = 20 * 1024 * 1024;
/// The body limit of an upload route: the file plus room for the multipart framing and the
/// form's other fields.
pub(crate) const UPLOAD_BODY: usize = MAX_UPLOAD_FILE + 256 * 1024;
/// The body limit of every other route: JSON, forms and Open311 posts.
pub(crate) const GENERAL_BODY: usize = 1024 * 1024;

/// The body limit of the write API's batches (`POST /api/v1/observations` and the others): a
/// batch of [`yiping_app::write_api::MAX_ITEMS`] items in JSON or CSV fits with room to spare.
pub(crate) const WRITE_BODY: usize = 8 * 1024 * 1024;

/// The write API's batch routes.
fn is_batch(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/observations" | "/api/v1/entities" | "/api/v1/indicators" | "/api/v1/targets"
    )
}

/// The routes that take file uploads: tables to import, map boundaries, and (the report review
/// page) a report to read.
fn is_upload(path: &str) -> bool {
    path.starts_with("/data/import/")
        || path == "/data/reports/read"
        || (path.starts_with("/screen/") && path.ends_with("/map"))
}

/// The body limit of the route at `path`.
pub(crate) fn limit_for(path: &str) -> usize {
    if is_upload(path) {
        UPLOAD_BODY
    } else if is_batch(path) {
        WRITE_BODY
    } else {
        GENERAL_BODY
    }
}

/// The extractors' limit: the largest of all (an upload's); [`too_large`] caps the others.
pub(crate) fn extractor_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD_BODY)
}

fn megabytes(n: usize) -> String {
    let mb = n as f64 / (1024.0 * 1024.0);
    if mb >= 1.0 {
        format!("{} MB", mb.round())
    } else {
        format!("{} KB", n / 1024)
    }
}

/// The message of a body over the limit of `path`.
pub(crate) fn message(path: &str) -> String {
    if is_upload(path) {
        format!(
            "上传的文件太大：不能超过 {}，未作任何处理",
            megabytes(MAX_UPLOAD_FILE)
        )
    } else if is_batch(path) {
        format!(
            "请求内容太大：一批不能超过 {}（最多 {} 项），未作任何处理：请分批提交",
            megabytes(WRITE_BODY),
            yiping_app::write_api::MAX_ITEMS
        )
    } else {
        format!(
            "请求内容太大：不能超过 {}，未作任何处理",
            megabytes(GENERAL_BODY)
        )
    }
}

/// The 413 answer for `path`, in its route's shape.
fn refuse(path: &str, htmx: bool) -> Response {
    let m = message(path);
    if htmx && !path.starts_with("/api/") && !path.starts_with("/open311/") {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            crate::pages::layout::notice("error", &m),
        )
            .into_response();
    }
    crate::error::before_handler(path, AppError::TooLarge(m))
}

/// Middleware: refuses a declared body over the route's limit before any handler runs, and
/// answers the framework's own 413 (a body that turned out too large while read) in Chinese.
pub(crate) async fn too_large(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let htmx = req.headers().contains_key("hx-request");
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let limit = limit_for(&path);
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(&path, htmx);
    }
    let req = if limit < UPLOAD_BODY {
        req.map(|b| Body::new(http_body_util::Limited::new(b, limit)))
    } else {
        req
    };
    let r = next.run(req).await;
    let plain = r
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return refuse(&path, htmx);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_have_their_own_limit_and_messages_name_it() {
        assert_eq!(limit_for("/data/import/preview"), UPLOAD_BODY);
        assert_eq!(limit_for("/screen/500103/map"), UPLOAD_BODY);
        assert_eq!(limit_for("/data/reports/read"), UPLOAD_BODY);
        assert_eq!(limit_for("/data/reports/save"), GENERAL_BODY);
        assert_eq!(limit_for("/api/v1/items"), GENERAL_BODY);
        assert_eq!(limit_for("/open311/v2/requests.json"), GENERAL_BODY);
        assert!(message("/data/import/apply").contains("20 MB"));
        assert!(message("/items/new").contains("1 MB"));
        assert_eq!(limit_for("/api/v1/observations"), WRITE_BODY);
        assert_eq!(limit_for("/api/v1/targets"), WRITE_BODY);
        assert!(message("/api/v1/entities").contains("8 MB"));
        assert!(message("/api/v1/entities").contains("分批"));
    }
}
