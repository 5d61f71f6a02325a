//! The one HTML error of the pages: [`PageError`] is a status and a Chinese message. A page
//! handler returns it (with `?` from an [`AppError`], an [`AccessError`] or a [`StoreError`]);
//! it answers as a plain error page, and the [`in_site_layout`] middleware of the pages router
//! redraws that page inside the site layout (navigation, the user's unit, sign-out) for the
//! signed-in caller of the request — so a handler needs no user in hand to fail. Without a
//! caller a 401 is a redirect to the login page, as for a page that needs a session.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use yiping_access::{AccessError, Principal};
use yiping_app::AppError;
use yiping_store::StoreError;

use super::Failure;
use crate::auth::{Caller, login_redirect};
use crate::pages::layout;

/// A page that failed: the status to answer and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageError {
    pub status: StatusCode,
    pub message: String,
    /// The heading, when the status's own does not fit.
    title: Option<&'static str>,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            title: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// The same error under another heading.
    pub fn titled(mut self, title: &'static str) -> Self {
        self.title = Some(title);
        self
    }

    fn heading(&self) -> &'static str {
        self.title.unwrap_or(match self.status.as_u16() {
            401 => "请先登录",
            403 => "无权访问",
            404 => "没有找到",
            409 => "数据已被他人修改",
            400 | 422 => "请求无效",
            429 => "操作过于频繁",
            503 => "服务暂时不可用",
            _ => "出错了",
        })
    }

    fn body(&self) -> maud::Markup {
        html! {
            h1 { (self.heading()) }
            (layout::notice("error", &self.message))
            p { a href="/" { "返回首页" } }
        }
    }

    /// The error page in the site layout, for a signed-in user.
    pub fn page(&self, user: &Principal, csrf: &str) -> Response {
        let markup = layout::page(
            self.heading(),
            user,
            csrf,
            layout::Nav::None,
            &[],
            self.body(),
        );
        (self.status, markup).into_response()
    }

    /// The error page without the site layout (no signed-in user).
    fn bare(&self) -> Response {
        (self.status, layout::bare(self.heading(), self.body())).into_response()
    }
}

impl From<Failure> for PageError {
    fn from(f: Failure) -> Self {
        let message = if f.status.is_server_error() {
            format!("{}，请稍后再试", f.message)
        } else {
            f.message
        };
        Self::new(f.status, message)
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        Failure::from(e).into()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        Failure::from(e).into()
    }
}

impl From<AccessError> for PageError {
    fn from(e: AccessError) -> Self {
        Self::new(StatusCode::FORBIDDEN, e.to_string())
    }
}

impl IntoResponse for PageError {
    /// The plain page, marked so that [`in_site_layout`] can redraw it for the caller.
    fn into_response(self) -> Response {
        let mut r = self.bare();
        r.extensions_mut().insert(self);
        r
    }
}

/// Middleware of the pages: redraws a [`PageError`] answer inside the site layout for the
/// request's caller; without a caller, a 401 becomes the redirect to the login page.
pub(crate) async fn in_site_layout(req: Request, next: Next) -> Response {
    let caller = req.extensions().get::<Arc<Caller>>().cloned();
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut r = next.run(req).await;
    let Some(e) = r.extensions_mut().remove::<PageError>() else {
        return r;
    };
    match caller {
        Some(c) => e.page(&c.principal, &c.csrf),
        None if e.status == StatusCode::UNAUTHORIZED => {
            Redirect::to(&login_redirect(&target)).into_response()
        }
        None => r,
    }
}
