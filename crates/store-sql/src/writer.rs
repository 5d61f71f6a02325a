//! Group commit for SQLite: one thread owns one native SQLite connection (rusqlite, over the same
//! libsqlite3 as sqlx) and applies the work-item writes ([`WriteOp`]) queued by every caller,
//! many per transaction.
//!
//! Why: SQLite has one writer at a time. Writers on several pooled sqlx connections each waited
//! for the lock in SQLite's busy handler, which sleeps (1 ms, 2 ms, 5 ms …) instead of queueing;
//! and sqlx runs every statement on the connection's own thread, so a transition's `BEGIN`,
//! `UPDATE`, `INSERT` and `COMMIT` were four round trips between threads — profiles showed most
//! of the time in the kernel switching threads, not in SQLite. Here a caller hands its write to
//! the thread once and is woken once. The thread takes what is queued (up to [`MAX_BATCH`]
//! jobs), opens one `BEGIN IMMEDIATE` transaction, runs each job inside its own savepoint (a job
//! that fails — a lost version check, a constraint — is rolled back to its savepoint alone, so
//! each still succeeds or fails on its own), commits once, and only then answers the callers:
//! nobody hears of success before the commit. The statements are the same text as on
//! PostgreSQL, built by the same code (`work_item_writes`).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql, ffi};
use tokio::sync::{mpsc, oneshot};
use yiping_flow::ItemId;
use yiping_store::{ItemExtras, StoreError, StoreResult, TransitionRecord};

use crate::args::{Arg, Sql};
use crate::work_item_writes::{
    Done, RecordSql, TransitionSql, WriteOp, insert_item_sql, item_exists, lost_race,
    record_exists, record_sql,
};

/// The most jobs one transaction applies.
const MAX_BATCH: usize = 64;

enum Msg {
    Op(WriteOp, oneshot::Sender<Done>),
    Close(oneshot::Sender<()>),
}

/// The handle callers submit writes through.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Msg>,
}

fn closed() -> StoreError {
    StoreError::Unavailable {
        message: "数据库写入线程已停止".to_string(),
    }
}

impl Writer {
    /// Opens the database at `path` (which must exist), applies `pragmas` and starts the thread.
    pub(crate) fn start(path: &Path, pragmas: &str, busy: Duration) -> StoreResult<Self> {
        let unavailable = |e: rusqlite::Error| StoreError::Unavailable {
            message: format!("无法打开 SQLite 数据库“{}”：{e}", path.display()),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(unavailable)?;
        conn.busy_timeout(busy).map_err(unavailable)?;
        conn.execute_batch(pragmas).map_err(unavailable)?;
        conn.set_prepared_statement_cache_capacity(64);
        let (queue, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("yiping-sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| StoreError::Unavailable {
                message: format!("无法启动数据库写入线程：{e}"),
            })?;
        Ok(Self { queue })
    }

    /// Queues a write and waits until its transaction is committed (or the write failed).
    pub(crate) async fn submit(&self, op: WriteOp) -> Done {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Msg::Op(op, reply)).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Finishes the queued writes and closes the connection.
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Msg::Close(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

fn run(conn: Connection, mut rx: mpsc::UnboundedReceiver<Msg>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = Vec::new();
        let mut close = None;
        match first {
            Msg::Op(op, reply) => batch.push((op, reply)),
            Msg::Close(c) => close = Some(c),
        }
        while close.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Op(op, reply)) => batch.push((op, reply)),
                Ok(Msg::Close(c)) => close = Some(c),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&conn, batch);
        }
        if let Some(done) = close {
            // Writes queued behind the close are refused (their callers see `closed`).
            rx.close();
            drop(rx);
            drop(conn);
            let _ = done.send(());
            return;
        }
    }
}

/// A copy of a failure that ended a whole batch, for each of its callers.
fn batch_failed(e: &StoreError) -> StoreError {
    StoreError::Database {
        message: e.to_string(),
    }
}

fn control(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(map_sqlite)
}

