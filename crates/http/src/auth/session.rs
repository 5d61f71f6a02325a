//! Finding the caller of a request (bearer token or session cookie), once per request, and the
//! session cookie itself.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use yiping_app::AppError;
use yiping_app::auth::{self as app_auth, SignedIn};

use super::{Caller, csrf};
use crate::{ApiError, AppState};

/// The name of the session cookie (its value is the session's random secret).
pub(crate) const SESSION_COOKIE: &str = "yiping_session";

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address as the listener saw it (no proxy headers are trusted).
pub(crate) fn client_ip(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// Middleware: attaches the caller (if any) to the request, refuses a bad API token, and checks
/// the CSRF token of every cookie-authenticated request that changes something.
pub(crate) async fn resolve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Static files (public libraries, styles) need nobody: no lookup per asset.
    if req.uri().path().starts_with("/static/") {
        return next.run(req).await;
    }
    let now = Utc::now();
    let headers = req.headers();
    let bearer = bearer(headers);
    if let Some(token) = &bearer
        && req.uri().path() == "/metrics"
        && crate::metrics::is_scrape_token(state.metrics_token.as_deref(), token)
    {
        let mut req = req;
        req.extensions_mut().insert(crate::metrics::ScrapeToken);
        return next.run(req).await;
    }
    let caller: Option<Arc<Caller>> = if let Some(token) = bearer {
        let key = format!("t:{}", app_auth::secret_hash(&token));
        match state.callers.get(&key) {
            Some(c) => Some(c),
            None => match lookup_token(&state, &token).await {
                Ok(Some(c)) => {
                    let c = Arc::new(c);
                    state.callers.put(key, c.clone());
                    Some(c)
                }
                Ok(None) => return ApiError::unauthorized().into_response(),
                Err(e) => return crate::error::before_handler(req.uri().path(), e),
            },
        }
    } else if let Some(secret) = cookie_value(headers, SESSION_COOKIE) {
        let key = session_cache_key(&secret);
        match state.callers.get(&key).filter(|c| c.expires_at > now) {
            Some(c) => Some(c),
            None => match lookup_session(&state, &secret, now).await {
                Ok(Some(c)) => {
                    let c = Arc::new(c);
                    state.callers.put(key, c.clone());
                    Some(c)
                }
                Ok(None) => None,
                Err(e) => return crate::error::before_handler(req.uri().path(), e),
            },
        }
    } else {
        None
    };
    let mut req = req;
    if let Some(c) = &caller
        && c.session_key.is_some()
        && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
    {
        req = match csrf::check(req, &c.csrf).await {
            Ok(r) => r,
            Err(refusal) => return refusal,
        };
    }
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    next.run(req).await
}

/// The cache key of a session secret.
pub(crate) fn session_cache_key(secret: &str) -> String {
    format!("s:{}", app_auth::secret_hash(secret))
}

async fn lookup_token(state: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    let store = state.store.as_ref();
    let Some(user) = app_auth::token_user(store, token).await? else {
        return Ok(None);
    };
    let principal = app_auth::principal(store, &state.scopes, &user).await?;
    Ok(Some(Caller {
        principal,
        csrf: String::new(),
        session_key: None,
        expires_at: DateTime::<Utc>::MAX_UTC,
    }))
}

async fn lookup_session(
    state: &AppState,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, AppError> {
    let store = state.store.as_ref();
    let Some((user, csrf, expires_at)) = app_auth::session_user(store, secret, now).await? else {
        return Ok(None);
    };
    let principal = app_auth::principal(store, &state.scopes, &user).await?;
    Ok(Some(Caller {
        principal,
        csrf,
        session_key: Some(secret.to_string()),
        expires_at,
    }))
}

/// The `Set-Cookie` header that stores a new session in the browser.
pub(crate) fn start_session(signed: &SignedIn, secure: bool) -> HeaderValue {
    let ttl = (signed.expires_at - Utc::now()).num_seconds().max(0);
    let c = Cookie::build((SESSION_COOKIE, signed.secret.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(ttl))
        .build();
    header(&c.to_string())
}

/// The `Set-Cookie` header that removes the session cookie.
pub(crate) fn end_session(secure: bool) -> HeaderValue {
    let c = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    header(&c.to_string())
}

pub(crate) fn header(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Adds a `Set-Cookie` header to a response.
pub(crate) fn with_cookie(mut r: Response, v: HeaderValue) -> Response {
    r.headers_mut().append(SET_COOKIE, v);
    r
}
