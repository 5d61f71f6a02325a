//! The audit trail of changes people make: who did what to what, and when ([`AuditStore`]).
//!
//! One event per change, written by the application after the change's own transaction (see
//! ARCHITECTURE.md). Observation changes also keep their old and new values in their own table,
//! read through [`crate::Store::audit`]; this trail names every kind of change in one list.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreResult;

/// A change made by someone, for the audit trail (observation changes also keep old and new
/// values in their own audit table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The user's login (or `system`).
    pub actor: String,
    /// What was done, e.g. `user.add`, `observations.import`, `map.upload`.
    pub action: String,
    /// What it was done to, e.g. a login, a file name, an entity code.
    pub target: String,
    pub detail: String,
}

/// Storage of the audit trail. Part of [`crate::Store`].
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;

    /// The newest audit events first.
    async fn audit_events(&self, limit: u32) -> StoreResult<Vec<AuditEvent>>;
}
