//! The storage interface of yiping: what is kept, as traits and the types they take and return.
//!
//! Principal types: the [`Store`] trait — entities, indicators, observations with their audit,
//! targets, schemes and evaluation results — and its supertraits, each named for what it holds:
//! [`WorkItemStore`] (work items and their history, [`StoredWorkItem`], [`TransitionRecord`]),
//! [`UserStore`] (users, sessions, API tokens and sign-in attempts), [`MapStore`] (the region
//! boundaries the map draws) and [`AuditStore`] (the trail of [`AuditEvent`]s), [`ConfigStore`] (a city's configuration
//! files), [`IdempotencyStore`] (the remembered answers of retried API requests),
//! [`NotificationStore`] (what people are told, and the copies sent by e-mail and webhook),
//! [`AlertStateStore`] (alert instances, their changes of state, silences) and [`QualityStore`]
//! (validation findings and seasonal outlier flags). A `&dyn Store`
//! holds them all. Around them: [`StoreError`] and [`StoreResult`], [`ChangeContext`] (who
//! changes what, when), the paging ([`Page`], [`Paged`]) and the filter of every list.
//!
//! Nothing here names a database library: backends convert their errors into [`StoreError`].
//! The one implementation is `yiping-store-sql`, opened by `yiping-store-sqlite` or
//! `yiping-store-postgres`; `yiping-store-conformance` holds the scenarios every backend passes.

mod alert_states;
mod audit;
mod config;
mod error;
mod evaluations;
mod idempotency;
mod maps;
mod notifications;
mod pending;
mod quality;
mod types;
mod users;
mod work_items;

pub use alert_states::{
    AlertStateStore, AlertTransitionRecord, NewSilence, Silence, StoredAlertInstance,
};
pub use audit::{AuditEvent, AuditStore};
pub use config::{ConfigFile, ConfigStore};
pub use error::StoreError;
pub use evaluations::{
    BreakdownItem, ColourDef, EvaluationPage, EvaluationRow, EvaluationRun, GradeDef, ItemDef,
    NewScheme, ResultFilter, ResultHistoryEntry, ResultSlice, Rgb, RunMeta, StoredScheme,
    serialize_compact,
};
pub use idempotency::{IdempotencyClaim, IdempotencyStore, IdempotentAnswer};
pub use maps::MapStore;
pub use notifications::{
    AttemptOutcome, DeliveryAttempt, DeliveryStatus, NewDelivery, NewNotification,
    NotificationStore, StoredDelivery, StoredNotification,
};
pub use pending::{FollowUp, PendingChange, PendingStore};
pub use quality::{
    Finding, NewFinding, NewOutlierFlag, OutlierFlag, OutlierReview, QualityFilter, QualityStore,
};
pub use types::{
    ApplyOptions, ApplyReport, AuditEntry, Backend, ChangeContext, EntityChange, EntityFilter,
    EntityUpsert, ObservationFilter, Page, Paged, ParentRef, TargetFilter, UpsertReport,
};
pub use users::{
    ApiTokenInfo, LoginRecord, NewSession, NewUser, StoredSession, StoredUser, ThrottleKey,
    UserStore,
};
pub use work_items::{
    AlertLink, EvaluationLink, ItemExtras, PROBLEM_SOURCES, StoredWorkItem, TransitionRecord,
    WorkItemFilter, WorkItemStore, next_due,
};

use async_trait::async_trait;
use yiping_kernel::{
    Entity, EntityId, Indicator, IndicatorId, Measure, NewIndicator, Observation, ObservationKey,
    ObservationValue, Period, Target,
};

/// A store's connection pool at one instant ([`Store::pool_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (in use or idle).
    pub size: u32,
    /// Connections open and waiting for work.
    pub idle: u32,
    /// The most connections the pool will open.
    pub max: u32,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything yiping keeps. Every method that writes more than one row is one transaction:
