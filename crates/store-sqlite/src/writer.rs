//! Group commit for SQLite: the work-item writes ([`WriteOp`]) of every caller go through one
//! native SQLite connection (rusqlite, over the same libsqlite3 as sqlx), many per transaction.
//!
//! Why: SQLite has one writer at a time. Writers on several pooled sqlx connections each waited
//! for the lock in SQLite's busy handler, which sleeps (1 ms, 2 ms, 5 ms …) instead of queueing;
//! and sqlx runs every statement on the connection's own thread, so a transition's `BEGIN`,
//! `UPDATE`, `INSERT` and `COMMIT` were four round trips between threads — profiles showed most
//! of the time in the kernel switching threads, not in SQLite.
//!
//! How: a caller queues its write, then waits for the connection (a fair async lock). Whoever
//! holds it takes everything queued (up to [`MAX_BATCH`] writes), opens one `BEGIN IMMEDIATE`
//! transaction, runs each write inside its own savepoint (a write that fails — a lost version
//! check, a constraint — is rolled back to its savepoint alone, so each still succeeds or fails
//! on its own), commits once, and answers every caller of the batch; a caller whose write was
//! done by an earlier holder just takes its answer. Nobody hears of success before the commit.
//! The batch runs in place, synchronously (it cannot be interrupted half-way; a write whose
//! caller has gone before its batch started is skipped). Checkpoints, the one slow part of a
//! WAL database, are not run by commits here but by a background thread
//! ([`Checkpointer`]), so that no caller waits for one; it also keeps the log bounded.
//!
//! Where the parts are: each write's statements are built once for both databases in
//! `yiping_store_sql` (`work_item_writes`) and arrive here as a [`WriteOp`]; `crate::exec` runs
//! one on the connection; `crate::native` hands this writer, with the native reads
//! (`crate::reads`), to the shared `SqlStore` through [`yiping_store_sql::native::NativeWorkItems`].

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, mpsc as std_mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;
use yiping_store::{StoreError, StoreResult};
use yiping_store_sql::native::{Done, WriteOp};

use crate::exec::{map_sqlite, run_op};

/// The most writes one transaction applies.
const MAX_BATCH: usize = 64;

/// Commits between two background checkpoints.
const CHECKPOINT_EVERY: u32 = 128;

/// Commits between two looks at the log's size by the writer itself.
const WAL_CHECK_EVERY: u32 = 8;

/// Under steady writing the checkpoint thread's truncating checkpoint loses the race for the write
/// lock to the writer (the log reached 20 MB in 3 s of eight clients), so the writer truncates the
/// log itself, between two batches, when it has grown past [`WAL_TRUNCATE_AT`]: the batches
/// waiting meanwhile wait for one checkpoint (tens of milliseconds), and the log stays bounded.
fn truncate_if_large(conn: &Connection, wal: &Path) {
    if std::fs::metadata(wal).is_ok_and(|m| m.len() > WAL_TRUNCATE_AT)
        && let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        })
    {
        tracing::warn!(error = %e, "WAL checkpoint by the writer failed");
    }
}

type Pending = (WriteOp, oneshot::Sender<Done>);

/// The handle callers submit writes through.
#[derive(Debug)]
pub(crate) struct Writer {
    /// `None` once closed.
    conn: tokio::sync::Mutex<Option<Connection>>,
    queue: Mutex<Vec<Pending>>,
    commits: AtomicU32,
    checkpointer: Checkpointer,
    /// The write-ahead log, whose size the writer watches.
    wal: std::path::PathBuf,
}

fn closed() -> StoreError {
    StoreError::Unavailable {
        message: "数据库写入连接已关闭".to_string(),
    }
}

/// Opens a native connection to an existing database file.
pub(crate) fn open(path: &Path, pragmas: &str, busy: Duration) -> StoreResult<Connection> {
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
    Ok(conn)
}

