//! The hot work-item reads on SQLite (one item with its history; a page of items) through native
//! connections (rusqlite, the same libsqlite3 as sqlx), run in place on the calling task.
//!
//! Why: sqlx runs each statement on its connection's own thread and sends every row back through
//! a channel, then returns the connection to the pool from a spawned task; profiles showed the
//! thread switches costing more than the reads. Handing the read to Tokio's blocking threads
//! instead measured no better (the switch remains). These reads are short and CPU-bound (an
//! index lookup and at most a page of rows from a WAL snapshot, which a writer never blocks), so
//! they run where they are called, like the JSON decoding that follows them. The statements are
//! the same text as on PostgreSQL (`yiping_store_sql`'s `work_items`, handed over through
//! [`yiping_store_sql::native`]), decoded by the same functions.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::Connection;
use yiping_flow::ItemId;
use yiping_store::{Page, Paged, StoreError, StoreResult, StoredWorkItem, WorkItemFilter};

use yiping_store_sql::native::{
    Arg, Cols, HEAD_SQL, ONE_SQL, Sql, count_sql, item_from_row, list_sql, record_from_row,
};

use crate::exec::{Bind, map_sqlite};

/// Idle connections kept for reuse; a busier moment opens more and closes the extra ones after.
const KEEP_IDLE: usize = 8;

/// Native read connections to one SQLite file.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    pragmas: String,
    busy: Duration,
    idle: Mutex<Vec<Connection>>,
    closed: std::sync::atomic::AtomicBool,
}

impl Readers {
    pub(crate) fn new(path: &Path, pragmas: &str, busy: Duration) -> Self {
        Self {
            path: path.to_path_buf(),
            pragmas: pragmas.to_string(),
            busy,
            idle: Mutex::new(Vec::new()),
            closed: Default::default(),
        }
    }

    /// Closes the idle connections; later reads are refused, as by a closed pool.
    pub(crate) fn close(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    fn open(&self) -> StoreResult<Connection> {
        let conn = crate::writer::open(&self.path, &self.pragmas, self.busy)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    fn take(&self) -> StoreResult<Connection> {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(StoreError::Unavailable {
                message: "数据库连接已关闭".to_string(),
            });
        }
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn put(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
            && !self.closed.load(std::sync::atomic::Ordering::Acquire)
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on an idle connection (opening one when none is idle).
    fn with<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let conn = self.take()?;
        let out = f(&conn);
        self.put(conn);
        out
    }
}

/// A native row, decoded through the same [`Cols`] as a sqlx row.
struct Row<'a, 'r>(&'a rusqlite::Row<'r>);

impl Cols for Row<'_, '_> {
    fn text(&self, col: &str) -> StoreResult<String> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
    fn opt_real(&self, col: &str) -> StoreResult<Option<f64>> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
}

fn corrupt(col: &str, e: rusqlite::Error) -> StoreError {
    StoreError::corrupt(format!("列 {col}：{e}"))
}

/// Runs `sql` and decodes each row with `f`.
fn rows<T>(
    conn: &Connection,
    sql: &Sql,
    mut f: impl FnMut(&Row<'_, '_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let (text, args) = sql.positional();
    let mut stmt = conn.prepare_cached(&text).map_err(map_sqlite)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(args.iter().map(Bind)))
        .map_err(map_sqlite)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(map_sqlite)? {
        out.push(f(&Row(row))?);
    }
    Ok(out)
}

pub(crate) fn one(readers: &Readers, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
    readers.with(|conn| {
        let mut sql = Sql::new(ONE_SQL);
        sql.args.push(Arg::I64(id.0));
        let mut item: Option<StoredWorkItem> = None;
        let mut records = Vec::new();
        rows(conn, &sql, |row| {
            if item.is_none() {
                item = Some(item_from_row(row)?);
            }
            if row.opt_int("item_id")?.is_some() {
                records.push(record_from_row(row)?);
            }
            Ok(())
        })?;
        Ok(item.map(|mut s| {
            s.item.history = records.iter().map(|r| r.entry.clone()).collect();
            s.records = records;
            s
        }))
    })
}

pub(crate) fn head(readers: &Readers, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
    readers.with(|conn| {
        let mut sql = Sql::new(HEAD_SQL);
        sql.args.push(Arg::I64(id.0));
        Ok(rows(conn, &sql, |row| item_from_row(row))?.pop())
    })
}

pub(crate) fn list(
    readers: &Readers,
    f: &WorkItemFilter,
    page: Page,
) -> StoreResult<Paged<StoredWorkItem>> {
    let sql = list_sql(f, page);
    let count = count_sql(f);
    readers.with(|conn| {
        let mut total = None;
        let items = rows(conn, &sql, |row| {
            if total.is_none() {
                total = Some(row.int("total")?);
            }
            item_from_row(row)
        })?;
        let total = match total {
            Some(t) => t,
            None if page.offset == 0 => 0,
            None => rows(conn, &count, |r| r.int("total"))?
                .into_iter()
                .next()
                .unwrap_or_default(),
        };
        Ok(Paged {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit,
            offset: page.offset,
        })
    })
}
