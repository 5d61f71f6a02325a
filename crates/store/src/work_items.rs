//! Stored work items of the closed loop (DOMAIN §13–§15): the item as the flow engine left it,
//! what the engine does not know (problem source, Open311 fields), and the full transition
//! history with who, unit, when, from → to, note, clock time used and the overdue flag.
//!
//! Writes use optimistic concurrency: [`WorkItemStore::apply_transition`] writes the next version
//! only when the stored version is the one the caller read; otherwise it returns
//! [`crate::StoreError::Conflict`] and writes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiping_flow::{ChildSpec, HistoryEntry, ItemId, ItemKind, Stage, WorkItem};
use yiping_kernel::EntityId;

use crate::{Page, Paged, StoreResult};

/// The eight sources of a problem register entry (问题来源).
pub const PROBLEM_SOURCES: [&str; 8] = [
    "巡视",
    "督查",
    "审计",
    "环保",
    "网络舆情",
    "安全生产",
    "信访",
    "社会平安稳定",
];

/// What a work item carries besides the engine's model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemExtras {
    /// One of [`PROBLEM_SOURCES`] for a 问题.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The Open311 `address_id` a client gave as the location (an id of its own address book).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// The Open311 token handed out when a request was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The evaluation result that raised this 问题 (scheme `[problems]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationLink>,
    /// The early-warning firing that raised this 问题 (an indicator alert rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<AlertLink>,
    /// Open311 service attributes posted with a request (`attribute[code]`), by code.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, Vec<String>>,
}

/// The evaluation result a 问题 item was raised for: one item per (scheme, period, entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationLink {
    pub scheme: String,
    /// The period's code (`2024Q1`).
    pub period: String,
    pub entity: EntityId,
    /// The indicator codes the scheme reads.
    pub indicators: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The alert firing a 问题 item was raised for: one item per (rule, indicator, period, entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLink {
    /// The rule's code.
    pub rule: String,
    /// The indicator's code.
    pub indicator: String,
    /// The period's code (`2024M01-M09`).
    pub period: String,
    pub entity: EntityId,
    /// The measured figure (value, growth, or completion rate for a 序时进度 rule).
    pub value: f64,
    /// The rule's threshold as compared (see `yiping_eval::alerts::Firing`).
    pub threshold: f64,
    pub severity: String,
}

impl AlertLink {
    /// Whether `other` is the same firing (rule, indicator, period, entity).
    pub fn same_firing(&self, other: &AlertLink) -> bool {
        self.rule == other.rule
            && self.indicator == other.indicator
            && self.period == other.period
            && self.entity == other.entity
    }
}

/// One stored transition: the engine's history entry plus what the store adds for reading and
/// metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRecord {
    pub entry: HistoryEntry,
    /// The reason, result or explanation given with the command, if any.
    pub note: Option<String>,
    /// Clock time used since the previous step, in units of the item's clock.
    pub clock_used: Option<f64>,
    /// Whether the item was overdue when the step happened.
    pub overdue: bool,
}

impl TransitionRecord {
    pub fn new(entry: HistoryEntry) -> Self {
        Self {
            entry,
            note: None,
            clock_used: None,
            overdue: false,
        }
    }
}

/// A stored item with its extras and (when read one by one) its transition history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredWorkItem {
    /// The item; `item.history` holds the entries of `records` (empty in lists).
    pub item: WorkItem,
    pub extras: ItemExtras,
    pub records: Vec<TransitionRecord>,
}

/// Which items to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkItemFilter {
    /// Items owned by, dispatched to, or escalated to this unit (a unit's inbox).
    pub unit: Option<EntityId>,
    /// With `unit`: also the items located at that unit (a grid worker's inbox holds what
    /// happens in their grid, whoever handles it).
    pub or_located: bool,
    pub kind: Option<ItemKind>,
    pub stages: Vec<Stage>,
    /// Only open items (not 结案, 不予立案 or 撤销).
    pub open_only: bool,
    /// Only items with a pending deadline before this instant (overdue at that time).
    pub due_before: Option<DateTime<Utc>>,
    pub category_prefix: Option<String>,
    pub problem_source: Option<String>,
    pub enterprise: Option<EntityId>,
    pub parent: Option<ItemId>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub supervised: Option<bool>,
    /// Ids to list (Open311 `service_request_id`).
    pub ids: Vec<ItemId>,
}

/// The earliest deadline still to be met: `None` for ended or suspended items.
pub fn next_due(item: &WorkItem) -> Option<DateTime<Utc>> {
    if item.stage.is_terminal() || item.suspension.is_some() {
        return None;
    }
    item.stage
        .pending_deadlines()
        .iter()
        .filter_map(|s| item.deadline(*s))
        .min()
}

/// Storage of work items. Implemented by the SQL store and part of [`crate::Store`].
#[async_trait]
pub trait WorkItemStore: Send + Sync {
    /// Reserves `n` fresh item ids (never handed out again). Numbers may be skipped: a store
    /// may reserve a block ahead, as a database sequence caches values.
    async fn reserve_item_ids(&self, n: u32) -> StoreResult<Vec<ItemId>>;

    /// Stores a new item (with a reserved id) and its history records. A second insert of the
    /// same id is a conflict.
    async fn insert_work_item(
        &self,
        item: &WorkItem,
        extras: &ItemExtras,
        records: &[TransitionRecord],
    ) -> StoreResult<()>;

    /// One item with its full history, in version order.
    async fn work_item(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>>;

    /// One item without its history (`records` and `item.history` empty): what a transition
    /// needs, at the cost of one row.
    async fn work_item_head(&self, id: ItemId) -> StoreResult<Option<StoredWorkItem>>;

    /// The item an Open311 token was given for.
    async fn work_item_by_token(&self, token: &str) -> StoreResult<Option<ItemId>>;

    /// Items matching the filter, newest first (by received time, then id), without histories.
    async fn work_items(
        &self,
        filter: &WorkItemFilter,
        page: Page,
    ) -> StoreResult<Paged<StoredWorkItem>>;

    /// Every item with its history: for metrics over a period (`received_before` bounds it).
    async fn work_items_with_history(
        &self,
        received_before: DateTime<Utc>,
    ) -> StoreResult<Vec<WorkItem>>;

    /// The children of a fanned-out item, with histories.
    async fn child_items(&self, parent: ItemId) -> StoreResult<Vec<WorkItem>>;

    /// In one transaction: replaces item `previous.id` by `next` if its stored version is still
    /// `previous.version` (otherwise [`crate::StoreError::Conflict`] and nothing is written),
    /// appends `record`, and creates the `children` (with fresh ids, returned in order).
    /// `previous` is the item as read from this store at that version (with or without its
    /// history): only the columns that differ from it are written.
    async fn apply_transition(
        &self,
        previous: &WorkItem,
        next: &WorkItem,
        record: &TransitionRecord,
        children: &[ChildSpec],
    ) -> StoreResult<Vec<ItemId>>;
}