impl Writer {
    /// Opens the write connection to the database at `path` (which must exist) with `pragmas`,
    /// and starts the checkpoint thread.
    pub(crate) fn start(path: &Path, pragmas: &str, busy: Duration) -> StoreResult<Self> {
        let conn = open(path, pragmas, busy)?;
        conn.set_prepared_statement_cache_capacity(64);
        // Commits here never checkpoint; the checkpoint thread does.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(map_sqlite)?;
        Ok(Self {
            conn: tokio::sync::Mutex::new(Some(conn)),
            queue: Mutex::new(Vec::new()),
            commits: AtomicU32::new(0),
            checkpointer: Checkpointer::start(open(path, pragmas, busy)?, path)?,
            wal: wal_path(path),
        })
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        // A panic while the queue is locked leaves a valid Vec: take it back.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a write and waits until its transaction is committed (or the write failed): its
    /// answer comes from whoever holds the connection, or this caller takes the connection and
    /// runs the queued batch itself.
    pub(crate) async fn submit(&self, op: WriteOp) -> Done {
        let (reply, mut answer) = oneshot::channel();
        self.queue().push((op, reply));
        loop {
            let conn = tokio::select! {
                biased;
                done = &mut answer => return done.unwrap_or_else(|_| Err(closed())),
                conn = self.conn.lock() => conn,
            };
            if let Ok(done) = answer.try_recv() {
                return done; // an earlier holder wrote it
            }
            let Some(c) = conn.as_ref() else {
                return Err(closed());
            };
            let batch: Vec<Pending> = {
                let mut q = self.queue();
                let n = q.len().min(MAX_BATCH);
                q.drain(..n).collect()
            };
            if run_batch(c, batch) {
                let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(WAL_CHECK_EVERY) {
                    truncate_if_large(c, &self.wal);
                }
                if n.is_multiple_of(CHECKPOINT_EVERY) {
                    self.checkpointer.nudge();
                }
            }
            drop(conn);
            // Unless the write was beyond MAX_BATCH (then the next holder takes it), its answer
            // is there now.
        }
    }

    /// Asks the checkpoint thread to look at the log now (after a bulk write elsewhere).
    pub(crate) fn checkpoint_soon(&self) {
        self.checkpointer.nudge();
    }

    /// Refuses further writes and closes the connection (queued writes are refused).
    pub(crate) async fn close(&self) {
        let mut conn = self.conn.lock().await;
        *conn = None;
        self.queue().clear();
        self.checkpointer.stop();
    }
}

fn control(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(map_sqlite)
}

/// A copy of a failure that ended a whole batch, for each of its callers.
fn batch_failed(e: &StoreError) -> StoreError {
    StoreError::Database {
        message: e.to_string(),
    }
}

/// Runs a batch in one transaction and answers each caller; returns whether it committed.
fn run_batch(conn: &Connection, batch: Vec<Pending>) -> bool {
    // A caller that has gone before its write started does not get it written.
    let batch: Vec<Pending> = batch.into_iter().filter(|(_, r)| !r.is_closed()).collect();
    if batch.is_empty() {
        return false;
    }
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        for (_, reply) in batch {
            let _ = reply.send(Err(batch_failed(&e)));
        }
        return false;
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
            true
        }
        Some(e) => {
            tracing::error!(error = %e, "work-item write batch rolled back");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            for (reply, done) in answers {
                let _ = reply.send(done.and_then(|_| Err(batch_failed(&e))));
            }
            false
        }
    }
}

/// A thread with its own connection that copies the WAL back into the database file when nudged
/// (every [`CHECKPOINT_EVERY`] group commits, after a bulk write on the pool) and every
/// [`CHECKPOINT_TICK`] on its own.
///
/// Why not only passive checkpoints: `wal_checkpoint(PASSIVE)` never blocks anyone, but while
/// readers keep arriving the log is never restarted and the file only grows (2.2 GB after a
/// minute of writes on a 44 MB database). So when the log file is larger than [`WAL_TRUNCATE_AT`]
/// the thread runs `wal_checkpoint(TRUNCATE)`, which waits (at most [`TRUNCATE_WAIT`], then it
/// tries again on the next tick) for the readers of older snapshots and the writer, copies
/// everything back and truncates the log to zero bytes; `journal_size_limit` (in the pragmas of
/// every connection) also trims the log whenever a writer restarts it.
#[derive(Debug)]
struct Checkpointer {
    /// `None` once stopped (the thread ends and closes its connection).
    nudge: Mutex<Option<std_mpsc::Sender<()>>>,
}

/// How often the checkpoint thread looks at the log without being nudged.
const CHECKPOINT_TICK: Duration = Duration::from_secs(5);

/// The log size above which a checkpoint truncates the log (the same as `journal_size_limit`): a few seconds of heavy writing.
pub(crate) const WAL_TRUNCATE_AT: u64 = 16 * 1024 * 1024;

/// How long a truncating checkpoint waits for readers and the writer before giving up.
const TRUNCATE_WAIT: Duration = Duration::from_secs(2);

/// The write-ahead log of the database at `db`.
pub(crate) fn wal_path(db: &Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_os_string();
    p.push("-wal");
    p.into()
}

/// One checkpoint: passive, or truncating when the log has grown past [`WAL_TRUNCATE_AT`].
fn checkpoint(conn: &Connection, wal: &Path) {
    let size = std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
    let sql = if size > WAL_TRUNCATE_AT {
        "PRAGMA wal_checkpoint(TRUNCATE);"
    } else {
        "PRAGMA wal_checkpoint(PASSIVE);"
    };
    // The pragma answers (busy, log frames, checkpointed frames); busy means "next time".
    match conn.query_row(sql, [], |r| r.get::<_, i64>(0)) {
        Ok(1) => tracing::debug!(wal_bytes = size, "WAL checkpoint postponed: database busy"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
    }
}

impl Checkpointer {
    fn start(conn: Connection, db: &Path) -> StoreResult<Self> {
        let (nudge, rx) = std_mpsc::channel::<()>();
        let wal = wal_path(db);
        conn.busy_timeout(TRUNCATE_WAIT).map_err(map_sqlite)?;
        std::thread::Builder::new()
            .name("yiping-sqlite-checkpoint".into())
            .spawn(move || {
                // Nudged, or a tick without one; the sender gone means the store closed.
                while let Ok(()) | Err(std_mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(CHECKPOINT_TICK)
                {
                    while rx.try_recv().is_ok() {}
                    checkpoint(&conn, &wal);
                }
            })
            .map_err(|e| StoreError::Unavailable {
                message: format!("无法启动检查点线程：{e}"),
            })?;
        Ok(Self {
            nudge: Mutex::new(Some(nudge)),
        })
    }

    fn nudge(&self) {
        if let Ok(tx) = self.nudge.lock()
            && let Some(tx) = tx.as_ref()
        {
            let _ = tx.send(());
        }
    }

    fn stop(&self) {
        if let Ok(mut tx) = self.nudge.lock() {
            tx.take();
        }
    }
}
