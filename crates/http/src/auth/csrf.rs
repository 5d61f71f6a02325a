//! CSRF checks: a cookie-authenticated request that changes something must carry the session's
//! token, in the `X-CSRF-Token` header (htmx and the page scripts send it) or as the `_csrf`
//! field of a urlencoded form. Anything else is refused before it reaches a handler.

use crate::ApiError;
use crate::error::PageError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

/// The header htmx and the scripts send the token in.
pub(crate) const HEADER: &str = "x-csrf-token";
/// The form field plain forms send the token in.
pub(crate) const FIELD: &str = "_csrf";
/// The largest urlencoded form read to find the token.
const MAX_FORM: usize = 4 * 1024 * 1024;

/// Passes the request on if it carries `expected`; otherwise the refusal to send.
pub(crate) async fn check(req: Request, expected: &str) -> Result<Request, Response> {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if same(v, expected) {
            Ok(req)
        } else {
            Err(refusal(&req))
        };
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refusal(&req));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(_) => {
            let req = Request::from_parts(parts, Body::empty());
            return Err(refusal(&req));
        }
    };
    let found = form_field(&bytes, FIELD);
    let req = Request::from_parts(parts, Body::from(bytes));
    match found {
        Some(v) if same(&v, expected) => Ok(req),
        _ => Err(refusal(&req)),
    }
}

/// The value of `name` in an urlencoded body.
pub(crate) fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Compares in time independent of where the strings differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !b.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn refusal(req: &Request) -> Response {
    let message = "请求缺少有效的 CSRF 令牌：请刷新页面后重试";
    if req.uri().path().starts_with("/api/") {
        ApiError::new(StatusCode::FORBIDDEN, "csrf", message).into_response()
    } else {
        PageError::new(StatusCode::FORBIDDEN, message)
            .titled("请求被拒绝")
            .into_response()
    }
}
