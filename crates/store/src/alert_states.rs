//! The states of alert instances ([`AlertStateStore`]): one instance per (rule, entity) with its
//! state and counters, the history of its changes, and silences. The state machine itself is
//! pure (`yiping_eval::alerts::states`); states are kept here by their codes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_kernel::EntityId;

use crate::StoreResult;

/// An alert instance as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAlertInstance {
    pub rule: String,
    pub entity: EntityId,
    /// The state's code (`normal`, `pending`, `firing`, `recovering`, `no_data`, `error`).
    pub state: String,
    pub count: u32,
    pub was_firing: bool,
    /// The last period observed (its code) and its last day (`YYYY-MM-DD`, for ordering).
    pub period: String,
    pub period_end: String,
    /// The value measured in that period.
    pub value: Option<f64>,
    pub updated_at: DateTime<Utc>,
}

/// One change of state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertTransitionRecord {
    pub rule: String,
    pub entity: EntityId,
    pub period: String,
    pub from: String,
    pub to: String,
    pub value: Option<f64>,
    pub at: DateTime<Utc>,
}

/// A silence to store: no notifications for the matching alerts between `starts_at` and
/// `ends_at` (a rule or entity left out matches all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSilence {
    pub rule: Option<String>,
    pub entity: Option<EntityId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A stored silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Silence {
    pub id: i64,
    pub rule: Option<String>,
    pub entity: Option<EntityId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Silence {
    /// Whether it silences `rule` for `entity` at `at` (it expires by itself at `ends_at`).
    pub fn covers(&self, rule: &str, entity: EntityId, at: DateTime<Utc>) -> bool {
        self.starts_at <= at
            && at < self.ends_at
            && self.rule.as_deref().is_none_or(|r| r == rule)
            && self.entity.is_none_or(|e| e == entity)
    }
}

/// Storage of alert states. Part of [`crate::Store`].
#[async_trait]
pub trait AlertStateStore: Send + Sync {
    /// Every instance, by rule and entity.
    async fn alert_instances(&self) -> StoreResult<Vec<StoredAlertInstance>>;

    async fn alert_instance(
        &self,
        rule: &str,
        entity: EntityId,
    ) -> StoreResult<Option<StoredAlertInstance>>;

    /// Writes (inserts or replaces) an instance and, when its state changed, the change: one
    /// transaction.
    async fn record_alert_state(
        &self,
        instance: &StoredAlertInstance,
        transition: Option<&AlertTransitionRecord>,
    ) -> StoreResult<()>;

    /// The changes of one instance, oldest first.
    async fn alert_transitions(
        &self,
        rule: &str,
        entity: EntityId,
    ) -> StoreResult<Vec<AlertTransitionRecord>>;

    /// Up to `limit` changes of every instance, newest first.
    async fn recent_alert_transitions(&self, limit: u32)
    -> StoreResult<Vec<AlertTransitionRecord>>;

    async fn add_silence(&self, silence: &NewSilence) -> StoreResult<i64>;

    /// Every silence, newest first.
    async fn silences(&self) -> StoreResult<Vec<Silence>>;
}
