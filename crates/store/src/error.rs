use thiserror::Error;

/// What went wrong in the store. Backends map their own errors here; database details stay in
/// `message` for logs and are not meant for end users.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("未找到{what}")]
    NotFound { what: String },
    /// A write lost a race or broke a uniqueness rule: nothing was written.
    #[error("冲突：{what}")]
    Conflict { what: String },
    /// The request itself is invalid (e.g. a parent that does not exist).
    #[error("{reason}")]
    Invalid { reason: String },
    /// The database could not be reached or opened.
    #[error("无法连接数据库：{message}")]
    Unavailable { message: String },
    /// Migrating the schema failed.
    #[error("数据库结构升级失败：{message}")]
    Migration { message: String },
    /// Any other database failure.
    #[error("数据库错误：{message}")]
    Database { message: String },
    /// Stored data could not be read back into domain types (a corrupted row).
    #[error("数据库中的数据无效：{message}")]
    Corrupt { message: String },
}

impl StoreError {
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid {
            reason: reason.into(),
        }
    }

    pub fn corrupt(message: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            message: message.to_string(),
        }
    }
}