fn run_batch(conn: &Connection, batch: Vec<(WriteOp, oneshot::Sender<Done>)>) {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        for (_, reply) in batch {
            let _ = reply.send(Err(batch_failed(&e)));
        }
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut fatal = None;
    for (op, reply) in batch {
        if fatal.is_some() {
            answers.push((reply, Ok(Vec::new())));
            continue;
        }
        if let Err(e) = control(conn, "SAVEPOINT job") {
            fatal = Some(e);
            answers.push((reply, Ok(Vec::new())));
            continue;
        }
        let done = run_op(conn, &op);
        let end = match done {
            Ok(_) => control(conn, "RELEASE job"),
            Err(_) => control(conn, "ROLLBACK TO job").and_then(|_| control(conn, "RELEASE job")),
        };
        if let Err(e) = end {
            fatal = Some(e);
        }
        answers.push((reply, done));
    }
    let failed = match fatal {
        Some(e) => Some(e),
        None => control(conn, "COMMIT").err(),
    };
    match failed {
        None => {
            for (reply, done) in answers {
                let _ = reply.send(done);
            }
        }
        Some(e) => {
            tracing::error!(error = %e, "work-item write batch rolled back");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            for (reply, done) in answers {
                let _ = reply.send(done.and_then(|_| Err(batch_failed(&e))));
            }
        }
    }
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Self::I64(v) => ValueRef::Integer(*v),
            Self::F64(v) | Self::OptF64(Some(v)) => ValueRef::Real(*v),
            Self::Text(s) | Self::OptText(Some(s)) => ValueRef::Text(s.as_bytes()),
            Self::OptText(None) | Self::OptF64(None) => ValueRef::Null,
        }))
    }
}

/// The same mapping as [`crate::map_err`] for sqlx errors.
pub(crate) fn map_sqlite(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let m = msg.clone().unwrap_or_else(|| f.to_string());
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::Conflict {
                        what: format!("违反唯一性约束（{m}）"),
                    }
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::Invalid {
                    reason: "引用的主体或指标不存在".to_string(),
                },
                ffi::SQLITE_CONSTRAINT_NOTNULL | ffi::SQLITE_CONSTRAINT_CHECK => {
                    StoreError::Invalid {
                        reason: format!("数据不满足约束：{m}"),
                    }
                }
                _ => StoreError::Database { message: m },
            }
        }
        _ => StoreError::Database {
            message: e.to_string(),
        },
    }
}

/// Runs one statement; returns the number of rows it changed.
fn exec(conn: &Connection, sql: &Sql) -> StoreResult<usize> {
    let (text, args) = sql.positional();
    let mut stmt = conn.prepare_cached(&text).map_err(map_sqlite)?;
    stmt.execute(rusqlite::params_from_iter(args.iter()))
        .map_err(map_sqlite)
}

fn reserve(conn: &Connection, n: u32) -> StoreResult<Vec<ItemId>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let last: i64 = conn
        .prepare_cached(
            "UPDATE work_item_ids SET last_id = last_id + ?1 WHERE singleton = 1 RETURNING last_id",
        )
        .and_then(|mut s| s.query_row([i64::from(n)], |r| r.get(0)))
        .map_err(map_sqlite)?;
    Ok((last - i64::from(n) + 1..=last).map(ItemId).collect())
}

fn insert_item(conn: &Connection, id: ItemId, row: &Sql) -> StoreResult<()> {
    exec(conn, row).map_err(|e| item_exists(id, e))?;
    Ok(())
}

fn insert_record(conn: &Connection, r: &RecordSql) -> StoreResult<()> {
    exec(conn, &r.sql).map_err(|e| record_exists(r, e))?;
    Ok(())
}

fn transition(conn: &Connection, t: &TransitionSql) -> Done {
    if exec(conn, &t.update)? == 0 {
        let exists = conn
            .prepare_cached("SELECT id FROM work_items WHERE id = ?1")
            .and_then(|mut s| s.query([t.id.0])?.next().map(|r| r.is_some()))
            .map_err(map_sqlite)?;
        return Err(lost_race(t, exists));
    }
    insert_record(conn, &t.record)?;
    let ids = reserve(conn, u32::try_from(t.children.len()).unwrap_or(u32::MAX))?;
    for (spec, child_id) in t.children.iter().zip(&ids) {
        let child = spec.clone().into_item(*child_id);
        insert_item(
            conn,
            *child_id,
            &insert_item_sql(&child, &ItemExtras::default())?,
        )?;
        for e in &child.history {
            insert_record(
                conn,
                &record_sql(*child_id, &TransitionRecord::new(e.clone()))?,
            )?;
        }
    }
    Ok(ids)
}

fn run_op(conn: &Connection, op: &WriteOp) -> Done {
    match op {
        WriteOp::Reserve(n) => reserve(conn, *n),
        WriteOp::Insert { id, row, records } => {
            insert_item(conn, *id, row)?;
            for r in records {
                insert_record(conn, r)?;
            }
            Ok(Vec::new())
        }
        WriteOp::Transition(t) => transition(conn, t),
    }
}
