//! Why a screen (the page, its JSON and its map) cannot be shown, and how each front answers it:
//! the API's shape or a [`PageError`]. A failure of a use case keeps its [`AppError`], so that
//! it is mapped like any other (a database outage is 503 here too).

use yiping_access::AccessError;
use yiping_app::AppError;
use yiping_store::StoreError;

use super::{ApiError, Failure, PageError};

/// Why a screen cannot be shown.
#[derive(Debug)]
pub(crate) enum ScreenError {
    NotFound(String),
    Invalid(String),
    Forbidden(AccessError),
    /// A failure inside the server (a poisoned cache, an unreadable stored file).
    Internal(String),
    /// A use case or the store failed.
    App(AppError),
}

impl From<StoreError> for ScreenError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<AppError> for ScreenError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(m) => Self::Invalid(m),
            other => Self::App(other),
        }
    }
}

impl From<ScreenError> for Failure {
    fn from(e: ScreenError) -> Self {
        use axum::http::StatusCode;
        match e {
            ScreenError::NotFound(m) => Failure::new(StatusCode::NOT_FOUND, "not_found", m),
            ScreenError::Invalid(m) => Failure::new(StatusCode::BAD_REQUEST, "bad_request", m),
            ScreenError::Forbidden(a) => {
                Failure::new(StatusCode::FORBIDDEN, "forbidden", a.to_string())
            }
            ScreenError::Internal(m) => {
                Failure::server(StatusCode::INTERNAL_SERVER_ERROR, &std::io::Error::other(m))
            }
            ScreenError::App(e) => e.into(),
        }
    }
}

impl From<ScreenError> for ApiError {
    fn from(e: ScreenError) -> Self {
        Failure::from(e).into()
    }
}

impl From<ScreenError> for PageError {
    fn from(e: ScreenError) -> Self {
        Failure::from(e).into()
    }
}
