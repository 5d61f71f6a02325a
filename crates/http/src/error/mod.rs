//! How failures answer, decided once: [`Failure`] maps a use case's [`AppError`] to a status, a
//! machine code and a Chinese message, and each kind of route renders it in its own shape —
//! [`ApiError`] (`{"error": {"code", "message", "details"}}`) for the JSON API, [`PageError`]
//! (a Chinese error page in the site layout) for the pages, and Open311's list of
//! `{code, description}` (in `crate::open311`, JSON or XML by the resource's suffix).
//!
//! The mapping: not found 404; forbidden 403 (the access rule's reason); a stale version 409; an
//! input or a command the rules refuse 422 with their message; a text over its limit 413; a wrong sign-in 401; too many
//! sign-ins 429; the database unreachable 503; anything else 500. Server-side failures (5xx)
//! are logged with their cause and answered with a generic message, never the internal text.

mod api;
mod page;
mod screen;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yiping_app::AppError;
use yiping_app::auth::SignInError;
use yiping_store::StoreError;

pub use api::ApiError;
pub(crate) use page::{PageError, in_site_layout};
pub(crate) use screen::ScreenError;

/// What the caller is told about a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: StatusCode,
    /// A stable machine-readable code (`not_found`, `forbidden`, `conflict`, `refused`, …).
    pub code: &'static str,
    /// The Chinese message shown to the user.
    pub message: String,
}

/// The message of a 503: the database cannot be reached.
pub(crate) const UNAVAILABLE: &str = "数据库暂时不可用";
/// The message of any other server-side failure.
pub(crate) const INTERNAL: &str = "服务器内部错误";

impl Failure {
    fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        Self {
            status,
            code,
            message,
        }
    }

    /// A server-side failure: logged with its cause, answered with a generic message.
    fn server(status: StatusCode, cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, status = status.as_u16(), "request failed");
        let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
            ("unavailable", UNAVAILABLE)
        } else {
            ("internal", INTERNAL)
        };
        Self::new(status, code, message.to_string())
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let (status, code) = match &e {
            StoreError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            StoreError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            StoreError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            StoreError::Unavailable { .. } => {
                return Self::server(StatusCode::SERVICE_UNAVAILABLE, &e);
            }
            _ => return Self::server(StatusCode::INTERNAL_SERVER_ERROR, &e),
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            AppError::Store(s) => s.into(),
            AppError::Flow(f @ yiping_flow::FlowError::TextTooLong { .. }) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", f.to_string())
            }
            AppError::Flow(f) => Self::new(unprocessable, "refused", f.to_string()),
            AppError::Invalid(m) => Self::new(unprocessable, "invalid", m),
            AppError::TooLarge(m) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m),
            e @ (AppError::Rejected { .. } | AppError::Read(_)) => {
                Self::new(unprocessable, "invalid", e.to_string())
            }
            AppError::Forbidden(a) => Self::new(StatusCode::FORBIDDEN, "forbidden", a.to_string()),
            AppError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not_found", m),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::SignIn(s @ SignInError::Wrong) => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthorized", s.to_string())
            }
            AppError::SignIn(s @ SignInError::Throttled) => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", s.to_string())
            }
            e @ AppError::Write(_) => Self::server(StatusCode::INTERNAL_SERVER_ERROR, &e),
        }
    }
}

/// A failure before any handler ran (finding the caller of a request), answered in the shape
/// of the route asked for: JSON under `/api/`, Open311's under `/open311/`, a page elsewhere.
pub(crate) fn before_handler(path: &str, e: AppError) -> Response {
    if path.starts_with("/api/") || path == "/healthz" {
        ApiError::from(e).into_response()
    } else if path.starts_with("/open311/") {
        crate::open311::failure(path, e)
    } else {
        PageError::from(e).into_response()
    }
}

/// The answer to an address no route serves.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("没有这个地址：{}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_status_and_keeps_user_messages() {
        let cases = [
            (AppError::NotFound("事项 9 不存在".into()), 404, "not_found"),
            (
                AppError::Forbidden(yiping_access::AccessError::Rule(
                    "网格员无权下发指令".into(),
                )),
                403,
                "forbidden",
            ),
            (
                AppError::Conflict("事项 1 已被他人修改".into()),
                409,
                "conflict",
            ),
            (AppError::invalid("请填写标题"), 422, "invalid"),
            (
                AppError::TooLarge("描述不能超过 4000 个字符".into()),
                413,
                "too_large",
            ),
            (SignInError::Wrong.into(), 401, "unauthorized"),
            (SignInError::Throttled.into(), 429, "throttled"),
        ];
        for (e, status, code) in cases {
            let text = e.to_string();
            let f = Failure::from(e);
            assert_eq!((f.status.as_u16(), f.code), (status, code), "{text}");
            assert_eq!(f.message, text);
        }
    }

    #[test]
    fn database_failures_are_5xx_without_their_internal_text() {
        let down = Failure::from(AppError::Store(StoreError::Unavailable {
            message: "connection refused at 10.0.0.7".into(),
        }));
        assert_eq!((down.status.as_u16(), down.code), (503, "unavailable"));
        assert_eq!(down.message, UNAVAILABLE);
        let broken = Failure::from(AppError::Store(StoreError::Database {
            message: "syntax error near SELEC".into(),
        }));
        assert_eq!(
            (broken.status.as_u16(), broken.message.as_str()),
            (500, INTERNAL)
        );
    }
}
