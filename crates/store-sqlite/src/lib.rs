//! The embedded default backend: a SQLite file in WAL mode with foreign keys on and a busy
//! timeout, migrated on open.
//!
//! Principal function: [`open`] (and [`OpenMode`]), which returns the shared
//! `yiping_store_sql::SqlStore`; [`checkpoint`] folds the WAL into the file. The statements
//! themselves live in `yiping-store-sql`; this crate owns what only SQLite has: the connection
//! settings, the SQL of `migrations/`, and the native path for work items that the store reaches
//! through `yiping_store_sql::native` — the group-commit writer (`writer`, with `exec` running a
//! write on its connection) and the native reads (`reads`), on rusqlite connections beside the
//! sqlx pool.

pub mod backup;
mod exec;
mod native;
mod reads;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::Executor;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use yiping_store::StoreError;
use yiping_store_sql::{Dialect, SqlStore, map_err};

/// The migrations: the versions listed once in `yiping_store_sql::migrations!`, the SQL from this
/// crate's `migrations/`, embedded. Never edit one that has been released: add a new one.
fn migrator() -> sqlx::migrate::Migrator {
    yiping_store_sql::migrator(yiping_store_sql::migrations!())
}

/// The settings of every connection. WAL lets readers work while one writer writes; NORMAL sync
/// is safe with WAL (a commit survives a crash of the application; only a power loss can undo
/// the last commits, never corrupt the file). A 64 MiB page cache keeps a bulk import from
/// spilling and re-reading pages. `journal_size_limit` trims the write-ahead log to 16 MiB
/// whenever it is restarted (without it the file keeps the size of its largest burst for good).
const PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
     PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; \
     PRAGMA journal_size_limit = 16777216;";

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How to open the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file when it does not exist (`yiping init`, `yiping demo`, tests).
    CreateIfMissing,
    /// Refuse a missing file, so that a typo in a path does not silently start an empty database.
    MustExist,
}

fn sqlite_url(path: &Path) -> Result<String, StoreError> {
    let abs: PathBuf = std::path::absolute(path).map_err(|e| StoreError::Unavailable {
        message: format!("路径“{}”无效：{e}", path.display()),
    })?;
    let s = abs.to_str().ok_or_else(|| StoreError::Unavailable {
        message: format!("路径“{}”不是有效的 UTF-8", abs.display()),
    })?;
    let mut enc = String::with_capacity(s.len() + 16);
    for b in s.bytes() {
        match b {
            b' '
            | b'"'
            | b'#'
            | b'<'
            | b'>'
            | b'?'
            | b'`'
            | b'{'
            | b'}'
            | b'%'
            | 0..=0x1f
            | 0x7f.. => {
                enc.push_str(&format!("%{b:02X}"));
            }
            _ => enc.push(b as char),
        }
    }
    // sqlx percent-decodes the path back to UTF-8.
    Ok(format!("sqlite://{enc}?mode=rwc"))
}

/// Opens (and migrates) the SQLite database at `path`.
pub async fn open(path: &Path, mode: OpenMode) -> Result<SqlStore, StoreError> {
    if mode == OpenMode::MustExist && !path.exists() {
        return Err(StoreError::Unavailable {
            message: format!(
                "数据库文件“{}”不存在；请先运行 `yiping init` 或 `yiping demo`，或用 --database 指定已有的数据库",
                path.display()
            ),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        return Err(StoreError::Unavailable {
            message: format!("目录“{}”不存在", dir.display()),
        });
    }
    install_default_drivers();
    let url = sqlite_url(path)?;
    let opts: AnyConnectOptions = url.parse().map_err(map_err)?;
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        // A pooled SQLite connection is a thread in this process, not a socket that can drop:
        // pinging it on every acquire cost a round trip to that thread per statement.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;")
                    .await?;
                conn.execute(PRAGMAS).await?;
                Ok(())
            })
        })
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Unavailable {
            message: format!("无法打开 SQLite 数据库“{}”：{e}", path.display()),
        })?;
    migrator()
        .run(&pool)
        .await
        .map_err(|e| yiping_store_sql::migration_error(e, yiping_store_sql::migrations!()))?;
    // Work-item writes go through one group-commit thread, hot work-item reads through native
    // connections (see `writer` and `reads`).
    let native = native::Native::open(path, PRAGMAS, BUSY_TIMEOUT)?;
    Ok(SqlStore::new(pool, Dialect::Sqlite).with_native(Arc::new(native)))
}

/// Folds the write-ahead log into the database file (`wal_checkpoint(TRUNCATE)`), so that a plain
/// copy of the file alone is the whole database (a test's template); the same as
/// [`yiping_store::Store::checkpoint`].
pub async fn checkpoint(store: &SqlStore) -> Result<(), StoreError> {
    use yiping_store::Store;
    store.checkpoint().await
}

/// The write-ahead log file of the database at `path` (`PATH-wal`).
pub fn wal_path(path: &Path) -> PathBuf {
    writer::wal_path(path)
}
