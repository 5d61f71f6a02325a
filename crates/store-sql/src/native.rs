//! The door through which a backend runs the hot work-item statements on its own connections.
//!
//! Why: on SQLite, sqlx's thread-per-connection model dominated the cost of work-item writes and
//! reads (ARCHITECTURE.md, "Work items", speed on SQLite), so `yiping-store-sqlite` runs them on
//! native rusqlite connections, writes through a group-commit thread. The statements stay here,
//! built once for both databases; only where they run differs. A backend that has such a path
//! hands a [`NativeWorkItems`] to [`crate::SqlStore::with_native`] when it opens the store;
//! PostgreSQL hands none, and its work-item writes run in pooled transactions, its reads through
//! sqlx.
//!
//! What an implementation gets from here: each write as prepared statements ([`WriteOp`]: the
//! `$n` text of a [`Sql`] and its [`Arg`]s, [`Sql::positional`] for `?` placeholders) and the
//! errors it must report when a write fails ([`item_exists`], [`record_exists`], [`lost_race`]);
//! the read statements ([`ONE_SQL`], [`HEAD_SQL`], [`list_sql`], [`count_sql`]); and the decoders
//! of their rows ([`Cols`], [`item_from_row`], [`record_from_row`]), so that a native row decodes
//! exactly as a sqlx row does.

use async_trait::async_trait;
use yiping_flow::ItemId;
use yiping_store::{Page, Paged, StoreResult, StoredWorkItem, WorkItemFilter};

pub use crate::args::{Arg, Sql};
pub use crate::work_item_writes::{
    Done, RecordSql, TransitionSql, WriteOp, insert_item_sql, item_exists, lost_race,
    record_exists, record_sql,
};
pub use crate::work_items::{
    Cols, HEAD_SQL, ONE_SQL, count_sql, item_from_row, list_sql, record_from_row,
};

/// A backend's own path for the work-item writes and the hot work-item reads. The reads are
/// synchronous: they are short, and run in place on the calling task.
#[async_trait]
pub trait NativeWorkItems: Send + Sync + std::fmt::Debug {
    /// Runs one write and answers once it is committed, or failed with nothing of it written.
    async fn write(&self, op: WriteOp) -> Done;

    /// One item with its history ([`ONE_SQL`]).
    fn item(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>>;

    /// One item without its history ([`HEAD_SQL`]).
    fn head(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>>;

    /// A page of items and the number matching ([`list_sql`], [`count_sql`]).
    fn list(&self, filter: &WorkItemFilter, page: Page) -> StoreResult<Paged<StoredWorkItem>>;

    /// A large write has just committed outside this path (an import on the pool): the backend
    /// may fold its log back into the database soon (SQLite's checkpoint thread). Default: nothing.
    fn after_bulk_write(&self) {}

    /// Refuses further writes and reads and closes the connections.
    async fn close(&self);
}
