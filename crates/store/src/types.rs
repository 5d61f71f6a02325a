use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiping_kernel::{
    EntityId, EntityKind, IndicatorId, Measure, NewEntity, ObservationKey, ObservationStatus,
    Period, StatusPolicy, TargetKind, Update,
};

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Who changes data, from where, and when (passed in: the store never reads the clock for
/// business data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeContext {
    pub actor: String,
    pub source: String,
    pub at: DateTime<Utc>,
    /// Set by a writer that runs the pipeline after its change: the observation and target writes
    /// then record what they changed (and the audit event) in their own transaction, as a
    /// [`crate::PendingChange`] to finish if the process dies before the follow-up is done.
    pub follow_up: Option<crate::FollowUp>,
}

impl ChangeContext {
    pub fn new(actor: impl Into<String>, source: impl Into<String>, at: DateTime<Utc>) -> Self {
        Self {
            actor: actor.into(),
            source: source.into(),
            at,
            follow_up: None,
        }
    }

    /// The same context, for a write that records its follow-up (see [`crate::FollowUp`]).
    pub fn with_follow_up(mut self, follow_up: crate::FollowUp) -> Self {
        self.follow_up = Some(follow_up);
        self
    }
}

/// A parent of an entity being upserted: an entity already stored, or one earlier in the same
/// batch (by index), so that a whole tree loads in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentRef {
    Existing(EntityId),
    Earlier(usize),
}

/// One entity to insert or update, with its parent links.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityUpsert {
    /// The entity; its `parents` field is ignored in favour of `parents` below.
    pub entity: NewEntity,
    pub parents: Vec<(ParentRef, Option<NaiveDate>, Option<NaiveDate>)>,
}

impl EntityUpsert {
    pub fn new(entity: NewEntity) -> Self {
        Self {
            entity,
            parents: Vec::new(),
        }
    }

    pub fn with_parent(mut self, parent: ParentRef) -> Self {
        self.parents.push((parent, None, None));
        self
    }
}

/// What an upsert did to one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityChange {
    Inserted,
    Updated,
    Unchanged,
}

/// Counts of an upsert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpsertReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The follow-up recorded with the write ([`crate::PendingChange`]), when it was asked for
    /// and something changed.
    #[serde(skip)]
    pub pending: Option<i64>,
}

/// How to apply a batch of observations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Compute what would change, write nothing.
    pub dry_run: bool,
    /// Whether the batch states statuses (see [`StatusPolicy`]).
    pub status: StatusPolicy,
    /// Refuse the batch when it would change an approved (已审核) value, its number or its
    /// status: nothing is written and [`ApplyReport::approved_changes`] lists them. Without it
    /// such changes are applied (the caller has the right to reopen them) and still listed.
    pub keep_approved: bool,
}

impl ApplyOptions {
    pub fn write() -> Self {
        Self::default()
    }

    pub fn dry_run() -> Self {
        Self {
            dry_run: true,
            ..Self::default()
        }
    }
}

/// What applying a batch of observations did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The first changes (at most 50), with old and new values, for previews.
    pub sample_updates: Vec<Update>,
    /// Every update of a value that was approved (已审核): refused under
    /// [`ApplyOptions::keep_approved`] (then nothing was written), reopened otherwise.
    pub approved_changes: Vec<Update>,
    pub dry_run: bool,
    /// The follow-up recorded with the write ([`crate::PendingChange`]), when it was asked for
    /// and something changed.
    pub pending: Option<i64>,
}

/// Offset paging. `limit` is clamped to 1..=[`Page::MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    pub const MAX_LIMIT: u32 = 5000;
    pub const DEFAULT_LIMIT: u32 = 100;

    pub fn new(limit: u32, offset: u64) -> Self {
        Self {
            limit: limit.clamp(1, Self::MAX_LIMIT),
            offset,
        }
    }

    /// The first page with the given limit.
    pub fn first(limit: u32) -> Self {
        Self::new(limit, 0)
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new(Self::DEFAULT_LIMIT, 0)
    }
}

/// One page of a list, with the total number of matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

/// Which entities to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityFilter {
    pub kind: Option<EntityKind>,
    pub level: Option<u8>,
    /// Only direct children of this entity (current links).
    pub parent: Option<EntityId>,
    /// Only this entity and its descendants (current links).
    pub subtree: Option<EntityId>,
    pub group: Option<String>,
    /// Substring of the name or an alias.
    pub name_contains: Option<String>,
}

/// Which observations to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservationFilter {
    /// Only these entities.
    pub entities: Option<Vec<EntityId>>,
    /// Only this entity and its descendants: with `periods`, each period's by the links valid on
    /// its last day (a 2024 value of a unit moved in 2025 stays under its 2024 parent); without,
    /// by the current links.
    pub subtree: Option<EntityId>,
    pub indicators: Option<Vec<IndicatorId>>,
    pub periods: Option<Vec<Period>>,
    pub measure: Option<Measure>,
    pub status: Option<ObservationStatus>,
}

/// Which targets to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetFilter {
    pub year: Option<i32>,
    pub entity: Option<EntityId>,
    pub indicator: Option<IndicatorId>,
    pub kind: Option<TargetKind>,
}

/// One overwrite of an observation, as kept in the audit table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub key: ObservationKey,
    pub old_value: Option<f64>,
    pub new_value: f64,
    pub old_status: Option<ObservationStatus>,
    pub new_status: ObservationStatus,
    pub revision: i64,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub source: String,
}
