//! Copies of a SQLite database that are whole and consistent: [`backup`] writes one with
//! `VACUUM INTO` (a single read transaction, so a copy taken while the server writes is the
//! database as of one commit, compacted, without a log), [`inspect`] checks a copy before it is
//! restored (a SQLite file, intact, of which schema versions).
//!
//! Why not `cp yiping.db`: right after `yiping demo` the file held no users (the rest was in the
//! log), and a copy taken while the server wrote was corrupt. Why not SQLite's online backup API:
//! it starts over whenever another connection writes, so under steady writing it may never end.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use yiping_store::StoreError;

use crate::exec::map_sqlite;

/// What [`inspect`] found in a database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The schema versions recorded as applied, in order.
    pub versions: Vec<i64>,
}

impl Inspection {
    /// The newest version recorded (0 for none).
    pub fn version(&self) -> i64 {
        self.versions.last().copied().unwrap_or(0)
    }
}

/// The schema versions this build knows, in order.
pub fn known_versions() -> Vec<i64> {
    yiping_store_sql::migrations!()
        .iter()
        .map(|(v, _, _)| *v)
        .collect()
}

/// Writes a consistent, compacted copy of the database at `db` to `out`, which must not exist.
/// Safe while other processes read and write the database.
pub fn backup(db: &Path, out: &Path) -> Result<(), StoreError> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Unavailable {
        message: format!("无法打开 SQLite 数据库“{}”：{e}", db.display()),
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(map_sqlite)?;
    let target = out
        .to_str()
        .ok_or_else(|| StoreError::invalid(format!("路径“{}”不是有效的 UTF-8", out.display())))?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(|e| StoreError::Database {
            message: format!("备份到“{}”失败：{e}", out.display()),
        })?;
    Ok(())
}

/// Checks that `path` is an intact yiping SQLite database and reads its schema versions.
pub fn inspect(path: &Path) -> Result<Inspection, StoreError> {
    let not_ours = |why: String| {
        StoreError::invalid(format!(
            "“{}”不是可用的 yiping SQLite 数据库（{why}）",
            path.display()
        ))
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_ours(e.to_string()))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    if check != "ok" {
        return Err(not_ours(format!("文件已损坏：{check}")));
    }
    let mut stmt = conn
        .prepare("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .map_err(|_| not_ours("没有结构版本记录".into()))?;
    let versions = stmt
        .query_map([], |r| r.get::<_, i64>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| not_ours(e.to_string()))?;
    if versions.is_empty() {
        return Err(not_ours("没有结构版本记录".into()));
    }
    Ok(Inspection { versions })
}
