use sqlx::error::ErrorKind;
use yiping_store::StoreError;

/// Maps a database error to a [`StoreError`], keeping the database's message for logs only.
pub fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict {
                what: format!("违反唯一性约束（{}）", db.message()),
            },
            ErrorKind::ForeignKeyViolation => StoreError::Invalid {
                reason: "引用的主体或指标不存在".to_string(),
            },
            ErrorKind::NotNullViolation | ErrorKind::CheckViolation => StoreError::Invalid {
                reason: format!("数据不满足约束：{}", db.message()),
            },
            _ => StoreError::Database {
                message: db.message().to_string(),
            },
        },
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => StoreError::Unavailable {
            message: e.to_string(),
        },
        sqlx::Error::RowNotFound => StoreError::NotFound {
            what: "记录".to_string(),
        },
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_) => StoreError::corrupt(&e),
        _ => StoreError::Database {
            message: e.to_string(),
        },
    }
}
