//! Signing in and out. The login form carries its own CSRF token (double submit: a short-lived
//! cookie and the same value in the form), since there is no session yet to hold one.
//!
//! Every failure of a sign-in — an expired form (403), a wrong login or password (401), too
//! many attempts (429), the database unreachable (503) — shows the form again with the reason
//! in Chinese and the login typed so far; a failed sign-out is an error page.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use cookie::{Cookie, SameSite};
use maud::{Markup, html};
use serde::Deserialize;
use yiping_app::auth as app_auth;

use super::layout;
use crate::AppState;
use crate::auth::{MaybeCaller, csrf, end_session, session, start_session};
use crate::error::PageError;

const LOGIN_CSRF_COOKIE: &str = "yiping_login_csrf";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(logout))
}

#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths are followed after sign-in: a path starting with one `/`, of visible
/// ASCII only. Browsers drop tabs and line breaks from addresses and read `\` as `/`, so
/// `/\t/example.com` or `/\\example.com` would leave the site; a CR or LF would also make an
/// invalid `Location` header (a 500 after the session was created).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_form(next: &str, token: &str, login: &str, error: Option<&str>) -> Markup {
    layout::bare(
        "登录",
        html! {
            div.login-box {
                h1 { "一屏 · 运行与治理中心" }
                p.sub { "请使用本单位分配的账号登录" }
                @if let Some(e) = error { (layout::notice("error", e)) }
                form method="post" action="/login" {
                    input type="hidden" name="_csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    label for="login" { "用户名" }
                    input #login type="text" name="login" value=(login) autocomplete="username" required autofocus;
                    label for="password" { "密码" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button type="submit" { "登录" }
                }
            }
        },
    )
}

fn with_login_token(markup: Markup, status: StatusCode, token: &str, secure: bool) -> Response {
    let c = Cookie::build((LOGIN_CSRF_COOKIE, token.to_string()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::hours(1))
        .build();
    session::with_cookie(
        (status, markup).into_response(),
        session::header(&c.to_string()),
    )
}

async fn form(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if caller.is_some() {
        return Redirect::to(&next).into_response();
    }
    let token = app_auth::new_secret();
    with_login_token(
        login_form(&next, &token, "", None),
        StatusCode::OK,
        &token,
        state.secure_cookies,
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let expected = session::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let fresh = app_auth::new_secret();
    if !csrf::same(f.csrf.as_deref().unwrap_or(""), &expected) {
        return with_login_token(
            login_form(&next, &fresh, &f.login, Some("页面已过期，请重新登录")),
            StatusCode::FORBIDDEN,
            &fresh,
            state.secure_cookies,
        );
    }
    let ip = session::client_ip(&ext);
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let outcome = app_auth::sign_in(
        state.store.as_ref(),
        &f.login,
        &f.password,
        &ip,
        agent,
        Utc::now(),
    )
    .await;
    match outcome {
        Ok(signed) => {
            let r = Redirect::to(&next).into_response();
            session::with_cookie(r, start_session(&signed, state.secure_cookies))
        }
        Err(e) => {
            let failed = PageError::from(e);
            with_login_token(
                login_form(&next, &fresh, &f.login, Some(&failed.message)),
                failed.status,
                &fresh,
                state.secure_cookies,
            )
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ext: axum::http::Extensions,
) -> Result<Response, PageError> {
    if let Some(c) = caller
        && let Some(secret) = &c.session_key
    {
        state.callers.forget(&session::session_cache_key(secret));
        let ip = session::client_ip(&ext);
        let login = &c.principal.login;
        app_auth::sign_out(state.store.as_ref(), secret, login, &ip, Utc::now()).await?;
    }
    Ok(session::with_cookie(
        Redirect::to("/login").into_response(),
        end_session(state.secure_cookies),
    ))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in ["/items", "/items?x=1&y=%2F", "/screen/500103#map"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//example.com",
            "/\\example.com",
            "/\texample.com",
            "/\t/example.com",
            "/ /example.com",
            "/items\r\nSet-Cookie: x=1",
            "/items\n",
            "https://example.com",
            "example.com",
            "/数据",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
