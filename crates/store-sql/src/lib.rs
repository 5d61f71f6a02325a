//! The SQL implementation of [`yiping_store::Store`] and all its supertraits, shared by SQLite
//! and PostgreSQL: every statement yiping runs, and how rows decode back into the store's types.
//!
//! Principal type: [`SqlStore`], a pool of `sqlx::Any` connections plus the [`Dialect`] that
//! covers the few places where the two databases differ (how a write transaction starts, row
//! locks, how bulk rows arrive). Queries use `$n` placeholders, which both drivers accept; dates
//! and timestamps are ISO-8601 text and JSON is text, the types `Any` carries. Also here: the one
//! list of schema versions ([`migrations!`], [`migrator`]) and the door to a backend's own path
//! for the hot work-item statements ([`native::NativeWorkItems`], which SQLite supplies).
//!
//! The backend crates own the connection settings, the SQL of each migration and any native
//! path, and hand a ready pool to [`SqlStore::new`]. They use sqlx themselves; this crate's
//! sqlx-typed functions ([`map_err`], [`SqlStore::pool`]) are for them, and nothing above the
//! backends sees a sqlx type.
//!
//! Why one implementation over `Any` instead of one per backend: the statements are identical on
//! both databases, and one implementation means the conformance suite tests the same code twice
//! rather than two copies that drift apart.

mod alert_states;
mod args;
mod audit;
mod config;
mod entities;
mod errors;
mod evaluations;
mod idempotency;
mod indicators;
mod maps;
mod migrations;
pub mod native;
mod notifications;
mod observations;
mod pending;
mod quality;
mod rows;
mod spare_ids;
mod targets;
mod users;
mod work_item_writes;
mod work_items;

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::AnyPool;
use yiping_kernel::{
    Entity, EntityId, Indicator, IndicatorId, Measure, NewIndicator, Observation, ObservationKey,
    ObservationValue, Period, Target,
};
use yiping_store::{
    ApplyOptions, ApplyReport, AuditEntry, Backend, ChangeContext, EntityChange, EntityFilter,
    EntityUpsert, EvaluationPage, EvaluationRow, EvaluationRun, NewScheme, ObservationFilter, Page,
    Paged, ResultFilter, ResultHistoryEntry, ResultSlice, Store, StoreResult, StoredScheme,
    TargetFilter, UpsertReport,
};

pub use errors::map_err;

pub use migrations::{migration_error, migrator};

/// Where the two databases differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The statement that opens a write transaction. SQLite takes the write lock up front so that
    /// a read-then-write transaction cannot fail half-way with a busy snapshot.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// `SELECT <columns>, <extra> FROM <rows of the JSON array in $1>`: each element of the array
    /// is itself an array of scalars of the given types, returned in order as columns. `extra`
    /// expressions follow them.
    pub(crate) fn json_rows_select(self, types: &[ColumnType], extra: &[&str]) -> String {
        let cols: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| match (self, t) {
                (Self::Sqlite, _) => format!("j.value ->> {i}"),
                (Self::Postgres, ColumnType::Int) => format!("(j ->> {i})::bigint"),
                (Self::Postgres, ColumnType::Real) => format!("(j ->> {i})::float8"),
                (Self::Postgres, ColumnType::Text) => format!("j ->> {i}"),
            })
            .chain(extra.iter().map(|e| (*e).to_string()))
            .collect();
        match self {
            // `WHERE true` resolves SQLite's parsing ambiguity between a join and ON CONFLICT.
            Self::Sqlite => format!(
                "SELECT {} FROM json_each($1) AS j WHERE true",
                cols.join(", ")
            ),
            Self::Postgres => format!(
                "SELECT {} FROM json_array_elements($1::json) AS j",
                cols.join(", ")
            ),
        }
    }

    /// Appended to reads whose rows a transaction is about to change.
    pub(crate) fn lock_rows(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }
}

/// The type of a column unpacked from JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Int,
    Real,
    Text,
}

/// Rows written by one call from which a write counts as bulk (see
/// [`native::NativeWorkItems::after_bulk_write`]).
const BULK_WRITE_ROWS: usize = 1000;

