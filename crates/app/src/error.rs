use yiping_io::{Problem, ReadError, WriteError};
use yiping_store::StoreError;

/// Why a use case failed.
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
    /// The caller's role or scope does not allow the action.
    #[error(transparent)]
    Forbidden(#[from] yiping_access::AccessError),
    /// What the action names does not exist (a scheme, a period without results).
    #[error("{0}")]
    NotFound(String),
}

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }
}