/// it either happens whole or not at all.
#[async_trait]
pub trait Store:
    WorkItemStore
    + UserStore
    + MapStore
    + AuditStore
    + ConfigStore
    + PendingStore
    + IdempotencyStore
    + NotificationStore
    + AlertStateStore
    + QualityStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// A cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    /// The connection pool as it is now (for monitoring): connections open and idle.
    fn pool_stats(&self) -> PoolStats;

    /// Folds what is committed back into the database's main file and empties its log: SQLite's
    /// write-ahead log is checkpointed and truncated (at the end of every command, so that a
    /// finished import does not leave a log of its size behind). Nothing to do on a server
    /// database, hence the default.
    async fn checkpoint(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Inserts or updates entities in order. An entity is the same as a stored one when kind and
    /// code match, or, without a code, when kind and name match exactly one stored entity.
    /// Parent links are laid over the stored ones, never erasing history
    /// ([`yiping_kernel::merge_parent_links`]): a link dated from 2025-01-01 closes the stored
    /// link the day before; an undated link corrects the current parent; none keeps them.
    async fn upsert_entities(
        &self,
        items: &[EntityUpsert],
        ctx: &ChangeContext,
    ) -> StoreResult<Vec<(EntityId, EntityChange)>>;

    async fn entity(&self, id: EntityId) -> StoreResult<Option<Entity>>;

    /// Every entity, with aliases, groups and parent links (to build a catalogue).
    async fn all_entities(&self) -> StoreResult<Vec<Entity>>;

    async fn entities(&self, filter: &EntityFilter, page: Page) -> StoreResult<Paged<Entity>>;

    /// Ids of `root` and everything below it on `date` (by effective-dated links).
    async fn subtree(&self, root: EntityId, date: chrono::NaiveDate) -> StoreResult<Vec<EntityId>>;

    /// Inserts or updates indicators matched by code.
    async fn upsert_indicators(
        &self,
        items: &[NewIndicator],
        ctx: &ChangeContext,
    ) -> StoreResult<UpsertReport>;

    async fn indicators(&self) -> StoreResult<Vec<Indicator>>;

    /// Applies a batch of observations in one transaction: new keys are inserted with revision 1,
    /// changed values get the next revision and an audit entry keeping the old value, identical
    /// values are left alone. With `opts.dry_run` nothing is written and the report says what
    /// would change. Keys in the batch must be unique.
    async fn apply_observations(
        &self,
        batch: &[(ObservationKey, ObservationValue)],
        ctx: &ChangeContext,
        opts: ApplyOptions,
    ) -> StoreResult<ApplyReport>;

    async fn observations(
        &self,
        filter: &ObservationFilter,
        page: Page,
    ) -> StoreResult<Paged<Observation>>;

    /// All values of one indicator, period and measure (a column, for evaluation).
    async fn observation_slice(
        &self,
        indicator: IndicatorId,
        period: Period,
        measure: Measure,
    ) -> StoreResult<Vec<(EntityId, ObservationValue)>>;

    /// The audit trail of one observation, newest first.
    async fn audit(&self, key: &ObservationKey, page: Page) -> StoreResult<Paged<AuditEntry>>;

    /// Inserts or replaces targets keyed by entity, indicator, year and kind.
    async fn upsert_targets(
        &self,
        targets: &[Target],
        ctx: &ChangeContext,
    ) -> StoreResult<UpsertReport>;

    async fn targets(&self, filter: &TargetFilter) -> StoreResult<Vec<Target>>;

    /// Inserts a scheme version keyed by code and year, or replaces its text (the version number
    /// goes up by one when anything changed).
    async fn upsert_scheme(
        &self,
        scheme: &NewScheme,
        ctx: &ChangeContext,
    ) -> StoreResult<(StoredScheme, EntityChange)>;

    /// Every stored scheme version, by code then year.
    async fn schemes(&self) -> StoreResult<Vec<StoredScheme>>;

    /// Replaces the stored results of `run.scheme` for `run.period` by `rows`, in one transaction.
    async fn replace_evaluation(
        &self,
        run: &EvaluationRun,
        rows: &[EvaluationRow],
    ) -> StoreResult<()>;

    /// The stored evaluation of a scheme for a period, rows in league-table order; `None` when the
    /// scheme was not evaluated for that period.
    async fn evaluation(
        &self,
        scheme: &str,
        period: Period,
        filter: &ResultFilter,
        page: Page,
    ) -> StoreResult<Option<EvaluationPage>>;

    /// The headers of the stored evaluations of a scheme (of every scheme with `None`), by scheme
    /// and then by the period's last day.
    async fn evaluation_runs(&self, scheme: Option<&str>) -> StoreResult<Vec<EvaluationRun>>;

    /// Every row of one stored evaluation in its compact form (empty when there is none).
    async fn evaluation_slice(&self, scheme: &str, period: Period)
    -> StoreResult<Vec<ResultSlice>>;

    /// One entity's stored results in a scheme, oldest period first.
    async fn evaluation_history(
        &self,
        scheme: &str,
        entity: EntityId,
    ) -> StoreResult<Vec<ResultHistoryEntry>>;
}