/// A store on an `Any` pool whose schema is already migrated.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// The backend's own path for the work-item writes and hot reads (SQLite's native
    /// connections and group commit), if it has one.
    native: Option<std::sync::Arc<dyn native::NativeWorkItems>>,
    /// Item ids reserved ahead and not handed out yet.
    spare_ids: std::sync::Arc<spare_ids::SpareIds>,
}

impl SqlStore {
    pub fn new(pool: AnyPool, dialect: Dialect) -> Self {
        Self {
            pool,
            dialect,
            native: None,
            spare_ids: Default::default(),
        }
    }

    /// Sends the work-item writes and the hot work-item reads through the backend's own path
    /// (see [`native`]); the store closes it when it closes.
    pub fn with_native(mut self, native: std::sync::Arc<dyn native::NativeWorkItems>) -> Self {
        self.native = Some(native);
        self
    }

    /// The pool, for the backend crates (their settings, checkpoints and tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        // Give back the ids reserved ahead if nobody reserved after them.
        if let Some((first, last)) = self.spare_ids.drain_run() {
            let _ = sqlx::query(
                "UPDATE work_item_ids SET last_id = $1 WHERE singleton = 1 AND last_id = $2",
            )
            .bind(first.0 - 1)
            .bind(last.0)
            .execute(&self.pool)
            .await;
        }
        if let Some(n) = &self.native {
            n.close().await;
        }
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.dialect {
            Dialect::Sqlite => Backend::Sqlite,
            Dialect::Postgres => Backend::Postgres,
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn pool_stats(&self) -> yiping_store::PoolStats {
        yiping_store::PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn checkpoint(&self) -> StoreResult<()> {
        if self.dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    async fn upsert_entities(
        &self,
        items: &[EntityUpsert],
        ctx: &ChangeContext,
    ) -> StoreResult<Vec<(EntityId, EntityChange)>> {
        entities::upsert(self, items, ctx).await
    }

    async fn entity(&self, id: EntityId) -> StoreResult<Option<Entity>> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        Ok(entities::load(&mut conn, self.dialect, Some(&[id]))
            .await?
            .pop())
    }

    async fn all_entities(&self) -> StoreResult<Vec<Entity>> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        entities::load(&mut conn, self.dialect, None).await
    }

    async fn entities(&self, filter: &EntityFilter, page: Page) -> StoreResult<Paged<Entity>> {
        entities::list(self, filter, page).await
    }

    async fn subtree(&self, root: EntityId, date: NaiveDate) -> StoreResult<Vec<EntityId>> {
        entities::subtree(&self.pool, self.dialect, root, Some(date)).await
    }

    async fn upsert_indicators(
        &self,
        items: &[NewIndicator],
        ctx: &ChangeContext,
    ) -> StoreResult<UpsertReport> {
        indicators::upsert(self, items, ctx).await
    }

    async fn indicators(&self) -> StoreResult<Vec<Indicator>> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        indicators::load(&mut conn).await
    }

    async fn apply_observations(
        &self,
        batch: &[(ObservationKey, ObservationValue)],
        ctx: &ChangeContext,
        opts: ApplyOptions,
    ) -> StoreResult<ApplyReport> {
        let report = observations::apply(self, batch, ctx, opts).await?;
        // A big import leaves a log of its size: have it folded back soon.
        if !report.dry_run
            && report.inserted + report.updated >= BULK_WRITE_ROWS
            && let Some(n) = &self.native
        {
            n.after_bulk_write();
        }
        Ok(report)
    }

    async fn observations(
        &self,
        filter: &ObservationFilter,
        page: Page,
    ) -> StoreResult<Paged<Observation>> {
        observations::list(&self.pool, self.dialect, filter, page).await
    }

    async fn observation_slice(
        &self,
        indicator: IndicatorId,
        period: Period,
        measure: Measure,
    ) -> StoreResult<Vec<(EntityId, ObservationValue)>> {
        observations::slice(&self.pool, indicator, period, measure).await
    }

    async fn audit(&self, key: &ObservationKey, page: Page) -> StoreResult<Paged<AuditEntry>> {
        observations::audit(&self.pool, key, page).await
    }

    async fn upsert_targets(
        &self,
        targets: &[Target],
        ctx: &ChangeContext,
    ) -> StoreResult<UpsertReport> {
        targets::upsert(self, targets, ctx).await
    }

