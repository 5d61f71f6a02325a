//! Choosing the backend from the database address, once, at the edge.

use std::path::PathBuf;
use std::sync::Arc;

use yiping_store::{Store, StoreError};
use yiping_store_sqlite::OpenMode;

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "yiping.db";

/// Where the data lives, parsed from `--database` / `YIPING_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: a plain path, `sqlite:PATH` or `sqlite://PATH`.
    Sqlite(PathBuf),
    /// A PostgreSQL server: `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses an address. Any scheme other than sqlite and postgres is refused with the list of
    /// what is supported.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(StoreError::invalid("数据库地址为空"));
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            return Ok(Self::Postgres(t.to_string()));
        }
        if let Some(rest) = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::invalid(
                    "SQLite 地址须指向一个文件（内存数据库在进程结束时会丢失全部数据）",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            return Err(StoreError::invalid(format!(
                "不支持的数据库地址“{scheme}://…”：请使用 SQLite 文件路径（如 yiping.db 或 sqlite:///data/yiping.db）\
                 或 PostgreSQL 地址（postgres://用户@主机:端口/库名）"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(t)))
    }

    /// The address for messages, without a password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("SQLite {}", p.display()),
            Self::Postgres(u) => format!("PostgreSQL {}", yiping_store_postgres::redact(u)),
        }
    }
}

/// Whether opening may create an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Yes,
    No,
}

/// Opens (and migrates) the store behind `url`.
pub async fn open(url: &DatabaseUrl, create: Create) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mode = match create {
                Create::Yes => OpenMode::CreateIfMissing,
                Create::No => OpenMode::MustExist,
            };
            Ok(Arc::new(yiping_store_sqlite::open(path, mode).await?))
        }
        DatabaseUrl::Postgres(u) => Ok(Arc::new(yiping_store_postgres::open(u, 16).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_select_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("yiping.db").unwrap(),
            DatabaseUrl::Sqlite("yiping.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/a.db").unwrap(),
            DatabaseUrl::Sqlite("/var/a.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:a.db?mode=rwc").unwrap(),
            DatabaseUrl::Sqlite("a.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
    }

    #[test]
    fn other_schemes_get_a_precise_error() {
        let e = DatabaseUrl::parse("mysql://root@localhost/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mysql://") && e.contains("postgres://"), "{e}");
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn passwords_are_not_displayed() {
        let u = DatabaseUrl::parse("postgres://u:hunter2@h/db").unwrap();
        assert!(!u.display().contains("hunter2"));
    }
}
