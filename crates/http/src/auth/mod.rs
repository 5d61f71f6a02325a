//! Signing in and who is asking: sessions (cookie) and API tokens (bearer), the extractors every
//! handler uses, CSRF checks on forms and login throttling.
//!
//! - [`ApiUser`]: the principal of an API request; absent → 401 in the API's error shape.
//! - [`PageUser`]: the principal of a page request with the session's CSRF token; absent → a
//!   redirect to `/login?next=…`.
//! - The [`resolve`] middleware looks the caller up once per request and, for a cookie-based
//!   request that changes something (not GET/HEAD), checks the CSRF token (header
//!   `X-CSRF-Token`, or the form field `_csrf` of a urlencoded form).

pub(crate) mod csrf;
pub(crate) mod session;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use yiping_access::Principal;

use crate::ApiError;

pub(crate) use session::{end_session, resolve, start_session};

/// Who is asking, as found by [`resolve`].
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub principal: Principal,
    /// The session's CSRF token (empty for API tokens, which need none).
    pub csrf: String,
    /// The session's secret (for sign-out); `None` for an API token.
    pub session_key: Option<String>,
    /// When the session ends (never for a token: revocation is checked on lookup).
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The principal of an API request.
#[derive(Debug, Clone)]
pub(crate) struct ApiUser(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Arc<Caller>>()
            .map(|c| ApiUser(c.principal.clone()))
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The principal of a page request and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub(crate) struct PageUser {
    pub principal: Principal,
    pub csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.extensions.get::<Arc<Caller>>() {
            Some(c) => Ok(PageUser {
                principal: c.principal.clone(),
                csrf: c.csrf.clone(),
            }),
            None => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                Err(Redirect::to(&login_redirect(next)).into_response())
            }
        }
    }
}

/// The session attached to the request, if any (for the login page and sign-out).
#[derive(Debug, Clone)]
pub(crate) struct MaybeCaller(pub Option<Arc<Caller>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(parts.extensions.get::<Arc<Caller>>().cloned()))
    }
}

/// The login page's address, coming back to `next` after sign-in.
pub(crate) fn login_redirect(next: &str) -> String {
    format!(
        "/login?next={}",
        serde_urlencoded::to_string([("", next)])
            .unwrap_or_default()
            .trim_start_matches('=')
    )
}
