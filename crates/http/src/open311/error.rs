//! Open311's error shape: a list of `{code, description}` (GeoReport v2), in JSON or XML as the
//! resource's suffix asks. A use case's failure is mapped like everywhere else
//! ([`crate::error::Failure`]: a database outage is 503) except that an input the rules refuse
//! is 400, the specification's code for a bad request.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yiping_app::AppError;

use super::{Field, Format, render};
use crate::error::{Failure, INTERNAL};

/// An error in the specification's shape.
#[derive(Debug)]
pub(super) struct Open311Error {
    format: Format,
    status: u16,
    description: String,
}

impl Open311Error {
    pub(super) fn new(format: Format, status: u16, description: String) -> Self {
        Self {
            format,
            status,
            description,
        }
    }

    /// A use case's failure: 4xx with its message (refusals of the input as 400), 5xx with a
    /// generic one (the cause is logged).
    pub(super) fn from_app(format: Format, e: AppError) -> Self {
        let f = Failure::from(e);
        let status = match f.status {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            s => s,
        };
        Self::new(format, status.as_u16(), f.message)
    }

    /// A failure inside the server that is not a use case's (a shipped file that does not
    /// parse): logged, answered with a generic message.
    pub(super) fn internal(format: Format, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "open311 failure");
        Self::new(format, 500, INTERNAL.to_string())
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let fields = vec![
            ("code", Field::Int(i64::from(self.status))),
            ("description", Field::Str(self.description)),
        ];
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = render(self.format, "errors", "error", vec![fields]);
        *r.status_mut() = status;
        r
    }
}