    async fn targets(&self, filter: &TargetFilter) -> StoreResult<Vec<Target>> {
        targets::list(&self.pool, self.dialect, filter).await
    }

    async fn upsert_scheme(
        &self,
        scheme: &NewScheme,
        ctx: &ChangeContext,
    ) -> StoreResult<(StoredScheme, EntityChange)> {
        evaluations::upsert_scheme(self, scheme, ctx).await
    }

    async fn schemes(&self) -> StoreResult<Vec<StoredScheme>> {
        evaluations::schemes(&self.pool).await
    }

    async fn replace_evaluation(
        &self,
        run: &EvaluationRun,
        rows: &[EvaluationRow],
    ) -> StoreResult<()> {
        evaluations::replace(self, run, rows).await
    }

    async fn evaluation(
        &self,
        scheme: &str,
        period: Period,
        filter: &ResultFilter,
        page: Page,
    ) -> StoreResult<Option<EvaluationPage>> {
        evaluations::page(&self.pool, self.dialect, scheme, period, filter, page).await
    }

    async fn evaluation_runs(&self, scheme: Option<&str>) -> StoreResult<Vec<EvaluationRun>> {
        evaluations::runs(&self.pool, scheme).await
    }

    async fn evaluation_slice(
        &self,
        scheme: &str,
        period: Period,
    ) -> StoreResult<Vec<ResultSlice>> {
        evaluations::slice(&self.pool, scheme, period).await
    }

    async fn evaluation_history(
        &self,
        scheme: &str,
        entity: EntityId,
    ) -> StoreResult<Vec<ResultHistoryEntry>> {
        evaluations::history(&self.pool, scheme, entity).await
    }
}

#[async_trait]
impl yiping_store::WorkItemStore for SqlStore {
    async fn reserve_item_ids(&self, n: u32) -> StoreResult<Vec<yiping_flow::ItemId>> {
        work_item_writes::reserve_ids(self, n).await
    }

    async fn insert_work_item(
        &self,
        item: &yiping_flow::WorkItem,
        extras: &yiping_store::ItemExtras,
        records: &[yiping_store::TransitionRecord],
    ) -> StoreResult<()> {
        work_item_writes::insert(self, item, extras, records).await
    }

    async fn work_item(
        &self,
        id: yiping_flow::ItemId,
    ) -> StoreResult<Option<yiping_store::StoredWorkItem>> {
        match &self.native {
            Some(n) => n.item(id),
            None => work_items::one(&self.pool, id).await,
        }
    }

    async fn work_item_head(
        &self,
        id: yiping_flow::ItemId,
    ) -> StoreResult<Option<yiping_store::StoredWorkItem>> {
        match &self.native {
            Some(n) => n.head(id),
            None => work_items::head(&self.pool, id).await,
        }
    }

    async fn work_item_by_token(&self, token: &str) -> StoreResult<Option<yiping_flow::ItemId>> {
        work_items::by_token(&self.pool, token).await
    }

    async fn work_items(
        &self,
        filter: &yiping_store::WorkItemFilter,
        page: Page,
    ) -> StoreResult<Paged<yiping_store::StoredWorkItem>> {
        match &self.native {
            Some(n) => n.list(filter, page),
            None => work_items::list(&self.pool, self.dialect, filter, page).await,
        }
    }

    async fn work_items_with_history(
        &self,
        received_before: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<yiping_flow::WorkItem>> {
        work_items::all_with_history(&self.pool, self.dialect, received_before).await
    }

    async fn child_items(
        &self,
        parent: yiping_flow::ItemId,
    ) -> StoreResult<Vec<yiping_flow::WorkItem>> {
        work_items::children(&self.pool, self.dialect, parent).await
    }

    async fn apply_transition(
        &self,
        previous: &yiping_flow::WorkItem,
        next: &yiping_flow::WorkItem,
        record: &yiping_store::TransitionRecord,
        children: &[yiping_flow::ChildSpec],
    ) -> StoreResult<Vec<yiping_flow::ItemId>> {
        work_item_writes::apply_transition(self, previous, next, record, children).await
    }
}
