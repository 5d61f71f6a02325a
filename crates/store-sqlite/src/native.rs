//! SQLite's own path for work items, handed to the shared `SqlStore` when the store opens: the
//! writes go through the group-commit [`Writer`], the hot reads through native [`Readers`].
//! Every other statement stays on the sqlx pool.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use yiping_flow::ItemId;
use yiping_store::{Page, Paged, StoreResult, StoredWorkItem, WorkItemFilter};
use yiping_store_sql::native::{Done, NativeWorkItems, WriteOp};

use crate::reads::{self, Readers};
use crate::writer::Writer;

/// The group-commit writer and the native readers of one SQLite file.
#[derive(Debug)]
pub(crate) struct Native {
    writer: Writer,
    readers: Readers,
}

impl Native {
    /// Opens the write connection (and its checkpoint thread) to the database at `path`, which
    /// must exist; readers connect when first needed. Every connection gets `pragmas` and a busy
    /// timeout.
    pub(crate) fn open(path: &Path, pragmas: &str, busy: Duration) -> StoreResult<Self> {
        Ok(Self {
            writer: Writer::start(path, pragmas, busy)?,
            readers: Readers::new(path, pragmas, busy),
        })
    }
}

#[async_trait]
impl NativeWorkItems for Native {
    async fn write(&self, op: WriteOp) -> Done {
        self.writer.submit(op).await
    }

    fn item(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
        reads::one(&self.readers, id)
    }

    fn head(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
        reads::head(&self.readers, id)
    }

    fn list(&self, filter: &WorkItemFilter, page: Page) -> StoreResult<Paged<StoredWorkItem>> {
        reads::list(&self.readers, filter, page)
    }

    fn after_bulk_write(&self) {
        self.writer.checkpoint_soon();
    }

    async fn close(&self) {
        self.writer.close().await;
        self.readers.close();
    }
}
