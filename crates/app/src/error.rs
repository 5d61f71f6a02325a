use yiping_access::AccessError;
use yiping_io::{Problem, ReadError, WriteError};
use yiping_store::StoreError;

use crate::auth::SignInError;

/// Why a use case failed. Front ends map it once each (the HTTP crate to a status code and its
/// error shapes, the CLI to a message and exit code 1); the variants say what kind of failure it
/// is, not how to show it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The work-item engine refused a command or an input.
    #[error(transparent)]
    Flow(#[from] yiping_flow::FlowError),
    /// A file was rejected whole; every problem found is listed.
    #[error("{file}：发现{}处问题，整个文件未导入，数据库未作任何修改", problems.len())]
    Rejected {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("{0}")]
    Invalid(String),
    /// An input larger than its limit (a description over 4,000 characters); the message names
    /// the field, its limit and its size.
    #[error("{0}")]
    TooLarge(String),
    /// The caller may not do this: the access rule that refused them (their role lacks the
    /// capability, the unit or item lies outside their scope, or a rule of the action); its
    /// `Display` is the Chinese reason.
    #[error(transparent)]
    Forbidden(#[from] AccessError),
    /// What the caller named does not exist (事项 12 不存在).
    #[error("{0}")]
    NotFound(String),
    /// Someone else changed it first: the caller acted on a version that is no longer current.
    #[error("{0}")]
    Conflict(String),
    /// Signing in failed (wrong login or password, or too many attempts).
    #[error(transparent)]
    SignIn(#[from] SignInError),
}

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }
}
